//! # Name
//! data - DATA: receive the message text and hand it to the caller
//!
//! # Description
//! `503 5.0.0 Need MAIL command` / `503 5.0.0 Need RCPT (recipient)` first; then
//! the driver opens its store ([`Question::Data`]) and the client gets `354 End data
//! with <CR><LF>.<CR><LF>`.
//!
//! Each line must end in CRLF: a bare LF ends the session at once with `421 4.5.0
//! Bare linefeed (LF) not allowed` (the smuggling fix; nothing is queued). A line
//! that is a single dot ends the text; otherwise one leading dot is removed. The
//! text goes out as [`MessagePart`]s in order: header lines (up to the blank line or
//! the first line that is not a header) one by one, the rest as body chunks with LF
//! line ends, gathered up to 64 KiB. Which line is a header line is
//! [`spool::message::syntax`]'s rule, the one `spool::message` reads with, so the
//! driver can take the lines as they come. A line longer than 64 KiB is passed on in
//! pieces, so memory stays bounded.
//!
//! After the final dot: `552 5.6.0 Headers too large (N max)` past
//! `MaxHeadersLength`, `553 5.3.0 header syntax error, line "..."` for a field name
//! sendmail refuses (DEL in it), `552 5.2.3 Message exceeds maximum fixed size (N)`
//! past `MaxMessageSize` (the message is dropped with [`MessagePart::Abort`]); else the
//! [`Question::Commit`], whose answer gives `250 2.0.0 <id> Message accepted for
//! delivery` or the commit error's reply; after a `421` (the disk is full) the session
//! ends, as sendmail's does.

use super::{Action, CommitError, Event, MessagePart, Pending, Phase, Question, Reply, Session};
use spool::message::syntax::{classify, Line};

/// Longest piece of one message line held before it is passed on, and the size at
/// which gathered body text goes out.
const CHUNK: usize = 64 * 1024;

/// A message being received.
pub(super) struct Incoming {
    in_headers: bool,
    seen_header: bool,
    header_bytes: usize,
    size: u64,
    /// The current line began in an earlier piece (no dot handling, same section).
    continuing: bool,
    /// The current long header line is being dropped (headers already too large).
    discarding: bool,
    headers_too_large: bool,
    /// The first header line sendmail refuses (`553 5.3.0 header syntax error`).
    bad_header: Option<Vec<u8>>,
    too_big: bool,
    /// Body text not yet handed out.
    body: Vec<u8>,
}

impl Incoming {
    fn new() -> Incoming {
        Incoming {
            in_headers: true,
            seen_header: false,
            header_bytes: 0,
            size: 0,
            continuing: false,
            discarding: false,
            headers_too_large: false,
            bad_header: None,
            too_big: false,
            body: Vec::new(),
        }
    }

    fn failed(&self) -> bool {
        self.headers_too_large || self.bad_header.is_some() || self.too_big
    }

    fn count(&mut self, n: usize, max_size: u64) {
        self.size = self.size.saturating_add(n as u64);
        if max_size > 0 && self.size > max_size {
            self.too_big = true;
        }
    }

    /// One complete line (unstuffed, without CRLF).
    fn complete(&mut self, content: &[u8], limits: (usize, u64), out: &mut Vec<Action>) {
        let (max_headers, max_size) = limits;
        self.count(content.len() + 1, max_size);
        let continuing = std::mem::replace(&mut self.continuing, false);
        if std::mem::replace(&mut self.discarding, false) {
            return;
        }
        if self.in_headers && !continuing {
            match classify(content, self.seen_header) {
                Line::Blank => {
                    self.in_headers = false;
                    return;
                }
                Line::Body => self.in_headers = false,
                Line::Malformed => {
                    self.bad_header.get_or_insert_with(|| content.to_vec());
                    return;
                }
                Line::Field(_) | Line::Continuation => {
                    self.seen_header = true;
                    self.header_bytes += content.len() + 1;
                    if max_headers > 0 && self.header_bytes > max_headers {
                        self.headers_too_large = true;
                    }
                    if !self.failed() {
                        out.push(Action::Message(MessagePart::Header(content.to_vec())));
                    }
                    return;
                }
            }
        }
        self.add_body(content, out);
        self.add_body(b"\n", out);
    }

    /// The first part of a line too long to hold.
    fn partial(&mut self, piece: &[u8], limits: (usize, u64), out: &mut Vec<Action>) {
        let (max_headers, max_size) = limits;
        self.count(piece.len(), max_size);
        let first = !std::mem::replace(&mut self.continuing, true);
        if self.discarding || (first && self.in_headers && max_headers > 0) {
            self.discarding = true;
            self.headers_too_large = true;
            return;
        }
        self.in_headers = false;
        self.add_body(piece, out);
    }

    fn add_body(&mut self, bytes: &[u8], out: &mut Vec<Action>) {
        if self.failed() {
            return;
        }
        self.body.extend_from_slice(bytes);
        if self.body.len() >= CHUNK {
            self.flush(out);
        }
    }

    /// Hand out the body text gathered so far.
    fn flush(&mut self, out: &mut Vec<Action>) {
        if !self.body.is_empty() {
            out.push(Action::Message(MessagePart::Body(std::mem::take(&mut self.body))));
        }
    }
}

impl Session {
    pub(super) fn data(&mut self) {
        let Some(tx) = self.tx.as_ref() else {
            self.reply(Reply::new(503, "5.0.0", "Need MAIL command"));
            return;
        };
        if tx.recipients.is_empty() {
            self.reply(Reply::new(503, "5.0.0", "Need RCPT (recipient)"));
            return;
        }
        self.ask(Question::Data(tx.clone()), Pending::Data);
    }

    /// The driver's answer to [`Question::Data`]: `354`, or its reply.
    pub(super) fn data_opened(&mut self, result: Result<(), Reply>) {
        match result {
            Ok(()) => {
                self.last_command = "data";
                self.phase = Phase::Data(Box::new(Incoming::new()));
                self.reply(Reply::bare(354, "End data with <CR><LF>.<CR><LF>"));
            }
            Err(reply) => self.reply(reply),
        }
    }

    /// Consume message text; false when more input is needed or the session ended.
    pub(super) fn data_input(&mut self) -> bool {
        let limits =
            (self.settings.limits.max_headers_length, self.settings.limits.max_message_size);
        let Phase::Data(incoming) = &mut self.phase else {
            return false;
        };
        let Some(lf) = self.input.iter().position(|&b| b == b'\n') else {
            if self.input.len() < CHUNK {
                return false;
            }
            let keep = usize::from(self.input.last() == Some(&b'\r'));
            let mut piece: Vec<u8> = self.input.drain(..self.input.len() - keep).collect();
            if !incoming.continuing && piece.first() == Some(&b'.') {
                piece.remove(0);
            }
            incoming.partial(&piece, limits, &mut self.out);
            return true;
        };
        if lf == 0 || self.input[lf - 1] != b'\r' {
            self.bare_linefeed();
            return false;
        }
        let line: Vec<u8> = self.input.drain(..=lf).collect();
        let content = &line[..line.len() - 2];
        if !incoming.continuing && content == b"." {
            self.end_of_data();
            return true;
        }
        let unstuffed = match content.first() {
            Some(b'.') if !incoming.continuing => &content[1..],
            _ => content,
        };
        incoming.complete(unstuffed, limits, &mut self.out);
        true
    }

    fn bare_linefeed(&mut self) {
        self.event(Event::BareLinefeed);
        self.end_transaction();
        self.reply(Reply::new(421, "4.5.0", "Bare linefeed (LF) not allowed"));
        self.close();
    }

    fn end_of_data(&mut self) {
        let Phase::Data(mut incoming) = std::mem::replace(&mut self.phase, Phase::Command) else {
            return;
        };
        let refusal = self.refusal(&incoming);
        let Some(envelope) = self.tx.as_mut() else {
            self.out.push(Action::Message(MessagePart::Abort));
            return;
        };
        envelope.message_size = incoming.size;
        let envelope = envelope.clone();
        if let Some(reply) = refusal {
            self.end_transaction();
            self.out.push(Action::Message(MessagePart::Abort));
            self.reply(reply);
            return;
        }
        incoming.flush(&mut self.out);
        self.ask(Question::Commit(envelope), Pending::Commit);
    }

    /// The reply for a message that cannot be accepted whatever the store says.
    fn refusal(&self, incoming: &Incoming) -> Option<Reply> {
        let limits = &self.settings.limits;
        if incoming.headers_too_large {
            let max = limits.max_headers_length;
            Some(Reply::new(552, "5.6.0", format!("Headers too large ({max} max)")))
        } else if let Some(line) = &incoming.bad_header {
            let line = super::lossy(line);
            Some(Reply::new(553, "5.3.0", format!("header syntax error, line \"{line}\"")))
        } else if incoming.too_big {
            let max = limits.max_message_size;
            Some(Reply::new(552, "5.2.3", format!("Message exceeds maximum fixed size ({max})")))
        } else {
            None
        }
    }

    /// The driver's answer to [`Question::Commit`]: 250 only when it is durable.
    pub(super) fn committed(&mut self, result: Result<String, CommitError>) {
        self.tx = None;
        let reply = match result {
            Ok(id) => Reply::new(250, "2.0.0", format!("{id} Message accepted for delivery")),
            Err(e) => e.reply(),
        };
        let closing = reply.code() == 421;
        self.reply(reply);
        if closing {
            self.close();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, session, started};
    use super::super::{CommitError, Settings};

    /// ENOSPC, as the OS reports a full disk.
    fn libc_enospc() -> i32 {
        28
    }

    fn in_data(settings: Settings) -> super::super::tests::Started {
        let (mut s, stored) = started(settings);
        say(&mut s, "EHLO c.example\r\n");
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        say(&mut s, "RCPT TO:<root>\r\n");
        assert_eq!(say(&mut s, "DATA\r\n"), "354 End data with <CR><LF>.<CR><LF>\r\n");
        (s, stored)
    }

    #[test]
    fn sequence_errors() {
        let (mut s, _) = started(lab());
        assert_eq!(say(&mut s, "DATA\r\n"), "503 5.0.0 Need MAIL command\r\n");
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        say(&mut s, "RCPT TO:<nobody>\r\n");
        assert_eq!(say(&mut s, "DATA\r\n"), "503 5.0.0 Need RCPT (recipient)\r\n");
    }

    #[test]
    fn dots_are_unstuffed_and_headers_split() {
        let (mut s, stored) = in_data(lab());
        let r = say(&mut s, "Subject: x\r\n  cont\r\n\r\n..\r\n..x\r\n. y\r\n.\r\n");
        assert_eq!(r, "250 2.0.0 QID0001 Message accepted for delivery\r\n");
        let stored = stored.borrow();
        assert_eq!(stored[0].1, b"Subject: x\n  cont\n.\n.x\n y\n");
        assert_eq!(stored[0].0.message_size, 27);
        assert_eq!(stored[0].0.recipients[0].address, "root");
    }

    #[test]
    fn first_non_header_line_starts_the_body() {
        let (mut s, stored) = in_data(lab());
        say(&mut s, "just a body line\r\nSubject: not a header\r\n.\r\n");
        assert_eq!(stored.borrow()[0].1, b"just a body line\nSubject: not a header\n");
    }

    /// Issue 16 item 0: blanks before the colon (SP, HT, VT, FF) still make a field,
    /// and the header goes on after it, as sendmail 8.17 reads it.
    #[test]
    fn blanks_before_the_colon_keep_the_header_going() {
        let (mut s, stored) = in_data(lab());
        say(&mut s, "Subject: one\r\nX-Foo\t: bar\r\nX-V\x0b: w\r\nX-After: kept?\r\n\r\nbody\r\n");
        say(&mut s, ".\r\n");
        let stored = stored.borrow();
        let text = "Subject: one\nX-Foo\t: bar\nX-V\x0b: w\nX-After: kept?\nbody\n";
        assert_eq!(String::from_utf8_lossy(&stored[0].1), text);
        assert_eq!(stored[0].2, 4, "four header lines");
    }

    #[test]
    fn boundaries_and_long_names_start_the_body() {
        let (mut s, stored) = in_data(lab());
        let long = "X".repeat(101);
        say(&mut s, &format!("Subject: one\r\n{long}: v\r\nX-After: b\r\n.\r\n"));
        assert_eq!(stored.borrow()[0].2, 1);
        let (mut s, stored) = in_data(lab());
        say(&mut s, "Subject: one\r\n--X: v\r\n.\r\n");
        assert_eq!(stored.borrow()[0].2, 1);
    }

    #[test]
    fn del_in_a_field_name_is_553_after_the_dot() {
        let (mut s, stored) = in_data(lab());
        assert_eq!(say(&mut s, "Subject: one\r\nX-A\x7f: bar\r\n\r\nbody\r\n"), "");
        let r = say(&mut s, ".\r\n");
        assert_eq!(r, "553 5.3.0 header syntax error, line \"X-A?: bar\"\r\n");
        assert!(stored.borrow().is_empty());
    }

    #[test]
    fn bare_lf_closes_at_once() {
        let (mut s, stored) = in_data(lab());
        let r = say(&mut s, "Subject: x\r\n\r\nbody\n");
        assert_eq!(r, "421 4.5.0 Bare linefeed (LF) not allowed\r\n[close]\r\n");
        assert!(stored.borrow().is_empty());
        let (mut s, _) = in_data(lab());
        let r = say(&mut s, "body\r\n.\n");
        assert!(r.starts_with("421 4.5.0"));
    }

    #[test]
    fn headers_too_large_after_the_dot() {
        let (mut s, stored) = in_data(lab());
        assert_eq!(say(&mut s, &format!("X-Big: {}\r\n\r\nbody\r\n", "x".repeat(200))), "");
        let r = say(&mut s, ".\r\n");
        assert_eq!(r, "552 5.6.0 Headers too large (100 max)\r\n");
        assert!(stored.borrow().is_empty());
        assert_eq!(say(&mut s, "RCPT TO:<root>\r\n"), "503 5.0.0 Need MAIL before RCPT\r\n");
    }

    #[test]
    fn message_size_limit() {
        let mut settings = lab();
        settings.limits.max_message_size = 10;
        let (mut s, _) = in_data(settings);
        let r = say(&mut s, "\r\n0123456789\r\n.\r\n");
        assert_eq!(r, "552 5.2.3 Message exceeds maximum fixed size (10)\r\n");
    }

    #[test]
    fn long_lines_stream_in_pieces() {
        let (mut s, stored) = in_data(lab());
        say(&mut s, "\r\n");
        let line = "y".repeat(200_000);
        for chunk in line.as_bytes().chunks(30_000) {
            assert_eq!(super::super::tests::text(&s.feed(chunk, false)), "");
        }
        say(&mut s, "\r\n.\r\n");
        let body = &stored.borrow()[0].1;
        assert_eq!(body.len(), 200_001);
        assert!(body.ends_with(b"y\n"));
    }

    /// The reply to the final dot when the commit fails with `error`.
    fn commit_failing_with(error: fn() -> CommitError) -> String {
        let (mut s, stored) = session(lab());
        s.policy_mut().fail_commit = Some(error);
        s.start();
        say(&mut s, "EHLO c.example\r\n");
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        say(&mut s, "RCPT TO:<root>\r\n");
        say(&mut s, "DATA\r\n");
        let r = say(&mut s, "body\r\n.\r\n");
        assert!(stored.borrow().is_empty());
        r
    }

    #[test]
    fn failed_commit_is_never_250() {
        let r = commit_failing_with(|| CommitError::Io(std::io::Error::other("fsync failed")));
        assert_eq!(r, "451 4.3.0 Temporary system failure\r\n");
    }

    /// A full disk is answered as sendmail 8.17.1.9 answers it (the oracle, as `-bs`
    /// and as a daemon, its queue on a full tmpfs): `421 4.3.1`, and the session ends.
    #[test]
    fn a_full_disk_is_421_and_the_end() {
        let r = commit_failing_with(|| CommitError::NoSpace);
        assert_eq!(r, "421 4.3.1 Out of disk space for temp file\r\n[close]\r\n");
        let r = commit_failing_with(|| {
            CommitError::from(std::io::Error::from_raw_os_error(libc_enospc()))
        });
        assert!(r.starts_with("421 4.3.1 "), "{r}");
    }

    /// A body sink that fails keeps its error's kind: ENOSPC / EDQUOT as `421 4.3.1`.
    #[test]
    fn a_sink_on_a_full_disk_is_421() {
        for (kind, wanted) in [
            (std::io::ErrorKind::StorageFull, "421 4.3.1 Out of disk space for temp file\r\n"),
            (std::io::ErrorKind::QuotaExceeded, "421 4.3.1 Out of disk space for temp file\r\n"),
            (std::io::ErrorKind::Other, "451 4.3.0 Temporary system failure\r\n"),
        ] {
            let (mut s, stored) = session(lab());
            s.policy_mut().fail_body = Some(kind);
            s.start();
            for command in ["HELO c\r\n", "MAIL FROM:<a@b>\r\n", "RCPT TO:<root>\r\n", "DATA\r\n"] {
                say(&mut s, command);
            }
            let r = say(&mut s, "Subject: x\r\n\r\nbody\r\n.\r\n");
            assert!(r.starts_with(wanted), "{kind:?}: {r}");
            assert!(stored.borrow().is_empty());
        }
    }

    #[test]
    fn lost_input_during_data_aborts() {
        let (mut s, stored) = in_data(lab());
        say(&mut s, "half a message\r\n");
        let r = super::super::tests::text(&s.eof());
        assert!(
            r.starts_with("421 4.4.1 mail.example Lost input channel from localhost [127.0.0.1]")
        );
        assert!(stored.borrow().is_empty());
    }
}
