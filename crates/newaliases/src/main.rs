//! newaliases: rebuild the aliases database from the aliases text file(s).
//!
//! A drop-in replacement for sendmail 8.17's `newaliases` (`sendmail -bi`): same
//! command line, the same diagnostics and summary line on standard output, the same
//! exit status, and an `aliases.db` that sendmail and praliases read. See
//! `man/newaliases.8`, [`flags`] for the command line and [`app`] for the work.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
mod flags;
mod settings;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = match app::run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("newaliases: {err:#}");
            app::exit_code_for(&err)
        }
    };
    std::process::exit(code);
}
