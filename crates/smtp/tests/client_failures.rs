//! The client when servers fail it: connections dropped and stalled at each step
//! (each phase's own timeout), garbage instead of replies, 421 at any point, refused
//! connections, a server that stops reading the message text. The wording is what
//! the real sendmail 8.17 says for each (recorded with the oracle, see
//! `tests/client_oracle.rs` for the live comparison).

mod scripted;

use scripted::client::{client, close, deliver, envelope, once, settings, target};
use scripted::{lines, reply, Do, Script, Server};
use smtp::client::{Class, Exit, Settings, Timeouts};
use std::time::{Duration, Instant};

const BODY: &[u8] = b"short body\n";
const LOST: &str = "Deferred: Connection timed out with [127.0.0.1]";
const NOTE: &str = "reply: read error from [127.0.0.1]";

/// Every step at which a server can vanish, worded as sendmail 8.17 words each
/// (checked live in `client_oracle.rs`): only a lost RCPT reply is the recipient's
/// own message, and there its message is the envelope's (`reply: read error`).
#[tokio::test]
async fn a_dropped_connection_at_each_step() {
    let reset = "Deferred: Connection reset by [127.0.0.1]";
    for (verb, text, own) in [
        ("CONNECT", reset, false),
        ("EHLO", reset, false),
        ("MAIL", "Deferred", false),
        ("RCPT", "Deferred", true),
        ("DATA", reset, false),
        ("EOM", "Deferred", false),
    ] {
        let server = Server::start(Script::new().on(verb, Do::Drop));
        let env = envelope(&["a@x.example"]);
        let d = once(settings(10), server.addr, &env, BODY).await;
        let r = &d.outcome.recipients[0];
        assert_eq!(
            (r.status.text.as_str(), r.status.dsn.as_str(), r.own_message),
            (text, "4.4.2", own),
            "{verb}"
        );
        assert_eq!(r.status.note.as_deref(), Some(NOTE), "{verb}");
        assert!(d.lines.contains(&format!("<a@x.example>... {text}")), "{verb}: {:#?}", d.lines);
        let messages = d.outcome.messages(None);
        assert_eq!(messages.envelope.as_deref(), Some(NOTE), "{verb}");
        assert_eq!(messages.recipients[0].as_deref(), own.then_some(NOTE), "{verb}");
        // sendmail closes the dead connection without QUIT, and still says so.
        assert_eq!(d.lines.last().unwrap(), "Closing connection to [127.0.0.1]", "{verb}");
        assert!(!server.commands().contains(&"QUIT".to_string()), "{verb}");
    }
}

/// One of the timeouts.
type Field = fn(&mut Timeouts) -> &mut Duration;

/// A stall at each step ends after that step's own timeout, not another's.
#[tokio::test]
async fn a_stall_at_each_step_times_out_with_that_steps_timeout() {
    let steps: [(&str, Field); 7] = [
        ("CONNECT", |t| &mut t.initial),
        ("EHLO", |t| &mut t.helo),
        ("MAIL", |t| &mut t.mail),
        ("RCPT", |t| &mut t.rcpt),
        ("DATA", |t| &mut t.datainit),
        ("EOM", |t| &mut t.datafinal),
        ("STARTTLS", |t| &mut t.starttls),
    ];
    for (verb, which) in steps {
        let mut script = Script::new().on(verb, Do::Stall);
        if verb == "STARTTLS" {
            script = script.on("EHLO", lines(&["250-sink.test.example", "250 STARTTLS"]));
        }
        let server = Server::start(script);
        let mut s = settings(30);
        *which(&mut s.timeouts) = Duration::from_millis(600);
        let started = Instant::now();
        let d = once(s, server.addr, &envelope(&["a@x.example"]), BODY).await;
        let took = started.elapsed();
        assert!(
            took >= Duration::from_millis(600) && took < Duration::from_secs(20),
            "{verb}: {took:?}"
        );
        assert_eq!(d.text(0), LOST, "{verb}");
    }
}

#[tokio::test]
async fn a_stalled_quit_does_not_hold_anything() {
    let server = Server::start(Script::new().on("QUIT", Do::Stall));
    let mut s = settings(30);
    s.timeouts.quit = Duration::from_millis(500);
    let started = Instant::now();
    let d = once(s, server.addr, &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(&d.lines[d.lines.len() - 2..], ["Closing connection to [127.0.0.1]", ">>> QUIT"]);
}

#[tokio::test]
async fn garbage_lines_are_shown_and_skipped() {
    let greeting = lines(&[
        "hello, I am not SMTP",
        "22O looks like a code but is not",
        "220x neither is this",
        "220 sink.test.example ESMTP",
    ]);
    let ehlo = lines(&[
        "250-sink.test.example",
        "this is junk",
        "250-PIPELINING",
        "050 informational",
        "250 8BITMIME",
    ]);
    let server = Server::start(Script::new().on("CONNECT", greeting).on("EHLO", ehlo));
    let d = once(settings(10), server.addr, &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    for shown in
        ["hello, I am not SMTP", "220x neither is this", "this is junk", "050 informational"]
    {
        assert!(d.lines.contains(&shown.to_string()), "{shown}: {:#?}", d.lines);
    }
    // PIPELINING after the junk line was still understood: DATA went out with the
    // RCPT, before its reply was read.
    let rcpt = d.lines.iter().position(|l| l.starts_with(">>> RCPT")).unwrap();
    assert_eq!(d.lines[rcpt + 1], ">>> DATA");
}

#[tokio::test]
async fn only_garbage_is_a_timeout() {
    let server = Server::start(Script::new().on("CONNECT", lines(&["no", "reply", "here"])));
    let d = once(settings(1), server.addr, &envelope(&["a@x.example"]), BODY).await;
    assert_eq!(d.text(0), LOST);
}

#[tokio::test]
async fn a_421_is_answered_with_quit_first() {
    for verb in ["CONNECT", "EHLO", "MAIL"] {
        let server = Server::start(Script::new().on(verb, reply("421 4.3.2 shutting down")));
        let d = once(settings(10), server.addr, &envelope(&["a@x.example"]), BODY).await;
        assert_eq!(d.text(0), "Deferred: 421 4.3.2 shutting down", "{verb}");
        let at = d.lines.iter().position(|l| l == "421 4.3.2 shutting down").unwrap();
        assert_eq!(
            &d.lines[at..],
            [
                "421 4.3.2 shutting down",
                ">>> QUIT",
                "221 2.0.0 Bye",
                "<a@x.example>... Deferred: 421 4.3.2 shutting down",
                "Closing connection to [127.0.0.1]",
            ],
            "{verb}"
        );
    }
}

/// A 421 to a pipelined RCPT: QUIT at once (its reply is whatever comes next), then
/// every recipient still waiting for its reply is deferred.
#[tokio::test]
async fn a_421_among_pipelined_rcpts() {
    let server =
        Server::start(Script::new().on_arg("RCPT", "second", reply("421 4.3.2 going down")));
    let env = envelope(&["first@x.example", "second@x.example", "third@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    let texts: Vec<&str> = (0..3).map(|i| d.text(i)).collect();
    assert_eq!(texts, ["Deferred: 421 4.3.2 going down"; 3]);
    let own: Vec<bool> = d.outcome.recipients.iter().map(|r| r.own_message).collect();
    assert_eq!(own, [false, true, true]);
    let at = d.lines.iter().position(|l| l == "421 4.3.2 going down").unwrap();
    assert_eq!(d.lines[at + 1], ">>> QUIT");
    assert!(!server.commands().iter().any(|c| c == "."), "no message text after a 421");
}

#[tokio::test]
async fn a_greeting_refusal() {
    for (line, exit, text) in [
        ("450 busy", Exit::TempFail, "Deferred: 450 busy"),
        ("554 5.7.1 no thanks", Exit::Unavailable, "Service unavailable"),
    ] {
        let server = Server::start(Script::new().on("CONNECT", reply(line)));
        let d = once(settings(10), server.addr, &envelope(&["a@x.example"]), BODY).await;
        let s = &d.outcome.recipients[0].status;
        assert_eq!((s.exit, s.text.as_str()), (exit, text), "{line}");
        assert_eq!(server.commands(), ["QUIT"], "{line}");
    }
}

#[tokio::test]
async fn a_refused_connection_and_the_host_status_after_it() {
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let env = envelope(&["a@x.example"]);
    let mut c = client(settings(10));
    let d = deliver(&mut c, &[target(addr)], &env, BODY).await;
    let s = &d.outcome.recipients[0].status;
    assert_eq!(
        (s.text.as_str(), s.dsn.as_str()),
        ("Deferred: Connection refused by [127.0.0.1]", "4.4.1")
    );
    assert_eq!(d.lines.len(), 2, "{:#?}", d.lines);
    assert_eq!(d.lines[1], "<a@x.example>... Deferred: Connection refused by [127.0.0.1]");
    // The host is not tried again during this run: same status, no connection.
    let again = deliver(&mut c, &[target(addr)], &env, BODY).await;
    assert_eq!(again.text(0), "Deferred: Connection refused by [127.0.0.1]");
    assert_eq!(again.lines, ["<a@x.example>... Deferred: Connection refused by [127.0.0.1]"]);
    // Nothing was ever connected: nothing to close.
    assert!(close(&mut c, &env).await.is_empty());
}

/// A server that accepts DATA but stops reading: the write of the message text
/// times out after `Timeout.datablock`, and the delivery is deferred.
#[tokio::test]
async fn a_server_that_stops_reading_the_text() {
    let server = Server::start(Script::new().on("DATA", Do::Deaf(vec!["354 go ahead".into()])));
    let mut s: Settings = settings(30);
    s.timeouts.datablock = Duration::from_millis(800);
    let body = vec![b'x'; 32 * 1024 * 1024];
    let started = Instant::now();
    let d = once(s, server.addr, &envelope(&["a@x.example"]), &body).await;
    let status = &d.outcome.recipients[0].status;
    assert_eq!((status.text.as_str(), status.dsn.as_str()), (LOST, "4.4.2"));
    assert_eq!(status.note.as_deref(), Some("timeout writing message to [127.0.0.1]"));
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    assert!(!d.lines.contains(&">>> .".to_string()));
}

/// A listener whose accept queue is full drops further SYNs: the connection attempt
/// hangs until `Timeout.connect`.
#[tokio::test]
async fn a_hanging_connect_ends_after_timeout_connect() {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    // Fill the queue (never accepted).
    let mut fillers = Vec::new();
    for _ in 0..4 {
        if let Ok(Ok(s)) =
            tokio::time::timeout(Duration::from_millis(300), tokio::net::TcpStream::connect(addr))
                .await
        {
            fillers.push(s);
        }
    }
    let mut s = settings(30);
    s.timeouts.connect = Duration::from_millis(700);
    let started = Instant::now();
    let d = once(s, addr, &envelope(&["a@x.example"]), BODY).await;
    let took = started.elapsed();
    let status = &d.outcome.recipients[0].status;
    assert_eq!(
        (status.text.as_str(), status.dsn.as_str()),
        ("Deferred: Connection timed out with [127.0.0.1]", "4.4.1")
    );
    assert!(took >= Duration::from_millis(700) && took < Duration::from_secs(10), "{took:?}");
    drop((listener, fillers));
}

/// The remaining timeouts: the RSET after a failed transaction (`Timeout.rset`),
/// the RSET that checks a cached connection (`Timeout.misc`: then a new connection
/// takes the message) and the AUTH exchange (`Timeout.auth`).
#[tokio::test]
async fn rset_misc_and_auth_timeouts() {
    let quick = Duration::from_millis(500);
    // Timeout.rset: no PIPELINING, every RCPT refused, RSET unanswered.
    let ehlo = lines(&["250-sink.test.example", "250 8BITMIME"]);
    let server = Server::start(
        Script::new().on("EHLO", ehlo).on("RCPT", reply("550 5.1.1 no")).on("RSET", Do::Stall),
    );
    let mut s = settings(30);
    s.timeouts.rset = quick;
    let started = Instant::now();
    let d = once(s, server.addr, &envelope(&["a@x.example"]), BODY).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(d.text(0), "User unknown");
    assert_eq!(
        d.lines.last().unwrap(),
        "Closing connection to [127.0.0.1]",
        "no QUIT on a dead connection"
    );

    // Timeout.misc: the second message's check of the cached connection stalls.
    let server = Server::start(Script::new().on("RSET", Do::Stall));
    let mut s = settings(30);
    s.timeouts.misc = quick;
    let mut c = client(s);
    let env = envelope(&["a@x.example"]);
    deliver(&mut c, &[target(server.addr)], &env, BODY).await;
    let started = Instant::now();
    let d = deliver(&mut c, &[target(server.addr)], &env, BODY).await;
    assert!(started.elapsed() >= quick && started.elapsed() < Duration::from_secs(10));
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    assert_eq!(server.connections(), 2);
    close(&mut c, &env).await;

    // Timeout.auth.
    let ehlo = lines(&["250-sink.test.example", "250 AUTH PLAIN"]);
    let server = Server::start(Script::new().on("EHLO", ehlo).on("AUTH", Do::Stall));
    let mut s = settings(30);
    s.timeouts.auth = quick;
    let value = spool::authinfo::parse_value(r#""U:u" "P:p" "M:PLAIN""#).unwrap();
    let t = smtp::client::Target {
        credentials: smtp::client::Credentials::from_authinfo(&value),
        ..target(server.addr)
    };
    let mut c = client(s);
    let started = Instant::now();
    let d = deliver(&mut c, &[t], &env, BODY).await;
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(d.text(0), LOST);
}
