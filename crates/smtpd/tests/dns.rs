//! smtpd with a DNS server of the test's own: client names (PTR, forward confirmation,
//! `may be forged`), `FEATURE(dnsbl)` and `FEATURE(enhdnsbl)` with sendmail's default
//! and custom messages, `delay_checks`, and the service switch's `files` asking no name
//! server. Replayed against what the real sendmail did with the same zone and features
//! (`tests/reference/dns/`, recorded with the oracle).

mod common;

use common::{python_session, wait_for, Daemon};
use testkit::dns::{DnsServer, Zone};

fn reference(name: &str) -> String {
    std::fs::read_to_string(testkit::paths::reference().join("dns").join(name)).unwrap()
}

/// The recorded dialogues by client address (server lines only) and the log lines.
fn recording(name: &str) -> (Vec<(String, String)>, Vec<String>) {
    let text = reference(name);
    let mut clients: Vec<(String, String)> = Vec::new();
    let mut log = Vec::new();
    let mut section = "";
    for line in text.lines() {
        if let Some(client) = line.strip_prefix("=== client ") {
            clients.push((client.to_string(), String::new()));
            section = "client";
        } else if line.starts_with("=== ") {
            section = if line == "=== maillog" { "log" } else { "" };
        } else if section == "client" {
            if let Some(s) = line.strip_prefix("S: ") {
                let (_, server) = clients.last_mut().unwrap();
                server.push_str(s);
                server.push_str("\r\n");
            }
        } else if section == "log" {
            log.push(line.split_once("]: ").map_or(line, |(_, m)| m).to_string());
        }
    }
    (clients, log)
}

/// Whole replies of a dialogue.
fn replies(server: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in server.split_inclusive("\r\n") {
        current.push_str(line);
        if line.len() < 4 || line.as_bytes()[3] == b' ' {
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

const SESSION: [&str; 4] =
    ["EHLO client.test", "MAIL FROM:<a@example.org>", "RCPT TO:<root@mail.lab.example>", "QUIT"];

/// Log lines without the syslog prefix and without a leading queue ID.
fn our_log(daemon: &Daemon) -> Vec<String> {
    daemon
        .log()
        .lines()
        .map(|l| l.split_once("]: ").map_or(l, |(_, m)| m).to_string())
        .map(|l| match l.split_once(": ") {
            Some((id, rest)) if id.len() == 14 && id.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                rest.to_string()
            }
            _ => l,
        })
        .collect()
}

/// Runs the recorded clients of `name` against smtpd configured with `features`,
/// and compares replies and log lines.
fn replay(name: &str, features: &str) {
    let server = DnsServer::start(Zone::parse(&reference("zone.txt")));
    let mc = format!("define(`confDOMAIN_NAME', `mail.lab.example')dnl\n{}", reference(features));
    let daemon = Daemon::start_with_dns(&mc, server.addr(), "hosts dns files\n", &[]);
    let (clients, recorded_log) = recording(name);
    assert!(!clients.is_empty());
    for (client, recorded) in &clients {
        let ours = replies(&python_session(daemon.addr, client, &SESSION));
        let theirs = replies(recorded);
        assert_eq!(ours.len(), theirs.len(), "{client}: {ours:?} / {theirs:?}");
        let rejected = theirs[1].lines().count() == 2;
        if rejected {
            assert_eq!(ours[1], theirs[1], "{client}: EHLO of a rejected client");
        } else {
            assert_eq!(ours[1].lines().next(), theirs[1].lines().next(), "{client}: EHLO");
        }
        assert_eq!(ours[2..], theirs[2..], "{client}: MAIL, RCPT, QUIT");
    }
    let wanted: Vec<String> = recorded_log
        .iter()
        .filter(|l| {
            l.contains("ruleset=")
                || (l.contains("from=<a@example.org>") && !l.contains("[127.0.0.1]"))
        })
        .map(|l| match l.split_once(": ") {
            Some((id, rest)) if id.len() == 14 && !id.contains(' ') => rest.to_string(),
            _ => l.clone(),
        })
        .collect();
    let log = wait_for(|| {
        let log = our_log(&daemon);
        wanted.iter().all(|w| log.contains(w)).then_some(log)
    });
    assert!(!wanted.is_empty(), "{log:?}");
}

#[test]
fn dnsbl_with_custom_and_default_messages_and_client_names_as_sendmail() {
    replay("e1-dnsbl-files-switch.txt", "e1.features.m4");
}

#[test]
fn enhdnsbl_rejects_only_the_matching_answer() {
    replay("e2-enhdnsbl.txt", "e2.features.m4");
}

#[test]
fn delay_checks_moves_the_dnsbl_reject_to_rcpt() {
    replay("e4-delay-checks.txt", "e4.features.m4");
}

#[test]
fn the_tips_lines_with_their_empty_zone_load_and_never_look_up() {
    let server = DnsServer::start(Zone::parse(&reference("zone.txt")));
    let tips = reference("tips-dnsbl-lines.m4");
    let two: String =
        tips.lines().filter(|l| !l.contains("&#039;")).map(|l| format!("{l}\n")).collect();
    let daemon = Daemon::start_with_dns(&two, server.addr(), "hosts files\n", &[]);
    let out = python_session(
        daemon.addr,
        "127.0.0.20",
        &["EHLO c.test", "MAIL FROM:<a@example.org>", "RCPT TO:<root>"],
    );
    assert!(out.contains("250 2.1.5 <root>... Recipient ok"), "{out}");
    assert_eq!(server.query_count(), 0, "{:?}", server.queries());
    let log = daemon.log();
    assert_eq!(log.matches("missing argument for FEATURE(`dnsbl')").count(), 2, "{log}");
}

#[test]
fn the_tips_three_lines_do_not_load_as_with_m4() {
    let tips = reference("tips-dnsbl-lines.m4");
    assert!(tips.contains("&#039;)dnl"), "the fixture is the tips' text, verbatim");
    let dir = common::minimal(&tips);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtpd"))
        .args(["-bD", "-C"])
        .arg(dir.path().join("sendmail.mc"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(78), "{stderr}");
    assert!(stderr.contains("end of file in string") || stderr.contains("quote"), "{stderr}");
}

#[test]
fn the_files_switch_asks_no_name_server() {
    let server = DnsServer::start(Zone::parse(&reference("zone.txt")));
    let daemon = Daemon::start_with_dns("", server.addr(), "hosts files\n", &[]);
    let out = python_session(daemon.addr, "127.0.0.21", &SESSION);
    assert!(out.contains("Hello [127.0.0.21], pleased to meet you"), "{out}");
    let from = wait_for(|| {
        daemon.log().lines().find(|l| l.contains("from=<a@example.org>")).map(str::to_string)
    });
    assert!(from.ends_with("relay=[127.0.0.21]"), "{from}");
    assert_eq!(server.query_count(), 0, "{:?}", server.queries());
    // The DNSBL is the `dns` map: asked whatever the switch says, as sendmail's is.
    let listed =
        Daemon::start_with_dns(&reference("e1.features.m4"), server.addr(), "hosts files\n", &[]);
    let out = python_session(listed.addr, "127.0.0.20", &SESSION);
    assert!(out.contains("554 5.7.1 Rejected 127.0.0.20 found in zen.spamhaus.org"), "{out}");
    let asked: Vec<String> =
        server.queries().iter().map(|q| format!("{} {}", q.name, q.qtype)).collect();
    assert_eq!(asked, ["20.0.0.127.zen.spamhaus.org A"]);
}

#[test]
fn a_forged_name_shows_in_the_received_line() {
    let server = DnsServer::start(Zone::parse(&reference("zone.txt")));
    let daemon = Daemon::start_with_dns("", server.addr(), "hosts dns files\n", &[]);
    let out = python_session(
        daemon.addr,
        "127.0.0.26",
        &[
            "HELO client.test",
            "MAIL FROM:<a@example.org>",
            "RCPT TO:<root>",
            "DATA",
            "Subject: x\r\n\r\nhi\r\n.",
            "QUIT",
        ],
    );
    assert!(out.contains("Message accepted for delivery"), "{out}");
    let qf = daemon.queued().pop().unwrap();
    let text =
        String::from_utf8_lossy(&common::read_qf(&daemon.path("mqueue").join(qf))).into_owned();
    assert!(
        text.contains(
            "Received: from client.test (noaddr.client.test [127.0.0.26] (may be forged))"
        ),
        "{text}"
    );
}
