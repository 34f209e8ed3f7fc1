use super::*;

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn reference(path: &str) -> Vec<u8> {
    std::fs::read(testkit::paths::reference().join("queue").join(path)).unwrap()
}

/// The original of scenario 14 as the file mailer writes its header.
const HEADER_14: &str = "Return-Path: <tempfail-sender@sink.example>\n\
Received: from client.lab.example (localhost [127.0.0.1])\n\
\tby mail.lab.example (8.17.1.9/8.17.1.9/smlab) with ESMTP id 6AONWmN8024515\n\
\tfor <reject2@sink.example>; Tue, 24 Nov 2026 23:32:48 GMT\n\
From: tempfail-sender@sink.example\n\
To: reject2@sink.example\n\
Subject: will bounce, and the bounce will be deferred\n\
Date: Tue, 24 Nov 2026 23:44:00 +0000\n\
Message-ID: <smtp-bounce-14@sink.example>\n";

const TRANSCRIPT_20: &str = "... while talking to [127.0.0.1]:\n\
>>> DATA\n\
<<< 550 5.1.1 <reject2@sink.example>... User unknown (sink)\n\
550 5.1.1 <reject2@sink.example>... User unknown\n\
<<< 503 5.5.1 No valid recipients\n";

fn bounce_of_14<'a>(body: &'a [u8]) -> Report<'a> {
    Report {
        kind: Kind::Failure,
        id: "6AONWxpE025639",
        now: at("2026-11-24T23:33:00Z"),
        host: "mail.lab.example",
        original: Original {
            id: "6AONWmN8024515",
            arrival: at("2026-11-24T23:32:48Z"),
            from_macro: "localhost [127.0.0.1]",
            envid: None,
            header: HEADER_14.as_bytes(),
            body: Some(body),
            eight_bit: false,
        },
        entries: vec![Entry {
            paddr: "<reject2@sink.example>".into(),
            action: Action::Failed,
            status: "5.1.1".into(),
            reason: Some("550 5.1.1 <reject2@sink.example>... User unknown (sink)".into()),
            diagnostic: Some((
                "SMTP".into(),
                "550 5.1.1 <reject2@sink.example>... User unknown (sink)".into(),
            )),
            remote_mta: Some(("DNS".into(), "[127.0.0.1]".into())),
            orcpt: None,
            final_rcpt: "RFC822; reject2@sink.example".into(),
            actual: Some("rfc822; reject2@sink.example".into()),
            last_attempt: at("2026-11-24T23:33:00Z"),
            will_retry_until: None,
            expanded_from: None,
        }],
        transcript: TRANSCRIPT_20,
        to: vec!["<tempfail-sender@sink.example>".into()],
        tz: TimeZone::UTC,
    }
}

/// The bounce sendmail queued in scenario 20 (df6AONWxpE025639), byte for byte.
#[test]
fn a_bounce_is_sendmails_df_byte_for_byte() {
    let body = reference("14-smtp-bounce-to-deferring-sender/files/mqueue/df6AONWmN8024515");
    let report = bounce_of_14(&body);
    let want = reference("20-queue-run/files/mqueue/df6AONWxpE025639");
    assert_eq!(String::from_utf8_lossy(&report.body()), String::from_utf8_lossy(&want));
}

/// Its H lines are those of qf6AONWxpE025639 but for the version in `Received:`.
#[test]
fn a_bounce_has_sendmails_header_lines() {
    let body = Vec::new();
    let report = bounce_of_14(&body);
    let qf = String::from_utf8_lossy(&reference("20-queue-run/files/mqueue/qf6AONWxpE025639"))
        .replace("8.17.1.9/8.17.1.9/smlab", added::VERSION);
    let want: Vec<String> = qf
        .split("\nH")
        .skip(1)
        .map(|h| h.trim_end_matches("\n.\n").replace('\u{fffd}', "\u{81}"))
        .collect();
    let got: Vec<String> = report
        .headers()
        .iter()
        .map(|h| {
            let text = String::from_utf8_lossy(&h.text).replace('\u{fffd}', "\u{81}");
            format!("?{}?{text}", String::from_utf8_lossy(&h.condition))
        })
        .collect();
    assert_eq!(got, want);
}

/// A return receipt (scenario 20's sink/0001.eml): headers only, 8-bit noted twice,
/// the envelope ID and the original recipient in the report.
#[test]
fn a_return_receipt_as_sendmail_sent_it() {
    let header = "Return-Path: <alice@example.org>\n\
Received: from client.lab.example (localhost [127.0.0.1])\n\
\tby mail.lab.example (8.17.1.9/8.17.1.9/smlab) with ESMTP id 6AONWkD2024049\n\
\tfor <root@mail.lab.example>; Tue, 24 Nov 2026 23:32:46 GMT\n\
From: Alice <alice@example.org>\n\
To: root@mail.lab.example\n\
Subject: ESMTP parameters\n\
Date: Tue, 24 Nov 2026 23:41:00 +0000\n\
Message-ID: <smtp-esmtp-11@example.org>\n\
MIME-Version: 1.0\n\
Content-Type: text/plain; charset=UTF-8\n\
Content-Transfer-Encoding: 8bit\n";
    let report = Report {
        kind: Kind::Receipt,
        id: "6AONWxpD025639",
        now: at("2026-11-24T23:33:00Z"),
        host: "mail.lab.example",
        original: Original {
            id: "6AONWkD2024049",
            arrival: at("2026-11-24T23:32:46Z"),
            from_macro: "localhost [127.0.0.1]",
            envid: Some("QENV-11-0001"),
            header: header.as_bytes(),
            body: None,
            eight_bit: true,
        },
        entries: vec![Entry {
            paddr: "<root@mail.lab.example>".into(),
            action: Action::Delivered,
            status: "2.1.5".into(),
            reason: None,
            diagnostic: None,
            remote_mta: None,
            orcpt: Some("rfc822;x@y".into()),
            final_rcpt: "RFC822; root@mail.lab.example".into(),
            actual: Some("rfc822; root@mail.lab.example".into()),
            last_attempt: at("2026-11-24T23:33:00Z"),
            will_retry_until: None,
            expanded_from: None,
        }],
        transcript: "<root@mail.lab.example>... Successfully delivered\n",
        to: vec!["<alice@example.org>".into()],
        tz: TimeZone::UTC,
    };
    let eml =
        String::from_utf8_lossy(&reference("20-queue-run/sink/0001.eml")).replace("\r\n", "\n");
    let (_, want_body) = eml.split_once("\n\n").unwrap();
    assert_eq!(String::from_utf8_lossy(&report.body()), want_body);
    assert_eq!(report.subject(), "Return receipt");
    let texts: Vec<String> =
        report.headers().iter().map(|h| String::from_utf8_lossy(&h.text).into_owned()).collect();
    assert!(texts.contains(&"Content-Transfer-Encoding: 8bit".to_string()));
    assert!(texts.contains(&"Auto-Submitted: auto-generated (return-receipt)".to_string()));
}

#[test]
fn warnings_and_postmaster_notices_say_so() {
    let body = b"hi\n".to_vec();
    let mut report = bounce_of_14(&body);
    report.kind = Kind::Warning { after: "4 hours".into() };
    report.entries[0].action = Action::Delayed;
    let text = String::from_utf8_lossy(&report.body()).into_owned();
    assert!(text.contains("    **      THIS IS A WARNING MESSAGE ONLY      **\n"), "{text}");
    assert!(text.contains("   ----- The following addresses had transient non-fatal errors -----\n<reject2@sink.example>\n\n"));
    assert_eq!(report.subject(), "Warning: could not send message for past 4 hours");
    report.kind = Kind::Postmaster;
    let text = String::from_utf8_lossy(&report.body()).into_owned();
    assert!(text.contains("from localhost [127.0.0.1]\nwith id 6AONWmN8024515\n\n"), "{text}");
}

#[test]
fn from_lines_are_escaped_and_xtext_decoded() {
    assert_eq!(escape_from(b"From a\nx From b\nFrom c"), b">From a\nx From b\n>From c");
    assert_eq!(xuntextify("a+2Bb+3D"), "a+b=");
    assert_eq!(xuntextify("bad+zz"), "bad+zz");
}
