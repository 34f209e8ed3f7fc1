//! fail2ban counts smtpd's log lines where it counts sendmail's.
//!
//! smtpd runs as the lab's sendmail with record-auth's AUTH set-up
//! (`common::lab::auth_daemon`). The client lines of recorded
//! transcripts are replayed against it, from the same source addresses. Then Debian's fail2ban filters
//! `sendmail-auth` and `sendmail-reject` (normal and `mode=extra`), run by the real
//! `fail2ban-regex`, must match the same lines in smtpd's log as in sendmail's
//! recorded syslog, once dates, process ids and queue IDs are taken out.

mod common;

use common::lab::{auth_daemon, oracle_lab, recording, Recording};
use common::python_session;
use std::path::Path;
use std::process::Command;
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
    let Some(lab) = oracle_lab() else { return };
    let Some(daemon) = auth_daemon(&lab, false) else { return };
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
