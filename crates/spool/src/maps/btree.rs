//! The `btree` map type: a Berkeley DB 5.3 btree database (`.db`), read in pure Rust.
//!
//! # Format
//! Page 0 is the btree meta page; the root page number is at offset 88. Internal pages
//! (type 3) hold `len16 type8 pad8 pgno32 nrecs32 key` entries, the first with an
//! empty key; the child at entry `i` holds keys from entry `i`'s key up to entry
//! `i + 1`'s. Leaf pages (type 5) hold key/data pairs at index entries `2i`, `2i + 1`
//! and are chained left to right through their next links; a key repeated for
//! duplicates shares one item. Leaf items are `len16 type8 bytes` (type 1), or a big
//! item `pad16 type8 pad8 pgno32 len32` (type 3, in overflow pages) or an off-page
//! duplicate tree (type 2) whose leaves (type 12) hold one data item per entry. A type
//! byte with bit 0x80 marks a deleted item. Keys sort bytewise, shorter first.
//!
//! # Errors
//! A wrong magic number, a bad page type, a tree deeper than the file has pages or a
//! looping leaf chain is [`MapError::Corrupt`].

use super::bdb::{get_u16, get_u32, PageFile, PageHeader, BTREE_MAGIC, P_BTREEMETA};
use super::{Map, MapError};
use std::cmp::Ordering;
use std::path::Path;

/// Page type: internal btree page.
pub const P_IBTREE: u8 = 3;
/// Page type: internal page of a record-number tree (unsorted off-page duplicates).
pub const P_IRECNO: u8 = 4;
/// Page type: btree leaf page.
pub const P_LBTREE: u8 = 5;
/// Page type: leaf of an off-page duplicate tree.
pub const P_LDUP: u8 = 12;
/// Item type: bytes on the page.
pub const B_KEYDATA: u8 = 1;
/// Item type: an off-page duplicate tree.
pub const B_DUPLICATE: u8 = 2;
/// Item type: a big item in an overflow chain.
pub const B_OVERFLOW: u8 = 3;
/// Flag on an item type: the item is deleted.
const B_DELETE: u8 = 0x80;

/// An open btree database.
#[derive(Debug)]
pub struct BtreeMap {
    pf: PageFile,
    root: u32,
}

impl BtreeMap {
    /// Opens the btree database file at `path` (the full name, with `.db`).
    pub fn open(path: &Path) -> Result<BtreeMap, MapError> {
        let (pf, meta) = PageFile::open(path, BTREE_MAGIC)?;
        let version = get_u32(&meta, 16, pf.swapped).unwrap_or(0);
        if !(8..=10).contains(&version) || meta[25] != P_BTREEMETA {
            return Err(pf.corrupt(format!("unsupported btree version {version}")));
        }
        let root = get_u32(&meta, 88, pf.swapped).unwrap_or(0);
        Ok(BtreeMap { pf, root })
    }
}

/// One item of a btree page, decoded.
enum Item<'p> {
    Bytes(&'p [u8]),
    Big(u32, u32),
    Dups(u32),
}

/// Decodes item `i` of a btree page; `internal` items carry a child page number.
fn item<'p>(pf: &PageFile, page: &'p [u8], i: usize, internal: bool) -> Result<Item<'p>, MapError> {
    let s = pf.swapped;
    let bad = || pf.corrupt(format!("bad btree item {i}"));
    let off = get_u16(page, 26 + 2 * i, s).ok_or_else(bad)? as usize;
    let len = get_u16(page, off, s).ok_or_else(bad)? as usize;
    let ty = *page.get(off + 2).ok_or_else(bad)? & !B_DELETE;
    let head = if internal { 12 } else { 3 };
    match ty {
        B_KEYDATA => page.get(off + head..off + head + len).map(Item::Bytes).ok_or_else(bad),
        B_OVERFLOW | B_DUPLICATE => {
            let at = if internal { off + 12 } else { off };
            let pgno = get_u32(page, at + 4, s).ok_or_else(bad)?;
            let tlen = get_u32(page, at + 8, s).ok_or_else(bad)?;
            Ok(if ty == B_OVERFLOW { Item::Big(pgno, tlen) } else { Item::Dups(pgno) })
        }
        _ => Err(bad()),
    }
}

/// The bytes of an item, reading overflow chains.
fn bytes(pf: &PageFile, it: &Item) -> Result<Vec<u8>, MapError> {
    match *it {
        Item::Bytes(b) => Ok(b.to_vec()),
        Item::Big(pgno, len) => pf.read_overflow(pgno, len),
        Item::Dups(_) => Err(pf.corrupt("duplicate tree where a key was expected")),
    }
}

/// The child page of internal entry `i`.
fn child(pf: &PageFile, page: &[u8], i: usize) -> Result<u32, MapError> {
    let off = get_u16(page, 26 + 2 * i, pf.swapped).unwrap_or(0) as usize;
    get_u32(page, off + 4, pf.swapped).ok_or_else(|| pf.corrupt("bad internal item"))
}

/// Reads `pgno`, checking it is a btree page of one of `types`.
fn tree_page(pf: &PageFile, pgno: u32, types: &[u8]) -> Result<(Vec<u8>, PageHeader), MapError> {
    let page = pf.read(pgno)?;
    let h = pf.header(&page);
    if !types.contains(&h.ptype) || 26 + 2 * h.entries as usize > pf.pagesize {
        return Err(pf.corrupt(format!("page {pgno}: unexpected page type {}", h.ptype)));
    }
    Ok((page, h))
}

/// Descends from `root` to the leaf where `key` would be (leftmost when `None`).
fn descend(pf: &PageFile, root: u32, key: Option<&[u8]>) -> Result<u32, MapError> {
    let mut pgno = root;
    for _ in 0..pf.npages {
        let (page, h) = tree_page(pf, pgno, &[P_IBTREE, P_IRECNO, P_LBTREE, P_LDUP])?;
        if h.ptype == P_IRECNO && h.entries > 0 {
            let off = get_u16(&page, 26, pf.swapped).unwrap_or(0) as usize;
            pgno = get_u32(&page, off, pf.swapped).ok_or_else(|| pf.corrupt("bad recno item"))?;
            continue;
        }
        if h.ptype != P_IBTREE {
            return Ok(pgno);
        }
        let n = h.entries as usize;
        if n == 0 {
            return Err(pf.corrupt(format!("page {pgno}: empty internal page")));
        }
        let mut at = 0;
        if let Some(key) = key {
            for i in 1..n {
                let k = bytes(pf, &item(pf, &page, i, true)?)?;
                if compare(&k, key) == Ordering::Greater {
                    break;
                }
                at = i;
            }
        }
        pgno = child(pf, &page, at)?;
    }
    Err(pf.corrupt("btree deeper than the file"))
}

/// Berkeley DB's default key order: bytewise, a prefix first.
pub fn compare(a: &[u8], b: &[u8]) -> Ordering {
    a.cmp(b)
}

/// Calls `f` with each leaf page from `first` rightwards until it returns `true`.
fn leaves(
    pf: &PageFile,
    first: u32,
    ty: u8,
    mut f: impl FnMut(&[u8], usize) -> Result<bool, MapError>,
) -> Result<(), MapError> {
    let mut pgno = first;
    let mut hops = 0;
    while pgno != 0 {
        hops += 1;
        if hops > pf.npages {
            return Err(pf.corrupt("loop in btree leaf chain"));
        }
        let (page, h) = tree_page(pf, pgno, &[ty])?;
        if f(&page, h.entries as usize)? {
            return Ok(());
        }
        pgno = h.next;
    }
    Ok(())
}

/// The values of an off-page duplicate tree rooted at `root`.
pub fn offpage_dups(pf: &PageFile, root: u32) -> Result<Vec<Vec<u8>>, MapError> {
    let first = descend(pf, root, None)?;
    let mut out = Vec::new();
    leaves(pf, first, P_LDUP, |page, n| {
        for i in 0..n {
            out.push(bytes(pf, &item(pf, page, i, false)?)?);
        }
        Ok(false)
    })?;
    Ok(out)
}

impl BtreeMap {
    /// Appends the values of the data item `i` of a leaf to `out`.
    fn values(&self, page: &[u8], i: usize, out: &mut Vec<Vec<u8>>) -> Result<(), MapError> {
        match item(&self.pf, page, i, false)? {
            Item::Dups(root) => out.extend(offpage_dups(&self.pf, root)?),
            it => out.push(bytes(&self.pf, &it)?),
        }
        Ok(())
    }

    /// Every value stored under `key`, in stored order.
    pub fn get_all(&self, key: &[u8]) -> Result<Vec<Vec<u8>>, MapError> {
        if self.root == 0 {
            return Ok(Vec::new());
        }
        let first = descend(&self.pf, self.root, Some(key))?;
        let mut out = Vec::new();
        leaves(&self.pf, first, P_LBTREE, |page, n| {
            for i in (0..n.saturating_sub(1)).step_by(2) {
                let k = bytes(&self.pf, &item(&self.pf, page, i, false)?)?;
                match compare(&k, key) {
                    Ordering::Less => {}
                    Ordering::Equal => self.values(page, i + 1, &mut out)?,
                    Ordering::Greater => return Ok(true),
                }
            }
            Ok(false)
        })?;
        Ok(out)
    }
}

impl Map for BtreeMap {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
        Ok(self.get_all(key)?.into_iter().next())
    }

    fn entries(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, MapError> {
        let mut out = Vec::new();
        if self.root == 0 {
            return Ok(out);
        }
        let first = descend(&self.pf, self.root, None)?;
        leaves(&self.pf, first, P_LBTREE, |page, n| {
            for i in (0..n.saturating_sub(1)).step_by(2) {
                let k = bytes(&self.pf, &item(&self.pf, page, i, false)?)?;
                let mut vals = Vec::new();
                self.values(page, i + 1, &mut vals)?;
                out.extend(vals.into_iter().map(|v| (k.clone(), v)));
            }
            Ok(false)
        })?;
        Ok(out)
    }
}
