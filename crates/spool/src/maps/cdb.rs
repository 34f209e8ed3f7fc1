//! The `cdb` map type: a constant database (`.cdb`), through the `cdb2` crate.
//!
//! ferrymail's fast native format: one hash probe per lookup, built in one pass. The
//! file is D. J. Bernstein's cdb format: a 2048-byte table of 256 (position, slots)
//! pairs, the records (`klen32 dlen32 key data`, little-endian), then the hash tables.
//! A key may have several records; [`Map::get`] returns the first.
//!
//! # Errors
//! [`CdbMap::open`] checks the 256 table pointers against the file size before any
//! lookup, so a truncated or foreign file is [`MapError::Corrupt`] rather than a read
//! past the end.

use super::{Map, MapError};
use std::path::{Path, PathBuf};

/// An open constant database.
pub struct CdbMap {
    cdb: cdb2::CDB,
    path: PathBuf,
}

impl std::fmt::Debug for CdbMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CdbMap").field("path", &self.path).finish()
    }
}

impl CdbMap {
    /// Opens the cdb file at `path` (the full name, with `.cdb`).
    pub fn open(path: &Path) -> Result<CdbMap, MapError> {
        let io = |source| MapError::Io { path: path.to_path_buf(), source };
        let bytes_head = {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(io)?;
            let mut head = Vec::with_capacity(2048);
            f.by_ref().take(2048).read_to_end(&mut head).map_err(io)?;
            let len = f.metadata().map_err(io)?.len();
            (head, len)
        };
        check_table(&bytes_head.0, bytes_head.1)
            .map_err(|reason| super::bdb::corrupt(path, reason))?;
        let cdb = cdb2::CDB::open(path).map_err(io)?;
        Ok(CdbMap { cdb, path: path.to_path_buf() })
    }

    fn err(&self, source: std::io::Error) -> MapError {
        MapError::Io { path: self.path.clone(), source }
    }
}

/// Checks the cdb header: 256 hash tables, each inside the file and after the header.
fn check_table(head: &[u8], len: u64) -> Result<(), String> {
    if head.len() < 2048 || len > u32::MAX as u64 {
        return Err("not a cdb file (bad size)".into());
    }
    for entry in head.chunks_exact(8) {
        let pos = u32::from_le_bytes(entry[..4].try_into().unwrap_or_default()) as u64;
        let slots = u32::from_le_bytes(entry[4..].try_into().unwrap_or_default()) as u64;
        if slots > 0 && (pos < 2048 || pos + slots * 8 > len) {
            return Err("not a cdb file (hash table outside the file)".into());
        }
    }
    Ok(())
}

impl Map for CdbMap {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        self.cdb.get(key).transpose().map_err(|e| self.err(e))
    }

    fn entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, MapError> {
        self.cdb.iter().collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_or_foreign_file_is_corrupt() {
        assert!(check_table(&[0u8; 100], 100).is_err());
        let mut head = vec![0u8; 2048];
        head[0..4].copy_from_slice(&5000u32.to_le_bytes());
        head[4..8].copy_from_slice(&2u32.to_le_bytes());
        assert!(check_table(&head, 4000).is_err());
        assert!(check_table(&head, 6000).is_ok());
    }
}
