//! # Name
//! outcome - what one transaction did to each recipient, and the qf `M` lines
//!
//! # Description
//! An [`Outcome`] holds one [`RcptOutcome`] per recipient of the envelope, in its
//! order: the [`Status`] and whether sendmail keeps the message as the recipient's
//! own. [`Outcome::messages`] works out the qf `M` lines sendmail writes after the
//! attempt (the envelope's message, `mailq`'s reason, and each queued recipient's),
//! following `usrerr()` and `giveresponse()`: a 5xx message replaces the envelope's,
//! a temporary one only fills it when empty; a recipient deferred with a bare
//! `Deferred` gets the envelope's message.

use super::status::{Exit, Status};

/// What one transaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// One result per recipient of the envelope, in order.
    pub recipients: Vec<RcptOutcome>,
    /// The final reply's text (sendmail's `e_statmsg`), when there was one.
    pub statmsg: Option<String>,
    /// How many RCPTs the server accepted.
    pub accepted: usize,
}

impl Outcome {
    /// The qf `M` lines after this attempt, from the envelope's `current` message
    /// (read from the qf): sendmail's `e_message` as its errors and
    /// `giveresponse()` leave it (each recipient's own status in order, then the
    /// transaction's), and each recipient's own message (`q_message`, written before
    /// its `R` line while it stays queued): its status text, or, for a bare
    /// `Deferred`, the envelope's message at that point.
    pub fn messages(&self, current: Option<&str>) -> Messages {
        let mut envelope = current.map(str::to_string);
        let mut recipients = vec![None; self.recipients.len()];
        for (i, r) in self.recipients.iter().enumerate().filter(|(_, r)| r.own_message) {
            envelope = r.status.envelope_message(envelope.as_deref());
            recipients[i] = match (r.status.exit, r.status.text.as_str()) {
                (Exit::Ok, _) => None,
                (_, "Deferred") => envelope.clone().or_else(|| Some(r.status.text.clone())),
                _ => Some(r.status.text.clone()),
            };
        }
        if let Some(shared) = self.recipients.iter().find(|r| !r.own_message) {
            envelope = shared.status.envelope_message(envelope.as_deref());
        }
        Messages { envelope, recipients }
    }
}

/// The qf `M` lines sendmail keeps after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messages {
    /// The envelope's message (`mailq`'s reason).
    pub envelope: Option<String>,
    /// Each recipient's own message, in the envelope's order.
    pub recipients: Vec<Option<String>>,
}

/// One recipient's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RcptOutcome {
    /// The status.
    pub status: Status,
    /// sendmail keeps the message as the recipient's own (a qf `M` line before its
    /// `R` line): true for what was said about this recipient alone (its RCPT),
    /// false for what happened to the whole transaction.
    pub own_message: bool,
}
