//! # Name
//! sync - a session answered at once by a synchronous [`Policy`]
//!
//! # Description
//! [`PolicySession`] is the adapter for callers whose answers never need to wait
//! (`submit -bs`, the in-memory tests): it wraps a [`Session`] and a [`Policy`],
//! answers every [`Question`] inline, sends message text to the policy's
//! [`BodySink`], reports events to [`Policy::event`], and passes on only what a
//! driver does on the connection itself: [`Action::Send`], [`Action::Sleep`],
//! [`Action::StartTls`] and [`Action::Close`].
//!
//! # Errors
//! A sink that fails keeps failing quietly: the rest of the message is read and
//! dropped, and the commit is answered with the sink's error as a [`CommitError`]
//! (a full disk stays [`CommitError::NoSpace`]), never 250.

use super::{
    Action, Answer, BodySink, ClientInfo, CommitError, MessagePart, Policy, Question, Session,
    Settings,
};
use std::collections::VecDeque;
use std::io;
use std::time::Duration;

/// A [`Session`] whose questions a synchronous [`Policy`] answers.
pub struct PolicySession<P: Policy> {
    session: Session,
    policy: P,
    sink: Option<P::Sink>,
    sink_error: Option<io::Error>,
}

impl<P: Policy> PolicySession<P> {
    /// A session for `client`, not yet greeted, answered by `policy`.
    pub fn new(settings: Settings, client: ClientInfo, policy: P) -> PolicySession<P> {
        PolicySession {
            session: Session::new(settings, client),
            policy,
            sink: None,
            sink_error: None,
        }
    }

    /// [`Session::start`], answered.
    pub fn start(&mut self) -> Vec<Action> {
        let actions = self.session.start();
        self.resolve(actions)
    }

    /// [`Session::feed`], answered.
    pub fn feed(&mut self, bytes: &[u8], more_pending: bool) -> Vec<Action> {
        let actions = self.session.feed(bytes, more_pending);
        self.resolve(actions)
    }

    /// [`Session::eof`], answered.
    pub fn eof(&mut self) -> Vec<Action> {
        let actions = self.session.eof();
        self.resolve(actions)
    }

    /// [`Session::timed_out`], answered.
    pub fn timed_out(&mut self) -> Vec<Action> {
        let actions = self.session.timed_out();
        self.resolve(actions)
    }

    /// [`Session::read_timeout`].
    pub fn read_timeout(&self) -> Duration {
        self.session.read_timeout()
    }

    /// [`Session::tls_started`].
    pub fn tls_started(&mut self) {
        self.session.tls_started();
    }

    /// True once the session has closed; drivers stop reading.
    pub fn is_closed(&self) -> bool {
        self.session.is_closed()
    }

    /// The caller's policy.
    pub fn policy(&self) -> &P {
        &self.policy
    }

    /// The caller's policy, mutably.
    pub fn policy_mut(&mut self) -> &mut P {
        &mut self.policy
    }

    /// Answer questions, store text and log events until only connection work is left.
    fn resolve(&mut self, actions: Vec<Action>) -> Vec<Action> {
        let mut todo: VecDeque<Action> = actions.into();
        let mut io = Vec::new();
        while let Some(action) = todo.pop_front() {
            match action {
                Action::Ask(question) => {
                    let answer = self.answer(*question);
                    todo.extend(self.session.answer(answer));
                }
                // This adapter does not watch the input: it sleeps the pause out and
                // greets (its callers' policies never pause; smtpd's driver watches).
                Action::Pause(limit) => {
                    std::thread::sleep(limit);
                    todo.extend(self.session.paused(None));
                }
                Action::Message(part) => self.store(part),
                Action::Log(event) => self.policy.event(event),
                other => io.push(other),
            }
        }
        io
    }

    fn answer(&mut self, question: Question) -> Answer {
        let p = &mut self.policy;
        match question {
            Question::Connect(client) => Answer::Connect(p.connect(&client)),
            Question::Greet => Answer::Connect(p.greet()),
            Question::Helo(name) => Answer::Helo(p.helo(&name)),
            Question::Unknown(line) => Answer::Unknown(p.unknown(&line)),
            Question::Space { size } => Answer::Space(p.enough_space(size)),
            Question::Mail { sender, envelope } => {
                Answer::Decision(p.mail_from(&sender, &envelope))
            }
            Question::Rcpt { recipient, envelope } => {
                Answer::Decision(p.rcpt_to(&recipient, &envelope))
            }
            Question::Vrfy(arg) => Answer::Reply(p.vrfy(&arg)),
            Question::Expn(arg) => Answer::Reply(p.expn(&arg)),
            Question::Etrn(node) => Answer::Reply(p.etrn(&node)),
            Question::AuthStart { mechanism, initial } => {
                Answer::Auth(p.auth_start(&mechanism, initial.as_deref()))
            }
            Question::AuthContinue(response) => Answer::Auth(p.auth_continue(&response)),
            Question::Data(envelope) => {
                self.sink_error = None;
                Answer::Data(p.data(&envelope).map(|sink| self.sink = Some(sink)))
            }
            Question::Commit(envelope) => Answer::Commit(self.commit(&envelope)),
        }
    }

    fn commit(&mut self, envelope: &super::Envelope) -> Result<String, CommitError> {
        let sink = self.sink.take();
        match (self.sink_error.take(), sink) {
            (None, Some(sink)) => self.policy.commit(envelope, sink),
            (Some(e), sink) => {
                if let Some(sink) = sink {
                    self.policy.abort(sink);
                }
                Err(CommitError::from(e))
            }
            (None, None) => Err(CommitError::Io(io::Error::other("no message store open"))),
        }
    }

    fn store(&mut self, part: MessagePart) {
        if self.sink_error.is_some() && part != MessagePart::Abort {
            return;
        }
        let Some(sink) = self.sink.as_mut() else { return };
        let result = match part {
            MessagePart::Header(line) => sink.header(&line),
            MessagePart::Body(chunk) => sink.body(&chunk),
            MessagePart::Abort => {
                self.sink_error = None;
                if let Some(sink) = self.sink.take() {
                    self.policy.abort(sink);
                }
                return;
            }
        };
        self.sink_error = result.err();
    }
}
