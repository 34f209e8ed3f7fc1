//! File-safety checks: sendmail's `safefile()` and `safedirpath()`, once, for every
//! file an MTA trusts (maps, alias files, `.forward`, `:include:`).
//!
//! # Synopsis
//! ```no_run
//! use spool::safefile::{Checker, DontBlameSet, Identity, MakemapMode};
//! # use std::path::Path;
//! let checker = Checker::new(DontBlameSet::parse("TrustStickyBit").unwrap());
//! let me = Identity::process();
//! let checked = checker.makemap_file(Path::new("/etc/mail/access.db"), &me, MakemapMode::Build, false);
//! for warning in &checked.warnings {
//!     eprintln!("{warning}");                  // WARNING: World writable directory /tmp
//! }
//! if let Err(why) = checked.result {
//!     eprintln!("makemap: error opening type hash map access: {why}");
//! }
//! ```
//!
//! # Description
//! A file sendmail reads instructions from (an alias, a `.forward`) or writes a map to
//! must be one that nobody but its owner and root could have put there. Two walks
//! decide it, with the same steps and outcomes as sendmail 8.17.1.9:
//!
//! * [`Checker::dir_path`] walks every directory of a path from the first (`/`, or the
//!   first component of a relative path; a path without a slash is checked as `.`),
//!   skipping `.` and `..` components and following each symbolic link into its target
//!   (only the part of an absolute target not shared with the path is walked again).
//!   A directory writable by its group or the world (group-writable counts unless
//!   `GroupWritableDirPathSafe`; a sticky one is fine with `TrustStickyBit`) is an
//!   error with [`Sff::SAFE_DIR_PATH`] and otherwise, when checking for root, a
//!   [`DirWarning`] (`WARNING: World writable directory /tmp`). Each directory must
//!   be searchable by the user.
//! * [`Checker::file`] first decides about links: with
//!   [`Sff::NO_LINK_IN_WRITABLE_DIR`], a file whose directory path is not safe may be
//!   neither a symbolic nor a hard link. It walks the directory path (unless
//!   [`Sff::NO_PATH_CHECK`]), then checks the file: it may have to exist (or, with
//!   [`Sff::CREATE`], be creatable there), be a regular file, not be a link, not be
//!   group- or world-writable or readable, not be executable if written, not have other
//!   hard links, belong to the user (or root, or `TrustedUser`), and grant the user the
//!   [`Access`] wanted.
//!
//! Run by a user other than root ([`Checker::privileged`] false), writable directories
//! are neither fatal nor warned about, as with sendmail run by a user.
//!
//! # The kinds of file
//! | file | method | relaxed by `DontBlameSendmail` |
//! |---|---|---|
//! | map built or dumped by makemap | [`Checker::makemap_file`] | nothing (makemap's `-s` allows links) |
//! | alias file, for a rebuild | [`Checker::alias_file`] | `GroupWritableAliasFile`, `WorldWritableAliasFile`, `LinkedAliasFileInWritableDir` |
//! | alias database, written | [`Checker::map_to_write`] | `MapInUnsafeDirPath`, `WriteMapToSymlink`, `WriteMapToHardLink` |
//! | any map, read for lookups | [`Checker::map_to_read`] | `MapInUnsafeDirPath`, `LinkedMapInWritableDir` |
//! | `.forward` | [`Checker::forward_file`] | `GroupWritableForwardFile`, `WorldWritableForwardFile`, `ForwardFileInUnsafeDirPath`, `ForwardFileInGroupWritableDirPath`, `LinkedForwardFileInWritableDir` |
//! | `:include:` | [`Checker::include_file`] | the same with `Include` |
//!
//! What sendmail does with a refusal belongs to the caller: makemap prints
//! `makemap: error opening type T map M: REASON` (exit 73); newaliases prints
//! `newaliases: cannot open FILE: REASON` for the alias file and skips it, or
//! `WARNING: cannot open alias database FILE` and `Cannot create database for alias
//! file FILE` (exit 70) for the database; `-bv` ignores an unsafe `.forward` (with
//! `-v`: `user... forward: FILE: REASON`) and reports an unsafe `:include:` as
//! `:include:FILE... Cannot open FILE: REASON`.
//!
//! # Diagnostics
//! [`Unsafe`] displays sendmail's text for each refusal (`Group writable file`,
//! `Symbolic links not allowed`, `World writable directory`, ...) and the system's
//! text for system errors (`No such file or directory`, `Permission denied`).
//!
//! # Security
//! A check is made before a file is opened, so a file swapped in between is not seen;
//! callers open with the same care (no following of links where links were refused).
//! The checks are made for the identity given, not with that identity's privileges.
//!
//! # Errors
//! None beyond the [`Unsafe`] in each [`Checked`]; nothing here panics.

mod check;
mod dontblame;
mod policy;
mod settings;
mod types;

pub use check::Checker;
pub use dontblame::{DontBlame, DontBlameSet, UnknownFlag, NAMES};
pub use policy::MakemapMode;
pub use types::{Access, Checked, DirWarning, Found, Identity, Included, Sff, Unsafe};

#[cfg(test)]
mod tests;
