//! Fuzzes message header reading (folding, bounds, a lone dot) and the DSN parameters
//! a client sends (ORCPT and ENVID in xtext): never a panic; what xtext decodes
//! encodes back to a valid xtext.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run headers_dsn fuzz/corpus/headers_dsn
#![no_main]

use libfuzzer_sys::fuzz_target;
use spool::{dsn, message, xtext};

fuzz_target!(|data: &[u8]| {
    let mut input = data;
    let _ = message::read_header(&mut input, 4096, data.first() == Some(&b'.'));
    for line in data.split(|&b| b == b'\n') {
        let _ = message::syntax::classify(line, line.first() == Some(&b' '));
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(bytes) = xtext::decode(&text) {
        assert!(xtext::is_valid(&xtext::encode(&bytes)));
    }
    let _ = xtext::Orcpt::parse(&text);
    let _ = dsn::xuntextify(&text);
    let _ = dsn::escape_from(data);
});
