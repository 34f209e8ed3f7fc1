//! Fuzzes the map sources an admin writes and makemap or the text map reads (`key
//! value` lines), and the values the programs parse out of maps: authinfo's quoted
//! items, mailertable's `mailer:host` routes, access's verdicts. Never a panic.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run map_source fuzz/corpus/map_source
#![no_main]

use libfuzzer_sys::fuzz_target;
use spool::maps::{self, text::TextMap};

fuzz_target!(|data: &[u8]| {
    let map = TextMap::parse(data);
    let _ = maps::lookup(&map, b"connect:127.0.0.1");
    let _ = spool::mailertable::lookup(&map, "example.net");
    let _ = spool::authinfo::lookup(&map, "smtprelay.example.net");
    let text = String::from_utf8_lossy(data);
    for line in text.lines() {
        let value = line.split_once([' ', '\t']).map_or(line, |(_, v)| v);
        let _ = spool::authinfo::parse_value(value);
    }
});
