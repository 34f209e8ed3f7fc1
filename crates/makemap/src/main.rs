//! makemap: build a sendmail key-value map from text on stdin, or dump one (`-u`).
//!
//! A drop-in replacement for sendmail 8.17's makemap with the same command line,
//! messages and exit codes; see `man/makemap.8` and the [`app`] module.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod app;
mod config;
mod flags;
mod input;

fn main() {
    let args = std::env::args().skip(1).collect();
    let code = match app::run(args) {
        Ok(code) => code,
        Err(failure) => failure.report(),
    };
    std::process::exit(code);
}
