//! mailq's command line, parsed as sendmail parses `mailq` / `sendmail -bp`.
//!
//! ```text
//! mailq [-Ac] [-v] [-C file] [-O option=value]... [-qQ[substr]] [-qL]
//!       [-q[!]I|R|S substr]... [-j | --json] [--top N] [--top-domains N]
//! ```
//!
//! Flags are parsed with getopt first ([`Flags`]); [`crate::settings`] turns them and
//! the configuration into what to list. Sendmail flags that make no sense for a listing
//! (`-bp` itself, `-d`, `-o`, `-L`, `-X`) are accepted and ignored, as sendmail does.

use anyhow::Result;
use spool::getopt::{Getopt, Opt};
use spool::sysexits::Exit;

/// Returns a usage error (`EX_USAGE`).
macro_rules! usage {
    ($($arg:tt)*) => {
        return Err(Exit::usage(format!($($arg)*)).into())
    };
}

/// sendmail's getopt string (`mailq` takes every sendmail flag), plus `j` for JSON.
const OPTIONS: &str = "A:B:b:C:cD:d:e:F:f:Gh:IijL:M:mN:nO:o:p:Q:q:R:r:sTtV:vX:";

/// Which queue files to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// `qf` files (the default).
    #[default]
    Normal,
    /// `hf` files: quarantined jobs (`-qQ`).
    Quarantined,
    /// `Qf` files: jobs set aside as unreadable (`-qL`).
    Lost,
}

pub use spool::queue::scan::Filter;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Output {
    /// sendmail's listing.
    #[default]
    Listing,
    /// One JSON object per message (`-j`, `--json`).
    Json,
    /// The N most frequent recipients (`--top N`).
    TopRecipients(usize),
    /// The N most frequent recipient domains (`--top-domains N`).
    TopDomains(usize),
}

/// The command line as given.
#[derive(Debug, Default)]
pub struct Flags {
    /// `-Ac`: list the client (submission) queue.
    pub client_queue: bool,
    /// `-v`: the verbose listing.
    pub verbose: bool,
    /// `-C file`: the configuration.
    pub config: Option<String>,
    /// `-O option=value`, in order.
    pub options: Vec<String>,
    /// `-o<letter><value>` (sendmail's one-letter options, e.g. `-oQ/dir`), in order.
    pub short_options: Vec<String>,
    /// Which files to list.
    pub mode: Mode,
    /// `-q` selections.
    pub filters: Vec<Filter>,
    /// Output format.
    pub output: Output,
}

/// Parses `args` (without the program name).
pub fn parse(args: Vec<String>) -> Result<Flags> {
    let mut flags = Flags::default();
    let mut short = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--json" => flags.output = Output::Json,
            "--top" => flags.output = Output::TopRecipients(count(args.next())?),
            "--top-domains" => flags.output = Output::TopDomains(count(args.next())?),
            a if a.starts_with("--top=") => {
                flags.output = Output::TopRecipients(count(Some(a[6..].into()))?)
            }
            a if a.starts_with("--top-domains=") => {
                flags.output = Output::TopDomains(count(Some(a[14..].into()))?)
            }
            a if a.starts_with("--") && a != "--" => usage!("unknown option {a}"),
            _ => short.push(arg),
        }
    }
    let mut getopt = Getopt::new(short, OPTIONS);
    for opt in getopt.by_ref() {
        match opt {
            Opt::Flag(letter, value) => flags.apply(letter, value.unwrap_or_default())?,
            Opt::Unknown(c) => usage!("illegal option -- {c}"),
            Opt::MissingArg(c) => usage!("option requires an argument -- {c}"),
        }
    }
    if let Some(extra) = getopt.operands().first() {
        usage!("unexpected argument {extra:?}");
    }
    Ok(flags)
}

impl Flags {
    fn apply(&mut self, letter: char, value: String) -> Result<()> {
        match letter {
            'A' if value == "c" => self.client_queue = true,
            'A' if value == "m" => self.client_queue = false,
            'A' => usage!("Invalid operation mode {value}"),
            'b' if value != "p" => usage!("Invalid operation mode {value}"),
            'v' => self.verbose = true,
            'j' => self.output = Output::Json,
            'C' => self.config = Some(value),
            'O' => self.options.push(value),
            'o' => self.short_options.push(value),
            'q' => self.queue_selection(&value)?,
            _ => {}
        }
        Ok(())
    }

    /// `-qQ[reason]`, `-qL`, `-q[!]I|R|S<substr>`.
    fn queue_selection(&mut self, value: &str) -> Result<()> {
        let (negate, rest) = match value.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        let mut chars = rest.chars();
        let field = chars.next();
        let text: String = chars.collect();
        match field {
            Some('Q') => {
                self.mode = Mode::Quarantined;
                if !text.is_empty() {
                    self.filters.push(Filter { field: 'Q', text, negate });
                }
            }
            Some('L') => self.mode = Mode::Lost,
            Some(f @ ('I' | 'R' | 'S')) => self.filters.push(Filter { field: f, text, negate }),
            _ => usage!("Invalid time unit `{}'", value.chars().last().unwrap_or(' ')),
        }
        Ok(())
    }
}

fn count(value: Option<String>) -> Result<usize> {
    let Some(value) = value else { usage!("--top needs a number") };
    value.parse().map_err(|_| Exit::usage(format!("--top: not a number: {value:?}")).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> Flags {
        parse(args.iter().map(|s| s.to_string()).collect()).unwrap()
    }

    #[test]
    fn sendmail_flags() {
        let f = flags(&["-Ac", "-v", "-O", "QueueDirectory=/q", "-qQ", "-q!Rbob", "-qIabc"]);
        assert!(f.client_queue && f.verbose);
        assert_eq!(f.options, vec!["QueueDirectory=/q"]);
        assert_eq!(f.mode, Mode::Quarantined);
        assert_eq!(f.filters[0], Filter { field: 'R', text: "bob".into(), negate: true });
        assert_eq!(f.filters[1].field, 'I');
    }

    #[test]
    fn long_options_and_json() {
        assert_eq!(flags(&["--top", "10"]).output, Output::TopRecipients(10));
        assert_eq!(flags(&["--top-domains=3"]).output, Output::TopDomains(3));
        assert_eq!(flags(&["-j"]).output, Output::Json);
        assert!(parse(vec!["--bogus".into()]).is_err());
        assert!(parse(vec!["-Z".into()]).is_err());
        assert!(parse(vec!["-qX".into()]).is_err());
    }
}
