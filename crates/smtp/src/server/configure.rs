//! # Name
//! configure - session settings from the resolved configuration
//!
//! # Description
//! [`Settings::from_server`] turns [`spool::settings::Server`] (the `.mc` resolved
//! once) into what a session needs, so `smtpd` and `submit -bs` build their sessions
//! the same way. The greeting is `SmtpGreetingMessage` with `$j` (host name), `$v`
//! (version), `$Z` (version with `confCF_VERSION`) and `$b` (the date) expanded and,
//! as sendmail does, `ESMTP` inserted after the first word unless the text already
//! says it. The client's macros (`${client_addr}`, `$_`, `$?x ... $.`) are filled in
//! when a client connects ([`super::client_macros`]). `CHUNKING` is offered only
//! with ferrymail's `Chunking` option, `SMTPUTF8` only with sendmail's `SMTPUTF8`
//! option.

use super::Settings;
use spool::settings::Server;

/// What the macros of a greeting stand for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Macros<'a> {
    /// `$v`: the program's version.
    pub version: &'a str,
    /// `$Z`: the version, with the configuration's version appended.
    pub full_version: &'a str,
    /// `$b`: the current date in RFC 5322 form.
    pub date: &'a str,
}

impl Settings {
    /// The session settings for `server`; `macros` fill in the greeting.
    pub fn from_server(server: &Server, macros: &Macros<'_>) -> Settings {
        let mut s = Settings::new(&server.host_name);
        s.version = macros.version.to_string();
        s.greeting = greeting(&server.greeting, &server.host_name, macros);
        let p = &server.privacy;
        s.privacy.novrfy = p.novrfy;
        s.privacy.noexpn = p.noexpn;
        s.privacy.noverb = p.noverb;
        s.privacy.needmailhelo = p.needmailhelo;
        s.privacy.noetrn = p.noetrn;
        s.privacy.noreceipts = p.noreceipts;
        s.extensions.chunking = server.chunking;
        s.extensions.smtputf8 = server.smtputf8;
        let l = &server.limits;
        s.limits.max_recipients = l.max_recipients;
        s.limits.bad_rcpt_throttle = l.bad_rcpt_throttle;
        s.limits.max_headers_length = l.max_headers_length;
        s.limits.max_message_size = l.max_message_size;
        let t = &server.timeouts;
        s.timeouts.command = t.command;
        s.timeouts.datablock = t.datablock;
        s.timeouts.auth = t.auth;
        s.timeouts.starttls = t.starttls;
        s
    }
}

/// `SmtpGreetingMessage` expanded, with `ESMTP` after its first word.
pub fn greeting(template: &str, host: &str, macros: &Macros<'_>) -> String {
    let text = template
        .replace("$j", host)
        .replace("$v", macros.version)
        .replace("$Z", macros.full_version)
        .replace("$b", macros.date);
    if text.contains("ESMTP") {
        return text;
    }
    match text.split_once(' ') {
        Some((first, rest)) => format!("{first} ESMTP {rest}"),
        None => format!("{text} ESMTP"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Macros<'static> =
        Macros { version: "8.17.1.9", full_version: "8.17.1.9/smlab", date: "Tue, 24 Nov 2026" };

    #[test]
    fn greeting_expands_macros_and_says_esmtp() {
        let g = greeting("$j Sendmail $v/$Z; $b (smlab oracle)", "mail.lab.example", &M);
        assert_eq!(
            g,
            "mail.lab.example ESMTP Sendmail 8.17.1.9/8.17.1.9/smlab; Tue, 24 Nov 2026 (smlab oracle)"
        );
        assert_eq!(greeting("$j ESMTP ready", "h", &M), "h ESMTP ready");
        assert_eq!(greeting("$j", "h", &M), "h ESMTP");
    }

    #[test]
    fn the_lab_settings_reach_the_session() {
        let config = spool::config::Config::from_str(
            std::path::Path::new("t.mc"),
            "define(`confPRIVACY_FLAGS', `goaway')dnl\ndefine(`confMAX_RCPTS_PER_MESSAGE', `10')dnl\n\
             define(`confDOMAIN_NAME', `mail.lab.example')dnl\n",
        )
        .unwrap();
        let server = Server::from_config(&config).unwrap();
        let s = Settings::from_server(&server, &M);
        assert_eq!(s.host_name, "mail.lab.example");
        assert!(s.privacy.novrfy && s.privacy.noexpn && s.privacy.noetrn && s.privacy.needmailhelo);
        assert_eq!(s.limits.max_recipients, 10);
        assert_eq!(s.limits.max_headers_length, 32768);
        assert!(s.greeting.starts_with("mail.lab.example ESMTP Sendmail 8.17.1.9/"));
    }
}
