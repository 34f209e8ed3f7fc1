//! What makemap does once its command line is parsed.
//!
//! NAME
//!   makemap - create or dump a sendmail map (hash, btree, cdb)
//!
//! SYNOPSIS
//!   makemap [-C file] [-N] [-c cachesize] [-D c] [-d] [-e] [-f] [-i type] [-l] [-o]
//!           [-r] [-s] [-t delim] [-u] [-v] type name
//!
//! DESCRIPTION
//!   Reads `key value` lines from stdin and replaces the map `name` (plus the type's
//!   extension) atomically; `-u` prints the map as `key<TAB>value` lines instead.
//!
//! DIAGNOSTICS (exit codes as sendmail's makemap)
//!   64 usage; 65 any bad input line, duplicate key or unknown map in the `-C` file
//!   (the map is still written with the good lines); 66 unreadable `-C` file; 73 the
//!   map cannot be opened or created (`error opening type T map M: reason`); 74 the
//!   map cannot be written out.
//!
//! SECURITY
//!   Before it is opened, the map file is checked as sendmail's makemap checks it
//!   ([`spool::safefile::Checker::makemap_file`]): run by root, every group- or
//!   world-writable directory on its path is reported on stderr
//!   (`WARNING: World writable directory /tmp`, twice, as sendmail); a symbolic link,
//!   a file with hard links or a link in such a directory is refused unless `-s`, and
//!   so is anything but a regular file (exit 73). makemap does not read
//!   `DontBlameSendmail`. The map is written to a temporary file beside it and renamed
//!   into place.

use crate::config::{self, Kind};
use crate::flags::{Flags, Listing, USAGE};
use crate::input::{self, Line, Syntax};
use spool::maps::{self, Duplicates, KeyRules, MapError, MapType, WriteOptions};
use spool::safefile::{Checker, DontBlameSet, Identity, MakemapMode};
use spool::sysexits::{EX_CANTCREAT, EX_DATAERR, EX_IOERR, EX_NOINPUT, EX_OK, EX_USAGE};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A reason to stop, with the exit code and what to print after `makemap: `.
#[derive(Debug)]
pub struct Failure {
    code: i32,
    message: Option<String>,
    usage: bool,
}

impl Failure {
    fn new(code: i32, message: String) -> Failure {
        Failure { code, message: Some(message), usage: false }
    }

    /// Prints the failure on stderr and returns its exit code.
    pub fn report(&self) -> i32 {
        let mut err = io::stderr().lock();
        if let Some(m) = &self.message {
            let _ = writeln!(err, "makemap: {m}");
        }
        if self.usage {
            let _ = writeln!(err, "{USAGE}");
        }
        self.code
    }
}

/// The system's text for an I/O error, without Rust's `(os error N)` suffix.
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

/// The reason makemap prints for a map that cannot be opened.
fn map_reason(e: &MapError) -> String {
    match e {
        MapError::Io { source, .. } => strerror(source),
        MapError::Corrupt { .. } => "Invalid argument".into(),
        MapError::UnknownType(_) => "Unknown database type".into(),
    }
}

/// Runs makemap with `args` (without the program name); returns the exit code.
pub fn run(args: Vec<String>) -> Result<i32, Failure> {
    let flags =
        Flags::parse(args).map_err(|u| Failure { code: EX_USAGE, message: u.0, usage: true })?;
    if let Some(listing) = flags.list {
        list(listing);
        return Ok(EX_OK);
    }
    let cf_path = flags.config.clone().unwrap_or_else(|| config::DEFAULT_CONFIG.into());
    let cf_text = config::read_config(&cf_path)
        .map_err(|reason| Failure::new(EX_NOINPUT, format!("{cf_path}: {reason}")))?;
    let (type_name, name) = (flags.operands[0].as_str(), flags.operands[1].as_str());
    let (type_name, kind) = resolve_type(&flags, type_name, name, &cf_path, &cf_text)?;
    check_map_file(&flags, &type_name, kind, name)?;
    if flags.dump {
        dump(&flags, &type_name, kind, name)
    } else {
        build(&flags, &type_name, kind, name)
    }
}

/// Prints the map types (`-l`, `-L`, `-x`).
fn list(listing: Listing) {
    let mut out = io::stdout().lock();
    if listing == Listing::WithPseudo {
        let _ = writeln!(out, "cf\nCF");
    }
    for (name, ext) in config::TYPES {
        let _ = match listing {
            Listing::Extensions => writeln!(out, "{name}:{ext}"),
            _ => writeln!(out, "{name}"),
        };
    }
}

/// Turns the type operand into a map type, looking `cf`/`CF` up in the config.
fn resolve_type(
    flags: &Flags,
    type_name: &str,
    name: &str,
    cf_path: &str,
    cf_text: &str,
) -> Result<(String, Kind), Failure> {
    let mut ty = type_name.to_string();
    if type_name == "cf" || type_name == "CF" {
        let found = config::type_from_k_lines(cf_text, name, type_name == "CF");
        ty = match (found, &flags.fallback_type) {
            (Some(t), _) => t,
            (None, Some(fallback)) => {
                if flags.verbose {
                    eprintln!("makemap: mapfile {name}: not found in {cf_path}, using fallback {fallback}");
                }
                fallback.clone()
            }
            (None, None) => {
                let hint = if cf_path.ends_with(".mc") {
                    " (a sendmail.mc declares no map types; use -i type)"
                } else {
                    ""
                };
                return Err(Failure::new(
                    EX_DATAERR,
                    format!("mapfile {name}: not found in {cf_path}{hint}"),
                ));
            }
        };
    }
    match config::kind(&ty) {
        Some(kind) => Ok((ty, kind)),
        None => Err(Failure::new(
            EX_CANTCREAT,
            format!("error opening type {ty} map {name}: Unknown database type"),
        )),
    }
}

/// sendmail's checks on the map file: warnings on stderr, a refusal as exit 73.
fn check_map_file(flags: &Flags, type_name: &str, kind: Kind, name: &str) -> Result<(), Failure> {
    let mode = match (flags.dump, flags.append) {
        (true, _) => MakemapMode::Dump,
        (false, true) => MakemapMode::Append,
        (false, false) => MakemapMode::Build,
    };
    let file = kind.map.file_for(Path::new(name));
    let checker = Checker::new(DontBlameSet::SAFE);
    let checked = checker.makemap_file(&file, &Identity::process(), mode, flags.unsafe_ok);
    for warning in &checked.warnings {
        eprintln!("{warning}");
    }
    checked.result.map(|_| ()).map_err(|why| {
        Failure::new(EX_CANTCREAT, format!("error opening type {type_name} map {name}: {why}"))
    })
}

/// Opens the map for `-u` (and `-o`), `implicit` trying hash, then btree.
fn open_map(kind: Kind, name: &str) -> Result<Box<dyn maps::Map>, MapError> {
    let file = kind.map.file_for(Path::new(name));
    if let Ok(meta) = std::fs::metadata(&file) {
        // sendmail refuses a map nobody may read, even to root.
        if meta.permissions().mode() & 0o444 == 0 {
            let source = io::Error::from_raw_os_error(libc::EACCES);
            return Err(MapError::Io { path: file, source });
        }
    }
    match maps::open(kind.map, Path::new(name)) {
        Err(MapError::Corrupt { .. }) if kind.implicit => {
            maps::open(MapType::Btree, Path::new(name))
        }
        other => other,
    }
}

/// `-u`: prints every entry as `key<TAB>value`, each ending at a NUL as sendmail's
/// `%.*s` does.
fn dump(_flags: &Flags, type_name: &str, kind: Kind, name: &str) -> Result<i32, Failure> {
    let opening = |e: MapError| {
        Failure::new(
            EX_CANTCREAT,
            format!("error opening type {type_name} map {name}: {}", map_reason(&e)),
        )
    };
    let map = open_map(kind, name).map_err(opening)?;
    let entries = map.entries().map_err(opening)?;
    let cut = |b: &[u8]| -> Vec<u8> { b.iter().copied().take_while(|&c| c != 0).collect() };
    let mut out = BufWriter::new(io::stdout().lock());
    for (k, v) in entries {
        let line = [cut(&k), b"\t".to_vec(), cut(&v), b"\n".to_vec()].concat();
        if out.write_all(&line).is_err() {
            return Ok(EX_IOERR);
        }
    }
    Ok(if out.flush().is_err() { EX_IOERR } else { EX_OK })
}

/// Builds the map from stdin; returns 65 if any line was bad.
fn build(flags: &Flags, type_name: &str, kind: Kind, name: &str) -> Result<i32, Failure> {
    let rules = KeyRules { fold_case: !flags.keep_case, nul_terminated: flags.include_nul };
    let duplicates = match (flags.allow_dups, flags.replace) {
        (true, _) => Duplicates::Allow,
        (false, true) => Duplicates::Replace,
        _ => Duplicates::KeepFirst,
    };
    let options = WriteOptions {
        rules,
        duplicates,
        follow_symlinks: flags.unsafe_ok,
        ..WriteOptions::default()
    };
    let opening = |e: MapError| {
        Failure::new(
            EX_CANTCREAT,
            format!("error opening type {type_name} map {name}: {}", map_reason(&e)),
        )
    };
    let mut writer = maps::create(kind.map, Path::new(name), options).map_err(opening)?;
    if flags.append {
        if let Ok(old) = open_map(kind, name) {
            for (k, v) in old.entries().map_err(opening)? {
                writer.insert_stored(k, v).map_err(opening)?;
            }
        }
    }
    let status = read_entries(flags, name, rules, &mut writer)?;
    writer.commit().map_err(|e| {
        Failure::new(
            EX_IOERR,
            format!("error closing type {type_name} map {name}: {}", map_reason(&e)),
        )
    })?;
    Ok(status)
}

/// Reads stdin into `writer`, reporting bad lines; returns 0 or 65.
fn read_entries(
    flags: &Flags,
    name: &str,
    rules: KeyRules,
    writer: &mut maps::Writer,
) -> Result<i32, Failure> {
    let syntax = Syntax {
        comment: flags.comment,
        delimiter: flags.delimiter,
        allow_empty: flags.allow_empty,
    };
    let mut stdin = io::stdin().lock();
    let (mut status, mut lineno) = (EX_OK, 0u64);
    let bad = |lineno: u64, msg: String| {
        eprintln!("makemap: {name}: line {lineno}: {msg}");
        EX_DATAERR
    };
    loop {
        let chunk = input::next_chunk(&mut stdin)
            .map_err(|e| Failure::new(EX_IOERR, format!("{name}: read error: {}", strerror(&e))))?;
        let Some((chunk, complete)) = chunk else { break };
        lineno += 1;
        let (key, value) = match input::parse(&chunk, complete, &syntax) {
            Line::Skip => continue,
            Line::Error(msg) => {
                status = bad(lineno, msg);
                continue;
            }
            Line::Entry(k, v) => (k, v),
        };
        let shown =
            String::from_utf8_lossy(&rules.store_key(&key)).trim_end_matches('\0').to_string();
        if flags.verbose {
            println!("key=`{shown}', val=`{}'", String::from_utf8_lossy(&value));
        }
        match writer.insert(&key, &value) {
            Ok(false) if !flags.allow_dups && !flags.replace => {
                status = bad(lineno, format!("key {shown}: duplicate key"));
            }
            Ok(_) => {}
            Err(e) => status = bad(lineno, format!("key {shown}: put error: {e}")),
        }
    }
    Ok(status)
}
