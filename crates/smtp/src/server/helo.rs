//! # Name
//! helo - the greeting, HELO and EHLO
//!
//! # Description
//! The greeting is `220 ` plus [`super::Settings::greeting`], unless the policy
//! refuses the connection (its reply instead, then close) or tells the session to
//! reject every command (sendmail's access `REJECT`: normal greeting, EHLO without
//! extensions, `550 5.7.1 Access denied` for the rest). A milter's reject at
//! connect and pre-greeting traffic get sendmail's `554 $j ESMTP not accepting
//! messages` instead of the greeting, then `550 5.0.0 Command rejected`.
//!
//! `FEATURE(greet_pause)`: the policy may answer the connection with a pause; the
//! driver waits that long for input ([`super::Action::Pause`]). A client that talks
//! first is logged and not accepted; one that waits is asked about once more
//! ([`Question::Greet`], the milters) before the greeting.
//!
//! After its checks HELO/EHLO asks the policy ([`Question::Helo`], where sendmail
//! consults its milters): it may accept, have every later command refused with a
//! reply (the reply to HELO itself is the usual one, EHLO without extensions), or
//! answer with a reply and close (a filter's `421`).
//!
//! HELO/EHLO checks, in sendmail's order: the flood counter (every HELO/EHLO counts,
//! even a refused one), `501 5.0.0 HELO requires domain address`, `501 5.0.0
//! Invalid domain name` (letters, digits and `[].-_#:` only; trailing blanks
//! allowed; at most 256 characters), then the traffic-before-response check.
//!
//! The EHLO reply lists, in sendmail's order: ENHANCEDSTATUSCODES, PIPELINING, EXPN
//! and VERB (when allowed), 8BITMIME, SIZE [max], DSN, ETRN, AUTH <mechanisms>,
//! STARTTLS, DELIVERBY, HELP.

use super::limits::Flood;
use super::{Action, Connect, Event, Pending, Phase, Question, Reply, Session};
use std::time::Duration;

/// sendmail's MAXNAME: longest HELO argument.
const MAX_HELO_NAME: usize = 256;

impl Session {
    pub(super) fn greet(&mut self) {
        self.ask(Question::Connect(self.client.clone()), Pending::Connect);
    }

    /// The policy's answer about the client.
    pub(super) fn connected(&mut self, connect: Connect) {
        match connect {
            Connect::Accept => self.send_greeting(),
            Connect::Refuse(reply) => {
                self.reply(reply);
                self.close();
            }
            Connect::RejectCommands(reply) => {
                self.send_greeting();
                self.reject_all = Some(reply);
            }
            Connect::NotAccepting => self.not_accepting(),
            Connect::TempFail => {
                self.send_greeting();
                self.tempfail = true;
            }
            Connect::Pause(limit) => {
                self.waiting = Some(Pending::Pause);
                self.out.push(Action::Pause(limit));
            }
        }
    }

    /// The end of the greeting pause: the client talked (`Some(after)` the
    /// connection) or waited; see [`Session::paused`].
    pub(super) fn pause_over(&mut self, talked: Option<Duration>) {
        match talked {
            Some(after) => {
                self.event(Event::PreGreetingTraffic { after });
                self.not_accepting();
            }
            None => self.ask(Question::Greet, Pending::Connect),
        }
    }

    /// sendmail's greeting code 554 with its `nullserver`: `554 $j ESMTP not
    /// accepting messages`, then `550 5.0.0 Command rejected` for every command but
    /// HELO, EHLO, NOOP, RSET and QUIT.
    fn not_accepting(&mut self) {
        let text = format!("{} ESMTP not accepting messages", self.settings.host_name);
        self.reply(Reply::bare(554, text));
        self.reject_all = Some(Reply::new(550, "5.0.0", "Command rejected"));
    }

    fn send_greeting(&mut self) {
        let greeting = super::client_macros::expand(&self.settings.greeting, &self.client);
        self.reply(Reply::bare(220, greeting));
    }

    pub(super) fn helo(&mut self, args: &str, extended: bool) {
        let verb = if extended { "EHLO" } else { "HELO" };
        self.flood(Flood::Helo, "HELO/EHLO");
        if args.is_empty() {
            self.reply(Reply::new(501, "5.0.0", format!("{verb} requires domain address")));
            return;
        }
        let Some(name) = valid_helo_name(args) else {
            self.reply(Reply::new(501, "5.0.0", "Invalid domain name"));
            return;
        };
        if self.input_pending() {
            self.event(Event::TrafficBeforeResponse { verb });
            self.reply(Reply::new(554, "5.5.0", "SMTP protocol error"));
            self.reject_all = Some(Reply::new(550, "5.0.0", "Command rejected"));
            return;
        }
        self.ask(
            Question::Helo(name.to_string()),
            Pending::Helo { name: name.to_string(), extended },
        );
    }

    /// The policy's answer to HELO/EHLO (a milter's): the usual reply, then perhaps
    /// every later command refused, or the filter's `421` and close. (A greeting is
    /// long gone: `NotAccepting` refuses the later commands as sendmail's nullserver
    /// does, and a pause means nothing here.)
    pub(super) fn helo_decided(&mut self, name: String, extended: bool, answer: Connect) {
        match answer {
            Connect::Accept | Connect::Pause(_) => {}
            Connect::TempFail => self.tempfail = true,
            Connect::RejectCommands(reply) => self.reject_all = Some(reply),
            Connect::NotAccepting => {
                self.reject_all = Some(Reply::new(550, "5.0.0", "Command rejected"))
            }
            Connect::Refuse(reply) => {
                self.reply(reply);
                self.close();
                return;
            }
        }
        self.end_transaction();
        self.counters.bad_rcpts = 0;
        self.helo = Some(name);
        self.esmtp = extended;
        self.last_command = "helo";
        let hello = format!(
            "{} Hello {}, pleased to meet you",
            self.settings.host_name, self.client.description
        );
        if extended {
            let reply = self.ehlo_reply(hello);
            self.reply(reply);
        } else {
            self.reply(Reply::bare(250, hello));
        }
    }

    /// True when the client sent more than the HELO/EHLO line before our reply.
    fn input_pending(&self) -> bool {
        !self.input.is_empty() || self.more_pending
    }

    fn ehlo_reply(&self, hello: String) -> Reply {
        let mut lines = vec![hello, "ENHANCEDSTATUSCODES".to_string()];
        if self.reject_all.is_none() {
            lines.extend(self.extensions());
        }
        Reply::lines(250, None, lines)
    }

    fn extensions(&self) -> Vec<String> {
        let s = &self.settings;
        let ext = &s.extensions;
        let mut list: Vec<String> = Vec::new();
        let mut add = |on: bool, name: &str| {
            if on {
                list.push(name.to_string());
            }
        };
        add(ext.pipelining, "PIPELINING");
        add(!s.privacy.noexpn, "EXPN");
        add(s.privacy.verb_allowed(), "VERB");
        add(ext.eight_bit_mime, "8BITMIME");
        add(ext.smtputf8, "SMTPUTF8");
        if ext.size {
            match s.limits.max_message_size {
                0 => add(true, "SIZE"),
                max => add(true, &format!("SIZE {max}")),
            }
        }
        add(ext.dsn && !s.privacy.noreceipts, "DSN");
        add(ext.etrn && !s.privacy.noetrn, "ETRN");
        let mechanisms = self.offered_mechanisms();
        add(!mechanisms.is_empty(), &format!("AUTH {}", mechanisms.join(" ")));
        add(s.tls_available && !self.tls, "STARTTLS");
        add(ext.deliver_by, "DELIVERBY");
        add(ext.chunking, "CHUNKING");
        add(true, "HELP");
        list
    }

    /// Is the session in the middle of something that blocks STARTTLS and AUTH?
    pub(super) fn in_transaction(&self) -> bool {
        self.tx.is_some() || matches!(self.phase, Phase::Data(_) | Phase::Chunk(_))
    }
}

/// The HELO name if sendmail would accept it: trailing blanks are dropped.
fn valid_helo_name(args: &str) -> Option<&str> {
    let name = args.trim_end_matches(|c: char| c.is_ascii_whitespace());
    if name.len() > MAX_HELO_NAME {
        return None;
    }
    let ok = name.chars().all(|c| c.is_ascii_alphanumeric() || "[].-_#:".contains(c));
    ok.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, started};
    use super::*;

    #[test]
    fn helo_name_checks() {
        assert_eq!(valid_helo_name("client.example  "), Some("client.example"));
        assert_eq!(valid_helo_name("[127.0.0.1]"), Some("[127.0.0.1]"));
        assert_eq!(valid_helo_name("bad_host!name"), None);
        assert_eq!(valid_helo_name("a b"), None);
        assert_eq!(valid_helo_name(&"a".repeat(300)), None);
    }

    #[test]
    fn ehlo_lists_extensions() {
        let mut settings = lab();
        settings.auth_mechanisms = vec!["PLAIN".into()];
        settings.tls_available = true;
        let (mut s, _) = started(settings);
        let r = say(&mut s, "EHLO c.example\r\n");
        assert_eq!(
            r,
            "250-mail.example Hello localhost [127.0.0.1], pleased to meet you\r\n\
             250-ENHANCEDSTATUSCODES\r\n250-PIPELINING\r\n250-EXPN\r\n250-VERB\r\n\
             250-8BITMIME\r\n250-SIZE\r\n250-DSN\r\n250-ETRN\r\n250-AUTH PLAIN\r\n\
             250-STARTTLS\r\n250-DELIVERBY\r\n250 HELP\r\n"
        );
    }

    #[test]
    fn early_talker_is_rejected() {
        let (mut s, _) = started(lab());
        let r = say(&mut s, "HELO c.example\r\nMAIL FROM:<a@b.example>\r\n");
        assert_eq!(r, "554 5.5.0 SMTP protocol error\r\n550 5.0.0 Command rejected\r\n");
        assert_eq!(say(&mut s, "NOOP\r\n"), "250 2.0.0 OK\r\n");
        let r = say(&mut s, "EHLO c.example\r\n");
        assert!(r.ends_with("250 ENHANCEDSTATUSCODES\r\n"), "{r}");
    }

    #[test]
    fn more_pending_in_the_driver_counts_as_traffic() {
        let (mut s, _) = started(lab());
        let r = super::super::tests::text(&s.feed(b"EHLO c.example\r\n", true));
        assert_eq!(r, "554 5.5.0 SMTP protocol error\r\n");
    }

    #[test]
    fn third_helo_is_slowed_down() {
        let (mut s, _) = started(lab());
        say(&mut s, "HELO\r\n");
        say(&mut s, "EHLO\r\n");
        assert_eq!(say(&mut s, "HELO a!b\r\n"), "[sleep 1]\r\n501 5.0.0 Invalid domain name\r\n");
    }
}
