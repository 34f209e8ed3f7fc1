//! Building a Berkeley DB 5.3 hash database in memory, exactly as the library would.
//!
//! A reader walks buckets in order, the pages of each bucket in chain order and the
//! pairs of each page in index order, so the order `makemap -u` and `db5.3_dump` print
//! depends on how Berkeley DB filled the pages. This builder replays Berkeley DB's
//! insertion algorithm on a logical model (buckets of pages of sorted pairs, with the
//! library's exact space accounting), so a map built here dumps identically to one
//! built by the real makemap from the same input:
//!
//! * start with two buckets and the meta `nelem` given at creation (makemap: 4096);
//!   every new key adds one to `nelem`; the fill factor is 0 (dynamic);
//! * a pair goes to the first page of its bucket with more free bytes than it needs,
//!   else the first page from there with at least as many, else a new page at the end
//!   of the chain, and a new page makes the table grow by one bucket: the bucket
//!   `new & low_mask` is split, its pairs visited page by page and appended to the
//!   old or the new chain by their hash under the new masks;
//! * pairs on a page are kept sorted (bytewise, but a prefix after the keys it starts);
//!   a key or value over a
//!   quarter page goes to overflow pages and takes a 12-byte reference on the page;
//! * a replaced value that no longer fits its page is deleted and added again.
//!
//! [`HashBuilder::write`] lays the result out as a file: meta page, bucket pages
//! `1..=high_mask + 1` (bucket `b` at page `b + 1`, unused buckets of the last
//! doubling as zero pages, as Berkeley DB leaves them), chained pages, then the
//! overflow pages of big items.
//!
//! # Errors
//! A duplicate set too big to stay on its page (Berkeley DB would move it to an
//! off-page tree, which this builder does not write) is [`BuildError::DupSetTooBig`].

use super::bdb::PAGE_HEADER;
use super::hash::{hash_key, CHARKEY, H_DUPLICATE, H_KEYDATA, H_OFFPAGE, P_HASH};
use std::io::{self, Write};

/// What to do when a key is inserted a second time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Duplicates {
    /// Keep the first value (makemap's default; the caller reports the duplicate).
    #[default]
    KeepFirst,
    /// Replace the value (`makemap -r`).
    Replace,
    /// Store every value under the key (`makemap -d`).
    Allow,
}

/// A failure building a hash database in memory.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The values of one key outgrew a quarter page.
    #[error("too many or too long duplicate values for one key")]
    DupSetTooBig,
}

/// One key/data pair as stored.
#[derive(Debug)]
struct Pair {
    hash: u32,
    key: Vec<u8>,
    /// One value, or a duplicate set when `dups` is set.
    data: Vec<Vec<u8>>,
    dups: bool,
}

/// A page of a bucket chain: sorted pairs and the bytes they use (items + index).
#[derive(Debug, Default)]
struct Page {
    pairs: Vec<Pair>,
    used: usize,
}

/// A hash database being built.
#[derive(Debug)]
pub struct HashBuilder {
    pagesize: usize,
    buckets: Vec<Vec<Page>>,
    max_bucket: u32,
    high_mask: u32,
    low_mask: u32,
    nelem: u32,
    has_dups: bool,
}

impl HashBuilder {
    /// An empty database with makemap's parameters: 4 KiB pages, `nelem` hint.
    pub fn new(pagesize: usize, nelem: u32) -> HashBuilder {
        HashBuilder {
            pagesize,
            buckets: vec![vec![Page::default()], vec![Page::default()]],
            max_bucket: 1,
            high_mask: 1,
            low_mask: 0,
            nelem,
            has_dups: false,
        }
    }

    /// On-page bytes (item plus its index entry) of an item of `len` bytes.
    fn item_size(&self, len: usize) -> usize {
        if len > self.pagesize / 4 {
            12 + 2
        } else {
            len + 1 + 2
        }
    }

    /// On-page bytes of a pair.
    fn pair_size(&self, p: &Pair) -> usize {
        self.item_size(p.key.len()) + self.item_size(data_len(p))
    }

    fn free(&self, page: &Page) -> usize {
        self.pagesize - PAGE_HEADER - page.used
    }

    fn bucket_of(&self, hash: u32) -> usize {
        let b = hash & self.high_mask;
        (if b > self.max_bucket { b & self.low_mask } else { b }) as usize
    }

    /// Inserts `key` -> `value`; returns `false` if the key was already there.
    pub fn insert(
        &mut self,
        key: &[u8],
        value: &[u8],
        dup: Duplicates,
    ) -> Result<bool, BuildError> {
        let hash = hash_key(key);
        let bucket = self.bucket_of(hash);
        let pair = Pair { hash, key: key.to_vec(), data: vec![value.to_vec()], dups: false };
        let need = self.pair_size(&pair);
        let mut seek = None;
        for (pi, page) in self.buckets[bucket].iter().enumerate() {
            if seek.is_none() && need < self.free(page) {
                seek = Some(pi);
            }
            // Comparing stored hashes first is cheaper than a binary search by key.
            if let Some(at) = page.pairs.iter().position(|p| p.hash == hash && p.key == key) {
                return self.update(bucket, pi, at, value, dup).map(|()| false);
            }
        }
        let start = seek.unwrap_or(self.buckets[bucket].len() - 1);
        self.add(bucket, start, pair);
        self.nelem = self.nelem.wrapping_add(1);
        Ok(true)
    }

    /// Adds a pair to `bucket`, starting the search for room at page `start`
    /// (`__ham_add_el`); grows the table if a page had to be added.
    fn add(&mut self, bucket: usize, start: usize, pair: Pair) {
        let need = self.pair_size(&pair);
        let chain_len = self.buckets[bucket].len();
        let mut pi = start;
        while pi + 1 < chain_len {
            let page = &self.buckets[bucket][pi];
            if page.pairs.is_empty() || self.free(page) >= need {
                break;
            }
            pi += 1;
        }
        let mut expand = false;
        if self.free(&self.buckets[bucket][pi]) < need {
            self.buckets[bucket].push(Page::default());
            pi = self.buckets[bucket].len() - 1;
            expand = true;
        }
        put_sorted(&mut self.buckets[bucket][pi], pair, need);
        if expand {
            self.expand();
        }
    }

    /// Handles a key that is already stored, by the duplicate policy.
    fn update(
        &mut self,
        bucket: usize,
        pi: usize,
        at: usize,
        value: &[u8],
        dup: Duplicates,
    ) -> Result<(), BuildError> {
        let page = &self.buckets[bucket][pi];
        let old = &page.pairs[at];
        let mut data = old.data.clone();
        let dups = match dup {
            Duplicates::KeepFirst => return Ok(()),
            Duplicates::Replace => {
                data = vec![value.to_vec()];
                old.dups
            }
            Duplicates::Allow => {
                data.push(value.to_vec());
                self.has_dups = true;
                true
            }
        };
        let new = Pair { hash: old.hash, key: old.key.clone(), data, dups };
        let quarter = self.pagesize / 4;
        if dups && data_len(&new) > quarter {
            return Err(BuildError::DupSetTooBig);
        }
        let is_big = |p: &Pair| !p.dups && p.data[0].len() > quarter;
        let (old_size, new_size) = (self.pair_size(old), self.pair_size(&new));
        let in_place = !is_big(old) && !is_big(&new) && new_size <= old_size + self.free(page);
        let page = &mut self.buckets[bucket][pi];
        if in_place {
            page.used = page.used + new_size - old_size;
            page.pairs[at] = new;
        } else {
            page.pairs.remove(at);
            page.used -= old_size;
            self.add(bucket, pi, new);
        }
        Ok(())
    }

    /// Adds one bucket, splitting bucket `new & low_mask` (`__ham_expand_table`).
    fn expand(&mut self) {
        let new_bucket = self.max_bucket + 1;
        let old_bucket = (new_bucket & self.low_mask) as usize;
        if self.max_bucket == self.high_mask {
            self.low_mask = self.high_mask;
            self.high_mask = new_bucket | self.low_mask;
        }
        self.max_bucket = new_bucket;
        let pages = std::mem::replace(&mut self.buckets[old_bucket], vec![Page::default()]);
        self.buckets.push(vec![Page::default()]);
        for pair in pages.into_iter().flat_map(|p| p.pairs) {
            let target = self.bucket_of(pair.hash);
            let need = self.pair_size(&pair);
            let last = self.buckets[target].len() - 1;
            if self.free(&self.buckets[target][last]) < need {
                self.buckets[target].push(Page::default());
            }
            let chain = &mut self.buckets[target];
            let last = chain.len() - 1;
            put_sorted(&mut chain[last], pair, need);
        }
    }

    /// Writes the database file to `out`; `uid` is the 20-byte file id.
    pub fn write(&self, out: &mut impl Write, uid: [u8; 20]) -> io::Result<()> {
        let ps = self.pagesize;
        let nbucket_pages = self.high_mask as usize + 1;
        let extra: Vec<usize> = self.buckets.iter().map(|c| c.len() - 1).collect();
        let extra_base = 1 + nbucket_pages as u32;
        let mut chain_start = Vec::with_capacity(extra.len());
        let mut n = extra_base;
        for e in &extra {
            chain_start.push(n);
            n += *e as u32;
        }
        let mut big = BigItems { next: n, room: ps - PAGE_HEADER, items: Vec::new() };
        out.write_all(&self.meta(self.page_count(), uid))?;
        let mut pages_out = Vec::new();
        for (b, chain) in self.buckets.iter().enumerate() {
            let pgno = |i: usize| if i == 0 { b as u32 + 1 } else { chain_start[b] + i as u32 - 1 };
            for (i, page) in chain.iter().enumerate() {
                let prev = if i == 0 { 0 } else { pgno(i - 1) };
                let next = if i + 1 < chain.len() { pgno(i + 1) } else { 0 };
                let bytes = self.page_bytes(page, [pgno(i), prev, next], &mut big);
                if i == 0 {
                    out.write_all(&bytes)?; // bucket pages are written in bucket order
                } else {
                    pages_out.push(bytes);
                }
            }
        }
        for _ in self.buckets.len()..nbucket_pages {
            out.write_all(&vec![0u8; ps])?;
        }
        for p in pages_out {
            out.write_all(&p)?;
        }
        big.write(out, ps)?;
        Ok(())
    }

    /// The meta page for a file of `npages` pages.
    pub fn meta(&self, npages: u32, uid: [u8; 20]) -> Vec<u8> {
        let mut m = vec![0u8; self.pagesize];
        let mut put = |off: usize, v: u32| m[off..off + 4].copy_from_slice(&v.to_le_bytes());
        put(4, 1); // LSN (0, 1): not logged
        put(12, super::bdb::HASH_MAGIC);
        put(16, 9);
        put(20, self.pagesize as u32);
        put(32, npages - 1);
        put(48, u32::from(self.has_dups));
        put(72, self.max_bucket);
        put(76, self.high_mask);
        put(80, self.low_mask);
        put(88, self.nelem);
        put(92, hash_key(CHARKEY));
        for i in 0..=super::bdb::log2_ceil(self.high_mask + 1) as usize {
            put(96 + 4 * i, 1);
        }
        m[25] = super::bdb::P_HASHMETA;
        m[52..72].copy_from_slice(&uid);
        m
    }

    /// Pages the file will have (for the meta page, written first).
    pub fn page_count(&self) -> u32 {
        let chained: usize = self.buckets.iter().map(|c| c.len() - 1).sum();
        let room = self.pagesize - PAGE_HEADER;
        let quarter = self.pagesize / 4;
        let mut over = 0usize;
        for pair in self.buckets.iter().flatten().flat_map(|p| &p.pairs) {
            for len in [pair.key.len(), data_len(pair)] {
                if len > quarter {
                    over += len.div_ceil(room);
                }
            }
        }
        (1 + self.high_mask as usize + 1 + chained + over) as u32
    }

    /// Serialises one bucket page; `links` = [pgno, prev, next].
    fn page_bytes(&self, page: &Page, links: [u32; 3], big: &mut BigItems) -> Vec<u8> {
        let ps = self.pagesize;
        let mut buf = vec![0u8; ps];
        let mut top = ps;
        let mut index = Vec::with_capacity(page.pairs.len() * 2);
        for pair in &page.pairs {
            for item in [self.key_item(&pair.key, big), self.data_item(pair, big)] {
                top -= item.len();
                buf[top..top + item.len()].copy_from_slice(&item);
                index.push(top as u16);
            }
        }
        header(&mut buf, links, index.len() as u16, top as u16, P_HASH);
        for (i, off) in index.iter().enumerate() {
            buf[PAGE_HEADER + 2 * i..PAGE_HEADER + 2 * i + 2].copy_from_slice(&off.to_le_bytes());
        }
        buf
    }

    fn key_item(&self, key: &[u8], big: &mut BigItems) -> Vec<u8> {
        if key.len() > self.pagesize / 4 {
            big.reference(key.to_vec())
        } else {
            [&[H_KEYDATA][..], key].concat()
        }
    }

    fn data_item(&self, pair: &Pair, big: &mut BigItems) -> Vec<u8> {
        if pair.dups {
            let mut item = vec![H_DUPLICATE];
            for d in &pair.data {
                let len = (d.len() as u16).to_le_bytes();
                item.extend_from_slice(&len);
                item.extend_from_slice(d);
                item.extend_from_slice(&len);
            }
            item
        } else if pair.data[0].len() > self.pagesize / 4 {
            big.reference(pair.data[0].clone())
        } else {
            [&[H_KEYDATA][..], &pair.data[0]].concat()
        }
    }
}

/// Bytes of a pair's data as stored (a duplicate set with its length words).
fn data_len(pair: &Pair) -> usize {
    if pair.dups {
        pair.data.iter().map(|d| d.len() + 4).sum::<usize>()
    } else {
        pair.data[0].len()
    }
}

/// The order of keys on a sorted hash page: bytewise, but a key sorts *after* the
/// longer keys it is a prefix of (`__ham_getindex_sorted` breaks ties that way).
fn page_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    a[..n].cmp(&b[..n]).then(b.len().cmp(&a.len()))
}

/// Inserts `pair` into `page` at its sorted position.
fn put_sorted(page: &mut Page, pair: Pair, size: usize) {
    let at = page.pairs.partition_point(|p| page_order(&p.key, &pair.key).is_lt());
    page.pairs.insert(at, pair);
    page.used += size;
}

/// Fills in a page header.
pub fn header(buf: &mut [u8], links: [u32; 3], entries: u16, hf_offset: u16, ptype: u8) {
    buf[4..8].copy_from_slice(&1u32.to_le_bytes());
    buf[8..12].copy_from_slice(&links[0].to_le_bytes());
    buf[12..16].copy_from_slice(&links[1].to_le_bytes());
    buf[16..20].copy_from_slice(&links[2].to_le_bytes());
    buf[20..22].copy_from_slice(&entries.to_le_bytes());
    buf[22..24].copy_from_slice(&hf_offset.to_le_bytes());
    buf[25] = ptype;
}

/// Big items waiting to be written to overflow pages after the bucket pages.
struct BigItems {
    next: u32,
    room: usize,
    items: Vec<(u32, Vec<u8>)>,
}

impl BigItems {
    /// Reserves overflow pages for `bytes` and returns the on-page reference item.
    fn reference(&mut self, bytes: Vec<u8>) -> Vec<u8> {
        let pgno = self.next;
        self.next += bytes.len().div_ceil(self.room) as u32;
        let mut item = vec![H_OFFPAGE, 0, 0, 0];
        item.extend_from_slice(&pgno.to_le_bytes());
        item.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        self.items.push((pgno, bytes));
        item
    }

    /// Writes every reserved overflow chain, in page order.
    fn write(&self, out: &mut impl Write, ps: usize) -> io::Result<()> {
        for (first, bytes) in &self.items {
            let chunks: Vec<&[u8]> = bytes.chunks(self.room).collect();
            for (i, chunk) in chunks.iter().enumerate() {
                let pgno = first + i as u32;
                let prev = if i == 0 { 0 } else { pgno - 1 };
                let next = if i + 1 < chunks.len() { pgno + 1 } else { 0 };
                let mut buf = vec![0u8; ps];
                header(&mut buf, [pgno, prev, next], 1, chunk.len() as u16, super::bdb::P_OVERFLOW);
                buf[PAGE_HEADER..PAGE_HEADER + chunk.len()].copy_from_slice(chunk);
                out.write_all(&buf)?;
            }
        }
        Ok(())
    }
}
