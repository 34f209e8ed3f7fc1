//! The recorded queue runs of the real sendmail (`tests/reference/queue/20-queue-run`
//! and `21-second-queue-run`), replayed: the same messages to the same kind of sink
//! (a port of the lab's `bin/sink.py`: `reject*` gets 550, `tempfail*` 451, DATA
//! without recipients 503, messages numbered SINK0001, ...), over one connection
//! reused from message to message. Our `-v` lines must be the SMTP lines of the
//! recorded transcript, all of them, in order.

mod scripted;

use smtp::client::{Client, Envelope, Event, Recipient, Settings, Target, Verbose};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The lab's sink, as `tests/oracle/bin/sink.py` answers.
fn sink() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let counter = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counter = counter.clone();
            std::thread::spawn(move || session(stream, &counter));
        }
    });
    addr
}

fn session(stream: TcpStream, counter: &AtomicUsize) {
    let mut out = stream.try_clone().unwrap();
    let mut input = BufReader::new(stream);
    let mut send = |line: &str| out.write_all(format!("{line}\r\n").as_bytes()).is_ok();
    send("220 sink.lab.example ESMTP smlab-sink");
    let mut rcpts = 0;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        let arg = line.get(8..).unwrap_or("");
        let reply = match line.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
            "EHLO" => "250-sink.lab.example\r\n250-8BITMIME\r\n250-SIZE 10000000\r\n250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250 PIPELINING".into(),
            "MAIL" => {
                rcpts = 0;
                "250 2.1.0 Ok".to_string()
            }
            "RCPT" => {
                let addr = arg.split(' ').next().unwrap_or("");
                let local = addr.trim_matches(['<', '>']).split('@').next().unwrap_or("").to_ascii_lowercase();
                if local.starts_with("reject") {
                    format!("550 5.1.1 {addr}... User unknown (sink)")
                } else if local.starts_with("tempfail") {
                    format!("451 4.2.0 {addr}... mailbox busy, try later (sink)")
                } else {
                    rcpts += 1;
                    "250 2.1.5 Ok".to_string()
                }
            }
            "DATA" if rcpts == 0 => "503 5.5.1 No valid recipients".into(),
            "DATA" => {
                send("354 End data with <CR><LF>.<CR><LF>");
                loop {
                    let mut text = String::new();
                    if input.read_line(&mut text).unwrap_or(0) == 0 {
                        return;
                    }
                    if text == ".\r\n" {
                        break;
                    }
                }
                format!("250 2.0.0 Ok: queued as SINK{:04}", counter.fetch_add(1, Ordering::SeqCst) + 1)
            }
            "RSET" => {
                rcpts = 0;
                "250 2.0.0 Ok".into()
            }
            "QUIT" => {
                send("221 2.0.0 Bye");
                return;
            }
            _ => "502 5.5.2 Command not recognized".into(),
        };
        send(&reply);
    }
}

/// A message of the recorded run: sender, size and recipients (`q_user`, `q_paddr`).
fn message(sender: &str, size: u64, rcpts: &[(&str, &str)]) -> Envelope {
    Envelope {
        id: "QID".into(),
        sender: sender.into(),
        size,
        recipients: rcpts
            .iter()
            .map(|(user, paddr)| Recipient {
                address: user.to_string(),
                display: paddr.to_string(),
                ..Recipient::default()
            })
            .collect(),
        ..Envelope::default()
    }
}

/// Delivers `messages` in order through one client (the lab's relay mailer, port
/// shown) and closes it: every `-v` line.
async fn run(messages: &[Envelope]) -> Vec<String> {
    let addr = sink();
    let settings = Settings {
        helo_name: "mail.lab.example".into(),
        mailer_8bit: true,
        line_limit: 2040,
        ..scripted::client::settings(10)
    };
    let mut client = Client::new(settings, rustls::RootCertStore::empty()).unwrap();
    let target =
        Target { host: "[127.0.0.1]".into(), port: 2537, ..Target::ip(addr.ip(), addr.port()) };
    let mut lines = Vec::new();
    for env in messages {
        let v = Verbose {
            mailer: "relay".into(),
            show_port: true,
            recipients: env.recipients.iter().map(|r| r.display.clone()).collect(),
        };
        let mut record = |e: &Event| lines.extend(v.line(e));
        let mut body = std::io::Cursor::new(b"message text\n".to_vec());
        let t = Target { ip: addr.ip(), port: addr.port(), ..target.clone() };
        client.deliver(&[t], env, b"Subject: x\n", &mut body, &mut record).await;
    }
    let v = Verbose { mailer: "relay".into(), show_port: true, recipients: Vec::new() };
    client.close(&mut |e: &Event| lines.extend(v.line(e))).await;
    // The recording's sink listened on 2537.
    lines.iter().map(|l| l.replace(&format!("port {} via", addr.port()), "port 2537 via")).collect()
}

/// The SMTP lines of a recorded transcript: without the queue runner's own lines
/// (`Running`, local deliveries, aliasing, the exit status).
fn recorded(folder: &str) -> Vec<String> {
    let path =
        testkit::paths::reference().join("queue").join(folder).join("queue-run-transcript.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .filter(|l| {
            !(l.is_empty()
                || l.starts_with("Running ")
                || l.starts_with("exit status:")
                || l.contains("... Connecting to local...")
                || l.contains("aliased to")
                || (l.ends_with("... Sent") && !l.contains("via")))
        })
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn the_first_recorded_queue_run() {
    let messages = [
        message("", 0, &[("alice@example.org", "<alice@example.org>")]),
        message(
            "tempfail-sender@sink.example",
            540,
            &[("reject2@sink.example", "<reject2@sink.example>")],
        ),
        message("", 1564, &[("tempfail-sender@sink.example", "<tempfail-sender@sink.example>")]),
        message(
            "root@mail.lab.example",
            629,
            &[
                ("reject1@sink.example", "<reject1@sink.example>"),
                ("tempfail1@sink.example", "<tempfail1@sink.example>"),
                ("someone@sink.example", "<someone@sink.example>"),
                ("tempfail2@sink.example", "tempfail2@sink.example"),
            ],
        ),
    ];
    assert_eq!(run(&messages).await, recorded("20-queue-run"));
}

#[tokio::test]
async fn the_second_recorded_queue_run() {
    let messages = [
        message("", 2298, &[("tempfail-sender@sink.example", "<tempfail-sender@sink.example>")]),
        message(
            "root@mail.lab.example",
            629,
            &[
                ("tempfail1@sink.example", "<tempfail1@sink.example>"),
                ("tempfail2@sink.example", "tempfail2@sink.example"),
            ],
        ),
    ];
    assert_eq!(run(&messages).await, recorded("21-second-queue-run"));
}
