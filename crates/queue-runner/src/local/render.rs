//! A message as a mailer receives it: `From ` line, header, body.
//!
//! What is written depends on the mailer's flags, as sendmail's `putfromline`,
//! `putheader` and `putbody` decide:
//!
//! ```text
//! From <$g> <ctime>           unless the mailer has `n` (UnixFromLine "From $g $d")
//! <H lines>                   `H??` always; `H?XY?` when the mailer has X or Y;
//!                             `\201g` is $g, `\201j` is $j; Bcc dropped with `F...b`
//!                             (blank line)
//! <df>                        `From ` lines as `>From ` when the mailer has `E`
//! ```
//!
//! `$g` is the envelope sender as the local mailers see it: the `S` line without
//! angle brackets, `MAILER-DAEMON` for `<>`.

use crate::senders::{Kind, Senders};
use spool::qf::envelope::Header;

/// Who the message is from, for `$g`: the `S` value without brackets;
/// `MAILER-DAEMON` for the null sender.
pub fn local_sender(sender: &[u8]) -> String {
    let text = String::from_utf8_lossy(sender);
    let bare = text.trim().trim_start_matches('<').trim_end_matches('>');
    if bare.is_empty() {
        "MAILER-DAEMON".to_string()
    } else {
        bare.to_string()
    }
}

/// sendmail's `$d`: ctime(3) without the newline (`Fri Dec  4 17:29:08 2026`).
pub fn ctime(at: jiff::Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::system()).strftime("%a %b %e %H:%M:%S %Y").to_string()
}

/// What to write for one mailer.
#[derive(Debug, Clone)]
pub struct Render<'a> {
    /// The mailer's flags.
    pub flags: &'a str,
    /// `$g`.
    pub sender: &'a str,
    /// `$j`.
    pub host: &'a str,
    /// The qf's headers.
    pub headers: &'a [Header],
    /// The envelope flags say `b`: drop `Bcc:`.
    pub delete_bcc: bool,
    /// When (`$d` of the `From ` line).
    pub now: jiff::Timestamp,
    /// The sender rewriting of the mailer's header ruleset (`S=.../HdrFrom...`);
    /// `None` for a mailer without one (`*file*`).
    pub rewrite: Option<(&'a Senders, Kind)>,
}

impl Render<'_> {
    /// The `From ` line (with its LF), unless the mailer writes its own (`n`).
    pub fn from_line(&self) -> Option<String> {
        (!self.flags.contains('n')).then(|| format!("From {} {}\n", self.sender, ctime(self.now)))
    }

    /// The header lines this mailer gets, each ending in LF.
    pub fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for h in self.headers {
            if !self.wanted(h) {
                continue;
            }
            let text = self.expand(&h.text);
            match self.rewrite {
                Some((senders, kind)) => out.extend_from_slice(&senders.header(&text, kind)),
                None => out.extend_from_slice(&text),
            }
            out.push(b'\n');
        }
        out
    }

    fn wanted(&self, h: &Header) -> bool {
        if self.delete_bcc && field_is(&h.text, "Bcc") {
            return false;
        }
        match h.condition.first() {
            None => true,
            Some(b'$') => false,
            Some(_) => h.condition.iter().any(|&c| self.flags.as_bytes().contains(&c)),
        }
    }

    /// `\201g` -> `$g`, `\201j` -> `$j`; other macros are left out.
    fn expand(&self, text: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        let mut bytes = text.iter();
        while let Some(&b) = bytes.next() {
            if b != 0x81 {
                out.push(b);
                continue;
            }
            match bytes.next() {
                Some(b'g') => out.extend_from_slice(self.sender.as_bytes()),
                Some(b'j') => out.extend_from_slice(self.host.as_bytes()),
                _ => {}
            }
        }
        out
    }

    /// The body as this mailer gets it.
    pub fn body<'b>(&self, df: &'b [u8]) -> std::borrow::Cow<'b, [u8]> {
        if self.flags.contains('E') {
            std::borrow::Cow::Owned(spool::dsn::escape_from(df))
        } else {
            std::borrow::Cow::Borrowed(df)
        }
    }

    /// The whole message: `From ` line, header, blank line, body.
    pub fn message(&self, df: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(df.len() + 1024);
        if let Some(line) = self.from_line() {
            out.extend_from_slice(line.as_bytes());
        }
        out.extend_from_slice(&self.header());
        out.push(b'\n');
        out.extend_from_slice(&self.body(df));
        out
    }
}

/// Whether header text `Name: value` is field `name`.
fn field_is(text: &[u8], name: &str) -> bool {
    let colon = text.iter().position(|&b| b == b':').unwrap_or(text.len());
    String::from_utf8_lossy(&text[..colon]).trim().eq_ignore_ascii_case(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(condition: &str, text: &str) -> Header {
        Header { condition: condition.into(), text: text.into() }
    }

    fn headers() -> Vec<Header> {
        vec![
            Header { condition: b"P".to_vec(), text: b"Return-Path: <\x81g>".to_vec() },
            h("", "Received: (from root@localhost)\n\tby mail.lab.example id X"),
            h("D", "Date: Fri, 4 Dec 2026 17:29:08 GMT"),
            h("x", "Full-Name: root"),
            h("", "Bcc: secret@example.org"),
            h("", "Subject: aliases"),
        ]
    }

    /// The prog mailer (`lsDFMoqeu9`): a `From ` line, no Return-Path, no escaping;
    /// sendmail wrote scenario probe pipe.out this way.
    #[test]
    fn the_prog_mailer() {
        let hs = headers();
        let now = "2026-12-04T17:29:08Z".parse().unwrap();
        let r = Render {
            flags: "lsDFMoqeu9",
            sender: "root",
            host: "h",
            headers: &hs,
            delete_bcc: true,
            now,
            rewrite: None,
        };
        let text = String::from_utf8(r.message(b"body\nFrom x\n")).unwrap();
        let from = format!("From root {}\n", ctime(now));
        assert_eq!(
            text,
            format!("{from}Received: (from root@localhost)\n\tby mail.lab.example id X\nDate: Fri, 4 Dec 2026 17:29:08 GMT\nSubject: aliases\n\nbody\nFrom x\n")
        );
    }

    /// The file mailer (`lsDFMPEouq9`): Return-Path and `>From`.
    #[test]
    fn the_file_mailer_and_the_local_mailer() {
        let hs = headers();
        let now = "2026-12-04T17:29:08Z".parse().unwrap();
        let file = Render {
            flags: "lsDFMPEouq9",
            sender: "root",
            host: "h",
            headers: &hs,
            delete_bcc: false,
            now,
            rewrite: None,
        };
        let text = String::from_utf8(file.message(b"From x\n")).unwrap();
        assert!(text.contains("\nReturn-Path: <root>\n"), "{text}");
        assert!(text.contains("\nBcc: secret@example.org\n") && text.ends_with("\n\n>From x\n"));
        let local = Render { flags: "lsDFMAw5:/|@qSPfhn9", ..file };
        assert!(local.from_line().is_none());
        assert!(String::from_utf8(local.message(b"From x\n")).unwrap().ends_with("\n\nFrom x\n"));
        assert_eq!(local_sender(b"<root@mail.lab.example>"), "root@mail.lab.example");
        assert_eq!(local_sender(b"<>"), "MAILER-DAEMON");
        assert_eq!(local_sender(b"MAILER-DAEMON"), "MAILER-DAEMON");
    }
}
