//! The qf pieces both ways of submitting (`-bm` and `-bs`) write: recipient notify
//! flags, the `Return-Path` line, the fields sendmail adds when a message lacks them
//! (`Date` `?D?`, `From` `?F?`, `Full-Name` `?x?`, `Message-Id` `?M?`), and the
//! message's own fields (`H??`).

use jiff::{tz::TimeZone, Timestamp};
use spool::message::{added, Header};
use spool::qf::envelope::Header as QfHeader;
use spool::queue::QueueId;

/// `R` flags after `P`: `N` plus `S`/`F`/`D` for an explicit NOTIFY (success,
/// failure, delay), `FD` (failure and delay implied) without one.
pub fn notify_flags(notify: Option<(bool, bool, bool)>) -> String {
    let Some((success, failure, delay)) = notify else { return "FD".into() };
    let mut flags = "N".to_string();
    for (on, c) in [(success, 'S'), (failure, 'F'), (delay, 'D')] {
        if on {
            flags.push(c);
        }
    }
    flags
}

/// What the fields sendmail adds when the message lacks them are made of.
pub struct Added<'a> {
    /// Arrival time.
    pub now: Timestamp,
    /// The queue ID.
    pub id: &'a QueueId,
    /// `$j`.
    pub host: &'a str,
    /// The sender address for `From:`.
    pub from: &'a str,
    /// The full name, if known.
    pub full_name: Option<&'a str>,
}

impl Added<'_> {
    /// `Date` (`?D?`), `From` (`?F?`), `Full-Name` (`?x?`), `Message-Id` (`?M?`),
    /// each only when `header` lacks it.
    pub fn missing_fields(&self, header: &Header) -> Vec<QfHeader> {
        let tz = TimeZone::system();
        let missing = |name: &str| header.get(name).is_none();
        let mut out = Vec::new();
        if missing("Date") {
            out.push(hdr("D", &format!("Date: {}", added::arpadate(self.now, &tz))));
        }
        if missing("From") {
            out.push(hdr("F", &format!("From: {}", added::from_value(self.full_name, self.from))));
        }
        if let (Some(name), true) = (self.full_name, missing("Full-Name")) {
            out.push(hdr("x", &format!("Full-Name: {}", added::display_name(name))));
        }
        if missing("Message-Id") {
            let id = added::message_id(self.now, &tz, self.id.as_str(), self.host);
            out.push(hdr("M", &format!("Message-Id: {id}")));
        }
        out
    }
}

/// The message's own fields, stored unconditionally (`H??`).
pub fn message_fields(header: &Header) -> impl Iterator<Item = QfHeader> + '_ {
    header.fields.iter().map(|f| QfHeader { condition: Vec::new(), text: f.text() })
}

/// The `Return-Path` line every qf starts its headers with (`\x81g` is `$g`).
pub fn return_path() -> QfHeader {
    QfHeader { condition: b"P".to_vec(), text: b"Return-Path: <\x81g>".to_vec() }
}

/// A header line with its `?condition?`.
pub fn hdr(condition: &str, text: &str) -> QfHeader {
    QfHeader { condition: condition.as_bytes().to_vec(), text: text.as_bytes().to_vec() }
}
