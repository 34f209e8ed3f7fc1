//! Compatibility with the real sendmail makemap and Berkeley DB 5.3, both ways.
//!
//! Read direction (always runs, from committed fixtures made by the real makemap,
//! newaliases and db5.3_load): every entry, in Berkeley DB's own order.
//! Write direction (always runs): a map built by ferrymail from a fixture's source
//! holds the same entries in the same order as the real one, so `makemap -u` and
//! `db5.3_dump` print both alike. Live (where the oracle and db5.3-util are
//! installed): the real `makemap -u` and `db5.3_dump -p` print ferrymail's map exactly
//! as the real makemap's, for many inputs.

mod common;

use common::{fixture, oracle, output, real_makemap, run_oracle, run_ours};
use spool::maps::{self, Duplicates, KeyRules, MapType, WriteOptions};
use std::path::Path;
use testkit::dbdump;
use testkit::rng::XorShift64;

type Entries = Vec<(Vec<u8>, Vec<u8>)>;

fn read(kind: MapType, path: &Path) -> Entries {
    let name = path.with_extension("");
    maps::open(kind, &name).unwrap().entries().unwrap()
}

/// Builds a map with ferrymail's writer from `entries` (stored as given).
fn build(kind: MapType, dir: &Path, entries: &Entries, dup: Duplicates) -> Entries {
    let name = dir.join("built");
    let opts = WriteOptions { duplicates: dup, ..WriteOptions::default() };
    let mut w = maps::create(kind, &name, opts).unwrap();
    for (k, v) in entries {
        w.insert_stored(k.clone(), v.clone()).unwrap();
    }
    w.commit().unwrap();
    maps::open(kind, &name).unwrap().entries().unwrap()
}

/// The entries makemap stores for a source text (folded keys, first value wins).
fn source_entries(text: &str) -> Entries {
    let rules = KeyRules::default();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (k, v) = line.split_once(char::is_whitespace).unwrap();
        let key = rules.store_key(k.as_bytes());
        if seen.insert(key.clone()) {
            out.push((key, v.trim_start().as_bytes().to_vec()));
        }
    }
    out
}

#[test]
fn reads_the_lab_access_and_mailertable_as_the_real_makemap_dumps_them() {
    for m in ["access", "mailertable"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(fixture(&format!("{m}.db")), dir.path().join(format!("{m}.db"))).unwrap();
        let got = output(
            dir.path(),
            env!("CARGO_BIN_EXE_makemap"),
            &["-C", "/dev/null", "-u", "hash", m],
        );
        assert_eq!(got, std::fs::read_to_string(fixture(&format!("{m}.u"))).unwrap(), "{m}");
    }
}

#[test]
fn reads_newaliases_db_with_nul_terminated_keys() {
    let want = dbdump::entries(&std::fs::read_to_string(fixture("aliases.dump")).unwrap());
    let got = read(MapType::Hash, &fixture("aliases.db"));
    assert_eq!(got, want);
    let map = maps::open(MapType::Hash, &fixture("aliases")).unwrap();
    assert_eq!(maps::lookup(map.as_ref(), b"postmaster").unwrap(), Some(b"root".to_vec()));
    assert_eq!(maps::lookup(map.as_ref(), b"nosuch").unwrap(), None);
}

#[test]
fn reads_and_rebuilds_a_10k_key_hash_map_in_the_same_order() {
    let real = read(MapType::Hash, &fixture("keys10k-hash.db"));
    let source = source_entries(&std::fs::read_to_string(fixture("keys10k.txt")).unwrap());
    assert!(real.len() > 10_000);
    let mut sorted_real = real.clone();
    sorted_real.sort();
    let mut sorted_source = source.clone();
    sorted_source.sort();
    assert_eq!(sorted_real, sorted_source);
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(build(MapType::Hash, dir.path(), &source, Duplicates::KeepFirst), real);
}

#[test]
fn reads_a_10k_key_btree_map_in_key_order() {
    let real = read(MapType::Btree, &fixture("keys10k-btree.db"));
    let mut source = source_entries(&std::fs::read_to_string(fixture("keys10k.txt")).unwrap());
    source.sort();
    assert_eq!(real, source);
    let map = maps::open(MapType::Btree, &fixture("keys10k-btree")).unwrap();
    for (k, v) in source.iter().step_by(97) {
        assert_eq!(map.get(k).unwrap().as_ref(), Some(v));
    }
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(build(MapType::Btree, dir.path(), &source, Duplicates::KeepFirst), source);
}

#[test]
fn big_items_nul_keys_and_binary_values_both_ways() {
    let want = dbdump::entries(&std::fs::read_to_string(fixture("overflow.dump")).unwrap());
    for kind in [MapType::Hash, MapType::Btree] {
        let file = if kind == MapType::Hash { "overflow-hash.db" } else { "overflow-btree.db" };
        let got = read(kind, &fixture(file));
        let (mut a, mut b) = (got.clone(), want.clone());
        a.sort();
        b.sort();
        assert_eq!(a, b, "{file}");
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(build(kind, dir.path(), &want, Duplicates::KeepFirst), got, "{file} rebuilt");
    }
}

/// Live: the real makemap and db5.3_dump see no difference between the two builds.
fn live_compare(name: &str, input: &[u8], flags: &[&str]) {
    let Some(oracle) = oracle() else { return };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.txt");
    std::fs::write(&src, input).unwrap();
    let args = |m: &'static str| [flags, &["hash", m]].concat();
    let ours_rc = run_ours(dir.path(), &args("ours"), &src);
    let real_rc = run_oracle(&oracle, dir.path(), &args("real"), &src);
    assert_eq!(ours_rc, real_rc, "{name}: exit status");
    let dump = |m: &str| output(dir.path(), "db5.3_dump", &["-p", &format!("{m}.db")]);
    assert_eq!(dump("ours"), dump("real"), "{name}: db5.3_dump -p");
    let u = |m: &str| {
        let out = real_makemap(&oracle)
            .args(flags)
            .args(["-u", "hash", m])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{name}: real makemap -u {m}: {}\n{err}", out.status);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(u("ours"), u("real"), "{name}: real makemap -u");
    // oracle() made sure db5.3_verify is on PATH; output() fails unless it succeeds.
    output(dir.path(), "db5.3_verify", &["ours.db"]);
}

fn generated(n: usize, seed: u64, max_value: usize) -> Vec<u8> {
    let mut rng = XorShift64::new(seed);
    let mut next = move || rng.next();
    let mut out = Vec::new();
    for i in 0..n {
        let v = "v".repeat((next() % max_value as u64) as usize + 1);
        out.extend_from_slice(
            format!("Key{}.Example {} {v}\n", next() % 1_000_000_000, i).as_bytes(),
        );
    }
    out
}

#[test]
fn live_reference_inputs_and_flags() {
    let access = std::fs::read(fixture("access.txt")).unwrap();
    live_compare("access", &access, &[]);
    live_compare("access -N", &access, &["-N"]);
    live_compare("access -f", &access, &["-f"]);
    let dups = b"dup first\nother x\ndup second\nDUP third\n";
    live_compare("dups", dups, &[]);
    live_compare("dups -r", dups, &["-r"]);
    live_compare("dups -d", dups, &["-d"]);
    live_compare("empty", b"", &[]);
    live_compare("prefix keys", b"k1 a\nk10 b\nk100 c\nk2 d\nk 2\nk20 x\n", &[]);
}

#[test]
fn live_20k_keys_of_varied_length() {
    live_compare("20k", &generated(20_000, 42, 200), &[]);
    live_compare("20k -r", &generated(20_000, 7, 40), &["-r"]);
}

#[test]
fn live_100k_keys() {
    live_compare("100k", &generated(100_000, 99, 60), &[]);
}
