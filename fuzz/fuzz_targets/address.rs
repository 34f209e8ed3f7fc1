//! Fuzzes the address parser (RFC 5321/5322 paths and header addresses, sendmail's
//! quoting and comments): any text gives an address or an error, never a panic, and
//! the list splitter and scanner stay inside the input.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run address fuzz/corpus/address
#![no_main]

use libfuzzer_sys::fuzz_target;
use spool::address;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = address::parse(&text);
    for delim in [',', '>', ' '] {
        assert!(address::scan_to(&text, delim) <= text.len());
    }
    for item in address::split_list(&text) {
        let _ = address::parse(&item);
        let _ = address::unquote(&item);
    }
});
