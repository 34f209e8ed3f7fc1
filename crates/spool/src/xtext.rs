//! # Name
//! xtext - RFC 3461 xtext: `ENVID=`, `ORCPT=` and `AUTH=` values
//!
//! # Description
//! xtext carries any bytes in an ESMTP parameter: the printable ASCII characters `!`
//! to `~` stand for themselves, except `+` and `=`, which (like every other byte) are
//! written `+XX` with two upper-case hex digits. The queue keeps the values as the
//! client sent them (qf `Z`, `Q`, `A`); they are decoded only where their text is
//! shown (a DSN's `Original-Envelope-Id`, `Original-Recipient`) and encoded where a
//! raw value goes out in SMTP.
//!
//! ```text
//! is_valid(text)     sendmail's xtextok(): what the server accepts
//! decode(text)       the bytes
//! encode(bytes)      xtext, as sendmail's xtextify() writes it
//! Orcpt::parse(v)    ORCPT=addr-type;xtext (RFC 3461 section 4.2)
//! ```
//!
//! Acceptance follows sendmail, which is laxer than RFC 3461 in one point: the hex
//! digits after `+` may be lower case (`a+2bb`).
//!
//! # Errors
//! [`decode`] returns [`XtextError`] with the offset of the first bad byte.

use std::fmt::Write;

/// Why a value is not xtext.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("invalid xtext at offset {0}")]
pub struct XtextError(pub usize);

/// True when `text` is valid xtext (sendmail's `xtextok`).
pub fn is_valid(text: &str) -> bool {
    decode(text).is_ok()
}

/// Decodes `text`.
///
/// # Errors
/// A byte outside `!`..`~`, a bare `=`, or a `+` not followed by two hex digits.
pub fn decode(text: &str) -> Result<Vec<u8>, XtextError> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => {
                let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                let byte = hex
                    .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or(XtextError(i))?;
                out.push(byte);
                i += 3;
            }
            c if (b'!'..=b'~').contains(&c) && c != b'=' => {
                out.push(c);
                i += 1;
            }
            _ => return Err(XtextError(i)),
        }
    }
    Ok(out)
}

/// Encodes `bytes` as xtext: `+`, `=` and anything outside `!`..`~` as `+XX`.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &c in bytes {
        if (b'!'..=b'~').contains(&c) && c != b'+' && c != b'=' {
            out.push(char::from(c));
        } else {
            let _ = write!(out, "+{c:02X}");
        }
    }
    out
}

/// An `ORCPT=` value: `addr-type;xtext` (`rfc822;bob+40example.org`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Orcpt<'a> {
    /// The address type before the `;` (`rfc822`), as given.
    pub addr_type: &'a str,
    /// The address after it, still xtext.
    pub address: &'a str,
}

impl<'a> Orcpt<'a> {
    /// Splits and checks a value as sendmail does: a `;` and valid xtext throughout
    /// (the address may be empty: `rfc822;` is accepted).
    pub fn parse(value: &'a str) -> Option<Orcpt<'a>> {
        let (addr_type, address) = value.split_once(';')?;
        is_valid(value).then_some(Orcpt { addr_type, address })
    }

    /// The address, decoded.
    ///
    /// # Errors
    /// Never for a value [`Orcpt::parse`] accepted.
    pub fn decoded_address(&self) -> Result<Vec<u8>, XtextError> {
        decode(self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Rng;

    #[test]
    fn what_sendmail_accepts() {
        // mail-params and dsn-params-errors transcripts: ENVID=a+2Bb accepted.
        assert!(is_valid("a+2Bb"));
        assert!(is_valid("a+2bb"));
        assert!(is_valid("rfc822;"));
        assert!(is_valid(""));
        assert!(!is_valid("a+2"));
        assert!(!is_valid("a+zz"));
        assert!(!is_valid("a b"));
        assert!(!is_valid("a=b"));
        assert!(!is_valid("caf\u{e9}"));
    }

    #[test]
    fn decoding_and_encoding() {
        assert_eq!(decode("bob+40example.org").unwrap(), b"bob@example.org");
        assert_eq!(decode("a+2Bb").unwrap(), b"a+b");
        assert_eq!(decode("x+3D+0A").unwrap(), b"x=\n");
        assert_eq!(decode("ab+4"), Err(XtextError(2)));
        assert_eq!(encode(b"a+b=c d\xff"), "a+2Bb+3Dc+20d+FF");
        assert_eq!(encode(b"QENV-11-0001"), "QENV-11-0001");
    }

    #[test]
    fn orcpt_values() {
        let o = Orcpt::parse("rfc822;bob+40example.org").unwrap();
        assert_eq!((o.addr_type, o.address), ("rfc822", "bob+40example.org"));
        assert_eq!(o.decoded_address().unwrap(), b"bob@example.org");
        assert_eq!(Orcpt::parse("rfc822;").unwrap().address, "");
        assert_eq!(Orcpt::parse("bogus"), None);
        assert_eq!(Orcpt::parse("rfc822;a b"), None);
    }

    #[test]
    fn any_bytes_round_trip() {
        let mut rng = Rng::new(0x3461);
        let alphabet: Vec<u8> = (0..=255).collect();
        for _ in 0..2_000 {
            let data = rng.bytes_from(&alphabet, 40);
            let text = encode(&data);
            assert!(is_valid(&text), "{text}");
            assert_eq!(decode(&text).unwrap(), data);
        }
    }
}
