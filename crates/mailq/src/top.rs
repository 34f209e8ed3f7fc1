//! `mailq --top N` and `--top-domains N`: the most frequent recipients or domains.
//!
//! The answer of the classic pipeline
//! `mailq | sed -n '5~3p' | sort | uniq -c | sort -nr | head`, without its pitfalls
//! (it assumes one recipient per message): every recipient of every listed job counts
//! once, `<>` around the address are dropped, domains are compared in lower case.
//! Printed like `uniq -c`: the count right-aligned in 7 columns, a space, the value;
//! highest count first, ties in byte order.

use crate::scan::Entry;
use spool::qf::envelope::split_recipient;
use std::collections::HashMap;
use std::io::{self, Write};

/// What to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// Whole recipient addresses.
    Recipient,
    /// The part after the last `@` (lower case); local addresses count as themselves.
    Domain,
}

/// Counts over every entry of every queue listed.
#[derive(Debug, Default)]
pub struct Tally {
    counts: HashMap<Vec<u8>, usize>,
}

impl Tally {
    /// Counts the recipients of `entry`.
    pub fn add(&mut self, entry: &Entry, key: Key) {
        for (_, value) in entry.records().filter(|(l, _)| *l == b'R') {
            let address = split_recipient(value).1;
            let bare =
                address.strip_prefix(b"<").and_then(|a| a.strip_suffix(b">")).unwrap_or(&address);
            let counted = match key {
                Key::Recipient => bare.to_vec(),
                Key::Domain => match bare.iter().rposition(|&b| b == b'@') {
                    Some(at) => bare[at + 1..].to_ascii_lowercase(),
                    None => bare.to_vec(),
                },
            };
            *self.counts.entry(counted).or_default() += 1;
        }
    }

    /// Prints the `n` highest counts.
    pub fn print(&self, out: &mut dyn Write, n: usize) -> io::Result<()> {
        let mut rows: Vec<(&Vec<u8>, &usize)> = self.counts.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
        for (value, count) in rows.into_iter().take(n) {
            write!(out, "{count:7} ")?;
            out.write_all(value)?;
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}
