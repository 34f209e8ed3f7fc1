//! The sendmail 8.17 command line, parsed as sendmail's getopt parses it.
//!
//! ```text
//! sendmail [-Ac|-Am] [-B type] [-b mode] [-C file] [-d list] [-F name] [-f addr]
//!          [-G] [-h hops] [-i] [-L tag] [-M xvalue] [-N dsn] [-n] [-O opt=val]
//!          [-o xvalue] [-p proto[:host]] [-Q reason] [-q[time|!][I|R|S|Q|f|p...]]
//!          [-R ret] [-r addr] [-t] [-U] [-V envid] [-v] [-X logfile] [--] [rcpt...]
//! ```
//!
//! This module records what was given, in order, and rejects only what sendmail
//! rejects while parsing (unknown letters, missing arguments). [`crate::settings`]
//! resolves the meaning.

use anyhow::Result;
use spool::getopt::{Getopt, Opt};
use spool::sysexits::Exit;

/// sendmail 8.17's option string (`main.c`, `OPTIONS`).
const OPTIONS: &str = "A:B:b:C:cD:d:e:F:f:Gh:IiL:M:mN:nO:o:p:Q:q:R:r:sTtV:vX:U";

/// The command line as given.
#[derive(Debug, Default, Clone)]
pub struct Flags {
    /// Every option letter with its argument, in order.
    pub options: Vec<(char, Option<String>)>,
    /// The operands (recipients, or addresses for `-bv`).
    pub operands: Vec<String>,
}

impl Flags {
    /// The last value given for option `letter`.
    pub fn last(&self, letter: char) -> Option<&str> {
        self.options.iter().rev().find(|(l, _)| *l == letter).and_then(|(_, v)| v.as_deref())
    }

    /// Whether option `letter` was given at all.
    pub fn has(&self, letter: char) -> bool {
        self.options.iter().any(|(l, _)| *l == letter)
    }

    /// Every value given for option `letter`, in order.
    pub fn all(&self, letter: char) -> impl Iterator<Item = &str> {
        self.options.iter().filter(move |(l, _)| *l == letter).filter_map(|(_, v)| v.as_deref())
    }
}

/// Parses `args` (without the program name).
pub fn parse(args: Vec<String>) -> Result<Flags> {
    let mut flags = Flags::default();
    let mut getopt = Getopt::new(obsolete(args), OPTIONS);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag(letter, value) => flags.options.push((letter, value)),
            Opt::Unknown(c) => return Err(Exit::usage(format!("illegal option -- {c}")).into()),
            Opt::MissingArg(c) => {
                return Err(Exit::usage(format!("option requires an argument -- {c}")).into())
            }
        }
    }
    flags.operands = getopt.operands().to_vec();
    Ok(flags)
}

/// sendmail's `obsolete()`: the forms getopt cannot take. A lone `-q` (run the queue
/// once) becomes `-q0`, a lone `-Q` (release from quarantine) gets an empty reason,
/// a lone `-d` means `-d0-99.1`.
fn obsolete(args: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    for arg in args {
        if out.last().is_some_and(|l: &String| l == "--") {
            out.push(arg);
            continue;
        }
        match arg.as_str() {
            "-q" => out.push("-q0".into()),
            "-Q" => out.extend(["-Q".to_string(), String::new()]),
            "-d" => out.push("-d0-99.1".into()),
            _ => out.push(arg),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn cron_php_mutt_and_git_command_lines() {
        let f = parse(args(&["-i", "-FCronDaemon", "-B8BITMIME", "-oem", "root"])).unwrap();
        assert_eq!(f.last('F'), Some("CronDaemon"));
        assert_eq!(f.last('B'), Some("8BITMIME"));
        assert_eq!(f.last('o'), Some("em"));
        assert_eq!(f.operands, vec!["root"]);
        let f = parse(args(&["-oem", "-oi", "--", "-addr"])).unwrap();
        assert_eq!(f.all('o').collect::<Vec<_>>(), vec!["em", "i"]);
        assert_eq!(f.operands, vec!["-addr"]);
        assert!(parse(args(&["-t", "-i"])).unwrap().has('t'));
    }

    #[test]
    fn unknown_and_incomplete_options_are_usage_errors() {
        let e = parse(args(&["-Z"])).unwrap_err();
        assert_eq!(e.to_string(), "illegal option -- Z");
        let e = parse(args(&["-X"])).unwrap_err();
        assert_eq!(e.to_string(), "option requires an argument -- X");
    }
}
