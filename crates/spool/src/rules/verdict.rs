//! The answers of the rules to a connection, a MAIL and a RCPT.
//!
//! A DISCARD or QUARANTINE from the access map is an acceptance: the reply is the
//! usual 250 and the [`super::Conversation`] remembers that the message must be thrown
//! away or quarantined ([`super::Conversation::discarding`],
//! [`super::Conversation::quarantine`]).

use crate::status::DeliveryStatus;

/// The answer to MAIL FROM or RCPT TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `250 ... <address as given>... Sender ok` / `Recipient ok`.
    Accept,
    /// Accept, but show this address in the reply: the first spelling of a
    /// duplicate recipient (`<Root>` after `<"root"@lab.example>`).
    AcceptAs(String),
    /// Refuse with this reply.
    Reject(DeliveryStatus),
}

/// The answer to a new connection (`check_relay`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectVerdict {
    /// Greet and serve.
    Accept,
    /// Greet, then answer every command but HELO, EHLO, NOOP, RSET and QUIT with
    /// this reply (access `REJECT`: `550 5.7.1 Access denied`).
    RejectCommands(DeliveryStatus),
    /// Send this reply instead of the greeting and close (a `421` from the map).
    Refuse(DeliveryStatus),
}

/// What one of sendmail's check rulesets returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Check {
    /// No decision (`OK`, `RELAY` or nothing): go on.
    Pass,
    /// `$#OK` / `$#RELAY`: accept and skip the checks that follow.
    Accept,
    /// `$#discard`: accept and throw the message away.
    Discard,
    /// `$#error $@ quarantine`: accept and quarantine the message.
    Quarantine(String),
    /// `$#error`: refuse.
    Error(DeliveryStatus),
}
