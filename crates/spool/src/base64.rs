//! # Name
//! base64 - RFC 4648 base64, once for every reader of it
//!
//! # Description
//! The standard alphabet (`A-Z a-z 0-9 + /`) with `=` padding, as used by SASL
//! (`334` challenges and the client's responses, `AUTH PLAIN` initial responses), the
//! `P=` password of an authinfo map entry, and PEM files.
//!
//! ```text
//! decode(text)          strict: whole quads, padding only at the end (SASL, RFC 4954)
//! decode_unpadded(text) the `=` padding may be left off (authinfo `P=`)
//! Decoder               the same strict rules over text that arrives in pieces
//!                       (the lines of a PEM block); errors say which piece
//! encode(bytes)         padded
//! ```
//!
//! # Errors
//! [`Base64Error`]: a character outside the alphabet (or a character after the
//! padding, or more than two `=`), or a length that does not end on a whole quad.
//! Nothing panics on any input.

/// Why a text is not base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Base64Error {
    /// A byte that base64 does not use here, at this offset of the piece it came in.
    #[error("invalid base64 character at offset {0}")]
    Character(usize),
    /// The text stops in the middle of a quad of four characters.
    #[error("truncated base64 (length not a multiple of 4)")]
    Length,
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encodes `data`, padded with `=`.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes `text` strictly: a multiple of four characters, at most two `=`, and
/// those only at the end.
///
/// # Errors
/// See [`Base64Error`].
pub fn decode(text: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut decoder = Decoder::default();
    decoder.push(text)?;
    decoder.finish()
}

/// Decodes `text` whose `=` padding may be missing (`dGVzdA` as well as `dGVzdA==`).
///
/// # Errors
/// See [`Base64Error`]; a lone character in the last quad (`dGVzd`) is a [`Base64Error::Length`].
pub fn decode_unpadded(text: &[u8]) -> Result<Vec<u8>, Base64Error> {
    let mut decoder = Decoder::default();
    decoder.push(text)?;
    let missing = (4 - (decoder.chars + decoder.padding) % 4) % 4;
    if missing < 3 {
        decoder.push(&b"=="[..missing])?;
    }
    decoder.finish()
}

/// A strict decoder fed in pieces.
#[derive(Debug, Default, Clone)]
pub struct Decoder {
    out: Vec<u8>,
    /// Bits not yet making a whole byte, and how many.
    acc: u32,
    bits: u32,
    /// Alphabet characters seen.
    chars: usize,
    /// `=` seen (the text has ended once there is one).
    padding: usize,
}

impl Decoder {
    /// Takes the next piece of text.
    ///
    /// # Errors
    /// [`Base64Error::Character`] with the offset in `piece` of the first byte that
    /// cannot be there.
    pub fn push(&mut self, piece: &[u8]) -> Result<(), Base64Error> {
        for (at, &c) in piece.iter().enumerate() {
            match (c, sextet(c)) {
                (b'=', _) if self.padding < 2 => self.padding += 1,
                (_, Some(v)) if self.padding == 0 => {
                    self.chars += 1;
                    self.acc = (self.acc << 6) | v;
                    self.bits += 6;
                    if self.bits >= 8 {
                        self.bits -= 8;
                        self.out.push((self.acc >> self.bits) as u8);
                        self.acc &= (1 << self.bits) - 1;
                    }
                }
                _ => return Err(Base64Error::Character(at)),
            }
        }
        Ok(())
    }

    /// The decoded bytes, once the text ended on a whole quad.
    ///
    /// # Errors
    /// [`Base64Error::Length`] otherwise.
    pub fn finish(self) -> Result<Vec<u8>, Base64Error> {
        if (self.chars + self.padding) & 3 != 0 {
            return Err(Base64Error::Length);
        }
        Ok(self.out)
    }
}

/// The value of one character of the alphabet.
fn sextet(c: u8) -> Option<u32> {
    match c {
        b'A'..=b'Z' => Some(u32::from(c - b'A')),
        b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    #[test]
    fn rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in vectors {
            assert_eq!(encode(plain.as_bytes()), coded);
            assert_eq!(decode(coded.as_bytes()).unwrap(), plain.as_bytes());
            let bare = coded.trim_end_matches('=');
            assert_eq!(decode_unpadded(bare.as_bytes()).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn strict_decoding_refuses_what_sasl_refuses() {
        assert_eq!(decode(b"$$$$"), Err(Base64Error::Character(0)));
        assert_eq!(decode(b"EHLO client.lab.example"), Err(Base64Error::Character(4)));
        assert_eq!(decode(b"ab=c"), Err(Base64Error::Character(3)));
        assert_eq!(decode(b"a==="), Err(Base64Error::Character(3)));
        assert_eq!(decode(b"abc"), Err(Base64Error::Length));
        assert_eq!(decode(b"Zg="), Err(Base64Error::Length));
        assert_eq!(decode(b"Zm9v Zg=="), Err(Base64Error::Character(4)));
        assert_eq!(decode_unpadded(b"Zm9vY"), Err(Base64Error::Length));
    }

    #[test]
    fn pieces_decode_as_the_whole_and_report_their_own_offsets() {
        let mut d = Decoder::default();
        for piece in [&b"Zm9v"[..], b"YmFy", b"Zg=="] {
            d.push(piece).unwrap();
        }
        assert_eq!(d.finish().unwrap(), b"foobarf");
        let mut d = Decoder::default();
        d.push(b"Zm9v").unwrap();
        assert_eq!(d.push(b"Ym!y"), Err(Base64Error::Character(2)));
        let mut d = Decoder::default();
        d.push(b"Zm9vY").unwrap();
        assert_eq!(d.finish(), Err(Base64Error::Length));
    }

    #[test]
    fn any_bytes_round_trip() {
        let mut rng = Rng::new(0xba5e);
        let alphabet: Vec<u8> = (0..=255).collect();
        for _ in 0..2_000 {
            let data = rng.bytes_from(&alphabet, 50);
            assert_eq!(decode(encode(&data).as_bytes()).unwrap(), data);
            let garbage = rng.bytes_from(b"AZaz09+/=-_ \n\x00", 12);
            let _ = decode(&garbage);
            let _ = decode_unpadded(&garbage);
        }
    }
}
