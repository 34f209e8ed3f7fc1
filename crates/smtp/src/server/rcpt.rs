//! # Name
//! rcpt - RCPT TO: add a recipient
//!
//! # Description
//! `503 5.0.0 Need MAIL before RCPT` outside a transaction; then the bad-RCPT
//! throttle (1 s per RCPT once `BadRcptThrottle` recipients were rejected),
//! `452 4.5.3 Too many recipients` past `MaxRecipientsPerMessage`, the `TO:`
//! keyword, address syntax, NOTIFY/ORCPT, and the policy. Accepted: `250 2.1.5
//! <address>... Recipient ok`. Every refused RCPT counts towards the throttle.

use super::{params, path, Decision, Policy, Recipient, Reply, Session};

impl<P: Policy> Session<P> {
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
            self.parse_recipient(args).and_then(|rcpt| self.ask_rcpt_to(rcpt))
        };
        match result {
            Ok(reply) => self.reply(reply),
            Err(reply) => {
                self.counters.bad_rcpts = self.counters.bad_rcpts.saturating_add(1);
                self.reply(reply);
            }
        }
    }

    fn parse_recipient(&self, args: &str) -> Result<Recipient, Reply> {
        let rest = path::after_keyword(args, "TO")?;
        let (raw, param_text) = path::split_address(rest);
        let path = path::check(raw, true)?;
        let mut rcpt = Recipient { raw: path.raw, address: path.address, ..Recipient::default() };
        params::rcpt(param_text, &mut rcpt, &self.settings)?;
        Ok(rcpt)
    }

    fn ask_rcpt_to(&mut self, rcpt: Recipient) -> Result<Reply, Reply> {
        let Some(tx) = self.tx.as_mut() else {
            return Err(Reply::new(503, "5.0.0", "Need MAIL before RCPT"));
        };
        let shown = match self.policy.rcpt_to(&rcpt, tx) {
            Decision::Accept => rcpt.raw.clone(),
            Decision::AcceptAs(shown) => shown,
            Decision::Reject(reply) => return Err(reply),
        };
        tx.recipients.push(rcpt);
        Ok(Reply::about(250, "2.1.5", &shown, "Recipient ok"))
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
}
