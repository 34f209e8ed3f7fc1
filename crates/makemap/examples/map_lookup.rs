//! Looks up every line of a file in a map and prints how many were found; used by
//! `scripts/bench/makemap` to time lookups.
//!
//! usage: map_lookup TYPE NAME KEYFILE

use spool::maps::{self, MapType};
use std::io::BufRead;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: map_lookup TYPE NAME KEYFILE");
        std::process::exit(64);
    }
    let kind = MapType::from_name(&args[1]).unwrap_or_else(|e| {
        eprintln!("map_lookup: {e}");
        std::process::exit(64)
    });
    let map = maps::open(kind, args[2].as_ref()).unwrap_or_else(|e| {
        eprintln!("map_lookup: {e}");
        std::process::exit(73)
    });
    let keys = std::fs::File::open(&args[3]).map(std::io::BufReader::new).unwrap_or_else(|e| {
        eprintln!("map_lookup: {}: {e}", args[3]);
        std::process::exit(66)
    });
    let mut found = 0u64;
    for line in keys.lines().map_while(Result::ok) {
        if matches!(maps::lookup(map.as_ref(), line.as_bytes()), Ok(Some(_))) {
            found += 1;
        }
    }
    eprintln!("found {found}");
}
