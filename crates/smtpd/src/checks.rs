//! The connection, sender and relay checks smtpd applies, from the configuration's
//! access map, local host names and relay domains, opened by [`spool::lookup::Maps`]
//! from the typed settings (the `FEATURE(access_db)` map spec, `confCR_FILE`).
//!
//! * connect: access `Connect:` by address (`OK`/`RELAY` let the client relay,
//!   `REJECT` greets and refuses every command, `ERROR:` refuses the connection,
//!   `DISCARD` accepts and drops its mail); `127.0.0.1` and `::1` may relay, as
//!   sendmail's `LOCALHOST` rule lets them (other loopback addresses may not).
//! * MAIL: access `From:` (`REJECT`, `ERROR:`, `DISCARD`).
//! * RCPT: a local address (no domain, or one of class `w`) is taken; another domain
//!   only when the client may relay, the domain (or a parent) is in `relay-domains`,
//!   or access `To:` says `RELAY`; else `550 5.7.1 <x>... Relaying denied`. An address
//!   that routes elsewhere by itself (`%`, `!`, a source route) counts as remote.
//!
//! # Errors
//! A map that cannot be opened is logged (`NOQUEUE: SYSERR: hash map "access":
//! missing map file ...`) and the check it serves is skipped.

use smtp::server::{Connect, Reply};
use spool::access::{self, Action, Tag};
use spool::log::{Severity, Syslog};
use spool::lookup::Maps;
use spool::settings::Settings;
use spool::status::DeliveryStatus;
use std::net::IpAddr;

/// The tables the checks read.
pub struct Checks {
    maps: Maps,
}

/// What the connect check decided.
pub struct ConnectVerdict {
    /// Greet, refuse, or greet and reject every command.
    pub connect: Connect,
    /// The client may relay.
    pub relay: bool,
    /// Accept the client's mail and throw it away.
    pub discard: bool,
}

impl Checks {
    /// The tables `settings` name; a map that cannot be opened is logged and left out.
    pub fn load(settings: &Settings, syslog: &Syslog) -> Checks {
        let maps = Maps::open(settings);
        for problem in &maps.problems {
            syslog.log(Severity::Err, &format!("NOQUEUE: SYSERR: {problem}"));
        }
        Checks { maps }
    }

    fn access(&self, tag: Tag, key: &str, host: bool) -> Option<Action> {
        let map = self.maps.access.as_deref()?;
        let found = if host {
            access::lookup_host(map, tag, key)
        } else {
            access::lookup_address(map, tag, key)
        };
        found.ok().flatten()
    }

    /// The connect check for a client at `ip`.
    pub fn connect(&self, ip: IpAddr) -> ConnectVerdict {
        let localhost =
            ip == IpAddr::from([127, 0, 0, 1]) || ip == IpAddr::from(std::net::Ipv6Addr::LOCALHOST);
        let mut verdict =
            ConnectVerdict { connect: Connect::Accept, relay: localhost, discard: false };
        match self.access(Tag::Connect, &ip.to_string(), true) {
            Some(Action::Ok | Action::Relay) => verdict.relay = true,
            Some(Action::Discard) => verdict.discard = true,
            Some(Action::Reject) => {
                verdict.connect = Connect::RejectCommands(Reply::new(550, "5.7.1", "Access denied"))
            }
            Some(action @ Action::Error { .. }) => {
                verdict.connect = Connect::Refuse(reply_of(&action))
            }
            _ => {}
        }
        verdict
    }

    /// The sender check: `None` to accept, else the refusal; `Some(None)` is DISCARD.
    pub fn mail(&self, address: &str, raw: &str) -> Result<bool, Reply> {
        if address.is_empty() {
            return Ok(false);
        }
        match self.access(Tag::From, address, false) {
            Some(Action::Reject) => Err(Reply::about(550, "5.7.1", raw, "Access denied")),
            Some(action @ Action::Error { .. }) => Err(reply_of(&action)),
            Some(Action::Discard) => Ok(true),
            _ => Ok(false),
        }
    }

    /// The relay check for a recipient.
    pub fn rcpt(&self, address: &str, raw: &str, relay_client: bool) -> Result<(), Reply> {
        let routed = address.starts_with('@') || address.contains(['%', '!']);
        let domain = address.rsplit_once('@').map(|(_, d)| d.trim_end_matches('.'));
        let local = !routed && domain.is_none_or(|d| self.maps.local_names.contains(d));
        if local || relay_client {
            return Ok(());
        }
        let domain = domain.unwrap_or_default();
        let listed = !routed && self.maps.relay_domains.contains_domain_or_parent(domain);
        let to_relay = !routed && matches!(self.access(Tag::To, domain, true), Some(Action::Relay));
        if listed || to_relay {
            return Ok(());
        }
        Err(Reply::about(550, "5.7.1", raw, "Relaying denied"))
    }
}

/// The reply an access `ERROR:` value gives.
fn reply_of(action: &Action) -> Reply {
    let status = DeliveryStatus::from_access(action);
    Reply::from(&status.unwrap_or_else(|| DeliveryStatus::refused("Access denied")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relaying_needs_a_reason() {
        let config = spool::config::Config::from_str(
            std::path::Path::new("t.mc"),
            "define(`confDOMAIN_NAME', `mail.lab.example')dnl\nRELAY_DOMAIN(`relayok.example')dnl\n",
        )
        .unwrap();
        let checks = Checks::load(&Settings::from_config(&config), &Syslog::new("t"));
        assert!(checks.rcpt("root", "<root>", false).is_ok());
        assert!(checks.rcpt("root@mail.lab.example", "<x>", false).is_ok());
        assert!(checks.rcpt("a@sub.relayok.example", "<x>", false).is_ok());
        let denied =
            checks.rcpt("a@elsewhere.example", "<a@elsewhere.example>", false).unwrap_err();
        assert_eq!(denied.to_bytes(), b"550 5.7.1 <a@elsewhere.example>... Relaying denied\r\n");
        for trick in ["a%b@elsewhere.example", "b!a", "@mail.lab.example:a@elsewhere.example"] {
            assert!(checks.rcpt(trick, "<x>", false).is_err(), "{trick}");
        }
        assert!(checks.rcpt("a@elsewhere.example", "<x>", true).is_ok());
    }
}
