//! Round trips through every writer and reader: big and binary items, keys with NUL,
//! many keys, the duplicate policies, and the atomic-replace contract.

use super::{create, lookup, open, Duplicates, KeyRules, MapType, WriteOptions};
use std::path::Path;

fn raw() -> WriteOptions {
    WriteOptions {
        rules: KeyRules { fold_case: false, nul_terminated: false },
        ..WriteOptions::default()
    }
}

fn write(kind: MapType, name: &Path, opts: WriteOptions, entries: &[(Vec<u8>, Vec<u8>)]) {
    let mut w = create(kind, name, opts).unwrap();
    for (k, v) in entries {
        w.insert(k, v).unwrap();
    }
    w.commit().unwrap();
}

fn odd_entries() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut e = vec![
        (b"key\0with\0nuls".to_vec(), b"v".to_vec()),
        (b"binary".to_vec(), (0..=255u8).cycle().take(3000).collect()),
        (b"huge".to_vec(), vec![b'x'; 20_000]),
        (vec![b'K'; 5000], b"big key".to_vec()),
        (b"quarter".to_vec(), vec![b'q'; 1024]),
        (b"over-quarter".to_vec(), vec![b'q'; 1025]),
        (b"empty".to_vec(), Vec::new()),
    ];
    e.extend((0..500).map(|i| (format!("k{i}").into_bytes(), format!("value {i}").into_bytes())));
    e
}

#[test]
fn every_type_stores_big_binary_and_nul_items() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [MapType::Hash, MapType::Btree, MapType::Cdb] {
        let name = dir.path().join(format!("odd-{kind:?}"));
        let entries = odd_entries();
        write(kind, &name, raw(), &entries);
        let map = open(kind, &name).unwrap();
        for (k, v) in &entries {
            assert_eq!(
                map.get(k).unwrap().as_ref(),
                Some(v),
                "{kind:?} {:?}",
                &k[..k.len().min(9)]
            );
        }
        assert_eq!(map.get(b"absent").unwrap(), None);
        let mut got = map.entries().unwrap();
        let mut want = entries.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{kind:?}");
    }
}

#[test]
fn hundred_thousand_keys_hash() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("many");
    let entries: Vec<_> = (0..100_000)
        .map(|i| {
            (format!("user{i}@example.com").into_bytes(), format!("smtp:[10.0.{i}]").into_bytes())
        })
        .collect();
    write(MapType::Hash, &name, WriteOptions::default(), &entries);
    let map = open(MapType::Hash, &name).unwrap();
    assert_eq!(map.entries().unwrap().len(), 100_000);
    for (k, v) in entries.iter().step_by(997) {
        assert_eq!(map.get(k).unwrap().as_ref(), Some(v));
    }
}

#[test]
fn duplicate_policies() {
    let dir = tempfile::tempdir().unwrap();
    for kind in [MapType::Hash, MapType::Btree, MapType::Cdb] {
        for (dup, want) in [
            (Duplicates::KeepFirst, vec![b"1".to_vec()]),
            (Duplicates::Replace, vec![b"3".to_vec()]),
            (Duplicates::Allow, vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()]),
        ] {
            let name = dir.path().join(format!("dup-{kind:?}-{dup:?}"));
            let mut w = create(kind, &name, WriteOptions { duplicates: dup, ..raw() }).unwrap();
            assert!(w.insert(b"k", b"1").unwrap());
            for v in [b"2", b"3"] {
                let new = w.insert(b"k", v).unwrap();
                assert!(!new || dup == Duplicates::Allow);
            }
            w.insert(b"other", b"x").unwrap();
            w.commit().unwrap();
            let map = open(kind, &name).unwrap();
            let got: Vec<Vec<u8>> = map
                .entries()
                .unwrap()
                .into_iter()
                .filter(|(k, _)| k == b"k")
                .map(|(_, v)| v)
                .collect();
            assert_eq!(got, want, "{kind:?} {dup:?}");
        }
    }
}

#[test]
fn rules_fold_and_terminate_and_lookup_finds_both() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("aliases");
    let opts = WriteOptions { rules: KeyRules { fold_case: true, nul_terminated: true }, ..raw() };
    write(MapType::Hash, &name, opts, &[(b"PostMaster".to_vec(), b"root".to_vec())]);
    let map = open(MapType::Hash, &name).unwrap();
    assert_eq!(map.get(b"postmaster\0").unwrap(), Some(b"root\0".to_vec()));
    assert_eq!(lookup(map.as_ref(), b"postmaster").unwrap(), Some(b"root".to_vec()));
}

#[test]
fn commit_replaces_atomically_and_a_dropped_writer_changes_nothing() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("access");
    write(MapType::Hash, &name, raw(), &[(b"a".to_vec(), b"1".to_vec())]);
    let mut w = create(MapType::Hash, &name, raw()).unwrap();
    w.insert(b"a", b"2").unwrap();
    drop(w);
    let map = open(MapType::Hash, &name).unwrap();
    assert_eq!(map.get(b"a").unwrap(), Some(b"1".to_vec()));
    let files: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files, [std::ffi::OsString::from("access.db")]);
    let mode = std::fs::metadata(name.with_extension("db")).unwrap().permissions().mode();
    assert_eq!(mode & 0o7027, 0, "no group write, nothing for others");
    assert_eq!(mode & 0o640, 0o640);
}

#[test]
fn symlinks_and_directories_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("nowhere", dir.path().join("link.db")).unwrap();
    let err = create(MapType::Hash, &dir.path().join("link"), raw()).unwrap_err();
    assert!(err.to_string().contains("Symbolic links not allowed"), "{err}");
    std::fs::create_dir(dir.path().join("adir.db")).unwrap();
    let err = create(MapType::Hash, &dir.path().join("adir"), raw()).unwrap_err();
    assert!(err.to_string().contains("Regular files only"), "{err}");
}
