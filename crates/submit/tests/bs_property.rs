//! No accepted byte is ever dropped through `submit -bs` (issue 16 item 0).
//!
//! Random messages, drawn from `testkit::rng` with a fixed seed, go through one
//! `submit -bs` session. Each is built from parts whose meaning is known by
//! construction, with sendmail 8.17.1.9's rules as the oracle showed them: fields
//! with blanks before the colon and any bytes after it, continuation lines, then a
//! blank line, a line that starts the body (a `--` boundary, a line without a field
//! name, a name with an 8-bit byte or longer than 100 bytes, a leading blank before
//! any field) or the end of the message. For every message answered 250, the qf's
//! own `H??` lines must be exactly the fields as sendmail stores them (name without
//! the blanks, `:`, every byte after the colon, continuations joined with LF) and the
//! df exactly the rest; only the lines submit adds (Return-Path, Received, Date,
//! From, Full-Name, Message-Id) are left out of the comparison. A field name with
//! DEL must get sendmail's 553 and leave nothing in the queue.

mod common;

use common::{BsSession, Lab};
use testkit::rng::Rng;

/// One generated message and what the queue must hold for it.
struct Case {
    /// The message as sent (LF line ends; the session adds CRLF and dot-stuffing).
    text: Vec<u8>,
    /// The message's own `H` lines, without `H??`, as sendmail stores them.
    fields: Vec<Vec<u8>>,
    /// The df.
    body: Vec<u8>,
    /// Whether sendmail refuses it (`553 5.3.0 header syntax error`).
    refused: bool,
}

/// Bytes allowed inside a line: anything but CR and LF (a bare CR ends an SMTP
/// session) and, in the header, NUL.
fn line_bytes(rng: &mut Rng, max: usize, nul: bool) -> Vec<u8> {
    let alphabet: Vec<u8> =
        (0..=255u8).filter(|&b| b != b'\r' && b != b'\n' && (nul || b != 0)).collect();
    rng.bytes_from(&alphabet, max)
}

/// A field name: 1-100 bytes of 0x21-0x7E but `:`, not starting with `--`.
fn name(rng: &mut Rng) -> Vec<u8> {
    let alphabet: Vec<u8> = (0x21..=0x7eu8).filter(|&b| b != b':').collect();
    let max = if rng.below(10) == 0 { 100 } else { 12 };
    let mut name = rng.bytes_from(&alphabet, max - 1);
    name.insert(0, b"XSabc-.(~"[rng.below(9)]);
    if name.starts_with(b"--") {
        name[0] = b'X';
    }
    name
}

/// Blanks sendmail skips between a field name and its colon.
fn blanks(rng: &mut Rng) -> Vec<u8> {
    match rng.below(3) {
        0 => Vec::new(),
        _ => rng.bytes_from(b" \t\x0b\x0c", 3),
    }
}

/// A line that ends the header and starts the body; `first` when no field came yet.
fn body_starter(rng: &mut Rng, first: bool) -> Vec<u8> {
    let tail = line_bytes(rng, 20, true);
    let mut line = match rng.below(if first { 6 } else { 5 }) {
        0 => b"--boundary: x".to_vec(),
        1 => b"no colon here".to_vec(),
        2 => b"X-\xe9t\xe9: accented name".to_vec(),
        3 => [b"N".repeat(101 + rng.below(30)), b": long name".to_vec()].concat(),
        4 => b":no name".to_vec(),
        _ => b" leading blank: before any field".to_vec(),
    };
    if !line.contains(&b':') {
        line.extend(tail.iter().filter(|&&b| b != b':'));
    } else {
        line.extend_from_slice(&tail);
    }
    line
}

fn case(rng: &mut Rng) -> Case {
    let mut c = Case { text: Vec::new(), fields: Vec::new(), body: Vec::new(), refused: false };
    for _ in 0..rng.below(12) {
        let name = name(rng);
        let value = line_bytes(rng, 60, false);
        let mut line = [name.clone(), blanks(rng), b":".to_vec(), value.clone()].concat();
        if rng.below(40) == 0 {
            let at = rng.below(line.len().min(name.len()));
            line[at] = 0x7f;
            c.refused = true;
        }
        let mut stored = [name, b":".to_vec(), value].concat();
        c.text.extend_from_slice(&line);
        c.text.push(b'\n');
        for _ in 0..rng.below(3) {
            let cont = [vec![b" \t"[rng.below(2)]], line_bytes(rng, 40, false)].concat();
            c.text.extend_from_slice(&cont);
            c.text.push(b'\n');
            stored.push(b'\n');
            stored.extend_from_slice(&cont);
        }
        c.fields.push(stored);
    }
    match rng.below(4) {
        0 => return c,
        1 => {
            let line = body_starter(rng, c.fields.is_empty());
            c.text.extend_from_slice(&line);
            c.text.push(b'\n');
            c.body.extend_from_slice(&line);
            c.body.push(b'\n');
        }
        _ => c.text.push(b'\n'),
    }
    for _ in 0..rng.below(6) {
        let line = match rng.below(5) {
            0 => b".".to_vec(),
            1 => b"Looks-Like: a header".to_vec(),
            _ => line_bytes(rng, 80, true),
        };
        c.text.extend_from_slice(&line);
        c.text.push(b'\n');
        c.body.extend_from_slice(&line);
        c.body.push(b'\n');
    }
    c
}

/// The qf's records (a line with its continuation lines), as bytes.
fn records(qf: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for line in qf.strip_suffix(b"\n").unwrap_or(qf).split(|&b| b == b'\n') {
        match (line.first(), out.last_mut()) {
            (Some(b' ' | b'\t'), Some(last)) => {
                last.push(b'\n');
                last.extend_from_slice(line);
            }
            _ => out.push(line.to_vec()),
        }
    }
    out
}

/// The message's own header lines: the `H??` records after submit's `Received`.
fn own_fields(qf: &[u8]) -> Vec<Vec<u8>> {
    let headers: Vec<Vec<u8>> = records(qf)
        .into_iter()
        .filter(|r| r.starts_with(b"H??"))
        .map(|r| r[3..].to_vec())
        .collect();
    assert!(headers[0].starts_with(b"Received: from "), "{:?}", String::from_utf8_lossy(qf));
    headers[1..].to_vec()
}

#[test]
fn every_accepted_byte_is_in_the_queue() {
    let lab = Lab::new();
    let mut rng = Rng::new(0x0016_0000_00b5);
    let cases: Vec<Case> = (0..250).map(|_| case(&mut rng)).collect();
    let mut bs = BsSession::start(&lab);
    assert!(bs.say(b"EHLO client.example\r\n").starts_with("250-"));
    let mut accepted = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let reply = bs.send("alice@example.org", "someone@example.net", &c.text);
        if c.refused {
            assert!(reply.starts_with("553 5.3.0 header syntax error, line \""), "{i}: {reply}");
            continue;
        }
        let id = reply.strip_prefix("250 2.0.0 ").and_then(|r| r.split(' ').next());
        let id = id.unwrap_or_else(|| panic!("case {i} not accepted: {reply}"));
        accepted.push((i, id.to_string()));
    }
    assert_eq!(bs.quit(), Some(0));
    assert!(accepted.len() > 200, "{} accepted", accepted.len());
    let queued = std::fs::read_dir(&lab.queue).unwrap().count();
    assert_eq!(queued, 2 * accepted.len(), "a qf and a df per accepted message, nothing else");
    for (i, id) in accepted {
        let qf = std::fs::read(lab.queue.join(format!("qf{id}"))).unwrap();
        let df = std::fs::read(lab.queue.join(format!("df{id}"))).unwrap();
        let text = String::from_utf8_lossy(&cases[i].text);
        let fields = own_fields(&qf);
        assert_eq!(fields, cases[i].fields, "case {i} fields, message:\n{text}");
        assert_eq!(df, cases[i].body, "case {i} df, message:\n{text}");
    }
}
