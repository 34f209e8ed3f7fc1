//! The chain against filters on the real libmilter (python3-milter): every stage's
//! answers, end-of-message changes seen by the next filter, and filters that are
//! down, slow or talk garbage answered by their `F=`.

use milter::{Chain, Family, Field, MacroLists, Macros, Message, Rcpt, Verdict};
use spool::settings::Milter;
use testkit::milter::{free_port, PyMilter};

fn spec(name: &str, port: u16, rest: &str) -> Milter {
    Milter::parse(name, &format!("S=inet:{port}@127.0.0.1{rest}"))
}

fn lists() -> MacroLists {
    let l = |s: &str| s.split(", ").map(str::to_string).collect::<Vec<_>>();
    [
        l("j, {daemon_name}"),
        vec![],
        l("i, {mail_addr}"),
        l("{rcpt_addr}"),
        vec![],
        l("{msg_id}"),
        vec![],
    ]
}

fn macros() -> Macros {
    [
        ("j", "mx.test.example"),
        ("{daemon_name}", "MTA"),
        ("i", "4B5DQ1xx000001"),
        ("{mail_addr}", "a@b.example"),
        ("{msg_id}", "<m@x>"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn message() -> Message {
    Message {
        sender: "<a@b.example>".into(),
        recipients: vec![Rcpt { address: "<r@c.example>".into(), args: String::new() }],
        headers: vec![
            Field { name: "Subject".into(), value: b" hello".to_vec() },
            Field { name: "From".into(), value: b" a@b.example".to_vec() },
        ],
        body: b"line one\nline two\n".to_vec(),
        ..Message::default()
    }
}

async fn through(filters: &[Milter], message: &mut Message) -> (Vec<Verdict>, Vec<String>) {
    run_stages(filters, message, false).await
}

/// Every stage, whatever the earlier ones said (for filters in their error state,
/// which answer each stage); a live filter gets no more after a refusal, as the
/// MTA sends it none.
async fn through_all(filters: &[Milter], message: &mut Message) -> (Vec<Verdict>, Vec<String>) {
    run_stages(filters, message, true).await
}

async fn run_stages(
    filters: &[Milter],
    message: &mut Message,
    all: bool,
) -> (Vec<Verdict>, Vec<String>) {
    let m = macros();
    let family = Family::Inet(4321, b"127.0.0.1".to_vec());
    let (mut chain, v0) = Chain::connect(filters, lists(), "localhost", family, &m).await;
    let mut verdicts = vec![v0];
    let go_on = |v: &[Verdict]| all || v.iter().all(|v| *v == Verdict::Continue);
    if go_on(&verdicts) {
        verdicts.push(chain.helo("client.example", &m).await);
    }
    if go_on(&verdicts) {
        verdicts.push(chain.mail(&["<a@b.example>".into(), "SIZE=20".into()], &m).await);
    }
    if go_on(&verdicts) {
        verdicts.push(chain.rcpt(&["<r@c.example>".into()], &m).await);
    }
    if go_on(&verdicts) {
        verdicts.push(chain.data(&m).await);
    }
    if go_on(&verdicts) {
        verdicts.push(chain.eom(message, &m).await);
    }
    chain.quit().await;
    (verdicts, chain.take_log())
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn the_second_filter_sees_what_the_first_left() {
    let dir = tempfile::tempdir().unwrap();
    let mods = r#""mods": [["addheader", "X-First", "was here"], ["chgheader", "Subject", 1, "changed"],
        ["replacebody", "new body\r\n"], ["addrcpt", "<added@c.example>"], ["delrcpt", "<r@c.example>"],
        ["chgfrom", "<s@b.example>"], ["quarantine", "held by first"]]"#;
    let Some(first) = PyMilter::start(dir.path(), &format!("{{{mods}}}")) else { return };
    let Some(second) = PyMilter::start(dir.path(), "{}") else { return };
    let filters = [spec("first", first.port, ""), spec("second", second.port, "")];
    let mut m = message();
    let (verdicts, log) = rt().block_on(through(&filters, &mut m));
    assert!(verdicts.iter().all(|v| *v == Verdict::Continue), "{verdicts:?} {log:?}");
    let eom = second.seen().into_iter().find(|l| l.contains("\"stage\": \"eom\"")).unwrap();
    assert!(eom.contains(r#"["Subject", "changed"]"#), "{eom}");
    assert!(eom.contains(r#"["X-First", "was here"]"#), "{eom}");
    assert!(eom.contains(r#""body": "new body\r\n""#), "{eom}");
    let connect = first.seen().into_iter().next().unwrap();
    assert!(connect.contains(r#""{daemon_name}": "MTA""#), "macros at connect: {connect}");
    let mail = first.seen().into_iter().find(|l| l.contains("\"stage\": \"mail\"")).unwrap();
    assert!(
        mail.contains(r#""args": ["SIZE=20"]"#) && mail.contains(r#""i": "4B5DQ1xx000001""#),
        "{mail}"
    );
    assert_eq!(m.body, b"new body\n");
    assert_eq!(
        (m.sender.as_str(), m.quarantine.as_deref()),
        ("<s@b.example>", Some("held by first"))
    );
    assert_eq!(m.recipients, [Rcpt { address: "<added@c.example>".into(), args: String::new() }]);
    assert!(log.contains(&"Milter (first) add: header: X-First: was here".to_string()), "{log:?}");
    assert!(
        log.contains(&"Milter (first) change: header Subject: from hello to changed".to_string()),
        "{log:?}"
    );
}

#[test]
fn filters_on_unix_and_inet6_sockets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.sock");
    let spec_text =
        r#"{"mods": [["addheader", "X-Local", "yes"]], "mail": "reply:451 4.7.1 greylisted"}"#;
    let Some(_f) = PyMilter::start_unix(dir.path(), spec_text, &path) else { return };
    let Some(v6) = PyMilter::start_inet6(dir.path(), spec_text) else { return };
    let sockets = [
        format!("unix:{}", path.display()),
        format!("local:{}", path.display()),
        format!("inet6:{}@::1", v6.port),
    ];
    for socket in sockets {
        let filters = [Milter::parse("f", &format!("S={socket}"))];
        let mut m = message();
        let (verdicts, log) = rt().block_on(through(&filters, &mut m));
        assert_eq!(verdicts[2], Verdict::Reply("451 4.7.1 greylisted".into()), "{log:?}");
    }
}

#[test]
fn each_stage_answers_reject_tempfail_reply_and_discard() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (r#"{"connect": "reject"}"#, 0, Verdict::Reject),
        (r#"{"helo": "tempfail"}"#, 1, Verdict::Tempfail),
        (
            r#"{"mail": "reply:553 5.1.8 sender refused here"}"#,
            2,
            Verdict::Reply("553 5.1.8 sender refused here".into()),
        ),
        (
            r#"{"rcpt": {"<r@c.example>": "reply:450 4.2.1 come back later"}}"#,
            3,
            Verdict::Reply("450 4.2.1 come back later".into()),
        ),
        (r#"{"eom": "discard"}"#, 5, Verdict::Discard),
        (
            r#"{"eom": "reply:554 5.7.1 spam, go away"}"#,
            5,
            Verdict::Reply("554 5.7.1 spam, go away".into()),
        ),
    ];
    for (answers, at, want) in cases {
        let Some(f) = PyMilter::start(dir.path(), answers) else { return };
        let mut m = message();
        let (verdicts, _) = rt().block_on(through(&[spec("f", f.port, "")], &mut m));
        assert_eq!(verdicts[at], want, "{answers}: {verdicts:?}");
        assert!(verdicts[..at].iter().all(|v| *v == Verdict::Continue), "{answers}: {verdicts:?}");
    }
}

#[test]
fn a_filter_that_is_down_answers_by_its_f_flag() {
    let port = free_port();
    for (flags, want) in [
        ("", Verdict::Continue),
        (", F=T", Verdict::Tempfail),
        (", F=R", Verdict::Reject),
        (", F=4", Verdict::Shutdown),
    ] {
        let mut m = message();
        let (verdicts, log) = rt().block_on(through_all(&[spec("down", port, flags)], &mut m));
        assert!(verdicts.iter().all(|v| *v == want), "{flags}: {verdicts:?}");
        assert!(log.contains(&"Milter (down): to error state".to_string()), "{log:?}");
        assert!(log[0].starts_with("Milter (down): error connecting to filter: "), "{log:?}");
    }
}

#[test]
fn a_slow_filter_times_out_into_its_error_state() {
    let dir = tempfile::tempdir().unwrap();
    let Some(f) = PyMilter::start(dir.path(), r#"{"sleep": {"eom": 4}}"#) else { return };
    let mut m = message();
    let filters = [spec("slow", f.port, ", F=T, T=R:1s;E:2s")];
    let (verdicts, log) = rt().block_on(through(&filters, &mut m));
    assert_eq!(verdicts[5], Verdict::Tempfail, "{verdicts:?} {log:?}");
    assert!(
        log.contains(&"Milter (slow): timeout before data read, where=eom".to_string()),
        "{log:?}"
    );
    assert_eq!(m, message(), "nothing changed");
}

#[test]
fn a_filter_talking_garbage_answers_by_its_f_flag() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        use std::io::{Read, Write};
        for _ in 0..2 {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 17];
            let _ = s.read_exact(&mut buf);
            let _ = s.write_all(b"\x00\x00\x00\x05Zjunk HTTP/1.0 200 OK\r\n");
        }
    });
    for (flags, want) in [(", F=R", Verdict::Reject), ("", Verdict::Continue)] {
        let mut m = message();
        let (verdicts, log) = rt().block_on(through_all(&[spec("junk", port, flags)], &mut m));
        assert!(verdicts.iter().all(|v| *v == want), "{verdicts:?}");
        assert!(log.iter().any(|l| l.contains("unknown code 0x5a, where=negotiate")), "{log:?}");
    }
    server.join().unwrap();
}

/// A fake filter on a thread: it negotiates, declines every step but end of body
/// (no replies owed), then answers end of body with `flood` packets until the MTA
/// hangs up.
fn flooding_filter(flood: Vec<u8>) -> u16 {
    use milter::consts::{action, step};
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        let declined = step::NOCONNECT
            | step::NOHELO
            | step::NOMAIL
            | step::NORCPT
            | step::NODATA
            | step::NOHDRS
            | step::NOEOH
            | step::NOBODY
            | step::NOUNKNOWN;
        let packet = |s: &mut std::net::TcpStream| -> Option<u8> {
            let mut len = [0u8; 4];
            s.read_exact(&mut len).ok()?;
            let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
            s.read_exact(&mut body).ok()?;
            body.first().copied()
        };
        packet(&mut s);
        let neg = milter::Response::OptNeg {
            version: 6,
            actions: action::ALL,
            protocol: declined,
            macros: vec![],
        };
        s.write_all(&neg.encode()).unwrap();
        while let Some(code) = packet(&mut s) {
            if code == b'E' {
                while s.write_all(&flood).is_ok() {}
                return;
            }
        }
    });
    port
}

#[test]
fn a_filter_flooding_changes_is_cut_off_by_its_f_flag() {
    let header = milter::Response::AddHeader { name: b"X-Flood".to_vec(), value: b"1".to_vec() };
    let flood: Vec<u8> = std::iter::repeat_n(header.encode(), 1000).flatten().collect();
    let port = flooding_filter(flood);
    let mut m = message();
    let (verdicts, log) = rt().block_on(through(&[spec("flood", port, ", F=T")], &mut m));
    assert_eq!(
        verdicts[..5],
        [
            Verdict::Continue,
            Verdict::Continue,
            Verdict::Continue,
            Verdict::Continue,
            Verdict::Continue
        ]
    );
    assert_eq!(verdicts[5], Verdict::Tempfail, "{log:?}");
    assert!(log.iter().any(|l| l.starts_with("Milter (flood): too many changes")), "{log:?}");
    assert_eq!(m, message(), "nothing of it applied");
}
