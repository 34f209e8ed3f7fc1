//! # Name
//! status - the one delivery status: reply code, enhanced status code, text
//!
//! # Description
//! Every place that says how a recipient fared speaks in a [`DeliveryStatus`]: the
//! mailertable's `error:` routes, the access map's `ERROR:` and `REJECT` values, the
//! replies smtpd sends and the queue runner receives, the qf `M` line of a deferred
//! recipient, the per-recipient fields of a DSN (RFC 3464) and the `-bv` exit code.
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
//! (4xx) or a permanent one (5xx); the enhanced code (RFC 3463) refines it. Where a
//! source gives no enhanced code, the class of the reply code gives `2.0.0`, `4.0.0`
//! or `5.0.0`, as sendmail does. sendmail's `$#error` triple (`$@ host $: text`) is
//! turned into a status by [`DeliveryStatus::error_mailer`]: a `d.s.n` host is the
//! enhanced code, a text that starts with a reply code gives it, and a text without
//! one becomes `553 5.3.0 text`.
//!
//! # Invariants
//! `code` is in 200..=599 and its first digit is the enhanced code's class; `text`
//! holds no CR, LF or NUL.
//!
//! # Errors
//! None: the parsers return `None` for text that is not a status.

use crate::access::Action;
use std::fmt;

/// Success, temporary failure or permanent failure: the first digit of both codes.
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
    fn digit(self) -> u16 {
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

/// An RFC 3463 enhanced status code, `class.subject.detail` (`5.1.1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Enhanced {
    /// The class.
    pub class: Class,
    /// The subject (0-999).
    pub subject: u16,
    /// The detail (0-999).
    pub detail: u16,
}

impl Enhanced {
    /// `class.subject.detail`.
    pub const fn new(class: Class, subject: u16, detail: u16) -> Enhanced {
        Enhanced { class, subject, detail }
    }

    /// Parses `5.1.1`: class 2, 4 or 5, then one to three digits per part.
    pub fn parse(text: &str) -> Option<Enhanced> {
        let mut parts = text.split('.');
        let (c, s, d) = (parts.next()?, parts.next()?, parts.next()?);
        let number = |p: &str| {
            ((1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse::<u16>().ok())
                .flatten()
        };
        if parts.next().is_some() || c.len() != 1 {
            return None;
        }
        Some(Enhanced {
            class: Class::of_digit(number(c)?)?,
            subject: number(s)?,
            detail: number(d)?,
        })
    }

    /// `2.0.0`, `4.0.0` or `5.0.0`: the code a reply of this class has when none is given.
    pub const fn generic(class: Class) -> Enhanced {
        Enhanced { class, subject: 0, detail: 0 }
    }
}

impl fmt::Display for Enhanced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class.digit(), self.subject, self.detail)
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
    /// The enhanced status code (`5.1.1`).
    pub enhanced: Enhanced,
    /// The text after the codes (`User unknown`).
    pub text: String,
}

impl DeliveryStatus {
    /// A status with exactly these parts. A code outside 200..=599 or of another class
    /// than `enhanced` is a bug in the caller.
    pub fn new(code: u16, enhanced: Enhanced, text: impl Into<String>) -> DeliveryStatus {
        debug_assert_eq!(code / 100, enhanced.class.digit(), "{code} {enhanced}");
        DeliveryStatus { code, enhanced, text: clean(&text.into()) }
    }

    /// `550 5.1.1 User unknown`: a local user that does not exist.
    pub fn user_unknown() -> DeliveryStatus {
        DeliveryStatus::new(550, Enhanced::new(Class::Permanent, 1, 1), "User unknown")
    }

    /// `554 5.4.6 aliasing/forwarding loop broken`.
    pub fn loop_broken() -> DeliveryStatus {
        let e = Enhanced::new(Class::Permanent, 4, 6);
        DeliveryStatus::new(554, e, "aliasing/forwarding loop broken")
    }

    /// `451 4.3.0 text`: a temporary local failure (a map or file that cannot be read).
    pub fn temporary(text: impl Into<String>) -> DeliveryStatus {
        DeliveryStatus::new(451, Enhanced::new(Class::Temporary, 3, 0), text)
    }

    /// `550 5.7.1 text`: refused by policy (`Cannot mail directly to programs`).
    pub fn refused(text: impl Into<String>) -> DeliveryStatus {
        DeliveryStatus::new(550, Enhanced::new(Class::Permanent, 7, 1), text)
    }

    /// Success, temporary or permanent failure.
    pub fn class(&self) -> Class {
        self.enhanced.class
    }

    /// A 4xx status: the recipient stays queued.
    pub fn is_temporary(&self) -> bool {
        self.class() == Class::Temporary
    }

    /// A 5xx status: the recipient bounces.
    pub fn is_permanent(&self) -> bool {
        self.class() == Class::Permanent
    }

    /// The reply line without line end: `550 5.1.1 User unknown`.
    pub fn reply_line(&self) -> String {
        format!("{} {} {}", self.code, self.enhanced, self.text)
    }

    /// sendmail's reply about an address: `550 5.1.1 <x@y>... User unknown`.
    pub fn reply_about(&self, address: &str) -> String {
        format!("{} {} {address}... {}", self.code, self.enhanced, self.text)
    }

    /// Parses a reply line, `451 4.7.1 text` or `550 text` (the enhanced code then
    /// follows the class of the reply code); `None` when it does not start with a
    /// 2xx, 4xx or 5xx code.
    pub fn parse_reply(line: &str) -> Option<DeliveryStatus> {
        let line = line.trim_end_matches(['\r', '\n']);
        let code = reply_code(line)?;
        let class = Class::of_digit(code / 100)?;
        let rest = line.get(4..).unwrap_or("");
        let (enhanced, text) = match rest.split_once(' ') {
            Some((word, text)) => match Enhanced::parse(word) {
                Some(e) if e.class == class => (e, text),
                _ => (Enhanced::generic(class), rest),
            },
            None => match Enhanced::parse(rest) {
                Some(e) if e.class == class => (e, ""),
                _ => (Enhanced::generic(class), rest),
            },
        };
        Some(DeliveryStatus { code, enhanced, text: clean(text) })
    }

    /// sendmail's `$#error $@ host $: text`, as the mailertable's `error:` routes and
    /// the rulesets give it: `host` an enhanced code (`5.1.2`) or an error name
    /// (`nohost`, which only sets the exit status); `text` with or without a leading
    /// reply code. A code in the text wins over `host`; a text without a reply code is
    /// `553 5.3.0 text`.
    pub fn error_mailer(host: Option<&str>, text: &str) -> DeliveryStatus {
        let text = strip_quotes(text.trim());
        let Some(mut status) = DeliveryStatus::parse_reply(&text) else {
            return DeliveryStatus::new(553, Enhanced::new(Class::Permanent, 3, 0), text);
        };
        let first_word = text.get(4..).and_then(|rest| rest.split(' ').next());
        if first_word.and_then(Enhanced::parse).is_none() {
            let given = host.and_then(Enhanced::parse).filter(|e| e.class == status.class());
            if let Some(e) = given {
                status.enhanced = e;
            }
        }
        status
    }

    /// The refusal an access-map value gives (`REJECT`, `ERROR:4.7.1:451 text`,
    /// `550 text`); `None` for values that accept.
    pub fn from_access(action: &Action) -> Option<DeliveryStatus> {
        match action {
            Action::Reject => Some(DeliveryStatus::refused("Access denied")),
            Action::Error { dsn, code, text } => {
                let message = if text.is_empty() { code.clone() } else { format!("{code} {text}") };
                Some(DeliveryStatus::error_mailer(dsn.as_deref(), &message))
            }
            _ => None,
        }
    }

    /// The qf `M` line sendmail writes for a recipient with this status: a temporary
    /// failure as `Deferred: 451 4.2.0 text`, anything else as its text.
    pub fn queue_message(&self) -> String {
        match self.class() {
            Class::Temporary => format!("Deferred: {}", self.reply_line()),
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
        format!("{kind}; {}", self.reply_line())
    }

    /// The sysexits code sendmail exits with for this status (`-bv`, `-odi`).
    pub fn exit_code(&self) -> i32 {
        use crate::sysexits::*;
        let e = self.enhanced;
        match (e.class, e.subject, e.detail) {
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
        f.write_str(&self.reply_line())
    }
}

/// The reply code at the start of `s`: three digits, then a blank or the end.
fn reply_code(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    let digits = b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit);
    (digits && (b.len() == 3 || b[3] == b' ')).then(|| s[..3].parse().ok()).flatten()
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
mod tests {
    use super::*;
    use crate::access::parse_value;

    #[test]
    fn enhanced_codes_parse_and_print() {
        let e = Enhanced::parse("5.1.1").unwrap();
        assert_eq!((e.class, e.subject, e.detail), (Class::Permanent, 1, 1));
        assert_eq!(e.to_string(), "5.1.1");
        for bad in ["3.1.1", "5.1", "5.1.1.1", "5.1234.1", "5..1", "55.1.1", "x"] {
            assert_eq!(Enhanced::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn replies_parse_with_and_without_enhanced_codes() {
        let s = DeliveryStatus::parse_reply("451 4.2.0 <a@b>... mailbox busy\r\n").unwrap();
        assert_eq!(s.reply_line(), "451 4.2.0 <a@b>... mailbox busy");
        assert!(s.is_temporary() && !s.is_permanent());
        let bare = DeliveryStatus::parse_reply("550 no such user").unwrap();
        assert_eq!(bare.reply_line(), "550 5.0.0 no such user");
        // An enhanced code of another class is text, as sendmail keeps it.
        let odd = DeliveryStatus::parse_reply("550 4.1.1 odd").unwrap();
        assert_eq!((odd.enhanced.to_string(), odd.text.as_str()), ("5.0.0".into(), "4.1.1 odd"));
        assert_eq!(DeliveryStatus::parse_reply("354 go ahead"), None);
        assert_eq!(DeliveryStatus::parse_reply("hello"), None);
        let multi = DeliveryStatus::new(550, Enhanced::generic(Class::Permanent), "a\r\nb");
        assert_eq!(multi.text, "a  b");
    }

    #[test]
    fn error_mailer_triples_as_sendmail_builds_them() {
        let host_unknown = DeliveryStatus::error_mailer(Some("5.1.2"), "550 Host unknown");
        assert_eq!(host_unknown.reply_about("<a@x>"), "550 5.1.2 <a@x>... Host unknown");
        let named = DeliveryStatus::error_mailer(Some("nohost"), "550 mail to x is prohibited");
        assert_eq!(named.reply_line(), "550 5.0.0 mail to x is prohibited");
        let no_code = DeliveryStatus::error_mailer(Some("nouser"), "User unknown");
        assert_eq!(no_code.reply_line(), "553 5.3.0 User unknown");
        let in_text = DeliveryStatus::error_mailer(Some("5.1.2"), "550 5.7.1 \"go\" away");
        assert_eq!(in_text.reply_line(), "550 5.7.1 go away");
        let temp = DeliveryStatus::error_mailer(Some("4.7.1"), "451 later");
        assert_eq!(temp.reply_line(), "451 4.7.1 later");
    }

    #[test]
    fn access_values_become_statuses() {
        let reject = DeliveryStatus::from_access(&parse_value("REJECT")).unwrap();
        assert_eq!(reject.reply_line(), "550 5.7.1 Access denied");
        let e = parse_value("ERROR:4.3.2:421 Connections refused (lab)");
        let s = DeliveryStatus::from_access(&e).unwrap();
        assert_eq!(s.reply_line(), "421 4.3.2 Connections refused");
        let bare = DeliveryStatus::from_access(&parse_value("550 Go away")).unwrap();
        assert_eq!(bare.reply_line(), "550 5.0.0 Go away");
        assert_eq!(DeliveryStatus::from_access(&parse_value("OK")), None);
    }

    #[test]
    fn queue_lines_dsn_fields_and_exit_codes() {
        let busy =
            DeliveryStatus::parse_reply("451 4.2.0 <t@sink.example>... mailbox busy").unwrap();
        // The per-recipient M line of tests/reference/queue/21-second-queue-run.
        assert_eq!(busy.queue_message(), "Deferred: 451 4.2.0 <t@sink.example>... mailbox busy");
        assert_eq!(DeliveryStatus::parse_queue_message(&busy.queue_message()), Some(busy.clone()));
        assert_eq!(DeliveryStatus::user_unknown().queue_message(), "User unknown");
        assert_eq!(DeliveryStatus::parse_queue_message("User unknown"), None);
        let unknown = DeliveryStatus::user_unknown();
        assert_eq!((unknown.dsn_action(), busy.dsn_action()), ("failed", "delayed"));
        assert_eq!(unknown.diagnostic_code(Diagnostic::Unix), "X-Unix; 550 5.1.1 User unknown");
        assert_eq!(
            DeliveryStatus::loop_broken().diagnostic_code(Diagnostic::Smtp),
            "SMTP; 554 5.4.6 aliasing/forwarding loop broken"
        );
        use crate::sysexits::*;
        assert_eq!(unknown.exit_code(), EX_NOUSER);
        assert_eq!(busy.exit_code(), EX_TEMPFAIL);
        assert_eq!(DeliveryStatus::error_mailer(Some("5.1.2"), "550 x").exit_code(), EX_NOHOST);
        assert_eq!(DeliveryStatus::refused("x").exit_code(), EX_NOPERM);
    }
}
