//! # Name
//! rcpt - RCPT TO: add a recipient
//!
//! # Description
//! `503 5.0.0 Need MAIL before RCPT` outside a transaction; then the bad-RCPT
//! throttle (1 s per RCPT once `BadRcptThrottle` recipients were rejected),
//! `452 4.5.3 Too many recipients` past `MaxRecipientsPerMessage`, the `TO:`
//! keyword, address syntax, NOTIFY/ORCPT, and the policy. Accepted: `250 2.1.5
//! <address>... Recipient ok`. Every refused RCPT counts towards the throttle.

use super::{params, path, Decision, Envelope, Pending, Question, Recipient, Reply, Session};
use spool::address::path::Role;
use std::sync::Arc;

impl Session {
    pub(super) fn rcpt(&mut self, args: &str) {
        let Some(count) = self.tx.as_ref().map(|tx| tx.recipients.len()) else {
            self.reply(Reply::new(503, "5.0.0", "Need MAIL before RCPT"));
            return;
        };
        self.rcpt_throttle();
        self.last_command = "rcpt";
        let max = self.settings.limits.max_recipients;
        let result = if max > 0 && count >= max {
            Err(Reply::new(452, "4.5.3", "Too many recipients"))
        } else {
            self.parse_recipient(args)
        };
        match result {
            Ok(recipient) => self.ask_rcpt_to(recipient),
            Err(reply) => self.refuse_rcpt(reply),
        }
    }

    fn refuse_rcpt(&mut self, reply: Reply) {
        self.counters.bad_rcpts = self.counters.bad_rcpts.saturating_add(1);
        self.refuse(reply);
    }

    fn parse_recipient(&self, args: &str) -> Result<Recipient, Reply> {
        let (path, param_text) = path::scan(args, "TO", Role::Recipient)?;
        let mut rcpt = Recipient {
            raw: path.raw,
            address: path.text,
            parsed: path.address,
            ..Recipient::default()
        };
        params::rcpt(param_text, &mut rcpt, &self.settings)?;
        Ok(rcpt)
    }

    /// Asks about `recipient`, lending the transaction to the question (it comes back
    /// with the answer, uncopied once the driver has dropped the question).
    fn ask_rcpt_to(&mut self, recipient: Recipient) {
        let Some(tx) = self.tx.take() else {
            return self.refuse_rcpt(Reply::new(503, "5.0.0", "Need MAIL before RCPT"));
        };
        let tx = Arc::new(tx);
        let question = Question::Rcpt { recipient: recipient.clone(), envelope: tx.clone() };
        self.ask(question, Pending::Rcpt(recipient, tx));
    }

    /// The policy's answer to RCPT: add the recipient, or its reply.
    pub(super) fn rcpt_decided(
        &mut self,
        recipient: Recipient,
        tx: Arc<Envelope>,
        decision: Decision,
    ) {
        self.tx = Some(Arc::try_unwrap(tx).unwrap_or_else(|shared| (*shared).clone()));
        let shown = match decision {
            Decision::Accept => recipient.raw.clone(),
            Decision::AcceptAs(shown) => shown,
            Decision::Reject(reply) => return self.refuse_rcpt(reply),
        };
        let Some(tx) = self.tx.as_mut() else {
            return self.refuse_rcpt(Reply::new(503, "5.0.0", "Need MAIL before RCPT"));
        };
        tx.recipients.push(recipient);
        self.reply(Reply::about(250, "2.1.5", &shown, "Recipient ok"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, started};

    #[test]
    fn need_mail_before_rcpt() {
        let (mut s, _) = started(lab());
        assert_eq!(say(&mut s, "RCPT TO:<root>\r\n"), "503 5.0.0 Need MAIL before RCPT\r\n");
    }

    #[test]
    fn too_many_recipients() {
        let (mut s, _) = started(lab());
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        for _ in 0..3 {
            assert!(say(&mut s, "RCPT TO:<root>\r\n").starts_with("250 2.1.5 <root>"));
        }
        assert_eq!(say(&mut s, "RCPT TO:<root>\r\n"), "452 4.5.3 Too many recipients\r\n");
    }

    #[test]
    fn unknown_user_and_syntax() {
        let (mut s, _) = started(lab());
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        assert_eq!(say(&mut s, "RCPT TO:<x>\r\n"), "550 5.1.1 <x>... User unknown\r\n");
        assert_eq!(say(&mut s, "RCPT TO:<>\r\n"), "553 5.0.0 <>... User address required\r\n");
        let r = say(&mut s, "RCPT TO:<root> RET=FULL\r\n");
        assert_eq!(r, "[sleep 1]\r\n555 5.5.4 RET parameter unrecognized\r\n");
    }

    /// Paths are read by the one address syntax of `spool::address`: what the real
    /// sendmail 8.17.1.9 answered to these under `sendmail -bs` (the oracle), where
    /// the engine once had rules of its own (it took `<a@b@c>` and refused a comment).
    #[test]
    fn paths_are_read_as_sendmail_reads_them() {
        let (mut s, stored) = started(lab());
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        let r = say(&mut s, "RCPT TO:<(comment) root>\r\n");
        assert_eq!(r, "250 2.1.5 <(comment) root>... Recipient ok\r\n");
        for (path, wanted) in [
            ("<a@b@c>", "553 5.1.3 <a@b@c>... Invalid route address\r\n"),
            ("<a,b>", "553 5.1.3 <a,b>... Invalid route address\r\n"),
            ("<@a:>", "553 5.1.3 <@a:>... User address required\r\n"),
            ("a>b<c", "553 5.0.0 a>b<c... Unbalanced '>'\r\n"),
        ] {
            let r = say(&mut s, &format!("RCPT TO:{path}\r\n"));
            assert!(r.ends_with(wanted), "{path}: {r}");
        }
        say(&mut s, "DATA\r\n");
        say(&mut s, "x\r\n.\r\n");
        let stored = stored.borrow();
        let rcpt = &stored[0].0.recipients[0];
        assert_eq!(
            (rcpt.raw.as_str(), rcpt.address.as_str()),
            ("<(comment) root>", "(comment) root")
        );
        assert_eq!(rcpt.parsed.local, "root");
    }
}
