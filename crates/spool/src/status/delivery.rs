//! # Name
//! status::delivery - the one delivery status: reply code, enhanced code, text
//!
//! # Description
//! Every place that says how a recipient fared speaks in a [`DeliveryStatus`]: the
//! mailertable's `error:` routes, the access map's `ERROR:` and `REJECT` values, the
//! rules' replies, the replies smtpd sends and the queue runner receives, the qf `M`
//! line of a deferred recipient, the per-recipient fields of a DSN (RFC 3464) and the
//! `-bv` exit code.
//!
//! ```text
//! 550 5.1.1 User unknown             SMTP reply: code, enhanced code, text
//! Deferred: 451 4.2.0 mailbox busy   qf M line of a temporary failure
//! Action: failed                     DSN fields
//! Status: 5.1.1
//! Diagnostic-Code: X-Unix; 550 5.1.1 User unknown
//! ```
//!
//! The reply code decides whether a status is a success (2xx), a temporary failure
//! (4xx) or a permanent one (5xx); the [`EnhancedCode`] refines it. A reply may have
//! none (sendmail's `usrerr` of a text without a code); a DSN then says the class's
//! `2.0.0`, `4.0.0` or `5.0.0` ([`DeliveryStatus::enhanced_or_generic`]). The statuses
//! the rules give are built as sendmail builds them: [`DeliveryStatus::usrerr`] (the
//! code, enhanced code and `<addr>... ` prefix of a message) and
//! [`DeliveryStatus::error_mailer`] for the `$#error $@ host $: text` triple that
//! rulesets and maps return: a `d.s.n` host is the enhanced code, a text that starts
//! with a reply code gives it, and a text without one becomes `553 5.3.0 text`.
//!
//! # Invariants
//! `text` holds no CR, LF or NUL. Statuses built here have a code in 200..=599.
//!
//! # Errors
//! None: the parsers return `None` for text that is not a status.

use super::EnhancedCode;
use crate::access::{clean_text, Action};
use std::fmt;

/// Success, temporary failure or permanent failure: the first digit of a reply code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    /// `2`: delivered (or accepted).
    Success,
    /// `4`: try again later.
    Temporary,
    /// `5`: give up.
    Permanent,
}

impl Class {
    /// The class digit: 2, 4 or 5.
    pub fn digit(self) -> u8 {
        match self {
            Class::Success => 2,
            Class::Temporary => 4,
            Class::Permanent => 5,
        }
    }

    fn of_digit(d: u16) -> Option<Class> {
        match d {
            2 => Some(Class::Success),
            4 => Some(Class::Temporary),
            5 => Some(Class::Permanent),
            _ => None,
        }
    }
}

/// Where a DSN's `Diagnostic-Code` comes from (its type field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diagnostic {
    /// A remote SMTP server's reply: `SMTP; 550 5.1.1 ...`.
    Smtp,
    /// A local mailer or sendmail itself: `X-Unix; 550 5.1.1 ...`.
    Unix,
}

/// How one recipient fared: reply code, enhanced status code and text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeliveryStatus {
    /// The three-digit SMTP reply code (`550`).
    pub code: u16,
    /// The enhanced status code (`5.1.1`), when the status has one.
    pub enhanced: Option<EnhancedCode>,
    /// The text after the codes (`User unknown`, or `<x@y>... User unknown` for
    /// replies about an address).
    pub text: String,
}

impl DeliveryStatus {
    /// A status with exactly these parts (`enhanced` that is not an enhanced code is
    /// left out).
    pub fn new(code: u16, enhanced: &str, text: impl Into<String>) -> DeliveryStatus {
        DeliveryStatus { code, enhanced: EnhancedCode::parse(enhanced), text: clean(&text.into()) }
    }

    /// A status without an enhanced code.
    pub fn bare(code: u16, text: impl Into<String>) -> DeliveryStatus {
        DeliveryStatus { code, enhanced: None, text: clean(&text.into()) }
    }

    /// `550 5.1.1 User unknown`: a local user that does not exist.
    pub fn user_unknown() -> DeliveryStatus {
        DeliveryStatus::new(550, "5.1.1", "User unknown")
    }

    /// `554 5.4.6 aliasing/forwarding loop broken`.
    pub fn loop_broken() -> DeliveryStatus {
        DeliveryStatus::new(554, "5.4.6", "aliasing/forwarding loop broken")
    }

    /// `451 4.3.0 text`: a temporary local failure (a map or file that cannot be read).
    pub fn temporary(text: impl Into<String>) -> DeliveryStatus {
        DeliveryStatus::new(451, "4.3.0", text)
    }

    /// `451 4.3.0 Temporary system failure. Please try again later.`: a map that
    /// could not be read (the `-T<TMPF>` of `FEATURE(access_db)`).
    pub fn tempfail() -> DeliveryStatus {
        DeliveryStatus::temporary("Temporary system failure. Please try again later.")
    }

    /// `550 5.7.1 text`: refused by policy (`Cannot mail directly to programs`).
    pub fn refused(text: impl Into<String>) -> DeliveryStatus {
        DeliveryStatus::new(550, "5.7.1", text)
    }

    /// Success (2xx), temporary (4xx) or permanent failure (5xx), by the reply code.
    pub fn class(&self) -> Class {
        match self.code / 100 {
            2 => Class::Success,
            4 => Class::Temporary,
            _ => Class::Permanent,
        }
    }

    /// The enhanced code, or the class's `X.0.0` when the status has none (what a
    /// DSN's `Status:` field says).
    pub fn enhanced_or_generic(&self) -> EnhancedCode {
        let generic = EnhancedCode::new(self.class().digit(), 0, 0);
        self.enhanced.or(generic).expect("2, 4 and 5 are classes")
    }

    /// A 4xx status: the recipient stays queued.
    pub fn is_temporary(&self) -> bool {
        self.class() == Class::Temporary
    }

    /// A 5xx status: the recipient bounces.
    pub fn is_permanent(&self) -> bool {
        self.class() == Class::Permanent
    }

    /// A 4xx or 5xx status.
    pub fn is_error(&self) -> bool {
        self.code >= 400
    }

    /// The reply line without line end: `550 5.1.1 User unknown`.
    pub fn line(&self) -> String {
        match &self.enhanced {
            Some(e) => format!("{} {e} {}", self.code, self.text),
            None => format!("{} {}", self.code, self.text),
        }
    }

    /// sendmail's reply about an address: `550 5.1.1 <x@y>... User unknown`.
    pub fn reply_about(&self, address: &str) -> String {
        let about = DeliveryStatus { text: format!("{address}... {}", self.text), ..self.clone() };
        about.line()
    }

    /// Parses a reply line, `451 4.7.1 text` or `550 text` (an enhanced code of
    /// another class than the reply code is text); `None` when it does not start
    /// with a 2xx, 4xx or 5xx code.
    pub fn parse_reply(line: &str) -> Option<DeliveryStatus> {
        let line = line.trim_end_matches(['\r', '\n']);
        let code = reply_code(line)?;
        let class = Class::of_digit(code / 100)?;
        let rest = line.get(4..).unwrap_or("");
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        let (enhanced, text) = match EnhancedCode::parse(word) {
            Some(e) if e.class() == class.digit() => (Some(e), after),
            _ => (None, rest),
        };
        Some(DeliveryStatus { code, enhanced, text: clean(text) })
    }

    /// sendmail's `usrerrenh(enhanced, message)` about address `to`: a message that
    /// starts with `NNN ` gives the reply code (else 550), an enhanced code right
    /// after it wins over `enhanced`, and with none at all the message's first digit
    /// gives `5.0.0`, `4.0.0` or `2.0.0`; `to... ` goes in front only for the codes
    /// 250, 252, 450, 550 and 553.
    pub fn usrerr(enhanced: Option<&str>, message: &str, to: Option<&str>) -> DeliveryStatus {
        let (code, rest) = match smtp_code(message) {
            Some(code) => (code, &message[4..]),
            None => (550, message),
        };
        let default = match message.as_bytes().first() {
            Some(b'5' | b'6') => Some("5.0.0"),
            Some(b'4' | b'8') => Some("4.0.0"),
            Some(b'2') => Some("2.0.0"),
            _ => None,
        };
        let in_text = EnhancedCode::prefix(rest, ' ').map(|(e, len)| (e, &rest[len + 1..]));
        let (enhanced, text) = match in_text {
            Some((e, t)) => (Some(e), t),
            None => (
                enhanced.and_then(EnhancedCode::parse).or(default.and_then(EnhancedCode::parse)),
                rest,
            ),
        };
        let text = match to.filter(|t| !t.is_empty()) {
            Some(to) if [50, 250, 252, 450, 550, 553].contains(&code) => format!("{to}... {text}"),
            _ => text.to_string(),
        };
        DeliveryStatus { code, enhanced, text: clean(&text) }
    }

    /// sendmail's `$#error $@ host $: text` about `to`, as the mailertable's `error:`
    /// routes, the access map and the rulesets give it: a `d.s.n` host is the
    /// enhanced code (an error name such as `nohost` only sets the exit status), an
    /// enhanced code in the text wins, and a text without a reply code is
    /// `553 5.3.0 text`. Quotes are removed as `stripquotes` does.
    pub fn error_mailer(host: Option<&str>, text: &str, to: Option<&str>) -> DeliveryStatus {
        let text = strip_quotes(text);
        let host = host.filter(|h| EnhancedCode::parse(h).is_some());
        let explicit = text.get(4..).and_then(|r| EnhancedCode::prefix(r, ' '));
        match smtp_code(&text) {
            Some(_) if explicit.is_some() => DeliveryStatus::usrerr(None, &text, to),
            Some(_) => DeliveryStatus::usrerr(host, &text, to),
            None => DeliveryStatus::usrerr(Some("5.3.0"), &format!("553 {text}"), to),
        }
    }

    /// The reply for an access map value that refuses (`REJECT`, `ERROR:...`, or any
    /// other text) about `to`, as the rulesets turn it into an error triple.
    pub fn from_access(action: &Action, to: Option<&str>) -> DeliveryStatus {
        match action {
            Action::Reject => DeliveryStatus::usrerr(Some("5.7.1"), "550 Access denied", to),
            Action::Error { dsn, code, text } => {
                let message = if text.is_empty() { code.clone() } else { format!("{code} {text}") };
                DeliveryStatus::error_mailer(dsn.as_deref(), &message, to)
            }
            Action::Other(value) => DeliveryStatus::error_mailer(None, &clean_text(value), to),
            Action::Skip => DeliveryStatus::error_mailer(None, "SKIP", to),
            _ => DeliveryStatus::error_mailer(None, "", to),
        }
    }

    /// The qf `M` line sendmail writes for a recipient with this status: a temporary
    /// failure as `Deferred: 451 4.2.0 text`, anything else as its text.
    pub fn queue_message(&self) -> String {
        match self.class() {
            Class::Temporary => format!("Deferred: {}", self.line()),
            _ => self.text.clone(),
        }
    }

    /// The status in a qf `M` line written by [`DeliveryStatus::queue_message`]
    /// (or by sendmail): `Deferred: 451 4.2.0 text`; `None` for a bare text.
    pub fn parse_queue_message(line: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::parse_reply(line.strip_prefix("Deferred: ").unwrap_or(line))
    }

    /// The DSN `Action:` this status reports: `delivered`, `delayed` or `failed`.
    pub fn dsn_action(&self) -> &'static str {
        match self.class() {
            Class::Success => "delivered",
            Class::Temporary => "delayed",
            Class::Permanent => "failed",
        }
    }

    /// The DSN `Diagnostic-Code:` value: `SMTP; 550 5.1.1 text` or
    /// `X-Unix; 550 5.1.1 text`.
    pub fn diagnostic_code(&self, kind: Diagnostic) -> String {
        let kind = match kind {
            Diagnostic::Smtp => "SMTP",
            Diagnostic::Unix => "X-Unix",
        };
        format!("{kind}; {}", self.line())
    }

    /// The sysexits code sendmail exits with for this status (`-bv`, `-odi`).
    pub fn exit_code(&self) -> i32 {
        use crate::sysexits::*;
        let e = self.enhanced_or_generic();
        match (self.class(), e.subject(), e.detail()) {
            (Class::Success, ..) => EX_OK,
            (Class::Temporary, ..) => EX_TEMPFAIL,
            (_, 1, 0 | 1) => EX_NOUSER,
            (_, 1, 2) => EX_NOHOST,
            (_, 1, 3) => EX_USAGE,
            (_, 5, _) => EX_PROTOCOL,
            (_, 7, _) => EX_NOPERM,
            _ => EX_UNAVAILABLE,
        }
    }
}

impl fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line())
    }
}

/// The reply code at the start of `s`: three digits, then a blank or the end.
fn reply_code(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let digits = b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit);
    (digits && (b.len() == 3 || b[3] == b' ')).then(|| s[..3].parse().ok()).flatten()
}

/// The reply code at the start of `s` with a blank after it (`NNN `), as sendmail's
/// message formatting takes it.
fn smtp_code(s: &str) -> Option<u16> {
    (s.len() >= 4 && s.as_bytes()[3] == b' ').then(|| reply_code(s)).flatten()
}

/// sendmail's `stripquotes`: unescaped double quotes removed, `\x` made `x`.
pub fn strip_quotes(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            '"' => {}
            _ => out.push(c),
        }
    }
    out
}

/// The text with CR, LF and NUL made blanks (a status is always one line).
fn clean(text: &str) -> String {
    text.replace(['\r', '\n', '\0'], " ")
}

#[cfg(test)]
mod tests;
