//! Hostile map files: thousands of truncated and mutated copies of real Berkeley DB
//! files must give a `MapError` or some entries, never a panic or a hang.

mod common;

use common::fixture;
use spool::maps::{self, MapType};
use testkit::rng::XorShift64;

fn exercise(kind: MapType, bytes: &[u8], dir: &std::path::Path) {
    let name = dir.join("m");
    std::fs::write(name.with_extension("db"), bytes).unwrap();
    if let Ok(map) = maps::open(kind, &name) {
        let _ = map.entries();
        for key in [&b"connect:127.0.0.1"[..], b"postmaster\0", b"k1", b""] {
            let _ = map.get(key);
        }
    }
}

fn mutate_file(kind: MapType, file: &str, rounds: usize, seed: u64) {
    let original = std::fs::read(fixture(file)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut rng = XorShift64::new(seed);
    for round in 0..rounds {
        let mut bytes = original.clone();
        match round % 4 {
            0 => bytes.truncate(rng.next() as usize % bytes.len()),
            1 => {
                for _ in 0..1 + rng.next() % 8 {
                    let at = rng.next() as usize % bytes.len();
                    bytes[at] = rng.next() as u8;
                }
            }
            2 => {
                // Hit the page headers and index arrays, where the structure lives.
                let page = rng.next() as usize % (bytes.len() / 4096);
                let at = page * 4096 + rng.next() as usize % 64;
                bytes[at] = rng.next() as u8;
            }
            _ => {
                let at = rng.next() as usize % (bytes.len() - 4);
                bytes[at..at + 4].copy_from_slice(&(rng.next() as u32).to_le_bytes());
            }
        }
        exercise(kind, &bytes, dir.path());
    }
}

#[test]
fn mutated_hash_files_never_panic() {
    mutate_file(MapType::Hash, "access.db", 3000, 1);
    mutate_file(MapType::Hash, "aliases.db", 1000, 2);
    mutate_file(MapType::Hash, "overflow-hash.db", 300, 3);
}

#[test]
fn mutated_btree_files_never_panic() {
    mutate_file(MapType::Btree, "overflow-btree.db", 300, 4);
    mutate_file(MapType::Btree, "keys10k-btree.db", 100, 5);
}

#[test]
fn wrong_magic_and_truncation_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("m");
    std::fs::write(name.with_extension("db"), b"short").unwrap();
    let err = maps::open(MapType::Hash, &name).err().expect("an error").to_string();
    assert!(err.contains("too short"), "{err}");
    std::fs::copy(fixture("keys10k-btree.db"), name.with_extension("db")).unwrap();
    let err = maps::open(MapType::Hash, &name).err().expect("an error").to_string();
    assert!(err.contains("btree"), "{err}");
}

#[test]
fn a_looping_bucket_chain_is_reported() {
    let mut bytes = std::fs::read(fixture("access.db")).unwrap();
    // Page 1 (bucket 0) links to itself.
    bytes[4096 + 16..4096 + 20].copy_from_slice(&1u32.to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("m");
    std::fs::write(name.with_extension("db"), &bytes).unwrap();
    let map = maps::open(MapType::Hash, &name).unwrap();
    let err = map.entries().unwrap_err().to_string();
    assert!(err.contains("loop"), "{err}");
}
