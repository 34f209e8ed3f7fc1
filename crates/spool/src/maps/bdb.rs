//! Berkeley DB 5.3 on-disk basics shared by the `hash` and `btree` map types.
//!
//! A Berkeley DB file is an array of fixed-size pages. Page 0 is the meta page; every
//! page starts with the same 26-byte header:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 8 | LSN (a fresh, unlogged file has file 0, offset 1) |
//! | 8 | 4 | page number |
//! | 12 | 4 | previous page in a chain (0: none) |
//! | 16 | 4 | next page in a chain (0: none) |
//! | 20 | 2 | number of index entries (overflow pages: reference count) |
//! | 22 | 2 | offset of the lowest item (overflow pages: bytes stored) |
//! | 24 | 1 | btree level |
//! | 25 | 1 | page type |
//!
//! then the index array of 16-bit item offsets. Numbers are stored in the byte order
//! of the machine that wrote the file; the meta page's magic number tells which, and
//! this module reads both orders.
//!
//! Items too big for a page live in chains of overflow pages (type 7), each holding up
//! to `pagesize - 26` bytes after its header.
//!
//! # Errors
//! Every read is bounds-checked. A short file, a page number past the end, a loop in a
//! page chain or an item that does not fit its page is [`MapError::Corrupt`].

use super::MapError;
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Size of the common page header.
pub const PAGE_HEADER: usize = 26;
/// Page type: overflow page holding part of a big item.
pub const P_OVERFLOW: u8 = 7;
/// Page type: hash meta page.
pub const P_HASHMETA: u8 = 8;
/// Page type: btree meta page.
pub const P_BTREEMETA: u8 = 9;
/// Magic number of a hash database.
pub const HASH_MAGIC: u32 = 0x061561;
/// Magic number of a btree database.
pub const BTREE_MAGIC: u32 = 0x053162;
/// Largest page size Berkeley DB allows.
const MAX_PAGESIZE: usize = 65536;

/// Reads a 16-bit number at `off` in the file's byte order, if it is inside `buf`.
pub fn get_u16(buf: &[u8], off: usize, swapped: bool) -> Option<u16> {
    let b: [u8; 2] = buf.get(off..off.checked_add(2)?)?.try_into().ok()?;
    Some(if swapped { u16::from_be_bytes(b) } else { u16::from_le_bytes(b) })
}

/// Reads a 32-bit number at `off` in the file's byte order, if it is inside `buf`.
pub fn get_u32(buf: &[u8], off: usize, swapped: bool) -> Option<u32> {
    let b: [u8; 4] = buf.get(off..off.checked_add(4)?)?.try_into().ok()?;
    Some(if swapped { u32::from_be_bytes(b) } else { u32::from_le_bytes(b) })
}

/// The header fields of one page.
#[derive(Debug, Clone, Copy)]
pub struct PageHeader {
    /// Number this page says it has.
    pub pgno: u32,
    /// Previous page in its chain.
    pub prev: u32,
    /// Next page in its chain (0: end).
    pub next: u32,
    /// Index entries (overflow pages: reference count).
    pub entries: u16,
    /// Lowest item offset (overflow pages: bytes stored on the page).
    pub hf_offset: u16,
    /// Btree level (1 for leaves).
    pub level: u8,
    /// Page type.
    pub ptype: u8,
}

/// An open database file read page by page with positioned reads.
#[derive(Debug)]
pub struct PageFile {
    file: File,
    path: PathBuf,
    /// Bytes per page.
    pub pagesize: usize,
    /// Whether the file was written in the other byte order.
    pub swapped: bool,
    /// Whole pages in the file.
    pub npages: u32,
}

impl PageFile {
    /// Opens `path`, checks the meta page has `magic`, and returns the file and page 0.
    pub fn open(path: &Path, magic: u32) -> Result<(PageFile, Vec<u8>), MapError> {
        let io = |source| MapError::Io { path: path.to_path_buf(), source };
        let file = File::open(path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let mut head = [0u8; 512];
        if len < head.len() as u64 {
            return Err(corrupt(path, "not a Berkeley DB file (too short)"));
        }
        file.read_exact_at(&mut head, 0).map_err(io)?;
        let swapped = match (get_u32(&head, 12, false), get_u32(&head, 12, true)) {
            (Some(m), _) if m == magic => false,
            (_, Some(m)) if m == magic => true,
            _ => return Err(corrupt(path, wrong_magic(&head))),
        };
        let pagesize = get_u32(&head, 20, swapped).unwrap_or(0) as usize;
        if !(512..=MAX_PAGESIZE).contains(&pagesize) || !pagesize.is_power_of_two() {
            return Err(corrupt(path, format!("bad page size {pagesize}")));
        }
        let npages = (len / pagesize as u64).min(u32::MAX as u64) as u32;
        if npages == 0 {
            return Err(corrupt(path, "truncated meta page"));
        }
        let pf = PageFile { file, path: path.to_path_buf(), pagesize, swapped, npages };
        let meta = pf.read(0)?;
        Ok((pf, meta))
    }

    /// The file this reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A [`MapError::Corrupt`] naming this file.
    pub fn corrupt(&self, reason: impl Into<String>) -> MapError {
        corrupt(&self.path, reason)
    }

    /// Reads page `pgno`.
    pub fn read(&self, pgno: u32) -> Result<Vec<u8>, MapError> {
        if pgno >= self.npages {
            return Err(self.corrupt(format!("page {pgno} is past the end of the file")));
        }
        let mut buf = vec![0u8; self.pagesize];
        self.file
            .read_exact_at(&mut buf, pgno as u64 * self.pagesize as u64)
            .map_err(|source| MapError::Io { path: self.path.clone(), source })?;
        Ok(buf)
    }

    /// Parses the header of a page read with [`PageFile::read`].
    pub fn header(&self, page: &[u8]) -> PageHeader {
        let s = self.swapped;
        PageHeader {
            pgno: get_u32(page, 8, s).unwrap_or(0),
            prev: get_u32(page, 12, s).unwrap_or(0),
            next: get_u32(page, 16, s).unwrap_or(0),
            entries: get_u16(page, 20, s).unwrap_or(0),
            hf_offset: get_u16(page, 22, s).unwrap_or(0),
            level: page.get(24).copied().unwrap_or(0),
            ptype: page.get(25).copied().unwrap_or(0),
        }
    }

    /// The byte range of item `i` on a page whose items are packed downwards in index
    /// order (hash pages): from its offset to the previous item's offset.
    pub fn packed_item<'p>(&self, page: &'p [u8], i: usize) -> Result<&'p [u8], MapError> {
        let entries = self.header(page).entries as usize;
        let low = PAGE_HEADER + 2 * entries;
        let at = |j: usize| get_u16(page, PAGE_HEADER + 2 * j, self.swapped).map(usize::from);
        let start = at(i).ok_or_else(|| self.corrupt("index past the page"))?;
        let end = if i == 0 { self.pagesize } else { at(i - 1).unwrap_or(0) };
        if i >= entries || start < low || start >= end || end > self.pagesize {
            return Err(self.corrupt(format!("bad item {i} on a page")));
        }
        Ok(&page[start..end])
    }

    /// Reads a big item of `len` bytes from the overflow chain starting at `pgno`.
    pub fn read_overflow(&self, mut pgno: u32, len: u32) -> Result<Vec<u8>, MapError> {
        let room = (self.pagesize - PAGE_HEADER) as u64;
        if len as u64 > room * self.npages as u64 {
            return Err(self.corrupt(format!("overflow item of {len} bytes is too big")));
        }
        let mut out = Vec::with_capacity(len as usize);
        let mut hops = 0u32;
        while out.len() < len as usize {
            hops += 1;
            if pgno == 0 || hops > self.npages {
                return Err(self.corrupt("broken overflow chain"));
            }
            let page = self.read(pgno)?;
            let h = self.header(&page);
            let n = h.hf_offset as usize;
            if h.ptype != P_OVERFLOW || PAGE_HEADER + n > self.pagesize {
                return Err(self.corrupt(format!("page {pgno} is not a valid overflow page")));
            }
            let take = n.min(len as usize - out.len());
            out.extend_from_slice(&page[PAGE_HEADER..PAGE_HEADER + take]);
            pgno = h.next;
        }
        Ok(out)
    }
}

/// A [`MapError::Corrupt`] for `path`.
pub fn corrupt(path: &Path, reason: impl Into<String>) -> MapError {
    MapError::Corrupt { path: path.to_path_buf(), reason: reason.into() }
}

/// Explains a meta page whose magic is not the one wanted.
fn wrong_magic(head: &[u8]) -> String {
    let found = get_u32(head, 12, false).unwrap_or(0);
    let kind = match [found, found.swap_bytes()] {
        [HASH_MAGIC, _] | [_, HASH_MAGIC] => "a Berkeley DB hash database",
        [BTREE_MAGIC, _] | [_, BTREE_MAGIC] => "a Berkeley DB btree database",
        _ => "not a Berkeley DB database",
    };
    format!("wrong database type ({kind})")
}

/// `ceil(log2(n))`, as Berkeley DB's `__db_log2`: the doubling a hash bucket is in.
pub fn log2_ceil(n: u32) -> u32 {
    let mut i = 0;
    while i < 32 && (1u64 << i) < n as u64 {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log2_matches_berkeley_db() {
        let got: Vec<u32> = [1, 2, 3, 4, 5, 8, 9].iter().map(|&n| log2_ceil(n)).collect();
        assert_eq!(got, [0, 1, 2, 2, 3, 3, 4]);
    }

    #[test]
    fn numbers_in_both_byte_orders() {
        let b = [1, 2, 3, 4];
        assert_eq!(get_u32(&b, 0, false), Some(0x04030201));
        assert_eq!(get_u32(&b, 0, true), Some(0x01020304));
        assert_eq!(get_u16(&b, 3, false), None);
    }
}
