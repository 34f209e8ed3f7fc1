//! queue-runner's command line, parsed as sendmail parses `sendmail -q...`.
//!
//! ```text
//! queue-runner [-C file] [-q | -qf | -q<interval> | -qp<interval>]
//!              [-q[!]I|R|S<substr>]... [-qQ] [-Ac | -Am] [-v] [-O option=value]...
//!              [-o Xvalue]... [-L tag] [-d...]
//! ```
//!
//! Every sendmail letter is accepted, since `submit -q...` hands its whole command line
//! over; those that mean nothing to a queue run (`-odq`, `-oi`, `-f`, `-b`, ...) are
//! ignored, as sendmail ignores them in a queue run. A lone `-q` takes no argument
//! (sendmail's `getopt` rewrite); `-q` followed by a time (`30m`, `1h`, `90s`, `2d`)
//! stays up and runs the queue at that interval; `-qf` runs once in the foreground;
//! `-qp<time>` is a persistent runner, here the same as `-q<time>`. Flags are parsed
//! here; [`crate::settings`] resolves them with the configuration.
//!
//! # Errors
//! `EX_USAGE` (64) for an unknown letter, a missing argument, operands, no `-q` at
//! all, or a `-q` argument that is neither a time nor a selection.

use anyhow::Result;
use spool::getopt::{Getopt, Opt};
use spool::sysexits::Exit;
use std::path::PathBuf;
use std::time::Duration;

/// sendmail's getopt string: every flag it knows.
const OPTIONS: &str = "A:B:b:C:cD:d:e:F:f:Gh:IijL:M:mN:nO:o:p:Q:q:R:r:sTtV:vX:";

/// What a lone `-q` is rewritten to before getopt sees it.
const LONE_Q: &str = "\u{1}";

/// How the queue is to be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run {
    /// `-q`: once, detached from the terminal (in the foreground with `-v`).
    Once,
    /// `-qf`: once, in the foreground.
    Foreground,
    /// `-q<interval>`: stay up, run the queue every interval and new files at once.
    Every(Duration),
}

/// A `-q[!]X<substr>` selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `I` (queue ID), `R` (recipient) or `S` (sender).
    pub field: char,
    /// The substring to look for.
    pub text: String,
    /// `!`: select jobs that do not match.
    pub negate: bool,
}

/// The command line, as given.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Flags {
    /// The `-q` forms given (the last run mode wins, selections add up).
    pub run: Option<Run>,
    /// `-q[!]I|R|S` selections.
    pub filters: Vec<Filter>,
    /// `-qQ`: the quarantined jobs (hf files) instead.
    pub quarantined: bool,
    /// `-Q[reason]`: quarantine the selected jobs for `reason`, or release them
    /// (empty: a lone `-Q`) instead of running them.
    pub quarantine: Option<String>,
    /// `-Ac`: work the client queue (pickup into the MTA's queue).
    pub client: bool,
    /// `-v`: print the delivery dialogue.
    pub verbose: bool,
    /// `-C file`.
    pub config: Option<PathBuf>,
    /// `-O option=value`, in order.
    pub options: Vec<String>,
    /// `-oXvalue`, in order, as given after the `o`.
    pub short_options: Vec<String>,
    /// `-L tag`: the syslog identifier.
    pub tag: Option<String>,
}

/// Parses `args` (without the program name).
///
/// # Errors
/// See the module documentation.
pub fn parse(args: Vec<String>) -> Result<Flags> {
    // A lone -q runs once; a lone -Q releases (sendmail's -Q without a reason).
    let args = args.into_iter().flat_map(|a| match a.as_str() {
        "-q" => vec![format!("-q{LONE_Q}")],
        "-Q" => vec![a, String::new()],
        _ => vec![a],
    });
    let mut flags = Flags::default();
    let mut getopt = Getopt::new(args.collect(), OPTIONS);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag(letter, value) => flags.apply(letter, value.unwrap_or_default())?,
            Opt::Unknown(c) => usage(&format!("illegal option -- {c}"))?,
            Opt::MissingArg(c) => usage(&format!("option requires an argument -- {c}"))?,
        }
    }
    if let Some(extra) = getopt.operands().first() {
        usage(&format!("unexpected argument {extra:?}"))?;
    }
    if flags.run.is_none() {
        usage("no -q flag: queue-runner only runs queues (-q, -qf, -q30m)")?;
    }
    Ok(flags)
}

fn usage(message: &str) -> Result<()> {
    Err(Exit::usage(message).into())
}

impl Flags {
    fn apply(&mut self, letter: char, value: String) -> Result<()> {
        match letter {
            'A' if value == "c" => self.client = true,
            'A' if value == "m" => self.client = false,
            'A' => usage(&format!("Invalid operation mode {value}"))?,
            'C' => self.config = Some(PathBuf::from(value)),
            'O' => self.options.push(value),
            'o' => self.short_options.push(value),
            'L' => self.tag = Some(value),
            'v' => self.verbose = true,
            'q' => self.queue(&value)?,
            'Q' => self.quarantine = Some(value),
            _ => {}
        }
        Ok(())
    }

    /// `-q`, `-qf`, `-q30m`, `-qp30m`, `-qQ`, `-q[!]I|R|S<substr>`.
    fn queue(&mut self, value: &str) -> Result<()> {
        if value == LONE_Q {
            self.run.get_or_insert(Run::Once);
            return Ok(());
        }
        if value == "f" {
            self.run = Some(Run::Foreground);
            return Ok(());
        }
        let (negate, rest) = match value.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let mut chars = rest.chars();
        match chars.next() {
            Some(field @ ('I' | 'R' | 'S')) => {
                self.filters.push(Filter { field, text: chars.as_str().to_string(), negate });
                self.run.get_or_insert(Run::Once);
            }
            Some('Q') if !negate => {
                self.quarantined = true;
                self.run.get_or_insert(Run::Once);
            }
            Some('p') if !negate => self.run = Some(Run::Every(interval(&rest[1..])?)),
            _ if !negate => self.run = Some(Run::Every(interval(rest)?)),
            _ => usage(&format!("Invalid queue selection -q{value}"))?,
        }
        Ok(())
    }
}

/// A sendmail time: digits with a unit (`s`, `m`, `h`, `d`, `w`; minutes without one).
fn interval(text: &str) -> Result<Duration> {
    match spool::config::parse_duration(text, 'm') {
        Some(d) if !d.is_zero() => Ok(d),
        _ => Err(Exit::usage(format!("Invalid time unit `{text}'")).into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(line: &str) -> Flags {
        parse(line.split_whitespace().map(String::from).collect()).unwrap()
    }

    #[test]
    fn run_modes() {
        assert_eq!(flags("-q").run, Some(Run::Once));
        assert_eq!(flags("-qf").run, Some(Run::Foreground));
        assert_eq!(flags("-q30m").run, Some(Run::Every(Duration::from_secs(1800))));
        assert_eq!(flags("-qp1h").run, Some(Run::Every(Duration::from_secs(3600))));
        assert_eq!(flags("-q -v").run, Some(Run::Once));
        assert!(flags("-q -v").verbose, "a lone -q must not swallow -v");
    }

    #[test]
    fn selections_config_and_options() {
        let f = flags("-Ac -qIabc -q!Rbob -qSalice -C /etc/mail/sendmail.mc -O MinQueueAge=5m -oQ/q -L tag -d0.4 -odq -oi");
        assert!(f.client);
        assert_eq!(f.run, Some(Run::Once));
        assert_eq!(
            f.filters,
            vec![
                Filter { field: 'I', text: "abc".into(), negate: false },
                Filter { field: 'R', text: "bob".into(), negate: true },
                Filter { field: 'S', text: "alice".into(), negate: false },
            ]
        );
        assert_eq!(f.options, ["MinQueueAge=5m"]);
        assert_eq!(f.short_options, ["Q/q", "dq", "i"]);
        assert_eq!(f.tag.as_deref(), Some("tag"));
        assert!(flags("-qQ").quarantined);
        assert_eq!(flags("-Qheld -qIabc").quarantine.as_deref(), Some("held"));
        let release = parse(["-Q", "-qQ", "-qIabc"].map(String::from).to_vec()).unwrap();
        assert_eq!((release.quarantine.as_deref(), release.quarantined), (Some(""), true));
        assert_eq!(flags("-qf -qIx").run, Some(Run::Foreground));
    }

    #[test]
    fn usage_errors_exit_64() {
        for bad in ["", "-v", "-q -x", "-qzz", "-q!Q", "-Ax -q", "-q extra", "-C"] {
            let args = bad.split_whitespace().map(String::from).collect();
            let err = parse(args).unwrap_err();
            assert_eq!(spool::sysexits::exit_code(err.as_ref()), 64, "{bad:?}");
        }
    }
}
