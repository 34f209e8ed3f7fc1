//! The lab's sendmail, as smtpd: the oracle's own `sendmail.mc` (`tests/oracle/conf`)
//! with its access map, local host names and privacy flags, the port and paths moved
//! to a temporary directory, plus the AUTH set-up `oracle/bin/record-auth` recorded
//! with (AuthMechanisms `PLAIN LOGIN`, `TRUST_AUTH_MECH(LOGIN)`, alice with password
//! secret1 in a sasldb2 made by the real saslpasswd2); and the recorded transcripts
//! to replay against it.

use super::Daemon;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use testkit::oracle::skip;

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

/// One recorded transcript: its sessions (source address, client lines) and
/// sendmail's syslog lines without the `<PRI>`.
pub struct Recording {
    /// (source address, client lines) of each session.
    pub sessions: Vec<(String, Vec<String>)>,
    /// sendmail's syslog lines, without `<PRI>`.
    pub syslog: Vec<String>,
    /// What the server said, per session.
    pub replies: Vec<Vec<String>>,
}

/// The recording `name` of `tests/reference/smtp`.
pub fn recording(name: &str) -> Recording {
    let path = testkit::paths::reference().join("smtp").join(format!("{name}.transcript"));
    let text = std::fs::read_to_string(&path).unwrap();
    let (dialogue, syslog) = text.split_once("\n# syslog\n").expect("a syslog section");
    let mut sessions: Vec<(String, Vec<String>)> = Vec::new();
    let mut replies: Vec<Vec<String>> = Vec::new();
    for line in dialogue.lines() {
        if let Some(rest) = line.strip_prefix("# connect ") {
            let source = rest.rsplit_once(" from ").unwrap().1.trim().to_string();
            sessions.push((source, Vec::new()));
            replies.push(Vec::new());
        } else if let Some(command) = line.strip_prefix("C: ") {
            sessions.last_mut().unwrap().1.push(command.to_string());
        } else if let Some(reply) = line.strip_prefix("S: ") {
            replies.last_mut().unwrap().push(reply.to_string());
        }
    }
    let syslog = syslog
        .lines()
        .filter_map(|l| l.strip_prefix('<'))
        .map(|l| l.split_once('>').unwrap().1.to_string())
        .collect();
    Recording { sessions, syslog, replies }
}

/// smtpd on the lab's configuration in a temporary directory, with `args`.
pub fn lab_daemon(saslpasswd2: &Path, args: &[&str]) -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let lab = dir.path();
    for sub in ["etc", "mqueue", "run"] {
        std::fs::create_dir(lab.join(sub)).unwrap();
    }
    let conf = testkit::paths::oracle_conf();
    for name in ["local-host-names", "relay-domains", "service.switch"] {
        std::fs::copy(conf.join(name), lab.join("etc").join(name)).unwrap();
    }
    write_access_db(&conf.join("access"), &lab.join("etc/access"));
    let mut passwd = Command::new(saslpasswd2)
        .args(["-c", "-p", "-u", "mail.lab.example", "-f"])
        .arg(lab.join("sasldb2"))
        .arg("alice")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut passwd.stdin.take().unwrap(), b"secret1").unwrap();
    assert!(passwd.wait().unwrap().success());
    let sasl = lab.join("Sendmail.conf");
    std::fs::write(
        &sasl,
        format!("pwcheck_method: auxprop\nsasldb_path: {}\n", lab.join("sasldb2").display()),
    )
    .unwrap();
    let mc = std::fs::read_to_string(conf.join("sendmail.mc.in"))
        .unwrap()
        .replace("@SMLAB@", &lab.display().to_string())
        .replace("Port=2525", "Port=0");
    let mc = format!(
        "{mc}define(`confLOG_FILE', `{}/maillog')dnl\n\
         define(`confHOSTS_FILE', `{}/etc/hosts')dnl\n\
         define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\nTRUST_AUTH_MECH(`LOGIN')dnl\n\
         define(`confSASL_CONFIG_FILE', `{}')dnl\n",
        lab.display(),
        lab.display(),
        sasl.display()
    );
    std::fs::write(lab.join("etc/hosts"), "127.0.0.1 localhost\n").unwrap();
    std::fs::write(lab.join("sendmail.mc"), mc).unwrap();
    Daemon::run(dir, args)
}

/// `makemap hash access < access`: keys folded to lower case.
fn write_access_db(source: &Path, map: &Path) {
    use spool::maps::{create, MapType, WriteOptions};
    let mut writer = create(MapType::Hash, map, WriteOptions::default()).unwrap();
    for line in std::fs::read_to_string(source).unwrap().lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(char::is_whitespace).unwrap();
        writer.insert(key.as_bytes(), value.trim().as_bytes()).unwrap();
    }
    writer.commit().unwrap();
}
