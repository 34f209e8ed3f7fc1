//! Fuzzes the aliases file parser (continuation lines, quoting, :include:, |program,
//! /file, comments): any text gives entries and diagnostics, never a panic.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run aliases fuzz/corpus/aliases
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let is_local = |name: &str| name.len() % 2 == 0;
    let _ = spool::aliases::parse_text(&text, &is_local);
});
