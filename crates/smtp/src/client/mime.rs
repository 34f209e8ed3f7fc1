//! # Name
//! mime - 8-bit MIME bodies for a server without 8BITMIME, as sendmail's `mime8to7()`
//!
//! # Description
//! When [`super::EightBit::decide`] says `Convert`, sendmail 8.17 re-encodes the
//! body: it drops the `Content-Transfer-Encoding:` header, adds `MIME-Version: 1.0`
//! and `Content-Type: text/plain; charset=unknown-8bit` when missing, counts the
//! bytes with the high bit set ([`Scan`]) and, when there are any, writes
//!
//! ```text
//! Content-Transfer-Encoding: base64            (more than 1/8 of the bytes 8-bit)
//! X-MIME-Autoconverted: from 8bit to base64 by <host> id <queue id>
//!
//! <base64 of the body with LF as CRLF, 72 characters a line>
//! ```
//! or the same with `quoted-printable` (sendmail's encoder: lines of at most 76
//! characters with `=` soft breaks, trailing white space and a lone `.` encoded).
//! A body without 8-bit bytes, or one whose encoding is not `7bit`, `8bit` or
//! `binary` already, keeps its body and gets its `Content-Transfer-Encoding:` back.
//!
//! Only a single-part body is converted: `multipart/*` and `message/*` bodies
//! (which sendmail converts part by part) are passed as they are ([`Plan::Pass`]);
//! see the module `client` documentation.
//!
//! # Invariants
//! The output of a converted body is 7-bit; each line goes through the
//! [`DataEncoder`]'s line limit and dot-stuffing as sendmail's `putline()` does.

use super::data::{DataEncoder, PIECE};

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// The 8-bit count of a body, as sendmail's pre-scan takes it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scan {
    /// Bytes counted.
    pub size: u64,
    /// Bytes with the high bit set.
    pub high: u64,
    piece: usize,
    done: bool,
}

impl Scan {
    /// More of the body. sendmail reads it in `fgets` pieces (to LF, at most 2047
    /// bytes) and stops after a piece once 4096 bytes are counted of which more
    /// than a quarter are 8-bit.
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            if self.done {
                return;
            }
            self.size += 1;
            self.high += u64::from(b >= 0x80);
            self.piece += 1;
            if b == b'\n' || self.piece == PIECE {
                self.piece = 0;
                self.done = self.size >= 4096 && self.high > self.size / 4;
            }
        }
    }

    /// True once more input would not change the decision.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

/// What the converter does with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Leave headers and body as they are (multipart and message bodies).
    Pass,
    /// Keep the body; put this `Content-Transfer-Encoding:` back (if any).
    Copy(Option<String>),
    /// Encode the body in base64.
    Base64,
    /// Encode the body in quoted-printable.
    QuotedPrintable,
}

/// Converts one message.
#[derive(Debug, Clone)]
pub struct Converter {
    plan: Plan,
    headers: Vec<Vec<u8>>,
    autoconverted: String,
    line: Vec<u8>,
    /// base64: bytes not yet encoded (at most 2); quoted-printable: the previous byte.
    pending: Vec<u8>,
    prev: u8,
}

impl Converter {
    /// A converter for the message with header block `headers` whose body scanned
    /// as `scan`; `host` and `id` name the conversion (`$j` and the queue ID).
    pub fn new(headers: &[u8], scan: Scan, host: &str, id: &str) -> Converter {
        let fields = fields(headers);
        let value = |name: &str| {
            fields.iter().find(|f| field_name(f).eq_ignore_ascii_case(name)).map(|f| field_value(f))
        };
        let kind = content_type(value("Content-Type").as_deref().unwrap_or("text/plain"));
        let cte =
            value("Content-Transfer-Encoding").map(|v| strip_comments(&v).to_ascii_lowercase());
        let plan = if kind.eq_ignore_ascii_case("multipart") || kind.eq_ignore_ascii_case("message")
        {
            Plan::Pass
        } else if scan.high == 0
            || cte.as_deref().is_some_and(|c| !matches!(c, "7bit" | "8bit" | "binary"))
        {
            Plan::Copy(cte.clone())
        } else {
            let size = if cte.as_deref() == Some("binary") { scan.high } else { scan.size };
            if size / 8 < scan.high {
                Plan::Base64
            } else {
                Plan::QuotedPrintable
            }
        };
        let mut kept: Vec<Vec<u8>> = if plan == Plan::Pass {
            fields.clone()
        } else {
            fields
                .iter()
                .filter(|f| !field_name(f).eq_ignore_ascii_case("Content-Transfer-Encoding"))
                .cloned()
                .collect()
        };
        if plan != Plan::Pass {
            if value("MIME-Version").is_none() {
                kept.push(b"MIME-Version: 1.0".to_vec());
            }
            if value("Content-Type").is_none() {
                kept.push(b"Content-Type: text/plain; charset=unknown-8bit".to_vec());
            }
        }
        let what = if plan == Plan::Base64 { "base64" } else { "quoted-printable" };
        let autoconverted = format!("X-MIME-Autoconverted: from 8bit to {what} by {host} id {id}");
        Converter {
            plan,
            headers: kept,
            autoconverted,
            line: Vec::new(),
            pending: Vec::new(),
            prev: b'\n',
        }
    }

    /// The plan chosen.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The header block as it goes out, and the empty line after it.
    pub fn headers(&self, enc: &mut DataEncoder, out: &mut Vec<u8>) {
        for field in &self.headers {
            for line in field.split(|&b| b == b'\n') {
                enc.line(line, out);
            }
        }
        match &self.plan {
            Plan::Base64 => {
                enc.line(b"Content-Transfer-Encoding: base64", out);
                enc.line(self.autoconverted.as_bytes(), out);
            }
            Plan::QuotedPrintable => {
                enc.line(b"Content-Transfer-Encoding: quoted-printable", out);
                enc.line(self.autoconverted.as_bytes(), out);
            }
            Plan::Copy(Some(cte)) => {
                enc.line(format!("Content-Transfer-Encoding: {cte}").as_bytes(), out)
            }
            Plan::Copy(None) | Plan::Pass => {}
        }
        enc.line(b"", out);
        enc.begin_body();
    }

    /// More of the body.
    pub fn body(&mut self, bytes: &[u8], enc: &mut DataEncoder, out: &mut Vec<u8>) {
        match self.plan {
            Plan::Pass | Plan::Copy(_) => enc.body(bytes, out),
            Plan::Base64 => {
                for &b in bytes {
                    if b == b'\n' {
                        self.base64_byte(b'\r', enc, out);
                    }
                    self.base64_byte(b, enc, out);
                }
            }
            Plan::QuotedPrintable => {
                for &b in bytes {
                    self.qp_byte(b, enc, out);
                }
            }
        }
    }

    /// The end of the body.
    pub fn finish(&mut self, enc: &mut DataEncoder, out: &mut Vec<u8>) {
        match self.plan {
            Plan::Pass | Plan::Copy(_) => {}
            Plan::Base64 => {
                let rest = std::mem::take(&mut self.pending);
                if !rest.is_empty() {
                    self.base64_group(&rest, enc, out);
                }
                enc.line(&self.line, out);
            }
            Plan::QuotedPrintable => {
                if matches!(self.prev, b' ' | b'\t') {
                    push_hex(&mut self.line, self.prev);
                }
                if !self.line.is_empty() {
                    enc.line(&self.line, out);
                }
            }
        }
        self.line.clear();
    }

    fn base64_byte(&mut self, b: u8, enc: &mut DataEncoder, out: &mut Vec<u8>) {
        self.pending.push(b);
        if self.pending.len() == 3 {
            let group = std::mem::take(&mut self.pending);
            self.base64_group(&group, enc, out);
        }
    }

    /// One group of up to three bytes; a line is written before a group that would
    /// make it longer than 72 characters.
    fn base64_group(&mut self, group: &[u8], enc: &mut DataEncoder, out: &mut Vec<u8>) {
        if self.line.len() > 71 {
            enc.line(&self.line, out);
            self.line.clear();
        }
        let n = group.iter().enumerate().fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= group.len() {
                self.line.push(BASE64[((n >> (18 - 6 * i)) & 63) as usize]);
            } else {
                self.line.push(b'=');
            }
        }
    }

    /// sendmail's quoted-printable encoder, one byte at a time (`prev` is its `c2`).
    fn qp_byte(&mut self, c: u8, enc: &mut DataEncoder, out: &mut Vec<u8>) {
        if c == b'\n' {
            if matches!(self.prev, b' ' | b'\t') {
                push_hex(&mut self.line, self.prev);
            }
            if self.line == b"." {
                self.line = b"=2E".to_vec();
            }
            enc.line(&self.line, out);
            self.line.clear();
            self.prev = c;
            return;
        }
        let mut prev = self.prev;
        if matches!(prev, b' ' | b'\t') {
            self.line.push(prev);
        }
        let len = self.line.len();
        if len > 72 && (len > 75 || c != b'.' || (len > 73 && prev == b'.')) {
            if len > 73 && prev == b'.' {
                self.line.pop();
            } else {
                prev = b'\n';
            }
            self.line.push(b'=');
            enc.line(&self.line, out);
            self.line.clear();
            if prev == b'.' {
                self.line.push(b'.');
            }
        }
        if (c < 0x20 && c != b'\t') || c >= 0x7f || c == b'=' {
            push_hex(&mut self.line, c);
        } else if c != b' ' && c != b'\t' {
            self.line.push(c);
        }
        self.prev = c;
    }
}

fn push_hex(line: &mut Vec<u8>, b: u8) {
    line.extend_from_slice(&[b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
}

/// The header block as fields, each with its continuation lines (joined by LF,
/// line ends removed).
fn fields(headers: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for line in headers.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match (line.first(), out.last_mut()) {
            (Some(b' ' | b'\t'), Some(field)) => {
                field.push(b'\n');
                field.extend_from_slice(line);
            }
            (None, _) => {}
            _ => out.push(line.to_vec()),
        }
    }
    out
}

fn field_name(field: &[u8]) -> String {
    let end = field.iter().position(|&b| b == b':').unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).trim().to_string()
}

fn field_value(field: &[u8]) -> String {
    let start = field.iter().position(|&b| b == b':').map_or(field.len(), |p| p + 1);
    String::from_utf8_lossy(&field[start..]).replace('\n', " ").trim().to_string()
}

/// The type (before `/`) of a Content-Type value, comments removed.
fn content_type(value: &str) -> String {
    let value = strip_comments(value);
    let main = value.split(';').next().unwrap_or("");
    main.split('/').next().unwrap_or("").to_string()
}

/// `value` without `(comments)` and white space.
fn strip_comments(value: &str) -> String {
    let mut depth = 0usize;
    value
        .chars()
        .filter(|&c| match c {
            '(' => {
                depth += 1;
                false
            }
            ')' => {
                depth = depth.saturating_sub(1);
                false
            }
            c => depth == 0 && !c.is_whitespace(),
        })
        .collect()
}

#[cfg(test)]
mod tests;
