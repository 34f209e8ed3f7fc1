//! fail2ban counts smtpd's log lines where it counts sendmail's.
//!
//! smtpd runs on the lab's own `sendmail.mc` (`tests/oracle/conf`, with its access map,
//! local host names and privacy flags; the port and paths moved to a temporary
//! directory) plus the AUTH set-up `oracle/bin/record-auth` recorded with
//! (AuthMechanisms `PLAIN LOGIN`, `TRUST_AUTH_MECH(LOGIN)`, alice in a sasldb2 made by
//! the real saslpasswd2). The client lines of recorded transcripts are replayed
//! against it, from the same source addresses. Then Debian's fail2ban filters
//! `sendmail-auth` and `sendmail-reject` (normal and `mode=extra`), run by the real
//! `fail2ban-regex`, must match the same lines in smtpd's log as in sendmail's
//! recorded syslog, once dates, process ids and queue IDs are taken out.

mod common;

use common::{python_session, Daemon};
use std::path::Path;
use std::process::{Command, Stdio};
use testkit::oracle::{on_path, skip};

/// The recordings replayed: AUTH failures and floods, relaying denied from a
/// nameless client, VRFY/EXPN refused.
const REPLAYED: [&str; 3] = ["auth-sasldb", "relay-denied", "vrfy-expn-main"];

/// The filters, as fail2ban-regex takes them.
const FILTERS: [&str; 3] = [
    "/etc/fail2ban/filter.d/sendmail-auth.conf",
    "/etc/fail2ban/filter.d/sendmail-reject.conf",
    "sendmail-reject[mode=extra]",
];

/// One recorded transcript: its sessions (source address, client lines) and
/// sendmail's syslog lines without the `<PRI>`.
struct Recording {
    sessions: Vec<(String, Vec<String>)>,
    syslog: Vec<String>,
}

fn recording(name: &str) -> Recording {
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

/// smtpd on the lab's configuration in a temporary directory.
fn lab_daemon(saslpasswd2: &Path) -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let lab = dir.path();
    for sub in ["etc", "mqueue", "run"] {
        std::fs::create_dir(lab.join(sub)).unwrap();
    }
    let conf = testkit::paths::oracle_conf();
    for name in ["local-host-names", "relay-domains"] {
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
         define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\nTRUST_AUTH_MECH(`LOGIN')dnl\n\
         define(`confSASL_CONFIG_FILE', `{}')dnl\n",
        lab.display(),
        sasl.display()
    );
    std::fs::write(lab.join("sendmail.mc"), mc).unwrap();
    Daemon::run(dir, &[])
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

/// The lines of `log` that `filter` matches, without date, pid and queue ID, sorted.
fn matched(log: &Path, filter: &str) -> Vec<String> {
    let out = Command::new("fail2ban-regex")
        .arg("--print-all-matched")
        .arg(log)
        .arg(filter)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "fail2ban-regex {filter}: {text}");
    let section = text.split_once("|- Matched line(s):").map_or("", |(_, rest)| rest);
    let section = section.split("\n`-").next().unwrap_or("");
    let mut lines: Vec<String> =
        section.lines().filter_map(|l| l.strip_prefix("|  ")).map(normalize).collect();
    lines.sort();
    lines
}

/// A log line from its message on, the queue ID replaced by `ID`.
fn normalize(line: &str) -> String {
    let message = line.split_once("]: ").map_or(line, |(_, rest)| rest);
    match message.split_once(": ") {
        Some((id, rest)) if id.len() == 14 && id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
            format!("ID: {rest}")
        }
        _ => message.to_string(),
    }
}

#[test]
fn fail2ban_matches_our_lines_where_it_matches_sendmails() {
    if !on_path("fail2ban-regex") {
        skip("fail2ban-regex is missing (apt-get install fail2ban)");
        return;
    }
    let Some(saslpasswd2) = ["/usr/sbin/saslpasswd2", "/usr/bin/saslpasswd2"]
        .iter()
        .map(Path::new)
        .find(|p| p.exists())
    else {
        skip("saslpasswd2 is missing (apt-get install sasl2-bin)");
        return;
    };
    let daemon = lab_daemon(saslpasswd2);
    let recordings: Vec<Recording> = REPLAYED.iter().map(|n| recording(n)).collect();
    std::thread::scope(|scope| {
        for recording in &recordings {
            let daemon = &daemon;
            scope.spawn(move || {
                for (source, lines) in &recording.sessions {
                    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
                    python_session(daemon.addr, source, &lines);
                }
            });
        }
    });
    let theirs = daemon.path("sendmail.log");
    let sendmail_lines: Vec<String> = recordings.iter().flat_map(|r| r.syslog.clone()).collect();
    std::fs::write(&theirs, sendmail_lines.join("\n") + "\n").unwrap();
    let ours = daemon.path("maillog");
    for filter in FILTERS {
        let want = matched(&theirs, filter);
        assert!(!want.is_empty(), "{filter} matches some of sendmail's lines");
        assert_eq!(matched(&ours, filter), want, "{filter}; our log:\n{}", daemon.log());
    }
}
