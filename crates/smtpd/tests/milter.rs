//! smtpd with milters on the real libmilter (Debian's python3-milter, started by
//! each test on 127.0.0.1): each stage's reject, tempfail, custom reply and
//! discard as the client sees it, end-of-body changes in the queue file, the
//! quarantine's `hf`, and filters that are down, slow or talk garbage answered by
//! their `F=`, never a crash or a lost message.

mod common;

use common::{Client, Daemon};
use testkit::milter::{free_port, PyMilter};

/// An `INPUT_MAIL_FILTER` line for a filter on `port`.
fn filter(name: &str, port: u16, rest: &str) -> String {
    format!("INPUT_MAIL_FILTER(`{name}', `S=inet:{port}@127.0.0.1{rest}')dnl\n")
}

/// A whole transaction; every reply, in order.
fn transaction(daemon: &Daemon, rcpts: &[&str], message: &str) -> Vec<String> {
    let mut c = Client::connect(daemon.addr);
    let mut replies = vec![c.reply(), c.say("EHLO client.example")];
    replies.push(c.say("MAIL FROM:<alice@example.org>"));
    for r in rcpts {
        replies.push(c.say(&format!("RCPT TO:<{r}>")));
    }
    let data = c.say("DATA");
    let go = data.starts_with("354");
    replies.push(data);
    if go {
        c.send(message);
        replies.push(c.say("."));
    }
    replies.push(c.say("QUIT"));
    replies
}

const MESSAGE: &str = "Subject: hello\r\nFrom: alice@example.org\r\nX-Remove: me\r\nMessage-Id: <1@example.org>\r\n\r\nbody line\r\n";

/// The files of the queue whose names start with `prefix`.
fn files(daemon: &Daemon, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(daemon.path("mqueue"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

#[test]
fn each_stage_rejects_tempfails_and_replies_as_sendmail() {
    let dir = tempfile::tempdir().unwrap();
    // (filter spec, which reply, expected start, log line)
    let cases = [
        (
            r#"{"connect": "reject"}"#,
            2,
            "550 5.0.0 Command rejected",
            "Milter: connect: host=localhost, addr=127.0.0.1, rejecting commands",
        ),
        (
            r#"{"connect": "tempfail"}"#,
            2,
            "451 4.3.2 Please try again later",
            "temp failing commands",
        ),
        (
            r#"{"helo": "reject"}"#,
            2,
            "550 5.0.0 Command rejected",
            "Milter: helo=client.example, reject=Command rejected",
        ),
        (
            r#"{"helo": "tempfail"}"#,
            2,
            "451 4.3.2 Please try again later",
            "Milter: helo=client.example, reject=451 4.3.2 Please try again later",
        ),
        (
            r#"{"mail": "reject"}"#,
            2,
            "550 5.7.1 Command rejected",
            "Milter: from=<alice@example.org>, reject=550 5.7.1 Command rejected",
        ),
        (
            r#"{"mail": "reply:553 5.1.8 sender refused here"}"#,
            2,
            "553 5.1.8 sender refused here",
            "reject=553 5.1.8 sender refused here",
        ),
        (
            r#"{"rcpt": {"<bob@example.org>": "tempfail"}}"#,
            3,
            "451 4.3.2 Please try again later",
            "Milter: to=<bob@example.org>, reject=451 4.3.2 Please try again later",
        ),
        (
            r#"{"rcpt": "reply:550 5.7.1 bob does not take mail"}"#,
            3,
            "550 5.7.1 bob does not take mail",
            "reject=550 5.7.1 bob does not take mail",
        ),
        (
            r#"{"data": "tempfail"}"#,
            4,
            "451 4.3.2 Please try again later",
            "Milter: cmd=data, reject=451 4.3.2",
        ),
        (
            r#"{"eom": "reject"}"#,
            5,
            "554 5.7.1 Command rejected",
            "Milter: data, reject=554 5.7.1 Command rejected",
        ),
        (
            r#"{"eom": "tempfail"}"#,
            5,
            "451 4.3.2 Please try again later",
            "Milter: data, reject=451 4.3.2",
        ),
        (
            r#"{"eom": "reply:554 5.7.1 spam, go away"}"#,
            5,
            "554 5.7.1 spam, go away",
            "Milter: data, reject=554 5.7.1 spam, go away",
        ),
    ];
    for (spec, at, want, logged) in cases {
        let Some(f) = PyMilter::start(dir.path(), spec) else { return };
        let daemon = Daemon::start(&filter("f1", f.port, ", F=T"));
        let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
        assert!(replies[at].starts_with(want), "{spec}: {replies:?}");
        if spec.contains(r#""connect": "reject""#) {
            // sendmail's greeting code 554 (its srvrsmtp.c `greetcode`), then EHLO
            // without extensions.
            let greeting = "554 mail.test.example ESMTP not accepting messages\r\n";
            assert_eq!(replies[0], greeting, "{spec}: {replies:?}");
            assert!(replies[1].ends_with("250 ENHANCEDSTATUSCODES\r\n"), "{replies:?}");
        }
        assert!(daemon.log().contains(logged), "{spec}: {}", daemon.log());
        assert!(
            files(&daemon, "qf").is_empty() && files(&daemon, "df").is_empty(),
            "{spec}: nothing queued"
        );
    }
}

/// A filter that tempfails the connection (or is down, with `F=T`): the oracle
/// greets as usual, offers its extensions, and refuses only some commands, each in
/// its own words (sendmail's `tempfail` in srvrsmtp.c).
#[test]
fn a_tempfail_at_connect_refuses_what_sendmail_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let Some(f) = PyMilter::start(dir.path(), r#"{"connect": "tempfail"}"#) else { return };
    let daemon = Daemon::start(&filter("f1", f.port, ", F=T"));
    let mut c = Client::connect(daemon.addr);
    assert!(c.reply().starts_with("220 mail.test.example ESMTP"));
    let ehlo = c.say("EHLO client.example");
    assert!(ehlo.contains("250-PIPELINING\r\n") && ehlo.ends_with("250 HELP\r\n"), "{ehlo}");
    let later = "Please try again later\r\n";
    for (command, want) in [
        ("MAIL FROM:<alice@example.org>", format!("451 4.3.2 {later}")),
        ("RCPT TO:<root>", "503 5.0.0 Need MAIL before RCPT\r\n".into()),
        ("VRFY root", format!("550 5.7.1 {later}")),
        ("EXPN root", format!("550 5.7.1 {later}")),
        ("ETRN x", format!("451 4.3.2 {later}")),
        // No AUTH offered here: the oracle's own 503 (with AUTH offered, 454 4.3.0).
        ("AUTH PLAIN AGZvbwBiYXI=", "503 5.3.3 AUTH not available\r\n".into()),
        ("NOOP", "250 2.0.0 OK\r\n".into()),
    ] {
        assert_eq!(c.say(command), want, "{command}");
    }
    assert!(c.say("HELP").starts_with("214-2.0.0 "));
}

#[test]
fn a_filter_asking_for_refused_recipients_sees_them_with_the_error_macros() {
    let dir = tempfile::tempdir().unwrap();
    let Some(f) = PyMilter::start(dir.path(), r#"{"rcpt_rej": true}"#) else { return };
    let daemon = Daemon::start(&filter("f1", f.port, ""));
    let replies =
        transaction(&daemon, &["nosuchuser@mail.test.example", "bob@example.org"], MESSAGE);
    assert!(replies[3].starts_with("550 5.1.1 "), "{replies:?}");
    assert!(replies[6].starts_with("250 2.0.0 "), "{replies:?}");
    let seen = f.seen();
    let refused = seen.iter().find(|l| l.contains("nosuchuser")).expect("the refused recipient");
    assert!(refused.contains(r#""{rcpt_mailer}": "error""#), "{refused}");
    assert!(refused.contains(r#""{rcpt_host}": "5.1.1""#), "{refused}");
}

#[test]
fn after_a_refused_sender_the_next_transaction_is_filtered_afresh() {
    let dir = tempfile::tempdir().unwrap();
    let spec =
        r#"{"mail": {"<spam@example.org>": "reject"}, "mods": [["addheader", "X-Seen", "yes"]]}"#;
    let Some(f) = PyMilter::start(dir.path(), spec) else { return };
    let daemon = Daemon::start(&filter("f1", f.port, ", F=T"));
    let mut c = Client::connect(daemon.addr);
    c.reply();
    c.say("EHLO client.example");
    assert!(c.say("MAIL FROM:<spam@example.org>").starts_with("550 5.7.1 Command rejected"));
    assert!(c.say("MAIL FROM:<alice@example.org>").starts_with("250 "));
    assert!(c.say("RCPT TO:<bob@example.org>").starts_with("250 "));
    assert!(c.say("DATA").starts_with("354 "));
    c.send(MESSAGE);
    let done = c.say(".");
    assert!(done.starts_with("250 2.0.0 "), "{done}\n{}", daemon.log());
    assert!(c.say("RSET").starts_with("250 "));
    assert!(c.say("MAIL FROM:<alice@example.org>").starts_with("250 "));
    assert!(c.say("RCPT TO:<carol@example.org>").starts_with("250 "));
    assert!(c.say("DATA").starts_with("354 "));
    c.send(MESSAGE);
    assert!(c.say(".").starts_with("250 2.0.0 "));
    c.say("QUIT");
    let qf = files(&daemon, "qf");
    assert_eq!(qf.len(), 2);
    for name in qf {
        let bytes = std::fs::read(daemon.path("mqueue").join(name)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("H??X-Seen: yes"), "{text}");
    }
}

#[test]
fn an_unknown_command_gets_the_filters_reply() {
    let dir = tempfile::tempdir().unwrap();
    let Some(f) =
        PyMilter::start(dir.path(), r#"{"unknown": "reply:554 5.7.0 no such thing here"}"#)
    else {
        return;
    };
    let daemon = Daemon::start(&filter("f1", f.port, ""));
    let mut c = Client::connect(daemon.addr);
    c.reply();
    c.say("EHLO client.example");
    assert_eq!(c.say("XYZZY plugh"), "554 5.7.0 no such thing here\r\n");
    assert!(f.seen().iter().any(|l| l.contains(r#""command": "XYZZY plugh""#)), "{:?}", f.seen());
    let daemon = Daemon::start("");
    let mut c = Client::connect(daemon.addr);
    c.reply();
    assert_eq!(c.say("XYZZY"), "500 5.5.1 Command unrecognized: \"XYZZY\"\r\n");
}

#[test]
fn discard_accepts_and_throws_the_message_away() {
    let dir = tempfile::tempdir().unwrap();
    for (spec, logged) in [
        (r#"{"eom": "discard"}"#, "Milter: data, discard"),
        (r#"{"mail": "discard"}"#, "Milter: from=<alice@example.org>, discard"),
    ] {
        let Some(f) = PyMilter::start(dir.path(), spec) else { return };
        let daemon = Daemon::start(&filter("f1", f.port, ""));
        let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
        assert!(replies[5].starts_with("250 2.0.0 "), "{replies:?}");
        assert!(files(&daemon, "qf").is_empty() && files(&daemon, "df").is_empty());
        assert!(daemon.log().contains(logged), "{}", daemon.log());
    }
}

#[test]
fn end_of_body_changes_reach_the_queue_file() {
    let dir = tempfile::tempdir().unwrap();
    let spec = r#"{"mods": [["addheader", "X-Scanned", "by f1"], ["insheader", 0, "X-First", "top"],
        ["chgheader", "Subject", 1, "[checked] hello"], ["chgheader", "X-Remove", 1, ""],
        ["addrcpt", "<carol@example.org>"], ["addrcpt_par", "<dave@example.org>", "NOTIFY=NEVER"],
        ["delrcpt", "<bob@example.org>"], ["chgfrom", "<bounces@example.org>"],
        ["replacebody", "the new body\r\nsecond line\r\n"]]}"#;
    let Some(f) = PyMilter::start(dir.path(), spec) else { return };
    let daemon = Daemon::start(&filter("f1", f.port, ""));
    let replies = transaction(&daemon, &["bob@example.org", "erin@example.org"], MESSAGE);
    assert!(replies[6].starts_with("250 2.0.0 "), "{replies:?}");
    let qf = files(&daemon, "qf");
    assert_eq!(qf.len(), 1, "{replies:?}");
    let text = String::from_utf8_lossy(&std::fs::read(daemon.path("mqueue").join(&qf[0])).unwrap())
        .into_owned();
    assert!(text.contains("\nS<bounces@example.org>\n"), "{text}");
    let rcpts: Vec<&str> = text.lines().filter(|l| l.starts_with('R')).collect();
    assert!(rcpts.iter().any(|l| l.ends_with(":<erin@example.org>")), "{rcpts:?}");
    assert!(rcpts.iter().any(|l| l.ends_with(":<carol@example.org>")), "{rcpts:?}");
    assert!(
        rcpts
            .iter()
            .any(|l| l.starts_with("R") && l.ends_with(":<dave@example.org>") && !l.contains('S')),
        "{rcpts:?}"
    );
    assert!(!rcpts.iter().any(|l| l.contains("bob@")), "{rcpts:?}");
    assert!(text.contains("H??Subject: [checked] hello\n"), "{text}");
    assert!(text.contains("H??X-Scanned: by f1\n") && text.contains("H??X-First: top\n"), "{text}");
    assert!(!text.contains("X-Remove"), "{text}");
    let df = std::fs::read(daemon.path("mqueue").join(qf[0].replacen("qf", "df", 1))).unwrap();
    assert_eq!(df, b"the new body\nsecond line\n");
    let log = daemon.log();
    for line in [
        "Milter (f1) add: header: X-Scanned: by f1",
        "Milter (f1) delete: rcpt <bob@example.org>",
        "Milter (f1) chgfrom: <bounces@example.org>",
        "Milter (f1) message: body replaced",
    ] {
        assert!(log.contains(line), "{line}: {log}");
    }
}

#[test]
fn a_quarantined_message_is_an_hf_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let Some(f) = PyMilter::start(dir.path(), r#"{"mods": [["quarantine", "held for review"]]}"#)
    else {
        return;
    };
    let daemon = Daemon::start(&filter("f1", f.port, ""));
    let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
    assert!(replies[5].starts_with("250 2.0.0 "), "{replies:?}");
    assert!(files(&daemon, "qf").is_empty());
    let hf = files(&daemon, "hf");
    assert_eq!(hf.len(), 1);
    let text = String::from_utf8_lossy(&std::fs::read(daemon.path("mqueue").join(&hf[0])).unwrap())
        .into_owned();
    assert!(text.contains("\nqheld for review\n"), "{text}");
    // mailq -qQ, built beside smtpd by `cargo test --workspace`, lists it.
    let mailq = std::path::Path::new(env!("CARGO_BIN_EXE_smtpd")).with_file_name("mailq");
    if !mailq.exists() {
        testkit::skip::skip("mailq is not built beside smtpd (run cargo test --workspace)");
        return;
    }
    let out = std::process::Command::new(mailq)
        .arg("-C")
        .arg(daemon.path("sendmail.mc"))
        .arg("-qQ")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    let id = &hf[0][2..];
    assert!(listing.contains(id) && listing.contains("QUARANTINE: held for review"), "{listing}");
}

#[test]
fn a_filter_that_is_down_answers_by_its_f_flag() {
    let port = free_port();
    let daemon = Daemon::start(&filter("gone", port, ", F=T"));
    let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
    assert!(replies[2].starts_with("451 4.3.2 Please try again later"), "{replies:?}");
    assert!(daemon.log().contains("Milter (gone): to error state"), "{}", daemon.log());
    let daemon = Daemon::start(&filter("gone", port, ", F=R"));
    let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
    assert!(replies[2].starts_with("550 5.0.0 Command rejected"), "{replies:?}");
    let daemon = Daemon::start(&filter("gone", port, ""));
    let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
    assert!(replies[5].starts_with("250 2.0.0 "), "{replies:?}");
    assert_eq!(files(&daemon, "qf").len(), 1, "accepted without the filter");
}

#[test]
fn a_slow_filter_tempfails_the_message_and_the_daemon_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let Some(slow) = PyMilter::start(dir.path(), r#"{"sleep": {"eom": 5}}"#) else { return };
    let daemon = Daemon::start(&filter("slow", slow.port, ", F=T, T=R:1s;E:2s"));
    let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
    assert!(replies[5].starts_with("451 4.3.2 Please try again later"), "{replies:?}");
    assert!(
        daemon.log().contains("Milter (slow): timeout before data read, where=eom"),
        "{}",
        daemon.log()
    );
    assert!(files(&daemon, "qf").is_empty() && files(&daemon, "df").is_empty());
    let mut c = Client::connect(daemon.addr);
    assert!(c.reply().starts_with("220 "), "the daemon still serves");
}

#[test]
fn a_filter_talking_garbage_answers_by_its_f_flag() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        use std::io::Write;
        for s in listener.incoming().flatten() {
            let mut s = s;
            let _ = s.write_all(b"HTTP/1.0 400 Bad Request\r\n\r\n");
        }
    });
    let daemon = Daemon::start(&filter("junk", port, ", F=R"));
    let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
    assert!(replies[2].starts_with("550 5.0.0 Command rejected"), "{replies:?}");
    let daemon = Daemon::start(&filter("junk", port, ""));
    let replies = transaction(&daemon, &["bob@example.org"], MESSAGE);
    assert!(replies[5].starts_with("250 2.0.0 "), "{replies:?}");
    assert_eq!(files(&daemon, "qf").len(), 1, "accepted without the filter");
}
