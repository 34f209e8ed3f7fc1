//! The connection, sender and relay checks smtpd applies, from the configuration's
//! access map, local host names and relay domains.
//!
//! * connect: access `Connect:` by address (`OK`/`RELAY` let the client relay,
//!   `REJECT` greets and refuses every command, `ERROR:` refuses the connection,
//!   `DISCARD` accepts and drops its mail); `127.0.0.1` and `::1` may relay, as
//!   sendmail's `LOCALHOST` rule lets them (other loopback addresses may not).
//! * MAIL: access `From:` (`REJECT`, `ERROR:`, `DISCARD`).
//! * RCPT: a local address (no domain, or one of class `w`) is taken; another domain
//!   only when the client may relay (by its address, or because it authenticated with
//!   a mechanism of `TRUST_AUTH_MECH`), the domain (or a parent) is in
//!   `relay-domains`, or access `To:` says `RELAY`. An address that routes elsewhere
//!   by itself (`%`, `!`, a source route) counts as remote. Else, as sendmail's
//!   `Relay_ok` reads `${client_resolve}`: `450 4.4.0 <x>... Relaying temporarily
//!   denied. Cannot resolve PTR record for ip` when the client's name could not be
//!   looked up for now, `550 5.7.1 <x>... Relaying denied. IP name possibly forged
//!   [ip]` when it does not lead back, `... IP name lookup failed [ip]` when the
//!   address has none; any other client gets `confRELAY_MSG`: by default `Relaying
//!   denied`, or `Relaying denied. Proper authentication required.` once the `.mc`
//!   has `TRUST_AUTH_MECH`.
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
    /// `confRELAY_MSG`: its code and text.
    relay_denied: (u16, String),
}

/// Who asks to relay.
#[derive(Debug, Clone, Copy, Default)]
pub struct RelayClient<'a> {
    /// Its address may relay (access `Connect:` OK or RELAY, localhost).
    pub by_address: bool,
    /// It authenticated with a mechanism of `TRUST_AUTH_MECH`.
    pub trusted_auth: bool,
    /// How its name was looked up (`${client_resolve}`); None for a local client.
    pub name: Option<&'a dns::ClientName>,
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
        let relay_denied = relay_message(config);
        Checks {
            access,
            local_names: spool::host::local_names(config),
            relay_domains,
            relay_denied,
        }
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
    pub fn rcpt(&self, address: &str, raw: &str, client: RelayClient<'_>) -> Result<(), Reply> {
        let routed = address.starts_with('@') || address.contains(['%', '!']);
        let domain = address.rsplit_once('@').map(|(_, d)| d.trim_end_matches('.'));
        let local = !routed && domain.is_none_or(|d| self.local_names.contains(d));
        if local || client.by_address || client.trusted_auth {
            return Ok(());
        }
        let domain = domain.unwrap_or_default();
        let listed = !routed && self.relay_domains.contains_domain_or_parent(domain);
        let to_relay = !routed && matches!(self.access(Tag::To, domain, true), Some(Action::Relay));
        if listed || to_relay {
            return Ok(());
        }
        if let Some(refused) = client.name.and_then(|name| unresolved(name, raw)) {
            return Err(refused);
        }
        let (code, text) = &self.relay_denied;
        Err(Reply::about(*code, "5.7.1", raw, text))
    }
}

/// sendmail's `Relay_ok` on `${client_resolve}`: the refusal for a client whose name
/// did not resolve, if it did not.
fn unresolved(name: &dns::ClientName, raw: &str) -> Option<Reply> {
    let client_name = name.macro_name();
    let (code, status, text) = match name.resolve {
        dns::Resolve::Ok => return None,
        dns::Resolve::Temp => (
            450,
            "4.4.0",
            format!("Relaying temporarily denied. Cannot resolve PTR record for {}", name.addr),
        ),
        dns::Resolve::Forged => {
            (550, "5.7.1", format!("Relaying denied. IP name possibly forged {client_name}"))
        }
        dns::Resolve::Fail => {
            (550, "5.7.1", format!("Relaying denied. IP name lookup failed {client_name}"))
        }
    };
    Some(Reply::about(code, status, raw, &text))
}

/// `confRELAY_MSG` (`"550 Relaying denied"` with its quotes, as proto.m4 writes it),
/// else sendmail's default, which says more once `TRUST_AUTH_MECH` is used.
fn relay_message(config: &Config) -> (u16, String) {
    let default = if config.other_calls().iter().any(|c| c.name == "TRUST_AUTH_MECH") {
        "550 Relaying denied. Proper authentication required."
    } else {
        "550 Relaying denied"
    };
    let text = config.macro_value("confRELAY_MSG").map(|m| m.trim().trim_matches('"'));
    let text = text.filter(|t| !t.is_empty()).unwrap_or(default);
    let (code, rest) = match text.split_once(' ') {
        Some((code, rest)) if code.len() == 3 && code.parse::<u16>().is_ok() => {
            (code.parse().unwrap_or(550), rest)
        }
        _ => (550, text),
    };
    (code, rest.to_string())
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
        let nobody = RelayClient::default();
        assert!(checks.rcpt("root", "<root>", nobody).is_ok());
        assert!(checks.rcpt("root@mail.lab.example", "<x>", nobody).is_ok());
        assert!(checks.rcpt("a@sub.relayok.example", "<x>", nobody).is_ok());
        let denied =
            checks.rcpt("a@elsewhere.example", "<a@elsewhere.example>", nobody).unwrap_err();
        assert_eq!(denied.to_bytes(), b"550 5.7.1 <a@elsewhere.example>... Relaying denied\r\n");
        for trick in ["a%b@elsewhere.example", "b!a", "@mail.lab.example:a@elsewhere.example"] {
            assert!(checks.rcpt(trick, "<x>", nobody).is_err(), "{trick}");
        }
        let by_address = RelayClient { by_address: true, ..RelayClient::default() };
        assert!(checks.rcpt("a@elsewhere.example", "<x>", by_address).is_ok());
        let trusted = RelayClient { trusted_auth: true, ..RelayClient::default() };
        assert!(checks.rcpt("a@elsewhere.example", "<x>", trusted).is_ok());
    }

    #[test]
    fn the_relay_denied_texts() {
        let denied = |mc: &str, client: RelayClient<'_>| {
            let config = Config::from_str(Path::new("t.mc"), mc).unwrap();
            let checks = Checks::load(&config, &Syslog::new("t"));
            let reply = checks.rcpt("a@elsewhere.example", "<a@elsewhere.example>", client);
            String::from_utf8(reply.unwrap_err().to_bytes()).unwrap()
        };
        let anyone = RelayClient::default();
        let auth = "TRUST_AUTH_MECH(`LOGIN')dnl\n";
        assert_eq!(
            denied(auth, anyone),
            "550 5.7.1 <a@elsewhere.example>... Relaying denied. Proper authentication required.\r\n"
        );
        let looked_up = |name: Option<&str>, resolve| dns::ClientName {
            addr: "127.0.0.2".parse().unwrap(),
            name: name.map(str::to_string),
            resolve,
        };
        let fail = looked_up(None, dns::Resolve::Fail);
        assert_eq!(
            denied(auth, RelayClient { name: Some(&fail), ..anyone }),
            "550 5.7.1 <a@elsewhere.example>... Relaying denied. IP name lookup failed [127.0.0.2]\r\n"
        );
        let forged = looked_up(Some("mail.example"), dns::Resolve::Forged);
        assert_eq!(
            denied(auth, RelayClient { name: Some(&forged), ..anyone }),
            "550 5.7.1 <a@elsewhere.example>... Relaying denied. IP name possibly forged [127.0.0.2]\r\n"
        );
        let temp = looked_up(None, dns::Resolve::Temp);
        assert_eq!(
            denied(auth, RelayClient { name: Some(&temp), ..anyone }),
            "450 4.4.0 <a@elsewhere.example>... Relaying temporarily denied. Cannot resolve PTR record for 127.0.0.2\r\n"
        );
        let known = looked_up(Some("c.example"), dns::Resolve::Ok);
        let text = denied("", RelayClient { name: Some(&known), ..anyone });
        assert_eq!(text, "550 5.7.1 <a@elsewhere.example>... Relaying denied\r\n");
        let own = "define(`confRELAY_MSG', `\"550 We do not relay\"')dnl\n";
        assert_eq!(denied(own, anyone), "550 5.7.1 <a@elsewhere.example>... We do not relay\r\n");
    }
}
