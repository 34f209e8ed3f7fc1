//! # Name
//! syntax - which lines of a message are header fields, as sendmail 8.17 decides
//!
//! # Description
//! The one rule for this, used by [`super::read_header`] (standard input) and by the
//! SMTP engine's DATA phase (`smtp::server`): when the two decided differently,
//! header lines accepted over `-bs` were lost (issue 16 item 0).
//!
//! [`classify`] takes one line of the header section (without its line end) and says
//! what it is, with sendmail 8.17.1.9's rules (`isheader` and `chompheader`, checked
//! against the oracle through both `-bs` and standard input):
//!
//! - an empty line ends the header and belongs to neither part;
//! - after a field, a line starting with SP or HT continues it (even a line of blanks);
//! - a field is a name of bytes 0x21-0x7F other than `:`, then any blanks (SP, HT,
//!   VT, FF, CR), then `:`; the name is stored without those blanks (`X-Foo<TAB>: bar`
//!   is stored as `X-Foo: bar`) and the value is every byte after the colon, leading
//!   blanks included (`X-A:bar` stays `X-A:bar`);
//! - a name holding DEL (0x7F) is a syntax error: sendmail answers `553 5.3.0 header
//!   syntax error, line "..."` and does not queue the message;
//! - anything else ends the header and is the first line of the body: a line without
//!   such a name (`From bar`, `:x`, a name with a byte above 0x7F, a leading blank
//!   before any field), a line starting with `--` (a MIME boundary), and a field whose
//!   name is longer than [`MAX_NAME`] bytes.
//!
//! # Invariants
//! For a [`Line::Field`], `name` and `value` are sub-slices of the line, `name` holds
//! only bytes 0x21-0x7E other than `:` (so it is ASCII), and the line is
//! `name`, blanks, `:`, `value`.

/// The longest field name sendmail takes; a longer one ends the header (`chompheader`'s
/// "security scan: long field names are end-of-header").
pub const MAX_NAME: usize = 100;

/// What one line of the header section is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// An empty line: the header ends; the line is in neither the header nor the body.
    Blank,
    /// A line starting with SP or HT after a field: it continues that field.
    Continuation,
    /// A header field.
    Field(Field<'a>),
    /// A field whose name holds DEL: sendmail rejects the message (`553 5.3.0`).
    Malformed,
    /// Not a header line: the header ends and this line is the first of the body.
    Body,
}

/// A header field line split as sendmail stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The name, without the blanks that may precede the colon.
    pub name: &'a [u8],
    /// Everything after the colon, as written.
    pub value: &'a [u8],
}

impl Field<'_> {
    /// `name:value`, the text sendmail keeps for the field (its qf `H` line).
    pub fn text(&self) -> Vec<u8> {
        [self.name, b":", self.value].concat()
    }
}

/// What `line` (without CRLF/LF) is, `after_field` telling whether a field came before
/// it in this header.
pub fn classify(line: &[u8], after_field: bool) -> Line<'_> {
    match line.first() {
        None => return Line::Blank,
        Some(b' ' | b'\t') if after_field => return Line::Continuation,
        _ => {}
    }
    if line.starts_with(b"--") {
        return Line::Body;
    }
    let name_len = line.iter().take_while(|&&b| (0x21..=0x7f).contains(&b) && b != b':').count();
    let blanks = line[name_len..].iter().take_while(|&&b| is_blank(b)).count();
    let colon = name_len + blanks;
    if name_len == 0 || line.get(colon) != Some(&b':') {
        return Line::Body;
    }
    let name = &line[..name_len];
    if name.contains(&0x7f) {
        return Line::Malformed;
    }
    if name.len() > MAX_NAME {
        return Line::Body;
    }
    Line::Field(Field { name, value: &line[colon + 1..] })
}

/// sendmail's `SM_ISSPACE` within a line: SP, HT, VT, FF, CR.
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | 0x0b | 0x0c | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<'a>(name: &'a str, value: &'a str) -> Line<'a> {
        Line::Field(Field { name: name.as_bytes(), value: value.as_bytes() })
    }

    /// Each case as the oracle (sendmail 8.17.1.9) stored it, `-bs` and stdin alike.
    #[test]
    fn fields_as_sendmail_stores_them() {
        assert_eq!(classify(b"X-Foo\t: bar", true), field("X-Foo", " bar"));
        assert_eq!(classify(b"X-A \t : bar", true), field("X-A", " bar"));
        assert_eq!(classify(b"X-A\x0b: bar", true), field("X-A", " bar"));
        assert_eq!(classify(b"X-A\x0c: bar", true), field("X-A", " bar"));
        assert_eq!(classify(b"X-A\r: bar", true), field("X-A", " bar"));
        assert_eq!(classify(b"X-A:bar", false), field("X-A", "bar"));
        assert_eq!(classify(b"X-A:  bar  ", false), field("X-A", "  bar  "));
        assert_eq!(classify(b"X-A:", false), field("X-A", ""));
        assert_eq!(classify(b"-X: b", false), field("-X", " b"));
        assert_eq!(classify(b"X(a): b", false), field("X(a)", " b"));
        assert_eq!(classify(b".dot: x", false), field(".dot", " x"));
        assert_eq!(classify(b"X-A: a:b", false), field("X-A", " a:b"));
    }

    #[test]
    fn the_text_drops_only_the_blanks_before_the_colon() {
        let Line::Field(f) = classify(b"X-Foo\t: bar", false) else { panic!() };
        assert_eq!(f.text(), b"X-Foo: bar");
        let Line::Field(f) = classify(b"X-A:\tbar", false) else { panic!() };
        assert_eq!(f.text(), b"X-A:\tbar");
    }

    #[test]
    fn lines_that_start_the_body() {
        for line in [
            &b"From bar"[..],
            b":novalue",
            b"X-\xe9: bar",
            b"--X: bar",
            b"--",
            b"X A: b",
            b" cont",
            b"\tcont: x",
        ] {
            assert_eq!(classify(line, false), Line::Body, "{line:?}");
        }
    }

    #[test]
    fn continuations_only_after_a_field() {
        assert_eq!(classify(b" cont", true), Line::Continuation);
        assert_eq!(classify(b"\t", true), Line::Continuation);
        assert_eq!(classify(b" ", true), Line::Continuation);
        assert_eq!(classify(b" x: y", false), Line::Body);
    }

    #[test]
    fn an_empty_line_is_blank() {
        assert_eq!(classify(b"", true), Line::Blank);
        assert_eq!(classify(b"", false), Line::Blank);
    }

    #[test]
    fn del_in_a_name_is_a_syntax_error() {
        assert_eq!(classify(b"X-A\x7f: bar", true), Line::Malformed);
        assert_eq!(classify(b"\x7f: bar", true), Line::Malformed);
        assert_eq!(
            classify(&[b"X".repeat(150), b"\x7f: v".to_vec()].concat(), true),
            Line::Malformed
        );
        // In the value it is just a byte.
        assert_eq!(classify(b"X-A: b\x7fr\x01", true), field("X-A", " b\x7fr\x01"));
    }

    #[test]
    fn names_longer_than_100_bytes_start_the_body() {
        let line = |n: usize| [b"X".repeat(n), b": v".to_vec()].concat();
        assert!(matches!(classify(&line(100), true), Line::Field(f) if f.name.len() == 100));
        assert_eq!(classify(&line(101), true), Line::Body);
    }
}
