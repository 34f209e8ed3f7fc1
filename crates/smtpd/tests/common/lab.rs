//! The oracle lab's sendmail, as smtpd: the lab's own `sendmail.mc` and maps (as
//! tests/oracle/setup.sh generates them, with the real makemap and newaliases) copied
//! into a temporary directory, paths moved there, listening on a free port; with, for
//! the AUTH recordings, the set-up `oracle/bin/record-auth` recorded with
//! (AuthMechanisms `PLAIN LOGIN`, `TRUST_AUTH_MECH(LOGIN)`, alice with password
//! secret1 in a sasldb2 made by the real saslpasswd2). And the recordings to replay.

use super::Daemon;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use testkit::oracle::{skip, Oracle};

/// The oracle lab's tree, or `None` after a skip.
pub fn oracle_lab() -> Option<PathBuf> {
    let oracle = Oracle::locate();
    if oracle.lab.join("etc/access.db").exists() {
        return Some(oracle.lab);
    }
    skip(format!("the oracle lab is not set up in {}", oracle.lab.display()));
    None
}

/// The lab's configuration copied into `dir`, paths moved there, listening on a free
/// port, with `extra` `.mc` lines; `open` gives the open MTA (`-DSMLAB_OPEN`).
pub fn lab_config(lab: &Path, dir: &Path, open: bool, extra: &str) {
    let etc = dir.join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::create_dir_all(dir.join("mqueue")).unwrap();
    for entry in std::fs::read_dir(lab.join("etc")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, etc.join(path.file_name().unwrap())).unwrap();
    }
    let lab_text = lab.to_str().unwrap();
    let mc = std::fs::read_to_string(lab.join("etc/sendmail.mc")).unwrap();
    let mc = mc
        .replace(&format!("{lab_text}/etc/"), &format!("{}/", etc.display()))
        .replace(&format!("{lab_text}/mqueue"), &format!("{}/mqueue", dir.display()))
        .replace("Port=2525", "Port=0")
        .replace("Port=2526", "Port=0")
        .replace("Name=MTA-open", "Name=MTA");
    let recording_machine = testkit::paths::workspace().join("crates/spool/tests/data/lab/hosts");
    let own = format!(
        "define(`confLOG_FILE', `{d}/maillog')dnl\n\
         define(`confPID_FILE', `{d}/smtpd.pid')dnl\n\
         define(`confHOSTS_FILE', `{h}')dnl\n\
         define(`confMIN_FREE_BLOCKS', `0')dnl\n",
        d = dir.display(),
        h = recording_machine.display()
    );
    let define = if open { "define(`SMLAB_OPEN', `1')dnl\n" } else { "" };
    std::fs::write(dir.join("sendmail.mc"), format!("{define}{mc}{own}{extra}")).unwrap();
}

/// The real saslpasswd2, or `None` after a skip.
pub fn saslpasswd2() -> Option<PathBuf> {
    let found = ["/usr/sbin/saslpasswd2", "/usr/bin/saslpasswd2"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists());
    if found.is_none() {
        skip("saslpasswd2 is missing (apt-get install sasl2-bin)");
    }
    found
}

/// record-auth's SASL set-up in `dir` (a sasldb2 with alice, a Sendmail.conf); the
/// `.mc` lines that use it, or `None` after a skip.
pub fn auth_setup(dir: &Path) -> Option<String> {
    let tool = saslpasswd2()?;
    let db = dir.join("sasldb2");
    let mut passwd = Command::new(tool)
        .args(["-c", "-p", "-u", "mail.lab.example", "-f"])
        .arg(&db)
        .arg("alice")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut passwd.stdin.take().unwrap(), b"secret1").unwrap();
    assert!(passwd.wait().unwrap().success());
    let conf = dir.join("Sendmail.conf");
    let sasl = format!(
        "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: {}\nmech_list: PLAIN LOGIN\n",
        db.display()
    );
    std::fs::write(&conf, sasl).unwrap();
    Some(format!(
        "define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\nTRUST_AUTH_MECH(`LOGIN')dnl\n\
         define(`confSASL_CONFIG_FILE', `{}')dnl\n",
        conf.display()
    ))
}

/// smtpd as record-auth's copy of the main MTA: on 2528 (`m_a` false) or, with the
/// listener's `M=a`, on 2529. `None` after a skip.
pub fn auth_daemon(lab: &Path, m_a: bool) -> Option<Daemon> {
    let dir = tempfile::tempdir().unwrap();
    let extra = auth_setup(dir.path())?;
    lab_config(lab, dir.path(), false, &extra);
    let args: &[&str] =
        if m_a { &["-O", "DaemonPortOptions=Port=0,Addr=127.0.0.1,Name=MTA,M=a"] } else { &[] };
    Some(Daemon::run(dir, args))
}

/// One recorded transcript: its sessions and sendmail's syslog lines.
pub struct Recording {
    /// (source address, client lines) of each session.
    pub sessions: Vec<(String, Vec<String>)>,
    /// sendmail's syslog lines, without `<PRI>`.
    pub syslog: Vec<String>,
}

/// The recording `name` of `tests/reference/smtp`.
pub fn recording(name: &str) -> Recording {
    let path = testkit::paths::reference().join("smtp").join(format!("{name}.transcript"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (dialogue, syslog) = text.split_once("\n# syslog\n").expect("a syslog section");
    let mut sessions: Vec<(String, Vec<String>)> = Vec::new();
    for line in dialogue.lines() {
        if let Some(rest) = line.strip_prefix("# connect ") {
            let source = rest.rsplit_once(" from ").unwrap().1.trim().to_string();
            sessions.push((source, Vec::new()));
        } else if let Some(command) = line.strip_prefix("C: ") {
            sessions.last_mut().unwrap().1.push(command.to_string());
        }
    }
    let syslog = syslog
        .lines()
        .filter_map(|l| l.strip_prefix('<'))
        .map(|l| l.split_once('>').unwrap().1.to_string())
        .collect();
    Recording { sessions, syslog }
}
