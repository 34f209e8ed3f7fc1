//! # Name
//! data - message text on its way out after `354`: CRLF, dot-stuffing, long lines
//!
//! # Description
//! [`DataEncoder`] turns the text queue-runner hands over (header lines, then the df,
//! lines ending in LF) into what goes on the wire between `354` and the final dot,
//! in pieces of any size, holding at most one line piece ([`PIECE`] bytes) at a time.
//! It writes exactly what sendmail 8.17 writes (`putheader`, then `putbody` through
//! `mime8to7()`'s pass-through, which reads the df with `fgets` into a 2048-byte
//! buffer and writes each piece with `putxline()`):
//!
//! * LF becomes CRLF; every other byte (a bare CR too) is sent as it is;
//! * a line starting with `.` gets another `.` (the mailer's `X` flag);
//! * with a line limit `L` (the mailer's `L=`, 990 for `esmtp`), a longer line is
//!   cut: the first `L-1` characters and `!`, then lines of a space, `L-2`
//!   characters and `!`, then a space and the rest;
//! * the body is read in pieces of at most 2047 bytes: a longer line is cut there
//!   too, each piece is limited on its own and the next continues the same output
//!   line (so an output line may exceed `L` by up to `L` characters where a piece
//!   ends, as sendmail's does);
//! * a last line without LF gets CRLF, then `.` CRLF ends the message.
//!
//! Header lines are whole lines (sendmail writes them from memory, not through
//! `fgets`) and are limited the same way; continuation lines must already start
//! with white space.
//!
//! # Invariants
//! The output never holds a bare LF, and no output line is a lone `.` before
//! [`DataEncoder::finish`].

/// The longest piece of a body line read at once (sendmail's `fgets` into
/// `MAXLINE` bytes).
pub const PIECE: usize = 2047;

/// Encodes one message's text.
#[derive(Debug, Clone)]
pub struct DataEncoder {
    limit: usize,
    piece: Vec<u8>,
    in_long_line: bool,
    body_started: bool,
}

impl DataEncoder {
    /// An encoder for a mailer with line limit `limit` (0: no limit; a limit below 3
    /// counts as 3).
    pub fn new(limit: usize) -> DataEncoder {
        let limit = if limit == 0 { 0 } else { limit.max(3) };
        DataEncoder {
            limit,
            piece: Vec::with_capacity(PIECE),
            in_long_line: false,
            body_started: false,
        }
    }

    /// The header block: lines ending in LF (a last line without one gets it), then
    /// the empty line that separates it from the body.
    pub fn headers(&mut self, headers: &[u8], out: &mut Vec<u8>) {
        for line in headers.split_inclusive(|&b| b == b'\n') {
            self.line(line.strip_suffix(b"\n").unwrap_or(line), out);
        }
        self.line(b"", out);
        self.begin_body();
    }

    /// One whole line (without its line end), limited and dot-stuffed: sendmail's
    /// `putline()`, for header lines and the lines of a converted body.
    pub fn line(&mut self, line: &[u8], out: &mut Vec<u8>) {
        self.put_line(line, true, out);
    }

    /// The header block and its empty line were written with [`DataEncoder::line`].
    pub fn begin_body(&mut self) {
        self.body_started = true;
    }

    /// More of the body.
    pub fn body(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        if !self.body_started {
            out.extend_from_slice(b"\r\n");
            self.body_started = true;
        }
        while !input.is_empty() {
            let room = PIECE - self.piece.len();
            let window = &input[..input.len().min(room)];
            match window.iter().position(|&b| b == b'\n') {
                Some(lf) => {
                    self.piece.extend_from_slice(&window[..lf]);
                    input = &input[lf + 1..];
                    self.flush_piece(true, out);
                }
                None => {
                    self.piece.extend_from_slice(window);
                    input = &input[window.len()..];
                    if self.piece.len() == PIECE {
                        self.flush_piece(false, out);
                    }
                }
            }
        }
    }

    /// End of the message: the last line's end if it had none, then `.` CRLF.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if !self.body_started {
            out.extend_from_slice(b"\r\n");
            self.body_started = true;
        }
        if !self.piece.is_empty() {
            self.flush_piece(false, out);
        }
        if self.in_long_line {
            out.extend_from_slice(b"\r\n");
            self.in_long_line = false;
        }
        out.extend_from_slice(b".\r\n");
    }

    fn flush_piece(&mut self, line_end: bool, out: &mut Vec<u8>) {
        let piece = std::mem::take(&mut self.piece);
        self.put_line(&piece, line_end, out);
        self.piece = piece;
        self.piece.clear();
    }

    /// sendmail's `putxline()` for one piece: `line_end` tells whether the piece
    /// ended at LF (else the line goes on in the next piece).
    fn put_line(&mut self, mut line: &[u8], line_end: bool, out: &mut Vec<u8>) {
        let mut slop = 0;
        while self.limit > 0 && line.len() + slop > self.limit {
            let cut = self.limit - slop - 1;
            if line.first() == Some(&b'.') && slop == 0 {
                out.push(b'.');
            }
            out.extend_from_slice(&line[..cut]);
            out.extend_from_slice(b"!\r\n ");
            line = &line[cut..];
            slop = 1;
        }
        if line.first() == Some(&b'.') && slop == 0 && !self.in_long_line {
            out.push(b'.');
        }
        out.extend_from_slice(line);
        if line_end {
            out.extend_from_slice(b"\r\n");
        }
        self.in_long_line = !line_end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(limit: usize, headers: &[u8], body: &[u8]) -> Vec<u8> {
        let mut e = DataEncoder::new(limit);
        let mut out = Vec::new();
        e.headers(headers, &mut out);
        e.body(body, &mut out);
        e.finish(&mut out);
        out
    }

    /// Output lines with their lengths, as the recordings list them.
    fn lengths(out: &[u8]) -> Vec<(usize, String)> {
        let text = String::from_utf8_lossy(out);
        text.split("\r\n").map(|l| (l.len(), l.chars().take(3).collect())).collect()
    }

    #[test]
    fn crlf_and_dot_stuffing() {
        let out = encode(990, b"Subject: s\n", b"one\n.two\n..\n.\nlast");
        assert_eq!(out, b"Subject: s\r\n\r\none\r\n..two\r\n...\r\n..\r\nlast\r\n.\r\n");
    }

    #[test]
    fn an_empty_message_is_the_blank_line_and_the_dot() {
        assert_eq!(encode(990, b"", b""), b"\r\n.\r\n");
        let mut e = DataEncoder::new(990);
        let mut out = Vec::new();
        e.finish(&mut out);
        assert_eq!(out, b"\r\n.\r\n");
    }

    /// The 2500-character line and the 996-character dot line that sendmail cut as
    /// recorded (L=990): 990, 990, 524; 991, 8.
    #[test]
    fn long_lines_are_cut_as_sendmail_cuts_them() {
        let body = format!("{}\n.{}\nshort\n", "a".repeat(2500), "b".repeat(995));
        let out = encode(990, b"", body.as_bytes());
        let got: Vec<usize> = lengths(&out).iter().map(|(n, _)| *n).collect();
        assert_eq!(got, [0, 990, 990, 524, 991, 8, 5, 1, 0]);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(&format!("\r\n..{}!\r\n {}\r\n", "b".repeat(988), "b".repeat(7))));
    }

    /// sendmail reads the body in 2047-byte pieces: a 5000-byte line gives a
    /// 1061-byte output line where the first piece ends, and a dot at the start of a
    /// later piece is not doubled (recorded: 990 990 1061 990 977; 990 990 171).
    #[test]
    fn pieces_of_2047_bytes_as_fgets_reads_them() {
        let body = format!("{}\n{}.{}\n", "a".repeat(5000), "b".repeat(2046), "c".repeat(100));
        let out = encode(990, b"", body.as_bytes());
        let got: Vec<usize> = lengths(&out).iter().map(|(n, _)| *n).collect();
        assert_eq!(got, [0, 990, 990, 1061, 990, 977, 990, 990, 171, 1, 0]);
    }

    #[test]
    fn split_input_gives_the_same_output() {
        let body = format!("x\n.{}\n{}\nend", "d".repeat(3000), "e".repeat(1200));
        let whole = encode(990, b"H: v\n", body.as_bytes());
        for step in [1, 2, 7, 100, 2047, 4096] {
            let mut e = DataEncoder::new(990);
            let mut out = Vec::new();
            e.headers(b"H: v\n", &mut out);
            for chunk in body.as_bytes().chunks(step) {
                e.body(chunk, &mut out);
            }
            e.finish(&mut out);
            assert_eq!(out, whole, "step {step}");
        }
    }

    #[test]
    fn no_limit_and_long_headers() {
        let long = "y".repeat(3000);
        assert_eq!(encode(0, b"", long.as_bytes()).len(), 2 + 3000 + 2 + 3);
        let header = format!("X-Long: {}\n", "h".repeat(1500));
        let out = encode(990, header.as_bytes(), b"");
        let got: Vec<usize> = lengths(&out).iter().map(|(n, _)| *n).collect();
        assert_eq!(got, [990, 1 + 1508 - 989, 0, 1, 0]);
    }

    #[test]
    fn bare_carriage_returns_pass_and_no_bare_lf_comes_out() {
        let out = encode(990, b"", b"a\rb\r\n\n");
        assert_eq!(out, b"\r\na\rb\r\r\n\r\n.\r\n");
    }
}
