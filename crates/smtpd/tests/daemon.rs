//! smtpd end to end: a real daemon on a loopback port, real clients, real files.

mod common;

use common::{python_session, wait_for, Client, Daemon};
use spool::qf::envelope::Envelope;
use std::time::Duration;

fn envelope_of(daemon: &Daemon, qf_name: &str) -> Envelope {
    let path = daemon.path("mqueue").join(qf_name);
    let qf = spool::qf::parse(&path, &std::fs::read(&path).unwrap()).unwrap();
    Envelope::from_queue_file(&path, &qf).unwrap()
}

fn send_message(c: &mut Client, from: &str, to: &[&str], text: &str) -> String {
    assert!(c.say(&format!("MAIL FROM:<{from}>")).starts_with("250 2.1.0"));
    for rcpt in to {
        let r = c.say(&format!("RCPT TO:<{rcpt}>"));
        assert!(r.starts_with("250 2.1.5"), "{r}");
    }
    assert!(c.say("DATA").starts_with("354 "));
    c.send(text);
    c.say(".")
}

#[test]
fn a_message_is_queued_in_sendmails_format_before_250() {
    let daemon = Daemon::start("");
    let mut c = Client::connect(daemon.addr);
    let greeting = c.reply();
    assert!(greeting.starts_with("220 mail.test.example ESMTP Sendmail ferrymail-"), "{greeting}");
    let ehlo = c.say("EHLO client.example");
    assert!(ehlo.contains("250-PIPELINING\r\n") && ehlo.ends_with("250 HELP\r\n"), "{ehlo}");
    let done = send_message(
        &mut c,
        "alice@example.org",
        &["root", "bob@example.net"],
        "Subject: test\r\n\r\nhello\r\n",
    );
    let id = done
        .strip_prefix("250 2.0.0 ")
        .and_then(|r| r.strip_suffix(" Message accepted for delivery\r\n"))
        .expect(&done)
        .to_string();
    // The qf exists the moment 250 arrives: the commit came first.
    assert_eq!(daemon.queued(), [format!("qf{id}")]);
    let df = std::fs::read(daemon.path("mqueue").join(format!("df{id}"))).unwrap();
    assert_eq!(df, b"hello\n");
    let env = envelope_of(&daemon, &format!("qf{id}"));
    assert_eq!(env.sender, b"<alice@example.org>");
    let rcpts: Vec<&[u8]> = env.recipients.iter().map(|r| r.address.as_slice()).collect();
    assert_eq!(rcpts, [b"<root>".as_slice(), b"<bob@example.net>"]);
    assert_eq!(env.flags, "bs");
    let headers: Vec<String> =
        env.headers.iter().map(|h| String::from_utf8_lossy(&h.text).into_owned()).collect();
    assert!(headers[1].starts_with("Received: from client.example (localhost [127.0.0.1])\n\tby mail.test.example (ferrymail-"), "{headers:?}");
    assert!(headers.iter().any(|h| h == "Subject: test"));
    let added =
        headers.iter().find(|h| h.starts_with("Message-Id: <")).expect("a Message-Id added");
    let msgid = &added["Message-Id: ".len()..];
    assert!(msgid.ends_with(&format!(".{id}@mail.test.example>")), "{msgid}");
    assert!(c.say("QUIT").starts_with("221 2.0.0 mail.test.example closing connection"));
    let log = wait_for(|| {
        Some(daemon.log()).filter(|l| l.contains(&format!("{id}: from=<alice@example.org>")))
    });
    assert!(
        log.contains(&format!(
            "{id}: from=<alice@example.org>, size=21, class=0, nrcpts=2, msgid=<"
        )),
        "{log}"
    );
    assert!(
        log.contains(&format!(
            "msgid={msgid}, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]"
        )),
        "{log}"
    );
}

#[test]
fn relaying_is_denied_to_a_client_that_may_not_relay() {
    let daemon = Daemon::start("");
    let out = python_session(
        daemon.addr,
        "127.0.0.2",
        &[
            "EHLO c.example",
            "MAIL FROM:<a@example.org>",
            "RCPT TO:<x@elsewhere.example>",
            "RCPT TO:<root>",
            "QUIT",
        ],
    );
    // sendmail's words for a client whose address has no name (tests/reference/smtp/
    // relay-denied.transcript).
    let denied =
        "550 5.7.1 <x@elsewhere.example>... Relaying denied. IP name lookup failed [127.0.0.2]";
    assert!(out.contains(&format!("{denied}\r\n")), "{out}");
    assert!(out.contains("250 2.1.5 <root>... Recipient ok\r\n"), "{out}");
    let log = wait_for(|| Some(daemon.log()).filter(|l| l.contains("ruleset=check_rcpt")));
    let line = format!(
        ": ruleset=check_rcpt, arg1=<x@elsewhere.example>, relay=[127.0.0.2], reject={denied}\n"
    );
    assert!(log.contains(&line), "{log}");
    // 127.0.0.1 may relay.
    let mut c = Client::connect(daemon.addr);
    c.reply();
    c.say("EHLO c.example");
    assert!(c.say("MAIL FROM:<a@example.org>").starts_with("250"));
    assert!(c.say("RCPT TO:<x@elsewhere.example>").starts_with("250 2.1.5"));
}

#[test]
fn sessions_run_at_once_and_the_limit_refuses_with_421() {
    let daemon = Daemon::start("define(`confMAX_DAEMON_CHILDREN', `2')dnl\n");
    let mut a = Client::connect(daemon.addr);
    let mut b = Client::connect(daemon.addr);
    assert!(a.reply().starts_with("220 ") && b.reply().starts_with("220 "));
    let mut c = Client::connect(daemon.addr);
    assert_eq!(c.rest(), "421 4.3.2 Too many open connections.\r\n");
    assert!(a.say("QUIT").starts_with("221"));
    drop(a);
    let mut d = wait_for(|| {
        let mut d = Client::connect(daemon.addr);
        let r = d.reply();
        r.starts_with("220 ").then_some(d)
    });
    assert!(d.say("NOOP").starts_with("250"));
    assert!(b.say("NOOP").starts_with("250"));
}

#[test]
fn sigterm_lets_a_session_in_flight_finish_and_removes_the_pid_file() {
    let mut daemon = Daemon::start("");
    let pid = std::fs::read_to_string(daemon.path("smtpd.pid")).unwrap();
    assert_eq!(pid.lines().next().unwrap(), daemon.child.as_ref().unwrap().id().to_string());
    assert!(pid.lines().nth(1).unwrap().starts_with("smtpd -bD -C "));
    let mut c = Client::connect(daemon.addr);
    c.reply();
    c.say("EHLO c.example");
    daemon.signal("TERM");
    std::thread::sleep(Duration::from_millis(200));
    // No new connections, but the session in flight completes its message.
    assert!(std::net::TcpStream::connect(daemon.addr).is_err());
    let done = send_message(&mut c, "a@example.org", &["root"], "Subject: late\r\n\r\nbody\r\n");
    assert!(done.starts_with("250 2.0.0 "), "{done}");
    assert!(c.say("QUIT").starts_with("221"));
    drop(c);
    let status = daemon.stop_waiting();
    assert!(status.success(), "{status:?}");
    assert!(!daemon.path("smtpd.pid").exists());
    assert_eq!(daemon.queued().len(), 1);
}

#[test]
fn sighup_reloads_the_configuration_for_new_sessions() {
    let daemon = Daemon::start("define(`confPRIVACY_FLAGS', `authwarnings')dnl\n");
    let mut old = Client::connect(daemon.addr);
    old.reply();
    assert!(old.say("EHLO c.example").contains("250-EXPN\r\n"));
    let mc = daemon.path("sendmail.mc");
    let text =
        std::fs::read_to_string(&mc).unwrap().replace("`authwarnings'", "`authwarnings,noexpn'");
    std::fs::write(&mc, text).unwrap();
    daemon.signal("HUP");
    wait_for(|| Some(()).filter(|_| daemon.log().contains("configuration and maps reloaded")));
    let mut new = Client::connect(daemon.addr);
    new.reply();
    assert!(!new.say("EHLO c.example").contains("EXPN"));
    // The session that started before keeps its settings.
    assert!(old.say("EHLO c.example").contains("250-EXPN\r\n"));
}

#[test]
fn bad_command_lines_exit_with_sysexits_codes() {
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_smtpd")).args(["-bx"]).output().unwrap();
    assert_eq!(out.status.code(), Some(64));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "smtpd: -bx: only -bd and -bD\n");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smtpd"))
        .args(["-bD", "-C", "/nonexistent.mc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(66));
}

#[test]
fn eight_bit_and_utf8_local_parts_relay_nothing() {
    let daemon = Daemon::start("");
    let tricks = [
        "RCPT TO:<j\u{f6}rg@elsewhere.example>",
        "RCPT TO:<\u{5c71}\u{7530}%elsewhere.example@mail.test.example>",
        "RCPT TO:<\"x@elsewhere.example\"\u{e9}@mail.test.example>",
        "RCPT TO:<elsewhere.example!\u{fc}ser@mail.test.example>",
    ];
    let mut lines = vec!["EHLO c.example", "MAIL FROM:<a@example.org>"];
    lines.extend(tricks);
    lines.push("QUIT");
    let out = python_session(daemon.addr, "127.0.0.2", &lines);
    let replies: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("550") || l.starts_with("250 2.1.5") || l.starts_with("553"))
        .collect();
    assert_eq!(replies.len(), tricks.len(), "{out}");
    assert!(replies.iter().all(|r| r.starts_with("55")), "nothing relays: {out}");
}

/// CHUNKING (beyond sendmail) with `confCHUNKING`: BDAT chunks become one queued
/// message; the bytes of a chunk are never read as commands; without the option
/// EHLO does not offer it, as sendmail's does not.
#[test]
fn bdat_chunks_are_queued_only_where_chunking_is_on() {
    let plain = Daemon::start("");
    let mut c = Client::connect(plain.addr);
    c.reply();
    assert!(!c.say("EHLO c.example").contains("CHUNKING"));
    let daemon = Daemon::start("define(`confCHUNKING', `True')dnl\n");
    let mut c = Client::connect(daemon.addr);
    c.reply();
    assert!(c.say("EHLO c.example").contains("250-CHUNKING\r\n"));
    assert!(c.say("MAIL FROM:<a@example.org>").starts_with("250"));
    assert!(c.say("RCPT TO:<root>").starts_with("250"));
    let first = "Subject: chunks\r\n\r\nline one\r\n.\r\nMAIL FROM:<evil@example.org>\r\n";
    c.send(&format!("BDAT {}\r\n{first}", first.len()));
    assert_eq!(c.reply(), format!("250 2.0.0 {} bytes received\r\n", first.len()));
    let last = "RCPT TO:<x@elsewhere.example>\r\nend\r\n";
    c.send(&format!("BDAT {} LAST\r\n{last}", last.len()));
    let done = c.reply();
    let id = done.strip_prefix("250 2.0.0 ").and_then(|r| r.split(' ').next()).expect(&done);
    assert_eq!(daemon.queued(), [format!("qf{id}")]);
    let env = envelope_of(&daemon, &format!("qf{id}"));
    assert_eq!(env.sender, b"<a@example.org>");
    assert_eq!(env.recipients.len(), 1);
    let df = std::fs::read(daemon.path("mqueue").join(format!("df{id}"))).unwrap();
    let body = "line one\n.\nMAIL FROM:<evil@example.org>\nRCPT TO:<x@elsewhere.example>\nend\n";
    assert_eq!(String::from_utf8_lossy(&df), body);
    assert!(c.say("QUIT").starts_with("221"));
}

/// SMTPUTF8 with sendmail's `confSMTPUTF8` (off by default, as in the oracle's
/// sendmail): offered after 8BITMIME, MAIL takes the parameter, UTF-8 addresses
/// are queued as given and the protocol is RFC 6531's `UTF8SMTP`.
#[test]
fn smtputf8_where_configured() {
    let plain = Daemon::start("");
    let mut c = Client::connect(plain.addr);
    c.reply();
    assert!(!c.say("EHLO c.example").contains("SMTPUTF8"));
    let r = c.say("MAIL FROM:<a@example.org> SMTPUTF8");
    assert_eq!(r, "555 5.5.4 SMTPUTF8 parameter unrecognized\r\n");
    let daemon = Daemon::start("define(`confSMTPUTF8', `True')dnl\n");
    let mut c = Client::connect(daemon.addr);
    c.reply();
    assert!(c.say("EHLO c.example").contains("250-8BITMIME\r\n250-SMTPUTF8\r\n"));
    assert!(c.say("MAIL FROM:<gr\u{fc}\u{df}e@example.org> SMTPUTF8").starts_with("250 2.1.0"));
    let r = c.say("RCPT TO:<j\u{f6}rg@elsewhere.example>");
    assert!(r.starts_with("250 2.1.5"), "{r}");
    assert!(c.say("DATA").starts_with("354"));
    c.send("Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n\r\nhallo\r\n");
    let done = c.say(".");
    let id = done.strip_prefix("250 2.0.0 ").and_then(|r| r.split(' ').next()).expect(&done);
    let env = envelope_of(&daemon, &format!("qf{id}"));
    assert_eq!(env.sender, "<gr\u{fc}\u{df}e@example.org>".as_bytes());
    assert_eq!(env.recipients[0].address, "<j\u{f6}rg@elsewhere.example>".as_bytes());
    let received = String::from_utf8_lossy(&env.headers[1].text).into_owned();
    assert!(received.contains(" with UTF8SMTP id "), "{received}");
}

/// A client with Nagle's algorithm on (std's default, and smtp-source's) that
/// writes the text and the final dot separately must not wait for a delayed
/// acknowledgement (40 ms on Linux) at every message: smtpd asks for quick ACKs.
/// Compared with the same messages sent in one write, so a slow disk slows both.
#[test]
fn a_dot_written_on_its_own_is_not_held_back_by_a_delayed_ack() {
    let daemon = Daemon::start("");
    let text = format!("Subject: nagle\r\n\r\n{}", "y".repeat(70).repeat(14) + "\r\n");
    let median = |split: bool| {
        let mut times: Vec<Duration> = (0..15)
            .map(|_| {
                let mut c = common::open_data(&daemon);
                let started = std::time::Instant::now();
                let reply = match split {
                    true => {
                        c.send(&text);
                        c.say(".")
                    }
                    false => {
                        c.send(&format!("{text}.\r\n"));
                        c.reply()
                    }
                };
                let took = started.elapsed();
                assert!(reply.starts_with("250 2.0.0 "), "{reply}");
                took
            })
            .collect();
        times.sort();
        times[times.len() / 2]
    };
    let (whole, split) = (median(false), median(true));
    assert!(split < whole + Duration::from_millis(20), "split {split:?}, whole {whole:?}");
}
