//! What the rules must be told: the client, and the answers of host-name lookups.
//!
//! The rules never do DNS. A [`Client`] carries what the daemon learnt when it
//! accepted the connection (address, verified PTR name, sendmail's
//! `${client_resolve}`). Host names met while checking an address are asked of a
//! [`Resolver`]; when it has no answer yet, the check returns [`NeedLookup`] with the
//! name, the caller looks it up (asynchronously, for as long as that takes), adds the
//! answer to its [`KnownHosts`] and asks again:
//!
//! ```text
//! loop {
//!     match conversation.rcpt(&rules, raw, &known) {
//!         Ok(verdict) => break verdict,
//!         Err(NeedLookup(name)) => known.insert(&name, dns.lookup(&name).await),
//!     }
//! }
//! ```
//!
//! When the service switch says `hosts files` only, a [`Hosts`] file answers every
//! name at once and no lookup is ever needed ([`Client::from_hosts`] does the PTR and
//! forward lookups of a connecting client the same way).
//!
//! # Errors
//! [`NeedLookup`] is the only error: a name to look up, never a failure.

use crate::hosts::{HostLookup, Hosts};
use std::collections::HashMap;
use std::net::IpAddr;

/// How the client's name was found: sendmail's `${client_resolve}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// The PTR name resolves back to the address (`OK`).
    Ok,
    /// No PTR name (`FAIL`).
    Fail,
    /// The PTR name does not resolve back to the address (`FORGED`).
    Forged,
    /// The lookup failed for now (`TEMP`).
    TempFail,
}

/// The SMTP client, as the daemon found it before the greeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Its address; `None` for a local submission (`sendmail -bs`).
    pub address: Option<IpAddr>,
    /// Its PTR name (verified when `resolve` is [`Resolve::Ok`]).
    pub name: Option<String>,
    /// How the name was found.
    pub resolve: Resolve,
    /// The `Modifiers=` of the daemon that accepted it (`u`: unqualified senders are
    /// fine, `f`: senders must be qualified, `C`: no host name canonification).
    pub daemon_flags: String,
    /// `${client_rate}` and `${client_connections}`: this client's connections within
    /// `ConnectionRateWindowSize` and those open now, this one included (the daemon
    /// counts them; `None` where nothing counts, as for `-bs`).
    pub counts: Option<Counts>,
}

/// A client's connection counts, for `FEATURE(ratecontrol)` and `FEATURE(conncontrol)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Connections within the window (`${client_rate}`).
    pub rate: u64,
    /// Connections open now (`${client_connections}`).
    pub open: u64,
}

impl Client {
    /// A client that connected over the network.
    pub fn network(address: IpAddr, name: Option<&str>, resolve: Resolve) -> Client {
        Client {
            address: Some(address),
            name: name.map(str::to_string),
            resolve,
            daemon_flags: String::new(),
            counts: None,
        }
    }

    /// A local submission (`sendmail -bs`): no address, name `localhost`.
    pub fn local() -> Client {
        Client {
            address: None,
            name: Some("localhost".into()),
            resolve: Resolve::Ok,
            daemon_flags: String::new(),
            counts: None,
        }
    }

    /// A network client whose names come from the hosts file: the PTR name is the
    /// first name of its address's line, verified when that name lists the address.
    pub fn from_hosts(address: IpAddr, hosts: &Hosts) -> Client {
        match hosts.name_of(address) {
            Some(name) if hosts.addresses(&name).contains(&address) => {
                Client::network(address, Some(&name), Resolve::Ok)
            }
            Some(name) => Client::network(address, Some(&name), Resolve::Forged),
            None => Client::network(address, None, Resolve::Fail),
        }
    }

    /// The same client with the daemon's counts of its connections.
    pub fn with_counts(mut self, counts: Counts) -> Client {
        self.counts = Some(counts);
        self
    }

    /// The same client, accepted by a daemon with these `Modifiers=`.
    pub fn with_daemon_flags(mut self, flags: &str) -> Client {
        self.daemon_flags = flags.to_string();
        self
    }

    /// `${client_name}`: the PTR name (verified or not), else `[address]`.
    pub(crate) fn name_macro(&self) -> String {
        match (&self.name, self.address) {
            (Some(name), _) => name.clone(),
            (None, Some(a)) => format!("[{a}]"),
            (None, None) => "localhost".into(),
        }
    }

    /// `${client_addr}`: `10.1.2.3`, `IPv6:...`, or empty for a local submission.
    pub(crate) fn addr_macro(&self) -> String {
        match self.address {
            Some(IpAddr::V4(a)) => a.to_string(),
            Some(IpAddr::V6(a)) => format!("IPv6:{a}"),
            None => String::new(),
        }
    }

    /// True when the daemon flags contain `flag`.
    pub(crate) fn has_flag(&self, flag: char) -> bool {
        self.daemon_flags.contains(flag)
    }
}

/// A host name the rules need looked up before they can answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("look up host name {0}")]
pub struct NeedLookup(pub String);

/// Where the rules find the answers of host-name lookups.
pub trait Resolver {
    /// The answer for `name` (a host name, or a literal `[10.1.2.3]` to be looked up
    /// by address), or `None` when it has not been looked up yet.
    fn host(&self, name: &str) -> Option<HostLookup>;
}

impl Resolver for Hosts {
    fn host(&self, name: &str) -> Option<HostLookup> {
        Some(self.lookup(name))
    }
}

/// Answers collected by the caller, by name (any case).
#[derive(Debug, Clone, Default)]
pub struct KnownHosts {
    answers: HashMap<String, HostLookup>,
}

impl KnownHosts {
    /// Records the answer for `name`.
    pub fn insert(&mut self, name: &str, answer: HostLookup) {
        self.answers.insert(name.to_ascii_lowercase(), answer);
    }
}

impl Resolver for KnownHosts {
    fn host(&self, name: &str) -> Option<HostLookup> {
        self.answers.get(&name.to_ascii_lowercase()).cloned()
    }
}

/// Asks `resolver` about `name`.
pub(crate) fn ask(resolver: &dyn Resolver, name: &str) -> Result<HostLookup, NeedLookup> {
    resolver.host(name).ok_or_else(|| NeedLookup(name.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_from_the_hosts_file() {
        let hosts = Hosts::parse("127.0.0.1 localhost runsc vm\n");
        let one = Client::from_hosts("127.0.0.1".parse().unwrap(), &hosts);
        assert_eq!((one.name_macro(), one.resolve), ("localhost".into(), Resolve::Ok));
        let two = Client::from_hosts("127.0.0.2".parse().unwrap(), &hosts);
        assert_eq!((two.name_macro(), two.resolve), ("[127.0.0.2]".into(), Resolve::Fail));
        assert_eq!(two.addr_macro(), "127.0.0.2");
        let forged =
            Client::network("127.0.0.8".parse().unwrap(), Some("x.example"), Resolve::Forged);
        assert_eq!(forged.name_macro(), "x.example");
        let v6 = Client::network("::1".parse().unwrap(), None, Resolve::Fail);
        assert_eq!((v6.addr_macro(), v6.name_macro()), ("IPv6:::1".into(), "[::1]".into()));
        assert_eq!(Client::local().addr_macro(), "");
        assert!(Client::local().with_daemon_flags("uC").has_flag('u'));
    }

    #[test]
    fn known_hosts_answer_what_they_were_told() {
        let mut known = KnownHosts::default();
        assert_eq!(ask(&known, "a.example"), Err(NeedLookup("a.example".into())));
        known.insert("A.Example", HostLookup::TempFail);
        assert_eq!(ask(&known, "a.example"), Ok(HostLookup::TempFail));
        assert_eq!(ask(&Hosts::default(), "x"), Ok(HostLookup::NotFound));
    }
}
