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
pub(super) const CHUNK: usize = 64 * 1024;

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
    pub(super) fn new() -> Incoming {
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
    pub(super) fn complete(&mut self, content: &[u8], limits: (usize, u64), out: &mut Vec<Action>) {
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
    pub(super) fn partial(&mut self, piece: &[u8], limits: (usize, u64), out: &mut Vec<Action>) {
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
        if self.data_after_bdat() {
            return;
        }
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
            Err(reply) => self.refuse(reply),
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
        let Phase::Data(incoming) = std::mem::replace(&mut self.phase, Phase::Command) else {
            return;
        };
        self.finish_message(*incoming);
    }

    /// The message text is complete (the final dot, or BDAT LAST): refuse it or ask
    /// for the commit.
    pub(super) fn finish_message(&mut self, mut incoming: Incoming) {
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
mod tests;
