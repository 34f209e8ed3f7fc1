//! # Name
//! message - the message as the filters see and change it, and their changes
//!
//! # Description
//! [`Message`] is what end of message hands each filter in turn: the envelope sender
//! and recipients, the header fields in order, and the body (LF line ends, as the
//! df holds it; the codec's caller turns them into CRLF on the wire). [`Message::apply`]
//! carries out one end-of-body modification as sendmail's `milter.c` does, and returns
//! the line sendmail logs for it (`Milter (f1) add: header: X-Spam: yes`), so the
//! next filter sees the message as this one left it.
//!
//! Header rules (sendmail's): `h` appends; `i` inserts before the `index`th field
//! (0: first); `m` changes the `index`th field of that name (from 1, case
//! insensitive), deletes it when the value is empty, and appends a new field when
//! there is no such occurrence. Values from a filter get sendmail's leading space
//! unless the filter asked for `SMFIP_HDR_LEADSPC`. `-` deletes every recipient
//! whose address matches (angle brackets and case of the domain aside); `b` chunks
//! replace the body, the first one starting it afresh.
//!
//! # Errors
//! None: a modification the filter was not granted is refused by the chain before
//! it gets here, and one that matches nothing changes nothing (and says so in its
//! log line).

use crate::codec::Response;

/// A header field: name and raw value (what follows the colon, leading blank
/// included; folded lines joined with `\n`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Raw value.
    pub value: Vec<u8>,
}

impl Field {
    /// A field from its text, `Name: value` (continuation lines joined with `\n`);
    /// `None` without a colon.
    pub fn parse(text: &[u8]) -> Option<Field> {
        let colon = text.iter().position(|&b| b == b':')?;
        let name = String::from_utf8_lossy(&text[..colon]).trim_end().to_string();
        Some(Field { name, value: text[colon + 1..].to_vec() })
    }

    /// The field's text, `Name:value`.
    pub fn text(&self) -> Vec<u8> {
        [self.name.as_bytes(), b":", &self.value].concat()
    }
}

/// An envelope recipient with its ESMTP arguments (empty when none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rcpt {
    /// The address, as the filter or the client wrote it (`<a@b>` or `a@b`).
    pub address: String,
    /// ESMTP arguments (`NOTIFY=NEVER`), from `2`.
    pub args: String,
}

/// What the filters see at end of message, and what they leave.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// Envelope sender (`<a@b>`).
    pub sender: String,
    /// Its ESMTP arguments after `e` with arguments.
    pub sender_args: String,
    /// Envelope recipients.
    pub recipients: Vec<Rcpt>,
    /// Header fields in order.
    pub headers: Vec<Field>,
    /// Body with LF line ends.
    pub body: Vec<u8>,
    /// The quarantine reason, once a filter gave one.
    pub quarantine: Option<String>,
    /// True once a filter changed the sender.
    pub sender_changed: bool,
    /// True once a filter replaced the body.
    pub body_replaced: bool,
}

impl Rcpt {
    /// The address without angle brackets.
    pub fn bare(&self) -> &str {
        self.address.trim().trim_start_matches('<').trim_end_matches('>')
    }

    /// `NOTIFY=` among the arguments as (success, failure, delay), if given
    /// (`NEVER`: all false).
    pub fn notify(&self) -> Option<(bool, bool, bool)> {
        let value = self.args.split_whitespace().find_map(|a| {
            let (k, v) = a.split_once('=')?;
            k.eq_ignore_ascii_case("NOTIFY").then(|| v.to_ascii_uppercase())
        })?;
        let has = |w: &str| value.split(',').any(|x| x == w);
        Some((has("SUCCESS"), has("FAILURE"), has("DELAY")))
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `<a@b>` and `a@b` compare alike, the domain case-insensitively.
fn same_address(a: &str, b: &str) -> bool {
    let strip = |s: &str| s.trim().trim_start_matches('<').trim_end_matches('>').to_string();
    let (a, b) = (strip(a), strip(b));
    match (a.rsplit_once('@'), b.rsplit_once('@')) {
        (Some((la, da)), Some((lb, db))) => la == lb && da.eq_ignore_ascii_case(db),
        _ => a == b,
    }
}

/// CRLF line ends (the wire's) back to LF (the df's).
pub fn to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// LF line ends (the df's) to CRLF (the wire's); a CR already before an LF stays one.
pub fn to_crlf(bytes: &[u8], last_was_cr: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut prev_cr = last_was_cr;
    for &b in bytes {
        if b == b'\n' && !prev_cr {
            out.push(b'\r');
        }
        out.push(b);
        prev_cr = b == b'\r';
    }
    out
}

impl Message {
    /// Carries out one modification from filter `name`; `leadspc` when the filter
    /// negotiated `SMFIP_HDR_LEADSPC`. Returns sendmail's log line for it, `None` for
    /// responses that are not modifications.
    pub fn apply(&mut self, name: &str, change: Response, leadspc: bool) -> Option<String> {
        let value = |v: Vec<u8>| -> Vec<u8> {
            if leadspc || v.is_empty() {
                v
            } else {
                [b" ".as_slice(), &v].concat()
            }
        };
        let line = match change {
            Response::AddHeader { name: field, value: v } => {
                let field = text(&field);
                let line = format!("Milter ({name}) add: header: {field}: {}", text(&v));
                self.headers.push(Field { name: field, value: value(v) });
                line
            }
            Response::InsertHeader { index, name: field, value: v } => {
                let field = text(&field);
                let line =
                    format!("Milter ({name}) insert ({index}): header: {field}: {}", text(&v));
                let at = (index as usize).min(self.headers.len());
                self.headers.insert(at, Field { name: field, value: value(v) });
                line
            }
            Response::ChangeHeader { index, name: field, value: v } => {
                self.change_header(name, index, &text(&field), value(v))
            }
            Response::AddRcpt(rcpt) => self.add_rcpt(name, text(&rcpt), String::new()),
            Response::AddRcptPar { rcpt, args } => self.add_rcpt(name, text(&rcpt), text(&args)),
            Response::DelRcpt(rcpt) => {
                let rcpt = text(&rcpt);
                let before = self.recipients.len();
                self.recipients.retain(|r| !same_address(&r.address, &rcpt));
                let gone = before - self.recipients.len();
                format!("Milter ({name}) delete: rcpt {rcpt}, naddrs={gone}")
            }
            Response::ChangeFrom { from, args } => {
                self.sender = text(&from);
                self.sender_args = text(&args);
                self.sender_changed = true;
                format!("Milter ({name}) chgfrom: {}", self.sender)
            }
            Response::ReplaceBody(chunk) => {
                if !self.body_replaced {
                    self.body.clear();
                    self.body_replaced = true;
                }
                self.body.extend_from_slice(&to_lf(&chunk));
                format!("Milter ({name}) message: body replaced")
            }
            Response::Quarantine(reason) => {
                let reason = text(&reason);
                self.quarantine = Some(reason.clone());
                format!("Milter ({name}): quarantine: {reason}")
            }
            _ => return None,
        };
        Some(line)
    }

    fn change_header(&mut self, filter: &str, index: u32, field: &str, value: Vec<u8>) -> String {
        let at = self
            .headers
            .iter()
            .enumerate()
            .filter(|(_, h)| h.name.eq_ignore_ascii_case(field))
            .nth((index as usize).saturating_sub(1))
            .map(|(i, _)| i);
        let shown = text(&value);
        match (at, value.is_empty()) {
            (Some(i), true) => {
                let old = self.headers.remove(i);
                format!("Milter ({filter}) delete: header {field}:{}", text(&old.value))
            }
            (Some(i), false) => {
                let old = std::mem::replace(&mut self.headers[i].value, value);
                format!("Milter ({filter}) change: header {field}: from{} to{shown}", text(&old))
            }
            (None, true) => format!("Milter ({filter}) delete (noop): header: {field}"),
            (None, false) => {
                self.headers.push(Field { name: field.to_string(), value });
                format!("Milter ({filter}) change (add): header: {field}:{shown}")
            }
        }
    }

    fn add_rcpt(&mut self, filter: &str, address: String, args: String) -> String {
        let line = format!("Milter ({filter}) add: rcpt: {address}");
        self.recipients.push(Rcpt { address, args });
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    fn message() -> Message {
        let field = |n: &str, v: &str| Field { name: n.into(), value: b(v) };
        Message {
            sender: "<a@b.example>".into(),
            recipients: vec![
                Rcpt { address: "<x@Y.example>".into(), args: String::new() },
                Rcpt { address: "<z@y.example>".into(), args: String::new() },
            ],
            headers: vec![field("Subject", " one"), field("X-Tag", " 1"), field("x-tag", " 2")],
            body: b("line\n"),
            ..Message::default()
        }
    }

    #[test]
    fn headers_are_added_inserted_changed_and_deleted_as_sendmail_does() {
        let mut m = message();
        let log = m.apply("f", Response::AddHeader { name: b("X-New"), value: b("v") }, false);
        assert_eq!(log.as_deref(), Some("Milter (f) add: header: X-New: v"));
        m.apply("f", Response::InsertHeader { index: 0, name: b("X-Top"), value: b("t") }, true);
        let log = m.apply(
            "f",
            Response::ChangeHeader { index: 2, name: b("X-TAG"), value: b("two") },
            false,
        );
        assert_eq!(log.as_deref(), Some("Milter (f) change: header X-TAG: from 2 to two"));
        let log = m.apply(
            "f",
            Response::ChangeHeader { index: 1, name: b("subject"), value: vec![] },
            false,
        );
        assert_eq!(log.as_deref(), Some("Milter (f) delete: header subject: one"));
        m.apply(
            "f",
            Response::ChangeHeader { index: 1, name: b("X-Absent"), value: b("a") },
            false,
        );
        let shown: Vec<String> =
            m.headers.iter().map(|h| format!("{}:{}", h.name, text(&h.value))).collect();
        assert_eq!(shown, ["X-Top:t", "X-Tag: 1", "x-tag: two", "X-New: v", "X-Absent: a"]);
    }

    #[test]
    fn envelope_body_and_quarantine_changes() {
        let mut m = message();
        m.apply("f", Response::DelRcpt(b("x@y.example")), false);
        m.apply(
            "f",
            Response::AddRcptPar { rcpt: b("<n@e.example>"), args: b("NOTIFY=NEVER") },
            false,
        );
        m.apply("f", Response::ChangeFrom { from: b("<s@e.example>"), args: vec![] }, false);
        m.apply("f", Response::ReplaceBody(b("new\r\n")), false);
        m.apply("f", Response::ReplaceBody(b("body\r\n")), false);
        m.apply("f", Response::Quarantine(b("held")), false);
        let rcpts: Vec<_> =
            m.recipients.iter().map(|r| (r.address.as_str(), r.args.as_str())).collect();
        assert_eq!(rcpts, [("<z@y.example>", ""), ("<n@e.example>", "NOTIFY=NEVER")]);
        assert_eq!((m.sender.as_str(), m.sender_changed), ("<s@e.example>", true));
        assert_eq!((m.body.as_slice(), m.body_replaced), (b"new\nbody\n".as_slice(), true));
        assert_eq!(m.quarantine.as_deref(), Some("held"));
        assert_eq!(m.apply("f", Response::Continue, false), None);
    }

    #[test]
    fn fields_and_recipient_arguments() {
        let f = Field::parse(b"To: a,\n\tb").unwrap();
        assert_eq!((f.name.as_str(), f.text()), ("To", b"To: a,\n\tb".to_vec()));
        assert_eq!(Field::parse(b"no colon"), None);
        let r =
            Rcpt { address: "<a@b>".into(), args: "ORCPT=rfc822;a@b notify=success,delay".into() };
        assert_eq!((r.bare(), r.notify()), ("a@b", Some((true, false, true))));
        assert_eq!(Rcpt { address: "a@b".into(), args: String::new() }.notify(), None);
    }

    #[test]
    fn line_ends_convert_both_ways() {
        assert_eq!(to_crlf(b"a\nb\r\nc\n", false), b"a\r\nb\r\nc\r\n");
        assert_eq!(to_crlf(b"\nx", true), b"\nx");
        assert_eq!(to_lf(b"a\r\nb\rc\r\n"), b"a\nb\rc\n");
    }
}
