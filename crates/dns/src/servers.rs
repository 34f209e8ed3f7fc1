//! The name servers as a lookup source (the switch's `dns`), through
//! hickory-resolver on the caller's tokio runtime.
//!
//! Which servers: ferrymail's `ResolverNameserver` option when set (a comma-separated
//! list of `address` or `address:port`, e.g. `127.0.0.1:5353`: how tests point the
//! daemon at their own DNS server), else the `nameserver` lines of `/etc/resolv.conf`.
//! Names are always asked as given, fully qualified: no `search` list (a DNSBL name or
//! a PTR name must never be tried under the local domain).
//!
//! hickory's name server pool is used directly, beneath its `Resolver`: the resolver
//! answers `localhost` for every `127.in-addr.arpa` name itself (RFC 6761) and caches;
//! sendmail asks the servers (glibc does not special-case loopback PTRs), and the
//! tests give loopback clients (127.0.0.20, ...) names of their own.
//!
//! # Errors
//! [`NameServers::new`] fails on a bad `ResolverNameserver` value or an unreadable or
//! server-less resolv.conf. Lookup failures are answers ([`Answer::TempFail`]).

use crate::source::{Answer, Kind, Record, Source, SourceFuture};
use futures_util::StreamExt;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::xfer::RetryDnsHandle;
use hickory_resolver::net::DnsHandle;
use hickory_resolver::proto::op::{DnsRequestOptions, Query, ResponseCode};
use hickory_resolver::proto::rr::{Name, RData, RecordType};
use hickory_resolver::{NameServerPool, PoolContext, TlsConfig};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Where the name servers are and how long to wait for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerConfig {
    /// The servers, asked in order; empty: those of `/etc/resolv.conf`.
    pub servers: Vec<SocketAddr>,
    /// Time for one query to one server.
    pub timeout: Duration,
    /// How many times a query is sent before it is a temporary failure.
    pub attempts: usize,
}

impl Default for ServerConfig {
    /// resolv.conf's servers; the resolver library's defaults (5 s, 2 attempts).
    fn default() -> ServerConfig {
        ServerConfig { servers: Vec::new(), timeout: Duration::from_secs(5), attempts: 2 }
    }
}

/// A `ResolverNameserver` value that cannot be used, or no servers at all.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// Not a list of `address[:port]`.
    #[error("ResolverNameserver: not an address or address:port: {0}")]
    BadAddress(String),
    /// `/etc/resolv.conf` could not be read or names no server.
    #[error("/etc/resolv.conf: {0}")]
    SystemConfig(String),
}

/// Parses `ResolverNameserver`: `127.0.0.1:5353`, `::1`, `[::1]:53`, comma-separated.
///
/// # Errors
/// Any element that is not an address.
pub fn parse_servers(value: &str) -> Result<Vec<SocketAddr>, ServerError> {
    value
        .split([',', ' '])
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<SocketAddr>()
                .or_else(|_| s.parse::<std::net::IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| ServerError::BadAddress(s.to_string()))
        })
        .collect()
}

/// The name servers.
pub struct NameServers {
    pool: RetryDnsHandle<NameServerPool<TokioRuntimeProvider>>,
}

impl NameServers {
    /// A source asking the servers of `config`.
    ///
    /// # Errors
    /// See the module documentation.
    pub fn new(config: &ServerConfig) -> Result<NameServers, ServerError> {
        let servers: Vec<NameServerConfig> = if config.servers.is_empty() {
            let (system, _) = hickory_resolver::system_conf::read_system_conf()
                .map_err(|e| ServerError::SystemConfig(e.to_string()))?;
            system.name_servers().to_vec()
        } else {
            config.servers.iter().map(server).collect()
        };
        let mut opts = ResolverOpts::default();
        opts.timeout = config.timeout;
        opts.attempts = config.attempts;
        opts.edns0 = true;
        let tls = TlsConfig::new().map_err(|e| ServerError::SystemConfig(e.to_string()))?;
        let context = Arc::new(PoolContext::new(opts, tls));
        let pool = NameServerPool::from_config(servers, context, TokioRuntimeProvider::default());
        Ok(NameServers { pool: RetryDnsHandle::new(pool, config.attempts.max(1)) })
    }

    async fn ask(&self, name: &str, kind: Kind) -> Answer {
        let rtype = match kind {
            Kind::A => RecordType::A,
            Kind::Aaaa => RecordType::AAAA,
            Kind::Mx => RecordType::MX,
            Kind::Txt => RecordType::TXT,
            Kind::Ptr => RecordType::PTR,
        };
        let Ok(name) = Name::from_ascii(format!("{}.", name.trim_end_matches('.'))) else {
            return Answer::NotFound { no_such_name: true };
        };
        let query = Query::query(name, rtype);
        let response = self.pool.lookup(query, DnsRequestOptions::default()).next().await;
        match response {
            Some(Ok(response)) => {
                if response.metadata.response_code == ResponseCode::NXDomain {
                    return Answer::NotFound { no_such_name: true };
                }
                if response.metadata.response_code != ResponseCode::NoError {
                    return Answer::TempFail;
                }
                let records: Vec<Record> = response
                    .answers
                    .iter()
                    .filter(|r| r.record_type() == rtype)
                    .filter_map(|r| record(&r.data))
                    .collect();
                if records.is_empty() {
                    Answer::NotFound { no_such_name: false }
                } else {
                    Answer::Records(records)
                }
            }
            Some(Err(e)) if e.is_no_records_found() => {
                Answer::NotFound { no_such_name: e.is_nx_domain() }
            }
            Some(Err(_)) | None => Answer::TempFail,
        }
    }
}

/// UDP and TCP to one server.
fn server(addr: &SocketAddr) -> NameServerConfig {
    let mut udp = ConnectionConfig::udp();
    udp.port = addr.port();
    let mut tcp = ConnectionConfig::tcp();
    tcp.port = addr.port();
    NameServerConfig::new(addr.ip(), true, vec![udp, tcp])
}

fn plain(name: &hickory_resolver::proto::rr::Name) -> String {
    name.to_ascii().trim_end_matches('.').to_string()
}

/// Our record for hickory's; `None` for other types (a CNAME on the way).
fn record(data: &RData) -> Option<Record> {
    Some(match data {
        RData::A(a) => Record::Addr(a.0.into()),
        RData::AAAA(aaaa) => Record::Addr(aaaa.0.into()),
        RData::MX(mx) => {
            let host = plain(&mx.exchange);
            Record::Mx(mx.preference, if host.is_empty() { ".".into() } else { host })
        }
        RData::TXT(txt) => Record::Txt(
            txt.txt_data.iter().map(|s| String::from_utf8_lossy(s).into_owned()).collect(),
        ),
        RData::PTR(ptr) => Record::Ptr(plain(&ptr.0)),
        _ => return None,
    })
}

impl Source for NameServers {
    fn lookup<'a>(&'a self, name: &'a str, kind: Kind) -> SourceFuture<'a> {
        Box::pin(self.ask(name, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameserver_option_values() {
        let servers = parse_servers("127.0.0.1:5353, ::1,[::1]:54").unwrap();
        let want: Vec<SocketAddr> = vec![
            "127.0.0.1:5353".parse().unwrap(),
            "[::1]:53".parse().unwrap(),
            "[::1]:54".parse().unwrap(),
        ];
        assert_eq!(servers, want);
        assert!(matches!(parse_servers("localhost:53"), Err(ServerError::BadAddress(_))));
    }
}
