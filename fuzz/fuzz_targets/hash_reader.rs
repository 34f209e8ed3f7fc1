//! Fuzzes the Berkeley DB hash reader: any file content must give entries or a
//! `MapError`, never a panic, a hang or an absurd allocation.
//!
//! cargo +nightly fuzz run hash_reader fuzz/corpus/hash_reader
#![no_main]

use libfuzzer_sys::fuzz_target;
use spool::maps::{self, MapType};

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("ferrymail-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let name = dir.join("m");
    if std::fs::write(name.with_extension("db"), data).is_err() {
        return;
    }
    for kind in [MapType::Hash, MapType::Btree] {
        if let Ok(map) = maps::open(kind, &name) {
            let _ = map.entries();
            let _ = map.get(b"postmaster");
            let _ = maps::lookup(map.as_ref(), b"connect:127.0.0.1");
        }
    }
});
