//! The two DER structures DH parameter files hold, read and written here.
//!
//! `-----BEGIN DH PARAMETERS-----` is PKCS #3 `DHParameter`:
//! `SEQUENCE { prime INTEGER, base INTEGER, privateValueLength INTEGER OPTIONAL }`.
//! `-----BEGIN X9.42 DH PARAMETERS-----` (what `openssl dhparam -dsaparam` writes) is
//! RFC 3279 `DomainParameters`:
//! `SEQUENCE { p INTEGER, g INTEGER, q INTEGER, j INTEGER OPTIONAL, validationParms
//! SEQUENCE OPTIONAL }`.
//!
//! The reader is written for hostile input: definite lengths only, at most four length
//! bytes, no trailing bytes, every length checked against what is left, positive
//! integers only. It never panics; every flaw is an [`InputError::Der`].
//!
//! # Errors
//! [`InputError::Der`] names the first flaw found.

use crate::error::InputError;
use openssl::bn::{BigNum, BigNumRef};

const TAG_INTEGER: u8 = 0x02;
const TAG_SEQUENCE: u8 = 0x30;

/// DH domain parameters as read from a file: p, g and, for X9.42, the subgroup order q.
#[derive(Debug)]
pub struct DhParams {
    /// The prime modulus.
    pub p: BigNum,
    /// The generator.
    pub g: BigNum,
    /// The prime order of the subgroup g generates, when the file states it.
    pub q: Option<BigNum>,
}

/// One tag-length-value element.
struct Tlv<'a> {
    tag: u8,
    body: &'a [u8],
}

/// Splits the first element off `input`, returning it and what follows.
fn next_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), InputError> {
    let (&tag, rest) = input.split_first().ok_or(InputError::Der("unexpected end of data"))?;
    let (&first, rest) = rest.split_first().ok_or(InputError::Der("missing length"))?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 {
            return Err(InputError::Der("indefinite length"));
        }
        if count > 4 {
            return Err(InputError::Der("length too large"));
        }
        if rest.len() < count {
            return Err(InputError::Der("truncated length"));
        }
        let len = rest[..count].iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    if rest.len() < len {
        return Err(InputError::Der("truncated (element longer than the data)"));
    }
    Ok((Tlv { tag, body: &rest[..len] }, &rest[len..]))
}

/// Reads one positive INTEGER from the front of `input`.
fn next_integer(input: &[u8]) -> Result<(BigNum, &[u8]), InputError> {
    let (tlv, rest) = next_tlv(input)?;
    if tlv.tag != TAG_INTEGER {
        return Err(InputError::Der("expected an INTEGER"));
    }
    match tlv.body.first() {
        None => return Err(InputError::Der("empty INTEGER")),
        Some(b) if b & 0x80 != 0 => return Err(InputError::Invalid("negative number")),
        Some(_) => {}
    }
    let n = BigNum::from_slice(tlv.body).map_err(|_| InputError::Der("INTEGER too large"))?;
    Ok((n, rest))
}

/// Returns the body of the outer SEQUENCE, which must span all of `der`.
fn outer_sequence(der: &[u8]) -> Result<&[u8], InputError> {
    let (seq, rest) = next_tlv(der)?;
    if seq.tag != TAG_SEQUENCE {
        return Err(InputError::Der("expected a SEQUENCE"));
    }
    if !rest.is_empty() {
        return Err(InputError::Der("trailing data after the SEQUENCE"));
    }
    Ok(seq.body)
}

/// Parses PKCS #3 `DHParameter` (the optional privateValueLength is checked and dropped).
pub fn parse_pkcs3(der: &[u8]) -> Result<DhParams, InputError> {
    let body = outer_sequence(der)?;
    let (p, body) = next_integer(body)?;
    let (g, body) = next_integer(body)?;
    if !body.is_empty() {
        let (_length, rest) = next_integer(body)?;
        if !rest.is_empty() {
            return Err(InputError::Der("extra fields in DHParameter"));
        }
    }
    Ok(DhParams { p, g, q: None })
}

/// Parses RFC 3279 `DomainParameters` (j and validationParms are checked and dropped).
pub fn parse_x942(der: &[u8]) -> Result<DhParams, InputError> {
    let body = outer_sequence(der)?;
    let (p, body) = next_integer(body)?;
    let (g, body) = next_integer(body)?;
    let (q, mut body) = next_integer(body)?;
    if !body.is_empty() && body[0] == TAG_INTEGER {
        body = next_integer(body)?.1;
    }
    if !body.is_empty() {
        let (validation, rest) = next_tlv(body)?;
        if validation.tag != TAG_SEQUENCE || !rest.is_empty() {
            return Err(InputError::Der("extra fields in DomainParameters"));
        }
    }
    Ok(DhParams { p, g, q: Some(q) })
}

/// Appends a DER length.
fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    out.push(0x80 | (bytes.len() - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

/// Appends a non-negative INTEGER.
fn push_integer(out: &mut Vec<u8>, n: &BigNumRef) {
    let mut body = n.to_vec();
    if body.first().is_none_or(|b| b & 0x80 != 0) {
        body.insert(0, 0);
    }
    out.push(TAG_INTEGER);
    push_len(out, body.len());
    out.extend_from_slice(&body);
}

/// Encodes a SEQUENCE of INTEGERs: PKCS #3 for `[p, g]`, X9.42 for `[p, g, q]`.
pub fn encode_integers(numbers: &[&BigNumRef]) -> Vec<u8> {
    let mut body = Vec::new();
    for n in numbers {
        push_integer(&mut body, n);
    }
    let mut out = vec![TAG_SEQUENCE];
    push_len(&mut out, body.len());
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bn(n: u32) -> BigNum {
        BigNum::from_u32(n).unwrap()
    }

    #[test]
    fn round_trip_pkcs3_and_x942() {
        let (p, g, q) = (BigNum::from_hex_str("C000000000000000F1").unwrap(), bn(2), bn(0x7f));
        let der = encode_integers(&[&p, &g]);
        let back = parse_pkcs3(&der).unwrap();
        assert_eq!((back.p, back.g, back.q), (p.to_owned().unwrap(), bn(2), None));
        let der = encode_integers(&[&p, &g, &q]);
        assert_eq!(parse_x942(&der).unwrap().q.unwrap(), q);
    }

    #[test]
    fn long_lengths_are_encoded_and_read() {
        let big = BigNum::from_slice(&[0x7f; 300]).unwrap();
        let der = encode_integers(&[&big, &bn(5)]);
        assert_eq!(&der[..4], &[0x30, 0x82, 0x01, 0x33]);
        assert_eq!(parse_pkcs3(&der).unwrap().p, big);
    }

    #[test]
    fn optional_private_value_length_is_accepted() {
        let der = encode_integers(&[&bn(23), &bn(5), &bn(160)]);
        assert_eq!(parse_pkcs3(&der).unwrap().g, bn(5));
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let der = encode_integers(&[&BigNum::from_slice(&[0x55; 40]).unwrap(), &bn(2)]);
        for cut in 0..der.len() {
            assert!(parse_pkcs3(&der[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn malformed_shapes_are_rejected() {
        assert_eq!(
            parse_pkcs3(&[0x30, 0x80, 0, 0]).unwrap_err(),
            InputError::Der("indefinite length")
        );
        assert_eq!(
            parse_pkcs3(&[0x30, 0x85, 1, 1, 1, 1, 1]).unwrap_err(),
            InputError::Der("length too large")
        );
        assert_eq!(
            parse_pkcs3(&[0x02, 0x01, 0x01]).unwrap_err(),
            InputError::Der("expected a SEQUENCE")
        );
        let mut der = encode_integers(&[&bn(23), &bn(5)]);
        der.push(0);
        assert_eq!(
            parse_pkcs3(&der).unwrap_err(),
            InputError::Der("trailing data after the SEQUENCE")
        );
        assert_eq!(
            parse_pkcs3(&[0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x02]).unwrap_err(),
            InputError::Invalid("negative number")
        );
        assert_eq!(
            parse_pkcs3(&[0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x02]).unwrap_err(),
            InputError::Der("empty INTEGER")
        );
        assert!(parse_x942(&encode_integers(&[&bn(23), &bn(5)])).is_err());
    }
}
