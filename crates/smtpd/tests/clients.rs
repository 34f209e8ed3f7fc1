//! Real, unmodified clients deliver into the queue (issue 10): Python's `smtplib`
//! (Debian's /usr/bin/python3) in plain text and over STARTTLS with the test's
//! certificate verified, and the Rust crate `lettre` over STARTTLS (TLS required,
//! the certificate verified against the test's own root). swaks (plain, `--tls`,
//! `--auth`) is in `tests/tls.rs` and `tests/auth.rs`; `openssl s_client` in
//! `tests/tls.rs`.

mod common;

use common::{messages, tls_daemon_with, Daemon};
use spool::qf::envelope::Envelope;
use std::process::Command;

/// The queued messages: envelope and df as text.
fn queued(daemon: &Daemon) -> Vec<(Envelope, String)> {
    messages(daemon).into_iter().map(|(e, df)| (e, String::from_utf8(df).unwrap())).collect()
}

fn header(env: &Envelope, name: &str) -> Option<String> {
    env.headers
        .iter()
        .map(|h| String::from_utf8_lossy(&h.text).into_owned())
        .find(|t| t.starts_with(&format!("{name}: ")))
}

/// smtplib: one message in plain text, one over STARTTLS (verified with `cafile`).
const SMTPLIB: &str = r#"
import smtplib, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
msg = "Subject: plain smtplib\r\n\r\nHello.\r\n.leading dot\r\n"
with smtplib.SMTP(host, port, local_hostname="client.example") as s:
    print(s.sendmail("alice@example.org", ["root", "bob@example.net"], msg))
ctx = ssl.create_default_context(cafile=cafile)
with smtplib.SMTP(host, port, local_hostname="client.example") as s:
    s._host = "mail.test.example"
    s.starttls(context=ctx)
    s.ehlo("client.example")
    print(s.sendmail("alice@example.org", ["root"], "Subject: tls smtplib\r\n\r\nOver TLS.\r\n"))
"#;

#[test]
fn python_smtplib_sends_plain_and_over_verified_starttls() {
    let (daemon, cert) = tls_daemon_with("");
    let out = Command::new("/usr/bin/python3")
        .args(["-c", SMTPLIB, &daemon.addr.ip().to_string(), &daemon.addr.port().to_string()])
        .arg(&cert)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text, "{}\n{}\n", "no recipient refused");
    let mut messages = queued(&daemon);
    assert_eq!(messages.len(), 2);
    messages.sort_by_key(|(env, _)| header(env, "Subject"));
    let (plain, plain_df) = &messages[0];
    assert_eq!(header(plain, "Subject").unwrap(), "Subject: plain smtplib");
    assert_eq!(plain.recipients.len(), 2);
    assert_eq!(plain_df, "Hello.\n.leading dot\n", "smtplib's dot-stuffing undone");
    let (tls, tls_df) = &messages[1];
    assert_eq!(tls_df, "Over TLS.\n");
    let received = header(tls, "Received").unwrap();
    assert!(received.contains(" with ESMTPS id ") && received.contains("version=TLSv1.3"));
}

#[test]
fn lettre_sends_over_required_starttls_with_the_certificate_verified() {
    use lettre::transport::smtp::client::{Certificate, CertificateStore, Tls, TlsParameters};
    use lettre::{Message, SmtpTransport, Transport};
    let (daemon, cert) = tls_daemon_with("");
    let root = Certificate::from_pem(&std::fs::read(cert).unwrap()).unwrap();
    let tls = TlsParameters::builder("mail.test.example".into())
        .certificate_store(CertificateStore::None)
        .add_root_certificate(root)
        .build_rustls()
        .unwrap();
    let mailer = SmtpTransport::builder_dangerous(daemon.addr.ip().to_string())
        .port(daemon.addr.port())
        .hello_name(lettre::transport::smtp::extension::ClientId::Domain("client.example".into()))
        .tls(Tls::Required(tls))
        .build();
    let email = Message::builder()
        .from("Alice <alice@example.org>".parse().unwrap())
        .to("Root <root@mail.test.example>".parse().unwrap())
        .subject("from lettre")
        .body("Gr\u{fc}\u{df}e aus Rust.\n".to_string())
        .unwrap();
    let response = mailer.send(&email).unwrap();
    assert_eq!(response.code().to_string(), "250");
    let line = response.message().next().unwrap().to_string();
    assert!(line.starts_with("2.0.0 ") && line.ends_with(" Message accepted for delivery"));
    let messages = queued(&daemon);
    assert_eq!(messages.len(), 1);
    let (env, df) = &messages[0];
    assert_eq!(env.sender, b"<alice@example.org>");
    assert_eq!(env.recipients[0].address, b"<root@mail.test.example>");
    assert_eq!(header(env, "Subject").unwrap(), "Subject: from lettre");
    assert!(header(env, "Received").unwrap().contains("with ESMTPS id "));
    // lettre sends 8-bit text as quoted-printable or 8BITMIME; either way it arrives whole.
    assert!(df.contains("aus Rust."), "{df}");
}
