//! The client's name, as sendmail settles it at connect: the name of its address,
//! kept only when that name leads back to the address (forward confirmation).
//!
//! 1. The address's name (`PTR`, or the hosts file) through the switch's sources.
//! 2. That name's addresses of the client's family; the name is *verified* when the
//!    client's address is among them.
//!
//! What sendmail then shows (recorded from the oracle in `tests/reference/dns/`):
//!
//! | case | `${client_resolve}` | `${client_name}` | client (`$_`, `relay=`, EHLO reply) |
//! |---|---|---|---|
//! | verified | `OK` | `name` | `name [ip]` |
//! | name does not lead back | `FORGED` | `[ip]` | `name [ip] (may be forged)` |
//! | no name | `FAIL` | `[ip]` | `[ip]` |
//! | lookup failed for now | `TEMP` | `[ip]` | `[ip]` |
//!
//! The name is kept as the answer spells it (`Mixed.Client.Test`), without its final
//! dot. A forward lookup that fails for now counts as "does not lead back", as
//! sendmail's does.
//!
//! # Errors
//! None: every outcome is a [`ClientName`].

use crate::resolver::{Failure, Resolver};
use crate::source::{Kind, Record};
use std::net::IpAddr;

/// sendmail's `${client_resolve}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolve {
    /// The name leads back to the address.
    Ok,
    /// The address has no name.
    Fail,
    /// The name does not lead back to the address.
    Forged,
    /// The name lookup failed for now.
    Temp,
}

impl Resolve {
    /// The macro's value: `OK`, `FAIL`, `FORGED`, `TEMP`.
    pub fn as_str(self) -> &'static str {
        match self {
            Resolve::Ok => "OK",
            Resolve::Fail => "FAIL",
            Resolve::Forged => "FORGED",
            Resolve::Temp => "TEMP",
        }
    }
}

/// What the name lookup of a client found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientName {
    /// The client's address.
    pub addr: IpAddr,
    /// The address's name, verified or not.
    pub name: Option<String>,
    /// How the lookup went.
    pub resolve: Resolve,
}

impl ClientName {
    /// The verified name, if any (what access `Connect:` and the rules match).
    pub fn verified(&self) -> Option<&str> {
        (self.resolve == Resolve::Ok).then_some(self.name.as_deref()).flatten()
    }

    /// `${client_name}`: the verified name, else `[ip]`.
    pub fn macro_name(&self) -> String {
        self.verified().map(str::to_string).unwrap_or_else(|| format!("[{}]", self.addr))
    }

    /// Whether the name lookup failed (no name, or no answer now): sendmail's
    /// `require_rdns` and the rules' "name lookup failed" fact.
    pub fn lookup_failed(&self) -> bool {
        matches!(self.resolve, Resolve::Fail | Resolve::Temp)
    }

    /// sendmail's client description (`$_` without the user, `relay=`).
    pub fn description(&self) -> String {
        match (&self.name, self.resolve) {
            (Some(name), Resolve::Ok) => format!("{name} [{}]", self.addr),
            (Some(name), Resolve::Forged) => format!("{name} [{}] (may be forged)", self.addr),
            _ => format!("[{}]", self.addr),
        }
    }
}

impl Resolver {
    /// The name of the client at `addr`, forward-confirmed.
    pub async fn client_name(&self, addr: IpAddr) -> ClientName {
        let reverse = crate::reverse::name(addr);
        let name = match self.host_lookup(&reverse, Kind::Ptr).await {
            Ok(records) => records.into_iter().find_map(|r| match r {
                Record::Ptr(n) if !n.is_empty() => Some(n),
                _ => None,
            }),
            Err(Failure::TempFail) => {
                return ClientName { addr, name: None, resolve: Resolve::Temp }
            }
            Err(Failure::NotFound) => None,
        };
        let Some(name) = name else {
            return ClientName { addr, name: None, resolve: Resolve::Fail };
        };
        let confirmed = match self.addresses_like(&name, addr).await {
            Ok(addrs) => addrs.iter().any(|a| a.to_canonical() == addr.to_canonical()),
            Err(_) => false,
        };
        let resolve = if confirmed { Resolve::Ok } else { Resolve::Forged };
        ClientName { addr, name: Some(name), resolve }
    }
}
