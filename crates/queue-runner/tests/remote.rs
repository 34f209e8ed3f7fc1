//! Remote delivery end to end: `submit` queues, the `queue-runner` binary delivers
//! through the SMTP client to a scripted SMTP server on 127.0.0.1 (the smart host
//! `relay:[127.0.0.1]` on the port of `RELAY_MAILER_ARGS`): an accepted recipient
//! is sent, a 550 bounces, a 451 stays queued with sendmail's `M` line.

mod common;

use common::Lab;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A scripted SMTP server: `reject*` gets 550, `tempfail*` 451, others 250; every
/// line it reads is recorded.
struct Server {
    port: u16,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let log = log.clone();
                std::thread::spawn(move || serve(stream, &log));
            }
        });
        Server { port, seen }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<String>>) {
    let mut out = stream.try_clone().unwrap();
    let mut input = BufReader::new(stream);
    let mut say = |s: &str| out.write_all(format!("{s}\r\n").as_bytes());
    say("220 sink.example ESMTP scripted").unwrap();
    let mut in_data = false;
    let mut auth = false;
    let mut line = String::new();
    while input.read_line(&mut line).unwrap_or(0) > 0 {
        let l = line.trim_end().to_string();
        line.clear();
        log.lock().unwrap().push(l.clone());
        let upper = l.to_ascii_uppercase();
        let reply = if auth {
            auth = false;
            "235 2.7.0 Authentication successful".to_string()
        } else if in_data {
            if l != "." {
                continue;
            }
            in_data = false;
            "250 2.0.0 Ok: queued as SINK1".to_string()
        } else if upper.starts_with("EHLO") {
            "250-sink.example\r\n250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN\r\n250 PIPELINING"
                .to_string()
        } else if upper == "AUTH PLAIN" {
            auth = true;
            "334 ".to_string()
        } else if upper.starts_with("AUTH PLAIN ") {
            "235 2.7.0 Authentication successful".to_string()
        } else if upper.starts_with("RCPT TO:<REJECT") {
            "550 5.1.1 no such user here".to_string()
        } else if upper.starts_with("RCPT TO:<TEMPFAIL") {
            "451 4.2.0 mailbox busy, try later".to_string()
        } else if upper == "DATA" {
            in_data = true;
            "354 go ahead".to_string()
        } else if upper == "QUIT" {
            let _ = say("221 2.0.0 bye");
            return;
        } else {
            "250 2.0.0 Ok".to_string()
        };
        if say(&reply).is_err() {
            return;
        }
    }
}

#[test]
fn remote_recipients_are_sent_bounced_and_deferred_as_the_server_says() {
    let server = Server::start();
    let lab = Lab::builtin(&format!("define(`RELAY_MAILER_ARGS', `TCP $h {}')dnl\n", server.port));
    let to = ["ok@remote.example", "reject1@remote.example", "tempfail1@remote.example"];
    let mut args = vec!["-odq", "-f", "daemon"];
    args.extend(to);
    let Some(out) = lab.submit(&args, b"Subject: far away\n\nhello\n") else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return;
    };
    assert!(out.status.success(), "submit: {}", text(&out.stderr));
    let out = lab.queue_runner(&["-v", "-qf", "-Ac"]);
    let stdout = text(&out.stdout);
    let seen = server.seen();
    assert!(seen.contains(&"RCPT To:<ok@remote.example>".to_string()), "{seen:?}");
    assert!(seen.contains(&"Subject: far away".to_string()), "{seen:?}");
    assert!(seen.contains(&"hello".to_string()), "{seen:?}");
    assert!(stdout.contains(">>> DATA\n"), "-v prints the dialogue: {stdout}");
    let log = lab.log();
    assert!(log.contains("to=<ok@remote.example>") && log.contains("stat=Sent ("), "{log}");
    assert!(log.contains("stat=User unknown"), "the 550 bounces: {log}");
    let queued = lab.files("mqueue");
    let qf = queued.iter().find(|f| f.starts_with("qf")).expect("the 451 stays queued");
    let qf = lab.text(&format!("mqueue/{qf}"));
    assert!(qf.contains("\nMDeferred: 451 4.2.0 mailbox busy, try later\n"), "{qf}");
    assert!(qf.contains("tempfail1@remote.example"), "{qf}");
    assert!(!qf.contains("\nRPFD:<ok@remote.example>"), "sent: no longer queued: {qf}");
    let bounce = lab.text("mail/daemon");
    let transcript = "... while talking to [127.0.0.1]:\n>>> DATA\n<<< 550 5.1.1 no such user here\n550 5.1.1 <reject1@remote.example>... User unknown\n>>> DATA\n<<< 451 4.2.0 mailbox busy, try later\n<tempfail1@remote.example>... Deferred: 451 4.2.0 mailbox busy, try later\n";
    assert!(bounce.contains(transcript), "the bounce shows sendmail's transcript: {bounce}");
    let statuses = stdout.matches("<ok@remote.example>... Sent (Ok: queued as SINK1)").count();
    assert_eq!(statuses, 1, "-v prints each status once: {stdout}");
}

/// The transport alone, its hosts from a test name server.
mod lookups {
    use super::Server;
    use dns::{HostSwitch, HostsFile, Resolver, ServerConfig};
    use queue_runner::remote::{Smtp, NULL_MX};
    use queue_runner::route::Destination;
    use queue_runner::transport::{Message, Rcpt, RcptResult, Transport};
    use testkit::dns::{DnsServer, Zone};

    fn deliver(zone: Zone, host: &str, mx: bool, port: u16) -> RcptResult {
        let server = DnsServer::start(zone);
        let config = ServerConfig {
            servers: vec![server.addr()],
            timeout: std::time::Duration::from_secs(2),
            attempts: 1,
        };
        let resolver =
            Resolver::new(&HostSwitch::parse("hosts: dns"), HostsFile::parse(""), &config).unwrap();
        let smtp = Smtp::new(resolver, "mail.lab.example");
        let dest = Destination { mailer: "esmtp".into(), host: host.into(), mx, port };
        let message = Message {
            id: "TEST0001",
            sender: "daemon@mail.lab.example",
            body_type: None,
            envid: None,
            ret_hdrs: None,
            data: b"Subject: x\n\nbody\n",
        };
        let address = format!("ok@{host}");
        let rcpts = [Rcpt { paddr: format!("<{address}>"), address, notify: None, orcpt: None }];
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let delivery = rt.block_on(smtp.deliver(&dest, &message, &rcpts));
        delivery.results.into_iter().next().unwrap()
    }

    fn relay(result: &RcptResult) -> String {
        match result {
            RcptResult::Replied { reply, relay, .. } if reply.code == 250 => relay.clone(),
            other => panic!("not sent: {other:?}"),
        }
    }

    #[test]
    fn a_domain_is_delivered_to_its_mx() {
        let sink = Server::start();
        let zone =
            Zone::new().mx("far.example", 10, "mx.far.example").addr("mx.far.example", "127.0.0.1");
        let result = deliver(zone, "far.example", true, sink.port);
        assert_eq!(relay(&result), "mx.far.example. [127.0.0.1]");
        assert!(sink.seen().contains(&"RCPT To:<ok@far.example>".to_string()));
    }

    #[test]
    fn a_domain_without_mx_is_its_own_exchanger() {
        let sink = Server::start();
        let zone = Zone::new().addr("bare.example", "127.0.0.1");
        let result = deliver(zone, "bare.example", true, sink.port);
        assert_eq!(relay(&result), "bare.example. [127.0.0.1]");
    }

    #[test]
    fn a_bracketed_host_is_not_looked_up_as_mx() {
        let sink = Server::start();
        let zone = Zone::new()
            .mx("host.example", 10, "elsewhere.example")
            .addr("host.example", "127.0.0.1");
        let result = deliver(zone, "host.example", false, sink.port);
        assert_eq!(relay(&result), "[host.example] [127.0.0.1]");
    }

    #[test]
    fn a_null_mx_fails_permanently() {
        let zone = Zone::new().mx("null.example", 0, ".");
        let result = deliver(zone, "null.example", true, 25);
        let expected =
            RcptResult::Unreachable { temporary: false, text: NULL_MX.into(), relay: None };
        assert_eq!(result, expected);
    }
}

/// With `FEATURE(authinfo)`, the client authenticates with the host's credentials.
#[test]
fn authinfo_credentials_are_used() {
    let server = Server::start();
    let mc = format!(
        "define(`RELAY_MAILER_ARGS', `TCP $h {}')dnl\nFEATURE(`authinfo', `text @LAB@/etc/authinfo')dnl\n",
        server.port
    );
    let lab = Lab::builtin(&mc);
    std::fs::write(
        lab.path("etc/authinfo"),
        "authinfo:127.0.0.1 \"U:alice\" \"P:secret\" \"M:PLAIN\"\n",
    )
    .unwrap();
    let Some(out) =
        lab.submit(&["-odq", "-f", "daemon", "ok@remote.example"], b"Subject: x\n\nhi\n")
    else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return;
    };
    assert!(out.status.success(), "submit: {}", text(&out.stderr));
    lab.queue_runner(&["-qf", "-Ac"]);
    let seen = server.seen();
    let plain = "AUTH PLAIN YWxpY2UAYWxpY2UAc2VjcmV0";
    let answer = "YWxpY2UAYWxpY2UAc2VjcmV0";
    assert!(seen.iter().any(|l| l == plain || l == answer), "{seen:?}");
    assert!(lab.log().contains("stat=Sent ("), "{}", lab.log());
}
