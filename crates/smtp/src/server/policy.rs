//! # Name
//! policy - what the session asks of its caller
//!
//! # Description
//! The session knows SMTP and nothing else: no maps, no aliases, no queue. At each
//! point where sendmail would consult its rulesets or its queue, the session calls
//! the caller's [`Policy`]:
//!
//! ```text
//! connect     access `Connect:` lookup: greet, refuse, or greet and reject all
//! helo        the milters' HELO stage: accept, reject the rest, or reply and close
//! unknown     the milters' unknown-command stage: a reply instead of the 500
//! mail_from   check_mail (access `From:`, sender domain)
//! rcpt_to     check_rcpt (relaying, local users, aliases, mailertable errors)
//! vrfy/expn   the address lookups behind VRFY and EXPN (open servers only)
//! etrn        start a queue run
//! auth_*      one SASL exchange
//! data        open the message store (the df) and return a [`BodySink`]
//! commit      make the message durable and return its queue ID
//! ```
//!
//! The session collects the [`Envelope`] (client identity, HELO name, protocol,
//! sender and recipients with their ESMTP parameters); the caller builds the
//! `Received:` header and the qf from it.
//!
//! # Durability
//! `250 2.0.0 <id> Message accepted for delivery` is sent only after
//! [`Policy::commit`] returned `Ok`: the caller must have fsynced df and qf by then.
//! A commit error becomes its 4xx reply, never 250.
//!
//! # Errors
//! [`CommitError`] keeps what kind of failure it was across the boundary from the
//! queue: a full disk or quota (`ENOSPC`, `EDQUOT`, from `spool::queue` or from any
//! I/O error) is [`CommitError::NoSpace`], answered as sendmail answers it.

use super::envelope::{ClientInfo, Envelope, Recipient, Sender};
use super::reply::Reply;
use spool::queue::QueueError;
use std::io;

/// The caller's answer to MAIL FROM or RCPT TO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `250 2.1.0 <raw>... Sender ok` / `250 2.1.5 <raw>... Recipient ok`.
    Accept,
    /// Accept, but show this address in the reply (sendmail's canonical or first
    /// spelling, e.g. `<postmaster>` for `<POSTMASTER@LAB.EXAMPLE>`).
    AcceptAs(String),
    /// Refuse with this reply (`550 5.1.1 <x>... User unknown`).
    Reject(Reply),
}

/// The caller's answer to a new connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connect {
    /// Greet and serve.
    Accept,
    /// Send this reply instead of the greeting and close (access `ERROR:...:421`).
    Refuse(Reply),
    /// Greet, then answer MAIL, RCPT, DATA, VRFY, EXPN, HELP ... with this reply
    /// (access `REJECT`: `550 5.7.1 Access denied`); EHLO offers no extensions.
    RejectCommands(Reply),
    /// Greet `554 <host> ESMTP not accepting messages`, then answer every command but
    /// HELO, EHLO, NOOP, RSET and QUIT with `550 5.0.0 Command rejected` (sendmail's
    /// answer to a milter that rejects the connection, and to pre-greeting traffic).
    NotAccepting,
    /// Greet as usual, then answer MAIL and ETRN with `451 4.3.2 Please try again
    /// later`, VRFY and EXPN with `550 5.7.1 Please try again later` and AUTH with
    /// `454 4.3.0 Please try again later`; everything else as usual, EHLO with its
    /// extensions (sendmail's `tempfail` after a milter's tempfail at connect).
    TempFail,
    /// `FEATURE(greet_pause)`: wait this long before greeting ([`super::Action::Pause`]).
    /// A client that sends anything first is [`Connect::NotAccepting`] (and logged);
    /// one that waits is asked about again with [`super::Question::Greet`].
    Pause(std::time::Duration),
}

/// One step of a SASL exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthStep {
    /// Send `334 <base64 of these bytes>` and wait for the client's response.
    Challenge(Vec<u8>),
    /// Authenticated as this identity: `235 2.0.0 OK Authenticated`.
    Success(String),
    /// `535 5.7.0 authentication failed`.
    Failure,
}

/// Why a commit failed; the reply is a temporary failure, never 250.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// No room in the queue's file system (`ENOSPC`, `EDQUOT`): `421 4.3.1 Out of disk
    /// space for temp file`, and the session ends, as sendmail 8.17 answers when it
    /// cannot write a message to its queue.
    #[error("insufficient disk space")]
    NoSpace,
    /// Any other failure to make the message durable (write, fsync, rename).
    #[error("cannot queue message: {0}")]
    Io(io::Error),
    /// The caller's own reply (it must be 4xx or 5xx).
    #[error("{0:?}")]
    Reply(Reply),
}

impl CommitError {
    /// The reply the client gets.
    pub fn reply(&self) -> Reply {
        match self {
            CommitError::NoSpace => Reply::new(421, "4.3.1", "Out of disk space for temp file"),
            CommitError::Io(_) => Reply::new(451, "4.3.0", "Temporary system failure"),
            CommitError::Reply(r) if r.is_error() => r.clone(),
            CommitError::Reply(_) => Reply::new(451, "4.3.0", "Temporary system failure"),
        }
    }
}

impl From<io::Error> for CommitError {
    /// A full disk or quota is [`CommitError::NoSpace`], whatever wrapped it.
    fn from(e: io::Error) -> CommitError {
        match e.kind() {
            io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => CommitError::NoSpace,
            _ => CommitError::Io(e),
        }
    }
}

impl From<QueueError> for CommitError {
    fn from(e: QueueError) -> CommitError {
        CommitError::from(io::Error::from(e))
    }
}

/// Where the message text goes while it is received (the caller's df).
///
/// The session has removed dot-stuffing and turned CRLF into LF. Errors are
/// remembered: the rest of the message is read and discarded and the client gets the
/// temporary failure of the error ([`CommitError::from`] it) after the final dot.
pub trait BodySink {
    /// One header line without its line end; continuation lines start with SP or HT.
    fn header(&mut self, line: &[u8]) -> io::Result<()>;
    /// Body bytes after the blank line, lines ending in `\n` (a long line may come in
    /// several pieces).
    fn body(&mut self, chunk: &[u8]) -> io::Result<()>;
}

/// Things worth a log line, reported to [`Policy::event`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `rejecting commands from host [ip] due to pre-greeting traffic after N
    /// seconds` (`FEATURE(greet_pause)`).
    PreGreetingTraffic {
        /// Since the connection, when the client sent its first bytes.
        after: std::time::Duration,
    },
    /// `rejecting server HELO/EHLO ... due to traffic before response`.
    TrafficBeforeResponse {
        /// `HELO` or `EHLO`.
        verb: &'static str,
    },
    /// `possible SMTP attack: command=..., count=...` (logged once per counter).
    PossibleAttack {
        /// `NOOP`, `HELO/EHLO`, `VRFY`, `EXPN`, `ETRN`, `AUTH`.
        command: &'static str,
        /// The counter's value.
        count: u32,
    },
    /// `Possible SMTP RCPT flood, throttling.`
    RcptFlood,
    /// VRFY refused by `novrfy` or EXPN by `noexpn`: `<client>: <line> [rejected]`.
    PrivacyRefusal {
        /// The command line as the client gave it, shortened as sendmail shortens it
        /// (first and last 100 characters around `...` past 202).
        line: String,
    },
    /// 421 for too many bad commands.
    TooManyBadCommands,
    /// 421 for a command line longer than the limit.
    CommandTooLong,
    /// 421 for a bare LF in the message text.
    BareLinefeed,
    /// No input for the read timeout: `timeout waiting for input from <client>
    /// during <during>`.
    Timeout {
        /// `server cmd read`, `message collect` or `auth`.
        during: &'static str,
    },
    /// A transaction ended without its message being accepted (RSET, a new HELO,
    /// QUIT, a refused message, the end of the session): sendmail logs its `from=`
    /// line with `size=0` then.
    TransactionEnded(Box<Envelope>),
    /// The session ends and the client never gave MAIL, EXPN, VRFY or ETRN: `<client>
    /// did not issue MAIL/EXPN/VRFY/ETRN during connection to <daemon>`.
    NoMailIssued,
    /// The client went away; `phase` is the last command (`after rcpt`, `during data`).
    LostInput {
        /// sendmail's phase text, e.g. `after rcpt`.
        phase: String,
    },
}

/// The caller's side of a session: every policy question and the queue.
pub trait Policy {
    /// Where [`Policy::data`] lets the message text go.
    type Sink: BodySink;

    /// A new connection. Default: accept.
    fn connect(&mut self, _client: &ClientInfo) -> Connect {
        Connect::Accept
    }

    /// After a greeting pause the client waited out ([`Connect::Pause`]). Default:
    /// accept.
    fn greet(&mut self) -> Connect {
        Connect::Accept
    }

    /// HELO/EHLO with a valid name, before the reply. Default: accept.
    fn helo(&mut self, _name: &str) -> Connect {
        Connect::Accept
    }

    /// A command the session does not know (the whole line): a reply instead of
    /// `500 5.5.1 Command unrecognized`. Default: none.
    fn unknown(&mut self, _line: &str) -> Option<Reply> {
        None
    }

    /// MAIL FROM after syntax and parameter checks.
    fn mail_from(&mut self, sender: &Sender, envelope: &Envelope) -> Decision;

    /// RCPT TO after syntax and parameter checks; `envelope` holds the recipients
    /// accepted so far.
    fn rcpt_to(&mut self, recipient: &Recipient, envelope: &Envelope) -> Decision;

    /// VRFY with an argument, on a server without `novrfy`. Default: 252.
    fn vrfy(&mut self, argument: &str) -> Reply {
        Reply::new(252, "2.5.2", format!("<{argument}>... Cannot VRFY user"))
    }

    /// EXPN with an argument, on a server without `noexpn`. Default: 502.
    fn expn(&mut self, _argument: &str) -> Reply {
        Reply::new(502, "5.7.0", "Sorry, we do not allow this operation")
    }

    /// ETRN with an argument. Default: `458 4.0.0 Unable to queue messages for node`.
    fn etrn(&mut self, node: &str) -> Reply {
        Reply::new(458, "4.0.0", format!("Unable to queue messages for node {node}"))
    }

    /// Is there room for a message of `size` bytes? Default: yes.
    fn enough_space(&mut self, _size: u64) -> bool {
        true
    }

    /// AUTH `mechanism` (one of [`super::Settings::auth_mechanisms`]) with an optional
    /// initial response (decoded). Default: failure.
    fn auth_start(&mut self, _mechanism: &str, _initial: Option<&[u8]>) -> AuthStep {
        AuthStep::Failure
    }

    /// The client's (decoded) answer to the last challenge. Default: failure.
    fn auth_continue(&mut self, _response: &[u8]) -> AuthStep {
        AuthStep::Failure
    }

    /// DATA with at least one recipient: open the message store.
    fn data(&mut self, envelope: &Envelope) -> Result<Self::Sink, Reply>;

    /// After the final dot: make the message durable and return its queue ID.
    fn commit(&mut self, envelope: &Envelope, sink: Self::Sink) -> Result<String, CommitError>;

    /// The message is not accepted (headers too large, bare LF, lost input): drop it.
    fn abort(&mut self, sink: Self::Sink) {
        drop(sink);
    }

    /// A loggable event. Default: ignored.
    fn event(&mut self, _event: Event) {}
}
