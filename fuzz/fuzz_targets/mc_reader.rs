//! Fuzzes the .mc reader (ferrymail's small m4, the cf macros, the option table) and
//! the settings resolved from what it loads: any text gives a configuration or a
//! `ConfigError`, never a panic or a runaway expansion.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run mc_reader fuzz/corpus/mc_reader
#![no_main]

use libfuzzer_sys::fuzz_target;
use spool::config::Config;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(config) = Config::from_str(Path::new("/nonexistent/fuzz.mc"), &text) {
        let _ = spool::settings::Settings::from_config(&config);
        let _ = spool::settings::Server::from_config(&config);
        let _ = config.queue_directory();
    }
});
