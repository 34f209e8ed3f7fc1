//! dns: ferrymail's host and DNS lookups, for smtpd now and the queue-runner later.
//!
//! # What it owns
//! * [`switch`]: the `hosts` line of sendmail's service switch (`ServiceSwitchFile`):
//!   `files`, `dns`, in order; `hosts files` asks no name server at all.
//! * [`hosts`]: the hosts file (`HostsFile`) as a source.
//! * [`servers`]: the name servers (hickory-resolver on tokio), from `/etc/resolv.conf`
//!   or ferrymail's `ResolverNameserver` option (`127.0.0.1:5353`: how tests point it
//!   at their own DNS server).
//! * [`source`]: the one seam both implement ([`Source`]), so that callers are the
//!   same whatever answers.
//! * [`Resolver`]: the lookups sendmail makes: the client's name with forward
//!   confirmation ([`client`]: `name [ip]`, `name [ip] (may be forged)`, `[ip]`),
//!   addresses, MX in delivery order with implicit and null MX ([`mx`]), TXT, and
//!   DNSBL lookups; [`blocklist`]: `FEATURE(dnsbl)` / `FEATURE(enhdnsbl)` and their
//!   verdicts.
//!
//! # Facts for the rules
//! sendmail's `check_relay`/`check_mail`/`check_rcpt` depend on a few DNS facts; each
//! is one awaited call here: the client's verified name and whether its lookup failed
//! ([`Resolver::client_name`], [`ClientName::verified`], [`ClientName::lookup_failed`],
//! [`ClientName::resolve`]), and whether a domain can receive mail or the answer is a
//! temporary failure ([`Resolver::domain_status`]).
//!
//! # Invariants
//! Nothing here blocks: every lookup is a future the caller awaits on its tokio
//! runtime (files are read when the resolver is built, not during lookups).
//!
//! # Errors
//! Lookups fail as [`Failure::NotFound`] (permanent) or [`Failure::TempFail`] (try
//! again: 4xx); building the name servers fails with [`ServerError`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod blocklist;
pub mod client;
pub mod hosts;
pub mod mx;
pub mod resolver;
pub mod reverse;
pub mod servers;
pub mod source;
pub mod switch;

pub use blocklist::{Blocklist, Outcome, Verdict};
pub use client::{ClientName, Resolve};
pub use hosts::HostsFile;
pub use mx::{DomainStatus, Exchanger, Exchangers};
pub use resolver::{Failure, Resolver};
pub use servers::{ServerConfig, ServerError};
pub use source::{Answer, Kind, Record, Source};
pub use switch::{HostSource, HostSwitch};
