//! The interface to remote delivery: one SMTP transaction per destination.
//!
//! The queue runner groups a message's remote recipients by [`Destination`] (mailer and
//! host, as [`crate::route`] decides) and hands each group to a [`Transport`] with the
//! message as the mailer writes it. The transport connects (MX lookup for a host that
//! is not in brackets, TLS, AUTH: the SMTP client's business), sends one transaction
//! and answers with one [`RcptResult`] per recipient, in the order given, plus the
//! transcript lines sendmail would put in the bounce and the dialogue `-v` prints.
//! Partial success is normal: each recipient's result stands on its own.
//!
//! [`Unwired`] is the transport of a build without the SMTP client: every remote
//! recipient stays queued with a temporary failure that says so.
//!
//! # Errors
//! A transport does not fail as a whole: a connection that cannot be made is a
//! [`RcptResult::Unreachable`] for each recipient.

use crate::route::Destination;
use std::future::Future;
use std::pin::Pin;

/// The message, as sent to one destination.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The queue ID (for the transcript and logs).
    pub id: &'a str,
    /// `MAIL FROM:` address, without brackets (empty: `<>`).
    pub sender: &'a str,
    /// `BODY=` (`8BITMIME`, `7BIT`), if the qf has one.
    pub body_type: Option<&'a str>,
    /// `ENVID=` (xtext), if any.
    pub envid: Option<&'a str>,
    /// `RET=HDRS` (true) or `RET=FULL` (false), if `RET=` was given.
    pub ret_hdrs: Option<bool>,
    /// The header and body as the mailer writes them, LF line ends, not dot-stuffed.
    pub data: &'a [u8],
}

/// One recipient of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rcpt {
    /// `RCPT TO:` address, without brackets.
    pub address: String,
    /// The address as printed in transcripts (`<a@b>`, `a@b`).
    pub paddr: String,
    /// `NOTIFY=` value (`SUCCESS,FAILURE`, `NEVER`), when the qf says one was given.
    pub notify: Option<String>,
    /// `ORCPT=` value, if any.
    pub orcpt: Option<String>,
}

/// A reply of the remote server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The code (`250`, `451`, `550`).
    pub code: u16,
    /// The enhanced status code, if the server gave one (`5.1.1`).
    pub enhanced: Option<String>,
    /// The whole reply as one line: code, enhanced code and text.
    pub text: String,
}

/// What became of one recipient of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RcptResult {
    /// The server's last word on it: the `RCPT` reply if that refused it, else the
    /// reply to the end of `DATA`.
    Replied {
        /// The reply.
        reply: Reply,
        /// `relay=` of the log line (`mx.example. [192.0.2.1]`).
        relay: String,
        /// The `Remote-MTA:` host (`[127.0.0.1]`).
        remote_mta: String,
    },
    /// No server answered for it (no route, connection refused, timeout, a session
    /// that broke): `stat=` text after `Deferred: ` (`Connection refused by [h]`).
    Unreachable {
        /// Whether to try again later (else it bounces).
        temporary: bool,
        /// sendmail's wording of what went wrong.
        text: String,
        /// The `relay=` of the log line, if a host was reached.
        relay: Option<String>,
    },
}

/// The outcome of one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivery {
    /// One result per recipient, in the order given.
    pub results: Vec<RcptResult>,
    /// Lines for the bounce's transcript (`... while talking to [h]:`, `>>> DATA`,
    /// `<<< 550 ...`), each ending in LF.
    pub transcript: String,
    /// What `-v` prints (the `>>>`/`<<<` dialogue), each line ending in LF.
    pub dialogue: String,
}

/// The future a transport returns.
pub type Pending<'a> = Pin<Box<dyn Future<Output = Delivery> + Send + 'a>>;

/// What [`Transport::close_idle`] returns: the `-v` lines of the closing.
pub type Closing<'a> = Pin<Box<dyn Future<Output = String> + Send + 'a>>;

/// Remote delivery, one transaction to one destination.
pub trait Transport: Send + Sync {
    /// Sends `message` to `rcpts` at `dest`.
    fn deliver<'a>(
        &'a self,
        dest: &'a Destination,
        message: &'a Message<'a>,
        rcpts: &'a [Rcpt],
    ) -> Pending<'a>;

    /// Closes what the transport kept open for the next message to the same host
    /// (sendmail's connection cache, flushed at the end of a queue run); the `-v`
    /// lines (`Closing connection to ...`, `>>> QUIT`, ...). None by default.
    fn close_idle(&self) -> Closing<'_> {
        Box::pin(async { String::new() })
    }
}

/// The transport of a build without an SMTP client: remote mail stays queued.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unwired;

/// The deferral text of [`Unwired`].
pub const UNWIRED: &str = "remote delivery is not available in this build of queue-runner";

impl Transport for Unwired {
    fn deliver<'a>(
        &'a self,
        _dest: &'a Destination,
        _message: &'a Message<'a>,
        rcpts: &'a [Rcpt],
    ) -> Pending<'a> {
        let results = rcpts
            .iter()
            .map(|_| RcptResult::Unreachable { temporary: true, text: UNWIRED.into(), relay: None })
            .collect();
        Box::pin(async move { Delivery { results, ..Delivery::default() } })
    }
}

/// sendmail's transcript line for a recipient's reply, as written after the `<<<`
/// line (`550 5.1.1 <a@b>... User unknown`, `<a@b>... Deferred: 451 ...`); the
/// SMTP client writes its transcript with it so that bounces read as sendmail's.
pub fn transcript_line(paddr: &str, result: &RcptResult) -> Option<String> {
    let outcome = crate::job::status::remote(result, jiff::Timestamp::now());
    match outcome.state {
        crate::job::model::State::Sent => None,
        crate::job::model::State::Deferred => Some(format!("{paddr}... {}", outcome.stat)),
        crate::job::model::State::Failed => {
            let (code, rest) = crate::job::status::exit_reply(&outcome);
            Some(format!("{code} {rest} {paddr}... {}", outcome.stat))
        }
    }
}
