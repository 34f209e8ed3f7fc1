//! The DNS facts [`spool::rules`] asks for, looked up without blocking.
//!
//! The rules never look anything up: when they need a host name resolved (a
//! sender's domain, a recipient's, a literal address) they return
//! [`NeedLookup`]; the session looks it up here through [`dns::Resolver`] (which
//! follows the service switch: the hosts file, DNS, or both), adds the answer to its
//! [`KnownHosts`] and asks again. A name is looked up once per session.
//!
//! [`client`] turns the client's looked-up name into the rules' [`Client`].

use dns::{ClientName, DomainStatus};
use spool::hosts::HostLookup;
use spool::rules::{Client, KnownHosts, NeedLookup, Resolve};
use std::net::IpAddr;

/// How many lookups one answer may need before the rules give up (a safety bound:
/// each lookup answers one name for good).
const MAX_LOOKUPS: usize = 16;

/// The rules' view of the client the daemon found before the greeting.
pub fn client(name: &ClientName, daemon_flags: &str) -> Client {
    let resolve = match name.resolve {
        dns::Resolve::Ok => Resolve::Ok,
        dns::Resolve::Fail => Resolve::Fail,
        dns::Resolve::Forged => Resolve::Forged,
        dns::Resolve::Temp => Resolve::TempFail,
    };
    Client::network(name.addr, name.name.as_deref(), resolve).with_daemon_flags(daemon_flags)
}

/// Looks up `name` as the rules' host map would: a literal `[addr]` by its PTR
/// name, anything else by its MX or address records.
pub async fn lookup(resolver: &dns::Resolver, name: &str) -> HostLookup {
    if let Some(literal) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        let literal = literal.strip_prefix("IPv6:").unwrap_or(literal);
        let Ok(ip) = literal.parse::<IpAddr>() else { return HostLookup::NotFound };
        let found = resolver.client_name(ip).await;
        return match (found.verified(), found.resolve) {
            (Some(host), _) => HostLookup::Found(host.to_string()),
            (None, dns::Resolve::Temp) => HostLookup::TempFail,
            (None, _) => HostLookup::NotFound,
        };
    }
    match resolver.domain_status(name.trim_end_matches('.')).await {
        DomainStatus::Resolves | DomainStatus::NullMx => HostLookup::Found(name.to_string()),
        DomainStatus::Unknown => HostLookup::NotFound,
        DomainStatus::TempFail => HostLookup::TempFail,
    }
}

/// Runs `ask` until the rules answer, looking up each name they need; `None` when
/// they keep asking past the bound.
pub async fn answer<T>(
    resolver: &dns::Resolver,
    known: &mut KnownHosts,
    mut ask: impl FnMut(&KnownHosts) -> Result<T, NeedLookup>,
) -> Option<T> {
    for _ in 0..MAX_LOOKUPS {
        match ask(known) {
            Ok(answer) => return Some(answer),
            Err(NeedLookup(name)) => {
                let found = lookup(resolver, &name).await;
                known.insert(&name, found);
            }
        }
    }
    None
}
