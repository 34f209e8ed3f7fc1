//! The DNS wire format (RFC 1035), as much as the test server speaks: reading a
//! query (header, one question, an EDNS `OPT` record's payload size) and writing a
//! response with uncompressed names.
//!
//! Written by hand, not with hickory-proto, so that the resolver under test and the
//! server it asks do not share one implementation of the format.
//!
//! # Errors
//! [`Query::parse`] returns `None` for a message that is not one well-formed query.

use super::Data;

/// Record types by number.
pub const A: u16 = 1;
/// `NS`.
pub const NS: u16 = 2;
/// `CNAME`.
pub const CNAME: u16 = 5;
/// `SOA`.
pub const SOA: u16 = 6;
/// `PTR`.
pub const PTR: u16 = 12;
/// `MX`.
pub const MX: u16 = 15;
/// `TXT`.
pub const TXT: u16 = 16;
/// `AAAA`.
pub const AAAA: u16 = 28;
/// `OPT` (EDNS).
pub const OPT: u16 = 41;

/// `NOERROR`.
pub const NOERROR: u8 = 0;
/// `SERVFAIL`.
pub const SERVFAIL: u8 = 2;
/// `NXDOMAIN`.
pub const NXDOMAIN: u8 = 3;

/// One parsed query.
#[derive(Debug, Clone)]
pub struct Query {
    /// The message ID.
    pub id: u16,
    /// Recursion desired.
    pub rd: bool,
    /// The question's name, lowercase, without the final dot (`""` for the root).
    pub name: String,
    /// The name as it was asked, for the echoed question.
    pub raw_name: Vec<u8>,
    /// The question's type.
    pub qtype: u16,
    /// The question's class.
    pub qclass: u16,
    /// The EDNS UDP payload size, if the query carries an `OPT` record.
    pub edns: Option<u16>,
}

impl Query {
    /// Reads a query: a header, exactly one question, and any additional records.
    pub fn parse(msg: &[u8]) -> Option<Query> {
        let word = |at: usize| Some(u16::from_be_bytes([*msg.get(at)?, *msg.get(at + 1)?]));
        let (id, flags) = (word(0)?, word(2)?);
        if flags & 0x8000 != 0 || word(4)? != 1 {
            return None;
        }
        let (an, ns, ar) = (word(6)?, word(8)?, word(10)?);
        let (name, end) = read_name(msg, 12)?;
        let raw_name = msg[12..end].to_vec();
        let (qtype, qclass) = (word(end)?, word(end + 2)?);
        let mut at = end + 4;
        let mut edns = None;
        for _ in 0..(u32::from(an) + u32::from(ns) + u32::from(ar)) {
            let (_, after) = read_name(msg, at)?;
            let (rtype, rclass, rdlen) = (word(after)?, word(after + 2)?, word(after + 8)?);
            if rtype == OPT {
                edns = Some(rclass);
            }
            at = after + 10 + usize::from(rdlen);
        }
        let rd = flags & 0x0100 != 0;
        Some(Query { id, rd, name, raw_name, qtype, qclass, edns })
    }
}

/// Reads a (possibly compressed) name at `at`; returns it and where the name ends.
fn read_name(msg: &[u8], mut at: usize) -> Option<(String, usize)> {
    let mut labels: Vec<String> = Vec::new();
    let mut end = None;
    for _ in 0..128 {
        let len = *msg.get(at)?;
        match len {
            0 => {
                let end = end.unwrap_or(at + 1);
                return Some((labels.join("."), end));
            }
            l if l & 0xc0 == 0xc0 => {
                let target = usize::from(u16::from_be_bytes([l & 0x3f, *msg.get(at + 1)?]));
                end.get_or_insert(at + 2);
                at = target;
            }
            l if l & 0xc0 == 0 => {
                let label = msg.get(at + 1..at + 1 + usize::from(l))?;
                labels.push(String::from_utf8_lossy(label).to_ascii_lowercase());
                at += 1 + usize::from(l);
            }
            _ => return None,
        }
    }
    None
}

/// Appends `name` (dotted, with or without the final dot) as uncompressed labels.
pub fn put_name(out: &mut Vec<u8>, name: &str) {
    for label in name.trim_end_matches('.').split('.').filter(|l| !l.is_empty()) {
        let bytes = &label.as_bytes()[..label.len().min(63)];
        out.push(bytes.len() as u8);
        out.extend_from_slice(bytes);
    }
    out.push(0);
}

/// The type number of a record's data.
pub fn type_of(data: &Data) -> u16 {
    match data {
        Data::A(_) => A,
        Data::Aaaa(_) => AAAA,
        Data::Mx(..) => MX,
        Data::Txt(_) => TXT,
        Data::Ptr(_) => PTR,
        Data::Cname(_) => CNAME,
        Data::Ns(_) => NS,
    }
}

/// A record's RDATA.
fn rdata(data: &Data) -> Vec<u8> {
    let mut out = Vec::new();
    match data {
        Data::A(ip) => out.extend_from_slice(&ip.octets()),
        Data::Aaaa(ip) => out.extend_from_slice(&ip.octets()),
        Data::Mx(pref, host) => {
            out.extend_from_slice(&pref.to_be_bytes());
            put_name(&mut out, host);
        }
        Data::Txt(strings) => {
            for s in strings {
                for chunk in s.as_bytes().chunks(255) {
                    out.push(chunk.len() as u8);
                    out.extend_from_slice(chunk);
                }
            }
        }
        Data::Ptr(name) | Data::Cname(name) | Data::Ns(name) => put_name(&mut out, name),
    }
    out
}

/// Appends one resource record.
fn put_record(out: &mut Vec<u8>, owner: &str, rtype: u16, rdata: &[u8]) {
    put_name(out, owner);
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&60u32.to_be_bytes());
    out.extend_from_slice(&(rdata.len() as u16).to_be_bytes());
    out.extend_from_slice(rdata);
}

/// The SOA of the test server's one zone, the root, sent with negative answers.
fn soa() -> Vec<u8> {
    let mut out = Vec::new();
    put_name(&mut out, "ns.test");
    put_name(&mut out, "hostmaster.test");
    for n in [1u32, 3600, 600, 86400, 60] {
        out.extend_from_slice(&n.to_be_bytes());
    }
    out
}

/// A response to `query` with `rcode` and `answers` (owner name, data).
pub fn response(query: &Query, rcode: u8, answers: &[(String, Data)]) -> Vec<u8> {
    let negative = answers.is_empty() && rcode != SERVFAIL;
    let mut flags: u16 = 0x8000 | 0x0400 | 0x0080 | u16::from(rcode);
    if query.rd {
        flags |= 0x0100;
    }
    let mut out = Vec::with_capacity(512);
    out.extend_from_slice(&query.id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    let counts = [1u16, answers.len() as u16, u16::from(negative), u16::from(query.edns.is_some())];
    for n in counts {
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.extend_from_slice(&query.raw_name);
    out.extend_from_slice(&query.qtype.to_be_bytes());
    out.extend_from_slice(&query.qclass.to_be_bytes());
    for (owner, data) in answers {
        put_record(&mut out, owner, type_of(data), &rdata(data));
    }
    if negative {
        put_record(&mut out, "", SOA, &soa());
    }
    if let Some(size) = query.edns {
        out.push(0);
        out.extend_from_slice(&OPT.to_be_bytes());
        out.extend_from_slice(&size.max(512).to_be_bytes());
        out.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
    }
    out
}

/// The header and question of `full` alone, with TC set: "ask again over TCP".
pub fn truncated(full: &[u8], query: &Query) -> Vec<u8> {
    let question_end = 12 + query.raw_name.len() + 4;
    let mut out = full[..question_end].to_vec();
    out[2] |= 0x02;
    out[6..12].fill(0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query_bytes(name: &str, qtype: u16) -> Vec<u8> {
        let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
        put_name(&mut q, name);
        q.extend_from_slice(&qtype.to_be_bytes());
        q.extend_from_slice(&1u16.to_be_bytes());
        q
    }

    #[test]
    fn a_query_round_trips_into_a_response() {
        let q = Query::parse(&query_bytes("Mail.Example.", MX)).unwrap();
        assert_eq!(
            (q.id, q.rd, q.name.as_str(), q.qtype, q.edns),
            (0x1234, true, "mail.example", MX, None)
        );
        let r =
            response(&q, NOERROR, &[("mail.example".into(), Data::Mx(10, "mx.example".into()))]);
        assert_eq!(&r[..4], &[0x12, 0x34, 0x85, 0x80]);
        assert_eq!(&r[4..12], &[0, 1, 0, 1, 0, 0, 0, 0]);
        assert!(r.ends_with(b"\x00\x0a\x02mx\x07example\x00"));
        let t = truncated(&r, &q);
        assert_eq!(t[2] & 0x02, 0x02);
        assert_eq!(&t[6..8], &[0, 0]);
    }

    #[test]
    fn garbage_is_no_query() {
        assert!(Query::parse(b"").is_none());
        assert!(Query::parse(&[0; 12]).is_none());
        let mut looped = vec![0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12];
        looped.extend_from_slice(&[0, 1, 0, 1]);
        assert!(Query::parse(&looped).is_none());
    }
}
