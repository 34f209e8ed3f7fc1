//! # Name
//! session - one client connection as a sans-IO state machine
//!
//! # Synopsis
//! ```text
//! let mut s = Session::new(settings, &target);
//! perform(s.connected());               // then feed(bytes), eof(), timed_out()
//! // on Action::StartTls: handshake, then s.tls_started(info) or s.tls_failed(why)
//! // on Action::Ready:    s.begin(&envelope) for a message, or s.quit()
//! // on Action::SendData: write the DataEncoder's output, then s.data_sent()
//! // on Action::Done / Failed / Stale: the transaction or the connection is over
//! ```
//!
//! # Description
//! [`Session`] turns the server's replies into the next commands as sendmail 8.17's
//! `smtpinit()`, `smtpmailfrom()`, `smtprcpt()`, `smtpdata()`, `smtprset()` and
//! `smtpquit()` do, and never touches a socket: bytes go in through
//! [`Session::feed`], [`Action`]s come out. It reads input only while it waits for a
//! reply, and [`Session::read_timeout`] says how long the driver may wait for it.
//!
//! Opening (`open.rs`): greeting, EHLO (HELO after a 5xx), the loop check,
//! STARTTLS when offered and allowed, AUTH with the target's credentials. Then the
//! session is idle ([`Action::Ready`]) and runs one transaction per
//! [`Session::begin`] (`transaction.rs`): on a connection used before, a `RSET`
//! first checks that it still works ([`Action::Stale`] when not); MAIL; the RCPTs,
//! pipelined with DATA when the server offers PIPELINING; the message; the final
//! reply. The result is an [`Outcome`]: one [`Status`] per recipient.
//!
//! A 421 at any point, a 4xx to DATA and a protocol error end the connection with
//! QUIT, as sendmail does; lost connections and timeouts end it at once.
//!
//! # Errors
//! Nothing here fails: every failure of the server or the connection is a
//! [`Status`] in the outcome, worded as sendmail words it.

use super::auth::{Credentials, Mechanism};
use super::ehlo::{Extensions, Greeting};
use super::envelope::Envelope;
use super::outcome::Outcome;
use super::reply::{Input, Reply, ReplyReader};
use super::settings::{Settings, Target};
use super::status::{Exit, Status};
use super::transaction::Tx;
use super::transcript::{Event, TlsInfo};
use std::time::Duration;

/// One step for the driver, performed in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these bytes.
    Send(Vec<u8>),
    /// Run the TLS handshake now, then call [`Session::tls_started`] or
    /// [`Session::tls_failed`].
    StartTls,
    /// Write the message text now (headers, body, final dot: a
    /// [`super::DataEncoder`]'s output; 8-bit MIME converted when `convert`), then
    /// call [`Session::data_sent`] or [`Session::data_failed`].
    SendData {
        /// Convert 8-bit MIME parts to 7 bits on the way.
        convert: bool,
    },
    /// Tell the observer.
    Event(Event),
    /// The connection is open and idle: [`Session::begin`] or [`Session::quit`].
    Ready,
    /// The transaction is over (the connection may be closed: see
    /// [`Session::is_open`]).
    Done(Box<Outcome>),
    /// The connection could not be opened: this status applies to every recipient.
    Failed(Box<Status>),
    /// A cached connection failed its check: nothing was attempted, connect again.
    Stale,
    /// Close the connection; the session takes no more input.
    Close,
}

/// How an I/O failure happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IoFailure {
    /// The server closed the connection.
    Eof,
    /// Nothing came within the phase's timeout.
    Timeout,
    /// The connection was reset.
    Reset,
    /// Any other error.
    Other,
}

/// Where the session is.
#[derive(Debug)]
pub(super) enum Phase {
    Greeting,
    Hello {
        ehlo: bool,
    },
    StartTls,
    Handshake,
    Auth {
        mechanism: Mechanism,
        step: usize,
        rest: Vec<Mechanism>,
        given_up: bool,
    },
    Idle,
    Probe,
    Mail,
    Rcpt,
    Data,
    Sending,
    Final,
    Rset,
    Quit(AfterQuit),
    /// A reply is being handled (the phase it came in has been taken out).
    Busy,
    Closed,
}

/// What happens when the QUIT exchange is over.
#[derive(Debug)]
pub(super) enum AfterQuit {
    /// The connection could not be opened.
    Failed(Box<Status>),
    /// The transaction ends (its results are complete).
    Transaction,
    /// A cached connection failed its check.
    Stale,
    /// The caller closed an idle connection.
    Idle,
}

/// One client connection.
#[derive(Debug)]
pub struct Session {
    pub(super) settings: Settings,
    pub(super) host: String,
    pub(super) credentials: Option<Credentials>,
    pub(super) reader: ReplyReader,
    pub(super) phase: Phase,
    pub(super) greeting: Greeting,
    pub(super) esmtp: bool,
    pub(super) ext: Extensions,
    pub(super) tls_allowed: bool,
    pub(super) tls: Option<TlsInfo>,
    pub(super) handshake_failed: bool,
    pub(super) authenticated: Option<&'static str>,
    /// The last 4xx reply line (sendmail's `SmtpError`).
    pub(super) smtp_error: String,
    /// A transaction ran on this connection: the next one checks it first.
    pub(super) used: bool,
    pub(super) tx: Option<Tx>,
    pub(super) out: Vec<Action>,
}

impl Session {
    /// A session with `target`, before the TCP connection.
    pub fn new(settings: Settings, target: &Target) -> Session {
        let tls_allowed = settings.starttls;
        Session {
            settings,
            host: target.host.clone(),
            credentials: target.credentials.clone(),
            reader: ReplyReader::new(),
            phase: Phase::Greeting,
            greeting: Greeting::default(),
            esmtp: false,
            ext: Extensions::default(),
            tls_allowed,
            tls: None,
            handshake_failed: false,
            authenticated: None,
            smtp_error: String::new(),
            used: false,
            tx: None,
            out: Vec::new(),
        }
    }

    /// Never send STARTTLS on this connection (the plaintext retry after a failed
    /// handshake).
    pub fn without_tls(mut self) -> Session {
        self.tls_allowed = false;
        self
    }

    /// The TCP connection is up: wait for the greeting.
    pub fn connected(&mut self) -> Vec<Action> {
        self.phase = Phase::Greeting;
        self.take()
    }

    /// Bytes from the server.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Action> {
        if !matches!(self.phase, Phase::Closed) {
            self.reader.push(bytes);
            self.run();
        }
        self.take()
    }

    /// The server closed the connection.
    pub fn eof(&mut self) -> Vec<Action> {
        self.io_failed(IoFailure::Eof);
        self.take()
    }

    /// Reading or writing failed (other than end of input or a timeout).
    pub fn io_error(&mut self, failure: IoFailure) -> Vec<Action> {
        self.io_failed(failure);
        self.take()
    }

    /// Nothing came within [`Session::read_timeout`].
    pub fn timed_out(&mut self) -> Vec<Action> {
        self.io_failed(IoFailure::Timeout);
        self.take()
    }

    /// How long to wait for the server's next bytes; None when no reply is awaited.
    pub fn read_timeout(&self) -> Option<Duration> {
        let t = &self.settings.timeouts;
        Some(match &self.phase {
            Phase::Greeting => t.initial,
            Phase::Hello { .. } => t.helo,
            Phase::StartTls | Phase::Handshake => t.starttls,
            Phase::Auth { .. } => t.auth,
            Phase::Probe => t.misc,
            Phase::Mail => t.mail,
            Phase::Rcpt => t.rcpt,
            Phase::Data => t.datainit,
            Phase::Sending => t.datablock,
            Phase::Final => t.datafinal,
            Phase::Rset => t.rset,
            Phase::Quit(_) => t.quit,
            Phase::Idle | Phase::Busy | Phase::Closed => return None,
        })
    }

    /// True while the connection can carry another transaction.
    pub fn is_open(&self) -> bool {
        !matches!(self.phase, Phase::Closed | Phase::Quit(_))
    }

    /// True when idle (between transactions).
    pub fn is_idle(&self) -> bool {
        matches!(self.phase, Phase::Idle)
    }

    /// What the server offered in its (last) EHLO reply.
    pub fn extensions(&self) -> &Extensions {
        &self.ext
    }

    /// The greeting's `ESMTP` and `8BIT-OK` marks.
    pub fn greeting(&self) -> Greeting {
        self.greeting
    }

    /// The TLS session, once STARTTLS succeeded.
    pub fn tls(&self) -> Option<&TlsInfo> {
        self.tls.as_ref()
    }

    /// True when the TLS handshake failed (sendmail's `TLSFallbacktoClear` would
    /// connect again without STARTTLS).
    pub fn tls_handshake_failed(&self) -> bool {
        self.handshake_failed
    }

    /// The mechanism AUTH succeeded with, if any.
    pub fn authenticated(&self) -> Option<&'static str> {
        self.authenticated
    }

    /// The host as named in messages.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Close an idle connection politely (QUIT, then [`Action::Close`]).
    pub fn quit(&mut self) -> Vec<Action> {
        match self.phase {
            Phase::Closed => {}
            _ => self.send_quit(AfterQuit::Idle),
        }
        self.take()
    }

    /// Start a transaction for `envelope` on an idle connection.
    ///
    /// # Panics
    /// When the session is not idle: a bug in the driver.
    pub fn begin(&mut self, envelope: &Envelope) -> Vec<Action> {
        assert!(self.is_idle(), "begin() on a session that is not idle");
        self.start_transaction(envelope);
        self.take()
    }

    /// The message text went out (its final dot included).
    pub fn data_sent(&mut self) -> Vec<Action> {
        if matches!(self.phase, Phase::Sending) {
            self.event(Event::Sent(".".to_string()));
            self.phase = Phase::Final;
            self.run();
        }
        self.take()
    }

    /// Writing the message text failed or timed out.
    pub fn data_failed(&mut self, failure: IoFailure) -> Vec<Action> {
        self.io_failed(failure);
        self.take()
    }

    fn take(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.out)
    }

    /// Hand every complete reply to the phase waiting for it.
    pub(super) fn run(&mut self) {
        while self.read_timeout().is_some()
            && !matches!(self.phase, Phase::Sending | Phase::Handshake)
        {
            match self.reader.next_input() {
                Some(Input::Line(line)) => self.event(Event::Received(line)),
                Some(Input::Reply(reply)) => {
                    if reply.class() == 4 {
                        self.smtp_error = reply.first_line().to_string();
                    }
                    self.reply(reply);
                }
                None => return,
            }
        }
    }

    fn reply(&mut self, reply: Reply) {
        match self.phase {
            Phase::Greeting | Phase::Hello { .. } | Phase::StartTls | Phase::Auth { .. } => {
                self.open_reply(reply)
            }
            Phase::Quit(_) => self.quit_done(),
            _ => self.transaction_reply(reply),
        }
    }

    /// Send one command line.
    pub(super) fn send(&mut self, line: String) {
        let mut bytes = line.clone().into_bytes();
        bytes.extend_from_slice(b"\r\n");
        self.event(Event::Sent(line));
        self.out.push(Action::Send(bytes));
    }

    pub(super) fn event(&mut self, event: Event) {
        self.out.push(Action::Event(event));
    }

    /// QUIT, then `after`.
    pub(super) fn send_quit(&mut self, after: AfterQuit) {
        self.send("QUIT".to_string());
        self.phase = Phase::Quit(after);
    }

    /// The QUIT exchange is over (any reply, end of input, a timeout).
    fn quit_done(&mut self) {
        let Phase::Quit(after) = std::mem::replace(&mut self.phase, Phase::Closed) else { return };
        self.out.push(Action::Close);
        match after {
            AfterQuit::Failed(status) => self.out.push(Action::Failed(status)),
            AfterQuit::Transaction => self.finish_transaction(),
            AfterQuit::Stale => self.out.push(Action::Stale),
            AfterQuit::Idle => {}
        }
    }

    /// The connection is gone.
    fn io_failed(&mut self, failure: IoFailure) {
        match std::mem::replace(&mut self.phase, Phase::Closed) {
            Phase::Closed => {}
            Phase::Quit(after) => {
                self.phase = Phase::Quit(after);
                self.quit_done();
            }
            Phase::Idle => self.out.push(Action::Close),
            Phase::Probe => {
                self.out.push(Action::Close);
                self.out.push(Action::Stale);
            }
            Phase::Greeting
            | Phase::Hello { .. }
            | Phase::StartTls
            | Phase::Handshake
            | Phase::Auth { .. } => {
                self.out.push(Action::Close);
                self.out.push(Action::Failed(Box::new(self.io_status(failure, true))));
            }
            old => {
                self.out.push(Action::Close);
                self.transaction_lost(old, failure);
            }
        }
    }

    /// sendmail's wording of a lost connection, after the error `reply: read error
    /// from <host>` that becomes the envelope's message: `Deferred: Connection timed
    /// out with <host>` when the server said nothing in time; when it closed the
    /// connection, `Deferred: Connection reset by <host>` while opening and waiting
    /// for the reply to DATA, but a bare `Deferred` (or the last 4xx reply) after
    /// MAIL, RCPT and the final dot, where sendmail 8.17 has lost `errno` by the time
    /// it words the status.
    pub(super) fn io_status(&self, failure: IoFailure, errno_kept: bool) -> Status {
        let why = match failure {
            IoFailure::Timeout => format!("Connection timed out with {}", self.host),
            _ if errno_kept => format!("Connection reset by {}", self.host),
            _ => self.smtp_error.clone(),
        };
        Status::new(Exit::TempFail, "4.4.2", None, Some(&why))
            .with_note(format!("reply: read error from {}", self.host))
    }

    /// The enhanced status code of `reply` when the server offered
    /// ENHANCEDSTATUSCODES (sendmail's `ENHSCN(enhsc, default)`), else `default`.
    pub(super) fn dsn_of(&self, reply: &Reply, default: &str) -> String {
        match reply.enhanced() {
            Some(code) if self.ext.enhanced_status_codes => code.to_string(),
            _ => default.to_string(),
        }
    }
}
