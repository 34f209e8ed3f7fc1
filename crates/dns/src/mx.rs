//! Mail exchangers of a domain, in the order delivery tries them (RFC 5321 5.1, RFC
//! 7505), and the facts the sender checks need.
//!
//! * MX records sorted by preference, lowest first; hosts of equal preference in a
//!   random order each time (load spreading, as sendmail's `getmxrr`);
//! * no MX records but addresses: the *implicit MX*, the domain itself;
//! * a single MX of `0 .`: the *null MX*, the domain takes no mail (a permanent
//!   failure for the queue-runner, `556 5.7.27` in RFC 7505's words); a `.` among
//!   other MX records is dropped;
//! * neither MX nor addresses: [`Failure::NotFound`]; no answer now:
//!   [`Failure::TempFail`].
//!
//! MX lookups are host lookups: with `hosts files` in the service switch no name
//! server is asked and every domain is its own implicit MX if the hosts file knows it,
//! as sendmail without `dns` in its switch uses no MX records.
//!
//! # Errors
//! [`Failure`] as above.

use crate::resolver::{Failure, Resolver};
use crate::source::{Kind, Record};
use std::hash::{BuildHasher, Hasher};

/// One mail exchanger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchanger {
    /// Its preference (0 for the implicit MX).
    pub preference: u16,
    /// Its host name, without the final dot.
    pub host: String,
}

/// Where a domain's mail goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchangers {
    /// These hosts, in the order to try them.
    Hosts {
        /// The exchangers.
        hosts: Vec<Exchanger>,
        /// No MX records: the domain itself, by its addresses.
        implicit: bool,
    },
    /// A null MX: the domain accepts no mail.
    Null,
}

/// Whether a domain can receive mail, as the sender checks ask it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainStatus {
    /// It has MX records or addresses.
    Resolves,
    /// It has a null MX.
    NullMx,
    /// It has neither MX records nor addresses.
    Unknown,
    /// No answer now.
    TempFail,
}

/// A random `u64` from std's per-process randomness (no extra dependency).
fn random() -> u64 {
    std::collections::hash_map::RandomState::new().build_hasher().finish()
}

/// Sorts by preference and shuffles each run of equal preference with `rand`.
pub fn order(mut hosts: Vec<Exchanger>, mut rand: impl FnMut() -> u64) -> Vec<Exchanger> {
    hosts.sort_by_key(|h| h.preference);
    let mut start = 0;
    while start < hosts.len() {
        let pref = hosts[start].preference;
        let end = start + hosts[start..].iter().take_while(|h| h.preference == pref).count();
        for i in (start + 1..end).rev() {
            let j = start + (rand() % (i - start + 1) as u64) as usize;
            hosts.swap(i, j);
        }
        start = end;
    }
    hosts
}

impl Resolver {
    /// The exchangers of `domain`, equal preferences shuffled.
    ///
    /// # Errors
    /// See the module documentation.
    pub async fn mx(&self, domain: &str) -> Result<Exchangers, Failure> {
        self.mx_with(domain, random).await
    }

    /// [`Resolver::mx`] with the caller's randomness (for tests).
    ///
    /// # Errors
    /// See the module documentation.
    pub async fn mx_with(
        &self,
        domain: &str,
        rand: impl FnMut() -> u64,
    ) -> Result<Exchangers, Failure> {
        let domain = domain.trim_end_matches('.');
        match self.host_lookup(domain, Kind::Mx).await {
            Ok(records) => {
                let all: Vec<Exchanger> = records
                    .into_iter()
                    .filter_map(|r| match r {
                        Record::Mx(preference, host) => Some(Exchanger { preference, host }),
                        _ => None,
                    })
                    .collect();
                if all.len() == 1 && all[0].host == "." {
                    return Ok(Exchangers::Null);
                }
                let hosts: Vec<Exchanger> = all.into_iter().filter(|h| h.host != ".").collect();
                Ok(Exchangers::Hosts { hosts: order(hosts, rand), implicit: false })
            }
            Err(Failure::TempFail) => Err(Failure::TempFail),
            Err(Failure::NotFound) => {
                self.addresses(domain).await?;
                let hosts = vec![Exchanger { preference: 0, host: domain.to_string() }];
                Ok(Exchangers::Hosts { hosts, implicit: true })
            }
        }
    }

    /// Whether `domain` can receive mail: the "sender domain resolves" fact of
    /// sendmail's `check_mail` (`553 5.1.8 ... Domain of sender address ... does not
    /// exist` / `451 4.1.8 ... does not resolve`).
    pub async fn domain_status(&self, domain: &str) -> DomainStatus {
        match self.mx_with(domain, || 0).await {
            Ok(Exchangers::Hosts { .. }) => DomainStatus::Resolves,
            Ok(Exchangers::Null) => DomainStatus::NullMx,
            Err(Failure::NotFound) => DomainStatus::Unknown,
            Err(Failure::TempFail) => DomainStatus::TempFail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mx(preference: u16, host: &str) -> Exchanger {
        Exchanger { preference, host: host.to_string() }
    }

    #[test]
    fn preference_order_with_equal_ones_shuffled() {
        let hosts = vec![mx(20, "c"), mx(10, "a"), mx(10, "b"), mx(30, "d")];
        let mut seen = std::collections::HashSet::new();
        let mut state = 1u64;
        for _ in 0..64 {
            let ordered = order(hosts.clone(), || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                state >> 33
            });
            let prefs: Vec<u16> = ordered.iter().map(|h| h.preference).collect();
            assert_eq!(prefs, [10, 10, 20, 30]);
            seen.insert(ordered[0].host.clone());
        }
        assert_eq!(seen.len(), 2, "both hosts of preference 10 come first sometimes: {seen:?}");
    }
}
