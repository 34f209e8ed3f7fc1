//! Messages: reading the header of a submitted message, and the headers an MTA adds.
//!
//! [`read_header`] reads RFC 5322 header fields from a stream up to the blank line (or
//! the first line that is not a header field, which then starts the body), joining
//! continuation lines, dropping CR before LF, and bounding the total size
//! (sendmail's `MaxHeadersLength`). The body is left in the stream for the caller to
//! copy to the df without holding it in memory. [`Header::add`] takes one line at a
//! time, for callers that already split the message into lines (the SMTP session).
//!
//! Which line is a field, what it is called and where the header ends is
//! [`syntax`]'s rule, the one the SMTP engine uses too: a field keeps every
//! byte after its colon, and its name drops only the blanks before the colon (sendmail
//! stores `X-Foo<TAB>: bar` as `X-Foo: bar` and `X-A:bar` as `X-A:bar`).
//!
//! [`added`] formats the fields sendmail adds: `Received:`, `Date:` (its `arpadate`
//! form), `Message-Id:`, `From:` and `Full-Name:`.
//!
//! # Errors
//! [`MessageError`]: a header longer than the limit, a NUL byte, a field name sendmail
//! refuses (DEL in it), or the input failing to read.

pub mod added;
pub mod syntax;

use std::io::{self, BufRead};
use syntax::{classify, Line};

/// One header field: its name and its value (every byte after the colon, continuation
/// lines joined by `\n` with their leading blanks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field name, as written but without blanks before the colon.
    pub name: String,
    /// The value as written, leading blanks included, without the CRLF/LF of its last
    /// line.
    pub value: Vec<u8>,
}

impl Field {
    /// `Name:value`, as sendmail stores it in an `H` line.
    pub fn text(&self) -> Vec<u8> {
        let mut out = self.name.as_bytes().to_vec();
        out.push(b':');
        out.extend_from_slice(&self.value);
        out
    }

    /// Whether the field is called `name` (case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The value with continuation lines unfolded and leading blanks removed, as text.
    pub fn unfolded(&self) -> String {
        let value = String::from_utf8_lossy(&self.value).replace("\n", "");
        value.trim_start_matches([' ', '\t']).to_string()
    }
}

/// The header of a message and where its body starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// Fields in order.
    pub fields: Vec<Field>,
    /// Bytes read past the header that belong to the body (a non-field line that
    /// ended the header; empty when a blank line ended it).
    pub body_start: Vec<u8>,
    /// Bytes of header text as stored (LF line ends), the blank line included: the
    /// part of the message size sendmail counts for the header.
    pub size: usize,
    /// Whether any header byte has the high bit set.
    pub eight_bit: bool,
}

/// What [`Header::add`] made of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The line is a field or continues one; it is in the header now.
    Kept,
    /// The line is blank: the header ended (the line is counted in its size).
    Ended,
    /// The line is not a header line: the header ended and the line starts the body.
    Body,
}

impl Header {
    /// The first field called `name`.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.is(name))
    }

    /// Adds one line of the header section, `text` without its line end, `newline`
    /// telling whether one followed (it counts in [`Header::size`]).
    ///
    /// # Errors
    /// [`MessageError::Nul`] for a NUL byte in the line, [`MessageError::Syntax`]
    /// for a field name sendmail refuses; the header is unchanged then.
    pub fn add(&mut self, text: &[u8], newline: bool) -> Result<Step, MessageError> {
        let counted = text.len() + usize::from(newline);
        if text.contains(&0) {
            return Err(MessageError::Nul);
        }
        match classify(text, !self.fields.is_empty()) {
            Line::Blank => {
                self.size += counted;
                return Ok(Step::Ended);
            }
            Line::Body => return Ok(Step::Body),
            Line::Malformed => return Err(MessageError::Syntax(text.to_vec())),
            Line::Continuation => {
                let last = self.fields.last_mut().expect("a continuation follows a field");
                last.value.push(b'\n');
                last.value.extend_from_slice(text);
            }
            Line::Field(f) => self.fields.push(Field {
                name: String::from_utf8_lossy(f.name).into_owned(),
                value: f.value.to_vec(),
            }),
        }
        self.size += counted;
        self.eight_bit |= text.iter().any(|&b| b >= 0x80);
        Ok(Step::Kept)
    }
}

/// Why a header could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// The header is longer than the limit (sendmail: `552 5.6.0 Headers too large`).
    #[error("Headers too large ({0} max)")]
    TooLarge(usize),
    /// A header line holds a NUL byte, which no queue file can store.
    #[error("NUL byte in message header")]
    Nul,
    /// A field name holds DEL (sendmail: `553 5.3.0 header syntax error, line "..."`).
    #[error("header syntax error, line \"{}\"", String::from_utf8_lossy(.0))]
    Syntax(Vec<u8>),
    /// Reading the input failed.
    #[error("reading the message: {0}")]
    Io(#[from] io::Error),
}

/// Reads the header from `input`, at most `max_size` bytes of it.
///
/// With `dot_ends` (sendmail without `-i`), a line holding only `.` ends the whole
/// message; the returned `ended` is then true and the body is empty.
pub fn read_header(
    input: &mut dyn BufRead,
    max_size: usize,
    dot_ends: bool,
) -> Result<(Header, bool), MessageError> {
    let mut header = Header::default();
    let mut line = Vec::new();
    let mut read = 0;
    loop {
        line.clear();
        let n =
            read_bounded_line(input, &mut line, max_size.saturating_sub(read).saturating_add(2))
                .map_err(|e| {
                    if matches!(e, MessageError::TooLarge(_)) {
                        MessageError::TooLarge(max_size)
                    } else {
                        e
                    }
                })?;
        if n == 0 {
            return Ok((header, true));
        }
        read += n;
        if read > max_size {
            return Err(MessageError::TooLarge(max_size));
        }
        let text = trim_eol(&line);
        if dot_ends && text == b"." {
            return Ok((header, true));
        }
        match header.add(text, line.last() == Some(&b'\n'))? {
            Step::Kept => {}
            Step::Ended => return Ok((header, false)),
            Step::Body => {
                header.body_start = line.clone();
                return Ok((header, false));
            }
        }
    }
}

/// Reads one line (through LF) of at most `limit` bytes; a longer line is an error.
fn read_bounded_line(
    input: &mut dyn BufRead,
    line: &mut Vec<u8>,
    limit: usize,
) -> Result<usize, MessageError> {
    let n = io::Read::take(&mut *input, limit as u64).read_until(b'\n', line)?;
    if n == limit && line.last() != Some(&b'\n') {
        return Err(MessageError::TooLarge(limit));
    }
    Ok(n)
}

/// The line without its LF or CRLF.
pub fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests;
