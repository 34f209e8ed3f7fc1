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
//!
//! The mechanisms offered (in EHLO, and accepted by AUTH) are the settings' list, less
//! PLAIN and LOGIN before STARTTLS when `auth_plaintext_needs_tls` (sendmail's
//! `AuthOptions` `p`); AUTH is offered again after a successful one, as sendmail
//! does. Every AUTH that passes the three 503 checks feeds a flood counter whose
//! limit is the number of mechanisms offered plus one (sendmail's `n_mechs + 1`):
//! from there on each AUTH is answered late and `possible SMTP attack:
//! command=AUTH` is logged once.
//!
//! `AUTH=` on MAIL (RFC 4954 section 5): kept only when the client authenticated and
//! the value is its own identity (`id` or `<id>`, xtext, case ignored), as
//! sendmail's default `trust_auth` ruleset decides; otherwise it becomes `<>`.

use super::limits::Flood;
use super::{AuthStep, Pending, Phase, Question, Reply, Session};
use spool::base64;

/// The mechanisms that send the password in the clear.
const PLAINTEXT: [&str; 2] = ["PLAIN", "LOGIN"];

impl Session {
    pub(super) fn auth(&mut self, args: &str) {
        if let Err(reply) = self.auth_allowed() {
            self.reply(reply);
            return;
        }
        let offered = self.offered_mechanisms().len() as u32;
        self.flood(Flood::Auth { max: offered + 1 }, "AUTH");
        let mut words = args.split_ascii_whitespace();
        let Some(mechanism) = words.next() else {
            self.reply(Reply::new(501, "5.5.2", "AUTH mechanism must be specified"));
            return;
        };
        let known = self.offered_mechanisms().iter().any(|m| m.eq_ignore_ascii_case(mechanism));
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

    /// The mechanisms offered now (see the module documentation).
    pub(super) fn offered_mechanisms(&self) -> Vec<&str> {
        let hide_plaintext = self.settings.auth_plaintext_needs_tls && !self.tls;
        self.settings
            .auth_mechanisms
            .iter()
            .map(String::as_str)
            .filter(|m| !(hide_plaintext && PLAINTEXT.iter().any(|p| p.eq_ignore_ascii_case(m))))
            .collect()
    }

    /// `AUTH=` as stored: the given value if the client may claim it, else `<>`.
    pub(super) fn trusted_auth_param(&self, value: String) -> String {
        let Some(id) = self.auth_id.as_deref() else { return "<>".to_string() };
        let own = xtext(id);
        let bracketed = format!("<{own}>");
        if value.eq_ignore_ascii_case(&own) || value.eq_ignore_ascii_case(&bracketed) {
            value
        } else {
            "<>".to_string()
        }
    }

    fn auth_allowed(&self) -> Result<(), Reply> {
        if self.offered_mechanisms().is_empty() {
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

/// `id` as RFC 3461 xtext, with sendmail's extra `<>")` encoded (its `xtextify` of
/// `${auth_authen}`).
fn xtext(id: &str) -> String {
    spool::xtext::encode(id.as_bytes())
        .replace('<', "+3C")
        .replace('>', "+3E")
        .replace('"', "+22")
        .replace(')', "+29")
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, started};
    use super::super::{Event, Settings};
    use super::xtext;

    /// base64 of `\0alice\0secret1`.
    const ALICE: &str = "AGFsaWNlAHNlY3JldDE=";

    fn offering(mechanisms: &[&str]) -> Settings {
        let mut settings = lab();
        settings.auth_mechanisms = mechanisms.iter().map(|m| m.to_string()).collect();
        settings
    }

    #[test]
    fn plaintext_mechanisms_wait_for_tls_with_option_p() {
        let mut settings = offering(&["PLAIN", "LOGIN"]);
        settings.auth_plaintext_needs_tls = true;
        settings.tls_available = true;
        let (mut s, _) = started(settings);
        let ehlo = say(&mut s, "EHLO c.example\r\n");
        assert!(!ehlo.contains("AUTH"), "{ehlo}");
        assert_eq!(
            say(&mut s, &format!("AUTH PLAIN {ALICE}\r\n")),
            "503 5.3.3 AUTH not available\r\n"
        );
        say(&mut s, "STARTTLS\r\n");
        s.tls_started();
        assert!(say(&mut s, "EHLO c.example\r\n").contains("250-AUTH PLAIN LOGIN\r\n"));
        assert_eq!(
            say(&mut s, &format!("AUTH PLAIN {ALICE}\r\n")),
            "235 2.0.0 OK Authenticated\r\n"
        );
    }

    #[test]
    fn beside_another_mechanism_plaintext_ones_are_not_available_before_tls() {
        let mut settings = offering(&["PLAIN", "CRAM-MD5", "LOGIN"]);
        settings.auth_plaintext_needs_tls = true;
        let (mut s, _) = started(settings);
        assert!(say(&mut s, "EHLO c.example\r\n").contains("250-AUTH CRAM-MD5\r\n"));
        let r = say(&mut s, "AUTH login\r\n");
        assert_eq!(r, "504 5.3.3 AUTH mechanism login not available\r\n");
    }

    #[test]
    fn auth_stays_offered_after_success_and_a_second_is_refused() {
        let (mut s, _) = started(offering(&["PLAIN", "LOGIN"]));
        say(&mut s, "EHLO c.example\r\n");
        assert_eq!(say(&mut s, "AUTH PLAIN\r\n"), "334 \r\n");
        assert_eq!(say(&mut s, &format!("{ALICE}\r\n")), "235 2.0.0 OK Authenticated\r\n");
        assert!(say(&mut s, "EHLO c.example\r\n").contains("250-AUTH PLAIN LOGIN\r\n"));
        assert_eq!(say(&mut s, "AUTH LOGIN\r\n"), "503 5.5.0 Already Authenticated\r\n");
    }

    #[test]
    fn auth_past_the_mechanisms_plus_one_is_slowed_down_and_logged_once() {
        let (mut s, _) = started(offering(&["PLAIN", "LOGIN"]));
        say(&mut s, "EHLO c.example\r\n");
        assert_eq!(say(&mut s, "AUTH PLAIN AA==\r\n"), "535 5.7.0 authentication failed\r\n");
        assert_eq!(say(&mut s, "AUTH\r\n"), "501 5.5.2 AUTH mechanism must be specified\r\n");
        let third = say(&mut s, "AUTH CRAM-MD5\r\n");
        assert_eq!(third, "[sleep 1]\r\n504 5.3.3 AUTH mechanism CRAM-MD5 not available\r\n");
        assert_eq!(
            say(&mut s, "AUTH PLAIN AA==\r\n"),
            "[sleep 2]\r\n535 5.7.0 authentication failed\r\n"
        );
        let attacks: Vec<_> = s
            .policy()
            .events
            .iter()
            .filter(|e| matches!(e, Event::PossibleAttack { .. }))
            .collect();
        assert_eq!(attacks, [&Event::PossibleAttack { command: "AUTH", count: 3 }]);
        // Refused before the counter: inside a transaction.
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        let r = say(&mut s, "AUTH PLAIN\r\n");
        assert_eq!(r, "503 5.5.0 AUTH not permitted during a mail transaction\r\n");
    }

    #[test]
    fn a_listener_with_m_a_wants_auth_before_mail() {
        let mut settings = offering(&["PLAIN"]);
        settings.auth_required = true;
        let (mut s, _) = started(settings);
        say(&mut s, "EHLO c.example\r\n");
        let r = say(&mut s, "MAIL FROM:<a@b.example> AUTH=<>\r\n");
        assert_eq!(r, "530 5.7.0 Authentication required\r\n");
        say(&mut s, &format!("AUTH PLAIN {ALICE}\r\n"));
        assert_eq!(
            say(&mut s, "MAIL FROM:<a@b.example>\r\n"),
            "250 2.1.0 <a@b.example>... Sender ok\r\n"
        );
    }

    /// The `AUTH=` value stored with a message sent after `auth` (if any).
    fn stored_auth_param(auth: Option<&str>, param: &str) -> Option<String> {
        let (mut s, stored) = started(offering(&["PLAIN"]));
        say(&mut s, "EHLO c.example\r\n");
        if let Some(line) = auth {
            assert!(say(&mut s, line).starts_with("235 "));
        }
        assert!(say(&mut s, &format!("MAIL FROM:<a@b.example> {param}\r\n")).starts_with("250 "));
        say(&mut s, "RCPT TO:<root>\r\nDATA\r\n");
        assert!(say(&mut s, "Subject: x\r\n\r\nx\r\n.\r\n").starts_with("250 "));
        let auth = stored.borrow()[0].0.sender.auth.clone();
        auth
    }

    #[test]
    fn auth_param_is_kept_only_for_the_authenticated_identity() {
        let alice = format!("AUTH PLAIN {ALICE}\r\n");
        let kept = |param: &str| stored_auth_param(Some(&alice), &format!("AUTH={param}"));
        assert_eq!(kept("alice").as_deref(), Some("alice"));
        assert_eq!(kept("<ALICE>").as_deref(), Some("<ALICE>"));
        assert_eq!(kept("<alice@mail.example>").as_deref(), Some("<>"));
        assert_eq!(kept("bob").as_deref(), Some("<>"));
        assert_eq!(stored_auth_param(Some(&alice), "").as_deref(), None);
        assert_eq!(stored_auth_param(None, "AUTH=alice").as_deref(), Some("<>"));
    }

    #[test]
    fn auth_param_without_any_mechanism() {
        let (mut s, _) = started(lab());
        say(&mut s, "EHLO c.example\r\n");
        let r = say(&mut s, "MAIL FROM:<a@b.example> AUTH=<>\r\n");
        assert_eq!(r, "555 5.5.4 AUTH parameter unrecognized\r\n");
        let mut settings = lab();
        settings.auth_param_always = true;
        let (mut s, _) = started(settings);
        say(&mut s, "EHLO c.example\r\n");
        let r = say(&mut s, "MAIL FROM:<a@b.example> AUTH=<>\r\n");
        assert_eq!(r, "250 2.1.0 <a@b.example>... Sender ok\r\n");
    }

    #[test]
    fn xtext_as_sendmail_writes_auth_authen() {
        assert_eq!(xtext("alice@example.org"), "alice@example.org");
        assert_eq!(xtext("a b+c=<d>\")"), "a+20b+2Bc+3D+3Cd+3E+22+29");
    }
}
