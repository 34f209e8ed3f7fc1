//! # Name
//! misc - NOOP, RSET, QUIT, VRFY, EXPN, VERB, ETRN, STARTTLS
//!
//! # Description
//! NOOP and RSET take any argument (`250 2.0.0 OK`, `250 2.0.0 Reset state`);
//! QUIT too (`221 2.0.0 <host> closing connection`, then close). NOOP feeds the
//! NOOP flood counter, VRFY and EXPN share one.
//!
//! VRFY with `novrfy`: `252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery
//! (or try finger)`, even without an argument. EXPN with `noexpn`: `502 5.7.0
//! Sorry, we do not allow this operation`. Both refusals are logged
//! ([`super::Event::PrivacyRefusal`]: `VRFY root [rejected]`, the lines fail2ban's
//! `sendmail-reject` filter counts). Otherwise `501 5.5.2 Argument
//! required` without an argument, else the policy's reply. VERB: `250 2.0.0
//! Verbose mode` or `502 5.7.0 Verbose unavailable`. ETRN: `500 5.5.2 Parameter
//! required`, else the policy's reply.
//!
//! STARTTLS: `501 5.5.2 Syntax error (no parameters allowed)`, `454 4.3.3 TLS not
//! available after start` when the driver cannot do TLS, `503 5.5.0 TLS already
//! active`, else `220 2.0.0 Ready to start TLS` and [`Action::StartTls`]; input
//! already buffered after the command is dropped (CVE-2011-0411).

use super::limits::Flood;
use super::{Action, Event, Pending, Phase, Question, Reply, Session};

/// sendmail's `MAXSHORTSTR`: longer log arguments are shortened.
const MAX_SHORT: usize = 203;

impl Session {
    pub(super) fn noop(&mut self) {
        self.flood(Flood::Noop, "NOOP");
        self.reply(Reply::new(250, "2.0.0", "OK"));
    }

    pub(super) fn rset(&mut self) {
        self.end_transaction();
        self.reply(Reply::new(250, "2.0.0", "Reset state"));
    }

    pub(super) fn quit(&mut self) {
        let text = format!("{} closing connection", self.settings.host_name);
        self.reply(Reply::new(221, "2.0.0", text));
        self.close();
    }

    pub(super) fn vrfy(&mut self, args: &str, line: &str) {
        self.flood(Flood::Vrfy, "VRFY");
        if self.settings.privacy.novrfy {
            self.event(Event::PrivacyRefusal { line: shorten(line) });
            let text = "Cannot VRFY user; try RCPT to attempt delivery (or try finger)";
            self.reply(Reply::new(252, "2.5.2", text));
            return;
        }
        self.last_command = "vrfy";
        match args.trim_end() {
            "" => self.reply(Reply::new(501, "5.5.2", "Argument required")),
            arg => self.ask(Question::Vrfy(arg.to_string()), Pending::Lookup),
        }
    }

    pub(super) fn expn(&mut self, args: &str, line: &str) {
        self.flood(Flood::Vrfy, "EXPN");
        if self.settings.privacy.noexpn {
            self.event(Event::PrivacyRefusal { line: shorten(line) });
            self.reply(Reply::new(502, "5.7.0", "Sorry, we do not allow this operation"));
            return;
        }
        self.last_command = "expn";
        match args.trim_end() {
            "" => self.reply(Reply::new(501, "5.5.2", "Argument required")),
            arg => self.ask(Question::Expn(arg.to_string()), Pending::Lookup),
        }
    }

    pub(super) fn verb(&mut self) {
        let reply = if self.settings.privacy.verb_allowed() {
            Reply::new(250, "2.0.0", "Verbose mode")
        } else {
            Reply::new(502, "5.7.0", "Verbose unavailable")
        };
        self.reply(reply);
    }

    pub(super) fn etrn(&mut self, args: &str) {
        if self.settings.privacy.noetrn || !self.settings.extensions.etrn {
            self.reply(Reply::new(502, "5.7.0", "Sorry, we do not allow this operation"));
            return;
        }
        let node = args.trim_end();
        if node.is_empty() {
            self.reply(Reply::new(500, "5.5.2", "Parameter required"));
            return;
        }
        self.flood(Flood::Etrn, "ETRN");
        self.last_command = "etrn";
        self.ask(Question::Etrn(node.to_string()), Pending::Lookup);
    }

    pub(super) fn starttls(&mut self, args: &str) {
        let reply = if !args.trim_end().is_empty() {
            Reply::new(501, "5.5.2", "Syntax error (no parameters allowed)")
        } else if self.tls {
            Reply::new(503, "5.5.0", "TLS already active")
        } else if !self.settings.tls_available {
            Reply::new(454, "4.3.3", "TLS not available after start")
        } else if self.in_transaction() {
            Reply::new(503, "5.5.0", "STARTTLS not allowed in a mail transaction")
        } else {
            self.reply(Reply::new(220, "2.0.0", "Ready to start TLS"));
            self.input.clear();
            self.phase = Phase::Command;
            self.out.push(Action::StartTls);
            return;
        };
        self.reply(reply);
    }
}

/// sendmail's `shortenstring(s, MAXSHORTSTR)`: a string of `MAX_SHORT` characters or
/// more keeps its first and last 100, joined by `...`.
fn shorten(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    if chars.len() < MAX_SHORT {
        return line.to_string();
    }
    let keep = (MAX_SHORT - 3) / 2;
    let head: String = chars[..keep].iter().collect();
    let tail: String = chars[chars.len() - keep..].iter().collect();
    format!("{head}...{tail}")
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, started};
    use super::super::Event;
    use super::shorten;

    #[test]
    fn noop_rset_quit_take_arguments() {
        let (mut s, _) = started(lab());
        assert_eq!(say(&mut s, "NOOP some argument\r\n"), "250 2.0.0 OK\r\n");
        assert_eq!(say(&mut s, "rset x\r\n"), "250 2.0.0 Reset state\r\n");
        let r = say(&mut s, "QUIT now please\r\n");
        assert_eq!(r, "221 2.0.0 mail.example closing connection\r\n[close]\r\n");
    }

    #[test]
    fn privacy_replies() {
        let mut settings = lab();
        settings.privacy.novrfy = true;
        settings.privacy.noexpn = true;
        let (mut s, _) = started(settings);
        assert!(say(&mut s, "VRFY\r\n").starts_with("252 2.5.2 Cannot VRFY user"));
        assert!(say(&mut s, "EXPN x\r\n").starts_with("502 5.7.0 Sorry"));
        assert_eq!(say(&mut s, "VERB\r\n"), "502 5.7.0 Verbose unavailable\r\n");
        let refused: Vec<_> = s
            .policy()
            .events
            .iter()
            .filter_map(|e| match e {
                Event::PrivacyRefusal { line } => Some(line.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(refused, ["VRFY", "EXPN x"]);
    }

    #[test]
    fn long_refused_lines_are_shortened_as_sendmail_logs_them() {
        assert_eq!(shorten("VRFY root"), "VRFY root");
        let long = format!("VRFY {}", "x".repeat(300));
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 203);
        assert!(short.starts_with("VRFY xxx") && short[100..103] == *"...", "{short}");
        assert_eq!(shorten(&"y".repeat(202)), "y".repeat(202));
    }

    #[test]
    fn starttls_drops_pipelined_plaintext() {
        let mut settings = lab();
        settings.tls_available = true;
        let (mut s, _) = started(settings);
        say(&mut s, "EHLO c.example\r\n");
        let r = say(&mut s, "STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n");
        assert_eq!(r, "220 2.0.0 Ready to start TLS\r\n[starttls]\r\n");
        s.tls_started();
        assert_eq!(
            say(&mut s, "MAIL FROM:<a@b.example>\r\n"),
            "250 2.1.0 <a@b.example>... Sender ok\r\n"
        );
        assert!(say(&mut s, "STARTTLS\r\n").starts_with("503 5.5.0 TLS already active"));
    }

    #[test]
    fn starttls_unavailable() {
        let (mut s, _) = started(lab());
        assert_eq!(say(&mut s, "STARTTLS\r\n"), "454 4.3.3 TLS not available after start\r\n");
        let r = say(&mut s, "STARTTLS now\r\n");
        assert_eq!(r, "501 5.5.2 Syntax error (no parameters allowed)\r\n");
    }
}
