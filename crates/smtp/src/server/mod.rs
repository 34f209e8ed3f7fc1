//! # Name
//! server - the SMTP server session, as sendmail 8.17 speaks it
//!
//! # Synopsis
//! ```text
//! let mut s = Session::new(settings, ClientInfo::local("root"));
//! perform(s.start());
//! loop {
//!     perform(s.feed(&read()?, more_input_already_waiting));
//! }
//! // where perform() writes Send, sleeps on Sleep, runs TLS on StartTls, and for
//! // Ask(question) works out the answer (as long as that takes) and performs
//! // s.answer(answer) in turn.
//! ```
//!
//! # Description
//! [`Session`] is a sans-IO state machine: bytes from the client go in through
//! [`Session::feed`], [`Action`]s come out (bytes to write, delays to sleep, TLS to
//! start, message text to store, events to log, close). It never blocks, sleeps or
//! reads a file. Where sendmail would consult its rulesets or its queue, the session
//! hands the driver a [`Question`] ([`Action::Ask`]) and waits: it reads no further
//! input until [`Session::answer`] gives the [`Answer`], so a DNSBL lookup, a milter
//! round trip, saslauthd or the commit's fsyncs can take their time without blocking
//! a thread. Input that arrives meanwhile is kept, in order.
//!
//! The same engine serves `smtpd` on sockets and `submit -bs` on stdin/stdout:
//! [`PolicySession`] answers every question at once from a synchronous [`Policy`]
//! (what `-bs` and the tests use), [`serve_blocking`] drives it over a reader and a
//! writer, and with the `tokio` feature `serve_async` drives a [`Session`] against an
//! [`AsyncPolicy`], with the read timeouts of [`Timeouts`] and STARTTLS handed back
//! to its caller.
//!
//! One file per verb group: `helo` (greeting, HELO/EHLO, the early-talker check),
//! `mail` and `rcpt` (with `path` and `params` for their syntax), `data` (message
//! text), `bdat` (message text in chunks), `misc` (NOOP RSET QUIT VRFY EXPN VERB ETRN STARTTLS), `auth`, `help`,
//! `limits` (sendmail's flood counters).
//!
//! # Input
//! Command lines end in LF; one CR before it is removed, so bare LF is accepted for
//! commands (and `NOOP<CR>` + `NOOP<CR><LF>` is one command). A command line longer
//! than `max_command_line` gets `421 4.7.0 <host> Command too long, possible attack`.
//! Message text must use CRLF: a bare LF gets `421 4.5.0 Bare linefeed (LF) not
//! allowed` at once (the SMTP smuggling fix).
//!
//! Traffic before response: when a HELO/EHLO line is followed by more input already
//! received (in the same [`Session::feed`] or, with `more_pending`, still in the
//! driver's buffer), the reply is `554 5.5.0 SMTP protocol error` and every later
//! command except NOOP, RSET, QUIT, HELO and EHLO gets `550 5.0.0 Command rejected`.
//!
//! # Security
//! Every length is bounded (command lines, headers, message size, the buffer of a
//! partial message line); no input panics. After STARTTLS the plaintext already
//! received is discarded (CVE-2011-0411).

mod answer;
mod auth;
mod bdat;
mod blocking;
mod client_macros;
mod configure;
mod data;
mod envelope;
mod helo;
mod help;
mod limits;
mod mail;
mod misc;
mod params;
mod path;
mod policy;
mod rcpt;
mod reply;
mod settings;
mod sync;
#[cfg(feature = "tokio")]
mod tokio_driver;

#[cfg(test)]
mod tests;

pub use answer::{Answer, AsyncPolicy, MessagePart, Question};
pub use blocking::serve_blocking;
pub use configure::{greeting, Macros};
pub use envelope::{BodyType, ClientInfo, Envelope, Notify, Protocol, Recipient, Ret, Sender};
pub use policy::{AuthStep, BodySink, CommitError, Connect, Decision, Event, Policy};
pub use reply::{Action, Reply};
pub use settings::{Extensions, Limits, Privacy, Settings, Timeouts};
pub use sync::PolicySession;
#[cfg(feature = "tokio")]
pub use tokio_driver::{serve_async, Served};

use answer::Pending;
use data::Incoming;
use limits::Counters;
use reply::lossy;
use std::time::Duration;

/// Where the session is in the dialogue.
enum Phase {
    /// Reading command lines.
    Command,
    /// Reading the client's answer to a `334` challenge.
    Auth,
    /// Reading message text after `354`.
    Data(Box<Incoming>),
    /// Reading the bytes of a BDAT chunk.
    Chunk(Box<bdat::Chunked>),
    /// Closed: no more input is looked at.
    Closed,
}

/// One SMTP server session over any byte stream.
pub struct Session {
    settings: Settings,
    client: ClientInfo,
    input: Vec<u8>,
    more_pending: bool,
    out: Vec<Action>,
    phase: Phase,
    /// The question asked and not yet answered; no input is looked at meanwhile.
    waiting: Option<Pending>,
    /// The client closed while a question was outstanding.
    eof_seen: bool,
    /// MAIL, EXPN, VRFY or ETRN was given (else sendmail logs `did not issue ...`).
    mail_issued: bool,
    started: bool,
    helo: Option<String>,
    esmtp: bool,
    tls: bool,
    auth_id: Option<String>,
    reject_all: Option<Reply>,
    /// A milter tempfailed the connection ([`Connect::TempFail`]).
    tempfail: bool,
    tx: Option<Envelope>,
    /// The message arriving in BDAT chunks, between chunks.
    chunked: Option<Box<bdat::Chunked>>,
    counters: Counters,
    last_command: &'static str,
}

impl Session {
    /// A session for `client`, not yet greeted.
    pub fn new(settings: Settings, client: ClientInfo) -> Session {
        Session {
            settings,
            client,
            input: Vec::new(),
            more_pending: false,
            out: Vec::new(),
            phase: Phase::Command,
            waiting: None,
            eof_seen: false,
            mail_issued: false,
            started: false,
            helo: None,
            esmtp: false,
            tls: false,
            auth_id: None,
            reject_all: None,
            tempfail: false,
            tx: None,
            chunked: None,
            counters: Counters::default(),
            last_command: "",
        }
    }

    /// Ask about the client ([`Question::Connect`]), then greet it (or refuse it).
    pub fn start(&mut self) -> Vec<Action> {
        if !self.started {
            self.started = true;
            self.greet();
        }
        std::mem::take(&mut self.out)
    }

    /// Bytes from the client. `more_pending` tells that the driver already holds more
    /// input after these bytes (for the traffic-before-response check).
    pub fn feed(&mut self, bytes: &[u8], more_pending: bool) -> Vec<Action> {
        if !self.started {
            self.started = true;
            self.greet();
        }
        if !self.is_closed() {
            self.input.extend_from_slice(bytes);
            self.more_pending = more_pending;
            self.run();
        }
        std::mem::take(&mut self.out)
    }

    /// The answer to the last [`Action::Ask`]; the session goes on with the input it
    /// holds.
    ///
    /// # Panics
    /// When no question is outstanding or the answer is of another kind than the
    /// question: a bug in the driver.
    pub fn answer(&mut self, answer: Answer) -> Vec<Action> {
        let pending = self.waiting.take().expect("an answer with no question outstanding");
        self.resume(pending, answer);
        if !self.is_closed() {
            self.run();
        }
        if self.eof_seen && self.waiting.is_none() {
            self.lost_input();
        }
        std::mem::take(&mut self.out)
    }

    /// The end of the greeting pause of [`Action::Pause`]: `Some(after)` when the
    /// client sent something (or closed) that long after connecting, `None` when it
    /// waited the pause out. Feed what the driver read after this call.
    ///
    /// # Panics
    /// When no pause is outstanding: a bug in the driver.
    pub fn paused(&mut self, talked: Option<Duration>) -> Vec<Action> {
        let pending = self.waiting.take();
        assert!(matches!(pending, Some(Pending::Pause)), "a pause ended with none started");
        self.pause_over(talked);
        if !self.is_closed() && self.waiting.is_none() {
            self.run();
        }
        std::mem::take(&mut self.out)
    }

    /// True while a question is outstanding.
    pub fn is_waiting(&self) -> bool {
        self.waiting.is_some()
    }

    /// The client closed its side: drop any message in progress. With a question
    /// outstanding, this takes effect after its answer.
    pub fn eof(&mut self) -> Vec<Action> {
        if self.is_closed() {
            return Vec::new();
        }
        if self.waiting.is_some() {
            self.eof_seen = true;
        } else {
            self.lost_input();
        }
        std::mem::take(&mut self.out)
    }

    /// How long the driver waits for the client's next bytes: sendmail's
    /// `Timeout.datablock` while reading message text, `Timeout.auth` during a SASL
    /// exchange, `Timeout.command` otherwise.
    pub fn read_timeout(&self) -> Duration {
        let t = &self.settings.timeouts;
        match self.phase {
            Phase::Data(_) | Phase::Chunk(_) => t.datablock,
            Phase::Auth => t.auth,
            _ => t.command,
        }
    }

    /// The client sent nothing for [`Session::read_timeout`]: end the session as
    /// sendmail does (`451 4.4.1 collect: read timeout ...` during message text,
    /// else `421 4.4.1 <host> Lost input channel from <client>`).
    pub fn timed_out(&mut self) -> Vec<Action> {
        if self.is_closed() {
            return Vec::new();
        }
        let during = match self.phase {
            Phase::Data(_) | Phase::Chunk(_) => "message collect",
            Phase::Auth => "auth",
            _ => "server cmd read",
        };
        self.event(Event::Timeout { during });
        if matches!(self.phase, Phase::Data(_) | Phase::Chunk(_)) {
            let sender = self.tx.as_ref().map(|tx| tx.sender.raw.clone()).unwrap_or_default();
            let text = format!(
                "collect: read timeout on connection from {}, from={sender}",
                self.client.description
            );
            self.reply(Reply::new(451, "4.4.1", text));
            self.end_transaction();
            self.close();
            return std::mem::take(&mut self.out);
        }
        self.lost_input();
        std::mem::take(&mut self.out)
    }

    fn lost_input(&mut self) {
        let phase = match std::mem::replace(&mut self.phase, Phase::Command) {
            Phase::Data(_) | Phase::Chunk(_) => {
                self.out.push(Action::Message(MessagePart::Abort));
                "during message collect".to_string()
            }
            _ if self.last_command.is_empty() => "during connection".to_string(),
            _ => format!("after {}", self.last_command),
        };
        self.event(Event::LostInput { phase });
        let text = format!(
            "{} Lost input channel from {}",
            self.settings.host_name, self.client.description
        );
        self.reply(Reply::new(421, "4.4.1", text));
        self.close();
    }

    /// The driver finished the TLS handshake after [`Action::StartTls`]: the session
    /// starts over (RFC 3207: forget HELO and any transaction).
    pub fn tls_started(&mut self) {
        self.tls = true;
        self.helo = None;
        self.esmtp = false;
        self.end_transaction();
        self.input.clear();
    }

    /// True once the session has closed; drivers stop reading.
    pub fn is_closed(&self) -> bool {
        matches!(self.phase, Phase::Closed)
    }

    /// The client this session serves.
    pub fn client(&self) -> &ClientInfo {
        &self.client
    }

    fn run(&mut self) {
        loop {
            if self.waiting.is_some() {
                return;
            }
            match self.phase {
                Phase::Closed => {
                    self.input.clear();
                    return;
                }
                Phase::Data(_) => {
                    if !self.data_input() {
                        return;
                    }
                }
                Phase::Chunk(_) => {
                    if !self.chunk_input() {
                        return;
                    }
                }
                Phase::Command | Phase::Auth => match self.next_line() {
                    Some(line) => self.line(&line),
                    None => return,
                },
            }
        }
    }

    /// The next complete command line without its line end, or None.
    fn next_line(&mut self) -> Option<Vec<u8>> {
        let max = self.settings.limits.max_command_line;
        let Some(lf) = self.input.iter().position(|&b| b == b'\n') else {
            if self.input.len() > max + 1 {
                self.command_too_long();
            }
            return None;
        };
        let mut line: Vec<u8> = self.input.drain(..=lf).collect();
        line.pop();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > max {
            self.command_too_long();
            return None;
        }
        Some(line)
    }

    fn command_too_long(&mut self) {
        self.event(Event::CommandTooLong);
        let text = format!(
            "{} Command too long, possible attack {}",
            self.settings.host_name, self.client.description
        );
        self.reply(Reply::new(421, "4.7.0", text));
        self.close();
    }

    fn line(&mut self, line: &[u8]) {
        if matches!(self.phase, Phase::Auth) {
            self.phase = Phase::Command;
            self.auth_response(line);
            return;
        }
        let text = lossy(line);
        let rest = text.trim_start_matches([' ', '\t']);
        let end = rest.find(|c: char| c.is_ascii_whitespace()).unwrap_or(rest.len());
        let (word, args) = rest.split_at(end);
        let args = args.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let verb = Verb::parse(word);
        if let Some(reply) = self.reject_all.clone() {
            if !verb.allowed_when_rejecting() {
                if !self.bad_command() {
                    self.reply(reply);
                }
                return;
            }
        }
        self.dispatch(verb, args, &text);
    }

    fn dispatch(&mut self, verb: Verb, args: &str, line: &str) {
        if matches!(verb, Verb::Mail | Verb::Vrfy | Verb::Expn | Verb::Etrn) {
            self.mail_issued = true;
        }
        let auth_offered = verb == Verb::Auth && !self.offered_mechanisms().is_empty();
        let refused = if self.tempfail { verb.tempfailed(auth_offered) } else { None };
        if let Some(reply) = refused {
            self.reply(reply);
            return;
        }
        match verb {
            Verb::Helo => self.helo(args, false),
            Verb::Ehlo => self.helo(args, true),
            Verb::Mail => self.mail(args),
            Verb::Rcpt => self.rcpt(args),
            Verb::Data => self.data(),
            Verb::Bdat if self.settings.extensions.chunking => self.bdat(args),
            Verb::Rset => self.rset(),
            Verb::Noop => self.noop(),
            Verb::Quit => self.quit(),
            Verb::Help => self.help(args),
            Verb::Vrfy => self.vrfy(args, line),
            Verb::Expn => self.expn(args, line),
            Verb::Verbose => self.verb(),
            Verb::Etrn => self.etrn(args),
            Verb::StartTls => self.starttls(args),
            Verb::Auth => self.auth(args),
            Verb::NotImplemented => {
                self.reply(Reply::new(502, "5.5.1", format!("Command not implemented: \"{line}\"")))
            }
            // BDAT without CHUNKING offered is a command sendmail does not know.
            Verb::Bdat | Verb::Unknown => {
                self.ask(Question::Unknown(line.to_string()), Pending::Unknown(line.to_string()))
            }
        }
    }

    /// The policy's answer to an unknown command (a milter's): its reply, or
    /// sendmail's `500 5.5.1 Command unrecognized`; either counts as a bad command.
    pub(super) fn unknown_decided(&mut self, line: &str, reply: Option<Reply>) {
        if !self.bad_command() {
            let text = format!("Command unrecognized: \"{line}\"");
            self.refuse(reply.unwrap_or_else(|| Reply::new(500, "5.5.1", text)));
        }
    }

    /// Count an unknown or refused command; true when the session ended with 421.
    fn bad_command(&mut self) -> bool {
        self.counters.bad_commands += 1;
        if self.counters.bad_commands <= self.settings.limits.max_bad_commands {
            return false;
        }
        self.event(Event::TooManyBadCommands);
        let text = format!("{} Too many bad commands; closing connection", self.settings.host_name);
        self.reply(Reply::new(421, "4.7.0", text));
        self.close();
        true
    }

    fn reply(&mut self, reply: Reply) {
        self.out.push(Action::Send(reply.to_bytes()));
    }

    /// A policy's refusal; a `421` ends the session after it (a milter's shutdown,
    /// as sendmail closes then).
    fn refuse(&mut self, reply: Reply) {
        let closing = reply.code() == 421;
        self.reply(reply);
        if closing {
            self.close();
        }
    }

    fn event(&mut self, event: Event) {
        self.out.push(Action::Log(event));
    }

    /// Hand the driver a question and read no input until it is answered.
    fn ask(&mut self, question: Question, pending: Pending) {
        self.waiting = Some(pending);
        self.out.push(Action::Ask(Box::new(question)));
    }

    /// Drop the transaction in progress, if any, telling the driver.
    fn end_transaction(&mut self) {
        self.drop_chunks();
        if let Some(envelope) = self.tx.take() {
            self.event(Event::TransactionEnded(Box::new(envelope)));
        }
    }

    fn close(&mut self) {
        if let Phase::Data(_) | Phase::Chunk(_) = std::mem::replace(&mut self.phase, Phase::Closed)
        {
            self.out.push(Action::Message(MessagePart::Abort));
        }
        self.end_transaction();
        if !self.mail_issued {
            self.event(Event::NoMailIssued);
        }
        self.waiting = None;
        self.input.clear();
        self.out.push(Action::Close);
    }

    /// The envelope as it stands, for policy calls.
    fn protocol(&self) -> Protocol {
        match (self.esmtp, self.tls, self.auth_id.is_some()) {
            (false, _, _) => Protocol::Smtp,
            (true, false, false) => Protocol::Esmtp,
            (true, true, false) => Protocol::Esmtps,
            (true, false, true) => Protocol::Esmtpa,
            (true, true, true) => Protocol::Esmtpsa,
        }
    }
}

/// The SMTP verbs sendmail knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verb {
    Helo,
    Ehlo,
    Mail,
    Rcpt,
    Data,
    Bdat,
    Rset,
    Noop,
    Quit,
    Help,
    Vrfy,
    Expn,
    Verbose,
    Etrn,
    StartTls,
    Auth,
    NotImplemented,
    Unknown,
}

impl Verb {
    fn parse(word: &str) -> Verb {
        const TABLE: [(&str, Verb); 20] = [
            ("HELO", Verb::Helo),
            ("EHLO", Verb::Ehlo),
            ("MAIL", Verb::Mail),
            ("RCPT", Verb::Rcpt),
            ("DATA", Verb::Data),
            ("BDAT", Verb::Bdat),
            ("RSET", Verb::Rset),
            ("NOOP", Verb::Noop),
            ("QUIT", Verb::Quit),
            ("HELP", Verb::Help),
            ("VRFY", Verb::Vrfy),
            ("EXPN", Verb::Expn),
            ("VERB", Verb::Verbose),
            ("ETRN", Verb::Etrn),
            ("STARTTLS", Verb::StartTls),
            ("AUTH", Verb::Auth),
            ("TURN", Verb::NotImplemented),
            ("SEND", Verb::NotImplemented),
            ("SOML", Verb::NotImplemented),
            ("SAML", Verb::NotImplemented),
        ];
        TABLE
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map_or(Verb::Unknown, |&(_, verb)| verb)
    }

    /// The reply to this command in a connection a milter tempfailed, as the oracle
    /// gives it (`None`: as usual; AUTH only where AUTH is offered, else its `503`).
    fn tempfailed(self, auth_offered: bool) -> Option<Reply> {
        let later = "Please try again later";
        match self {
            Verb::Mail | Verb::Etrn => Some(Reply::new(451, "4.3.2", later)),
            Verb::Vrfy | Verb::Expn => Some(Reply::new(550, "5.7.1", later)),
            Verb::Auth if auth_offered => Some(Reply::new(454, "4.3.0", later)),
            _ => None,
        }
    }

    /// Commands answered normally while every other command is refused.
    fn allowed_when_rejecting(self) -> bool {
        matches!(
            self,
            Verb::Helo | Verb::Ehlo | Verb::Noop | Verb::Rset | Verb::Quit | Verb::Unknown
        )
    }
}
