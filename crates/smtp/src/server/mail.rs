//! # Name
//! mail - MAIL FROM: start a transaction
//!
//! # Description
//! Checks in sendmail's order: `503 5.0.0 Polite people say HELO first` (with
//! `needmailhelo`), `503 5.5.0 Sender already specified`, the `FROM:` keyword and
//! address syntax (see `path`), the parameters (see `params`), then the size
//! checks (`552 5.2.3 Message size exceeds fixed maximum message size (N)`, `452
//! 4.4.5 Insufficient disk space; try again later`), and finally the policy.
//! Accepted: `250 2.1.0 <address>... Sender ok`. A new MAIL resets the bad-RCPT
//! throttle. On a listener that requires AUTH (`M=a`), MAIL before a successful
//! AUTH gets `530 5.7.0 Authentication required` (after the two 503 checks).
//! `AUTH=` is kept or turned into `<>` as the `auth` module says.

use super::{params, path, Decision, Envelope, Pending, Question, Reply, Sender, Session};
use spool::address::path::Role;

impl Session {
    pub(super) fn mail(&mut self, args: &str) {
        if self.helo.is_none() && self.settings.privacy.needmailhelo {
            self.reply(Reply::new(503, "5.0.0", "Polite people say HELO first"));
            return;
        }
        if self.tx.is_some() {
            self.reply(Reply::new(503, "5.5.0", "Sender already specified"));
            return;
        }
        if self.settings.auth_required && self.auth_id.is_none() {
            self.reply(Reply::new(530, "5.7.0", "Authentication required"));
            return;
        }
        match self.parse_sender(args) {
            Ok(sender) => {
                let size = sender.size;
                self.ask(Question::Space { size }, Pending::Space(sender));
            }
            Err(reply) => self.reply(reply),
        }
    }

    fn parse_sender(&mut self, args: &str) -> Result<Sender, Reply> {
        let (path, param_text) = path::scan(args, "FROM", Role::Sender)?;
        let mut sender =
            Sender { raw: path.raw, address: path.text, parsed: path.address, ..Sender::default() };
        params::mail(param_text, &mut sender, &self.settings)?;
        sender.auth = sender.auth.take().map(|value| self.trusted_auth_param(value));
        let max = self.settings.limits.max_message_size;
        if max > 0 && sender.size > max {
            let text = format!("Message size exceeds fixed maximum message size ({max})");
            return Err(Reply::new(552, "5.2.3", text));
        }
        Ok(sender)
    }

    /// The answer to [`Question::Space`]: go on to the policy, or 452.
    pub(super) fn has_space(&mut self, sender: Sender, room: bool) {
        if !room {
            self.reply(Reply::new(452, "4.4.5", "Insufficient disk space; try again later"));
            return;
        }
        let envelope = Envelope {
            client: self.client.clone(),
            helo: self.helo.clone(),
            protocol: self.protocol(),
            auth_id: self.auth_id.clone(),
            sender: sender.clone(),
            recipients: Vec::new(),
            message_size: 0,
        };
        self.last_command = "mail";
        self.ask(
            Question::Mail { sender: Box::new(sender), envelope: envelope.clone() },
            Pending::Mail(envelope),
        );
    }

    /// The policy's answer to MAIL: start the transaction, or its reply.
    pub(super) fn mail_decided(&mut self, envelope: Envelope, decision: Decision) {
        let shown = match decision {
            Decision::Accept => envelope.sender.raw.clone(),
            Decision::AcceptAs(shown) => shown,
            Decision::Reject(reply) => return self.refuse(reply),
        };
        self.counters.bad_rcpts = 0;
        self.tx = Some(envelope);
        self.reply(Reply::about(250, "2.1.0", &shown, "Sender ok"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, started};

    #[test]
    fn polite_people_say_helo_first() {
        let mut settings = lab();
        settings.privacy.needmailhelo = true;
        let (mut s, _) = started(settings);
        let r = say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        assert_eq!(r, "503 5.0.0 Polite people say HELO first\r\n");
    }

    #[test]
    fn sender_ok_and_already_specified() {
        let (mut s, _) = started(lab());
        assert_eq!(say(&mut s, "MAIL FROM:<>\r\n"), "250 2.1.0 <>... Sender ok\r\n");
        let r = say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        assert_eq!(r, "503 5.5.0 Sender already specified\r\n");
    }

    #[test]
    fn size_over_the_maximum() {
        let mut settings = lab();
        settings.limits.max_message_size = 1000;
        let (mut s, _) = started(settings);
        let r = say(&mut s, "MAIL FROM:<a@b.example> SIZE=1001\r\n");
        assert_eq!(r, "552 5.2.3 Message size exceeds fixed maximum message size (1000)\r\n");
    }

    #[test]
    fn syntax_errors_do_not_count_as_bad_commands() {
        let (mut s, _) = started(lab());
        for _ in 0..30 {
            assert!(say(&mut s, "MAIL FROM\r\n").starts_with("501 5.5.2"));
        }
        assert!(!s.is_closed());
    }
}
