//! # Name
//! auth - AUTH (RFC 4954), the SMTP side of a SASL exchange
//!
//! # Description
//! The session does the framing, the policy does SASL. Replies are sendmail's:
//! `503 5.3.3 AUTH not available` (no mechanisms), `503 5.5.0 Already
//! Authenticated`, `503 5.5.0 AUTH not permitted during a mail transaction`,
//! `501 5.5.2 AUTH mechanism must be specified`, `504 5.3.3 AUTH mechanism X not
//! available`, `334 <base64>` challenges, `501 5.0.0 AUTH aborted` for `*`,
//! `501 5.5.4 cannot decode AUTH parameter <line>`, `235 2.0.0 OK Authenticated`,
//! `535 5.7.0 authentication failed`.
//!
//! While a challenge is outstanding, the next line is the answer, whatever it is.

use super::{AuthStep, Pending, Phase, Question, Reply, Session};
use spool::base64;

impl Session {
    pub(super) fn auth(&mut self, args: &str) {
        if let Err(reply) = self.auth_allowed() {
            self.reply(reply);
            return;
        }
        let mut words = args.split_ascii_whitespace();
        let Some(mechanism) = words.next() else {
            self.reply(Reply::new(501, "5.5.2", "AUTH mechanism must be specified"));
            return;
        };
        let known = self.settings.auth_mechanisms.iter().any(|m| m.eq_ignore_ascii_case(mechanism));
        if !known {
            let text = format!("AUTH mechanism {mechanism} not available");
            self.reply(Reply::new(504, "5.3.3", text));
            return;
        }
        let initial = match words.next() {
            None => None,
            Some("=") => Some(Vec::new()),
            Some(text) => match base64::decode(text.as_bytes()) {
                Ok(bytes) => Some(bytes),
                Err(_) => return self.cannot_decode(text),
            },
        };
        let mechanism = mechanism.to_ascii_uppercase();
        self.ask(Question::AuthStart { mechanism, initial }, Pending::Auth);
    }

    fn auth_allowed(&self) -> Result<(), Reply> {
        if self.settings.auth_mechanisms.is_empty() {
            return Err(Reply::new(503, "5.3.3", "AUTH not available"));
        }
        if self.auth_id.is_some() {
            return Err(Reply::new(503, "5.5.0", "Already Authenticated"));
        }
        if self.in_transaction() {
            return Err(Reply::new(503, "5.5.0", "AUTH not permitted during a mail transaction"));
        }
        Ok(())
    }

    /// The client's answer to a `334` challenge.
    pub(super) fn auth_response(&mut self, line: &[u8]) {
        let text = super::reply::lossy(line);
        if text.trim_end() == "*" {
            self.reply(Reply::new(501, "5.0.0", "AUTH aborted"));
            return;
        }
        match base64::decode(text.trim_end().as_bytes()) {
            Ok(bytes) => self.ask(Question::AuthContinue(bytes), Pending::Auth),
            Err(_) => self.cannot_decode(&text),
        }
    }

    fn cannot_decode(&mut self, text: &str) {
        self.reply(Reply::new(501, "5.5.4", format!("cannot decode AUTH parameter {text}")));
    }

    /// The policy's answer to one SASL step.
    pub(super) fn auth_step(&mut self, step: AuthStep) {
        match step {
            AuthStep::Challenge(bytes) => {
                self.phase = Phase::Auth;
                self.reply(Reply::bare(334, base64::encode(&bytes)));
            }
            AuthStep::Success(id) => {
                self.auth_id = Some(id);
                self.reply(Reply::new(235, "2.0.0", "OK Authenticated"));
            }
            AuthStep::Failure => self.reply(Reply::new(535, "5.7.0", "authentication failed")),
        }
    }
}
