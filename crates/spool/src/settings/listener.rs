//! Where the daemon listens: `DAEMON_OPTIONS` resolved into socket addresses.
//!
//! Each `DAEMON_OPTIONS(`Port=..., Addr=..., Family=..., Name=..., M=...')` is one
//! listener. `Port` is a number or a service name (`smtp` 25, `submission` 587,
//! `smtps` 465); `Addr` an IP address (default: every address of the family);
//! `Family` `inet` (default) or `inet6`. With no `DAEMON_OPTIONS` at all, sendmail
//! listens as `Name=MTA` on port 25 and, unless `FEATURE(no_default_msa)`, as
//! `Name=MSA, M=E` on port 587. A `DaemonPortOptions` given with `-O` replaces the
//! listener of the same `Name`, or adds one.
//!
//! Modifiers (`M=`) kept here: `E` no ETRN, `a` AUTH required, `A` no AUTH, `S` no
//! STARTTLS, `O` optional (a failed bind is not fatal). Others are kept as letters.
//!
//! # Errors
//! An unknown port service, an unparsable address or an unsupported family.

use crate::config::{Config, DaemonOptions};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// One listening socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    /// `Name=` (`MTA` when none is given), shown in logs as `daemon=`.
    pub name: String,
    /// The address and port to bind.
    pub addr: SocketAddr,
    /// The `M=` modifiers.
    pub modifiers: Modifiers,
}

/// The `M=` letters of a listener.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Modifiers {
    /// All letters as given.
    pub letters: String,
}

impl Modifiers {
    fn has(&self, letter: char) -> bool {
        self.letters.contains(letter)
    }
    /// `E`: ETRN is refused.
    pub fn no_etrn(&self) -> bool {
        self.has('E')
    }
    /// `a`: AUTH is required before MAIL.
    pub fn auth_required(&self) -> bool {
        self.has('a')
    }
    /// `A`: AUTH is not offered.
    pub fn no_auth(&self) -> bool {
        self.has('A')
    }
    /// `S`: STARTTLS is not offered.
    pub fn no_starttls(&self) -> bool {
        self.has('S')
    }
    /// `O`: optional; a failure to bind is logged, not fatal.
    pub fn optional(&self) -> bool {
        self.has('O')
    }
}

/// Why a listener cannot be resolved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ListenerError {
    /// `Port=` names no known service.
    #[error("DaemonPortOptions: unknown port `{0}'")]
    Port(String),
    /// `Addr=` is not an IP address of the family.
    #[error("DaemonPortOptions: bad address `{0}'")]
    Addr(String),
    /// `Family=` is not `inet` or `inet6`.
    #[error("DaemonPortOptions: unsupported family `{0}'")]
    Family(String),
}

impl Listener {
    /// The listeners of `config`, with `-O DaemonPortOptions` applied.
    ///
    /// # Errors
    /// See [`ListenerError`].
    pub fn from_config(config: &Config) -> Result<Vec<Listener>, ListenerError> {
        let mut specs: Vec<DaemonOptions> = config.daemon_options().to_vec();
        if specs.is_empty() {
            specs.push(DaemonOptions::parse("Name=MTA").0);
            if config.feature("no_default_msa").is_none() {
                specs.push(DaemonOptions::parse("Port=587, Name=MSA, M=E").0);
            }
        }
        for given in config.daemon_port_overrides() {
            let name = given.name().unwrap_or("MTA");
            specs.retain(|s| s.name().unwrap_or("MTA") != name);
            specs.push(given.clone());
        }
        specs.iter().map(Listener::resolve).collect()
    }

    /// One `DAEMON_OPTIONS` entry.
    ///
    /// # Errors
    /// See [`ListenerError`].
    pub fn resolve(spec: &DaemonOptions) -> Result<Listener, ListenerError> {
        let port = port_number(spec.port().unwrap_or("smtp"))?;
        let v6 = match spec.family().unwrap_or("inet") {
            "inet" => false,
            "inet6" => true,
            other => return Err(ListenerError::Family(other.to_string())),
        };
        let ip = match spec.addr() {
            None | Some("") if v6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            None | Some("") => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Some(text) => text.parse().map_err(|_| ListenerError::Addr(text.to_string()))?,
        };
        if ip.is_ipv6() != v6 {
            return Err(ListenerError::Addr(ip.to_string()));
        }
        Ok(Listener {
            name: spec.name().unwrap_or("MTA").to_string(),
            addr: SocketAddr::new(ip, port),
            modifiers: Modifiers { letters: spec.modifiers().unwrap_or("").to_string() },
        })
    }
}

/// A port number or one of the service names mail daemons use.
fn port_number(port: &str) -> Result<u16, ListenerError> {
    match port.trim() {
        "smtp" => Ok(25),
        "submission" => Ok(587),
        "smtps" | "submissions" => Ok(465),
        n => n.parse().map_err(|_| ListenerError::Port(n.to_string())),
    }
}
