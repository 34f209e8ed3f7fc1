//! smtpd: the SMTP server, as `sendmail -bd`, queueing into mqueue.
//!
//! See smtpd(8) in `man/smtpd.8`.
#![forbid(unsafe_code)]

mod auth;
mod blocklists;
mod conn;
mod daemon;
mod facts;
mod flags;
mod listen;
mod log;
mod milters;
mod per_client;
mod policy;
mod privileges;
mod quickack;
mod sasl;
mod settings;
mod shared;
mod store;
mod tls;

fn main() {
    let args = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned()).collect();
    if let Err(err) = daemon::run(args) {
        eprintln!("smtpd: {err:#}");
        std::process::exit(spool::sysexits::exit_code(err.as_ref()));
    }
}
