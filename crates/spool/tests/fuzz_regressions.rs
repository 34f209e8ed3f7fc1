//! Inputs that crashed a parser under cargo-fuzz (scripts/fuzz), kept as tests named
//! for what broke. Each input is also in the target's corpus under fuzz/corpus/.

use spool::maps::{self, MapType};
use std::path::Path;

fn data(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(name)
}

/// hash_reader, 60 s run: a hash database whose header masks let a key's bucket go
/// past the 32 spare counts indexed the spares out of bounds (a panic in `walk`).
/// Now every lookup and the listing answer with the file named as corrupt.
#[test]
fn hash_bucket_past_the_spares_is_a_corrupt_map_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let name = dir.path().join("m");
    std::fs::copy(data("hash-bucket-past-spares.db"), name.with_extension("db")).unwrap();
    let map = maps::open(MapType::Hash, &name).expect("the header itself is readable");
    let listing = map.entries();
    let lookups = [map.get(b"postmaster"), maps::lookup(map.as_ref(), b"connect:127.0.0.1")];
    let errors: Vec<String> = std::iter::once(listing.err())
        .chain(lookups.into_iter().map(|r| r.err()))
        .flatten()
        .map(|e| e.to_string())
        .collect();
    assert!(!errors.is_empty(), "a corrupt map is reported, not read as good");
    for e in errors {
        assert!(e.contains("m.db"), "the error names the file: {e}");
    }
}
