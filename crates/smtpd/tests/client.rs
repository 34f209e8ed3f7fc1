//! The delivery client (`smtp::client`, what queue-runner delivers with) against our
//! own smtpd: STARTTLS with a certificate the test makes, pipelined RCPTs, the DSN,
//! SIZE and 8BITMIME parameters, the message text byte for byte in smtpd's df, a
//! recipient smtpd refuses next to one it takes, and two messages over one
//! connection.

mod common;

use common::{messages as queued, tls_daemon, Daemon};
use smtp::client::{
    BodyType, Class, Client, Envelope, Event, Notify, Quiet, Recipient, Ret, Settings, Target,
    Verbose,
};
use std::io::Cursor;

fn client() -> Client {
    let settings = Settings { helo_name: "client.test.example".into(), ..Settings::default() };
    Client::new(settings, rustls::RootCertStore::empty()).unwrap()
}

fn target(daemon: &Daemon) -> Target {
    Target::ip(daemon.addr.ip(), daemon.addr.port())
}

const BODY: &[u8] =
    b"first line\n.a line starting with a dot\n..two dots\n.\nGr\xc3\xbc\xc3\x9fe\nlast\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_starttls_with_every_parameter() {
    let daemon = tls_daemon();
    let env = Envelope {
        id: "QID".into(),
        sender: "alice@example.org".into(),
        recipients: vec![
            Recipient {
                notify: Some(Notify { success: true, failure: true, ..Notify::default() }),
                orcpt: Some("rfc822;root@mail.test.example".into()),
                ..Recipient::new("root@mail.test.example")
            },
            Recipient::new("bob@example.net"),
        ],
        size: BODY.len() as u64 + 40,
        ret: Some(Ret::Hdrs),
        envid: Some("QENV-1".into()),
        body: smtp::client::Body {
            declared: BodyType::EightBitMime,
            has_8bit: true,
            is_mime: true,
            ..Default::default()
        },
        ..Envelope::default()
    };
    let mut events = Vec::new();
    let mut c = client();
    let mut body = Cursor::new(BODY.to_vec());
    let out = c
        .deliver(
            &[target(&daemon)],
            &env,
            b"Subject: from the client\n",
            &mut body,
            &mut |e: &Event| events.push(e.clone()),
        )
        .await;
    c.close(&mut Quiet).await;
    assert!(out.recipients.iter().all(|r| r.status.class() == Class::Sent), "{out:#?}");
    let statmsg = out.statmsg.unwrap();
    assert!(statmsg.ends_with(" Message accepted for delivery"), "{statmsg}");
    let tls = events.iter().find_map(|e| match e {
        Event::TlsStarted(info) => Some(info.clone()),
        _ => None,
    });
    assert_eq!(tls.map(|t| t.version), Some("TLSv1.3".into()), "{events:#?}");
    let v = Verbose {
        mailer: "esmtp".into(),
        show_port: true,
        recipients: vec!["<root@mail.test.example>".into(), "<bob@example.net>".into()],
    };
    let lines: Vec<String> = events.iter().filter_map(|e| v.line(e)).collect();
    let mail = lines.iter().find(|l| l.starts_with(">>> MAIL")).unwrap();
    assert_eq!(
        mail,
        &format!(
            ">>> MAIL From:<alice@example.org> SIZE={} BODY=8BITMIME ENVID=QENV-1 RET=HDRS",
            env.size
        )
    );
    let rcpt = lines.iter().find(|l| l.starts_with(">>> RCPT")).unwrap();
    assert_eq!(rcpt, ">>> RCPT To:<root@mail.test.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;root@mail.test.example");

    let [(queued, df)] = &queued(&daemon)[..] else { panic!("one message queued") };
    assert_eq!(df, BODY, "the text arrived as it was, dot-stuffing undone");
    assert_eq!(queued.sender, b"<alice@example.org>");
    assert_eq!(queued.envid.as_deref(), Some(&b"QENV-1"[..]));
    assert_eq!(queued.body_type.as_deref(), Some("8BITMIME"));
    let rcpts: Vec<&[u8]> = queued.recipients.iter().map(|r| r.address.as_slice()).collect();
    assert_eq!(rcpts, [&b"<root@mail.test.example>"[..], b"<bob@example.net>"]);
    assert_eq!(
        queued.recipients[0].original.as_deref(),
        Some(&b"rfc822;root@mail.test.example"[..])
    );
    assert!(
        queued.recipients[0].flags.contains('S') && queued.recipients[0].flags.contains('F'),
        "{:?}",
        queued.recipients[0]
    );
    let received = String::from_utf8_lossy(&queued.headers[1].text).into_owned();
    assert!(received.contains("with ESMTPS id"), "{received}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_messages_over_one_connection_and_a_refused_recipient() {
    let daemon = Daemon::start("define(`confMAX_RCPTS_PER_MESSAGE', `1')dnl\n");
    let mut c = client();
    let first = Envelope {
        id: "Q1".into(),
        sender: "alice@example.org".into(),
        recipients: vec![Recipient::new("root@mail.test.example")],
        ..Envelope::default()
    };
    let second = Envelope {
        id: "Q2".into(),
        sender: "alice@example.org".into(),
        recipients: vec![
            Recipient::new("root@mail.test.example"),
            Recipient::new("daemon@mail.test.example"),
        ],
        ..Envelope::default()
    };
    let mut events = Vec::new();
    let one = c
        .deliver(
            &[target(&daemon)],
            &first,
            b"Subject: 1\n",
            &mut Cursor::new(b"one\n".to_vec()),
            &mut |e: &Event| events.push(e.clone()),
        )
        .await;
    let two = c
        .deliver(
            &[target(&daemon)],
            &second,
            b"Subject: 2\n",
            &mut Cursor::new(b"two\n".to_vec()),
            &mut |e: &Event| events.push(e.clone()),
        )
        .await;
    c.close(&mut |e: &Event| events.push(e.clone())).await;
    assert_eq!(one.recipients[0].status.class(), Class::Sent);
    assert_eq!(two.recipients[0].status.class(), Class::Sent);
    // smtpd takes one recipient per message here: the second is deferred with its
    // reply as sendmail says it, and is the recipient's own message.
    let refused = &two.recipients[1];
    assert_eq!(refused.status.class(), Class::Deferred, "{refused:?}");
    assert!(refused.own_message);
    assert!(
        refused.status.text.starts_with("Deferred: 452 4.5.3 Too many recipients"),
        "{}",
        refused.status.text
    );
    let connects = events.iter().filter(|e| matches!(e, Event::Connecting { .. })).count();
    let reused = events.iter().filter(|e| matches!(e, Event::Reusing { .. })).count();
    assert_eq!((connects, reused), (1, 1), "{events:#?}");
    assert_eq!(queued(&daemon).len(), 2);
}
