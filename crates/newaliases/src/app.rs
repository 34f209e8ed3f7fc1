//! The work: read each alias file, report, write its database.
//!
//! For every file of the `AliasFile` list, the diagnostics (`FILE: line N: TEXT`) and
//! then the summary (`FILE: N aliases, longest N bytes, N bytes total`) go to standard
//! output, as sendmail prints them. A file that cannot be opened is reported as
//! `newaliases: cannot open FILE: REASON` and skipped (sendmail exits 0 for that).
//!
//! # Security
//! Before anything is read, both files are checked as sendmail checks them
//! ([`spool::safefile`]): the alias file ([`Checker::alias_file`]: refused if group-
//! or world-writable or a link in a writable directory, unless `DontBlameSendmail`
//! says otherwise: `newaliases: cannot open FILE: REASON`, skipped) and then its
//! database ([`Checker::map_to_write`]: refused in a directory path others can write,
//! as a symbolic link or with hard links: `WARNING: cannot open alias database FILE`
//! and `Cannot create database for alias file FILE`, exit 70). Run by root, each
//! writable directory let pass is reported first (`WARNING: World writable directory
//! DIR`). All of it goes to standard output, as sendmail prints it.
//!
//! # Exit status
//! That of the first diagnostic that sets one (70 for most bad lines and for a
//! database that may not be written, 64 for an unusable address), else 0; 64 for a
//! bad command line, 66 for a missing `-C` file, 73 when the database cannot be
//! written.
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
use spool::maps::{self, Duplicates, KeyRules, MapError, MapType, WriteOptions};
use spool::safefile::{Checker, DontBlame, Identity};
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
        let s = rebuild(spec, &settings.local_names, &settings.checker, &mut out)?;
        if status == 0 {
            status = s;
        }
    }
    out.flush().context("standard output")?;
    Ok(status)
}

/// Rebuilds one alias database, printing to `out`; returns its exit status.
pub fn rebuild(
    spec: &AliasSpec,
    local: &Class,
    checker: &Checker,
    out: &mut dyn Write,
) -> anyhow::Result<i32> {
    let name = spec.path.display().to_string();
    if let Some(status) = refused(spec, checker, out)? {
        return Ok(status);
    }
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
    write_db(spec, &file, checker.dont_blame.contains(DontBlame::WriteMapToSymlink))?;
    writeln!(out, "{name}: {}", file.summary())?;
    Ok(file.exit_code())
}

/// sendmail's checks on the alias file and its database, reported on `out`; the exit
/// status when one of them is refused (`None`: go on).
fn refused(
    spec: &AliasSpec,
    checker: &Checker,
    out: &mut dyn Write,
) -> anyhow::Result<Option<i32>> {
    let name = spec.path.display().to_string();
    let me = Identity::process();
    let source = checker.alias_file(&spec.path, &me);
    for warning in &source.warnings {
        writeln!(out, "{warning}")?;
    }
    if let Err(why) = source.result {
        writeln!(out, "newaliases: cannot open {name}: {why}")?;
        return Ok(Some(0));
    }
    if spec.kind == MapType::Text {
        return Ok(None);
    }
    let db = checker.map_to_write(&spec.kind.file_for(&spec.path), &me);
    for warning in &db.warnings {
        writeln!(out, "{warning}")?;
    }
    if db.result.is_err() {
        writeln!(out, "WARNING: cannot open alias database {name}")?;
        writeln!(out, "Cannot create database for alias file {name}")?;
        return Ok(Some(EX_SOFTWARE));
    }
    Ok(None)
}

/// Writes the database of `file` atomically (through a symbolic link if allowed).
fn write_db(spec: &AliasSpec, file: &AliasFile, follow_symlinks: bool) -> Result<(), MapError> {
    let options = WriteOptions {
        rules: KeyRules { fold_case: false, nul_terminated: false },
        duplicates: Duplicates::Replace,
        follow_symlinks,
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
