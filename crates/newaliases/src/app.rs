//! The work: read each alias file, report, write its database.
//!
//! For every file of the `AliasFile` list, the diagnostics (`FILE: line N: TEXT`) and
//! then the summary (`FILE: N aliases, longest N bytes, N bytes total`) go to standard
//! output, as sendmail prints them. A file that cannot be opened is reported as
//! `newaliases: cannot open FILE: REASON` and skipped (sendmail exits 0 for that).
//!
//! # Exit status
//! That of the first diagnostic that sets one (70 for most bad lines, 64 for an
//! unusable address), else 0; 64 for a bad command line, 66 for a missing `-C` file,
//! 73 when the database cannot be written.
//!
//! # Modes
//! The umask is set to 022 before anything is written, as sendmail's `main` does, so a
//! new database is `0640` whatever the caller's umask (checked against the real
//! newaliases under umasks 000 to 0777).

use crate::{flags, settings};
use anyhow::Context;
use spool::aliases::{AliasError, AliasFile, AliasSpec};
use spool::classfile::Class;
use spool::config::ConfigError;
use spool::maps::{self, Duplicates, KeyRules, MapError, WriteOptions};
use spool::sysexits::{EX_CANTCREAT, EX_CONFIG, EX_NOINPUT, EX_SOFTWARE, EX_USAGE};
use std::io::Write;

/// sendmail's own umask: the caller's is replaced before any file is created.
const UMASK: u32 = 0o022;

/// Runs newaliases with `args`; returns the exit status.
pub fn run(args: Vec<String>) -> anyhow::Result<i32> {
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(UMASK));
    let flags = flags::parse(args)?;
    let settings = settings::resolve(&flags)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut status = 0;
    for spec in &settings.alias_files {
        let s = rebuild(spec, &settings.local_names, &mut out)?;
        if status == 0 {
            status = s;
        }
    }
    out.flush().context("standard output")?;
    Ok(status)
}

/// Rebuilds one alias database, printing to `out`; returns its exit status.
pub fn rebuild(spec: &AliasSpec, local: &Class, out: &mut dyn Write) -> anyhow::Result<i32> {
    let name = spec.path.display().to_string();
    let is_local = |d: &str| local.contains(d) || d.starts_with("[127.");
    let file = match AliasFile::read(&spec.path, &is_local) {
        Ok(f) => f,
        Err(AliasError::Io { source, .. }) => {
            writeln!(out, "newaliases: cannot open {name}: {}", strerror(&source))?;
            return Ok(0);
        }
        Err(e) => return Err(e.into()),
    };
    for d in &file.diagnostics {
        writeln!(out, "{}", d.render(&name))?;
    }
    write_db(spec, &file)?;
    writeln!(out, "{name}: {}", file.summary())?;
    Ok(file.exit_code())
}

/// Writes the database of `file` atomically.
fn write_db(spec: &AliasSpec, file: &AliasFile) -> Result<(), MapError> {
    let options = WriteOptions {
        rules: KeyRules { fold_case: false, nul_terminated: false },
        duplicates: Duplicates::Replace,
        follow_symlinks: false,
        // sendmail's alias rebuild creates the hash database without a size hint.
        nelem_hint: 0,
    };
    let mut writer = maps::create(spec.kind, &spec.path, options)?;
    for (k, v) in file.db_entries() {
        writer.insert_stored(k, v)?;
    }
    writer.commit()
}

/// The C library's text for an I/O error, without Rust's `(os error N)`.
pub use spool::sysexits::strerror;

/// The sysexits status for an error that ended the run.
pub fn exit_code_for(err: &anyhow::Error) -> i32 {
    if err.is::<flags::UsageError>() {
        EX_USAGE
    } else if matches!(err.downcast_ref::<ConfigError>(), Some(ConfigError::Open { .. })) {
        EX_NOINPUT
    } else if err.is::<ConfigError>() {
        EX_CONFIG
    } else if err.is::<MapError>() {
        EX_CANTCREAT
    } else {
        EX_SOFTWARE
    }
}
