//! The aliases file (`/etc/mail/aliases`), read exactly as sendmail 8.17 reads it.
//!
//! # Format
//! ```text
//! # comment
//! postmaster:  root
//! staff:       root, daemon,
//!              mail                      (a line starting with a blank continues)
//! pipe:        "|/usr/bin/logger -t x"   (a program; quoted because of the blanks)
//! archive:     /var/mail/archive.mbox    (a file)
//! list:        :include:/etc/mail/list   (addresses read from a file)
//! me:          \me, me@elsewhere         (\ : deliver locally, no more aliasing)
//! ```
//! The name is an address that must resolve locally (`user` or `user@<local domain>`);
//! it is stored in lower case, with blanks replaced by `.` (BlankSub). A duplicate
//! name keeps the **last** value and draws a warning. See [`parse_text`] for lines.
//!
//! # Diagnostics
//! Each bad line yields a [`Diagnostic`] worded as sendmail words it
//! (`line 22: missing colon`, `: emptyname... illegal alias name`,
//! `emptyrhs:... missing value for alias`, `user@domain... cannot alias non-local
//! names`, `Non-continuation line starts with space`, `dup... Warning: duplicate alias
//! name dup`). newaliases prints them on stdout as `FILE: line N: TEXT` and exits with
//! the status of the first diagnostic that sets one ([`AliasFile::exit_code`]).
//!
//! # The database
//! [`AliasFile::db_entries`] gives what sendmail stores: keys and values with a trailing
//! NUL, plus the `@` -> `@` entry that marks a complete rebuild.
//!
//! # Errors
//! Reading fails with [`AliasError`] only when a file cannot be read; a bad line is a
//! diagnostic, never an error, and no input makes the parser panic.

mod parse;

pub use parse::{parse_text, IsLocal};

use crate::config::AliasFileSpec;
use crate::maps::{Map, MapError, MapType};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AliasError {
    /// The aliases or `:include:` file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// An `AliasFile` entry names a map type this build does not know.
    #[error("{0}: unknown alias file type")]
    UnknownType(String),
}

/// One alias: a lower-case name and the value exactly as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key stored in the database.
    pub name: String,
    /// The value, continuation lines joined, leading blanks removed.
    pub value: String,
    /// Line number where the entry starts.
    pub line: usize,
}

/// One diagnostic about the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The line it is about, if any.
    pub line: Option<usize>,
    /// sendmail's text.
    pub message: String,
    /// The exit status it sets, if any (70 for sendmail's `syserr`, 64 for usage).
    pub status: Option<i32>,
}

impl Diagnostic {
    /// The line as newaliases prints it: `FILE: line N: TEXT`.
    pub fn render(&self, file: &str) -> String {
        match self.line {
            Some(n) => format!("{file}: line {n}: {}", self.message),
            None => format!("{file}: {}", self.message),
        }
    }
}

/// A parsed aliases file: its entries, the diagnostics and sendmail's statistics.
#[derive(Debug, Clone, Default)]
pub struct AliasFile {
    /// The entries, in order of first appearance (a duplicate replaces in place).
    pub entries: Vec<Entry>,
    /// Every diagnostic, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// Number of aliases stored, duplicates counted each time (sendmail's count).
    pub count: usize,
    /// Length of the longest value.
    pub longest: usize,
    /// Sum of the lengths of every stored name and value.
    pub bytes: usize,
    index: HashMap<String, usize>,
}

impl AliasFile {
    /// Reads and parses the aliases file at `path`.
    pub fn read(path: &Path, is_local: IsLocal) -> Result<AliasFile, AliasError> {
        let bytes = std::fs::read(path)
            .map_err(|source| AliasError::Io { path: path.to_path_buf(), source })?;
        Ok(parse_text(&String::from_utf8_lossy(&bytes), is_local))
    }

    /// The value of alias `name` (looked up in lower case).
    pub fn get(&self, name: &str) -> Option<&str> {
        let i = *self.index.get(&name.to_ascii_lowercase())?;
        Some(self.entries[i].value.as_str())
    }

    /// The exit status sendmail ends with: that of the first diagnostic that sets one.
    pub fn exit_code(&self) -> i32 {
        self.diagnostics.iter().find_map(|d| d.status).unwrap_or(crate::sysexits::EX_OK)
    }

    /// sendmail's summary: `N aliases, longest N bytes, N bytes total`.
    pub fn summary(&self) -> String {
        format!(
            "{} aliases, longest {} bytes, {} bytes total",
            self.count, self.longest, self.bytes
        )
    }

    /// The database content: NUL-terminated keys and values, then `@` -> `@`.
    pub fn db_entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let nul = |s: &str| {
            let mut v = s.as_bytes().to_vec();
            v.push(0);
            v
        };
        let mut out: Vec<_> = self.entries.iter().map(|e| (nul(&e.name), nul(&e.value))).collect();
        out.push((nul("@"), nul("@")));
        out
    }
}

impl Map for AliasFile {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        if key == b"@" {
            return Ok(Some(b"@".to_vec()));
        }
        let Ok(key) = std::str::from_utf8(key) else { return Ok(None) };
        Ok(self.index.get(key).map(|&i| self.entries[i].value.clone().into_bytes()))
    }

    fn entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, MapError> {
        Ok(self.entries.iter().map(|e| (e.name.clone().into(), e.value.clone().into())).collect())
    }
}

/// One element of sendmail's `AliasFile` option: a map type and the source path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasSpec {
    /// The database type (`hash` unless the element says `cdb:` or `btree:`).
    pub kind: MapType,
    /// The text file; the database is this path plus the type's extension.
    pub path: PathBuf,
}

/// Parses the `AliasFile` option: comma-separated paths, each optionally `type:path`
/// (the one parser is [`AliasFileSpec::parse_list`]; this checks the types).
///
/// # Errors
/// [`AliasError::UnknownType`] for a type prefix other than hash, btree, cdb or text.
pub fn parse_alias_files(option: &str) -> Result<Vec<AliasSpec>, AliasError> {
    AliasFileSpec::parse_list(option).iter().map(AliasSpec::from_spec).collect()
}

impl AliasSpec {
    /// The typed spec of one `AliasFile` entry; no prefix means `hash` (what
    /// newaliases builds for sendmail's implicit class).
    ///
    /// # Errors
    /// [`AliasError::UnknownType`] for a type this build does not read.
    pub fn from_spec(spec: &AliasFileSpec) -> Result<AliasSpec, AliasError> {
        let kind = MapType::from_name(&spec.map_type)
            .map_err(|_| AliasError::UnknownType(spec.map_type.clone()))?;
        Ok(AliasSpec { kind, path: spec.path.clone() })
    }
}

/// Reads an `:include:` file: its non-empty, non-comment lines with their numbers.
///
/// # Errors
/// [`AliasError::Io`] when the file cannot be read.
pub fn read_include(path: &Path) -> Result<Vec<(usize, String)>, AliasError> {
    let bytes = std::fs::read(path)
        .map_err(|source| AliasError::Io { path: path.to_path_buf(), source })?;
    let text = String::from_utf8_lossy(&bytes);
    Ok(text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect())
}

#[cfg(test)]
mod tests;
