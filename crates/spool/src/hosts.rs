//! Host names without DNS: the hosts file and the service switch, as sendmail reads them.
//!
//! # Synopsis
//! ```no_run
//! # use spool::hosts::{Hosts, ServiceSwitch};
//! # use std::path::Path;
//! let switch = ServiceSwitch::read(Path::new("/etc/mail/service.switch"));
//! if switch.hosts_files_only() {
//!     let hosts = Hosts::read(Path::new("/etc/hosts")).unwrap_or_default();
//!     let lookup = hosts.lookup("mail.example.org");   // what sendmail's `$[ $]` finds
//! }
//! ```
//!
//! # The hosts file
//! `ADDRESS NAME [ALIAS...]` per line, `#` to the end of a line is a comment. A name
//! is found when it equals, in any case, any name of a line; the first such line wins.
//! Its canonical name is the first name of that line that contains a dot, else the
//! first name (sendmail's `text_getcanonname`). A bracketed address `[10.1.2.3]` is
//! looked up the other way: the first name of the first line with that address, as a
//! PTR lookup through `files` gives.
//!
//! # The service switch
//! sendmail's own `ServiceSwitchFile` (`confSERVICE_SWITCH_FILE`), one service per
//! line followed by its sources: `hosts files dns`. A missing file, or a file without
//! a `hosts` line, means sendmail's default for hosts: `dns files`.
//!
//! # Invariants
//! Lookups never touch the network; both files are read once, when loaded.
//!
//! # Errors
//! [`HostsError`] when the hosts file exists but cannot be read; a missing switch file
//! is the default switch, never an error.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// The hosts file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct HostsError {
    /// The file.
    pub path: PathBuf,
    /// The underlying error.
    pub source: std::io::Error,
}

/// What a host-name lookup found: the answer of sendmail's `host` map (`$[ $]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostLookup {
    /// The name exists; this is its canonical name.
    Found(String),
    /// The name does not exist.
    NotFound,
    /// The lookup failed for now (a DNS timeout or SERVFAIL).
    TempFail,
}

/// One line of the hosts file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    address: IpAddr,
    names: Vec<String>,
}

/// A parsed hosts file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    lines: Vec<Line>,
}

impl Hosts {
    /// Reads a hosts file (normally `/etc/hosts`, sendmail's `HostsFile`).
    ///
    /// # Errors
    /// [`HostsError`] when the file cannot be read.
    pub fn read(path: &Path) -> Result<Hosts, HostsError> {
        let bytes = std::fs::read(path)
            .map_err(|source| HostsError { path: path.to_path_buf(), source })?;
        Ok(Hosts::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// Parses hosts file text; lines whose address does not parse are skipped.
    pub fn parse(text: &str) -> Hosts {
        let lines = text
            .lines()
            .filter_map(|line| {
                let mut words = line.split('#').next().unwrap_or("").split_whitespace();
                let address = words.next()?.parse().ok()?;
                let names: Vec<String> = words.map(str::to_string).collect();
                (!names.is_empty()).then_some(Line { address, names })
            })
            .collect();
        Hosts { lines }
    }

    /// The canonical name of `name`, if a line lists it.
    pub fn canonical(&self, name: &str) -> Option<String> {
        let line = self.line_naming(name)?;
        let dotted = line.names.iter().find(|n| n.contains('.'));
        Some(dotted.unwrap_or(&line.names[0]).clone())
    }

    /// Every name of the first line that lists `name` (the canonical name and aliases).
    pub fn names_of(&self, name: &str) -> Vec<String> {
        self.line_naming(name).map(|l| l.names.clone()).unwrap_or_default()
    }

    /// Every address listed for `name`, in file order.
    pub fn addresses(&self, name: &str) -> Vec<IpAddr> {
        let matches = |l: &&Line| l.names.iter().any(|n| n.eq_ignore_ascii_case(name));
        self.lines.iter().filter(matches).map(|l| l.address).collect()
    }

    /// The name of `address`: the first name of the first line with that address.
    pub fn name_of(&self, address: IpAddr) -> Option<String> {
        self.lines.iter().find(|l| l.address == address).map(|l| l.names[0].clone())
    }

    /// What sendmail's host map answers for `name` through `files`: a bracketed
    /// address is looked up by address, anything else by name.
    pub fn lookup(&self, name: &str) -> HostLookup {
        let found = match literal_address(name) {
            Some(address) => self.name_of(address),
            None => self.canonical(name.trim_end_matches('.')),
        };
        found.map_or(HostLookup::NotFound, HostLookup::Found)
    }

    fn line_naming(&self, name: &str) -> Option<&Line> {
        self.lines.iter().find(|l| l.names.iter().any(|n| n.eq_ignore_ascii_case(name)))
    }
}

/// The address inside a domain literal `[a.b.c.d]` or `[IPv6:...]`.
pub fn literal_address(name: &str) -> Option<IpAddr> {
    let inner = name.strip_prefix('[')?.strip_suffix(']')?;
    let inner = match inner.get(..5) {
        Some(tag) if tag.eq_ignore_ascii_case("IPv6:") => &inner[5..],
        _ => inner,
    };
    inner.parse().ok()
}

/// sendmail's service switch: which sources answer each service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceSwitch {
    hosts: Vec<String>,
}

impl Default for ServiceSwitch {
    fn default() -> Self {
        ServiceSwitch { hosts: vec!["dns".into(), "files".into()] }
    }
}

impl ServiceSwitch {
    /// Reads a switch file; a missing or unreadable file is the default switch.
    pub fn read(path: &Path) -> ServiceSwitch {
        std::fs::read(path)
            .map(|b| ServiceSwitch::parse(&String::from_utf8_lossy(&b)))
            .unwrap_or_default()
    }

    /// Parses switch text (`service source...` per line, `#` comments).
    pub fn parse(text: &str) -> ServiceSwitch {
        for line in text.lines() {
            let mut words = line.split('#').next().unwrap_or("").split_whitespace();
            if words.next() == Some("hosts") {
                let sources: Vec<String> = words.map(str::to_string).collect();
                if !sources.is_empty() {
                    return ServiceSwitch { hosts: sources };
                }
            }
        }
        ServiceSwitch::default()
    }

    /// The sources of the `hosts` service, in order.
    pub fn hosts(&self) -> &[String] {
        &self.hosts
    }

    /// True when host names come from the hosts file alone (no DNS at all).
    pub fn hosts_files_only(&self) -> bool {
        self.hosts.iter().all(|s| s == "files")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LAB: &str = "127.0.0.1 localhost\n127.0.0.1 vm.lab.example vm # me\n\
                       127.0.0.10 example.org\n::1 ip6-localhost\nbogus line\n";

    #[test]
    fn canonical_names_prefer_a_dotted_name() {
        let h = Hosts::parse(LAB);
        assert_eq!(h.canonical("VM").as_deref(), Some("vm.lab.example"));
        assert_eq!(h.canonical("localhost").as_deref(), Some("localhost"));
        assert_eq!(h.canonical("nosuch.example"), None);
        assert_eq!(h.names_of("vm"), ["vm.lab.example", "vm"]);
        let old = Hosts::parse("127.0.0.1 localhost runsc vm\n");
        assert_eq!(old.canonical("vm").as_deref(), Some("localhost"));
    }

    #[test]
    fn addresses_and_reverse_lookups() {
        let h = Hosts::parse(LAB);
        let one: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(h.addresses("vm"), [one]);
        assert_eq!(h.name_of(one).as_deref(), Some("localhost"));
        assert_eq!(h.name_of("127.0.0.2".parse().unwrap()), None);
        assert_eq!(h.lookup("[127.0.0.10]"), HostLookup::Found("example.org".into()));
        assert_eq!(h.lookup("[1.2.3.4]"), HostLookup::NotFound);
        assert_eq!(h.lookup("Example.Org."), HostLookup::Found("example.org".into()));
        assert_eq!(literal_address("[IPv6:::1]"), Some("::1".parse().unwrap()));
        assert_eq!(literal_address("[1.2.3.4]x"), None);
    }

    #[test]
    fn the_switch_decides_whether_dns_is_used() {
        let lab = ServiceSwitch::parse("# no dns\npasswd files\nhosts\t\tfiles\n");
        assert!(lab.hosts_files_only());
        let both = ServiceSwitch::parse("hosts dns files\n");
        assert_eq!(both.hosts(), ["dns", "files"]);
        assert!(!both.hosts_files_only());
        assert_eq!(ServiceSwitch::read(Path::new("/nonexistent/switch")), ServiceSwitch::default());
        assert!(!ServiceSwitch::default().hosts_files_only());
    }

    #[test]
    fn a_missing_hosts_file_is_an_error_naming_it() {
        let e = Hosts::read(Path::new("/nonexistent/hosts")).unwrap_err();
        assert!(e.to_string().starts_with("/nonexistent/hosts: "));
    }
}
