//! STARTTLS with a certificate the test makes, against real clients: swaks and
//! `openssl s_client -starttls smtp`.

mod common;

use common::{tls_daemon, wait_for, Daemon};
use std::process::Command;

#[test]
fn swaks_sends_over_starttls_and_received_says_so() {
    let daemon = tls_daemon();
    let out = Command::new("swaks")
        .args(["--server", &daemon.addr.to_string(), "--tls", "--from", "alice@example.org"])
        .args(["--to", "root@mail.test.example", "--helo", "client.example", "--silent", "1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let queued = wait_for(|| Some(daemon.queued()).filter(|q| q.len() == 1));
    let qf = std::fs::read(daemon.path("mqueue").join(&queued[0])).unwrap();
    let text = String::from_utf8_lossy(&qf);
    assert!(text.contains("\n\t(version=TLSv1.3 cipher=TLS13_"), "{text}");
    assert!(text.contains(" with ESMTPS id "), "{text}");
    assert!(text.contains("\n$rESMTPS\n"), "{text}");
}

#[test]
fn openssl_completes_a_starttls_handshake() {
    let daemon = tls_daemon();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "printf 'NOOP\\nQUIT\\n' | openssl s_client -starttls smtp -crlf -ign_eof -connect {} -servername mail.test.example 2>&1",
            daemon.addr
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("New, TLSv1.3, Cipher is TLS_"), "{text}");
    assert!(text.contains("250 2.0.0 OK"), "a command inside TLS is answered: {text}");
    assert!(text.contains("221 2.0.0 mail.test.example closing connection"), "{text}");
}

#[test]
fn a_listener_with_m_s_offers_no_starttls() {
    let daemon = tls_daemon();
    let mut c = common::Client::connect(daemon.addr);
    c.reply();
    assert!(c.say("EHLO c.example").contains("250-STARTTLS\r\n"));
    drop(c);
    // The same configuration, with M=S on the listener.
    let text = std::fs::read_to_string(daemon.path("sendmail.mc")).unwrap();
    let certificate: String =
        text.lines().filter(|l| l.contains("confSERVER_")).map(|l| format!("{l}\n")).collect();
    let dir = common::minimal(&certificate);
    let mc = dir.path().join("sendmail.mc");
    let text = std::fs::read_to_string(&mc).unwrap().replace("Name=MTA')", "Name=MTA, M=S')");
    std::fs::write(&mc, text).unwrap();
    let plain = Daemon::run(dir, &[]);
    let mut c = common::Client::connect(plain.addr);
    c.reply();
    let ehlo = c.say("EHLO c.example");
    assert!(!ehlo.contains("STARTTLS"), "{ehlo}");
    assert!(c.say("STARTTLS").starts_with("454 4.3.3 TLS not available after start"));
}
