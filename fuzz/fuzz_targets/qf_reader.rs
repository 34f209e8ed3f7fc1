//! Fuzzes the qf reader: every queue file is hostile input (a client queue file may
//! come from any local user), so any bytes give a queue file or a `QfError`, never a
//! panic or an absurd allocation, for both the full reader and mailq's listing reader.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run qf_reader fuzz/corpus/qf_reader
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("qf6B5FUZZ000001");
    let _ = spool::qf::parse(path, data);
    let _ = spool::qf::parse_listing(path, data);
    for (code, value) in spool::qf::records(data) {
        assert!(!value.contains(&b'\n') || code == b'H', "a record with a line end");
    }
});
