//! dhparam-gen - generate and audit Diffie-Hellman parameters for sendmail
//!
//! SYNOPSIS
//! ```text
//! dhparam-gen [-q] [-C mc] [-out FILE] [-2 | -5] [-dsaparam] [BITS]
//! dhparam-gen --audit [--json] [-C mc] [-starttls HOST:PORT [--allow-remote]] [FILE...]
//! ```
//!
//! DESCRIPTION
//! The first form does the job of `openssl dhparam -out FILE BITS`: it writes PEM DH
//! parameters for sendmail's `confDH_PARAMETERS` (to the file the `.mc` names, with
//! `-C`). The second tells an admin whether what they serve is safe: size, primality,
//! safe prime, generator, and whether p is a widely shared (Logjam) group. See
//! `man/dhparam-gen.8`.
//!
//! EXIT STATUS: 0 done or safe; 1 weak; `<sysexits.h>` codes on errors
//! ([`error::Error::exit_code`]).
#![forbid(unsafe_code)]

mod atomic;
mod audit;
mod commands;
mod der;
mod error;
mod flags;
mod generate;
mod groups;
mod mc;
mod pem;
mod prime;
mod report;
mod settings;
mod starttls;

use settings::Settings;

const USAGE: &str = "\
usage: dhparam-gen [-q] [-C mc] [-out FILE] [-2 | -5] [-dsaparam] [BITS]
       dhparam-gen --audit [--json] [-C mc] [-starttls HOST:PORT [--allow-remote]] [FILE...]
";

fn main() {
    let code = match run() {
        Ok(code) => code,
        Err(err) => {
            eprintln!("dhparam-gen: {err:#}");
            if error::exit_code_of(&err) == spool::sysexits::EX_USAGE {
                eprint!("{USAGE}");
            }
            error::exit_code_of(&err)
        }
    };
    std::process::exit(code);
}

/// Parses the command line, resolves it, and does the job; returns the exit status.
fn run() -> anyhow::Result<i32> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let settings = settings::resolve(flags::parse(&args)?)?;
    Ok(match settings {
        Settings::Help => {
            print!("{USAGE}");
            0
        }
        Settings::Generate(how) => commands::run_generate(&how)?,
        Settings::Audit(how) => commands::run_audit(&how)?,
    })
}
