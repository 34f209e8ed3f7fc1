//! # Name
//! record - the lines sendmail logs, typed, rendered in its words
//!
//! # Description
//! Every program that receives or delivers mail logs the same events; a [`Record`]
//! is one of them, and [`Record::text`] writes it exactly as sendmail 8.17 does (the
//! recorded syslog of `tests/reference/smtp/*.transcript` is the test). A line is the
//! queue ID (or `NOQUEUE`), `: `, then the text ([`Record::line`]):
//!
//! ```text
//! From     from=<a@b>, size=N, class=0, nrcpts=N[, msgid=<..>][, bodytype=..][, proto=ESMTP][, daemon=MTA], relay=host [ip]
//! To       to=<x>[,<y>..][, ctladdr=..], delay=00:00:00[, xdelay=..][, mailer=relay], pri=N[, relay=..][, dsn=2.0.0], stat=..
//! Ruleset  ruleset=check_rcpt, arg1=<x>[, arg2=..], relay=host [ip], reject=550 5.7.1 <x>... Relaying denied
//!          (or `discard`, `quarantine=<reason>` after `relay=`)
//! UsrErr   <x>... User unknown   (a refusal sendmail logs as its own text)
//! Discarded                      discarded
//! TrafficBeforeResponse          rejecting server EHLO from host [ip] due to traffic before response
//! PreGreetingTraffic             rejecting commands from host [ip] due to pre-greeting traffic after 0 seconds
//! PossibleAttack                 host [ip]: possible SMTP attack: command=NOOP, count=20
//! RcptFlood                      host [ip]: Possible SMTP RCPT flood, throttling.
//! Timeout                        timeout waiting for input from host during server cmd read
//! LostInput                      lost input channel from host [ip] to MTA after rcpt
//! NoMailIssued                   host [ip] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA
//! PrivacyRefusal                 host [ip]: VRFY root [rejected]
//! AuthServer                     AUTH=server, relay=host [ip], authid=alice, mech=PLAIN, bits=0
//! AuthFailure                    AUTH failure (PLAIN): authentication failure (-13) SASL(-13): authentication failure: Password verification failed, user=alice, relay=host [ip]
//! SysErr                         SYSERR(root): Out of disk space for temp file
//! ```
//!
//! Each record has sendmail's severity ([`Record::severity`]). Text that came from a
//! client (a refused command line, a SASL user name) has its control characters
//! written as sendmail's `str2prt` writes them (`\n`, `\t`, `\001`), so no client can
//! start a log line of its own (a forged line fail2ban would act on).

use super::Severity;
use crate::status::EnhancedCode;
use std::fmt::Write;
use std::time::Duration;

/// The `from=` line of a message received (or of a transaction that ended without
/// one: `size=0`, no `msgid`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FromRecord {
    /// The sender as given (`<alice@example.org>`, `root`).
    pub from: String,
    /// The message size in bytes.
    pub size: u64,
    /// The message class (`0`: normal).
    pub class: i32,
    /// How many recipients were accepted.
    pub nrcpts: usize,
    /// The `Message-Id:`, if the message has one.
    pub msgid: Option<String>,
    /// `BODY=` as the client gave it.
    pub bodytype: Option<String>,
    /// The protocol (`ESMTP`), for mail that came over SMTP.
    pub proto: Option<String>,
    /// The daemon's name (`MTA`), for mail a daemon received.
    pub daemon: Option<String>,
    /// Who sent it: `host [ip]`, `root@localhost`.
    pub relay: String,
}

/// The `to=` line of one delivery attempt (or of queueing).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ToRecord {
    /// The recipients this line is about, as sendmail shows them.
    pub to: Vec<String>,
    /// The controlling user (`root (0/0)`), for local deliveries that have one.
    pub ctladdr: Option<String>,
    /// Since the message arrived.
    pub delay: Duration,
    /// Of this attempt, for an attempt.
    pub xdelay: Option<Duration>,
    /// The mailer (`relay`, `local`, `esmtp`).
    pub mailer: Option<String>,
    /// The message's priority.
    pub pri: i64,
    /// The host delivered to (`[127.0.0.1] [127.0.0.1]`).
    pub relay: Option<String>,
    /// The delivery status.
    pub dsn: Option<EnhancedCode>,
    /// The outcome: `queued`, `Sent (...)`, `Deferred: ...`.
    pub stat: String,
}

/// What a ruleset did with its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Refused with this reply (`550 5.7.1 <x>... Relaying denied`): `reject=...`.
    Reject(String),
    /// Accepted, and the message is to be thrown away: `discard`.
    Discard,
    /// Accepted, and the message is to be quarantined for this reason: `quarantine=...`.
    Quarantine(String),
}

/// One line sendmail logs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// A message, or a transaction, received.
    From(FromRecord),
    /// A recipient's fate.
    To(ToRecord),
    /// A ruleset (`check_relay`, `check_mail`, `check_rcpt`) refused its argument, or
    /// had the message discarded or quarantined.
    Ruleset {
        /// `check_rcpt`, ...
        ruleset: String,
        /// Its argument (`<x@y>`).
        arg: String,
        /// Its second argument, for rulesets that take one (`check_relay`: the address).
        arg2: Option<String>,
        /// The client (`host [ip]`).
        relay: String,
        /// What it did.
        outcome: Outcome,
    },
    /// A refusal logged as its own text (`<x>... User unknown`).
    UsrErr {
        /// The text.
        text: String,
    },
    /// A message accepted and thrown away (access `DISCARD`).
    Discarded,
    /// HELO/EHLO refused because the client talked before the greeting.
    TrafficBeforeResponse {
        /// `HELO` or `EHLO`.
        verb: String,
        /// The client.
        client: String,
    },
    /// The client talked before the greeting (`FEATURE(greet_pause)`).
    PreGreetingTraffic {
        /// The client as sendmail names it here: `host [ip]`, `[ip] [ip]` when it
        /// has no name.
        client: String,
        /// Whole seconds since it connected.
        seconds: u64,
    },
    /// A command counter passed its limit.
    PossibleAttack {
        /// The client.
        client: String,
        /// `NOOP`, `HELO/EHLO`, `VRFY`, `EXPN`, `ETRN`.
        command: String,
        /// The counter's value.
        count: u32,
    },
    /// Refused recipients passed `BadRcptThrottle`.
    RcptFlood {
        /// The client.
        client: String,
    },
    /// The client sent nothing for the read timeout.
    Timeout {
        /// The client's host name (or `[ip]`).
        host: String,
        /// `server cmd read`, `message collect`, `auth`.
        during: String,
    },
    /// The client went away.
    LostInput {
        /// The client.
        client: String,
        /// The daemon's name.
        daemon: String,
        /// `after rcpt`, `during message collect`, ...
        phase: String,
    },
    /// A session ended without MAIL, EXPN, VRFY or ETRN.
    NoMailIssued {
        /// The client.
        client: String,
        /// The daemon's name.
        daemon: String,
    },
    /// VRFY or EXPN refused by `PrivacyOptions`.
    PrivacyRefusal {
        /// The client.
        client: String,
        /// The command line as the client gave it (shortened as sendmail shortens it).
        line: String,
    },
    /// A client authenticated (sendmail logs it without a queue ID).
    AuthServer {
        /// The client.
        relay: String,
        /// The authentication identity.
        authid: String,
        /// The SASL mechanism.
        mech: String,
    },
    /// An AUTH exchange failed, with the SASL library's words.
    AuthFailure {
        /// The SASL mechanism.
        mech: String,
        /// The result and the start of its detail, e.g. `authentication failure (-13)
        /// SASL(-13): authentication failure`.
        result: String,
        /// The rest of the detail (`Password verification failed`).
        detail: String,
        /// The user as the client gave it (`authzid/authcid` with an authorization id).
        user: String,
        /// The client.
        relay: String,
    },
    /// A system error (`SYSERR(root): Out of disk space for temp file`).
    SysErr {
        /// The effective user.
        user: String,
        /// What failed.
        text: String,
    },
}

impl Record {
    /// sendmail's severity for the line.
    pub fn severity(&self) -> Severity {
        match self {
            Record::Ruleset { .. }
            | Record::UsrErr { .. }
            | Record::Timeout { .. }
            | Record::LostInput { .. } => Severity::Notice,
            Record::SysErr { .. } => Severity::Crit,
            Record::AuthFailure { .. } => Severity::Warning,
            _ => Severity::Info,
        }
    }

    /// The line for queue ID `id` (just the text when there is none yet).
    pub fn line(&self, id: Option<&str>) -> String {
        match id {
            Some(id) => format!("{id}: {}", self.text()),
            None => self.text(),
        }
    }

    /// The text after the queue ID, in sendmail's words.
    pub fn text(&self) -> String {
        match self {
            Record::From(from) => from.text(),
            Record::To(to) => to.text(),
            Record::Ruleset { ruleset, arg, arg2, relay, outcome } => {
                let mut t = format!("ruleset={ruleset}, arg1={arg}");
                if let Some(arg2) = arg2 {
                    let _ = write!(t, ", arg2={arg2}");
                }
                let _ = write!(t, ", relay={relay}");
                let _ = match outcome {
                    Outcome::Reject(reply) => write!(t, ", reject={reply}"),
                    Outcome::Discard => write!(t, ", discard"),
                    Outcome::Quarantine(reason) => write!(t, ", quarantine={reason}"),
                };
                t
            }
            Record::UsrErr { text } => text.clone(),
            Record::Discarded => "discarded".into(),
            Record::TrafficBeforeResponse { verb, client } => {
                format!("rejecting server {verb} from {client} due to traffic before response")
            }
            Record::PreGreetingTraffic { client, seconds } => format!(
                "rejecting commands from {client} due to pre-greeting traffic after {seconds} seconds"
            ),
            Record::PossibleAttack { client, command, count } => {
                format!("{client}: possible SMTP attack: command={command}, count={count}")
            }
            Record::RcptFlood { client } => {
                format!("{client}: Possible SMTP RCPT flood, throttling.")
            }
            Record::Timeout { host, during } => {
                format!("timeout waiting for input from {host} during {during}")
            }
            Record::LostInput { client, daemon, phase } => {
                format!("lost input channel from {client} to {daemon} {phase}")
            }
            Record::NoMailIssued { client, daemon } => {
                format!("{client} did not issue MAIL/EXPN/VRFY/ETRN during connection to {daemon}")
            }
            Record::PrivacyRefusal { client, line } => {
                format!("{client}: {} [rejected]", printable(line))
            }
            Record::AuthServer { relay, authid, mech } => {
                format!(
                    "AUTH=server, relay={relay}, authid={}, mech={mech}, bits=0",
                    printable(authid)
                )
            }
            Record::AuthFailure { mech, result, detail, user, relay } => format!(
                "AUTH failure ({mech}): {result}: {}, user={}, relay={relay}",
                printable(detail),
                printable(user)
            ),
            Record::SysErr { user, text } => format!("SYSERR({user}): {text}"),
        }
    }
}

/// `text` with control characters escaped as sendmail's `str2prt` does.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\{:03o}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

impl FromRecord {
    fn text(&self) -> String {
        let mut t = format!(
            "from={}, size={}, class={}, nrcpts={}",
            self.from, self.size, self.class, self.nrcpts
        );
        for (name, value) in [
            ("msgid", &self.msgid),
            ("bodytype", &self.bodytype),
            ("proto", &self.proto),
            ("daemon", &self.daemon),
        ] {
            if let Some(v) = value {
                let _ = write!(t, ", {name}={v}");
            }
        }
        let _ = write!(t, ", relay={}", self.relay);
        t
    }
}

impl ToRecord {
    fn text(&self) -> String {
        let mut t = format!("to={}", self.to.join(","));
        if let Some(c) = &self.ctladdr {
            let _ = write!(t, ", ctladdr={c}");
        }
        let _ = write!(t, ", delay={}", interval(self.delay));
        if let Some(x) = self.xdelay {
            let _ = write!(t, ", xdelay={}", interval(x));
        }
        if let Some(m) = &self.mailer {
            let _ = write!(t, ", mailer={m}");
        }
        let _ = write!(t, ", pri={}", self.pri);
        if let Some(r) = &self.relay {
            let _ = write!(t, ", relay={r}");
        }
        if let Some(d) = self.dsn {
            let _ = write!(t, ", dsn={d}");
        }
        let _ = write!(t, ", stat={}", self.stat);
        t
    }
}

/// A time interval as sendmail prints one: `HH:MM:SS`, with `D+` before it from a
/// day on (`1+02:03:04`).
pub fn interval(d: Duration) -> String {
    let s = d.as_secs();
    let (days, h, m, s) = (s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    if days > 0 {
        format!("{days}+{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        assert_eq!(interval(Duration::from_secs(0)), "00:00:00");
        assert_eq!(interval(Duration::from_secs(3661)), "01:01:01");
        assert_eq!(interval(Duration::from_secs(86400 + 7384)), "1+02:03:04");
    }

    #[test]
    fn auth_and_refusal_lines_and_client_text_escaped() {
        let ok = Record::AuthServer {
            relay: "localhost [127.0.0.1]".into(),
            authid: "alice".into(),
            mech: "PLAIN".into(),
        };
        assert_eq!(
            ok.line(None),
            "AUTH=server, relay=localhost [127.0.0.1], authid=alice, mech=PLAIN, bits=0"
        );
        let failed = Record::AuthFailure {
            mech: "PLAIN".into(),
            result: "bad protocol / cancel (-5) SASL(-5): bad protocol / cancel".into(),
            detail: "Got more data than we were expecting in the PLAIN plugin\n".into(),
            user: "x, relay=[10.0.0.1]\nsm-mta[1]: Q: AUTH failure".into(),
            relay: "[127.0.0.2]".into(),
        };
        let line = failed.line(Some("Q"));
        assert_eq!(failed.severity(), Severity::Warning);
        assert!(!line.contains('\n'), "{line}");
        assert!(line.contains("PLAIN plugin\\n, user=x, relay=[10.0.0.1]\\nsm-mta[1]"), "{line}");
        assert!(line.ends_with(", relay=[127.0.0.2]"), "{line}");
        let refused =
            Record::PrivacyRefusal { client: "[::1]".into(), line: "VRFY a\tb\u{1}\u{7f}".into() };
        assert_eq!(refused.text(), "[::1]: VRFY a\\tb\\001\\177 [rejected]");
    }

    #[test]
    fn a_line_without_a_queue_id_is_just_the_text() {
        let r = Record::Discarded;
        assert_eq!((r.line(None), r.line(Some("Q"))), ("discarded".into(), "Q: discarded".into()));
    }
}
