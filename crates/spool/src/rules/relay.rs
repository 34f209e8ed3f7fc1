//! The client: `check_relay` at connect, and `Relay_ok`, which decides whether a
//! client may relay to a domain that is not ours.
//!
//! # check_relay
//! The access map under `Connect:` by the client's name (`${client_name}`: its
//! verified name, else `[address]`, walking parent domains or address prefixes),
//! then by its address; each key tagged, then bare. `OK`/`RELAY` or nothing:
//! go on. `REJECT`: `550 5.7.1 Access denied` (or `confREJECT_MSG`) for every
//! command. `DISCARD`: every message is thrown away. `ERROR:...`: that reply, and
//! with a 421 the connection is refused at once. Nothing found: the client
//! controls without `nodelay` (`control.rs`).
//!
//! # Relay_ok
//! A client may relay when it has no address (a local submission) or is 127.0.0.1
//! or ::1; its address starts with a `$=R` entry; the access map says
//! `Connect:<address prefix> RELAY`; `[address]` is one of our names; (with
//! `FEATURE(relay_local_from)`) the sender's domain is ours, (with
//! `FEATURE(relay_mail_from)`) `From:<sender> RELAY`; or, when its name was
//! verified, that name (canonified) is ours, ends in a `$=R` domain (exactly one
//! with `FEATURE(relay_hosts_only)`), is in our domain `$m` (with
//! `FEATURE(relay_entire_domain)`), or has `Connect:<name> RELAY`. A name that did
//! not verify ends the check with `550 5.7.1 Relaying denied. IP name lookup failed
//! [addr]` (or `possibly forged`, or `450 4.4.0 ... Cannot resolve PTR record`).

use super::canon::Lookups;
use super::facts::{ask, Client, NeedLookup, Resolve};
use super::verdict::Check;
use super::Rules;
use crate::access::{Action, Tag};
use crate::hosts::HostLookup;
use crate::maps::MapError;
use crate::status::DeliveryStatus;

/// What `Relay_ok` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RelayOk {
    /// The client may relay.
    Relay,
    /// Nothing says it may.
    No,
    /// A reply that ends the check (unverified name, map failure).
    Error(DeliveryStatus),
}

impl Rules {
    /// `Basic_check_relay`; replies are about `to` (a recipient, when `delay_checks`
    /// runs it at RCPT).
    pub(crate) fn check_relay(&self, client: &Client, to: Option<&str>) -> Check {
        match self.check_relay_found(client) {
            Ok(Some(Action::Ok | Action::Relay)) => Check::Pass,
            Ok(None) => self.client_controls(client, false),
            Ok(Some(Action::Reject)) => Check::Error(self.reject(to)),
            Ok(Some(other)) => refusal(&other, to),
            Err(_) => Check::Error(DeliveryStatus::tempfail()),
        }
    }

    /// Whether the access map has a `Connect:` entry for `client` (by name, then by
    /// address): then `check_relay` has decided and, as in sendmail's rules, no DNS
    /// blocklist is asked.
    pub fn connect_listed(&self, client: &Client) -> bool {
        !matches!(self.check_relay_found(client), Ok(None))
    }

    fn check_relay_found(&self, client: &Client) -> Result<Option<Action>, MapError> {
        let Some(access) = self.access_db() else { return Ok(None) };
        by_client(&access, Tag::Connect, true, client)
    }

    /// `550 5.7.1 Access denied`, or `confREJECT_MSG`.
    pub(crate) fn reject(&self, to: Option<&str>) -> DeliveryStatus {
        match &self.reject_msg {
            Some(m) => DeliveryStatus::error_mailer(None, m, to),
            None => DeliveryStatus::from_access(&Action::Reject, to),
        }
    }

    /// `Relay_ok` for `client`; `sender` is `$f`, the sender's canonical address, and
    /// `to` the recipient its replies are about.
    pub(crate) fn relay_ok(
        &self,
        client: &Client,
        sender: &str,
        to: &str,
        l: &Lookups,
    ) -> Result<RelayOk, NeedLookup> {
        let addr = client.addr_macro();
        if ["", "0", "127.0.0.1", "IPv6:0:0:0:0:0:0:0:1", "IPv6:::1"].contains(&addr.as_str()) {
            return Ok(RelayOk::Relay);
        }
        if self.relay_address(&addr) {
            return Ok(RelayOk::Relay);
        }
        if let Some(access) = self.access_db() {
            match access.ip(Tag::Connect, true, &addr) {
                Ok(Some(Action::Relay)) => return Ok(RelayOk::Relay),
                Err(_) => return Ok(RelayOk::Error(DeliveryStatus::tempfail())),
                Ok(_) => {}
            }
        }
        if self.names.w.contains(&format!("[{addr}]")) || self.relay_by_sender(sender, l)? {
            return Ok(RelayOk::Relay);
        }
        let name = client.name_macro();
        let denied = |why: &str| {
            Ok(RelayOk::Error(DeliveryStatus::error_mailer(
                Some("5.7.1"),
                &format!("550 Relaying denied. {why} {name}"),
                Some(to),
            )))
        };
        match client.resolve {
            Resolve::TempFail => {
                let text = format!(
                    "450 Relaying temporarily denied. Cannot resolve PTR record for {addr}"
                );
                return Ok(RelayOk::Error(DeliveryStatus::error_mailer(
                    Some("4.4.0"),
                    &text,
                    Some(to),
                )));
            }
            Resolve::Forged => return denied("IP name possibly forged"),
            Resolve::Fail => return denied("IP name lookup failed"),
            Resolve::Ok => {}
        }
        self.relay_by_name(&name, l)
    }

    /// `$=R $*`: the address starts with an entry of class R.
    fn relay_address(&self, addr: &str) -> bool {
        let ends = addr.char_indices().filter(|(_, c)| *c == '.' || *c == ':').map(|(i, _)| i);
        ends.chain([addr.len()]).any(|end| self.names.r.contains(&addr[..end]))
    }

    /// `FEATURE(relay_local_from)` and `FEATURE(relay_mail_from)`.
    fn relay_by_sender(&self, sender: &str, l: &Lookups) -> Result<bool, NeedLookup> {
        let f = &self.features;
        if !(f.relay_local_from || f.relay_mail_from) || sender.is_empty() {
            return Ok(false);
        }
        let canon = match self.canon_addr(sender, l) {
            Ok(Some(c)) => c,
            Err(super::canon::Fail::Lookup(n)) => return Err(n),
            _ => return Ok(false),
        };
        let Some(domain) = canon.domain.as_ref() else { return Ok(false) };
        if f.relay_local_from && self.names.w.contains(&domain.name) {
            return Ok(true);
        }
        let Some(access) = self.access_db().filter(|_| f.relay_mail_from) else { return Ok(false) };
        let full = access.full(Tag::From, false, &canon.text());
        let found = match full {
            Ok(None) if f.relay_mail_from_domain => access.domain(Tag::From, false, &domain.name),
            other => other,
        };
        Ok(matches!(found, Ok(Some(Action::Relay))))
    }

    /// The part of `Relay_ok` that looks at the verified client name.
    fn relay_by_name(&self, name: &str, l: &Lookups) -> Result<RelayOk, NeedLookup> {
        let name = match ask(l.resolver, name)? {
            HostLookup::Found(c) if !self.no_canonify => self.qualify(&c),
            _ => name.trim_end_matches('.').to_string(),
        };
        let f = &self.features;
        if (f.relay_entire_domain && self.in_local_domain(&name)) || self.names.w.contains(&name) {
            return Ok(RelayOk::Relay);
        }
        let in_r = if f.relay_hosts_only {
            self.names.r.contains(&name)
        } else {
            self.names.r.contains_domain_or_parent(&name)
        };
        if in_r {
            return Ok(RelayOk::Relay);
        }
        let Some(access) = self.access_db() else { return Ok(RelayOk::No) };
        let found: Result<Option<Action>, MapError> = if f.relay_hosts_only {
            access.exact(Tag::Connect, true, &name)
        } else {
            access.domain(Tag::Connect, true, &name)
        };
        Ok(match found {
            Ok(Some(Action::Relay)) => RelayOk::Relay,
            Err(_) => RelayOk::Error(DeliveryStatus::tempfail()),
            Ok(_) => RelayOk::No,
        })
    }
}

impl Rules {
    /// `$* $=m`: `name` is our domain `$m` or in it (`FEATURE(relay_entire_domain)`).
    pub(crate) fn in_local_domain(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.m.as_ref().is_some_and(|m| name == *m || name.ends_with(&format!(".{m}")))
    }
}

/// The check result of a refusing access value (`REJECT` is the caller's).
/// The access entry for `client` under `tag`, as sendmail's rulesets look a client
/// up: by `${client_name}` (walking parent domains or address prefixes), then by
/// `${client_addr}` (walking prefixes); `bare` also tries each key without its tag.
pub(crate) fn by_client(
    access: &crate::access::Access<'_>,
    tag: Tag,
    bare: bool,
    client: &Client,
) -> Result<Option<Action>, MapError> {
    let (name, addr) = (client.name_macro(), client.addr_macro());
    let mut found = if client.name.is_some() || client.address.is_some() {
        access.domain(tag, bare, &name)
    } else {
        Ok(None)
    };
    if matches!(found, Ok(None)) && !addr.is_empty() {
        found = access.ip(tag, bare, &addr);
    }
    found
}

pub(crate) fn refusal(action: &Action, to: Option<&str>) -> Check {
    match action {
        Action::Discard => Check::Discard,
        Action::Quarantine(why) => Check::Quarantine(why.clone()),
        other => Check::Error(DeliveryStatus::from_access(other, to)),
    }
}

#[cfg(test)]
mod tests;
