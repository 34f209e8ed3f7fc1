//! # Name
//! status - RFC 3463 enhanced status codes, as sendmail reads and writes them
//!
//! # Description
//! An enhanced status code is `class.subject.detail`: `5.1.1` (bad mailbox), `4.3.1`
//! (mail system full), `2.0.0` (ok). SMTP replies carry one after the reply code
//! (`550 5.1.1 <x>... User unknown`), access and mailertable values start with one
//! (`ERROR:5.7.1:550 Go away`, `error:5.1.2:550 no such host`), DSNs report one per
//! recipient. [`EnhancedCode`] is that value, parsed once: the SMTP engine, the maps
//! and the queue all hold it, never its text.
//!
//! # Syntax
//! What sendmail's `isenhsc()` accepts: the class `2`, `4` or `5`, a dot, one to three
//! digits, a dot, one to three digits (`5.7.1`, `4.4.120`). [`EnhancedCode::prefix`]
//! finds a code at the start of a text that must be followed by a delimiter (`5.7.1
//! text`, `5.7.1:550 text`) and says where it ends, as sendmail looks for one before
//! the text of a reply or map value.
//!
//! # The delivery status
//! [`DeliveryStatus`] (in `delivery`) is the whole status of a recipient: reply code,
//! enhanced code and text, shared by the maps' refusals, the rules' replies, the qf
//! `M` line and DSNs.
//!
//! # Errors
//! Parsing returns `None` for anything else; no input panics.

mod delivery;

pub use delivery::{strip_quotes, Class, DeliveryStatus, Diagnostic};

use std::fmt;

/// One enhanced status code: `class.subject.detail`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnhancedCode {
    class: u8,
    subject: u16,
    detail: u16,
}

impl EnhancedCode {
    /// The code `class.subject.detail`; `None` unless class is 2, 4 or 5 and subject
    /// and detail have at most three digits.
    pub fn new(class: u8, subject: u16, detail: u16) -> Option<EnhancedCode> {
        (matches!(class, 2 | 4 | 5) && subject <= 999 && detail <= 999).then_some(EnhancedCode {
            class,
            subject,
            detail,
        })
    }

    /// Parses a whole text as a code (`"5.1.1"`).
    pub fn parse(text: &str) -> Option<EnhancedCode> {
        match EnhancedCode::scan(text) {
            Some((code, len)) if len == text.len() => Some(code),
            _ => None,
        }
    }

    /// A code at the start of `text` followed by `delim` (`' '` before a reply's
    /// text, `':'` in an access value), and the length of the code in bytes.
    pub fn prefix(text: &str, delim: char) -> Option<(EnhancedCode, usize)> {
        let (code, len) = EnhancedCode::scan(text)?;
        text[len..].starts_with(delim).then_some((code, len))
    }

    /// A code at the start of `text` that does not run on into more digits or dots,
    /// and its length.
    fn scan(text: &str) -> Option<(EnhancedCode, usize)> {
        let b = text.as_bytes();
        let digits = |from: usize, max: usize| {
            let n = b[from.min(b.len())..].iter().take_while(|c| c.is_ascii_digit()).count();
            (1..=max).contains(&n).then_some(n)
        };
        let number = |from: usize, len: usize| text[from..from + len].parse::<u16>().ok();
        let class_len = digits(0, 1)?;
        if b.get(class_len) != Some(&b'.') {
            return None;
        }
        let s_from = class_len + 1;
        let s_len = digits(s_from, 3)?;
        if b.get(s_from + s_len) != Some(&b'.') {
            return None;
        }
        let d_from = s_from + s_len + 1;
        let d_len = digits(d_from, 3)?;
        let end = d_from + d_len;
        if matches!(b.get(end), Some(b'0'..=b'9' | b'.')) {
            return None;
        }
        let code = EnhancedCode::new(b[0] - b'0', number(s_from, s_len)?, number(d_from, d_len)?)?;
        Some((code, end))
    }

    /// The class digit: 2 success, 4 temporary failure, 5 permanent failure.
    pub fn class(self) -> u8 {
        self.class
    }

    /// The subject (`1` addressing, `2` mailbox, `3` mail system, ...).
    pub fn subject(self) -> u16 {
        self.subject
    }

    /// The detail within the subject.
    pub fn detail(self) -> u16 {
        self.detail
    }

    /// True for class 4: try again later.
    pub fn is_temporary(self) -> bool {
        self.class == 4
    }

    /// True for class 5: do not try again.
    pub fn is_permanent(self) -> bool {
        self.class == 5
    }
}

impl fmt::Display for EnhancedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.class, self.subject, self.detail)
    }
}

impl std::str::FromStr for EnhancedCode {
    type Err = InvalidCode;

    fn from_str(text: &str) -> Result<EnhancedCode, InvalidCode> {
        EnhancedCode::parse(text).ok_or_else(|| InvalidCode(text.to_string()))
    }
}

/// A text that is not an enhanced status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an enhanced status code: {0:?}")]
pub struct InvalidCode(pub String);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for text in ["2.0.0", "5.1.1", "4.3.1", "5.7.1", "4.4.120", "5.999.999"] {
            assert_eq!(EnhancedCode::parse(text).unwrap().to_string(), text);
        }
        let code: EnhancedCode = "5.1.3".parse().unwrap();
        assert_eq!((code.class(), code.subject(), code.detail()), (5, 1, 3));
        assert!(code.is_permanent() && !code.is_temporary());
        assert!(EnhancedCode::parse("4.4.5").unwrap().is_temporary());
    }

    #[test]
    fn what_is_not_a_code() {
        for text in
            ["", "5", "5.1", "5.1.", "55.1.1", "5.1111.1", "5.1.1111", "a.1.1", "5.1.1.1", "3.1.1"]
        {
            assert_eq!(EnhancedCode::parse(text), None, "{text:?}");
        }
        assert!("5 1 1".parse::<EnhancedCode>().is_err());
        assert_eq!(EnhancedCode::new(9, 0, 0), None);
        assert_eq!(EnhancedCode::new(5, 1000, 0), None);
    }

    #[test]
    fn a_code_at_the_start_of_a_text() {
        let (code, len) = EnhancedCode::prefix("5.7.1:550 Go away", ':').unwrap();
        assert_eq!((code.to_string(), len), ("5.7.1".to_string(), 5));
        assert_eq!(EnhancedCode::prefix("4.2.2 mailbox full", ' ').unwrap().1, 5);
        assert_eq!(EnhancedCode::prefix("4.2.2 mailbox full", ':'), None);
        assert_eq!(EnhancedCode::prefix("4.2.2", ' '), None);
        assert_eq!(EnhancedCode::prefix("550 5.7.1 x", ' '), None);
        assert_eq!(EnhancedCode::prefix("5.7.12.3 x", ' '), None);
    }
}
