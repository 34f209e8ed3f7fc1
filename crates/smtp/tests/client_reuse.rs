//! Several messages and several hosts: connection reuse with the RSET check
//! sendmail does, a cached connection gone stale, the next host when one cannot be
//! reached or defers recipients, and what goes on the wire as message text (CRLF,
//! dot-stuffing, long lines, 8-bit bodies for servers with and without 8BITMIME).

mod scripted;

use scripted::client::{client, close, deliver, envelope, once, settings, target};
use scripted::{lines, reply, Do, Script, Server};
use smtp::client::{Class, EightBitMode};
use std::time::Duration;

#[tokio::test]
async fn two_messages_one_connection_checked_with_rset() {
    let server = Server::start(Script::new());
    let mut c = client(settings(10));
    let first = envelope(&["a@x.example"]);
    let second = envelope(&["b@x.example", "c@x.example"]);
    let d1 = deliver(&mut c, &[target(server.addr)], &first, b"one\n").await;
    let d2 = deliver(&mut c, &[target(server.addr)], &second, b"two\n").await;
    let end = close(&mut c, &second).await;
    assert_eq!(server.connections(), 1);
    assert_eq!(d1.outcome.recipients[0].status.class(), Class::Sent);
    assert_eq!(
        d2.lines,
        [
            ">>> RSET",
            "250 2.0.0 Ok",
            "<b@x.example>,<c@x.example>... Using cached ESMTP connection to [127.0.0.1] via esmtp...",
            ">>> MAIL From:<alice@example.org> SIZE=100",
            "250 2.1.0 Ok",
            ">>> RCPT To:<b@x.example>",
            ">>> RCPT To:<c@x.example>",
            ">>> DATA",
            "250 2.1.5 Ok",
            "250 2.1.5 Ok",
            "354 End data with <CR><LF>.<CR><LF>",
            ">>> .",
            "250 2.0.0 Ok: queued as SINK0001",
            "<b@x.example>,<c@x.example>... Sent (Ok: queued as SINK0001)",
        ]
    );
    assert_eq!(end, ["Closing connection to [127.0.0.1]", ">>> QUIT", "221 2.0.0 Bye"]);
}

#[tokio::test]
async fn a_stale_cached_connection_is_replaced() {
    let server = Server::start(Script::new().on("RSET", reply("421 4.4.2 idle too long")));
    let mut c = client(settings(10));
    let env = envelope(&["a@x.example"]);
    deliver(&mut c, &[target(server.addr)], &env, b"one\n").await;
    let d = deliver(&mut c, &[target(server.addr)], &env, b"two\n").await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent, "{:#?}", d.lines);
    assert_eq!(server.connections(), 2);
    assert_eq!(&d.lines[..4], [">>> RSET", "421 4.4.2 idle too long", ">>> QUIT", "221 2.0.0 Bye"]);
    assert!(d.lines[4].contains("Connecting to [127.0.0.1]"), "{:#?}", d.lines);
    close(&mut c, &env).await;
}

#[tokio::test]
async fn a_cached_connection_the_server_closed() {
    let server = Server::start(Script::new().on("RSET", Do::Drop));
    let mut c = client(settings(10));
    let env = envelope(&["a@x.example"]);
    deliver(&mut c, &[target(server.addr)], &env, b"one\n").await;
    let d = deliver(&mut c, &[target(server.addr)], &env, b"two\n").await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent, "{:#?}", d.lines);
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn an_idle_connection_is_closed_after_the_cache_timeout() {
    let server = Server::start(Script::new());
    let mut c = client(settings(10)).with_cache(2, Duration::from_millis(200));
    let env = envelope(&["a@x.example"]);
    deliver(&mut c, &[target(server.addr)], &env, b"one\n").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let d = deliver(&mut c, &[target(server.addr)], &env, b"two\n").await;
    assert_eq!(&d.lines[..3], ["Closing connection to [127.0.0.1]", ">>> QUIT", "221 2.0.0 Bye"]);
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn the_next_host_when_the_first_cannot_be_reached() {
    let refused = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let second = Server::start(Script::new());
    let env = envelope(&["a@x.example"]);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target(refused), target(second.addr)], &env, b"body\n").await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    let connecting: Vec<&String> = d.lines.iter().filter(|l| l.contains("Connecting to")).collect();
    assert_eq!(connecting.len(), 2, "{:#?}", d.lines);
    assert!(
        !d.lines.iter().any(|l| l.contains("Connection refused")),
        "no status for a host that was passed over"
    );
    close(&mut c, &env).await;
}

#[tokio::test]
async fn deferred_recipients_go_on_to_the_next_host() {
    let first =
        Server::start(Script::new().on_arg("RCPT", "later", reply("451 4.2.0 try the backup")));
    let second = Server::start(Script::new());
    let env = envelope(&["now@x.example", "later@x.example"]);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target(first.addr), target(second.addr)], &env, b"body\n").await;
    let classes: Vec<Class> = d.outcome.recipients.iter().map(|r| r.status.class()).collect();
    assert_eq!(classes, [Class::Sent, Class::Sent]);
    assert_eq!(
        second.commands().iter().filter(|c| c.starts_with("RCPT")).collect::<Vec<_>>(),
        ["RCPT To:<later@x.example>"]
    );
    let to_second = format!(
        "<later@x.example>... Connecting to [127.0.0.1] port {} via esmtp...",
        second.addr.port()
    );
    assert!(d.lines.contains(&to_second), "{:#?}", d.lines);
    close(&mut c, &env).await;
}

#[tokio::test]
async fn every_host_down_gives_the_last_ones_status() {
    let a = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let greeting_busy = Server::start(Script::new().on("CONNECT", reply("421 4.3.2 busy")));
    let env = envelope(&["a@x.example"]);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target(a), target(greeting_busy.addr)], &env, b"body\n").await;
    assert_eq!(d.text(0), "Deferred: 421 4.3.2 busy");
    assert_eq!(d.lines.iter().filter(|l| l.contains("Deferred")).count(), 1);
}

#[tokio::test]
async fn crlf_dot_stuffing_and_long_lines_on_the_wire() {
    let server = Server::start(Script::new());
    let long = "z".repeat(2000);
    let body = format!("first\n.leading dot\n..two dots\n.\n{long}\nno newline at the end");
    once(settings(10), server.addr, &envelope(&["a@x.example"]), body.as_bytes()).await;
    let data = server.data();
    let expected_long = [
        format!("{}!", "z".repeat(989)),
        format!(" {}!", "z".repeat(988)),
        format!(" {}", "z".repeat(23)),
    ];
    let mut expected = vec![
        "From: alice@example.org",
        "Subject: test",
        "",
        "first",
        "..leading dot",
        "...two dots",
        "..",
    ];
    expected.extend(expected_long.iter().map(String::as_str));
    expected.extend(["no newline at the end", "."]);
    assert_eq!(data, expected);
}

#[tokio::test]
async fn a_large_body_is_streamed_unchanged() {
    let server = Server::start(Script::new());
    let line = "0123456789".repeat(7);
    let body: String = (0..60_000).map(|i| format!("{i:06} {line}\n")).collect();
    let d = once(settings(30), server.addr, &envelope(&["a@x.example"]), body.as_bytes()).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    let data = server.data();
    assert_eq!(data.len(), 3 + 60_000 + 1);
    assert_eq!(data[3 + 59_999], format!("059999 {line}"));
}

const UTF8_MIME: &[u8] = b"From: alice@example.org\nMIME-Version: 1.0\n";

#[tokio::test]
async fn eight_bit_bodies_and_servers_without_8bitmime() {
    let no8 = || Script::new().on("EHLO", lines(&["250-sink.test.example", "250 PIPELINING"]));
    // Not MIME: passed as it is (EightBitMode=pass).
    let server = Server::start(no8());
    let mut env = envelope(&["a@x.example"]);
    env.body.has_8bit = true;
    once(settings(10), server.addr, &env, "Gr\u{fc}\u{df}e\n".as_bytes()).await;
    assert!(server.data().contains(&"Gr\u{fc}\u{df}e".to_string()));

    // MIME: converted as sendmail converts it.
    let server = Server::start(no8());
    env.body.is_mime = true;
    let mut c = client(settings(10));
    let mut cursor =
        std::io::Cursor::new("Gr\u{fc}\u{df}e line one\nplain line\n".as_bytes().to_vec());
    let out = c
        .deliver(&[target(server.addr)], &env, UTF8_MIME, &mut cursor, &mut smtp::client::Quiet)
        .await;
    c.close(&mut smtp::client::Quiet).await;
    assert_eq!(out.recipients[0].status.class(), Class::Sent);
    let data = server.data();
    assert!(data.contains(&"Content-Transfer-Encoding: base64".to_string()), "{data:#?}");
    assert!(data.contains(
        &"X-MIME-Autoconverted: from 8bit to base64 by client.test.example id QID0001".to_string()
    ));
    assert!(data.contains(&"R3LDvMOfZSBsaW5lIG9uZQ0KcGxhaW4gbGluZQ0K".to_string()), "{data:#?}");

    // An RFC 1049 body that cannot be converted, in strict mode: refused, nothing sent.
    let server = Server::start(no8());
    let mut strict = settings(10);
    strict.eight_bit_mode = EightBitMode::Strict;
    env.body.is_mime = false;
    env.body.dont_mime = true;
    let d = once(strict, server.addr, &env, b"\xe9\n").await;
    let s = &d.outcome.recipients[0].status;
    assert_eq!((s.text.as_str(), s.dsn.as_str()), ("Data format error", "5.6.3"));
    assert!(
        d.lines.contains(&"<a@x.example>... [127.0.0.1] does not support 8BITMIME".to_string()),
        "{:#?}",
        d.lines
    );
    assert!(d.lines.contains(&"Data format error".to_string()));
    assert!(!server.commands().iter().any(|c| c.starts_with("MAIL")));

    // A server with 8BITMIME gets the body as it is.
    let server = Server::start(Script::new());
    env.body.dont_mime = false;
    env.body.is_mime = true;
    once(settings(10), server.addr, &env, "\u{e9}t\u{e9}\n".as_bytes()).await;
    assert!(server.data().contains(&"\u{e9}t\u{e9}".to_string()));
}

/// queue-runner runs deliveries as tokio tasks: a delivery can be spawned.
#[tokio::test]
async fn a_delivery_is_a_task() {
    let server = Server::start(Script::new());
    let addr = server.addr;
    let task = tokio::spawn(async move {
        let mut c = client(settings(10));
        let env = envelope(&["a@x.example"]);
        let mut events = Vec::new();
        let mut body = std::io::Cursor::new(b"body\n".to_vec());
        let out = c
            .deliver(
                &[target(addr)],
                &env,
                b"Subject: t\n",
                &mut body,
                &mut |e: &smtp::client::Event| events.push(e.clone()),
            )
            .await;
        c.close(&mut smtp::client::Quiet).await;
        (out, events.len())
    });
    let (out, events) = task.await.unwrap();
    assert_eq!(out.recipients[0].status.class(), Class::Sent);
    assert!(events > 10);
}

/// A df that cannot be read to its end: the connection is dropped before the final
/// dot, so the server never takes a truncated message.
#[tokio::test]
async fn a_body_that_fails_midway_never_ends_with_a_dot() {
    use std::pin::Pin;
    use std::task::{Context, Poll};
    use tokio::io::{AsyncRead, AsyncSeek, ReadBuf};

    struct Failing(usize);
    impl AsyncRead for Failing {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<std::io::Result<()>> {
            if self.0 == 0 {
                return Poll::Ready(Err(std::io::Error::other("disk gone")));
            }
            self.0 -= 1;
            buf.put_slice(b"a line of the body\n");
            Poll::Ready(Ok(()))
        }
    }
    impl AsyncSeek for Failing {
        fn start_seek(self: Pin<&mut Self>, _: std::io::SeekFrom) -> std::io::Result<()> {
            Ok(())
        }
        fn poll_complete(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<u64>> {
            Poll::Ready(Ok(0))
        }
    }

    let server = Server::start(Script::new());
    let env = envelope(&["a@x.example"]);
    let mut c = client(settings(10));
    let out = c
        .deliver(
            &[target(server.addr)],
            &env,
            b"Subject: x\n",
            &mut Failing(5000),
            &mut smtp::client::Quiet,
        )
        .await;
    assert_eq!(out.recipients[0].status.class(), Class::Deferred);
    // The server reads on its own thread: what it logged is complete once the
    // connection, which a message cut midway cannot be reused after, has ended.
    drop(c);
    assert!(server.wait_ended(1), "the connection was never closed: {:?}", server.log());
    assert!(server.data().iter().any(|l| l == "a line of the body"), "{:?}", server.data());
    assert!(!server.data().contains(&".".to_string()), "no final dot: {:?}", server.data());
    assert!(!server.log().iter().any(|l| l.contains("queued as")));
}

/// On a cached connection the check comes first, then the refusal (sendmail's
/// `mci_get()` probes before `smtpmailfrom()` refuses).
#[tokio::test]
async fn a_refusal_on_a_cached_connection_comes_after_the_check() {
    let server = Server::start(
        Script::new().on("EHLO", lines(&["250-sink.test.example", "250 PIPELINING"])),
    );
    let mut s = settings(10);
    s.eight_bit_mode = EightBitMode::Mime;
    let mut c = client(s);
    let plain = envelope(&["a@x.example"]);
    deliver(&mut c, &[target(server.addr)], &plain, b"ascii\n").await;
    let mut broken = envelope(&["b@x.example"]);
    broken.body = smtp::client::Body { has_8bit: true, dont_mime: true, ..Default::default() };
    let d = deliver(&mut c, &[target(server.addr)], &broken, b"\xe9\n").await;
    assert_eq!(
        d.lines,
        [
            ">>> RSET",
            "250 2.0.0 Ok",
            "<b@x.example>... Using cached ESMTP connection to [127.0.0.1] via esmtp...",
            "<b@x.example>... [127.0.0.1] does not support 8BITMIME",
            "Data format error",
        ]
    );
    close(&mut c, &plain).await;
}
