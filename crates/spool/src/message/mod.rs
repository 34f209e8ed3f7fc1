//! Messages: reading the header of a submitted message, and the headers an MTA adds.
//!
//! [`read_header`] reads RFC 5322 header fields from a stream up to the blank line (or
//! the first line that is not a header field, which then starts the body), joining
//! continuation lines, dropping CR before LF, and bounding the total size
//! (sendmail's `MaxHeadersLength`). The body is left in the stream for the caller to
//! copy to the df without holding it in memory.
//!
//! [`added`] formats the fields sendmail adds: `Received:`, `Date:` (its `arpadate`
//! form), `Message-Id:`, `From:` and `Full-Name:`.
//!
//! # Errors
//! [`MessageError`]: a header longer than the limit, or the input failing to read.

pub mod added;

use std::io::{self, BufRead};

/// One header field: its name as written and its value (after the colon, leading
/// blanks removed, continuation lines joined by `\n` with their leading blanks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field name, as written.
    pub name: String,
    /// The value as written, without the CRLF/LF of its last line.
    pub value: Vec<u8>,
}

impl Field {
    /// `Name: value`, as sendmail stores it in an `H` line.
    pub fn text(&self) -> Vec<u8> {
        let mut out = self.name.as_bytes().to_vec();
        out.extend_from_slice(b": ");
        out.extend_from_slice(&self.value);
        out
    }

    /// Whether the field is called `name` (case-insensitive).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The value with continuation lines unfolded, as text.
    pub fn unfolded(&self) -> String {
        String::from_utf8_lossy(&self.value).replace("\n", "")
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

impl Header {
    /// The first field called `name`.
    pub fn get(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.is(name))
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
        if text.contains(&0) {
            return Err(MessageError::Nul);
        }
        if dot_ends && text == b"." {
            return Ok((header, true));
        }
        // Counted as stored: CR LF becomes LF.
        let counted = text.len() + usize::from(line.last() == Some(&b'\n'));
        if text.is_empty() {
            header.size += counted;
            return Ok((header, false));
        }
        header.eight_bit |= text.iter().any(|&b| b >= 0x80);
        if matches!(text[0], b' ' | b'\t') && !header.fields.is_empty() {
            let last = header.fields.last_mut().expect("checked non-empty");
            last.value.push(b'\n');
            last.value.extend_from_slice(text);
            header.size += counted;
            continue;
        }
        match field_name(text) {
            Some((name, value)) => {
                header.fields.push(Field { name, value: value.to_vec() });
                header.size += counted;
            }
            None => {
                header.body_start = line.clone();
                return Ok((header, false));
            }
        }
    }
}

/// Splits `Name: value`; `None` if the line is not a header field.
fn field_name(line: &[u8]) -> Option<(String, &[u8])> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = &line[..colon];
    let name = name.strip_suffix(b" ").unwrap_or(name);
    if name.is_empty() || !name.iter().all(|&b| b.is_ascii_graphic() && b != b':') {
        return None;
    }
    let value = &line[colon + 1..];
    let start = value.iter().position(|&b| b != b' ' && b != b'\t').unwrap_or(value.len());
    Some((String::from_utf8_lossy(name).into_owned(), &value[start..]))
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
