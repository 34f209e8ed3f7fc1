//! smtpd's log lines, in sendmail's words.
//!
//! Each line starts with the session's current queue ID (sendmail gives every
//! connection one before its first MAIL, and a fresh one after each transaction):
//!
//! ```text
//! ID: from=<a@b>, size=N, class=0, nrcpts=N, msgid=<..>, bodytype=8BITMIME, proto=ESMTP, daemon=MTA, relay=host [ip]
//! ID: ruleset=check_rcpt, arg1=<x>, relay=host [ip], reject=550 5.7.1 <x>... Relaying denied
//! ID: ruleset=check_mail, arg1=<x>, relay=host [ip], discard
//! ID: lost input channel from host [ip] to MTA after rcpt
//! ID: host [ip] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA
//! ID: host [ip]: Possible SMTP RCPT flood, throttling.
//! ID: host [ip]: possible SMTP attack: command=NOOP, count=20
//! ID: host [ip]: VRFY root [rejected]
//! ID: rejecting server EHLO from host [ip] due to traffic before response
//! ID: timeout waiting for input from host during server cmd read
//! AUTH=server, relay=host [ip], authid=alice, mech=PLAIN, bits=0
//! ID: AUTH failure (PLAIN): authentication failure (-13) SASL(-13): authentication failure: Password verification failed, user=alice, relay=host [ip]
//! ```
//!
//! The AUTH lines are sendmail's with Cyrus SASL 2.1.28's texts, the form Debian's
//! fail2ban filter `sendmail-auth` reads (`authentication failure` and `user not
//! found` count, `bad protocol` and `generic failure` do not). Text that came from
//! the client (user names, refused command lines) has its control characters written
//! as sendmail's `str2prt` writes them (`\n`, `\t`, `\ooo`), so no client can start
//! a log line of its own.

use crate::sasl::SaslError;
use smtp::server::{Envelope, Event};
use spool::log::{Severity, Syslog};

/// The `from=` line of a transaction: accepted (`size`, `msgid`) or not (`size=0`).
pub fn from_line(
    id: &str,
    envelope: &Envelope,
    size: u64,
    msgid: Option<&str>,
    daemon: &str,
) -> String {
    let mut line = format!(
        "{id}: from={}, size={size}, class=0, nrcpts={}",
        envelope.sender.raw,
        envelope.recipients.len()
    );
    if let Some(msgid) = msgid {
        line.push_str(&format!(", msgid={msgid}"));
    }
    if envelope.sender.body == smtp::server::BodyType::EightBitMime && size > 0 {
        line.push_str(", bodytype=8BITMIME");
    }
    line.push_str(&format!(
        ", proto={}, daemon={daemon}, relay={}",
        envelope.protocol, envelope.client.description
    ));
    line
}

/// A policy refusal: `ruleset=check_rcpt, arg1=<x>, relay=..., reject=550 ...`.
pub fn reject_line(id: &str, ruleset: &str, arg: &str, relay: &str, reply: &str) -> String {
    format!("{id}: ruleset={ruleset}, arg1={arg}, relay={relay}, reject={reply}")
}

/// A successful AUTH; sendmail writes it without a queue ID.
pub fn auth_success(relay: &str, authid: &str, mechanism: &str) -> String {
    format!("AUTH=server, relay={relay}, authid={}, mech={mechanism}, bits=0", printable(authid))
}

/// A failed AUTH exchange, with Cyrus's result and detail and sendmail's `user=`.
pub fn auth_failure(
    id: &str,
    mechanism: &str,
    error: SaslError,
    detail: &str,
    user: &str,
    relay: &str,
) -> String {
    format!(
        "{id}: AUTH failure ({mechanism}): {}: {}, user={}, relay={relay}",
        error.describe(),
        printable(detail),
        printable(user)
    )
}

/// `text` with control characters escaped as sendmail's `str2prt` does.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii_control() => out.push_str(&format!("\\{:03o}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The line for an event of the session, if sendmail logs one, and its severity.
pub fn event_line(
    id: &str,
    event: &Event,
    client: &str,
    daemon: &str,
) -> Option<(Severity, String)> {
    let line = match event {
        Event::TrafficBeforeResponse { verb } => (
            Severity::Info,
            format!("{id}: rejecting server {verb} from {client} due to traffic before response"),
        ),
        Event::PossibleAttack { command, count } => (
            Severity::Info,
            format!("{id}: {client}: possible SMTP attack: command={command}, count={count}"),
        ),
        Event::PrivacyRefusal { line } => {
            (Severity::Info, format!("{id}: {client}: {} [rejected]", printable(line)))
        }
        Event::RcptFlood => {
            (Severity::Info, format!("{id}: {client}: Possible SMTP RCPT flood, throttling."))
        }
        Event::Timeout { during } => {
            let host = client.split(' ').next().unwrap_or(client);
            (
                Severity::Notice,
                format!("{id}: timeout waiting for input from {host} during {during}"),
            )
        }
        Event::LostInput { phase } => (
            Severity::Notice,
            format!("{id}: lost input channel from {client} to {daemon} {phase}"),
        ),
        Event::NoMailIssued => (
            Severity::Info,
            format!(
                "{id}: {client} did not issue MAIL/EXPN/VRFY/ETRN during connection to {daemon}"
            ),
        ),
        Event::TooManyBadCommands
        | Event::CommandTooLong
        | Event::BareLinefeed
        | Event::TransactionEnded(_) => return None,
    };
    Some(line)
}

/// Logs `line` at `severity`.
pub fn log(syslog: &Syslog, severity: Severity, line: &str) {
    syslog.log(severity, line);
}

#[cfg(test)]
mod tests {
    use super::*;
    use smtp::server::{ClientInfo, Protocol, Recipient, Sender};

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
    fn lines_read_as_sendmails() {
        let e = envelope();
        assert_eq!(
            from_line("6AONYhb9031965", &e, 0, None, "MTA"),
            "6AONYhb9031965: from=<alice@mail.lab.example>, size=0, class=0, nrcpts=1, \
             proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]"
        );
        assert_eq!(
            from_line("Q", &e, 86, Some("<1@x>"), "MTA"),
            "Q: from=<alice@mail.lab.example>, size=86, class=0, nrcpts=1, msgid=<1@x>, \
             proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]"
        );
        let client = "localhost [127.0.0.1]";
        let lost = Event::LostInput { phase: "after rcpt".into() };
        assert_eq!(
            event_line("Q", &lost, client, "MTA").unwrap().1,
            "Q: lost input channel from localhost [127.0.0.1] to MTA after rcpt"
        );
        assert_eq!(
            event_line("Q", &Event::NoMailIssued, client, "MTA-open").unwrap().1,
            "Q: localhost [127.0.0.1] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA-open"
        );
        assert_eq!(
            reject_line("Q", "check_rcpt", "<x@y>", "[127.0.0.2]", "550 5.7.1 <x@y>... Relaying denied"),
            "Q: ruleset=check_rcpt, arg1=<x@y>, relay=[127.0.0.2], reject=550 5.7.1 <x@y>... Relaying denied"
        );
    }

    #[test]
    fn auth_lines_read_as_sendmails() {
        assert_eq!(
            auth_success("localhost [127.0.0.1]", "alice", "PLAIN"),
            "AUTH=server, relay=localhost [127.0.0.1], authid=alice, mech=PLAIN, bits=0"
        );
        let detail = "Got more data than we were expecting in the PLAIN plugin\n";
        assert_eq!(
            auth_failure("Q", "PLAIN", SaslError::BadProt, detail, "alice", "[127.0.0.2]"),
            "Q: AUTH failure (PLAIN): bad protocol / cancel (-5) SASL(-5): bad protocol / cancel: \
             Got more data than we were expecting in the PLAIN plugin\\n, user=alice, relay=[127.0.0.2]"
        );
        let forged = "x, relay=[10.0.0.1]\nsm-mta[1]: Q: AUTH failure";
        let line =
            auth_failure("Q", "LOGIN", SaslError::BadAuth, "checkpass failed", forged, "[::1]");
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("user=x, relay=[10.0.0.1]\\nsm-mta[1]"), "{line}");
        assert_eq!(printable("a\tb\u{1}c\u{7f}"), "a\\tb\\001c\\177");
        let refused = Event::PrivacyRefusal { line: "VRFY root".into() };
        assert_eq!(
            event_line("Q", &refused, "localhost [127.0.0.1]", "MTA").unwrap().1,
            "Q: localhost [127.0.0.1]: VRFY root [rejected]"
        );
    }
}
