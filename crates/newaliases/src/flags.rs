//! The command line, exactly as sendmail's (newaliases ignores what it does not use).
//!
//! ```text
//! newaliases [-C file] [-O option=value] [-oXvalue] [-d categories] [-v]
//! ```
//! * `-C file`: the configuration (`sendmail.mc`); default `/etc/mail/sendmail.mc`.
//! * `-O AliasFile=PATH` or `-oAPATH`: the alias file(s), overriding the config.
//! * `-v`: verbose (accepted; newaliases has nothing more to say).
//! * `-d`: debugging categories (accepted and ignored).
//! * `-bi`: accepted, so that `newaliases -bi` behaves like `sendmail -bi`.

use spool::getopt::{Getopt, Opt};

/// The parsed command line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Flags {
    /// `-C`.
    pub config: Option<String>,
    /// `-O name=value` and `-oXvalue` options, in order (`-oA` gives `AliasFile`).
    pub options: Vec<(String, String)>,
    /// `-v`.
    pub verbose: bool,
}

/// A command line error; the message is printed and the exit status is 64.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Parses the arguments (without the program name).
pub fn parse(args: Vec<String>) -> Result<Flags, UsageError> {
    let mut flags = Flags::default();
    let mut opts = Getopt::new(args, "b:C:d:O:o:v");
    for opt in opts.by_ref() {
        match opt {
            Opt::Flag('C', Some(c)) => flags.config = Some(c),
            Opt::Flag('O', Some(o)) => {
                let (k, v) = o.split_once('=').unwrap_or((o.as_str(), ""));
                flags.options.push((k.trim().to_string(), v.trim().to_string()));
            }
            Opt::Flag('o', Some(o)) => flags.options.push(short_option(&o)),
            Opt::Flag('v', _) => flags.verbose = true,
            Opt::Flag('b', Some(m)) if m == "i" => {}
            Opt::Flag('b', Some(m)) => return Err(UsageError(format!("unsupported mode -b{m}"))),
            Opt::Flag(_, _) => {}
            Opt::Unknown(c) => return Err(UsageError(format!("illegal option -- {c}"))),
            Opt::MissingArg(c) => {
                return Err(UsageError(format!("option requires an argument -- {c}")))
            }
        }
    }
    if let Some(extra) = opts.operands().first() {
        return Err(UsageError(format!("unexpected argument {extra}")));
    }
    Ok(flags)
}

/// A one-letter `-o` option as (letter, value), resolved later against the option
/// table (`-oA/etc/aliases` is `AliasFile`).
fn short_option(o: &str) -> (String, String) {
    let mut chars = o.chars();
    let letter = chars.next().unwrap_or(' ');
    (letter.to_string(), chars.as_str().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Flags, UsageError> {
        parse(args.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn sendmail_style_options() {
        let f = p(&["-C", "/x.mc", "-oA/tmp/a", "-O", "AliasFile = /b", "-v", "-bi"]).unwrap();
        assert_eq!(f.config.as_deref(), Some("/x.mc"));
        assert_eq!(f.options[0], ("A".to_string(), "/tmp/a".to_string()));
        assert_eq!(f.options[1], ("AliasFile".to_string(), "/b".to_string()));
        assert!(f.verbose);
        assert!(p(&["-x"]).is_err());
        assert!(p(&["-C"]).is_err());
        assert!(p(&["-bp"]).is_err());
        assert!(p(&["extra"]).is_err());
    }
}
