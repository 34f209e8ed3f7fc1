//! # Name
//! reply - the server's replies, read as untrusted input
//!
//! # Description
//! [`ReplyReader`] takes the bytes a server sends, in pieces of any size, and gives
//! them back as [`Input`]: every line as received (for the `-v` transcript) and, at the
//! end of each reply, the [`Reply`]. It reads lines as sendmail 8.17's `reply()`
//! does:
//!
//! * a line ends at LF; one CR before it is removed (bare LF is accepted);
//! * a line is at most [`MAX_LINE`] bytes (sendmail's `fgets` into `MAXLINE`): the
//!   rest of a longer line is read as the next line, which is almost never a reply
//!   line;
//! * a line that does not start with three digits followed by SP, `-` or its end is
//!   not a reply line: it is shown, then ignored (`ISSMTPREPLY`);
//! * codes below 100 are informational and ignored;
//! * a reply ends at the first reply line whose fourth character is not `-`; its code
//!   is that last line's (sendmail does not check that continuation lines repeat the
//!   code), and [`Reply::first_line`] is its first line as received.
//!
//! The enhanced status code of [`Reply::enhanced`] follows `extenhsc()`: a class digit
//! `2`, `4` or `5`, a dot, one to three digits, a dot, one to three digits, and a space.
//!
//! # Invariants
//! Reply text never contains CR, LF or NUL: a NUL ends the line (C string semantics,
//! as sendmail sees it) and other control characters but TAB become `?`, so the text
//! can go into qf `M` lines, logs and transcripts as it is. At most [`MAX_LINES`]
//! lines of one reply are kept; more are read and dropped. Nothing here panics on any
//! input (`tests/client_fuzz.rs`).

/// The longest line read at once, in bytes (sendmail's `MAXLINE` - 1).
pub const MAX_LINE: usize = 2047;

/// The most lines of one reply that are kept.
pub const MAX_LINES: usize = 100;

/// One complete reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    code: u16,
    first: String,
    lines: Vec<String>,
}

impl Reply {
    /// A reply as if received: `first` is its first line (`250-mx.example`), `code`
    /// the code of its last line, `lines` the text after code and separator of each
    /// line.
    pub fn new(code: u16, first: impl Into<String>, lines: Vec<String>) -> Reply {
        Reply { code, first: first.into(), lines }
    }

    /// A one-line reply `code text`, for tests and synthesized replies.
    pub fn line(code: u16, text: &str) -> Reply {
        Reply::new(code, format!("{code} {text}"), vec![text.to_string()])
    }

    /// The reply code (of the last line).
    pub fn code(&self) -> u16 {
        self.code
    }

    /// The first digit of the code: 2, 3, 4 or 5 (anything 1-9 from a broken server).
    pub fn class(&self) -> u16 {
        self.code / 100
    }

    /// The first line as received, code included (sendmail's `SmtpReplyBuffer`).
    pub fn first_line(&self) -> &str {
        &self.first
    }

    /// The text of every kept line, after the code and its separator.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// The enhanced status code at the start of the first line's text, if it has one.
    pub fn enhanced(&self) -> Option<&str> {
        let text = self.first.get(4..)?;
        enhanced_code(text).map(|len| &text[..len])
    }

    /// The first line's text after the code and, when `skip_enhanced` and it has one,
    /// after the enhanced status code and its space: sendmail's `e_statmsg`, what
    /// `Sent (...)` shows.
    pub fn text(&self, skip_enhanced: bool) -> &str {
        let text = self.first.get(4..).unwrap_or("");
        match enhanced_code(text) {
            Some(len) if skip_enhanced => &text[len + 1..],
            _ => text,
        }
    }
}

/// The length of the enhanced status code at the start of `text` (`5.1.1`), when
/// one is there and a space follows it (sendmail's `isenhsc(s, ' ')`, which
/// `spool::status` implements).
pub fn enhanced_code(text: &str) -> Option<usize> {
    spool::status::EnhancedCode::prefix(text, ' ').map(|(_, len)| len)
}

/// What the reader found in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A line as received (line end removed, sanitized), reply line or not.
    Line(String),
    /// The end of a reply.
    Reply(Reply),
}

/// The reply being read.
#[derive(Debug, Default)]
struct Partial {
    first: Option<String>,
    lines: Vec<String>,
}

/// Turns received bytes into lines and replies.
#[derive(Debug, Default)]
pub struct ReplyReader {
    buf: Vec<u8>,
    partial: Partial,
    pending: Option<Reply>,
}

impl ReplyReader {
    /// An empty reader.
    pub fn new() -> ReplyReader {
        ReplyReader::default()
    }

    /// More bytes from the server.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// The next line or reply, if the input holds one.
    pub fn next_input(&mut self) -> Option<Input> {
        if let Some(reply) = self.pending.take() {
            return Some(Input::Reply(reply));
        }
        let raw = self.next_raw_line()?;
        let line = sanitize(&raw);
        if let Some((code, sep)) = reply_line(&line) {
            if code >= 100 {
                self.add(code, sep, &line);
            }
        }
        Some(Input::Line(line))
    }

    /// True when bytes of an unfinished line or reply are held.
    pub fn is_mid_reply(&self) -> bool {
        !self.buf.is_empty() || self.partial.first.is_some() || self.pending.is_some()
    }

    /// Forget everything held (after STARTTLS: plaintext read before the handshake
    /// must not count as encrypted input).
    pub fn clear(&mut self) {
        *self = ReplyReader::default();
    }

    fn next_raw_line(&mut self) -> Option<Vec<u8>> {
        let window = &self.buf[..self.buf.len().min(MAX_LINE)];
        let (take, strip) = match window.iter().position(|&b| b == b'\n') {
            Some(lf) => (lf + 1, true),
            None if self.buf.len() >= MAX_LINE => (MAX_LINE, false),
            None => return None,
        };
        let mut line: Vec<u8> = self.buf.drain(..take).collect();
        if strip {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        Some(line)
    }

    fn add(&mut self, code: u16, sep: u8, line: &str) {
        let text = line.get(4..).unwrap_or("").to_string();
        if self.partial.first.is_none() {
            self.partial.first = Some(line.to_string());
        }
        if self.partial.lines.len() < MAX_LINES {
            self.partial.lines.push(text);
        }
        if sep != b'-' {
            let partial = std::mem::take(&mut self.partial);
            let first = partial.first.unwrap_or_default();
            self.pending = Some(Reply { code, first, lines: partial.lines });
        }
    }
}

/// `(code, separator)` of a reply line (`ISSMTPREPLY`); the separator of a bare
/// `250` is NUL.
fn reply_line(line: &str) -> Option<(u16, u8)> {
    let b = line.as_bytes();
    if b.len() < 3 || !b[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sep = b.get(3).copied().unwrap_or(0);
    if !matches!(sep, b' ' | b'-' | 0) {
        return None;
    }
    let code = b[..3].iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    Some((code, sep))
}

/// Bytes of one line as text: cut at NUL, control characters but TAB as `?`,
/// invalid UTF-8 replaced.
fn sanitize(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..end])
        .chars()
        .map(|c| if c.is_control() && c != '\t' { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8]) -> Vec<Input> {
        let mut r = ReplyReader::new();
        r.push(input);
        std::iter::from_fn(|| r.next_input()).collect()
    }

    fn replies(input: &[u8]) -> Vec<Reply> {
        read(input)
            .into_iter()
            .filter_map(|i| match i {
                Input::Reply(r) => Some(r),
                Input::Line(_) => None,
            })
            .collect()
    }

    #[test]
    fn a_multi_line_reply_ends_at_the_line_without_a_dash() {
        let r = replies(b"250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].code(), 250);
        assert_eq!(r[0].first_line(), "250-mx.example");
        assert_eq!(r[0].lines(), ["mx.example", "PIPELINING", "SIZE 1000"]);
    }

    #[test]
    fn every_line_is_shown_and_garbage_is_skipped() {
        let got = read(b"hello there\n250x no\n220 ok\n");
        assert_eq!(
            got,
            [
                Input::Line("hello there".into()),
                Input::Line("250x no".into()),
                Input::Line("220 ok".into()),
                Input::Reply(Reply::line(220, "ok")),
            ]
        );
    }

    #[test]
    fn the_code_is_the_last_lines_as_sendmail_reads_it() {
        let r = replies(b"250-first\r\n550 last\r\n");
        assert_eq!((r[0].code(), r[0].first_line()), (550, "250-first"));
    }

    #[test]
    fn informational_codes_and_a_bare_code() {
        let r = replies(b"050 note\r\n250\r\n");
        assert_eq!(
            (r[0].code(), r[0].first_line(), r[0].lines()),
            (250, "250", &[String::new()][..])
        );
    }

    #[test]
    fn a_line_split_across_pushes_waits_for_its_end() {
        let mut r = ReplyReader::new();
        r.push(b"250 2.0.0 O");
        assert_eq!(r.next_input(), None);
        assert!(r.is_mid_reply());
        r.push(b"k\r\n");
        assert_eq!(r.next_input(), Some(Input::Line("250 2.0.0 Ok".into())));
        assert_eq!(r.next_input(), Some(Input::Reply(Reply::line(250, "2.0.0 Ok"))));
        assert!(!r.is_mid_reply());
    }

    #[test]
    fn an_overlong_line_is_cut_like_fgets() {
        let mut input = b"250 ".to_vec();
        input.extend(std::iter::repeat_n(b'x', 3000));
        input.extend_from_slice(b"\r\n");
        let got = read(&input);
        let Input::Line(first) = &got[0] else { panic!() };
        assert_eq!(first.len(), MAX_LINE);
        assert!(matches!(&got[1], Input::Reply(r) if r.first_line().len() == MAX_LINE));
        assert_eq!(got[2], Input::Line("x".repeat(3000 + 4 - MAX_LINE)));
    }

    #[test]
    fn control_characters_never_reach_the_text() {
        let r = replies(b"451 4.2.0 a\rb\x1bc\0hidden\r\n");
        assert_eq!(r[0].first_line(), "451 4.2.0 a?b?c");
    }

    #[test]
    fn enhanced_codes_as_extenhsc_reads_them() {
        assert_eq!(Reply::line(550, "5.1.1 <x>... User unknown").enhanced(), Some("5.1.1"));
        assert_eq!(Reply::line(250, "2.0.0 Ok: queued").text(true), "Ok: queued");
        assert_eq!(Reply::line(250, "2.0.0 Ok: queued").text(false), "2.0.0 Ok: queued");
        for bad in ["3.1.1 x", "5.1.1", "5.1234.1 x", "5..1 x", "5.1.x x", "x"] {
            assert_eq!(Reply::line(550, bad).enhanced(), None, "{bad}");
        }
        assert_eq!(Reply::line(550, "5.123.456 x").enhanced(), Some("5.123.456"));
    }

    #[test]
    fn clear_drops_what_was_read_before_tls() {
        let mut r = ReplyReader::new();
        r.push(b"250 injected\r\n250-par");
        r.clear();
        assert_eq!(r.next_input(), None);
        assert!(!r.is_mid_reply());
    }
}
