//! # Name
//! open - greeting, EHLO/HELO, STARTTLS and AUTH: getting a connection ready
//!
//! # Description
//! The opening as sendmail 8.17's `smtpinit()` and `deliver()` run it:
//!
//! ```text
//! greeting  2xx: go on     4xx: QUIT, Deferred: <reply>      5xx: QUIT, Service unavailable
//! EHLO      2xx: go on     5xx: HELO    4xx: QUIT, Deferred: <reply>
//! HELO      2xx: go on     5xx: QUIT, Service unavailable    4xx: QUIT, Deferred: <reply>
//! loop      the first word of the reply is our HELO name: QUIT, Local configuration error
//! STARTTLS  220: handshake, then EHLO again      anything else: go on without TLS
//! handshake failed: drop the connection, Deferred: 454 4.7.0 TLS handshake failed.
//! AUTH      235: authenticated     5xx: next mechanism, none left: go on unauthenticated
//!           4xx: next mechanism, none left: QUIT, Deferred: Temporary AUTH failure
//! ```
//!
//! EHLO is sent when the mailer has the `a` flag (or the greeting says `ESMTP`); a
//! 421 anywhere is answered with QUIT first (`reply()` does that in sendmail). The
//! DSN code of a 4xx is the reply's enhanced code once ENHANCEDSTATUSCODES is known,
//! else `4.5.0`; of a 5xx, `5.5.0`.

use super::auth::{AuthResult, Mechanism};
use super::ehlo::{Extensions, Greeting};
use super::reply::Reply;
use super::session::{Action, AfterQuit, Phase, Session};
use super::status::{Exit, Status};
use super::transcript::{Event, Scope, TlsInfo};

impl Session {
    pub(super) fn open_reply(&mut self, reply: Reply) {
        match std::mem::replace(&mut self.phase, Phase::Busy) {
            Phase::Greeting => self.greeted(reply),
            Phase::Hello { ehlo } => self.helloed(reply, ehlo),
            Phase::StartTls => self.starttls_reply(reply),
            Phase::Auth { mechanism, step, rest, given_up } => {
                self.auth_reply(reply, mechanism, step, rest, given_up)
            }
            other => self.phase = other,
        }
    }

    fn greeted(&mut self, reply: Reply) {
        self.greeting = Greeting::from_reply(&reply);
        match reply.class() {
            2 => {
                self.esmtp = self.settings.esmtp || self.greeting.esmtp;
                self.hello();
            }
            4 => self.refused(Exit::TempFail, &reply),
            _ => self.refused(Exit::Unavailable, &reply),
        }
    }

    fn hello(&mut self) {
        let verb = if self.esmtp { "EHLO" } else { "HELO" };
        self.send(format!("{verb} {}", self.settings.helo_name));
        self.phase = Phase::Hello { ehlo: self.esmtp };
    }

    fn helloed(&mut self, reply: Reply, ehlo: bool) {
        match reply.class() {
            2 => {}
            5 if ehlo => {
                self.esmtp = false;
                return self.hello();
            }
            5 => return self.refused(Exit::Unavailable, &reply),
            _ => return self.refused(Exit::TempFail, &reply),
        }
        self.ext = if ehlo { Extensions::from_ehlo(&reply) } else { Extensions::default() };
        let name = reply.first_line().get(4..).unwrap_or("").split(' ').next().unwrap_or("");
        if self.settings.loop_check && name.eq_ignore_ascii_case(&self.settings.helo_name) {
            let note = format!("{} config error: mail loops back to me (MX problem?)", self.host);
            self.event(Event::Status {
                to: Scope::These(Vec::new()),
                code: 553,
                text: note.clone(),
            });
            let status =
                Status::new(Exit::Config, "5.3.5", Some("553 5.3.5 system config error"), None)
                    .with_note(note);
            return self.send_quit(AfterQuit::Failed(Box::new(status)));
        }
        if self.ext.starttls && self.tls_allowed && self.tls.is_none() {
            self.send("STARTTLS".to_string());
            self.phase = Phase::StartTls;
            return;
        }
        self.authenticate();
    }

    /// The greeting or HELO was refused: QUIT (unless a 421 already closed), then
    /// fail with sendmail's `tempfail2` or `unavailable` status.
    fn refused(&mut self, exit: Exit, reply: &Reply) {
        let status = match exit {
            Exit::TempFail => {
                let dsn = self.dsn_of(reply, "4.5.0");
                Status::new(Exit::TempFail, &dsn, Some(reply.first_line()), Some(&self.smtp_error))
            }
            _ => Status::new(Exit::Unavailable, "5.5.0", Some(reply.first_line()), None),
        };
        self.send_quit(AfterQuit::Failed(Box::new(status)));
    }

    fn starttls_reply(&mut self, reply: Reply) {
        if reply.code() == 220 {
            self.phase = Phase::Handshake;
            self.out.push(Action::StartTls);
        } else if reply.code() == 421 {
            self.refused(Exit::TempFail, &reply);
        } else {
            // sendmail's tls_server ruleset lets the delivery go on in plaintext.
            self.authenticate();
        }
    }

    /// The handshake succeeded: forget what was read in plaintext, say EHLO again.
    pub fn tls_started(&mut self, info: TlsInfo) -> Vec<Action> {
        if matches!(self.phase, Phase::Handshake) {
            self.reader.clear();
            self.ext = Extensions::default();
            self.event(Event::TlsStarted(info.clone()));
            self.tls = Some(info);
            self.hello();
        }
        std::mem::take(&mut self.out)
    }

    /// The handshake failed: the connection is unusable (sendmail drops it without
    /// QUIT) and the delivery is deferred, unless the caller retries in plaintext.
    pub fn tls_failed(&mut self, why: &str) -> Vec<Action> {
        if matches!(self.phase, Phase::Handshake) {
            self.phase = Phase::Closed;
            self.handshake_failed = true;
            self.event(Event::TlsFailed(why.to_string()));
            let reply = "454 4.7.0 TLS handshake failed.";
            let status = Status::new(Exit::TempFail, "4.7.0", Some(reply), Some(reply));
            self.out.push(Action::Close);
            self.out.push(Action::Failed(Box::new(status)));
        }
        std::mem::take(&mut self.out)
    }

    /// AUTH with the target's credentials, when there are any to use.
    fn authenticate(&mut self) {
        let candidates = match (&self.credentials, self.authenticated) {
            (Some(c), None) => {
                Mechanism::candidates(c, &self.settings.auth_mechanisms, &self.ext.auth)
            }
            _ => Vec::new(),
        };
        match candidates.split_first() {
            Some((&first, rest)) => self.auth_start(first, rest.to_vec()),
            None => self.ready(),
        }
    }

    fn auth_start(&mut self, mechanism: Mechanism, rest: Vec<Mechanism>) {
        let Some(credentials) = self.credentials.as_ref() else { return self.ready() };
        let command = mechanism.start(credentials);
        self.send(command);
        self.phase = Phase::Auth { mechanism, step: 0, rest, given_up: false };
    }

    fn auth_reply(
        &mut self,
        reply: Reply,
        mechanism: Mechanism,
        step: usize,
        rest: Vec<Mechanism>,
        given_up: bool,
    ) {
        if reply.class() == 3 && !given_up {
            let response = self.credentials.as_ref().and_then(|c| mechanism.respond(step, c));
            let given_up = response.is_none();
            self.send(response.unwrap_or_else(|| "*".to_string()));
            self.phase = Phase::Auth { mechanism, step: step + 1, rest, given_up };
            return;
        }
        let result = if given_up { AuthResult::Refused } else { AuthResult::of(reply.code()) };
        let rest = if reply.code() == 421 { Vec::new() } else { rest };
        match (result, rest.split_first()) {
            (AuthResult::Ok, _) => {
                self.authenticated = Some(mechanism.name());
                self.event(Event::Authenticated(mechanism.name()));
                self.ready();
            }
            (_, Some((&next, others))) => self.auth_start(next, others.to_vec()),
            (AuthResult::Refused, None) => self.ready(),
            (AuthResult::TempFail, None) => {
                let status =
                    Status::new(Exit::TempFail, "4.3.0", None, Some("Temporary AUTH failure"));
                self.send_quit(AfterQuit::Failed(Box::new(status)));
            }
        }
    }

    fn ready(&mut self) {
        self.phase = Phase::Idle;
        self.out.push(Action::Ready);
    }
}
