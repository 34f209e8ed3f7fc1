//! Fuzzes the milter codec in both directions (packets an MTA sends and packets a
//! filter sends): decoding never panics or over-reads, and whatever decodes
//! re-encodes to a packet that decodes the same.
//!
//! cargo +nightly fuzz run milter_codec fuzz/corpus/milter_codec
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| milter::codec::check_invariants(data));
