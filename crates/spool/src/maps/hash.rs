//! The `hash` map type: a Berkeley DB 5.3 hash database (`.db`), read in pure Rust.
//!
//! This is what Debian's sendmail and its makemap read and write
//! (`file(1)`: "Berkeley DB (Hash, version 9, native byte-order)").
//!
//! # Format
//! Page 0 is the hash meta page: after the common 72-byte meta header come
//! `max_bucket` (72), `high_mask` (76), `low_mask` (80), `ffactor` (84), `nelem` (88),
//! `h_charkey` (92: the hash of `"%$sniglet^&\0"`, which identifies the hash function)
//! and `spares[32]` (96). A key hashes with 32-bit FNV-1 from a zero basis
//! ([`hash_key`]); its bucket is `hash & high_mask`, or `hash & low_mask` when that
//! exceeds `max_bucket`; bucket `b` starts at page `b + spares[log2(b + 1)]` and
//! continues through the pages' next links.
//!
//! A bucket page (type 13, sorted; type 2 in files from before 4.6) holds key/data
//! pairs: index entry `2i` is a key, `2i + 1` its data. Items are packed downwards, so
//! an item ends where the previous one starts. The first byte of an item is its type:
//! 1 inline bytes, 2 an inline duplicate set (`len16 bytes len16` repeated), 3 a big
//! item (`pgno`, `length` of an overflow chain), 4 an off-page duplicate btree.
//!
//! # Errors
//! A wrong magic number, an unknown hash function, a bucket past the end of the file,
//! a page of the wrong type or a chain that loops is [`MapError::Corrupt`]; nothing in
//! a file can make this reader panic or loop forever.

use super::bdb::{self, get_u16, get_u32, PageFile, HASH_MAGIC, P_HASHMETA};
use super::{btree, Map, MapError};
use std::path::Path;

/// Page type: a hash bucket page in sorted (4.6 and later) order.
pub const P_HASH: u8 = 13;
/// Page type: a hash bucket page from before Berkeley DB 4.6.
pub const P_HASH_UNSORTED: u8 = 2;
/// Item type: bytes stored on the page.
pub const H_KEYDATA: u8 = 1;
/// Item type: a duplicate set stored on the page.
pub const H_DUPLICATE: u8 = 2;
/// Item type: a big item in an overflow chain.
pub const H_OFFPAGE: u8 = 3;
/// Item type: an off-page duplicate tree.
pub const H_OFFDUP: u8 = 4;
/// The key whose hash the meta page stores, to identify the hash function (the C
/// string with its NUL, as Berkeley DB hashes `sizeof(CHARKEY)` bytes).
pub const CHARKEY: &[u8] = b"%$sniglet^&\0";

/// Berkeley DB's default hash function (`__ham_func5`): 32-bit FNV-1 (multiply, then
/// xor) from a zero basis.
pub fn hash_key(key: &[u8]) -> u32 {
    key.iter().fold(0u32, |h, &b| h.wrapping_mul(16_777_619) ^ b as u32)
}

/// An open hash database.
#[derive(Debug)]
pub struct HashMap {
    pf: PageFile,
    max_bucket: u32,
    high_mask: u32,
    low_mask: u32,
    spares: [u32; 32],
}

impl HashMap {
    /// Opens the hash database file at `path` (the full name, with `.db`).
    pub fn open(path: &Path) -> Result<HashMap, MapError> {
        let (pf, meta) = PageFile::open(path, HASH_MAGIC)?;
        let s = pf.swapped;
        let field = |off| get_u32(&meta, off, s).unwrap_or(0);
        let version = field(16);
        if !(7..=10).contains(&version) || meta[25] != P_HASHMETA {
            return Err(pf.corrupt(format!("unsupported hash version {version}")));
        }
        if field(92) != 0 && field(92) != hash_key(CHARKEY) {
            return Err(pf.corrupt("uses a hash function other than Berkeley DB's default"));
        }
        let mut spares = [0u32; 32];
        for (i, s) in spares.iter_mut().enumerate() {
            *s = field(96 + 4 * i);
        }
        let (max_bucket, high_mask, low_mask) = (field(72), field(76), field(80));
        if max_bucket > high_mask || low_mask > high_mask || max_bucket >= pf.npages {
            return Err(pf.corrupt(format!("impossible bucket count {max_bucket}")));
        }
        Ok(HashMap { pf, max_bucket, high_mask, low_mask, spares })
    }

    /// The bucket `key` belongs in.
    fn bucket(&self, key: &[u8]) -> u32 {
        let b = hash_key(key) & self.high_mask;
        if b > self.max_bucket {
            b & self.low_mask
        } else {
            b
        }
    }

    /// Calls `f` with each page of `bucket`'s chain until it returns `true`.
    fn walk(
        &self,
        bucket: u32,
        mut f: impl FnMut(&[u8]) -> Result<bool, MapError>,
    ) -> Result<(), MapError> {
        // A header whose masks exceed its bucket count can name a bucket past the 32
        // spares (found by fuzzing: fuzz/corpus/hash_reader, tests/fuzz_regressions.rs).
        let spare = bucket
            .checked_add(1)
            .and_then(|b| self.spares.get(bdb::log2_ceil(b) as usize))
            .ok_or_else(|| self.pf.corrupt(format!("bucket {bucket}: past the spares")))?;
        let mut pgno = bucket.checked_add(*spare).ok_or_else(|| self.pf.corrupt("bad spares"))?;
        let mut hops = 0;
        while pgno != 0 {
            hops += 1;
            if hops > self.pf.npages {
                return Err(self.pf.corrupt(format!("bucket {bucket}: loop in page chain")));
            }
            let page = self.pf.read(pgno)?;
            let h = self.pf.header(&page);
            match h.ptype {
                P_HASH | P_HASH_UNSORTED if h.entries.is_multiple_of(2) => {}
                0 if h.entries == 0 => return Ok(()),
                t => return Err(self.pf.corrupt(format!("page {pgno}: bad hash page type {t}"))),
            }
            if f(&page)? {
                return Ok(());
            }
            pgno = h.next;
        }
        Ok(())
    }

    /// Reads a key item in full.
    fn key_bytes(&self, item: &[u8]) -> Result<Vec<u8>, MapError> {
        match item[0] {
            H_KEYDATA => Ok(item[1..].to_vec()),
            H_OFFPAGE => {
                let (pgno, len) = self.offpage(item)?;
                self.pf.read_overflow(pgno, len)
            }
            t => Err(self.pf.corrupt(format!("bad key item type {t}"))),
        }
    }

    /// Whether a key item holds exactly `key`.
    fn key_matches(&self, item: &[u8], key: &[u8]) -> Result<bool, MapError> {
        match item[0] {
            H_KEYDATA => Ok(&item[1..] == key),
            H_OFFPAGE if self.offpage(item)?.1 as usize != key.len() => Ok(false),
            _ => Ok(self.key_bytes(item)? == key),
        }
    }

    /// Every value a data item holds (several for duplicates).
    fn values(&self, item: &[u8]) -> Result<Vec<Vec<u8>>, MapError> {
        match item[0] {
            H_KEYDATA => Ok(vec![item[1..].to_vec()]),
            H_OFFPAGE => {
                let (pgno, len) = self.offpage(item)?;
                Ok(vec![self.pf.read_overflow(pgno, len)?])
            }
            H_DUPLICATE => self.dup_set(&item[1..]),
            H_OFFDUP => btree::offpage_dups(&self.pf, self.offpage(item)?.0),
            t => Err(self.pf.corrupt(format!("bad data item type {t}"))),
        }
    }

    /// Splits an on-page duplicate set into its values.
    fn dup_set(&self, mut set: &[u8]) -> Result<Vec<Vec<u8>>, MapError> {
        let mut out = Vec::new();
        while !set.is_empty() {
            let len = get_u16(set, 0, self.pf.swapped).unwrap_or(u16::MAX) as usize;
            if set.len() < len + 4 {
                return Err(self.pf.corrupt("bad duplicate set"));
            }
            out.push(set[2..2 + len].to_vec());
            set = &set[len + 4..];
        }
        Ok(out)
    }

    /// The page number and length in a big-item reference.
    fn offpage(&self, item: &[u8]) -> Result<(u32, u32), MapError> {
        let s = self.pf.swapped;
        match (get_u32(item, 4, s), get_u32(item, 8, s)) {
            (Some(pgno), Some(len)) if item.len() >= 12 => Ok((pgno, len)),
            _ => Err(self.pf.corrupt("short off-page item")),
        }
    }

    /// Calls `f` with the key and data items of each pair on `page`.
    fn pairs(
        &self,
        page: &[u8],
        mut f: impl FnMut(&[u8], &[u8]) -> Result<bool, MapError>,
    ) -> Result<bool, MapError> {
        let n = self.pf.header(page).entries as usize;
        for i in (0..n).step_by(2) {
            if f(self.pf.packed_item(page, i)?, self.pf.packed_item(page, i + 1)?)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Every value stored under `key`, in stored order.
    pub fn get_all(&self, key: &[u8]) -> Result<Vec<Vec<u8>>, MapError> {
        let mut found = Vec::new();
        self.walk(self.bucket(key), |page| {
            self.pairs(page, |k, d| {
                if self.key_matches(k, key)? {
                    found = self.values(d)?;
                    return Ok(true);
                }
                Ok(false)
            })
        })?;
        Ok(found)
    }
}

impl Map for HashMap {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        Ok(self.get_all(key)?.into_iter().next())
    }

    fn entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, MapError> {
        let mut out = Vec::new();
        for bucket in 0..=self.max_bucket {
            self.walk(bucket, |page| {
                self.pairs(page, |k, d| {
                    let key = self.key_bytes(k)?;
                    for v in self.values(d)? {
                        out.push((key.clone(), v));
                    }
                    Ok(false)
                })
            })?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_function_is_fnv1_from_zero() {
        assert_eq!(hash_key(b"a"), 0x61);
        assert_eq!(hash_key(b"ab"), 0x61u32.wrapping_mul(16_777_619) ^ 0x62);
    }

    #[test]
    fn hash_function_matches_berkeley_db_charkey() {
        // h_charkey as stored by Berkeley DB 5.3 in makemap's files.
        assert_eq!(hash_key(CHARKEY), 0x5e68_8dd1);
    }
}
