//! Milters at pickup: locally submitted mail (`submit` -> clientmqueue ->
//! `queue-runner -qf -Ac`) passes the configured `INPUT_MAIL_FILTER`s as sendmail's
//! MTA runs them on what its MSP relays: the real opendkim signs it (verified by
//! python3-dkim on the delivered mailbox), a pymilter's changes reach the mailbox,
//! and a filter that refuses or is down leaves the message where its answer says.

mod common;

use common::Lab;
use testkit::dkim::OpenDkim;
use testkit::milter::{free_port, PyMilter};

fn filter(name: &str, port: u16, rest: &str) -> String {
    format!("INPUT_MAIL_FILTER(`{name}', `S=inet:{port}@127.0.0.1{rest}')dnl\n")
}

/// Submits `message` from `from` to root; false (after a recorded skip) when the
/// submit binary is not built.
fn submit(lab: &Lab, from: &str, message: &str) -> bool {
    let Some(out) = lab.submit(&["-odq", "-f", from, "root"], message.as_bytes()) else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return false;
    };
    assert!(out.status.success(), "submit: {}", String::from_utf8_lossy(&out.stderr));
    true
}

/// The one message of an mbox, as it was sent: without its `From ` line, CRLF.
fn mbox_message(mbox: &str) -> Vec<u8> {
    let text = mbox.split_once('\n').map_or("", |(_, rest)| rest).trim_end_matches('\n');
    let mut out = Vec::new();
    for line in text.split('\n') {
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn submitted_mail_leaves_signed_by_opendkim() {
    let dir = tempfile::tempdir().unwrap();
    let Some(dkim) = OpenDkim::start(dir.path()) else { return };
    let lab = Lab::builtin(&filter("opendkim", dkim.port, ", F=T"));
    let message = "From: Alice <alice@example.org>\nTo: root\nSubject: from cron\n\
                   Date: Sat, 5 Dec 2026 08:00:00 +0000\nMessage-Id: <cron-1@example.org>\n\n\
                   the nightly report\n";
    if !submit(&lab, "alice@example.org", message) {
        return;
    }
    let out = lab.queue_runner(&["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mbox = lab.text("mail/root");
    assert!(mbox.contains("DKIM-Signature: v=1;"), "{mbox}\n{}", lab.log());
    let sent = mbox_message(&mbox);
    dkim.verify(&sent).unwrap_or_else(|e| panic!("{e}\n{mbox}"));
    assert!(
        lab.log().contains("Milter (opendkim) insert (0): header: DKIM-Signature:"),
        "{}",
        lab.log()
    );
}

#[test]
fn a_pymilters_changes_reach_the_mailbox() {
    let dir = tempfile::tempdir().unwrap();
    let spec = r#"{"mods": [["addheader", "X-Scanned", "at pickup"], ["chgheader", "Subject", 1, "[ok] report"]]}"#;
    let Some(f) = PyMilter::start(dir.path(), spec) else { return };
    let lab = Lab::builtin(&filter("scan", f.port, ""));
    if !submit(&lab, "root", "Subject: report\n\nbody\n") {
        return;
    }
    let out = lab.queue_runner(&["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mbox = lab.text("mail/root");
    assert!(
        mbox.contains("\nX-Scanned: at pickup\n") && mbox.contains("\nSubject: [ok] report\n"),
        "{mbox}"
    );
    let seen = f.seen().join("\n");
    assert!(seen.contains(r#""name": "mail.lab.example""#), "HELO $j: {seen}");
    assert!(seen.contains("Received"), "the MTA's own Received line: {seen}");
}

#[test]
fn a_refusing_or_absent_filter_keeps_the_message() {
    let dir = tempfile::tempdir().unwrap();
    // Down, F=T: the message waits in the client queue.
    let lab = Lab::builtin(&filter("gone", free_port(), ", F=T"));
    if !submit(&lab, "root", "Subject: later\n\nbody\n") {
        return;
    }
    let before = lab.files("clientmqueue");
    lab.queue_runner(&["-qf", "-Ac"]);
    assert_eq!(lab.files("clientmqueue"), before, "{}", lab.log());
    assert!(lab.log().contains("pickup deferred: Milter: data, reject=451 4.3.2"), "{}", lab.log());
    // A 5xx at end of message: as sendmail's MSP whose relay got that reply, the
    // message goes back to its sender with the filter's words, and nothing is left.
    let Some(f) = PyMilter::start(dir.path(), r#"{"eom": "reply:554 5.7.1 no cron mail"}"#) else {
        return;
    };
    let lab = Lab::builtin(&filter("strict", f.port, ""));
    if !submit(&lab, "daemon", "Subject: spam\n\nbody\n") {
        return;
    }
    lab.queue_runner(&["-qf", "-Ac"]);
    let log = lab.log();
    assert!(lab.files("clientmqueue").is_empty(), "{:?}", lab.files("clientmqueue"));
    assert!(lab.files("mqueue").is_empty(), "the notice was delivered: {log}");
    assert!(log.contains("Milter: data, reject=554 5.7.1 no cron mail"), "{log}");
    assert!(log.contains(": DSN: Service unavailable"), "{log}");
    // From daemon to root: root never gets it, daemon gets it back.
    assert!(lab.text("mail/root").is_empty(), "never delivered: {}", lab.text("mail/root"));
    let mbox = lab.text("mail/daemon");
    for part in [
        "Subject: Returned mail: see transcript for details",
        "<<< 554 5.7.1 no cron mail",
        "Status: 5.7.1",
        "Diagnostic-Code: SMTP; 554 5.7.1 no cron mail",
        "Subject: spam",
    ] {
        assert!(mbox.contains(part), "{part}: {mbox}");
    }
}

#[test]
fn a_message_quarantined_at_pickup_waits_as_an_hf() {
    let dir = tempfile::tempdir().unwrap();
    let Some(f) = PyMilter::start(dir.path(), r#"{"mods": [["quarantine", "looks odd"]]}"#) else {
        return;
    };
    let lab = Lab::builtin(&filter("q", f.port, ""));
    if !submit(&lab, "root", "Subject: odd\n\nbody\n") {
        return;
    }
    let out = lab.queue_runner(&["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(lab.files("clientmqueue").is_empty(), "picked up");
    let mqueue = lab.files("mqueue");
    let hf: Vec<&String> = mqueue.iter().filter(|n| n.starts_with("hf")).collect();
    assert_eq!(hf.len(), 1, "{mqueue:?}");
    assert!(!mqueue.iter().any(|n| n.starts_with("qf")), "{mqueue:?}");
    assert!(lab.text(&format!("mqueue/{}", hf[0])).contains("\nqlooks odd\n"));
    assert!(lab.text("mail/root").is_empty(), "not delivered");
}
