//! smtpd's command line, parsed as sendmail parses `sendmail -bd`.
//!
//! ```text
//! smtpd [-bd | -bD] [-C file] [-O option=value]... [-o Xvalue]... [-L tag] [-d...] [-v]
//! ```
//!
//! `-bd` detaches from the terminal after binding; `-bD` stays in the foreground
//! (systemd, tests, benchmarks). `-O`/`-o` set options as on sendmail's command line;
//! `-O DaemonPortOptions=...` adds a listener or replaces the one of the same name.
//! `-d` (debugging) is accepted and ignored, as a script may pass it. Flags are parsed
//! here; [`crate::settings`] resolves them with the configuration.

use anyhow::Result;
use spool::getopt::{Getopt, Opt};
use spool::sysexits::Exit;
use std::path::PathBuf;

/// The getopt string: the subset of sendmail's flags that make sense for the daemon.
const OPTIONS: &str = "b:C:d:L:O:o:v";

/// The command line, as given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flags {
    /// `-bD`: stay in the foreground.
    pub foreground: bool,
    /// `-C file`: the configuration (`sendmail.mc`).
    pub config: Option<PathBuf>,
    /// `-O option=value` and `-oXvalue`, in order, as `Name=value`.
    pub options: Vec<String>,
    /// `-L tag`: the syslog identifier.
    pub tag: Option<String>,
    /// `-v`: say what is being done on stderr.
    pub verbose: bool,
}

/// Parses `args` (without the program name).
///
/// # Errors
/// `EX_USAGE` for an unknown flag, a missing argument, a mode other than `-bd`/`-bD`,
/// or operands.
pub fn parse(args: Vec<String>) -> Result<Flags> {
    let mut flags = Flags::default();
    let mut getopt = Getopt::new(args, OPTIONS);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag('b', Some(mode)) => match mode.as_str() {
                "d" => flags.foreground = false,
                "D" => flags.foreground = true,
                _ => return Err(Exit::usage(format!("-b{mode}: only -bd and -bD")).into()),
            },
            Opt::Flag('C', Some(file)) => flags.config = Some(PathBuf::from(file)),
            Opt::Flag('O', Some(option)) => flags.options.push(option),
            Opt::Flag('o', Some(option)) => flags.options.push(short_option(&option)?),
            Opt::Flag('L', Some(tag)) => flags.tag = Some(tag),
            Opt::Flag('d', _) => {}
            Opt::Flag('v', _) => flags.verbose = true,
            Opt::Flag(letter, _) | Opt::Unknown(letter) => {
                return Err(Exit::usage(format!("illegal option -- {letter}")).into())
            }
            Opt::MissingArg(letter) => {
                return Err(Exit::usage(format!("option requires an argument -- {letter}")).into())
            }
        }
    }
    if let Some(extra) = getopt.operands().first() {
        return Err(Exit::usage(format!("unexpected argument {extra}")).into());
    }
    Ok(flags)
}

/// `-oXvalue` as `Name=value`, for the one-letter options a daemon's command line
/// uses (sendmail.cf's old names).
fn short_option(text: &str) -> Result<String> {
    let mut chars = text.chars();
    let letter = chars.next().ok_or_else(|| Exit::usage("-o needs an option letter"))?;
    let name = match letter {
        'A' => "AliasFile",
        'L' => "LogLevel",
        'Q' => "QueueDirectory",
        'O' => "DaemonPortOptions",
        'p' => "PrivacyOptions",
        'T' => "Timeout.queuereturn",
        'b' => "MinFreeBlocks",
        'u' => "DefaultUser",
        _ => return Err(Exit::usage(format!("-o{letter}: unknown option letter")).into()),
    };
    Ok(format!("{name}={}", chars.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn foreground_config_options_and_tag() {
        let f = parse(args("-bD -C /etc/mail/sendmail.mc -O MaxDaemonChildren=5 -oQ/q -L mta -v"))
            .unwrap();
        assert!(f.foreground && f.verbose);
        assert_eq!(f.config.as_deref(), Some(std::path::Path::new("/etc/mail/sendmail.mc")));
        assert_eq!(f.options, ["MaxDaemonChildren=5", "QueueDirectory=/q"]);
        assert_eq!(f.tag.as_deref(), Some("mta"));
        assert!(!parse(args("-bd")).unwrap().foreground);
        assert!(parse(args("-d0.1 -bD")).unwrap().foreground);
    }

    #[test]
    fn usage_errors_exit_64() {
        for bad in ["-bp", "-x", "-C", "-bD extra", "-oZfoo"] {
            let err = parse(args(bad)).unwrap_err();
            assert_eq!(spool::sysexits::exit_code(err.as_ref()), 64, "{bad}");
        }
    }
}
