//! The recorded SMTP sessions: `reference/smtp/*.transcript`, read back for replay.
//!
//! # Format
//! smtpchat.py writes, per session, `# connect HOST:PORT from SOURCE`, then `C: line`
//! for what the client sent (a raw chunk as a Python bytes literal `b'...'` followed by
//! `   # raw bytes`; a long line as `NAMExxxx...(N x's in total)`), `S: line` for what
//! the server answered, and under `@timing` a `# (+N.NNs)` line after each reply. The
//! sections after the sessions (`# syslog`, `# relayed copy`, `# local delivery
//! copy`) are not part of the dialogue and end the parse.
//!
//! [`mask`] replaces what differs on every run (the greeting's date, queue IDs, SASL
//! challenges) so replies compare by shape.
//!
//! # Panics
//! [`parse`] on a `# connect` line without ` from ` or a port, or a malformed bytes
//! literal: a broken recording.

/// One thing in a recorded session.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Bytes the client sent.
    Client(Vec<u8>),
    /// One reply line the server sent.
    Server(String),
    /// The delay before the last reply, in seconds.
    Timing(f64),
}

/// One recorded session.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The server port (2525: main MTA, 2526: open MTA).
    pub port: u16,
    /// The client's source address.
    pub source: String,
    /// The dialogue.
    pub steps: Vec<Step>,
}

/// The sessions of a transcript file's text.
pub fn parse(text: &str) -> Vec<Session> {
    let mut sessions: Vec<Session> = Vec::new();
    for line in text.lines() {
        if ["# syslog", "# relayed", "# local delivery"].iter().any(|p| line.starts_with(p)) {
            break;
        }
        if let Some(rest) = line.strip_prefix("# connect ") {
            let (target, source) = rest.split_once(" from ").expect("connect line with a source");
            let port = target.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port");
            sessions.push(Session { port, source: source.trim().to_string(), steps: Vec::new() });
            continue;
        }
        let Some(current) = sessions.last_mut() else { continue };
        if let Some(c) = line.strip_prefix("C: ") {
            current.steps.push(Step::Client(client_line(c)));
        } else if line == "C:" {
            current.steps.push(Step::Client(b"\r\n".to_vec()));
        } else if let Some(s) = line.strip_prefix("S: ") {
            current.steps.push(Step::Server(s.to_string()));
        } else if let Some(t) = line.strip_prefix("# (+").and_then(|t| t.strip_suffix("s)")) {
            current.steps.push(Step::Timing(t.parse().expect("timing")));
        }
    }
    sessions
}

/// The bytes of one `C:` line.
fn client_line(text: &str) -> Vec<u8> {
    if text.starts_with("b'") || text.starts_with("b\"") {
        let literal = text.split("   # raw bytes").next().unwrap_or(text).trim_end();
        return python_bytes(literal);
    }
    if let Some(head) = text.strip_suffix(" x's in total)") {
        if let Some((prefix, count)) = head.rsplit_once("...(") {
            let mut line = prefix.trim_end_matches('x').to_string();
            line.push_str(&"x".repeat(count.parse().expect("x count")));
            return format!("{line}\r\n").into_bytes();
        }
    }
    format!("{text}\r\n").into_bytes()
}

/// A Python bytes literal `b'...'` as smtpchat.py writes it.
pub fn python_bytes(text: &str) -> Vec<u8> {
    let inner = &text[2..text.len() - 1];
    let mut out = Vec::new();
    let mut bytes = inner.bytes();
    while let Some(c) = bytes.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'0') => out.push(0),
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let hex = String::from_utf8(hex).expect("hex escape");
                out.push(u8::from_str_radix(&hex, 16).expect("hex escape"));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A reply line with what differs on every run replaced: the greeting's date
/// (`DATE`), a SASL challenge (`334 CHALLENGE`) and a queue ID (`QID`).
pub fn mask(line: &str) -> String {
    if line.starts_with("220 mail.lab.example ESMTP Sendmail") {
        if let (Some(a), Some(b)) = (line.find("; "), line.find(" (smlab oracle)")) {
            return format!("{}; DATE{}", &line[..a], &line[b..]);
        }
    }
    if line.starts_with("334 ") {
        return "334 CHALLENGE".to_string();
    }
    if let Some(rest) = line.strip_prefix("250 2.0.0 ") {
        if let Some((_, tail)) = rest.split_once(' ') {
            if tail == "Message accepted for delivery" {
                return "250 2.0.0 QID Message accepted for delivery".to_string();
            }
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_steps_and_masks() {
        let text = "# note\n# connect 127.0.0.1:2526 from 127.0.0.2\nS: 220 x\nC: NOOP\n# (+1.00s)\n\
                    C: b'A\\r\\nB\\x00\\n'   # raw bytes\nC:\nC: Xxx...(5 x's in total)\n# syslog\nC: not this\n";
        let s = parse(text);
        assert_eq!((s.len(), s[0].port, s[0].source.as_str()), (1, 2526, "127.0.0.2"));
        assert_eq!(
            s[0].steps,
            [
                Step::Server("220 x".into()),
                Step::Client(b"NOOP\r\n".to_vec()),
                Step::Timing(1.0),
                Step::Client(b"A\r\nB\0\n".to_vec()),
                Step::Client(b"\r\n".to_vec()),
                Step::Client(b"Xxxxxx\r\n".to_vec()),
            ]
        );
        assert_eq!(
            mask("250 2.0.0 6AONaqTD008413 Message accepted for delivery"),
            "250 2.0.0 QID Message accepted for delivery"
        );
        assert_eq!(mask("334 PDEuMUBtYWlsPg=="), "334 CHALLENGE");
        assert_eq!(
            mask("220 mail.lab.example ESMTP Sendmail 8.17.1.9/8.17.1.9/smlab; Tue, 24 Nov 2026 23:23:53 GMT (smlab oracle)"),
            "220 mail.lab.example ESMTP Sendmail 8.17.1.9/8.17.1.9/smlab; DATE (smlab oracle)"
        );
    }
}
