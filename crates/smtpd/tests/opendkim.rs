//! The real opendkim as an `INPUT_MAIL_FILTER` of smtpd: mail received over SMTP
//! from a local client leaves with a `DKIM-Signature` that Debian's python3-dkim
//! verifies against the key the test generated; a message changed after signing
//! does not verify (the check can fail).

mod common;

use common::{Client, Daemon};
use testkit::dkim::{message_of, OpenDkim};

#[test]
fn mail_received_by_smtpd_leaves_signed_by_opendkim() {
    let dir = tempfile::tempdir().unwrap();
    let Some(dkim) = OpenDkim::start(dir.path()) else { return };
    let mc = format!("INPUT_MAIL_FILTER(`opendkim', `S=inet:{}@127.0.0.1, F=T')dnl\n", dkim.port);
    let daemon = Daemon::start(&mc);
    let mut c = Client::connect(daemon.addr);
    assert!(c.reply().starts_with("220 "));
    c.say("EHLO client.example");
    assert!(c.say("MAIL FROM:<alice@example.org>").starts_with("250 "));
    assert!(c.say("RCPT TO:<bob@example.net>").starts_with("250 "));
    assert!(c.say("DATA").starts_with("354 "));
    c.send(
        "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: signed,\r\n \
         folded subject\r\nDate: Sat, 5 Dec 2026 08:00:00 +0000\r\n\
         Message-Id: <dkim-1@example.org>\r\n\r\nHello Bob,\r\n\r\n..a dot-stuffed line\r\nbye\r\n",
    );
    let done = c.say(".");
    assert!(done.starts_with("250 2.0.0 "), "{done}\n{}", daemon.log());
    let qf = daemon.queued();
    assert_eq!(qf.len(), 1);
    let qf_bytes = std::fs::read(daemon.path("mqueue").join(&qf[0])).unwrap();
    let df_bytes =
        std::fs::read(daemon.path("mqueue").join(qf[0].replacen("qf", "df", 1))).unwrap();
    let qf_text = String::from_utf8_lossy(&qf_bytes);
    assert!(qf_text.contains("DKIM-Signature: v=1;"), "{qf_text}\n{}", daemon.log());
    assert!(
        daemon.log().contains("Milter (opendkim) insert (0): header: DKIM-Signature:"),
        "{}",
        daemon.log()
    );
    let message = message_of(&qf_bytes, &df_bytes);
    dkim.verify(&message).unwrap_or_else(|e| panic!("{e}\n{}", String::from_utf8_lossy(&message)));
    let mut tampered = message.clone();
    let at = tampered.windows(9).position(|w| w == b"Hello Bob").unwrap();
    tampered[at] = b'J';
    assert!(dkim.verify(&tampered).is_err(), "a changed body must not verify");
}
