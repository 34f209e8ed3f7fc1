//! The client against a scripted server on loopback: each recipient's reply on its
//! own, pipelining or not, HELO fallback, the MAIL/RCPT parameters, and the `-v`
//! transcript as sendmail prints it.

mod scripted;

use scripted::client::{envelope, once, settings};
use scripted::{lines, reply, Script, Server};
use smtp::client::{Class, Exit, Notify, Recipient, Ret};

const BODY: &[u8] = b"line one\n.dot line\nlast\n";

fn connecting(server: &Server, to: &str) -> String {
    format!("{to}... Connecting to [127.0.0.1] port {} via esmtp...", server.addr.port())
}

/// The recorded 20-queue-run shape: pipelined RCPTs and DATA, replies in order,
/// each recipient's status right after its reply.
#[tokio::test]
async fn each_rcpt_reply_on_its_own_with_pipelining() {
    let server = Server::start(
        Script::new()
            .on_arg(
                "RCPT",
                "tempfail",
                reply("451 4.2.0 <tempfail@sink.example>... mailbox busy, try later (sink)"),
            )
            .on_arg(
                "RCPT",
                "reject",
                reply("550 5.1.1 <reject@sink.example>... User unknown (sink)"),
            ),
    );
    let env = envelope(&["reject@sink.example", "tempfail@sink.example", "ok@sink.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    let to = "<reject@sink.example>,<tempfail@sink.example>,<ok@sink.example>";
    assert_eq!(
        d.lines,
        [
            &connecting(&server, to),
            "220 sink.test.example ESMTP scripted",
            ">>> EHLO client.test.example",
            "250-sink.test.example",
            "250-8BITMIME",
            "250-SIZE 10000000",
            "250-DSN",
            "250-ENHANCEDSTATUSCODES",
            "250 PIPELINING",
            ">>> MAIL From:<alice@example.org> SIZE=100",
            "250 2.1.0 Ok",
            ">>> RCPT To:<reject@sink.example>",
            ">>> RCPT To:<tempfail@sink.example>",
            ">>> RCPT To:<ok@sink.example>",
            ">>> DATA",
            "550 5.1.1 <reject@sink.example>... User unknown (sink)",
            "<reject@sink.example>... User unknown",
            "451 4.2.0 <tempfail@sink.example>... mailbox busy, try later (sink)",
            "<tempfail@sink.example>... Deferred: 451 4.2.0 <tempfail@sink.example>... mailbox busy, try later (sink)",
            "250 2.1.5 Ok",
            "354 End data with <CR><LF>.<CR><LF>",
            ">>> .",
            "250 2.0.0 Ok: queued as SINK0001",
            "<ok@sink.example>... Sent (Ok: queued as SINK0001)",
            "Closing connection to [127.0.0.1]",
            ">>> QUIT",
            "221 2.0.0 Bye",
        ]
    );
    let r = &d.outcome.recipients;
    assert_eq!(
        (r[0].status.exit, r[0].status.dsn.as_str(), r[0].own_message),
        (Exit::NoUser, "5.1.1", true)
    );
    assert_eq!(
        r[0].status.reply.as_deref(),
        Some("550 5.1.1 <reject@sink.example>... User unknown (sink)")
    );
    assert_eq!(
        (r[1].status.class(), r[1].status.dsn.as_str(), r[1].own_message),
        (Class::Deferred, "4.2.0", true)
    );
    assert_eq!((r[2].status.class(), r[2].own_message), (Class::Sent, false));
    assert_eq!(d.outcome.statmsg.as_deref(), Some("Ok: queued as SINK0001"));
    assert_eq!(d.outcome.accepted, 1);
}

#[tokio::test]
async fn without_pipelining_each_rcpt_waits_and_no_data_without_an_accept() {
    let ehlo = lines(&["250-sink.test.example", "250 SIZE 1000"]);
    let server =
        Server::start(Script::new().on("EHLO", ehlo).on("RCPT", reply("550 5.1.1 no such user")));
    let env = envelope(&["a@x.example", "b@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(
        server.commands(),
        [
            "EHLO client.test.example",
            "MAIL From:<alice@example.org> SIZE=100",
            "RCPT To:<a@x.example>",
            "RCPT To:<b@x.example>",
            "RSET",
            "QUIT"
        ]
    );
    assert!(d.lines.contains(&"<a@x.example>... User unknown".to_string()), "{:#?}", d.lines);
    assert!(d
        .outcome
        .recipients
        .iter()
        .all(|r| r.status.class() == Class::Failed && r.own_message));
    // Each RCPT waited for its reply: the reply to the first came before the second.
    let log = server.log();
    let at = log.iter().position(|l| l == "C: RCPT To:<a@x.example>").unwrap();
    assert_eq!(log[at + 1], "S: 550 5.1.1 no such user");
}

#[tokio::test]
async fn data_goes_out_after_one_accepted_rcpt_without_pipelining() {
    let ehlo = lines(&["250-sink.test.example", "250 8BITMIME"]);
    let server = Server::start(Script::new().on("EHLO", ehlo).on_arg(
        "RCPT",
        "later",
        reply("452 4.5.3 Too many recipients"),
    ));
    let env = envelope(&["now@x.example", "later@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(
        &server.commands()[..5],
        [
            "EHLO client.test.example",
            "MAIL From:<alice@example.org>",
            "RCPT To:<now@x.example>",
            "RCPT To:<later@x.example>",
            "DATA"
        ]
    );
    assert_eq!(d.outcome.recipients[0].status.class(), Class::Sent);
    assert_eq!(d.text(1), "Deferred: 452 4.5.3 Too many recipients");
    assert_eq!(d.outcome.recipients[1].status.dsn, "4.3.1");
}

#[tokio::test]
async fn helo_after_a_refused_ehlo_and_no_extensions() {
    let server = Server::start(Script::new().on("EHLO", reply("500 5.5.1 Command unrecognized")));
    let env = envelope(&["a@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(
        &server.commands()[..3],
        ["EHLO client.test.example", "HELO client.test.example", "MAIL From:<alice@example.org>"]
    );
    // Without ENHANCEDSTATUSCODES negotiated the code stays in the text, as sendmail shows it.
    assert_eq!(d.text(0), "Sent (2.0.0 Ok: queued as SINK0001)");
}

#[tokio::test]
async fn a_refused_helo_is_a_permanent_failure() {
    let server = Server::start(
        Script::new().on("EHLO", reply("500 nope")).on("HELO", reply("501 5.0.0 nope")),
    );
    let env = envelope(&["a@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(server.commands(), ["EHLO client.test.example", "HELO client.test.example", "QUIT"]);
    let s = &d.outcome.recipients[0].status;
    assert_eq!(
        (s.exit, s.dsn.as_str(), s.text.as_str()),
        (Exit::Unavailable, "5.5.0", "Service unavailable")
    );
    assert!(d.lines.contains(&"Service unavailable".to_string()), "{:#?}", d.lines);
}

#[tokio::test]
async fn dsn_size_body_and_auth_parameters_when_offered() {
    let ehlo = lines(&[
        "250-sink.test.example",
        "250-DSN",
        "250-SIZE",
        "250-8BITMIME",
        "250-AUTH PLAIN",
        "250 PIPELINING",
    ]);
    let server = Server::start(Script::new().on("EHLO", ehlo));
    let mut env = envelope(&["a@x.example"]);
    env.recipients = vec![Recipient {
        notify: Some(Notify { success: true, failure: true, ..Notify::default() }),
        orcpt: Some("rfc822;a+2Bx@x.example".into()),
        ..Recipient::new("a@x.example")
    }];
    env.ret = Some(Ret::Hdrs);
    env.envid = Some("QENV-04-0001".into());
    env.auth = Some("alice@example.org".into());
    env.body.declared = smtp::client::BodyType::EightBitMime;
    env.size = 540;
    once(settings(10), server.addr, &env, BODY).await;
    let commands = server.commands();
    assert_eq!(
        commands[1],
        "MAIL From:<alice@example.org> SIZE=540 BODY=8BITMIME ENVID=QENV-04-0001 RET=HDRS AUTH=alice@example.org"
    );
    assert_eq!(
        commands[2],
        "RCPT To:<a@x.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+2Bx@x.example"
    );
}

#[tokio::test]
async fn no_parameters_the_server_did_not_offer() {
    let ehlo = lines(&["250-sink.test.example", "250 PIPELINING"]);
    let server = Server::start(Script::new().on("EHLO", ehlo));
    let mut env = envelope(&["a@x.example"]);
    env.recipients[0].notify = Some(Notify::default());
    env.recipients[0].orcpt = Some("rfc822;a@x.example".into());
    env.ret = Some(Ret::Full);
    env.envid = Some("E".into());
    env.auth = Some("<>".into());
    once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(
        &server.commands()[1..3],
        ["MAIL From:<alice@example.org>", "RCPT To:<a@x.example>"]
    );
}

#[tokio::test]
async fn the_null_sender_and_smtputf8() {
    let ehlo = lines(&["250-sink.test.example", "250-SMTPUTF8", "250 PIPELINING"]);
    let server = Server::start(Script::new().on("EHLO", ehlo));
    let mut env = envelope(&["j\u{f6}rg@b\u{fc}ro.example"]);
    env.sender = String::new();
    once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(
        &server.commands()[1..3],
        ["MAIL From:<> SMTPUTF8", "RCPT To:<j\u{f6}rg@b\u{fc}ro.example>"]
    );

    let plain = Server::start(Script::new());
    let d = once(settings(10), plain.addr, &env, BODY).await;
    assert_eq!(plain.commands(), ["EHLO client.test.example", "QUIT"], "nothing is sent for it");
    let s = &d.outcome.recipients[0].status;
    assert_eq!((s.exit, s.dsn.as_str()), (Exit::DataErr, "5.6.7"));
    assert!(
        d.lines.contains(
            &"<j\u{f6}rg@b\u{fc}ro.example>... SMTPUTF8 required but not offered".to_string()
        ),
        "{:#?}",
        d.lines
    );
}

#[tokio::test]
async fn a_server_that_names_us_is_a_mail_loop() {
    let ehlo = lines(&["250-client.test.example Hello", "250 PIPELINING"]);
    let server = Server::start(Script::new().on("EHLO", ehlo));
    let env = envelope(&["a@x.example"]);
    let d = once(settings(10), server.addr, &env, BODY).await;
    assert_eq!(server.commands(), ["EHLO client.test.example", "QUIT"]);
    let s = &d.outcome.recipients[0].status;
    assert_eq!(
        (s.exit, s.dsn.as_str(), s.text.as_str()),
        (Exit::Config, "5.3.5", "Local configuration error")
    );
    assert_eq!(
        s.note.as_deref(),
        Some("[127.0.0.1] config error: mail loops back to me (MX problem?)")
    );
}

#[tokio::test]
async fn final_replies_temporary_permanent_and_protocol_errors() {
    for (eom, class, exit, text) in [
        ("451 4.3.0 try again", Class::Deferred, Exit::TempFail, "Deferred: 451 4.3.0 try again"),
        ("554 5.7.1 spam", Class::Failed, Exit::Unavailable, "Service unavailable"),
        ("500 5.5.2 what", Class::Failed, Exit::Protocol, "Remote protocol error"),
    ] {
        let server = Server::start(Script::new().on("EOM", reply(eom)));
        let env = envelope(&["a@x.example"]);
        let d = once(settings(10), server.addr, &env, BODY).await;
        let s = &d.outcome.recipients[0].status;
        assert_eq!((s.class(), s.exit, s.text.as_str()), (class, exit, text), "{eom}");
        assert_eq!(s.reply.as_deref(), Some(eom));
        assert!(!d.outcome.recipients[0].own_message);
        // The connection stays usable after any final reply: QUIT at the end only.
        assert_eq!(server.commands().last().map(String::as_str), Some("QUIT"), "{eom}");
    }
}

#[tokio::test]
async fn mail_and_data_refusals() {
    let cases = [
        ("MAIL", "451 4.3.0 mail later", Exit::TempFail, "Deferred: 451 4.3.0 mail later"),
        ("MAIL", "550 5.7.1 sender refused", Exit::Unavailable, "Service unavailable"),
        ("MAIL", "501 5.1.7 bad sender", Exit::DataErr, "Data format error"),
        ("DATA", "451 4.3.0 data later", Exit::TempFail, "Deferred: 451 4.3.0 data later"),
        ("DATA", "554 5.0.0 no data", Exit::Unavailable, "Service unavailable"),
    ];
    for (verb, line, exit, text) in cases {
        let server = Server::start(Script::new().on(verb, reply(line)));
        let env = envelope(&["a@x.example"]);
        let d = once(settings(10), server.addr, &env, BODY).await;
        let s = &d.outcome.recipients[0].status;
        assert_eq!((s.exit, s.text.as_str()), (exit, text), "{line}");
        let commands = server.commands();
        match (verb, exit) {
            // A 4xx to DATA ends the connection with QUIT at once, before the status
            // is given; a 5xx gets RSET.
            ("DATA", Exit::TempFail) => {
                assert_eq!(&commands[commands.len() - 2..], ["DATA", "QUIT"]);
                let at = d.lines.iter().position(|l| l == line).unwrap();
                assert_eq!(
                    &d.lines[at..at + 4],
                    [line, ">>> QUIT", "221 2.0.0 Bye", &format!("<a@x.example>... {text}")]
                );
            }
            ("DATA", _) => assert!(commands.contains(&"RSET".to_string()), "{commands:?}"),
            _ => assert!(!commands.iter().any(|c| c.starts_with("RCPT")), "{commands:?}"),
        }
    }
}
