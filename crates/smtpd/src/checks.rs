//! The connection, sender and relay checks smtpd applies, from the configuration's
//! access map, local host names and relay domains.
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
//! A map that cannot be read is logged and the check it serves is skipped.

use smtp::server::{Connect, Reply};
use spool::access::{self, Action, Tag};
use spool::classfile::Class;
use spool::config::Config;
use spool::log::{Severity, Syslog};
use spool::maps::{self, Map, MapType};
use std::net::IpAddr;
use std::path::Path;

/// The tables the checks read.
pub struct Checks {
    access: Option<Box<dyn Map>>,
    local_names: Class,
    relay_domains: Class,
}

/// What the connect check decided.
pub struct ConnectVerdict {
    /// Greet, refuse, or greet and reject every command.
    pub connect: Connect,
    /// The client may relay.
    pub relay: bool,
    /// Accept the client's mail and throw it away.
    pub discard: bool,
    /// The access map had a `Connect:` entry for the client: sendmail's `check_relay`
    /// returns there, so no DNS blocklist is asked.
    pub decided: bool,
}

impl Checks {
    /// The tables `config` names; a map that cannot be opened is logged and left out.
    pub fn load(config: &Config, syslog: &Syslog) -> Checks {
        let access = config.feature("access_db").and_then(|f| {
            let spec = f.arg(0).unwrap_or("hash /etc/mail/access");
            let (kind, path) = map_spec(spec);
            match maps::open(kind, Path::new(&path)) {
                Ok(map) => Some(map),
                Err(e) => {
                    syslog.log(Severity::Err, &format!("NOQUEUE: SYSERR: access map {path}: {e}"));
                    None
                }
            }
        });
        let mut relay_domains = Class::default();
        for d in config.relay_domains() {
            relay_domains.insert(d);
        }
        if let Some(file) = config.macro_value("confCR_FILE") {
            let path = file.trim_start_matches("-o").trim();
            if let Ok(class) = Class::read(Path::new(path), true) {
                for name in class.names() {
                    relay_domains.insert(name);
                }
            }
        }
        Checks { access, local_names: spool::host::local_names(config), relay_domains }
    }

    fn access(&self, tag: Tag, key: &str, host: bool) -> Option<Action> {
        let map = self.access.as_deref()?;
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
        let mut verdict = ConnectVerdict {
            connect: Connect::Accept,
            relay: localhost,
            discard: false,
            decided: false,
        };
        let action = self.access(Tag::Connect, &ip.to_string(), true);
        verdict.decided = action.is_some();
        match action {
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

    /// Whether the access map decides about the client at connect (so that, as in
    /// sendmail's `check_relay`, no blocklist is asked).
    pub fn connect_decided(&self, client: &dns::ClientName) -> bool {
        self.access(Tag::Connect, &client.addr.to_string(), true).is_some()
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
        let local = !routed && domain.is_none_or(|d| self.local_names.contains(d));
        if local || relay_client {
            return Ok(());
        }
        let domain = domain.unwrap_or_default();
        let listed = !routed && self.relay_domains.contains_domain_or_parent(domain);
        let to_relay = !routed && matches!(self.access(Tag::To, domain, true), Some(Action::Relay));
        if listed || to_relay {
            return Ok(());
        }
        Err(Reply::about(550, "5.7.1", raw, "Relaying denied"))
    }
}

/// The reply an access `ERROR:` value gives.
fn reply_of(action: &Action) -> Reply {
    let Action::Error { dsn, code, text } = action else {
        return Reply::new(550, "5.7.1", "Access denied");
    };
    let code: u16 = code.parse().unwrap_or(550);
    let status =
        dsn.clone().unwrap_or_else(|| if code < 500 { "4.0.0".into() } else { "5.0.0".into() });
    Reply::new(code, &status, text.clone())
}

/// `hash -T<TMPF> -o /etc/mail/access` as a map type and path.
fn map_spec(spec: &str) -> (MapType, String) {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let kind = words.first().and_then(|w| MapType::from_name(w).ok()).unwrap_or(MapType::Hash);
    let path = words.iter().rev().find(|w| !w.starts_with('-')).unwrap_or(&"/etc/mail/access");
    (kind, path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_specs_as_the_feature_gives_them() {
        let (_, path) = map_spec("hash -T<TMPF> -o /tmp/smlab/etc/access");
        assert_eq!(path, "/tmp/smlab/etc/access");
        assert_eq!(map_spec("btree /x").0, MapType::Btree);
    }

    #[test]
    fn relaying_needs_a_reason() {
        let config = Config::from_str(
            Path::new("t.mc"),
            "define(`confDOMAIN_NAME', `mail.lab.example')dnl\nRELAY_DOMAIN(`relayok.example')dnl\n",
        )
        .unwrap();
        let checks = Checks::load(&config, &Syslog::new("t"));
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
