//! The command line, parsed as close to what was typed as possible.
//!
//! SYNOPSIS
//! ```text
//! dhparam-gen [-q] [-C mc] [-out FILE] [-2 | -5] [-dsaparam] [BITS]
//! dhparam-gen --audit [--json] [-C mc] [-starttls HOST:PORT [--allow-remote]] [FILE...]
//! ```
//!
//! `openssl dhparam` spells its long options with one dash (`-out`, `-dsaparam`);
//! OpenSSL 3 also takes two. Both are accepted here for every long word. Short letters
//! (`-q`, `-2`, `-5`, `-C mc`, bundles such as `-q2`) go through [`spool::getopt`], as
//! in every ferrymail tool. Options come first; parsing stops at `--` or the first
//! operand. This module only records what was said; [`crate::settings`] decides what
//! it means.
//!
//! # Errors
//! [`Error::Usage`] for an unknown option, a missing argument, or a repeated one.

use crate::error::Error;
use spool::getopt::{Getopt, Opt};

/// The short letters, in `getopt` syntax.
const SHORT: &str = "25qC:h";

/// One long word: its name without dashes and whether it takes an argument.
const LONG: &[(&str, bool)] = &[
    ("out", true),
    ("dsaparam", false),
    ("audit", false),
    ("json", false),
    ("starttls", true),
    ("allow-remote", false),
    ("help", false),
];

/// What the command line said, unresolved.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flags {
    /// `-out FILE`.
    pub out: Option<String>,
    /// `-2` or `-5`, as given (the last wins, as in openssl).
    pub generator: Option<u32>,
    /// `-dsaparam`.
    pub dsaparam: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-C FILE`.
    pub config: Option<String>,
    /// `--audit`.
    pub audit: bool,
    /// `--json`.
    pub json: bool,
    /// `-starttls HOST:PORT`.
    pub starttls: Option<String>,
    /// `--allow-remote`.
    pub allow_remote: bool,
    /// `-h` or `--help`.
    pub help: bool,
    /// The words after the options: BITS, or the files to audit.
    pub operands: Vec<String>,
}

/// The long word `arg` names, if it is one (`-out`, `--out`).
fn long_word(arg: &str) -> Option<(&'static str, bool)> {
    let name = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-'))?;
    LONG.iter().copied().find(|(long, _)| *long == name)
}

fn usage(message: String) -> Error {
    Error::Usage(message)
}

/// Parses the arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Flags, Error> {
    let mut flags = Flags::default();
    let mut at = 0;
    while let Some(arg) = args.get(at) {
        if arg == "--" {
            at += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        if let Some((name, takes_arg)) = long_word(arg) {
            let value = if takes_arg {
                at += 1;
                let value =
                    args.get(at).ok_or_else(|| usage(format!("{arg} needs an argument")))?;
                Some(value.clone())
            } else {
                None
            };
            set_long(&mut flags, name, value)?;
            at += 1;
        } else {
            at += short_cluster(&mut flags, &args[at..])?;
        }
    }
    flags.operands = args[at..].to_vec();
    Ok(flags)
}

/// Parses one word of short letters (and the next word if the last letter takes it);
/// returns how many words were used.
fn short_cluster(flags: &mut Flags, rest: &[String]) -> Result<usize, Error> {
    let mut getopt = Getopt::new(rest.to_vec(), SHORT);
    loop {
        let used = rest.len() - getopt.operands().len();
        if used > 0 {
            return Ok(used);
        }
        match getopt.next() {
            Some(Opt::Flag(letter, value)) => set_short(flags, letter, value)?,
            Some(Opt::Unknown(letter)) => return Err(usage(format!("unknown option -{letter}"))),
            Some(Opt::MissingArg(letter)) => {
                return Err(usage(format!("-{letter} needs an argument")))
            }
            None => return Ok(1),
        }
    }
}

fn once(slot: &mut Option<String>, name: &str, value: Option<String>) -> Result<(), Error> {
    if slot.is_some() {
        return Err(usage(format!("{name} given twice")));
    }
    *slot = value;
    Ok(())
}

fn set_short(flags: &mut Flags, letter: char, value: Option<String>) -> Result<(), Error> {
    match letter {
        '2' => flags.generator = Some(2),
        '5' => flags.generator = Some(5),
        'q' => flags.quiet = true,
        'C' => once(&mut flags.config, "-C", value)?,
        _ => flags.help = true,
    }
    Ok(())
}

fn set_long(flags: &mut Flags, name: &str, value: Option<String>) -> Result<(), Error> {
    match name {
        "out" => once(&mut flags.out, "-out", value)?,
        "dsaparam" => flags.dsaparam = true,
        "audit" => flags.audit = true,
        "json" => flags.json = true,
        "starttls" => once(&mut flags.starttls, "-starttls", value)?,
        "allow-remote" => flags.allow_remote = true,
        _ => flags.help = true,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(line: &str) -> Result<Flags, Error> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&args)
    }

    #[test]
    fn openssl_style_generation() {
        let flags = parse_str("-out /etc/mail/dh.pem -5 -q 4096").unwrap();
        assert_eq!(flags.out.as_deref(), Some("/etc/mail/dh.pem"));
        assert_eq!(flags.generator, Some(5));
        assert!(flags.quiet);
        assert_eq!(flags.operands, vec!["4096"]);
    }

    #[test]
    fn double_dash_long_words_and_bundles() {
        let flags = parse_str("--out f -q2 -C/etc/mail/x.mc --dsaparam").unwrap();
        assert_eq!(flags.out.as_deref(), Some("f"));
        assert_eq!((flags.quiet, flags.generator, flags.dsaparam), (true, Some(2), true));
        assert_eq!(flags.config.as_deref(), Some("/etc/mail/x.mc"));
        let flags = parse_str("-C x.mc -q").unwrap();
        assert_eq!((flags.config.as_deref(), flags.quiet), (Some("x.mc"), true));
    }

    #[test]
    fn audit_line() {
        let flags = parse_str("--audit --json -starttls 127.0.0.1:25 a.pem -- b.pem").unwrap();
        assert!(flags.audit && flags.json);
        assert_eq!(flags.starttls.as_deref(), Some("127.0.0.1:25"));
        assert_eq!(flags.operands, vec!["a.pem", "--", "b.pem"]);
        let flags = parse_str("--audit -- -odd.pem").unwrap();
        assert_eq!(flags.operands, vec!["-odd.pem"]);
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for line in ["-x", "-out", "-C", "-out a -out b", "-outx f", "--audit -starttls"] {
            assert!(matches!(parse_str(line), Err(Error::Usage(_))), "{line}");
        }
    }
}
