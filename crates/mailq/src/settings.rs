//! Resolving mailq's flags and the configuration into what to list (STYLE.md habit 2).

use crate::flags::{Filter, Flags, Mode, Output};
use crate::listing::Style;
use anyhow::Result;
use spool::config::Config;
use spool::queue::scan::SortOrder;
use spool::queue::{groups, QueueError};
use spool::sysexits::{Exit, EX_CONFIG};
use std::path::{Path, PathBuf};

/// Everything `run` needs, validated.
#[derive(Debug)]
pub struct Settings {
    /// Queue directories to list, in order, each with its title as configured.
    pub queues: Vec<(String, PathBuf)>,
    /// Which control files.
    pub mode: Mode,
    /// `-q` selections.
    pub filters: Vec<Filter>,
    /// Listing style.
    pub style: Style,
    /// Output format.
    pub output: Output,
    /// `MaxQueueRunSize`: at most this many jobs per queue are shown (0: all).
    pub max_shown: usize,
    /// `QueueSortOrder`: the order jobs are listed in.
    pub order: SortOrder,
}

/// Resolves `flags` against the configuration (`-C`, or the default file, then `-O`).
pub fn resolve(flags: Flags) -> Result<Settings> {
    let mut config = match &flags.config {
        Some(file) => Config::load(Path::new(file))?,
        None => Config::load_default()?,
    };
    let mut moved = false;
    for assignment in &flags.options {
        let name = assignment.split('=').next().unwrap_or("");
        moved |= name.trim().eq_ignore_ascii_case("QueueDirectory");
        config.set_option(assignment)?;
    }
    for short in &flags.short_options {
        moved |= short.starts_with('Q');
        config.set_short_option(short)?;
    }
    // As with sendmail, -Ac picks the client configuration's queue, but a queue
    // directory named on the command line is the one listed.
    let dir = if flags.client_queue && !moved {
        config.client_queue_directory()
    } else {
        config.queue_directory()
    };
    let queue = spool::settings::QueueSettings::from_config(&config);
    let max_shown = queue.max_queue_run_size;
    Ok(Settings {
        queues: expand(&dir)?,
        mode: flags.mode,
        filters: flags.filters,
        style: Style {
            min_queue_age: queue.min_queue_age.as_secs() as i64,
            now: jiff::Timestamp::now().as_second(),
            verbose: flags.verbose,
            lost: flags.mode == Mode::Lost,
            tz: jiff::tz::TimeZone::system(),
        },
        output: flags.output,
        max_shown,
        order: queue.sort_order,
    })
}

/// The queue directories `dir` names (`spool::queue::groups`); one that cannot be
/// read is sendmail's "can not chdir" (exit 78).
fn expand(dir: &Path) -> Result<Vec<(String, PathBuf)>> {
    groups::directories(dir).map_err(|e| match e {
        QueueError::Io { path, error } => {
            let reason = spool::sysexits::strerror(&error);
            Exit {
                code: EX_CONFIG,
                message: format!("can not chdir({}/): {reason}", path.display()),
            }
            .into()
        }
        other => other.into(),
    })
}
