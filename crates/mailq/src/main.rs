//! mailq: list the mail queue, as sendmail's `mailq` / `sendmail -bp`.
//!
//! See mailq(1) in `man/mailq.1`.
#![forbid(unsafe_code)]

mod flags;
mod json;
mod listing;
mod run;
mod scan;
mod settings;
mod top;

use spool::sysexits;

fn main() {
    let args = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    if let Err(err) = run::run(args) {
        if err.chain().any(|e| {
            e.downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
        }) {
            std::process::exit(0);
        }
        eprintln!("mailq: {err:#}");
        std::process::exit(sysexits::exit_code(err.as_ref()));
    }
}
