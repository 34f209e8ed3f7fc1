//! Writing a Berkeley DB 5.3 btree database (see [`super::btree`] for the format).
//!
//! Entries are kept sorted in memory and bulk-loaded: leaves are filled left to right
//! and linked, then each internal level holds one entry per child (the first with an
//! empty key, the others with their child's first key) until one page, the root, is
//! left. The root is page 1, as in a file Berkeley DB builds; leaves follow, then the
//! internal levels, then the overflow pages of items over 1000 bytes. A key with
//! several values (`makemap -d`) is stored once per leaf with one index entry pair
//! per value, as Berkeley DB stores on-page duplicates.

use super::bdb::{BTREE_MAGIC, PAGE_HEADER, P_BTREEMETA, P_OVERFLOW};
use super::btree::{B_KEYDATA, B_OVERFLOW, P_IBTREE, P_LBTREE};
use super::hash_build::{header, Duplicates};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Items longer than this go to overflow pages.
const BIG: usize = 1000;

/// A btree database being built.
#[derive(Debug)]
pub struct BtreeBuilder {
    pagesize: usize,
    entries: BTreeMap<Vec<u8>, Vec<Vec<u8>>>,
    dups: bool,
}

/// One page of the tree: leaf entries (key, value) or internal (child, key).
enum Node<'a> {
    Leaf(Vec<(&'a [u8], &'a [u8])>),
    Internal(u8, Vec<(usize, &'a [u8])>),
}

fn align4(n: usize) -> usize {
    (n + 3) & !3
}

fn leaf_item(len: usize) -> usize {
    if len > BIG {
        12 + 2
    } else {
        align4(3 + len) + 2
    }
}

fn internal_item(len: usize) -> usize {
    align4(12 + if len > BIG { 12 } else { len }) + 2
}

impl BtreeBuilder {
    /// An empty database with `pagesize`-byte pages.
    pub fn new(pagesize: usize) -> BtreeBuilder {
        BtreeBuilder { pagesize, entries: BTreeMap::new(), dups: false }
    }

    /// Inserts `key` -> `value`; returns `false` if the key was already there.
    pub fn insert(&mut self, key: Vec<u8>, value: Vec<u8>, dup: Duplicates) -> bool {
        match self.entries.entry(key) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(vec![value]);
                true
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                match dup {
                    Duplicates::KeepFirst => {}
                    Duplicates::Replace => *o.get_mut() = vec![value],
                    Duplicates::Allow => {
                        o.get_mut().push(value);
                        self.dups = true;
                    }
                }
                false
            }
        }
    }

    /// Fills leaf pages left to right.
    fn leaves(&self) -> Vec<Node<'_>> {
        let room = self.pagesize - PAGE_HEADER;
        let mut pages = vec![];
        let mut cur: Vec<(&[u8], &[u8])> = vec![];
        let mut used = 0;
        for (k, vals) in &self.entries {
            for v in vals {
                let same_key = cur.last().is_some_and(|(pk, _)| *pk == k.as_slice());
                let key_cost = if same_key { 2 } else { leaf_item(k.len()) };
                let need = key_cost + leaf_item(v.len());
                if used + need > room && !cur.is_empty() {
                    pages.push(Node::Leaf(std::mem::take(&mut cur)));
                    used = 0;
                }
                used += if cur.is_empty() { leaf_item(k.len()) + leaf_item(v.len()) } else { need };
                cur.push((k, v));
            }
        }
        pages.push(Node::Leaf(cur));
        pages
    }

    /// Builds the internal levels over `nodes[first..]` until one root is left.
    fn internal_levels<'a>(&self, nodes: &mut Vec<Node<'a>>) -> usize {
        let room = self.pagesize - PAGE_HEADER;
        let (mut first, mut level) = (0, 2u8);
        while nodes.len() - first > 1 {
            let end = nodes.len();
            let mut cur: Vec<(usize, &'a [u8])> = vec![];
            let mut used = 0;
            for child in first..end {
                let key = first_key(&nodes[child], nodes);
                let need = internal_item(if cur.is_empty() { 0 } else { key.len() });
                if used + need > room && cur.len() >= 2 {
                    nodes.push(Node::Internal(level, std::mem::take(&mut cur)));
                    used = 0;
                }
                used += if cur.is_empty() { internal_item(0) } else { need };
                cur.push((child, key));
            }
            nodes.push(Node::Internal(level, cur));
            first = end;
            level += 1;
        }
        nodes.len() - 1
    }

    /// Writes the database file to `out`; `uid` is the 20-byte file id.
    pub fn write(&self, out: &mut impl Write, uid: [u8; 20]) -> io::Result<()> {
        let mut nodes = self.leaves();
        let nleaves = nodes.len();
        let root = self.internal_levels(&mut nodes);
        // Page numbers: the root is page 1, then every other node in build order.
        let pgno: Vec<u32> = (0..nodes.len())
            .map(|i| match i.cmp(&root) {
                std::cmp::Ordering::Equal => 1,
                std::cmp::Ordering::Less => i as u32 + 2,
                std::cmp::Ordering::Greater => i as u32 + 1,
            })
            .collect();
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by_key(|&i| pgno[i]);
        let mut big =
            Overflow { next: nodes.len() as u32 + 1, room: self.pagesize - 26, items: vec![] };
        let mut body = Vec::with_capacity(nodes.len());
        for &i in &order {
            let links = match nodes[i] {
                Node::Leaf(_) => {
                    let prev = if i > 0 { pgno[i - 1] } else { 0 };
                    let next = if i + 1 < nleaves { pgno[i + 1] } else { 0 };
                    [pgno[i], prev, next]
                }
                Node::Internal(..) => [pgno[i], 0, 0],
            };
            body.push(self.page(&nodes[i], links, &pgno, &mut big));
        }
        out.write_all(&self.meta(big.next, uid))?;
        for page in body {
            out.write_all(&page)?;
        }
        big.write(out, self.pagesize)
    }

    /// Serialises one tree page.
    fn page(&self, node: &Node, links: [u32; 3], pgno: &[u32], big: &mut Overflow) -> Vec<u8> {
        let mut buf = vec![0u8; self.pagesize];
        let mut top = self.pagesize;
        let mut index: Vec<u16> = vec![];
        let mut put = |item: Vec<u8>, buf: &mut Vec<u8>| {
            top -= align4(item.len());
            buf[top..top + item.len()].copy_from_slice(&item);
            top as u16
        };
        let (ptype, level) = match node {
            Node::Leaf(items) => {
                let mut key_at = None;
                for (i, (k, v)) in items.iter().enumerate() {
                    let shared = i > 0 && items[i - 1].0 == *k;
                    if !shared {
                        key_at = Some(put(leaf_bytes(k, big), &mut buf));
                    }
                    index.push(key_at.unwrap_or_default());
                    index.push(put(leaf_bytes(v, big), &mut buf));
                }
                (P_LBTREE, 1)
            }
            Node::Internal(level, items) => {
                for (i, (child, k)) in items.iter().enumerate() {
                    let key: &[u8] = if i == 0 { &[] } else { k };
                    index.push(put(internal_bytes(key, pgno[*child], big), &mut buf));
                }
                (P_IBTREE, *level)
            }
        };
        header(&mut buf, links, index.len() as u16, top as u16, ptype);
        buf[24] = level;
        for (i, off) in index.iter().enumerate() {
            buf[PAGE_HEADER + 2 * i..PAGE_HEADER + 2 * i + 2].copy_from_slice(&off.to_le_bytes());
        }
        buf
    }

    /// The meta page for a file of `npages` pages.
    fn meta(&self, npages: u32, uid: [u8; 20]) -> Vec<u8> {
        let mut m = vec![0u8; self.pagesize];
        let mut put = |off: usize, v: u32| m[off..off + 4].copy_from_slice(&v.to_le_bytes());
        put(4, 1);
        put(12, BTREE_MAGIC);
        put(16, 9);
        put(20, self.pagesize as u32);
        put(32, npages - 1);
        put(48, u32::from(self.dups));
        put(76, 2); // minkey
        put(84, u32::from(b' ')); // re_pad
        put(88, 1); // root
        m[25] = P_BTREEMETA;
        m[52..72].copy_from_slice(&uid);
        m
    }
}

/// The first key under a node.
fn first_key<'a>(node: &Node<'a>, nodes: &[Node<'a>]) -> &'a [u8] {
    match node {
        Node::Leaf(items) => items.first().map(|e| e.0).unwrap_or_default(),
        Node::Internal(_, items) => {
            items.first().map(|e| first_key(&nodes[e.0], nodes)).unwrap_or_default()
        }
    }
}

/// A leaf item: inline bytes or a reference to an overflow chain.
fn leaf_bytes(bytes: &[u8], big: &mut Overflow) -> Vec<u8> {
    if bytes.len() > BIG {
        return big.reference(bytes);
    }
    let mut item = (bytes.len() as u16).to_le_bytes().to_vec();
    item.push(B_KEYDATA);
    item.extend_from_slice(bytes);
    item
}

/// An internal item pointing at `child`.
fn internal_bytes(key: &[u8], child: u32, big: &mut Overflow) -> Vec<u8> {
    let (ty, data) =
        if key.len() > BIG { (B_OVERFLOW, big.reference(key)) } else { (B_KEYDATA, key.to_vec()) };
    let mut item = (data.len() as u16).to_le_bytes().to_vec();
    item.extend_from_slice(&[ty, 0]);
    item.extend_from_slice(&child.to_le_bytes());
    item.extend_from_slice(&0u32.to_le_bytes());
    item.extend_from_slice(&data);
    item
}

/// Big items waiting to be written to overflow pages after the tree pages.
struct Overflow {
    next: u32,
    room: usize,
    items: Vec<(u32, Vec<u8>)>,
}

impl Overflow {
    /// Reserves pages for `bytes`; returns the 12-byte overflow reference.
    fn reference(&mut self, bytes: &[u8]) -> Vec<u8> {
        let pgno = self.next;
        self.next += bytes.len().div_ceil(self.room) as u32;
        self.items.push((pgno, bytes.to_vec()));
        let mut item = vec![0, 0, B_OVERFLOW, 0];
        item.extend_from_slice(&pgno.to_le_bytes());
        item.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        item
    }

    fn write(&self, out: &mut impl Write, ps: usize) -> io::Result<()> {
        for (first, bytes) in &self.items {
            let n = bytes.len().div_ceil(self.room);
            for (i, chunk) in bytes.chunks(self.room).enumerate() {
                let pgno = first + i as u32;
                let prev = if i == 0 { 0 } else { pgno - 1 };
                let next = if i + 1 < n { pgno + 1 } else { 0 };
                let mut buf = vec![0u8; ps];
                header(&mut buf, [pgno, prev, next], 1, chunk.len() as u16, P_OVERFLOW);
                buf[PAGE_HEADER..PAGE_HEADER + chunk.len()].copy_from_slice(chunk);
                out.write_all(&buf)?;
            }
        }
        Ok(())
    }
}
