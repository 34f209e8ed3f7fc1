//! The resolver: host lookups through the sources of the service switch, in order,
//! and the `dns` map's lookups (DNSBL, TXT) straight to the name servers.
//!
//! sendmail makes two kinds of lookups, and so do we:
//! * host lookups (the client's name and its forward confirmation, a host's
//!   addresses, MX) follow the `hosts` line of the service switch: the first source
//!   with records answers; when none has any, the lookup is a temporary failure if one
//!   of them failed temporarily, else "not found". With `hosts files` no name server
//!   is ever asked for them.
//! * the `dns` map (what `FEATURE(dnsbl)` and `enhdnsbl` use) asks the name servers
//!   whatever the switch says: sendmail's map calls the resolver library directly
//!   (seen with the oracle: `hosts files` in its switch, and the DNSBL queries still
//!   arrive; `tests/reference/dns/`).
//!
//! # Errors
//! Lookups return [`Failure`]: `NotFound` (a permanent "no") or `TempFail`.

use crate::hosts::HostsFile;
use crate::servers::{NameServers, ServerConfig, ServerError};
use crate::source::{Answer, Kind, Record, Source};
use crate::switch::{HostSource, HostSwitch};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

/// Why a lookup gave nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Failure {
    /// No such record (NXDOMAIN or no data): a permanent answer.
    #[error("not found")]
    NotFound,
    /// No answer now (SERVFAIL, timeout, no server): try again later.
    #[error("temporary failure")]
    TempFail,
}

/// Host lookups in switch order, and the name servers for the `dns` map.
#[derive(Clone)]
pub struct Resolver {
    host_sources: Vec<Arc<dyn Source>>,
    servers: Option<Arc<dyn Source>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("host_sources", &self.host_sources.len())
            .field("servers", &self.servers.is_some())
            .finish()
    }
}

impl Resolver {
    /// A resolver over explicit sources: `hosts` in switch order for host lookups,
    /// `servers` for the `dns` map (`None`: every such lookup fails temporarily).
    pub fn from_sources(hosts: Vec<Arc<dyn Source>>, servers: Option<Arc<dyn Source>>) -> Resolver {
        Resolver { host_sources: hosts, servers }
    }

    /// The resolver a daemon runs with: `switch`'s order over `hosts` and the name
    /// servers of `config`. Must be called within a tokio runtime's context or before
    /// one is used (the servers' sockets are opened on first use).
    ///
    /// # Errors
    /// The name servers cannot be set up (a bad `ResolverNameserver`, no usable
    /// resolv.conf); the caller may go on with [`Resolver::files_only`].
    pub fn new(
        switch: &HostSwitch,
        hosts: HostsFile,
        config: &ServerConfig,
    ) -> Result<Resolver, ServerError> {
        let servers: Arc<dyn Source> = Arc::new(NameServers::new(config)?);
        let hosts: Arc<dyn Source> = Arc::new(hosts);
        let order = switch
            .order
            .iter()
            .map(|s| match s {
                HostSource::Files => hosts.clone(),
                HostSource::Dns => servers.clone(),
            })
            .collect();
        Ok(Resolver::from_sources(order, Some(servers)))
    }

    /// The hosts file alone, and no name servers at all.
    pub fn files_only(hosts: HostsFile) -> Resolver {
        Resolver::from_sources(vec![Arc::new(hosts)], None)
    }

    /// A host lookup: the sources in order.
    pub async fn host_lookup(&self, name: &str, kind: Kind) -> Result<Vec<Record>, Failure> {
        let mut temp = false;
        for source in &self.host_sources {
            match source.lookup(name, kind).await {
                Answer::Records(records) => return Ok(records),
                Answer::NotFound { .. } => {}
                Answer::TempFail => temp = true,
            }
        }
        Err(if temp { Failure::TempFail } else { Failure::NotFound })
    }

    /// A `dns` map lookup: the name servers only.
    pub async fn dns_lookup(&self, name: &str, kind: Kind) -> Result<Vec<Record>, Failure> {
        let Some(servers) = &self.servers else { return Err(Failure::TempFail) };
        match servers.lookup(name, kind).await {
            Answer::Records(records) => Ok(records),
            Answer::NotFound { .. } => Err(Failure::NotFound),
            Answer::TempFail => Err(Failure::TempFail),
        }
    }

    /// The addresses of `host`: IPv4 then IPv6 (either may be missing).
    ///
    /// # Errors
    /// `NotFound` when neither kind exists; `TempFail` when one failed and the other
    /// found nothing.
    pub async fn addresses(&self, host: &str) -> Result<Vec<IpAddr>, Failure> {
        let (v4, v6) =
            tokio::join!(self.host_lookup(host, Kind::A), self.host_lookup(host, Kind::Aaaa));
        let mut found: Vec<IpAddr> = Vec::new();
        for records in [&v4, &v6].into_iter().flatten() {
            found.extend(records.iter().filter_map(|r| match r {
                Record::Addr(ip) => Some(*ip),
                _ => None,
            }));
        }
        if !found.is_empty() {
            return Ok(found);
        }
        if v4 == Err(Failure::TempFail) || v6 == Err(Failure::TempFail) {
            return Err(Failure::TempFail);
        }
        Err(Failure::NotFound)
    }

    /// The addresses of `host` of `ip`'s family (what forward confirmation compares).
    pub(crate) async fn addresses_like(
        &self,
        host: &str,
        ip: IpAddr,
    ) -> Result<Vec<IpAddr>, Failure> {
        let kind = if ip.is_ipv4() { Kind::A } else { Kind::Aaaa };
        let records = self.host_lookup(host, kind).await?;
        Ok(records
            .into_iter()
            .filter_map(|r| match r {
                Record::Addr(a) => Some(a),
                _ => None,
            })
            .collect())
    }

    /// The strings of each `TXT` record at `name` (name servers only, as sendmail's
    /// `dns -R TXT` map).
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, Failure> {
        let records = self.dns_lookup(name, Kind::Txt).await?;
        Ok(records
            .into_iter()
            .filter_map(|r| match r {
                Record::Txt(t) => Some(t),
                _ => None,
            })
            .collect())
    }

    /// A DNSBL lookup: the first `A` record of `d.c.b.a.zone` for client `a.b.c.d`,
    /// or `NotFound` when the client is not listed.
    pub async fn dnsbl(&self, client: Ipv4Addr, zone: &str) -> Result<Ipv4Addr, Failure> {
        let name =
            format!("{}.{}", crate::reverse::reversed_octets(client), zone.trim_end_matches('.'));
        let records = self.dns_lookup(&name, Kind::A).await?;
        records
            .into_iter()
            .find_map(|r| match r {
                Record::Addr(IpAddr::V4(v4)) => Some(v4),
                _ => None,
            })
            .ok_or(Failure::NotFound)
    }

    /// The `TXT` reason a DNSBL gives for `client` (`$(dnsbl ... $)` with `-R TXT`).
    pub async fn dnsbl_txt(&self, client: Ipv4Addr, zone: &str) -> Result<Vec<String>, Failure> {
        let name =
            format!("{}.{}", crate::reverse::reversed_octets(client), zone.trim_end_matches('.'));
        self.txt(&name).await
    }
}
