//! One place a lookup can be answered: the seam between the lookups sendmail makes
//! ([`crate::Resolver`]) and where the answers come from (the hosts file, the name
//! servers through hickory-resolver, or a test's own source).
//!
//! A source answers one question (a name and a [`Kind`]) with records, "not found"
//! (no such name, or no records of that kind), or a temporary failure (SERVFAIL, a
//! timeout, no server reachable): sendmail's `TRY_AGAIN`, which callers turn into
//! 4xx replies instead of 5xx.
//!
//! # Errors
//! Never: every failure is an [`Answer`].

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

/// What is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// IPv4 addresses.
    A,
    /// IPv6 addresses.
    Aaaa,
    /// Mail exchangers.
    Mx,
    /// Text strings.
    Txt,
    /// The name of an address (asked at its reverse name).
    Ptr,
}

/// One answer record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// An address (`A` or `AAAA`).
    Addr(IpAddr),
    /// A mail exchanger: preference and host (`.` for a null MX), without the final dot.
    Mx(u16, String),
    /// The strings of one `TXT` record, joined.
    Txt(String),
    /// A name (`PTR`), without the final dot.
    Ptr(String),
}

/// A source's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// The records found.
    Records(Vec<Record>),
    /// Nothing of that kind; `no_such_name` when the name itself does not exist
    /// (NXDOMAIN) rather than having other records only.
    NotFound {
        /// NXDOMAIN.
        no_such_name: bool,
    },
    /// The source could not say now: ask again later.
    TempFail,
}

/// The future a [`Source`] returns.
pub type SourceFuture<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// Somewhere lookups are answered.
pub trait Source: Send + Sync {
    /// Answers `kind` at `name` (a reverse name for [`Kind::Ptr`]). Must not block.
    fn lookup<'a>(&'a self, name: &'a str, kind: Kind) -> SourceFuture<'a>;
}
