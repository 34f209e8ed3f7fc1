//! Class files: `local-host-names` (class `w`) and `relay-domains` (class `R`).
//!
//! # Format
//! One or more names per line, separated by blanks; `#` starts a comment. Names are
//! compared without regard to case. A missing file read with `-o` (optional, as the
//! lab's `confCR_FILE` says) is an empty class.
//!
//! # Errors
//! [`ClassError`] when a required file cannot be read.

use std::path::{Path, PathBuf};

/// A class file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ClassError {
    /// The file.
    pub path: PathBuf,
    /// The underlying error.
    pub source: std::io::Error,
}

/// A set of names (host names, domains).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Class {
    names: Vec<String>,
}

impl Class {
    /// A class holding `names`.
    pub fn from_names<I: IntoIterator<Item = S>, S: Into<String>>(names: I) -> Class {
        Class { names: names.into_iter().map(|s| s.into().to_ascii_lowercase()).collect() }
    }

    /// Parses class file text.
    pub fn parse(text: &str) -> Class {
        let words = text.lines().flat_map(|l| l.split('#').next().unwrap_or("").split_whitespace());
        Class::from_names(words)
    }

    /// Reads a class file; with `optional`, a missing file is an empty class.
    pub fn read(path: &Path, optional: bool) -> Result<Class, ClassError> {
        match std::fs::read(path) {
            Ok(b) => Ok(Class::parse(&String::from_utf8_lossy(&b))),
            Err(e) if optional && e.kind() == std::io::ErrorKind::NotFound => Ok(Class::default()),
            Err(source) => Err(ClassError { path: path.to_path_buf(), source }),
        }
    }

    /// Adds a name.
    pub fn insert(&mut self, name: &str) {
        if !self.contains(name) {
            self.names.push(name.to_ascii_lowercase());
        }
    }

    /// True when `name` is in the class (any case).
    pub fn contains(&self, name: &str) -> bool {
        self.names.iter().any(|n| n.eq_ignore_ascii_case(name))
    }

    /// True when `domain` or one of its parent domains is in the class (how
    /// relay-domains is matched without `FEATURE(relay_hosts_only)`).
    pub fn contains_domain_or_parent(&self, domain: &str) -> bool {
        let mut rest = domain;
        loop {
            if self.contains(rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, tail)) if !tail.is_empty() => rest = tail,
                _ => return false,
            }
        }
    }

    /// The names, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::oracle_conf_dir;

    #[test]
    fn lab_local_host_names() {
        let w = Class::read(&oracle_conf_dir().join("local-host-names"), false).unwrap();
        assert!(w.contains("Mail.Lab.Example") && w.contains("vm"));
        assert!(!w.contains("sink.example"));
        let r = Class::read(&oracle_conf_dir().join("relay-domains"), true).unwrap();
        assert!(r.names().is_empty());
        assert!(Class::read(Path::new("/nonexistent/x"), true).unwrap().names().is_empty());
        assert!(Class::read(Path::new("/nonexistent/x"), false).is_err());
    }

    #[test]
    fn comments_several_names_and_parents() {
        let c = Class::parse("a.example b.example # c.example\n\n# x\nd\n");
        assert_eq!(c.names(), ["a.example", "b.example", "d"]);
        assert!(c.contains_domain_or_parent("x.y.a.example"));
        assert!(!c.contains_domain_or_parent("example"));
    }
}
