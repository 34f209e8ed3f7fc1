//! sendmail's service switch (`ServiceSwitchFile`, `confSERVICE_SWITCH_FILE`): which
//! sources answer host lookups, in which order.
//!
//! # Format
//! One service a line, its name then its sources, separated by blanks; `#` starts a
//! comment. Only the `hosts` line matters here:
//!
//! ```text
//! hosts    files dns     # /etc/hosts first, then DNS
//! aliases  files
//! ```
//!
//! `files` is the hosts file (`HostsFile`, `/etc/hosts`), `dns` the name servers.
//! Other sources (`nis`, `nisplus`, `netinfo`, ...) are not available to ferrymail and
//! are left out of the order, with a warning.
//!
//! # Defaults
//! A missing file, or one without a `hosts` line, gives sendmail's compiled-in order
//! for a resolver build: `dns files`. `hosts files` (as in the oracle's lab) means the
//! hosts file alone: no name server is ever asked.
//!
//! # Errors
//! A file that exists but cannot be read ([`SwitchError`]); unknown sources are
//! warnings, never errors.

use std::path::{Path, PathBuf};

/// Where a host lookup may be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostSource {
    /// The hosts file.
    Files,
    /// The name servers.
    Dns,
}

/// The `hosts` order of a service switch, with what was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSwitch {
    /// Sources in the order they are asked.
    pub order: Vec<HostSource>,
    /// Sources named but not available (`nis`, ...), for a warning.
    pub ignored: Vec<String>,
}

/// A service switch file that exists but cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("service switch {path}: {source}")]
pub struct SwitchError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

impl Default for HostSwitch {
    /// sendmail's order when nothing says otherwise: `dns files`.
    fn default() -> HostSwitch {
        HostSwitch { order: vec![HostSource::Dns, HostSource::Files], ignored: Vec::new() }
    }
}

impl HostSwitch {
    /// The hosts file alone (`hosts files`).
    pub fn files_only() -> HostSwitch {
        HostSwitch { order: vec![HostSource::Files], ignored: Vec::new() }
    }

    /// The `hosts` line of switch file text; the default without one.
    pub fn parse(text: &str) -> HostSwitch {
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_whitespace();
            if words.next().is_none_or(|w| !w.eq_ignore_ascii_case("hosts")) {
                continue;
            }
            let mut switch = HostSwitch { order: Vec::new(), ignored: Vec::new() };
            for word in words {
                match word.to_ascii_lowercase().as_str() {
                    "files" => switch.order.push(HostSource::Files),
                    "dns" => switch.order.push(HostSource::Dns),
                    _ => switch.ignored.push(word.to_string()),
                }
            }
            switch.order.dedup();
            return switch;
        }
        HostSwitch::default()
    }

    /// Reads the switch file at `path` (missing: the default).
    ///
    /// # Errors
    /// The file exists but cannot be read.
    pub fn read(path: &Path) -> Result<HostSwitch, SwitchError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Ok(HostSwitch::parse(&text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(HostSwitch::default()),
            Err(source) => Err(SwitchError { path: path.to_path_buf(), source }),
        }
    }

    /// Whether any name server may be asked.
    pub fn uses_dns(&self) -> bool {
        self.order.contains(&HostSource::Dns)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use HostSource::{Dns, Files};

    #[test]
    fn the_hosts_line_gives_the_order() {
        let lab = "# sendmail service switch\npasswd\t\tfiles\nhosts\t\tfiles\naliases\tfiles\n";
        assert_eq!(HostSwitch::parse(lab).order, [Files]);
        assert!(!HostSwitch::parse(lab).uses_dns());
        assert_eq!(HostSwitch::parse("hosts dns files\n").order, [Dns, Files]);
        assert_eq!(HostSwitch::parse("HOSTS files  dns # c\n").order, [Files, Dns]);
        let nis = HostSwitch::parse("hosts nis dns\n");
        assert_eq!((nis.order, nis.ignored), (vec![Dns], vec!["nis".to_string()]));
        assert_eq!(HostSwitch::parse("aliases files\n").order, [Dns, Files]);
    }

    #[test]
    fn a_missing_file_is_sendmails_default() {
        let dir = tempfile::tempdir().unwrap();
        let switch = HostSwitch::read(&dir.path().join("none")).unwrap();
        assert_eq!(switch, HostSwitch::default());
        assert!(HostSwitch::read(dir.path()).is_err(), "a directory cannot be read");
    }
}
