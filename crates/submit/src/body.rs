//! Copying the body of a submitted message from stdin to the df.
//!
//! As sendmail collects a message from its input: CR LF becomes LF, a bare CR or LF is
//! kept as it is, NUL and 8-bit bytes pass through, and without `-i` a line holding
//! only `.` ends the message. Memory stays bounded whatever the input (a 1 GiB line
//! with no newline is copied in 64 KiB pieces).

use std::io::{self, BufRead, Read};

/// The longest piece copied at once.
const PIECE: u64 = 64 * 1024;

/// What the copy saw.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BodyStats {
    /// Bytes written to the sink.
    pub size: u64,
    /// Whether any byte had the high bit set.
    pub eight_bit: bool,
}

/// Copies the body: first `start` (a line the header reader already took), then the
/// rest of `input`, to `sink`; stops at a lone `.` line when `dot_ends`.
pub fn copy(
    input: &mut dyn BufRead,
    start: &[u8],
    dot_ends: bool,
    sink: &mut dyn FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<BodyStats> {
    let mut stats = BodyStats::default();
    let mut at_line_start = true;
    let mut held_cr = false;
    let mut piece = start.to_vec();
    let mut first = true;
    loop {
        if !first {
            piece.clear();
            if held_cr {
                piece.push(b'\r');
                held_cr = false;
            }
            Read::take(&mut *input, PIECE).read_until(b'\n', &mut piece)?;
        }
        if piece.is_empty() {
            if first {
                first = false;
                continue;
            }
            return Ok(stats);
        }
        first = false;
        if dot_ends && at_line_start && matches!(piece.as_slice(), b".\n" | b".\r\n" | b".") {
            return Ok(stats);
        }
        let complete = piece.last() == Some(&b'\n');
        if !complete && piece.last() == Some(&b'\r') && piece.len() as u64 >= PIECE {
            piece.pop();
            held_cr = true;
        }
        if piece.ends_with(b"\r\n") {
            piece.truncate(piece.len() - 2);
            piece.push(b'\n');
        }
        stats.size += piece.len() as u64;
        stats.eight_bit |= piece.iter().any(|&b| b >= 0x80);
        sink(&piece)?;
        at_line_start = complete;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &[u8], start: &[u8], dot: bool) -> (Vec<u8>, BodyStats) {
        let mut out = Vec::new();
        let stats = copy(&mut io::Cursor::new(input.to_vec()), start, dot, &mut |b| {
            out.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        (out, stats)
    }

    #[test]
    fn crlf_becomes_lf_and_bare_cr_stays() {
        let (out, stats) = run(b"a\r\nb\rc\nnul\0\n", b"", false);
        assert_eq!(out, b"a\nb\rc\nnul\0\n");
        assert_eq!(stats.size, out.len() as u64);
    }

    #[test]
    fn lone_dot_ends_unless_ignored() {
        assert_eq!(run(b"x\n.\ny\n", b"", true).0, b"x\n");
        assert_eq!(run(b"x\n.\r\ny\n", b"", true).0, b"x\n");
        assert_eq!(run(b"x\n..\ny\n", b"", true).0, b"x\n..\ny\n");
        assert_eq!(run(b"x\n.\ny\n", b"", false).0, b"x\n.\ny\n");
        assert_eq!(run(b"y\n", b".\n", true).0, b"");
    }

    #[test]
    fn the_start_line_comes_first_and_eight_bit_is_seen() {
        let (out, stats) = run("é\n".as_bytes(), b"first\n", true);
        assert_eq!(out, "first\né\n".as_bytes());
        assert!(stats.eight_bit);
    }

    #[test]
    fn a_huge_line_without_newline_is_copied_in_pieces() {
        let big = vec![b'x'; 5 * PIECE as usize + 7];
        let mut pieces = 0;
        let mut total = 0;
        copy(&mut io::Cursor::new(big), b"", true, &mut |b| {
            pieces += 1;
            total += b.len();
            assert!(b.len() as u64 <= PIECE);
            Ok(())
        })
        .unwrap();
        assert_eq!((pieces, total), (6, 5 * PIECE as usize + 7));
    }

    #[test]
    fn a_crlf_split_across_pieces_is_joined() {
        let mut input = vec![b'x'; PIECE as usize - 1];
        input.extend_from_slice(b"\r\nz\n");
        let (out, _) = run(&input, b"", true);
        assert_eq!(&out[out.len() - 4..], b"xx\nz\n"[1..].as_ref());
        assert!(!out.contains(&b'\r'));
    }
}
