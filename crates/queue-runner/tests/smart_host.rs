//! Remote routes end to end, through the `queue-runner` binary, a test name server
//! on 127.0.0.1 (`confRESOLVER_NAMESERVER`) and the smtp crate's scripted SMTP
//! server: the tips' smart host `{smtprelay...}` with its `AuthInfo:` line (AUTH
//! PLAIN, offered only after STARTTLS), and a domain whose first MX refuses the
//! connection, delivered to its second MX.

mod common;
#[path = "../../smtp/tests/scripted/mod.rs"]
mod scripted;

use common::Lab;
use scripted::{lines, reply, Do, Script, Server};
use testkit::dns::{DnsServer, Zone};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A lab whose host lookups go to `dns` only, with `extra` .mc lines.
fn lab_with_dns(dns: &DnsServer, extra: &str) -> Lab {
    let mc = format!(
        "define(`confRESOLVER_NAMESERVER', `{}')dnl
define(`confSERVICE_SWITCH_FILE', `@LAB@/etc/service.switch')dnl
{extra}",
        dns.addr()
    );
    let lab = Lab::builtin(&mc);
    std::fs::write(lab.path("etc/service.switch"), "hosts dns\n").unwrap();
    lab
}

/// A lab with `dns` whose mailertable is `table`, the esmtp mailer's port `server`'s.
fn mailertable_lab(dns: &DnsServer, server: &Server, table: &str) -> Lab {
    let mc = format!(
        "define(`ESMTP_MAILER_ARGS', `TCP $h {}')dnl\nFEATURE(`mailertable', `text @LAB@/etc/mailertable')dnl\n",
        server.addr.port()
    );
    let lab = lab_with_dns(dns, &mc);
    std::fs::write(lab.path("etc/mailertable"), table).unwrap();
    lab
}

/// Queues `Subject: x` from daemon to `rcpt` and runs the queue with `-v`; `None`
/// when submit is not built.
fn send(lab: &Lab, rcpt: &str) -> Option<String> {
    let Some(out) = lab.submit(&["-odq", "-f", "daemon", rcpt], b"Subject: x\n\nsecret body\n")
    else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return None;
    };
    assert!(out.status.success(), "submit: {}", text(&out.stderr));
    let out = lab.queue_runner(&["-v", "-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    Some(text(&out.stdout))
}

/// The tips' "Relay email via SMTP provider": SMART_HOST `{smtprelay...}` and
/// `AuthInfo:smtprelay... "U:..." "P:..." "M:PLAIN"`; the provider offers STARTTLS
/// and, on the encrypted connection, AUTH.
#[test]
fn the_tips_smart_host_with_auth_plain_over_starttls() {
    let server = Server::start(
        Script::new()
            .with_tls()
            .on("EHLO", lines(&["250-relay.example", "250-PIPELINING", "250 STARTTLS"]))
            .on_arg("STARTTLS", "", Do::StartTls)
            .on_tls("EHLO", lines(&["250-relay.example", "250-AUTH LOGIN PLAIN", "250 PIPELINING"]))
            .on("AUTH", reply("235 2.7.0 Authentication successful")),
    );
    let dns = DnsServer::start(Zone::new().addr("smtprelay.lab.example", "127.0.0.1"));
    let lab = lab_with_dns(
        &dns,
        &format!(
            "define(`SMART_HOST', `{{smtprelay.lab.example}}')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {}')dnl
FEATURE(`authinfo', `text -o @LAB@/etc/authinfo')dnl
",
            server.addr.port()
        ),
    );
    std::fs::write(
        lab.path("etc/authinfo"),
        "AuthInfo:smtprelay.lab.example \"U:relayuser\" \"P:relaypass\" \"M:PLAIN\"\n",
    )
    .unwrap();
    let Some(stdout) = send(&lab, "friend@far.example") else { return };
    let log = server.log();
    let tls = log.iter().position(|l| l == "--- tls").expect("STARTTLS was used");
    let after: Vec<&String> = log[tls..].iter().collect();
    // "relayuser\0relayuser\0relaypass" in base64: the user is also the
    // authorization id, as the real sendmail sends it.
    let auth = "C: AUTH PLAIN cmVsYXl1c2VyAHJlbGF5dXNlcgByZWxheXBhc3M=";
    assert!(after.iter().any(|l| *l == auth), "AUTH PLAIN after STARTTLS: {log:?}");
    assert!(!log[..tls].iter().any(|l| l.starts_with("C: AUTH")), "never in clear: {log:?}");
    assert!(after.iter().any(|l| *l == "D: secret body"), "{log:?}");
    assert!(lab.files("mqueue").is_empty(), "{}", lab.log());
    let logged = lab.log();
    assert!(logged.contains("relay=smtprelay.lab.example. [127.0.0.1]"), "{logged}");
    assert!(logged.contains("stat=Sent ("), "{logged}");
    assert!(stdout.contains(">>> STARTTLS"), "-v shows the dialogue: {stdout}");
}

/// The first MX refuses the connection; the message goes to the second.
#[test]
fn a_refusing_first_mx_falls_back_to_the_second() {
    let server = Server::start(Script::new());
    let zone = Zone::new()
        .mx("far.example", 10, "mx1.far.example")
        .mx("far.example", 20, "mx2.far.example")
        .addr("mx1.far.example", "127.0.0.2")
        .addr("mx2.far.example", "127.0.0.1");
    let dns = DnsServer::start(zone);
    let lab = mailertable_lab(&dns, &server, "far.example esmtp:far.example\n");
    let Some(stdout) = send(&lab, "friend@far.example") else { return };
    assert!(server.data().contains(&"secret body".to_string()), "{:?}", server.log());
    assert!(lab.files("mqueue").is_empty(), "{}", lab.log());
    let logged = lab.log();
    assert!(logged.contains("relay=mx2.far.example. [127.0.0.1]"), "{logged}");
    assert!(stdout.contains("Connecting to mx1.far.example. port "), "{stdout}");
}

/// The tips' migration route `domain.tld esmtp:[1.2.3.4]`: the mailertable sends the
/// domain to the bracketed address without any lookup (the name server has no record).
#[test]
fn a_mailertable_route_to_a_bracketed_address() {
    let server = Server::start(Script::new());
    let dns = DnsServer::start(Zone::new());
    let lab = mailertable_lab(&dns, &server, "domain.tld esmtp:[127.0.0.1]\n");
    let Some(_) = send(&lab, "someone@domain.tld") else { return };
    assert!(server.commands().contains(&"RCPT To:<someone@domain.tld>".to_string()));
    assert_eq!(dns.query_count(), 0, "{:?}", dns.queries());
    assert!(lab.files("mqueue").is_empty(), "{}", lab.log());
    let logged = lab.log();
    assert!(
        logged.contains("mailer=esmtp, pri=") && logged.contains("relay=[127.0.0.1] [127.0.0.1]"),
        "{logged}"
    );
}

/// Two messages for one host in one run share one connection (checked with RSET,
/// as sendmail's connection cache), closed with QUIT at the end of the run.
#[test]
fn messages_to_one_host_reuse_the_connection() {
    let server = Server::start(Script::new());
    let dns = DnsServer::start(Zone::new());
    let lab = mailertable_lab(&dns, &server, "domain.tld esmtp:[127.0.0.1]\n");
    for n in 1..=2 {
        let rcpt = format!("user{n}@domain.tld");
        let Some(out) = lab.submit(&["-odq", "-f", "daemon", &rcpt], b"Subject: x\n\nhi\n") else {
            testkit::oracle::skip("submit is not built beside queue-runner");
            return;
        };
        assert!(out.status.success(), "submit: {}", text(&out.stderr));
    }
    let out = lab.queue_runner(&["-v", "-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(lab.files("mqueue").is_empty(), "{}", lab.log());
    assert_eq!(server.connections(), 1, "{:?}", server.log());
    let commands = server.commands();
    let mails = commands.iter().filter(|c| c.starts_with("MAIL From:")).count();
    assert_eq!(mails, 2, "{commands:?}");
    assert!(commands.contains(&"RSET".to_string()), "the cached connection checked: {commands:?}");
    assert_eq!(commands.last().map(String::as_str), Some("QUIT"), "{commands:?}");
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches("Closing connection to [127.0.0.1]").count(), 1, "{stdout}");
}
