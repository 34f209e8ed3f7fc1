//! smtpd's log lines: the session's events as `spool::log::Record`s.
//!
//! The wording is spool's (`spool::log::record`, the one renderer every program
//! shares); this file only says which record an SMTP transaction or event is. Each
//! line carries the session's current queue ID: sendmail gives every connection one
//! before its first MAIL, and a fresh one after each transaction.

use crate::sasl::SaslError;
use smtp::server::{Envelope, Event};
use spool::log::{FromRecord, Outcome, Record};

/// The `from=` record of a transaction: accepted (`size`, `msgid`) or not (`size=0`).
pub fn from_record(envelope: &Envelope, size: u64, msgid: Option<&str>, daemon: &str) -> Record {
    Record::From(FromRecord {
        from: envelope.sender.raw.clone(),
        size,
        nrcpts: envelope.recipients.len(),
        msgid: msgid.map(str::to_string),
        bodytype: envelope.sender.body_given.clone(),
        proto: Some(envelope.protocol.to_string()),
        daemon: Some(daemon.to_string()),
        relay: envelope.client.description.clone(),
        ..FromRecord::default()
    })
}

/// A ruleset's verdict: `ruleset=check_rcpt, arg1=<x>, relay=..., reject=550 ...`
/// (or `discard`).
pub fn ruleset_record(ruleset: &str, arg: &str, relay: &str, outcome: Outcome) -> Record {
    Record::Ruleset {
        ruleset: ruleset.into(),
        arg: arg.into(),
        arg2: None,
        relay: relay.into(),
        outcome,
    }
}

/// A successful AUTH (sendmail logs it without a queue ID).
pub fn auth_success(relay: &str, authid: &str, mechanism: &str) -> Record {
    Record::AuthServer { relay: relay.into(), authid: authid.into(), mech: mechanism.into() }
}

/// A failed AUTH exchange: Cyrus SASL's result and detail, sendmail's `user=`; the
/// form Debian's fail2ban filter `sendmail-auth` reads (`authentication failure` and
/// `user not found` count, `bad protocol` and `generic failure` do not).
pub fn auth_failure(
    mechanism: &str,
    error: SaslError,
    detail: &str,
    user: &str,
    relay: &str,
) -> Record {
    Record::AuthFailure {
        mech: mechanism.into(),
        result: error.describe().into(),
        detail: detail.into(),
        user: user.into(),
        relay: relay.into(),
    }
}

/// The record of a session event, if sendmail logs one.
pub fn event_record(event: &Event, client: &str, daemon: &str) -> Option<Record> {
    let client = client.to_string();
    let daemon = daemon.to_string();
    let record = match event {
        Event::TrafficBeforeResponse { verb } => {
            Record::TrafficBeforeResponse { verb: verb.to_string(), client }
        }
        Event::PossibleAttack { command, count } => {
            Record::PossibleAttack { client, command: command.to_string(), count: *count }
        }
        Event::PreGreetingTraffic { after } => {
            // sendmail names the client `host [ip]` here, `[ip] [ip]` without a name.
            let plain = client.trim_end_matches(" (may be forged)");
            let client =
                if plain.contains(' ') { plain.to_string() } else { format!("{plain} {plain}") };
            Record::PreGreetingTraffic { client, seconds: after.as_secs() }
        }
        Event::RcptFlood => Record::RcptFlood { client },
        Event::PrivacyRefusal { line } => Record::PrivacyRefusal { client, line: line.clone() },
        Event::Timeout { during } => {
            let host = client.split(' ').next().unwrap_or(&client).to_string();
            Record::Timeout { host, during: during.to_string() }
        }
        Event::LostInput { phase } => Record::LostInput { client, daemon, phase: phase.clone() },
        Event::NoMailIssued => Record::NoMailIssued { client, daemon },
        Event::TooManyBadCommands
        | Event::CommandTooLong
        | Event::BareLinefeed
        | Event::TransactionEnded(_) => return None,
    };
    Some(record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp::server::{BodyType, ClientInfo, Protocol, Recipient, Sender};

    fn envelope() -> Envelope {
        Envelope {
            client: ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost")),
            helo: Some("c.example".into()),
            protocol: Protocol::Esmtp,
            auth_id: None,
            sender: Sender { raw: "<alice@mail.lab.example>".into(), ..Sender::default() },
            recipients: vec![Recipient::default()],
            message_size: 0,
        }
    }

    #[test]
    fn transactions_and_events_become_sendmails_lines() {
        let mut e = envelope();
        assert_eq!(
            from_record(&e, 0, None, "MTA").line(Some("6AONYhb9031965")),
            "6AONYhb9031965: from=<alice@mail.lab.example>, size=0, class=0, nrcpts=1, \
             proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]"
        );
        e.sender.body = BodyType::SevenBit;
        e.sender.body_given = Some("7bit".into());
        assert_eq!(
            from_record(&e, 86, Some("<1@x>"), "MTA").line(Some("Q")),
            "Q: from=<alice@mail.lab.example>, size=86, class=0, nrcpts=1, msgid=<1@x>, \
             bodytype=7bit, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]"
        );
        let client = "localhost [127.0.0.1]";
        let lost = Event::LostInput { phase: "after rcpt".into() };
        assert_eq!(
            event_record(&lost, client, "MTA").unwrap().line(Some("Q")),
            "Q: lost input channel from localhost [127.0.0.1] to MTA after rcpt"
        );
        let timeout = Event::Timeout { during: "server cmd read" };
        assert_eq!(
            event_record(&timeout, client, "MTA").unwrap().text(),
            "timeout waiting for input from localhost during server cmd read"
        );
        assert!(event_record(&Event::BareLinefeed, client, "MTA").is_none());
        let refused = Event::PrivacyRefusal { line: "VRFY root".into() };
        assert_eq!(
            event_record(&refused, client, "MTA").unwrap().line(Some("Q")),
            "Q: localhost [127.0.0.1]: VRFY root [rejected]"
        );
        assert_eq!(
            auth_success(client, "alice", "LOGIN").line(None),
            "AUTH=server, relay=localhost [127.0.0.1], authid=alice, mech=LOGIN, bits=0"
        );
        let failed = auth_failure("LOGIN", SaslError::NoUser, "checkpass failed", "bob", client);
        assert_eq!(
            failed.line(Some("Q")),
            "Q: AUTH failure (LOGIN): user not found (-20) SASL(-13): user not found: checkpass \
             failed, user=bob, relay=localhost [127.0.0.1]"
        );
        let reject = Outcome::Reject("550 5.7.1 no".into());
        let reject = ruleset_record("check_rcpt", "<x@y>", "[127.0.0.2]", reject);
        assert_eq!(
            reject.text(),
            "ruleset=check_rcpt, arg1=<x@y>, relay=[127.0.0.2], reject=550 5.7.1 no"
        );
    }
}
