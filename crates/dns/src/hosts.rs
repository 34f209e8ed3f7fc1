//! The hosts file (`HostsFile`, default `/etc/hosts`) as a lookup source: the
//! `files` of the service switch.
//!
//! # Format
//! `address name [alias...]`, one address a line, `#` comments. A name maps to every
//! address it is listed with; an address maps to the first name of its first line
//! (what `gethostbyaddr(3)` gives). Names compare case-insensitively; a final dot is
//! ignored.
//!
//! The file is read once, when the daemon loads its configuration (and again on
//! SIGHUP), never during a session.
//!
//! # Errors
//! None: an unreadable file is an empty one (sendmail's files source then finds
//! nothing, and so do we).

use crate::source::{Answer, Kind, Record, Source, SourceFuture};
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

/// Addresses and names from a hosts file.
#[derive(Debug, Clone, Default)]
pub struct HostsFile {
    by_name: HashMap<String, Vec<IpAddr>>,
    by_addr: HashMap<IpAddr, String>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

impl HostsFile {
    /// The entries of hosts-file text.
    pub fn parse(text: &str) -> HostsFile {
        let mut hosts = HostsFile::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            let Some(Ok(ip)) = words.next().map(str::parse::<IpAddr>) else { continue };
            for (i, name) in words.enumerate() {
                if i == 0 {
                    hosts.by_addr.entry(ip).or_insert_with(|| name.to_string());
                }
                let addrs = hosts.by_name.entry(key(name)).or_default();
                if !addrs.contains(&ip) {
                    addrs.push(ip);
                }
            }
        }
        hosts
    }

    /// Reads the file at `path` (unreadable: empty).
    pub fn read(path: &Path) -> HostsFile {
        HostsFile::parse(&std::fs::read_to_string(path).unwrap_or_default())
    }

    /// The answer for one question.
    pub fn answer(&self, name: &str, kind: Kind) -> Answer {
        let records: Vec<Record> = match kind {
            Kind::Ptr => match crate::reverse::address(name).and_then(|ip| self.by_addr.get(&ip)) {
                Some(host) => vec![Record::Ptr(host.clone())],
                None => Vec::new(),
            },
            Kind::A | Kind::Aaaa => self
                .by_name
                .get(&key(name))
                .into_iter()
                .flatten()
                .filter(|ip| ip.is_ipv4() == (kind == Kind::A))
                .map(|ip| Record::Addr(*ip))
                .collect(),
            Kind::Mx | Kind::Txt => Vec::new(),
        };
        if records.is_empty() {
            Answer::NotFound { no_such_name: false }
        } else {
            Answer::Records(records)
        }
    }
}

impl Source for HostsFile {
    fn lookup<'a>(&'a self, name: &'a str, kind: Kind) -> SourceFuture<'a> {
        Box::pin(std::future::ready(self.answer(name, kind)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_addresses_both_ways() {
        let hosts = HostsFile::parse(
            "127.0.0.1 localhost\n127.0.0.1 vm.lab.example vm # second line\n\
             ::1 localhost ip6-localhost\n192.0.2.7 Mail.Example mail\nnot-an-address x\n",
        );
        let ptr = hosts.answer("1.0.0.127.in-addr.arpa", Kind::Ptr);
        assert_eq!(ptr, Answer::Records(vec![Record::Ptr("localhost".into())]));
        assert_eq!(
            hosts.answer("mail.example.", Kind::A),
            Answer::Records(vec![Record::Addr("192.0.2.7".parse().unwrap())])
        );
        assert_eq!(
            hosts.answer("LOCALHOST", Kind::Aaaa),
            Answer::Records(vec![Record::Addr("::1".parse().unwrap())])
        );
        assert_eq!(hosts.answer("vm", Kind::Mx), Answer::NotFound { no_such_name: false });
        assert_eq!(hosts.answer("x", Kind::A), Answer::NotFound { no_such_name: false });
    }
}
