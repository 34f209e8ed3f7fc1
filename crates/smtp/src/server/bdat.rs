//! # Name
//! bdat - BDAT: message text in counted chunks (CHUNKING, RFC 3030)
//!
//! # Description
//! Beyond sendmail, offered only when [`super::Extensions::chunking`] is on (smtpd's
//! `Chunking` option); otherwise BDAT is an unknown command, as in sendmail.
//!
//! `BDAT <size> [LAST]`: exactly `size` bytes follow the command line and are read as
//! message text, never as commands, whatever they contain. There is no dot-stuffing
//! and no end-of-data line, so nothing can be smuggled: a line ends at LF (with or
//! without CR before it; the queue stores LF), and a CR alone is text. The first
//! chunk opens the message store ([`super::Question::Data`]); every chunk but the
//! last gets `250 2.0.0 <size> bytes received`; `LAST` ends the message, which then
//! meets the same checks and durable commit as after DATA (header and size limits,
//! `250 2.0.0 <id> Message accepted for delivery` only after the commit).
//!
//! Refusals still consume the chunk before replying, so the client and server stay
//! in step: `503 5.0.0 Need MAIL command`, `503 5.0.0 Need RCPT (recipient)`, the
//! store's own refusal. A size that is not a number gets `501 5.5.4 Syntax error in
//! parameters` (nothing is consumed: the client is out of step and the session
//! ends with it). DATA after a BDAT of the same message gets `503 5.5.1 DATA not
//! allowed after BDAT`; RSET, MAIL's end and the session's end drop a message in
//! chunks.

use super::data::{Incoming, CHUNK};
use super::{Action, MessagePart, Pending, Phase, Question, Reply, Session};

/// A message being received in chunks, and the chunk being read.
pub(super) struct Chunked {
    /// The message, or None while a refused chunk is being skipped.
    incoming: Option<Incoming>,
    /// The current line, not yet ended.
    line: Vec<u8>,
    /// Bytes of the current chunk still to read.
    remaining: u64,
    /// Size of the current chunk.
    size: u64,
    /// The current chunk ends the message.
    last: bool,
    /// What to answer once a skipped chunk is read.
    refusal: Option<Reply>,
}

impl Chunked {
    fn skipping(size: u64, refusal: Reply) -> Chunked {
        Chunked {
            incoming: None,
            line: Vec::new(),
            remaining: size,
            size,
            last: false,
            refusal: Some(refusal),
        }
    }

    /// Message text: whole lines to the message, a line too long to hold in pieces.
    fn take(&mut self, mut bytes: &[u8], limits: (usize, u64), out: &mut Vec<Action>) {
        let Some(incoming) = self.incoming.as_mut() else { return };
        while !bytes.is_empty() {
            match bytes.iter().position(|&b| b == b'\n') {
                Some(lf) => {
                    self.line.extend_from_slice(&bytes[..lf]);
                    if self.line.last() == Some(&b'\r') {
                        self.line.pop();
                    }
                    incoming.complete(&self.line, limits, out);
                    self.line.clear();
                    bytes = &bytes[lf + 1..];
                }
                None => {
                    self.line.extend_from_slice(bytes);
                    bytes = &[];
                    if self.line.len() >= CHUNK {
                        // Keep a final CR: it may be the first half of a CRLF.
                        let keep = usize::from(self.line.last() == Some(&b'\r'));
                        let piece: Vec<u8> = self.line.drain(..self.line.len() - keep).collect();
                        incoming.partial(&piece, limits, out);
                    }
                }
            }
        }
    }
}

impl Session {
    pub(super) fn bdat(&mut self, args: &str) {
        let mut words = args.split_ascii_whitespace();
        let size = words.next().filter(|w| w.bytes().all(|b| b.is_ascii_digit()));
        let size = size.and_then(|w| w.parse::<u64>().ok());
        let last = match words.next() {
            None => false,
            Some(w) if w.eq_ignore_ascii_case("LAST") => true,
            Some(_) => return self.bdat_syntax(),
        };
        let Some(size) = size.filter(|_| words.next().is_none()) else {
            return self.bdat_syntax();
        };
        let missing = match self.tx.as_ref() {
            None => Some("Need MAIL command"),
            Some(tx) if tx.recipients.is_empty() => Some("Need RCPT (recipient)"),
            Some(_) => None,
        };
        if let Some(text) = missing {
            let chunk = Chunked::skipping(size, Reply::new(503, "5.0.0", text));
            self.phase = Phase::Chunk(Box::new(chunk));
            return;
        }
        match self.chunked.take() {
            Some(mut chunk) => {
                (chunk.remaining, chunk.size, chunk.last) = (size, size, last);
                self.phase = Phase::Chunk(chunk);
            }
            None => {
                let tx = self.tx.clone().expect("checked above");
                self.ask(Question::Data(tx), Pending::Bdat { size, last });
            }
        }
    }

    fn bdat_syntax(&mut self) {
        self.reply(Reply::new(501, "5.5.4", "Syntax error in parameters"));
        self.end_transaction();
        self.close();
    }

    /// The driver's answer to [`Question::Data`] for a first chunk.
    pub(super) fn bdat_opened(&mut self, size: u64, last: bool, result: Result<(), Reply>) {
        let chunk = match result {
            Ok(()) => {
                self.last_command = "data";
                Chunked {
                    incoming: Some(Incoming::new()),
                    line: Vec::new(),
                    remaining: size,
                    size,
                    last,
                    refusal: None,
                }
            }
            Err(reply) => Chunked::skipping(size, reply),
        };
        self.phase = Phase::Chunk(Box::new(chunk));
    }

    /// Consume chunk bytes; false when more input is needed or the session ended.
    pub(super) fn chunk_input(&mut self) -> bool {
        let limits =
            (self.settings.limits.max_headers_length, self.settings.limits.max_message_size);
        let Phase::Chunk(chunk) = &mut self.phase else { return false };
        let n = usize::try_from(chunk.remaining).unwrap_or(usize::MAX).min(self.input.len());
        let bytes: Vec<u8> = self.input.drain(..n).collect();
        chunk.remaining -= n as u64;
        chunk.take(&bytes, limits, &mut self.out);
        if chunk.remaining > 0 {
            return false;
        }
        let Phase::Chunk(mut chunk) = std::mem::replace(&mut self.phase, Phase::Command) else {
            return false;
        };
        if let Some(reply) = chunk.refusal.take() {
            self.reply(reply);
            return true;
        }
        if !chunk.last {
            let text = format!("{} bytes received", chunk.size);
            self.chunked = Some(chunk);
            self.reply(Reply::new(250, "2.0.0", text));
            return true;
        }
        let mut incoming = chunk.incoming.take().expect("a message, not a skipped chunk");
        if !chunk.line.is_empty() {
            incoming.complete(&chunk.line, limits, &mut self.out);
        }
        self.finish_message(incoming);
        true
    }

    /// DATA while a message is arriving in chunks.
    pub(super) fn data_after_bdat(&mut self) -> bool {
        if self.chunked.is_none() {
            return false;
        }
        self.reply(Reply::new(503, "5.5.1", "DATA not allowed after BDAT"));
        true
    }

    /// Drop a message in chunks, telling the driver's store.
    pub(super) fn drop_chunks(&mut self) {
        if self.chunked.take().is_some() {
            self.out.push(Action::Message(MessagePart::Abort));
        }
    }
}

#[cfg(test)]
mod tests;
