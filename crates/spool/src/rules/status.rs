//! The replies the rules give, worded and numbered as sendmail words and numbers them.
//!
//! A [`Status`] is one SMTP reply line: code, enhanced status code and text. It is
//! built the way sendmail's `usrerr` and `fmtmsg` build `MsgBuf`:
//!
//! * a text starting with `NNN ` gives the reply code (else 550), and an enhanced
//!   code right after it wins over the one the caller passed;
//! * with no enhanced code at all, the class of the reply code gives `5.0.0`,
//!   `4.0.0` or `2.0.0`;
//! * the address the reply is about is put in front (`<x@y>... text`) only for the
//!   codes 250, 252, 450, 550 and 553 (so `451 4.7.1 ...` carries no address).
//!
//! [`Status::error_mailer`] turns the `$#error $@ host $: text` triple that rulesets
//! and maps return into its reply, as `buildaddr` does: a `d.s.n` host is the
//! enhanced code; a text without a reply code becomes `553 5.3.0 text`.
//!
//! # Invariants
//! `code` is three digits; `text` never contains CR or LF.

use crate::access::{clean_text, Action};

/// One SMTP reply line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The three-digit reply code.
    pub code: u16,
    /// The RFC 3463 enhanced status code, if the reply has one.
    pub enhanced: Option<String>,
    /// The text after the codes, the `address... ` prefix included.
    pub text: String,
}

impl Status {
    /// A reply with exactly these parts.
    pub fn new(code: u16, enhanced: &str, text: impl Into<String>) -> Status {
        let text: String = text.into();
        Status { code, enhanced: Some(enhanced.to_string()), text: text.replace(['\r', '\n'], " ") }
    }

    /// True for 4xx replies.
    pub fn is_temporary(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// True for 4xx and 5xx replies.
    pub fn is_error(&self) -> bool {
        self.code >= 400
    }

    /// The reply as one line without line end: `550 5.7.1 <x>... Relaying denied`.
    pub fn line(&self) -> String {
        match &self.enhanced {
            Some(e) => format!("{} {e} {}", self.code, self.text),
            None => format!("{} {}", self.code, self.text),
        }
    }

    /// sendmail's `usrerrenh(enhanced, message)` about address `to`.
    pub(crate) fn usrerr(enhanced: Option<&str>, message: &str, to: Option<&str>) -> Status {
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
        let (enhanced, text) = match enhanced_code(rest) {
            Some(e) => (Some(e.to_string()), &rest[e.len() + 1..]),
            None => (enhanced.filter(|e| is_enhanced(e)).or(default).map(str::to_string), rest),
        };
        let text = match to.filter(|t| !t.is_empty()) {
            Some(to) if [50, 250, 252, 450, 550, 553].contains(&code) => format!("{to}... {text}"),
            _ => text.to_string(),
        };
        Status { code, enhanced, text: text.replace(['\r', '\n'], " ") }
    }

    /// The reply for the error mailer triple `$#error $@ host $: text` about `to`.
    pub fn error_mailer(host: Option<&str>, text: &str, to: Option<&str>) -> Status {
        let text = strip_quotes(text);
        let host = host.filter(|h| is_enhanced(h));
        match smtp_code(&text) {
            Some(_) if enhanced_code(&text[4..]).is_some() => Status::usrerr(None, &text, to),
            Some(_) => Status::usrerr(host, &text, to),
            None => Status::usrerr(Some("5.3.0"), &format!("553 {text}"), to),
        }
    }

    /// The reply for an access map value that refuses (`REJECT`, `ERROR:...`, or any
    /// other text), as the rulesets turn it into an error triple.
    pub(crate) fn from_access(action: &Action, to: Option<&str>) -> Status {
        match action {
            Action::Reject => Status::usrerr(Some("5.7.1"), "550 Access denied", to),
            Action::Error { dsn, code, text } => {
                let message = if text.is_empty() { code.clone() } else { format!("{code} {text}") };
                Status::error_mailer(dsn.as_deref(), &message, to)
            }
            Action::Other(value) => Status::error_mailer(None, &clean_text(value), to),
            Action::Skip => Status::error_mailer(None, "SKIP", to),
            _ => Status::error_mailer(None, "", to),
        }
    }

    /// `451 4.3.0 Temporary system failure. Please try again later.`: a map that
    /// could not be read (the `-T<TMPF>` of `FEATURE(access_db)`).
    pub(crate) fn tempfail() -> Status {
        Status::new(451, "4.3.0", "Temporary system failure. Please try again later.")
    }
}

/// The reply code at the start of `s` (`NNN ` with a blank after it).
fn smtp_code(s: &str) -> Option<u16> {
    let b = s.as_bytes();
    if b.len() >= 4 && b[..3].iter().all(u8::is_ascii_digit) && b[3] == b' ' {
        return s[..3].parse().ok();
    }
    None
}

/// An enhanced status code at the start of `s`, followed by a blank.
fn enhanced_code(s: &str) -> Option<&str> {
    let word = s.split_once(' ')?.0;
    is_enhanced(word).then_some(word)
}

/// True for `2.x.y`, `4.x.y` and `5.x.y` with one to three digits per part.
fn is_enhanced(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && ["2", "4", "5"].contains(&parts[0])
        && parts[1..]
            .iter()
            .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// sendmail's `stripquotes`: unescaped double quotes removed, `\x` made `x`.
pub(crate) fn strip_quotes(s: &str) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::parse_value;

    #[test]
    fn the_address_goes_only_on_some_codes() {
        let s = Status::usrerr(Some("5.7.1"), "550 Access denied", Some("<a@b>"));
        assert_eq!(s.line(), "550 5.7.1 <a@b>... Access denied");
        let t = Status::usrerr(
            Some("4.1.8"),
            "451 Domain of sender address a@b does not resolve",
            Some("<a@b>"),
        );
        assert_eq!(t.line(), "451 4.1.8 Domain of sender address a@b does not resolve");
        assert!(t.is_temporary() && t.is_error());
    }

    #[test]
    fn enhanced_codes_from_the_text_the_caller_or_the_class() {
        assert_eq!(Status::usrerr(Some("5.7.1"), "550 5.1.1 x", None).line(), "550 5.1.1 x");
        assert_eq!(
            Status::usrerr(None, "553 User address required", None).line(),
            "553 5.0.0 User address required"
        );
        assert_eq!(Status::usrerr(None, "421 closing", None).line(), "421 4.0.0 closing");
        assert_eq!(Status::usrerr(None, "no code", Some("x")).line(), "550 x... no code");
    }

    #[test]
    fn error_mailer_triples() {
        let m = Status::error_mailer(Some("5.1.2"), "550 Host unknown", Some("<u@h>"));
        assert_eq!(m.line(), "550 5.1.2 <u@h>... Host unknown");
        let r = Status::error_mailer(
            Some("5.7.1"),
            "\"550 Relaying denied. IP name lookup failed \"[127.0.0.2]",
            Some("<u@h>"),
        );
        assert_eq!(
            r.line(),
            "550 5.7.1 <u@h>... Relaying denied. IP name lookup failed [127.0.0.2]"
        );
        let named = Status::error_mailer(Some("nouser"), "User unknown", Some("u"));
        assert_eq!(named.line(), "553 5.3.0 u... User unknown");
        let plain = Status::error_mailer(Some("nohost"), "550 mail to x is prohibited", None);
        assert_eq!(plain.line(), "550 5.0.0 mail to x is prohibited");
    }

    #[test]
    fn access_values_become_replies() {
        let v =
            parse_value("ERROR:4.3.2:421 Connections from 127.0.0.4 are refused for now (smlab)");
        assert_eq!(
            Status::from_access(&v, None).line(),
            "421 4.3.2 Connections from 127.0.0.4 are refused for now"
        );
        let bare = parse_value("550 Go away");
        assert_eq!(Status::from_access(&bare, Some("<a@b>")).line(), "550 5.0.0 <a@b>... Go away");
        let other = parse_value("frobnicate");
        assert_eq!(Status::from_access(&other, None).line(), "553 5.3.0 frobnicate");
        assert_eq!(
            Status::tempfail().line(),
            "451 4.3.0 Temporary system failure. Please try again later."
        );
        assert_eq!(strip_quotes(r#""a b"\"c"#), "a b\"c");
    }
}
