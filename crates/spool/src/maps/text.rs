//! The `text` map type: the source file itself, `key<whitespace>value` per line.
//!
//! Blank lines and lines starting with `#` are skipped; the first word is the key, the
//! rest of the line (leading blanks removed) is the value. The first occurrence of a key
//! wins, as makemap keeps the first value of a duplicate key. Keys match without
//! regard to case, as sendmail's `text` map compares them (`AuthInfo:host` is found
//! as `authinfo:host`).

use super::{Map, MapError};
use std::collections::HashMap;
use std::path::Path;

/// A text map held in memory.
#[derive(Debug, Default)]
pub struct TextMap {
    entries: Vec<(Vec<u8>, Vec<u8>)>,
    index: HashMap<Vec<u8>, usize>,
}

impl TextMap {
    /// Reads the map from `path`.
    pub fn open(path: &Path) -> Result<TextMap, MapError> {
        let bytes = std::fs::read(path)
            .map_err(|source| MapError::Io { path: path.to_path_buf(), source })?;
        Ok(TextMap::parse(&bytes))
    }

    /// Parses map source text.
    pub fn parse(bytes: &[u8]) -> TextMap {
        let mut map = TextMap::default();
        for line in bytes.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() || line[0] == b'#' || line[0].is_ascii_whitespace() {
                continue;
            }
            let split = line.iter().position(|b| b.is_ascii_whitespace()).unwrap_or(line.len());
            let key = line[..split].to_vec();
            let rest = &line[split..];
            let start = rest.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(rest.len());
            if !map.index.contains_key(&key.to_ascii_lowercase()) {
                map.index.insert(key.to_ascii_lowercase(), map.entries.len());
                map.entries.push((key, rest[start..].to_vec()));
            }
        }
        map
    }
}

impl Map for TextMap {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        Ok(self.index.get(&key.to_ascii_lowercase()).map(|&i| self.entries[i].1.clone()))
    }

    fn entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, MapError> {
        Ok(self.entries.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_keys_values_and_skips_comments() {
        let m =
            TextMap::parse(b"# c\n\nConnect:127.0.0.3   REJECT\nk v w\nk second\n  indented x\n");
        assert_eq!(m.get(b"Connect:127.0.0.3").unwrap(), Some(b"REJECT".to_vec()));
        assert_eq!(m.get(b"k").unwrap(), Some(b"v w".to_vec()));
        assert_eq!(m.entries().unwrap().len(), 2);
    }

    /// The tips' `AuthInfo:host` line is found by the lower-case lookup.
    #[test]
    fn keys_match_without_case() {
        let m = TextMap::parse(b"AuthInfo:relay.example \"U:u\"\nAUTHINFO:RELAY.EXAMPLE second\n");
        assert_eq!(m.get(b"authinfo:relay.example").unwrap(), Some(b"\"U:u\"".to_vec()));
        assert_eq!(m.entries().unwrap().len(), 1, "a duplicate in another case");
    }
}
