//! # Name
//! ehlo - what the greeting and the EHLO reply say the server can do
//!
//! # Description
//! [`Extensions::from_ehlo`] reads the lines of a 250 reply to EHLO as sendmail's
//! `helo_options()` does: the first line is the server's name; each further line is
//! a keyword, then optionally a space or `=` and parameters; keywords are
//! case-insensitive and unknown ones are ignored.
//!
//! ```text
//! SIZE 10000000          size: Some(10000000) (SIZE alone: Some(0), no limit given)
//! 8BITMIME               eight_bit_mime
//! PIPELINING             pipelining
//! DSN                    dsn
//! STARTTLS               starttls
//! AUTH PLAIN LOGIN       auth: ["PLAIN", "LOGIN"] (AUTH=... of old servers too; the
//!                        first non-empty list is kept, and one AUTH= list added to it)
//! SMTPUTF8               smtputf8
//! ENHANCEDSTATUSCODES    enhanced_status_codes
//! EXPN, VERB, DELIVERBY  expn, verb, deliver_by
//! ```
//!
//! [`Greeting`] holds what sendmail's `esmtp_check()` looks for in the 220 greeting:
//! `ESMTP` anywhere (the `smtp` mailer sends EHLO only then) and `8BIT-OK` (pass 8-bit
//! data to this server as if it offered 8BITMIME's conversion-free transport).
//!
//! # Invariants
//! At most [`MAX_MECHANISMS`] mechanism names of at most 20 characters each are kept.

use super::reply::Reply;

/// The most AUTH mechanisms kept from an EHLO reply.
pub const MAX_MECHANISMS: usize = 32;

/// The extensions a server offered in its EHLO reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// `SIZE`: the limit it gave (0 when none).
    pub size: Option<u64>,
    /// `8BITMIME`.
    pub eight_bit_mime: bool,
    /// `PIPELINING` (RFC 2920).
    pub pipelining: bool,
    /// `DSN` (RFC 3461).
    pub dsn: bool,
    /// `STARTTLS` (RFC 3207).
    pub starttls: bool,
    /// `AUTH` mechanisms, upper case, in the server's order.
    pub auth: Vec<String>,
    /// `SMTPUTF8` (RFC 6531).
    pub smtputf8: bool,
    /// `ENHANCEDSTATUSCODES` (RFC 2034).
    pub enhanced_status_codes: bool,
    /// `EXPN`.
    pub expn: bool,
    /// `VERB` (sendmail's own).
    pub verb: bool,
    /// `DELIVERBY` (RFC 2852) and its minimum, if given.
    pub deliver_by: Option<u64>,
}

impl Extensions {
    /// The extensions of a 250 reply to EHLO (nothing for a reply to HELO).
    pub fn from_ehlo(reply: &Reply) -> Extensions {
        let mut ext = Extensions::default();
        let mut old_auth_seen = false;
        for line in reply.lines().iter().skip(1) {
            let (keyword, params) = match line.find([' ', '=']) {
                Some(at) => (&line[..at], Some((&line[at + 1..], &line[at..=at] == "="))),
                None => (line.as_str(), None),
            };
            ext.keyword(keyword, params, &mut old_auth_seen);
        }
        ext
    }

    fn keyword(&mut self, keyword: &str, params: Option<(&str, bool)>, old_auth_seen: &mut bool) {
        let number = || params.and_then(|(p, _)| p.trim().parse::<u64>().ok()).unwrap_or(0);
        match keyword.to_ascii_uppercase().as_str() {
            "SIZE" => self.size = Some(number()),
            "8BITMIME" => self.eight_bit_mime = true,
            "PIPELINING" => self.pipelining = true,
            "DSN" => self.dsn = true,
            "STARTTLS" => self.starttls = true,
            "SMTPUTF8" => self.smtputf8 = true,
            "ENHANCEDSTATUSCODES" => self.enhanced_status_codes = true,
            "EXPN" => self.expn = true,
            "VERB" => self.verb = true,
            "DELIVERBY" => self.deliver_by = Some(number()),
            "AUTH" => {
                let Some((list, _)) = params else { return };
                // sendmail keeps the first list and merges in at most one more (it
                // accepts both `AUTH x` and the old `AUTH=x`).
                if self.auth.is_empty() || !*old_auth_seen {
                    *old_auth_seen = !self.auth.is_empty();
                    self.add_mechanisms(list);
                }
            }
            _ => {}
        }
    }

    fn add_mechanisms(&mut self, list: &str) {
        for mech in list.split_ascii_whitespace() {
            let mech = mech.to_ascii_uppercase();
            if mech.len() <= 20 && self.auth.len() < MAX_MECHANISMS && !self.auth.contains(&mech) {
                self.auth.push(mech);
            }
        }
    }

    /// Whether `mechanism` (any case) was offered.
    pub fn offers_auth(&self, mechanism: &str) -> bool {
        self.auth.iter().any(|m| m.eq_ignore_ascii_case(mechanism))
    }
}

/// What the 220 greeting says, as far as delivery cares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Greeting {
    /// `ESMTP` appears in it.
    pub esmtp: bool,
    /// `8BIT-OK` appears in it.
    pub eight_bit_ok: bool,
}

impl Greeting {
    /// What sendmail's `esmtp_check()` finds in `reply` (every line).
    pub fn from_reply(reply: &Reply) -> Greeting {
        let mut g = Greeting::default();
        for line in reply.lines() {
            g.esmtp |= line.contains("ESMTP");
            g.eight_bit_ok |= line.contains("8BIT-OK");
        }
        g
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ehlo(lines: &[&str]) -> Extensions {
        let lines: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        Extensions::from_ehlo(&Reply::new(250, format!("250-{}", lines[0]), lines))
    }

    #[test]
    fn every_extension_sendmail_reads() {
        let ext = ehlo(&[
            "mx.example greets you",
            "PIPELINING",
            "size 35882577",
            "8BITMIME",
            "DSN",
            "STARTTLS",
            "AUTH PLAIN login",
            "SMTPUTF8",
            "ENHANCEDSTATUSCODES",
            "EXPN",
            "VERB",
            "DELIVERBY 300",
            "CHUNKING",
        ]);
        assert_eq!(
            ext,
            Extensions {
                size: Some(35882577),
                eight_bit_mime: true,
                pipelining: true,
                dsn: true,
                starttls: true,
                auth: vec!["PLAIN".into(), "LOGIN".into()],
                smtputf8: true,
                enhanced_status_codes: true,
                expn: true,
                verb: true,
                deliver_by: Some(300),
            }
        );
        assert!(ext.offers_auth("login"));
    }

    #[test]
    fn the_first_line_is_the_name_not_a_keyword() {
        assert!(!ehlo(&["PIPELINING"]).pipelining);
        assert_eq!(ehlo(&["mx", "SIZE"]).size, Some(0));
        assert_eq!(ehlo(&["mx", "SIZE=123"]).size, Some(123));
        assert_eq!(ehlo(&["mx", "SIZE lots"]).size, Some(0));
    }

    #[test]
    fn old_and_new_auth_lines_are_merged_once() {
        let ext = ehlo(&["mx", "AUTH=LOGIN", "AUTH LOGIN PLAIN", "AUTH CRAM-MD5"]);
        assert_eq!(ext.auth, ["LOGIN", "PLAIN"]);
        assert!(ehlo(&["mx", "AUTH"]).auth.is_empty());
    }

    #[test]
    fn hostile_auth_lists_are_bounded() {
        let long =
            format!("AUTH {}", (0..100).map(|i| format!("M{i}")).collect::<Vec<_>>().join(" "));
        assert_eq!(ehlo(&["mx", &long]).auth.len(), MAX_MECHANISMS);
        assert!(ehlo(&["mx", &format!("AUTH {}", "X".repeat(21))]).auth.is_empty());
    }

    #[test]
    fn the_greeting_marks() {
        let g = Greeting::from_reply(&Reply::line(220, "mx.example ESMTP Postfix 8BIT-OK"));
        assert_eq!(g, Greeting { esmtp: true, eight_bit_ok: true });
        assert_eq!(Greeting::from_reply(&Reply::line(220, "mx SMTP")), Greeting::default());
    }
}
