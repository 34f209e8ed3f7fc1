//! STARTTLS and AUTH against the scripted server: a handshake with a certificate
//! made by rcgen (accepted whatever it is, its verification recorded), a failing
//! handshake (deferred, or retried in plaintext with `TLSFallbacktoClear`), STARTTLS
//! refused, AUTH PLAIN and LOGIN with authinfo credentials, refused and failing AUTH,
//! and the tips' smart host: AUTH PLAIN over STARTTLS.

mod scripted;

use scripted::client::{client, close, deliver, envelope, once, settings, target};
use scripted::{lines, reply, Do, Script, Server};
use smtp::client::{Class, Credentials, Event, Target, Verify};

const BODY: &[u8] = b"secret body\n";

fn starttls_offered() -> Do {
    lines(&["250-sink.test.example", "250-PIPELINING", "250 STARTTLS"])
}

fn credentials(value: &str) -> Credentials {
    Credentials::from_authinfo(&spool::authinfo::parse_value(value).unwrap()).unwrap()
}

fn with_credentials(server: &Server, value: &str) -> Target {
    Target { credentials: Some(credentials(value)), ..target(server.addr) }
}

fn tls_info(events: &[Event]) -> Option<smtp::client::TlsInfo> {
    events.iter().find_map(|e| match e {
        Event::TlsStarted(info) => Some(info.clone()),
        _ => None,
    })
}

#[tokio::test]
async fn starttls_then_ehlo_again_and_the_message_encrypted() {
    let server = Server::start(Script::new().with_tls().on("EHLO", starttls_offered()).on_arg(
        "STARTTLS",
        "",
        Do::StartTls,
    ));
    let env = envelope(&["a@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent, "{:#?}", d.lines);
    let log = server.log();
    let tls = log.iter().position(|l| l == "--- tls").unwrap();
    assert_eq!(log[tls + 1], "C: EHLO client.test.example", "EHLO again after the handshake");
    assert!(log[tls..].contains(&"D: secret body".to_string()), "the text went over TLS");
    let at = d.lines.iter().position(|l| l == ">>> STARTTLS").unwrap();
    assert_eq!(
        &d.lines[at..at + 3],
        [">>> STARTTLS", "220 2.0.0 Ready to start TLS", ">>> EHLO client.test.example"]
    );
    let info = tls_info(&d.events).unwrap();
    assert_eq!(info.version, "TLSv1.3");
    assert!(info.cipher.starts_with("TLS_"), "{}", info.cipher);
    // Self-signed and no CA given: accepted, and recorded as not verified.
    assert!(matches!(info.verify, Verify::Fail(_)), "{info:?}");
    assert!(!info.name_matches, "the certificate names mx.test.example, not 127.0.0.1");
}

#[tokio::test]
async fn the_certificate_verifies_against_the_ca_given() {
    let script = Script::new().with_tls();
    let ca = script.certificate_pem();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, ca).unwrap();
    let roots = smtp::client::roots_from_pem(&[path.as_path()]).unwrap();
    let server =
        Server::start(script.on("EHLO", starttls_offered()).on_arg("STARTTLS", "", Do::StartTls));
    let mut c = smtp::client::Client::new(settings(10), roots).unwrap();
    let named = Target { host: "mx.test.example".into(), ..target(server.addr) };
    let env = envelope(&["a@x.example"]);
    let d = deliver(&mut c, &[named], &env, BODY).await;
    let info = tls_info(&d.events).unwrap();
    assert_eq!((info.verify, info.name_matches), (Verify::Ok, true));
    close(&mut c, &env).await;
}

#[tokio::test]
async fn a_failed_handshake_defers_as_sendmail_does() {
    let server =
        Server::start(Script::new().on("EHLO", starttls_offered()).on("STARTTLS", Do::TlsGarbage));
    let env = envelope(&["a@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    let s = &d.outcome.recipients[0].status;
    assert_eq!(
        (s.text.as_str(), s.dsn.as_str()),
        ("Deferred: 454 4.7.0 TLS handshake failed.", "4.7.0")
    );
    assert_eq!(server.connections(), 1, "no plaintext retry without TLSFallbacktoClear");
    assert!(d.events.iter().any(|e| matches!(e, Event::TlsFailed(_))));
    assert!(d.lines.ends_with(&[
        "220 2.0.0 Ready to start TLS".to_string(),
        "<a@x.example>... Deferred: 454 4.7.0 TLS handshake failed.".to_string(),
        "Closing connection to [127.0.0.1]".to_string(),
    ]));
}

#[tokio::test]
async fn tls_fallback_to_clear_retries_the_same_host_in_plaintext() {
    let server =
        Server::start(Script::new().on("EHLO", starttls_offered()).on("STARTTLS", Do::TlsGarbage));
    let mut s = settings(10);
    s.tls_fallback_to_clear = true;
    let env = envelope(&["a@x.example"]);
    let d = once(s, server.addr, &env, BODY).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent, "{:#?}", d.lines);
    assert_eq!(server.connections(), 2);
    let commands = server.commands();
    assert_eq!(commands.iter().filter(|c| *c == "STARTTLS").count(), 1, "{commands:?}");
    let connecting = d.lines.iter().filter(|l| l.contains("Connecting to")).count();
    assert_eq!(connecting, 2, "{:#?}", d.lines);
}

#[tokio::test]
async fn starttls_refused_goes_on_in_plaintext() {
    let server = Server::start(
        Script::new()
            .on("EHLO", starttls_offered())
            .on("STARTTLS", reply("454 4.7.0 TLS not available")),
    );
    let d = once(settings(10), server.addr, &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    assert_eq!(
        &server.commands()[..3],
        ["EHLO client.test.example", "STARTTLS", "MAIL From:<alice@example.org>"]
    );
}

#[tokio::test]
async fn starttls_is_not_used_when_turned_off() {
    let server = Server::start(Script::new().on("EHLO", starttls_offered()));
    let mut s = settings(10);
    s.starttls = false;
    once(s, server.addr, &envelope(&["a@x.example"]), BODY).await;
    assert!(!server.commands().contains(&"STARTTLS".to_string()));
}

fn auth_offered() -> Do {
    lines(&["250-sink.test.example", "250-AUTH LOGIN PLAIN", "250 PIPELINING"])
}

/// What the real sendmail sent for `"U:myuser" "P:secret" "M:PLAIN"`.
#[tokio::test]
async fn auth_plain_with_authinfo_credentials() {
    let server = Server::start(Script::new().on("EHLO", auth_offered()).on_arg(
        "AUTH",
        "plain bxl1c2vyag15dxnlcgbzzwnyzxq=",
        reply("235 2.7.0 Authentication successful"),
    ));
    let target = with_credentials(&server, r#""U:myuser" "P:secret" "M:PLAIN""#);
    let mut c = client(settings(10));
    let env = envelope(&["a@x.example"]);
    let d = deliver(&mut c, &[target], &env, BODY).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    assert_eq!(server.commands()[1], "AUTH PLAIN bXl1c2VyAG15dXNlcgBzZWNyZXQ=");
    assert!(d.events.contains(&Event::Authenticated("PLAIN")));
    assert!(d.lines.contains(&">>> AUTH PLAIN bXl1c2VyAG15dXNlcgBzZWNyZXQ=".to_string()));
}

#[tokio::test]
async fn auth_login_answers_both_challenges() {
    let server = Server::start(
        Script::new()
            .on("EHLO", auth_offered())
            .on("AUTH", reply("334 VXNlcm5hbWU6"))
            .on("BXL1C2VY", reply("334 UGFzc3dvcmQ6"))
            .on("C2VJCMV0", reply("235 2.7.0 ok")),
    );
    let target = with_credentials(&server, r#""U:myuser" "P:secret" "M:LOGIN""#);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target], &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(&server.commands()[1..4], ["AUTH LOGIN", "bXl1c2Vy", "c2VjcmV0"]);
    assert!(d.events.contains(&Event::Authenticated("LOGIN")));
}

/// sendmail tries PLAIN, then LOGIN; refused everywhere it sends the mail
/// unauthenticated.
#[tokio::test]
async fn refused_auth_goes_on_unauthenticated() {
    let server = Server::start(
        Script::new().on("EHLO", auth_offered()).on("AUTH", reply("535 5.7.8 bad credentials")),
    );
    let target = with_credentials(&server, r#""U:myuser" "P:secret" "M:PLAIN LOGIN""#);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target], &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(
        &server.commands()[1..4],
        ["AUTH PLAIN bXl1c2VyAG15dXNlcgBzZWNyZXQ=", "AUTH LOGIN", "MAIL From:<alice@example.org>"]
    );
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
}

#[tokio::test]
async fn a_temporary_auth_failure_defers() {
    let server = Server::start(
        Script::new().on("EHLO", auth_offered()).on("AUTH", reply("454 4.7.0 try later")),
    );
    let target = with_credentials(&server, r#""U:myuser" "P:secret" "M:PLAIN""#);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target], &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(d.text(0), "Deferred: Temporary AUTH failure");
    assert_eq!(
        server.commands(),
        ["EHLO client.test.example", "AUTH PLAIN bXl1c2VyAG15dXNlcgBzZWNyZXQ=", "QUIT"]
    );
}

#[tokio::test]
async fn no_auth_without_a_common_mechanism_or_credentials() {
    let server = Server::start(
        Script::new().on("EHLO", lines(&["250-sink.test.example", "250 AUTH CRAM-MD5"])),
    );
    let target = with_credentials(&server, r#""U:myuser" "P:secret" "M:PLAIN LOGIN""#);
    let mut c = client(settings(10));
    deliver(&mut c, &[target], &envelope(&["a@x.example"]), BODY).await;
    let plain = Server::start(Script::new().on("EHLO", auth_offered()));
    once(settings(10), plain.addr, &envelope(&["a@x.example"]), BODY).await;
    for s in [&server, &plain] {
        assert!(!s.commands().iter().any(|c| c.starts_with("AUTH")), "{:?}", s.commands());
    }
}

/// The tips' smart host: STARTTLS first, AUTH PLAIN on the encrypted connection
/// (the server offers AUTH only after TLS).
#[tokio::test]
async fn auth_plain_over_starttls() {
    let server = Server::start(
        Script::new()
            .with_tls()
            .on("EHLO", starttls_offered())
            .on_arg("STARTTLS", "", Do::StartTls)
            .on_tls("EHLO", auth_offered())
            .on("AUTH", reply("235 2.7.0 ok")),
    );
    let target = with_credentials(&server, r#""U:relayuser" "P:relaypass" "M:PLAIN""#);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target], &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent, "{:#?}", d.lines);
    let log = server.log();
    let tls = log.iter().position(|l| l == "--- tls").unwrap();
    let auth = log.iter().position(|l| l.starts_with("C: AUTH PLAIN")).unwrap();
    assert!(auth > tls, "AUTH only after the handshake: {log:#?}");
    assert!(d.events.contains(&Event::Authenticated("PLAIN")));
}
