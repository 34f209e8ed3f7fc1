//! `FEATURE(greet_pause)` (in Debian's default sendmail.mc, at 1000 ms): smtpd waits
//! before its greeting, and a client that talks first is not served.
//!
//! What sendmail 8.17.1.9 does, from the oracle (the lab's open MTA with
//! `FEATURE(greet_pause, 1500)` after `access_db`; `EHLO` sent at connect):
//!
//! ```text
//! 554 mail.lab.example ESMTP not accepting messages        (at once, not after 1.5 s)
//! 250-mail.lab.example Hello localhost [127.0.0.1], pleased to meet you
//! 250 ENHANCEDSTATUSCODES
//! MAIL, RCPT, DATA, VRFY, EXPN, ETRN, HELP, VERB, STARTTLS, AUTH: 550 5.0.0 Command rejected
//! NOOP: 250 2.0.0 OK; RSET: 250 2.0.0 Reset state; HELO, EHLO: as above; FOO: 500 5.5.1
//! log: <id>: rejecting commands from localhost [127.0.0.1] due to pre-greeting traffic after 0 seconds
//!      ([127.0.0.5] [127.0.0.5] for a client without a name)
//! ```
//!
//! A client that waits gets the usual 220 after the pause. A client `check_relay`
//! refuses (`Connect:... REJECT`) is greeted at once and refused as before; a
//! `DISCARD` one is paused. `GreetPause:` access entries set the pause by client
//! name or address (`GreetPause:127 0`: none).

mod common;

use common::{Client, Daemon};
use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

const PAUSE: Duration = Duration::from_millis(1500);

/// A daemon with `FEATURE(greet_pause, 1500)` and a text access map holding `access`.
fn paused_daemon(access: &str) -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("access");
    std::fs::write(&map, access).unwrap();
    let mc = format!(
        "FEATURE(`access_db', `text {}')dnl\nFEATURE(`greet_pause', `1500')dnl\n",
        map.display()
    );
    Daemon::start_in(dir, &mc, &[])
}

/// How long the greeting took, and everything the server said until `QUIT`'s reply,
/// for a client that sends `early` (if any) the moment it connects, then `commands`.
fn session(daemon: &Daemon, early: Option<&str>, commands: &[&str]) -> (Duration, String) {
    let started = Instant::now();
    let stream = TcpStream::connect(daemon.addr).unwrap();
    let mut writer = stream.try_clone().unwrap();
    if let Some(line) = early {
        writer.write_all(format!("{line}\r\n").as_bytes()).unwrap();
    }
    let mut c = common::Client::from_stream(stream);
    let mut out = c.reply();
    let greeted = started.elapsed();
    if early.is_some() {
        out.push_str(&c.reply());
    }
    for command in commands {
        out.push_str(&c.say(command));
    }
    (greeted, out)
}

#[test]
fn a_client_that_talks_first_is_not_accepted_and_logged() {
    let daemon = paused_daemon("");
    let commands = ["MAIL FROM:<a@example.org>", "RCPT TO:<root>", "DATA", "VRFY root", "HELP"];
    let mut all: Vec<&str> = commands.to_vec();
    all.extend(["FOO", "NOOP", "RSET", "EHLO again.example", "QUIT"]);
    let (greeted, out) = session(&daemon, Some("EHLO early.example"), &all);
    assert!(greeted < PAUSE, "the 554 comes at once, not after the pause: {greeted:?}");
    let hello = "250-mail.test.example Hello localhost [127.0.0.1], pleased to meet you\r\n\
                 250 ENHANCEDSTATUSCODES\r\n";
    let mut want = format!("554 mail.test.example ESMTP not accepting messages\r\n{hello}");
    want.push_str(&"550 5.0.0 Command rejected\r\n".repeat(commands.len()));
    want.push_str("500 5.5.1 Command unrecognized: \"FOO\"\r\n");
    want.push_str("250 2.0.0 OK\r\n250 2.0.0 Reset state\r\n");
    want.push_str(hello);
    want.push_str("221 2.0.0 mail.test.example closing connection\r\n");
    assert_eq!(out, want);
    let log = common::wait_for(|| Some(daemon.log()).filter(|l| l.contains("pre-greeting")));
    let line = ": rejecting commands from localhost [127.0.0.1] due to pre-greeting traffic after 0 seconds";
    assert!(log.contains(line), "{log}");
    assert!(daemon.queued().is_empty());
    fail2ban_counts_it(&daemon.path("maillog"));
}

/// Debian's fail2ban `sendmail-reject` filter matches the pre-greeting line, as it
/// matches sendmail's (the real `fail2ban-regex`).
fn fail2ban_counts_it(log: &std::path::Path) {
    if !testkit::oracle::on_path("fail2ban-regex") {
        testkit::oracle::skip("fail2ban-regex is not installed (Debian's fail2ban)");
        return;
    }
    let out = std::process::Command::new("fail2ban-regex")
        .arg("--print-all-matched")
        .arg(log)
        .arg("/etc/fail2ban/filter.d/sendmail-reject.conf")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let matched = text.split_once("|- Matched line(s):").map_or("", |(_, rest)| rest);
    assert!(matched.contains("due to pre-greeting traffic after 0 seconds"), "{text}");
}

#[test]
fn a_client_that_waits_is_greeted_after_the_pause() {
    let daemon = paused_daemon("");
    let (greeted, out) = session(&daemon, None, &["EHLO c.example", "QUIT"]);
    assert!(greeted >= PAUSE && greeted < PAUSE * 3, "greeted after {greeted:?}");
    assert!(out.starts_with("220 mail.test.example ESMTP"), "{out}");
    assert!(out.contains("250-PIPELINING"), "{out}");
    let mut c = Client::connect(daemon.addr);
    assert!(c.reply().starts_with("220 "));
    c.say("EHLO c.example");
    assert!(c.say("MAIL FROM:<a@example.org>").starts_with("250 2.1.0"));
    assert!(c.say("RCPT TO:<root>").starts_with("250 2.1.5"));
    assert!(c.say("DATA").starts_with("354"));
    c.send("Subject: patient\r\n\r\nbody\r\n");
    assert!(c.say(".").starts_with("250 2.0.0 "));
    assert_eq!(daemon.queued().len(), 1);
}

#[test]
fn access_entries_set_the_pause_and_a_refused_client_is_not_paused() {
    // GreetPause:127 as in Debian's access file: none for the machine itself.
    let daemon = paused_daemon("GreetPause:127\t0\n");
    let (greeted, out) = session(&daemon, None, &["QUIT"]);
    assert!(greeted < Duration::from_millis(700), "no pause: {greeted:?}");
    assert!(out.starts_with("220 "), "{out}");
    let refused = paused_daemon("Connect:127.0.0.1\tREJECT\n");
    let (greeted, out) =
        session(&refused, Some("EHLO early.example"), &["MAIL FROM:<a@x.example>", "QUIT"]);
    assert!(greeted < Duration::from_millis(700), "no pause for a refused client: {greeted:?}");
    assert!(out.starts_with("220 mail.test.example ESMTP"), "{out}");
    assert!(out.contains("550 5.7.1 Access denied\r\n"), "{out}");
    assert!(!refused.log().contains("pre-greeting"), "{}", refused.log());
}
