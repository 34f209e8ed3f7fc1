//! Reading map source text from stdin, line by line, as sendmail's makemap does.
//!
//! Lines are read into a 1024-byte buffer: a line of 1024 bytes or more (newline
//! included) is an error (`line too long (1024 bytes max)`), and its remainder is read
//! as the next line. Empty lines and lines starting with the comment character are
//! skipped; a line starting with white space is a syntax error unless a delimiter was
//! given. The key runs to the first delimiter (any white space by default) and is
//! folded to lower case unless `-f`; the value is the rest after the delimiters,
//! trailing blanks included. Keys and values end at a NUL byte, as C strings do.
//!
//! # Errors
//! Each bad line yields a [`Line::Error`] with makemap's message; reading goes on.

use std::io::{self, BufRead};

/// fgets buffer size of sendmail's makemap.
const LINE_BUFFER: usize = 1024;

/// How lines are split.
#[derive(Debug, Clone, Copy)]
pub struct Syntax {
    /// Lines starting with this byte are comments.
    pub comment: u8,
    /// The key/value delimiter; `None` for any white space.
    pub delimiter: Option<u8>,
    /// Allow a key without a value.
    pub allow_empty: bool,
}

/// One line of input, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// Nothing to store (blank or comment).
    Skip,
    /// A key and its value (key not yet folded).
    Entry(Vec<u8>, Vec<u8>),
    /// A line makemap rejects, with the message after `line N: `.
    Error(String),
}

/// Reads the next fgets-sized chunk; `None` at end of input or on a read error that
/// makemap treats as end of input (stdin a directory).
pub fn next_chunk(input: &mut impl BufRead) -> io::Result<Option<(Vec<u8>, bool)>> {
    let mut buf = Vec::new();
    loop {
        let avail = match input.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.raw_os_error() == Some(libc::EISDIR) => return Ok(None),
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(if buf.is_empty() { None } else { Some((buf, true)) });
        }
        let room = LINE_BUFFER - 1 - buf.len();
        let take = avail.iter().take(room).position(|&b| b == b'\n');
        if let Some(nl) = take {
            buf.extend_from_slice(&avail[..nl]);
            input.consume(nl + 1);
            return Ok(Some((buf, true)));
        }
        let n = avail.len().min(room);
        buf.extend_from_slice(&avail[..n]);
        input.consume(n);
        if buf.len() == LINE_BUFFER - 1 {
            // As with fgets and feof: a full buffer is "too long" even at end of input.
            return Ok(Some((buf, false)));
        }
    }
}

/// Parses one chunk; `complete` is false when it did not end with a newline and
/// input continues (the line was too long).
pub fn parse(chunk: &[u8], complete: bool, syntax: &Syntax) -> Line {
    if !complete {
        return Line::Error(format!("line too long ({LINE_BUFFER} bytes max)"));
    }
    let line = match chunk.iter().position(|&b| b == 0) {
        Some(nul) => &chunk[..nul],
        None => chunk,
    };
    if line.is_empty() || line[0] == syntax.comment {
        return Line::Skip;
    }
    let is_delim = |b: u8| match syntax.delimiter {
        Some(d) => b == d,
        None => is_space(b),
    };
    if syntax.delimiter.is_none() && is_space(line[0]) {
        return Line::Error("syntax error (leading space)".into());
    }
    let key_end = line.iter().position(|&b| is_delim(b)).unwrap_or(line.len());
    let key = line[..key_end].to_vec();
    let rest = &line[key_end..];
    let start = rest.iter().position(|&b| !is_delim(b)).unwrap_or(rest.len());
    let value = rest[start..].to_vec();
    if value.is_empty() && !syntax.allow_empty {
        return Line::Error(format!("no RHS for LHS {}", String::from_utf8_lossy(&key)));
    }
    Line::Entry(key, value)
}

/// C's `isspace` in the C locale.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: Syntax = Syntax { comment: b'#', delimiter: None, allow_empty: false };

    #[test]
    fn keys_values_comments_and_errors() {
        assert_eq!(parse(b"# x", true, &WS), Line::Skip);
        assert_eq!(parse(b"", true, &WS), Line::Skip);
        assert_eq!(
            parse(b"key3\t\t  v3 x  ", true, &WS),
            Line::Entry(b"key3".to_vec(), b"v3 x  ".to_vec())
        );
        assert_eq!(parse(b"  # c", true, &WS), Line::Error("syntax error (leading space)".into()));
        assert_eq!(parse(b"keyblank   ", true, &WS), Line::Error("no RHS for LHS keyblank".into()));
        let colon = Syntax { delimiter: Some(b':'), ..WS };
        assert_eq!(parse(b"a b:c", true, &colon), Line::Entry(b"a b".to_vec(), b"c".to_vec()));
    }

    #[test]
    fn long_lines_are_split_like_fgets() {
        let mut text = vec![b'x'; 1500];
        text.push(b'\n');
        let mut input = io::Cursor::new(text);
        let (first, complete) = next_chunk(&mut input).unwrap().unwrap();
        assert_eq!((first.len(), complete), (1023, false));
        let (second, complete) = next_chunk(&mut input).unwrap().unwrap();
        assert_eq!((second.len(), complete), (477, true));
        assert!(next_chunk(&mut input).unwrap().is_none());
    }
}
