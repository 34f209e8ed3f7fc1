//! mailq's work: list each queue directory in the chosen format.

use crate::flags::{self, Output};
use crate::settings::{self, Settings};
use crate::top::{Key, Tally};
use crate::{json, listing, scan};
use anyhow::Result;
use spool::queue::Queue;
use spool::sysexits::{Exit, EX_CONFIG};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Runs mailq with `args` (without the program name), writing to stdout.
pub fn run(args: Vec<String>) -> Result<()> {
    let settings = settings::resolve(flags::parse(args)?)?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    list(&mut out, &settings)?;
    out.flush()?;
    Ok(())
}

/// Changes into queue directory `dir` and opens it as `.`, as sendmail does: every
/// file is then opened and stat'ed by a one-component name, which for a large queue
/// is much of the work saved. A relative `dir` is taken from where mailq started.
fn enter(dir: &Path) -> Result<Queue> {
    static ORIGIN: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    let origin = ORIGIN.get_or_init(|| std::env::current_dir().ok());
    let absolute = match origin {
        Some(start) if dir.is_relative() => start.join(dir),
        _ => dir.to_path_buf(),
    };
    std::env::set_current_dir(&absolute).map_err(|e| Exit {
        code: EX_CONFIG,
        message: format!("can not chdir({}/): {}", dir.display(), spool::sysexits::strerror(&e)),
    })?;
    Ok(Queue::open(Path::new(".")))
}

/// Lists every queue of `settings` on `out`.
pub fn list(out: &mut dyn Write, settings: &Settings) -> Result<()> {
    let mut total = 0;
    let mut tally = Tally::default();
    for (title, dir) in &settings.queues {
        let render = |entry: &scan::Entry| {
            let mut text = Vec::new();
            let written = match settings.output {
                Output::Listing => listing::print_entry(&mut text, entry, &settings.style),
                Output::Json => json::print_entry(&mut text, title, entry, settings.mode),
                Output::TopRecipients(_) | Output::TopDomains(_) => Ok(()),
            };
            written.expect("writing to memory cannot fail");
            text
        };
        let queue = enter(dir)?;
        let entries =
            scan::scan(&queue, settings.mode, &settings.filters, settings.order, &render)?;
        let shown = match settings.max_shown {
            0 => entries.len(),
            n => n.min(entries.len()),
        };
        total += entries.len();
        match settings.output {
            Output::Listing => {
                listing::print_title(out, title, entries.len(), shown, &settings.style)?;
                for (_, rendered) in &entries[..shown] {
                    out.write_all(rendered)?;
                }
            }
            Output::Json => {
                for (_, rendered) in &entries[..shown] {
                    out.write_all(rendered)?;
                }
            }
            Output::TopRecipients(_) => {
                entries.iter().for_each(|e| tally.add(&e.0, Key::Recipient))
            }
            Output::TopDomains(_) => entries.iter().for_each(|e| tally.add(&e.0, Key::Domain)),
        }
    }
    match settings.output {
        Output::Listing => writeln!(out, "\t\tTotal requests: {total}")?,
        Output::TopRecipients(n) | Output::TopDomains(n) => tally.print(out, n)?,
        Output::Json => {}
    }
    Ok(())
}
