//! Key-value maps as sendmail reads them: access, mailertable, aliases, ...
//!
//! A map is opened by type and name, as in a sendmail `K` line or `makemap TYPE NAME`:
//! the name is the path without the extension the type adds (`hash` and `btree` add
//! `.db`, `cdb` adds `.cdb`, `text` uses the path as it is).
//!
//! Keys follow makemap's rules ([`KeyRules`]): folded to lower case unless `-f`, and
//! with `-N` stored with a trailing NUL. [`lookup`] tries a key without and then with
//! the trailing NUL, as sendmail does, so maps built either way answer.
//!
//! # Errors
//! Opening or reading a map returns [`MapError`], naming the file.

mod bdb;
pub mod btree;
mod btree_build;
pub mod cdb;
pub mod hash;
mod hash_build;
#[cfg(test)]
mod roundtrip_tests;
pub mod text;
mod writer;

pub use writer::{create, Duplicates, WriteOptions, Writer, MAKEMAP_NELEM};

use std::path::{Path, PathBuf};

/// An error opening or reading a map; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The map file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not a valid map of its type.
    #[error("{path}: {reason}")]
    Corrupt {
        /// The map file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The map type is not one this build knows.
    #[error("{0}: unknown map type")]
    UnknownType(String),
}

/// The storage formats a map can have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapType {
    /// Berkeley DB 5.3 hash (`.db`), what Debian's sendmail reads.
    Hash,
    /// Berkeley DB 5.3 btree (`.db`).
    Btree,
    /// Constant database (`.cdb`).
    Cdb,
    /// The plain text source, `key<whitespace>value` per line.
    Text,
}

impl MapType {
    /// Parses a type name as makemap takes it (`hash`, `btree`, `cdb`, `text`).
    pub fn from_name(name: &str) -> Result<MapType, MapError> {
        match name {
            "hash" => Ok(MapType::Hash),
            "btree" => Ok(MapType::Btree),
            "cdb" => Ok(MapType::Cdb),
            "text" => Ok(MapType::Text),
            other => Err(MapError::UnknownType(other.to_string())),
        }
    }

    /// The file a map of this type and name lives in.
    pub fn file_for(self, name: &Path) -> PathBuf {
        let ext = match self {
            MapType::Hash | MapType::Btree => ".db",
            MapType::Cdb => ".cdb",
            MapType::Text => return name.to_path_buf(),
        };
        let mut file = name.as_os_str().to_owned();
        if !file.to_string_lossy().ends_with(ext) {
            file.push(ext);
        }
        PathBuf::from(file)
    }
}

/// Every entry of a map, key and value, in the map's own order.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// A read-only map, as stored (keys exactly as their bytes are in the file). Maps are
/// `Send + Sync`, so one opened map serves every session of a daemon.
pub trait Map: Send + Sync {
    /// The value stored under exactly these key bytes.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, MapError>;
    /// Every entry, in the map's own order (for `makemap -u`).
    fn entries(&self) -> Result<Entries, MapError>;
}

/// makemap's key rules: case folding and NUL termination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyRules {
    /// Fold keys to lower case (makemap's default; `-f` turns it off).
    pub fold_case: bool,
    /// Store keys and values with a trailing NUL (`-N`).
    pub nul_terminated: bool,
}

impl Default for KeyRules {
    fn default() -> Self {
        KeyRules { fold_case: true, nul_terminated: false }
    }
}

impl KeyRules {
    /// The key bytes to store for `key` under these rules.
    pub fn store_key(&self, key: &[u8]) -> Vec<u8> {
        let mut out = if self.fold_case { key.to_ascii_lowercase() } else { key.to_vec() };
        if self.nul_terminated {
            out.push(0);
        }
        out
    }

    /// The value bytes to store for `value` under these rules.
    pub fn store_value(&self, value: &[u8]) -> Vec<u8> {
        let mut out = value.to_vec();
        if self.nul_terminated {
            out.push(0);
        }
        out
    }
}

/// Looks `key` up as sendmail does: as given, then with a trailing NUL; a trailing NUL
/// on the value found is dropped.
pub fn lookup(map: &dyn Map, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
    let found = match map.get(key)? {
        Some(v) => Some(v),
        None => {
            let mut with_nul = key.to_vec();
            with_nul.push(0);
            map.get(&with_nul)?
        }
    };
    Ok(found.map(|mut v| {
        if v.last() == Some(&0) {
            v.pop();
        }
        v
    }))
}

/// Opens the map `name` of type `kind` for reading.
pub fn open(kind: MapType, name: &Path) -> Result<Box<dyn Map>, MapError> {
    let file = kind.file_for(name);
    match kind {
        MapType::Text => Ok(Box::new(text::TextMap::open(&file)?)),
        MapType::Hash => Ok(Box::new(hash::HashMap::open(&file)?)),
        MapType::Btree => Ok(Box::new(btree::BtreeMap::open(&file)?)),
        MapType::Cdb => Ok(Box::new(cdb::CdbMap::open(&file)?)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_follow_the_type() {
        assert_eq!(
            MapType::Hash.file_for(Path::new("/etc/mail/access")),
            Path::new("/etc/mail/access.db")
        );
        assert_eq!(MapType::Cdb.file_for(Path::new("a")), Path::new("a.cdb"));
        assert_eq!(MapType::Text.file_for(Path::new("a")), Path::new("a"));
    }

    #[test]
    fn key_rules_fold_and_terminate() {
        let r = KeyRules { fold_case: true, nul_terminated: true };
        assert_eq!(r.store_key(b"Root"), b"root\0");
        assert_eq!(r.store_value(b"X"), b"X\0");
        assert_eq!(
            KeyRules { fold_case: false, nul_terminated: false }.store_key(b"Root"),
            b"Root"
        );
    }
}
