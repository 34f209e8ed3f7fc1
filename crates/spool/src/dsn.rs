//! # Name
//! dsn - delivery status notifications (RFC 3464) as sendmail 8.17 writes them
//!
//! # Description
//! A bounce, a delay warning, a return receipt and a postmaster notice are one
//! `multipart/report` message, queued from `<>` as `MAILER-DAEMON`. [`Report`]
//! describes one: the original message (its arrival, its `$_`, its header as the file
//! mailer writes it, its body), the recipients it reports on, and the transcript of
//! the delivery attempt. It gives the notice's header fields ([`Report::headers`], the
//! `H` lines of its qf) and its body ([`Report::body`], its df), byte for byte as
//! sendmail's `returntosender` and `errbody` lay them out:
//!
//! ```text
//! This is a MIME-encapsulated message
//!
//! --<ID>.<time>/<host>
//!
//! The original message was received at <arpadate of the arrival>
//! from <$_ of the original>
//!
//!    ----- The following addresses had permanent fatal errors -----
//! <address>
//!     (reason: 550 5.1.1 User unknown)
//!
//!    ----- Transcript of session follows -----
//! 550 5.1.1 <address>... User unknown
//!
//! --<boundary>
//! Content-Type: message/delivery-status
//!
//! Reporting-MTA: dns; <host>
//! Arrival-Date: <date>
//!
//! Final-Recipient: RFC822; user@host
//! Action: failed
//! Status: 5.1.1
//! ...
//!
//! --<boundary>
//! Content-Type: message/rfc822          (text/rfc822-headers for RET=HDRS and notices)
//!
//! <the original header and body>
//!
//! --<boundary>--
//! ```
//!
//! The subject says what the notice is: `Returned mail: see transcript for details`,
//! `Warning: could not send message for past 4 hours`, `Return receipt`,
//! `Postmaster notify: see transcript for details`, with the matching
//! `Auto-Submitted: auto-generated (...)`. In the body of the original, lines starting
//! with `From ` are written as `>From `, as sendmail's file mailer writes a df.
//!
//! # Errors
//! None: a report is text built from what the caller gives.

use crate::message::added;
use crate::qf::envelope::Header;
use jiff::{tz::TimeZone, Timestamp};

/// Which notice a report is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// Some recipients failed: returned to the sender.
    Failure,
    /// Still undelivered after `after` (`4 hours`); retried until the message is
    /// `until` old (`5 days`).
    Warning {
        /// sendmail's wording of `Timeout.queuewarn`.
        after: String,
    },
    /// `NOTIFY=SUCCESS` recipients were delivered.
    Receipt,
    /// A failure no sender can be told of, sent to the postmaster (a double bounce).
    Postmaster,
}

/// What happened to one reported recipient (the DSN `Action:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `failed`.
    Failed,
    /// `delayed`.
    Delayed,
    /// `delivered (to mailbox)`.
    Delivered,
    /// `relayed (to non-DSN-aware mailer)`.
    Relayed,
    /// `expanded (to multi-recipient alias)`.
    Expanded,
}

impl Action {
    fn text(self) -> &'static str {
        match self {
            Action::Failed => "failed",
            Action::Delayed => "delayed",
            Action::Delivered => "delivered (to mailbox)",
            Action::Relayed => "relayed (to non-DSN-aware mailer)",
            Action::Expanded => "expanded (to multi-recipient alias)",
        }
    }

    fn success_note(self) -> &'static str {
        match self {
            Action::Relayed => "relayed to non-DSN-aware mailer",
            Action::Expanded => "expanded by alias",
            _ => "successfully delivered to mailbox",
        }
    }
}

/// One recipient the report is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The address as the qf or the alias wrote it (`<a@b>`, `root`, `"|prog"`).
    pub paddr: String,
    /// What happened.
    pub action: Action,
    /// The enhanced status code (`5.1.1`).
    pub status: String,
    /// The `(reason: ...)` text of a failure, if any.
    pub reason: Option<String>,
    /// `Diagnostic-Code:` type and text (`SMTP`, `550 5.1.1 ...`), if any.
    pub diagnostic: Option<(String, String)>,
    /// `Remote-MTA:` type and host (`DNS`, `[127.0.0.1]`), if any.
    pub remote_mta: Option<(String, String)>,
    /// `Original-Recipient:` (the `Q` line), if any.
    pub orcpt: Option<String>,
    /// `Final-Recipient:` (the `r` line).
    pub final_rcpt: String,
    /// `X-Actual-Recipient:`, written when it differs from the final recipient.
    pub actual: Option<String>,
    /// `Last-Attempt-Date:`.
    pub last_attempt: Timestamp,
    /// `Will-Retry-Until:` for a delayed recipient.
    pub will_retry_until: Option<Timestamp>,
    /// The alias it was expanded from, if any.
    pub expanded_from: Option<String>,
}

/// The message a report is about.
#[derive(Debug, Clone)]
pub struct Original<'a> {
    /// Its queue ID (named in postmaster notices).
    pub id: &'a str,
    /// When it arrived (the qf's `T`).
    pub arrival: Timestamp,
    /// Its `$_` macro (`localhost [127.0.0.1]`, `root@localhost`).
    pub from_macro: &'a str,
    /// Its `ENVID=` (the qf's `Z`, xtext).
    pub envid: Option<&'a str>,
    /// Its header as the file mailer writes it, each line ending in LF.
    pub header: &'a [u8],
    /// Its body (the df), or `None` when only the header is returned.
    pub body: Option<&'a [u8]>,
    /// Whether it had 8-bit data (the `8` envelope flag).
    pub eight_bit: bool,
}

/// One notice, ready to be queued.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// Which notice.
    pub kind: Kind,
    /// The notice's own queue ID.
    pub id: &'a str,
    /// When it is made.
    pub now: Timestamp,
    /// `$j`.
    pub host: &'a str,
    /// The message reported on.
    pub original: Original<'a>,
    /// The recipients reported on, in the original's order.
    pub entries: Vec<Entry>,
    /// The transcript of the delivery attempt, lines ending in LF.
    pub transcript: &'a str,
    /// Where the notice goes: one `To:` field per address, as written.
    pub to: Vec<String>,
    /// The time zone of dates (sendmail's local time).
    pub tz: TimeZone,
}

impl Report<'_> {
    /// The `Subject:` text.
    pub fn subject(&self) -> String {
        match &self.kind {
            Kind::Failure => "Returned mail: see transcript for details".into(),
            Kind::Warning { after } => format!("Warning: could not send message for past {after}"),
            Kind::Receipt => "Return receipt".into(),
            Kind::Postmaster => "Postmaster notify: see transcript for details".into(),
        }
    }

    fn auto_submitted(&self) -> &'static str {
        match self.kind {
            Kind::Failure => "failure",
            Kind::Warning { .. } => "warning-timeout",
            Kind::Receipt => "return-receipt",
            Kind::Postmaster => "postmaster-notification",
        }
    }

    /// The MIME boundary: `<ID>.<seconds>/<host>`.
    pub fn boundary(&self) -> String {
        format!("{}.{}/{}", self.id, self.now.as_second(), self.host)
    }

    /// The notice's `H` lines, in sendmail's order.
    pub fn headers(&self) -> Vec<Header> {
        let date = added::arpadate(self.now, &self.tz);
        let received = format!(
            "Received: from localhost (localhost)\n\tby {} ({}) id {};\n\t{date}",
            self.host,
            added::VERSION,
            self.id
        );
        let message_id = added::message_id(self.now, &self.tz, self.id, self.host);
        let mut out = vec![
            crate::inbound::return_path(),
            hdr("", &received),
            hdr("D", &format!("Date: {date}")),
            hdr("F", "From: Mail Delivery Subsystem <MAILER-DAEMON>"),
            hdr("x", "Full-Name: Mail Delivery Subsystem"),
            hdr("M", &format!("Message-Id: {message_id}")),
        ];
        out.extend(self.to.iter().map(|to| hdr("", &format!("To: {to}"))));
        out.push(hdr("", "MIME-Version: 1.0"));
        out.push(hdr(
            "",
            &format!(
                "Content-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{}\"",
                self.boundary()
            ),
        ));
        if self.original.eight_bit {
            out.push(hdr("", "Content-Transfer-Encoding: 8bit"));
        }
        out.push(hdr("", &format!("Subject: {}", self.subject())));
        out.push(hdr("", &format!("Auto-Submitted: auto-generated ({})", self.auto_submitted())));
        out
    }

    /// The notice's body (its df).
    pub fn body(&self) -> Vec<u8> {
        let boundary = self.boundary();
        let mut out = Text::default();
        out.line("This is a MIME-encapsulated message");
        out.line("");
        out.line(&format!("--{boundary}"));
        out.line("");
        self.introduction(&mut out);
        self.lists(&mut out);
        if !self.transcript.is_empty() {
            out.line("   ----- Transcript of session follows -----");
            out.raw(self.transcript.as_bytes());
        }
        out.line("");
        out.line(&format!("--{boundary}"));
        self.delivery_status(&mut out);
        out.line("");
        out.line(&format!("--{boundary}"));
        self.returned_message(&mut out);
        out.line("");
        out.line(&format!("--{boundary}--"));
        out.line("");
        out.0
    }

    fn introduction(&self, out: &mut Text) {
        if matches!(self.kind, Kind::Warning { .. }) {
            out.line("    **********************************************");
            out.line("    **      THIS IS A WARNING MESSAGE ONLY      **");
            out.line("    **  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **");
            out.line("    **********************************************");
            out.line("");
        }
        let arrival = added::arpadate(self.original.arrival, &self.tz);
        out.line(&format!("The original message was received at {arrival}"));
        out.line(&format!("from {}", self.original.from_macro));
        if self.kind == Kind::Postmaster {
            out.line(&format!("with id {}", self.original.id));
        }
        out.line("");
    }

    fn lists(&self, out: &mut Text) {
        let failed: Vec<&Entry> =
            self.entries.iter().filter(|e| e.action == Action::Failed).collect();
        section(out, "permanent fatal errors", &failed, |out, e| {
            out.line(&e.paddr);
            if let Some(reason) = &e.reason {
                out.line(&format!("    (reason: {reason})"));
            }
        });
        let delayed: Vec<&Entry> =
            self.entries.iter().filter(|e| e.action == Action::Delayed).collect();
        section(out, "transient non-fatal errors", &delayed, |out, e| out.line(&e.paddr));
        let succeeded: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| !matches!(e.action, Action::Failed | Action::Delayed))
            .collect();
        section(out, "successful delivery notifications", &succeeded, |out, e| {
            out.line(&format!("{}  ({})", e.paddr, e.action.success_note()))
        });
    }

    fn delivery_status(&self, out: &mut Text) {
        out.line("Content-Type: message/delivery-status");
        out.line("");
        if let Some(envid) = self.original.envid {
            out.line(&format!("Original-Envelope-Id: {}", xuntextify(envid)));
        }
        out.line(&format!("Reporting-MTA: dns; {}", self.host));
        let arrival = added::arpadate(self.original.arrival, &self.tz);
        out.line(&format!("Arrival-Date: {arrival}"));
        for e in &self.entries {
            out.line("");
            if let Some(orcpt) = &e.orcpt {
                out.line(&format!("Original-Recipient: {orcpt}"));
            }
            out.line(&format!("Final-Recipient: {}", e.final_rcpt));
            if let Some(actual) = e.actual.as_ref().filter(|a| **a != e.final_rcpt) {
                out.line(&format!("X-Actual-Recipient: {actual}"));
            }
            out.line(&format!("Action: {}", e.action.text()));
            out.line(&format!("Status: {}", e.status));
            if let Some((kind, host)) = &e.remote_mta {
                out.line(&format!("Remote-MTA: {kind}; {}", host.trim_end_matches('.')));
            }
            if let Some((kind, text)) = &e.diagnostic {
                out.line(&format!("Diagnostic-Code: {kind}; {text}"));
            }
            let last = added::arpadate(e.last_attempt, &self.tz);
            out.line(&format!("Last-Attempt-Date: {last}"));
            if let Some(until) = e.will_retry_until {
                out.line(&format!("Will-Retry-Until: {}", added::arpadate(until, &self.tz)));
            }
        }
    }

    fn returned_message(&self, out: &mut Text) {
        let kind = match self.original.body {
            Some(_) => "message/rfc822",
            None => "text/rfc822-headers",
        };
        out.line(&format!("Content-Type: {kind}"));
        if self.original.eight_bit {
            out.line("Content-Transfer-Encoding: 8bit");
        }
        out.line("");
        out.raw(self.original.header);
        if let Some(body) = self.original.body {
            out.line("");
            out.raw(&escape_from(body));
            if !body.is_empty() && !body.ends_with(b"\n") {
                out.line("");
            }
        }
    }
}

/// One list of the human-readable part, with its heading and a blank line after it.
fn section(out: &mut Text, what: &str, entries: &[&Entry], each: impl Fn(&mut Text, &Entry)) {
    if entries.is_empty() {
        return;
    }
    out.line(&format!("   ----- The following addresses had {what} -----"));
    for e in entries {
        each(out, e);
        if let Some(alias) = &e.expanded_from {
            out.line(&format!("    (expanded from: {alias})"));
        }
    }
    out.line("");
}

/// Lines starting with `From ` become `>From ` (the file mailer's `E` flag).
pub fn escape_from(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 16);
    let mut at_start = true;
    for (i, &b) in body.iter().enumerate() {
        if at_start && body[i..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.push(b);
        at_start = b == b'\n';
    }
    out
}

/// Decodes DSN xtext (`+2B` is `+`); a malformed escape is kept as written.
pub fn xuntextify(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'+', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hdr(condition: &str, text: &str) -> Header {
    Header { condition: condition.as_bytes().to_vec(), text: text.as_bytes().to_vec() }
}

/// The body being written, line by line.
#[derive(Default)]
struct Text(Vec<u8>);

impl Text {
    fn line(&mut self, s: &str) {
        self.0.extend_from_slice(s.as_bytes());
        self.0.push(b'\n');
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests;
