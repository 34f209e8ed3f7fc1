//! Running the other ferrymail programs for `-bp`, `-bi`, `-q` and `-bd`.
//!
//! They are found beside this executable (so a system can symlink `sendmail` to
//! `submit`), else in `/usr/lib/ferrymail`. They run with a clean environment (only
//! `TZ` and a fixed `PATH`) and the caller's command line, which they parse with
//! sendmail's own option letters; with `exec`, so their exit code is ours.

use crate::privileges::KEPT_ENV;
use anyhow::Result;
use spool::sysexits::{Exit, EX_UNAVAILABLE};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

/// The `PATH` children get.
const SAFE_PATH: &str = "/usr/sbin:/usr/bin:/sbin:/bin";

/// The path of sibling program `name`, or a clear error naming what is missing.
pub fn find(name: &str, what: &str) -> Result<PathBuf> {
    let beside = std::env::current_exe().ok().and_then(|exe| exe.parent().map(|d| d.join(name)));
    let candidates = [beside, Some(PathBuf::from("/usr/lib/ferrymail").join(name))];
    match candidates.into_iter().flatten().find(|p| p.is_file()) {
        Some(path) => Ok(path),
        None => Err(Exit {
            code: EX_UNAVAILABLE,
            message: format!(
                "{what} needs the {name} program, which is not installed beside this one"
            ),
        }
        .into()),
    }
}

/// A command for sibling `name` with a clean environment.
pub fn command(name: &str, what: &str) -> Result<Command> {
    let mut cmd = Command::new(find(name, what)?);
    cmd.env_clear().env("PATH", SAFE_PATH);
    for key in KEPT_ENV {
        if let Some(value) = std::env::var_os(key) {
            cmd.env(key, value);
        }
    }
    Ok(cmd)
}

/// Replaces this process with sibling `name` run with `args`.
pub fn exec(name: &str, what: &str, args: &[String]) -> Result<()> {
    let err = command(name, what)?.arg0(name).args(args).exec();
    Err(Exit { code: EX_UNAVAILABLE, message: format!("cannot run {name}: {err}") }.into())
}
