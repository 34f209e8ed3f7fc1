//! `spool::log::Record` renders the lines sendmail 8.17.1.9 logged, byte for byte and
//! at the same severity: each record below is one line of the `# syslog` sections of
//! `tests/reference/smtp/*.transcript` (the real sendmail's recorded log).

use spool::log::{FromRecord, Outcome, Record, ToRecord};
use spool::status::EnhancedCode;
use std::collections::HashSet;
use std::time::Duration;

/// Every recorded syslog line as (priority, text after `sendmail[pid]: `).
fn recorded() -> HashSet<(u8, String)> {
    let dir = testkit::paths::reference().join("smtp");
    let mut lines = HashSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "transcript") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Some((_, syslog)) = text.split_once("\n# syslog\n") else { continue };
        for line in syslog.lines().take_while(|l| !l.is_empty()) {
            let Some(rest) = line.strip_prefix('<') else { continue };
            let (pri, rest) = rest.split_once('>').unwrap();
            let (_, message) = rest.split_once("]: ").unwrap();
            lines.insert((pri.parse().unwrap(), message.to_string()));
        }
    }
    assert!(lines.len() > 100, "the transcripts hold the recorded log");
    lines
}

fn from(from: &str, size: u64, nrcpts: usize) -> FromRecord {
    FromRecord {
        from: from.into(),
        size,
        nrcpts,
        proto: Some("ESMTP".into()),
        daemon: Some("MTA".into()),
        relay: "localhost [127.0.0.1]".into(),
        ..FromRecord::default()
    }
}

fn cases() -> Vec<(&'static str, Record)> {
    let localhost = || "localhost [127.0.0.1]".to_string();
    vec![
        ("6AONaqTD008413", {
            let mut f = from("<alice@mail.lab.example>", 231, 2);
            f.msgid = Some("<message-accepted.1@client.lab.example>".into());
            Record::From(f)
        }),
        ("6AONYeFN031915", {
            let mut f = from("<alice@mail.lab.example>", 81, 1);
            f.msgid = Some("<202611242334.6AONYeFN031915@mail.lab.example>".into());
            f.bodytype = Some("8BITMIME".into());
            Record::From(f)
        }),
        ("6AONfEa2017319", {
            let mut f = from("<alice@mail.lab.example>", 0, 0);
            f.bodytype = Some("7bit".into());
            Record::From(f)
        }),
        ("6AONfLkx019595", {
            let mut f = from("<alice@mail.lab.example>", 100, 0);
            f.proto = Some("SMTP".into());
            f.daemon = Some("MTA-open".into());
            Record::From(f)
        }),
        ("6AONbpiW010137", {
            let mut f = from("<alice@mail.lab.example>", 0, 3);
            f.relay = "[127.0.0.2]".into();
            Record::From(f)
        }),
        (
            "6AONaqTD008413",
            Record::To(ToRecord {
                to: vec!["<someone@sink.example>".into()],
                delay: Duration::ZERO,
                xdelay: Some(Duration::ZERO),
                mailer: Some("relay".into()),
                pri: 60408,
                relay: Some("[127.0.0.1] [127.0.0.1]".into()),
                dsn: EnhancedCode::parse("2.0.0"),
                stat: "Sent (Ok: queued as SINK0011)".into(),
                ..ToRecord::default()
            }),
        ),
        (
            "6AONaqTD008413",
            Record::To(ToRecord {
                to: vec!["<root>".into()],
                xdelay: Some(Duration::ZERO),
                mailer: Some("local".into()),
                pri: 60408,
                dsn: EnhancedCode::parse("2.0.0"),
                stat: "Sent".into(),
                ..ToRecord::default()
            }),
        ),
        (
            "6AONYaEJ031836",
            Record::To(ToRecord {
                to: ["fourth", "third", "other", "someone"]
                    .map(|u| format!("<{u}@sink.example>"))
                    .to_vec(),
                xdelay: Some(Duration::ZERO),
                mailer: Some("relay".into()),
                pri: 120089,
                relay: Some("[127.0.0.1] [127.0.0.1]".into()),
                dsn: EnhancedCode::parse("2.0.0"),
                stat: "Sent (Ok: queued as SINK0005)".into(),
                ..ToRecord::default()
            }),
        ),
        (
            "6AONWgKq023769",
            Record::To(ToRecord {
                to: vec!["<someone@sink.example>".into()],
                pri: 65446,
                stat: "Headers too large (32000 max)".into(),
                ..ToRecord::default()
            }),
        ),
        (
            "6AONbpiW010137",
            Record::Ruleset {
                ruleset: "check_rcpt".into(),
                arg: "<user@elsewhere.example>".into(),
                arg2: None,
                relay: "[127.0.0.2]".into(),
                outcome: Outcome::Reject(
                    "550 5.7.1 <user@elsewhere.example>... Relaying denied. \
                     IP name lookup failed [127.0.0.2]"
                        .into(),
                ),
            },
        ),
        (
            "6AONYLml031259",
            Record::Ruleset {
                ruleset: "check_mail".into(),
                arg: "<user@discardme.example>".into(),
                arg2: None,
                relay: localhost(),
                outcome: Outcome::Discard,
            },
        ),
        ("6AONdGhv012599", Record::UsrErr { text: "<blocked@lab.example>... User unknown".into() }),
        ("6AONYLml031259", Record::Discarded),
        (
            "6AONeEhT013419",
            Record::TrafficBeforeResponse { verb: "EHLO".into(), client: localhost() },
        ),
        (
            "6AONeuFG014555",
            Record::PossibleAttack { client: localhost(), command: "NOOP".into(), count: 20 },
        ),
        ("6AONbpiW010137", Record::RcptFlood { client: "[127.0.0.2]".into() }),
        (
            "6AONYhb9031965",
            Record::LostInput {
                client: localhost(),
                daemon: "MTA".into(),
                phase: "after rcpt".into(),
            },
        ),
        ("6AONYo78032582", Record::NoMailIssued { client: localhost(), daemon: "MTA-open".into() }),
    ]
}

#[test]
fn records_render_as_sendmail_logged_them() {
    let recorded = recorded();
    for (id, record) in cases() {
        let line = (2 * 8 + record.severity() as u8, record.line(Some(id)));
        assert!(recorded.contains(&line), "not recorded: <{}>{}", line.0, line.1);
    }
}

/// The lines logged before a session has a queue ID carry none (`check_relay`).
#[test]
fn a_record_without_a_queue_id() {
    let record = Record::Ruleset {
        ruleset: "check_relay".into(),
        arg: "[127.0.0.3]".into(),
        arg2: Some("127.0.0.3".into()),
        relay: "[127.0.0.3]".into(),
        outcome: Outcome::Reject("550 5.7.1 Access denied".into()),
    };
    let line = (2 * 8 + record.severity() as u8, record.line(None));
    assert!(recorded().contains(&line), "{line:?}");
}
