//! PEM text: finding the DH block in a file an admin hands us, and writing one.
//!
//! A file may hold several PEM blocks (some admins keep the certificate, key and DH
//! parameters in one file). Like OpenSSL's `PEM_read_bio_DHparams`, which sendmail
//! calls, the reader takes the first block labelled `DH PARAMETERS` or
//! `X9.42 DH PARAMETERS` and skips the others. Lines may end in CRLF; text outside
//! blocks is ignored.
//!
//! Input is hostile: the caller bounds its size ([`MAX_FILE`]), base64 is decoded
//! strictly (alphabet, padding only at the end, whole groups of four), encapsulated
//! headers are refused, and the DER inside goes to [`crate::der`].
//!
//! # Errors
//! [`InputError`]: `NotPem`, `NotDh` (with the labels found), `NoEnd`, `PemHeader`,
//! `Base64`, `Base64Length`, `Der`.

use crate::der::{self, DhParams};
use crate::error::InputError;

/// The largest file accepted: an 8192-bit X9.42 block is under 3 KiB; a combined
/// certificate bundle may be larger, but nothing legitimate reaches 1 MiB.
pub const MAX_FILE: u64 = 1024 * 1024;

/// Label of PKCS #3 parameters, as `openssl dhparam` writes them.
pub const LABEL_PKCS3: &str = "DH PARAMETERS";
/// Label of X9.42 parameters (with q), as `openssl dhparam -dsaparam` writes them.
pub const LABEL_X942: &str = "X9.42 DH PARAMETERS";

/// The label of a `-----BEGIN label-----` line, if it is one.
fn begin_label(line: &str) -> Option<&str> {
    line.strip_prefix("-----BEGIN ")?.strip_suffix("-----")
}

/// Finds the DH block and returns its label, its first body line index and the body.
fn find_dh_block(lines: &[&str]) -> Result<(&'static str, usize, usize), InputError> {
    let mut found: Vec<&str> = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Some(label) = begin_label(line) else { continue };
        let label = match label {
            LABEL_PKCS3 => LABEL_PKCS3,
            LABEL_X942 => LABEL_X942,
            other => {
                if !found.contains(&other) {
                    found.push(other);
                }
                continue;
            }
        };
        let end = format!("-----END {label}-----");
        let len = lines[at + 1..].iter().position(|l| *l == end);
        let len = len.ok_or_else(|| InputError::NoEnd { label: label.to_string() })?;
        return Ok((label, at + 1, len));
    }
    if found.is_empty() {
        Err(InputError::NotPem)
    } else {
        Err(InputError::NotDh { found: found.join(", ") })
    }
}

/// Decodes the base64 body strictly (`spool::base64`, line by line); `first_line`
/// numbers the lines for messages.
fn decode_base64(lines: &[&str], first_line: usize) -> Result<Vec<u8>, InputError> {
    let mut decoder = spool::base64::Decoder::default();
    for (i, line) in lines.iter().enumerate() {
        let line_no = first_line + i;
        if line.contains(':') {
            return Err(InputError::PemHeader { line: line_no });
        }
        decoder.push(line.trim().as_bytes()).map_err(|_| InputError::Base64 { line: line_no })?;
    }
    decoder.finish().map_err(|_| InputError::Base64Length)
}

/// Reads the DH parameters from PEM text.
pub fn parse(text: &[u8]) -> Result<DhParams, InputError> {
    let text = String::from_utf8_lossy(text);
    let lines: Vec<&str> = text.lines().map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
    let (label, start, len) = find_dh_block(&lines)?;
    // Line numbers are 1-based, and the body starts one line after BEGIN.
    let der = decode_base64(&lines[start..start + len], start + 1)?;
    if label == LABEL_X942 {
        der::parse_x942(&der)
    } else {
        der::parse_pkcs3(&der)
    }
}

/// Wraps DER in a PEM block with 64-character lines, as OpenSSL writes them.
pub fn encode(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::with_capacity(der.len() * 4 / 3 + 4);
    for chunk in der.chunks(3) {
        let mut buf = [0u8; 3];
        buf[..chunk.len()].copy_from_slice(chunk);
        let bits = u32::from_be_bytes([0, buf[0], buf[1], buf[2]]);
        for k in 0..4 {
            if k <= chunk.len() {
                b64.push(char::from(ALPHABET[(bits >> (18 - 6 * k) & 63) as usize]));
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::bn::BigNum;
    use openssl::dh::Dh;

    /// A 512-bit group made by `openssl dhparam 512` for these tests.
    const SMALL: &str = "-----BEGIN DH PARAMETERS-----\n\
        MEYCQQDqNGevBBkjyN25aQou2l8/UcCcB5oOMRT7PDeO/ib4hifQQ5jdh9IE6Qo0\n\
        2CwZR84atgPRa/CXWRK3sGY5SpovAgEC\n\
        -----END DH PARAMETERS-----\n";

    #[test]
    fn reads_what_openssl_reads() {
        let ours = parse(SMALL.as_bytes()).unwrap();
        let theirs = Dh::params_from_pem(SMALL.as_bytes()).unwrap();
        assert_eq!(ours.p, theirs.prime_p().to_owned().unwrap());
        assert_eq!(ours.g, BigNum::from_u32(2).unwrap());
    }

    #[test]
    fn encode_matches_openssl_byte_for_byte() {
        let theirs = Dh::params_from_pem(SMALL.as_bytes()).unwrap();
        let der = crate::der::encode_integers(&[theirs.prime_p(), theirs.generator()]);
        assert_eq!(encode(LABEL_PKCS3, &der).as_bytes(), &theirs.params_to_pem().unwrap()[..]);
    }

    #[test]
    fn skips_other_blocks_and_crlf() {
        let text = format!(
            "junk\r\n-----BEGIN CERTIFICATE-----\r\nAAAA\r\n-----END CERTIFICATE-----\r\n{}",
            SMALL.replace('\n', "\r\n")
        );
        assert!(parse(text.as_bytes()).is_ok());
    }

    #[test]
    fn reports_what_is_wrong() {
        assert_eq!(parse(b"hello\n").unwrap_err(), InputError::NotPem);
        let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(
            parse(cert.as_bytes()).unwrap_err(),
            InputError::NotDh { found: "CERTIFICATE".into() }
        );
        let cut: String = SMALL.lines().take(2).map(|l| format!("{l}\n")).collect();
        assert_eq!(
            parse(cut.as_bytes()).unwrap_err(),
            InputError::NoEnd { label: LABEL_PKCS3.into() }
        );
        let short = SMALL.replace("SpovAgEC", "SpovAgE");
        assert_eq!(parse(short.as_bytes()).unwrap_err(), InputError::Base64Length);
        let bad = SMALL.replace("MEYC", "ME*C");
        assert_eq!(parse(bad.as_bytes()).unwrap_err(), InputError::Base64 { line: 2 });
        let header = SMALL.replace("MEYC", "Proc-Type: 4,ENCRYPTED\nMEYC");
        assert_eq!(parse(header.as_bytes()).unwrap_err(), InputError::PemHeader { line: 2 });
    }

    #[test]
    fn a_missing_line_is_a_der_error() {
        let lines: Vec<&str> = SMALL.lines().collect();
        let text = format!("{}\n{}\n{}\n", lines[0], lines[2], lines[3]);
        assert!(matches!(parse(text.as_bytes()).unwrap_err(), InputError::Der(_)));
    }

    /// A small deterministic generator, so that failures reproduce.
    fn xorshift(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn mutated_and_random_input_never_panics() {
        let mut state = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut text = SMALL.as_bytes().to_vec();
            for _ in 0..(xorshift(&mut state) % 4 + 1) {
                let at = (xorshift(&mut state) % text.len() as u64) as usize;
                match xorshift(&mut state) % 3 {
                    0 => text[at] = xorshift(&mut state) as u8,
                    1 => {
                        text.remove(at);
                    }
                    _ => text.insert(at, b"A=\n-:"[(xorshift(&mut state) % 5) as usize]),
                }
            }
            let _ = parse(&text);
        }
        for len in 0..2000 {
            let bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut state) as u8).collect();
            let _ = parse(&bytes);
            let _ = crate::der::parse_pkcs3(&bytes);
            let _ = crate::der::parse_x942(&bytes);
        }
    }

    #[test]
    fn padding_variants_decode() {
        for der in [&[1u8][..], &[1, 2], &[1, 2, 3], &[1, 2, 3, 4]] {
            let pem = encode("X", der);
            let body: Vec<&str> = pem.lines().skip(1).take(1).collect();
            assert_eq!(decode_base64(&body, 2).unwrap(), der);
        }
    }
}
