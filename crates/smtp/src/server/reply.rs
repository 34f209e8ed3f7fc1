//! # Name
//! reply - SMTP replies and what a session asks its driver to do
//!
//! # Description
//! A [`Reply`] is one SMTP reply: a three-digit code, an optional RFC 3463 enhanced
//! status code ([`EnhancedCode`], spool's one type for them; sendmail repeats it on
//! every line) and one or more text lines. [`Reply::to_bytes`] renders it as
//! `250-first\r\n250 last\r\n`.
//!
//! An [`Action`] is one step a driver performs, in order: write bytes, sleep (the
//! sendmail slow-downs are output, never sleeps inside the state machine), start
//! TLS, answer a question, store message text, log an event, or close the
//! connection.
//!
//! # Invariants
//! No reply line contains CR, LF or NUL: text taken from the client is passed through
//! [`printable`] before it is echoed.

use super::{Event, MessagePart, Question};
use spool::status::EnhancedCode;
use std::time::Duration;

/// One SMTP reply, possibly multi-line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    status: Option<EnhancedCode>,
    lines: Vec<String>,
}

impl Reply {
    /// A one-line reply with an enhanced status code: `code status text`. A `status`
    /// that is not an enhanced status code (an admin's map may hold anything) is sent
    /// as given, as the start of the text.
    pub fn new(code: u16, status: &str, text: impl Into<String>) -> Reply {
        match EnhancedCode::parse(status) {
            Some(status) => Reply::with_code(code, status, text),
            None => Reply::bare(code, format!("{status} {}", text.into())),
        }
    }

    /// A one-line reply with the enhanced status code `status`.
    pub fn with_code(code: u16, status: EnhancedCode, text: impl Into<String>) -> Reply {
        Reply { code, status: Some(status), lines: vec![printable(&text.into())] }
    }

    /// A one-line reply without an enhanced status code (greeting, HELO).
    pub fn bare(code: u16, text: impl Into<String>) -> Reply {
        Reply { code, status: None, lines: vec![printable(&text.into())] }
    }

    /// `code status <address>... text`, sendmail's form for replies about an address.
    pub fn about(code: u16, status: &str, address: &str, text: &str) -> Reply {
        Reply::new(code, status, format!("{address}... {text}"))
    }

    /// A multi-line reply; every line carries `status` when given (as [`Reply::new`]
    /// does, text that is no enhanced status code starts each line).
    pub fn lines(code: u16, status: Option<&str>, lines: Vec<String>) -> Reply {
        let code_of = status.map(|s| EnhancedCode::parse(s).ok_or(s));
        let mut lines: Vec<String> = lines
            .iter()
            .map(|l| match code_of {
                Some(Err(text)) => printable(&format!("{text} {l}")),
                _ => printable(l),
            })
            .collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        Reply { code, status: code_of.and_then(Result::ok), lines }
    }

    /// This reply with one more line at the end.
    pub fn with_line(mut self, text: impl Into<String>) -> Reply {
        self.lines.push(printable(&text.into()));
        self
    }

    /// The three-digit reply code.
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The enhanced status code, if any.
    pub fn status(&self) -> Option<EnhancedCode> {
        self.status
    }

    /// The text lines, without code or status.
    pub fn text_lines(&self) -> &[String] {
        &self.lines
    }

    /// True for 4xx and 5xx replies.
    pub fn is_error(&self) -> bool {
        self.code >= 400
    }

    /// The reply as sent on the wire, every line ending in CRLF.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let last = self.lines.len() - 1;
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            let text = match &self.status {
                Some(status) => format!("{}{sep}{status} {line}\r\n", self.code),
                None => format!("{}{sep}{line}\r\n", self.code),
            };
            out.extend_from_slice(text.as_bytes());
        }
        out
    }
}

impl From<&spool::status::DeliveryStatus> for Reply {
    /// The one-line reply of a delivery status (`550 5.1.1 User unknown`).
    fn from(status: &spool::status::DeliveryStatus) -> Reply {
        match status.enhanced {
            Some(e) => Reply::with_code(status.code, e, status.text.clone()),
            None => Reply::bare(status.code, status.text.clone()),
        }
    }
}

impl Reply {
    /// This reply as a delivery status, when it is a 2xx, 4xx or 5xx reply (the
    /// status of its last line; lines are joined with a blank).
    pub fn delivery_status(&self) -> Option<spool::status::DeliveryStatus> {
        let text = self.lines.join(" ");
        let line = match &self.status {
            Some(status) => format!("{} {status} {text}", self.code),
            None => format!("{} {text}", self.code),
        };
        spool::status::DeliveryStatus::parse_reply(&line)
    }
}

/// One step for the driver, performed in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes to the client.
    Send(Vec<u8>),
    /// Flush what was written, then wait this long before going on (slow-downs).
    Sleep(Duration),
    /// Flush, then run the TLS handshake and call [`super::Session::tls_started`].
    StartTls,
    /// Flush, then wait up to this long for input before the greeting
    /// (`FEATURE(greet_pause)`), and call [`super::Session::paused`]: with when the
    /// client's first bytes came (then feed them), or `None` when it waited. End of
    /// input counts as input, as sendmail's `select` sees it.
    Pause(Duration),
    /// Work out the answer and give it to [`super::Session::answer`]; the session
    /// reads no input meanwhile. Always the last action of its batch.
    Ask(Box<Question>),
    /// Store this part of the message being received.
    Message(MessagePart),
    /// Log this event.
    Log(Event),
    /// Flush and close the connection; the session takes no more input.
    Close,
}

/// Client text made safe to echo in a reply line: control characters become `?`.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| if c.is_control() && c != '\t' { '?' } else { c }).collect()
}

/// Bytes from the client as text for a reply or a policy call (invalid UTF-8 replaced).
pub fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_statuses_and_replies_convert_both_ways() {
        let unknown = spool::status::DeliveryStatus::user_unknown();
        let reply = Reply::from(&unknown);
        assert_eq!(reply.to_bytes(), b"550 5.1.1 User unknown\r\n");
        assert_eq!(reply.delivery_status(), Some(unknown));
        let bare = Reply::bare(451, "try later").delivery_status().unwrap();
        assert_eq!((bare.line(), bare.enhanced), ("451 try later".to_string(), None));
        assert_eq!(Reply::from(&bare).to_bytes(), b"451 try later\r\n");
        assert_eq!(Reply::bare(354, "go ahead").delivery_status(), None);
    }

    #[test]
    fn one_line_with_status() {
        assert_eq!(Reply::new(250, "2.0.0", "OK").to_bytes(), b"250 2.0.0 OK\r\n");
    }

    #[test]
    fn multi_line_repeats_status() {
        let r = Reply::lines(214, Some("2.0.0"), vec!["a".into(), "b".into()]);
        assert_eq!(r.to_bytes(), b"214-2.0.0 a\r\n214 2.0.0 b\r\n");
    }

    #[test]
    fn the_status_is_a_code_and_anything_else_is_text() {
        let r = Reply::new(550, "5.7.1", "Access denied");
        assert_eq!(r.status(), EnhancedCode::new(5, 7, 1));
        let odd = Reply::new(550, "9.x", "from a map");
        assert_eq!((odd.status(), odd.to_bytes()), (None, b"550 9.x from a map\r\n".to_vec()));
        let lines = Reply::lines(250, Some("x"), vec!["a".into(), "b".into()]);
        assert_eq!(lines.to_bytes(), b"250-x a\r\n250 x b\r\n");
    }

    #[test]
    fn control_characters_are_not_echoed() {
        let r = Reply::new(500, "5.5.1", "x\r\ny\0");
        assert_eq!(r.to_bytes(), b"500 5.5.1 x??y?\r\n");
    }
}
