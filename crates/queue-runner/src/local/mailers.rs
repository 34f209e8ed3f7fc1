//! The local mailers, as the `.mc` defines them: `local`, `prog` and `*file*`
//! (resolved once in `spool::settings::Mailers`, which holds the rules below).
//!
//! sendmail.cf's `Mlocal`, `Mprog` and its built-in `*file*` mailer are built by
//! cf/mailer/local.m4 from a handful of defines; this module applies the same rules to
//! the admin's `.mc`:
//!
//! | mailer | program | arguments | flags |
//! |---|---|---|---|
//! | `local` | `LOCAL_MAILER_PATH`, or procmail with `FEATURE(local_procmail)` / `OSTYPE(linux)`, else ferrymail's own mailbox delivery | `LOCAL_MAILER_ARGS` (`mail -d $u`; procmail: `procmail -a $h -d $u`) | `lsDFMAw5:/\|@q` + `LOCAL_MAILER_FLAGS` (`Prmn9`; procmail `SPfhn9`) |
//! | `prog` | `LOCAL_SHELL_PATH` (`/bin/sh`; smrsh with `FEATURE(smrsh)`) | `LOCAL_SHELL_ARGS` (`sh -c $u`) | `lsDFMoq` + `LOCAL_SHELL_FLAGS` (`eu9`) |
//! | `*file*` | ferrymail's file agent | | `lsDFMPEouq9` |
//!
//! `MODIFY_MAILER_FLAGS(`LOCAL'|`SHELL', `+X'|`-X'|`XYZ')` then adds, removes or
//! replaces flags. The flags that change what is written are: `n` (no `From ` line),
//! `P` (`Return-Path:`), `E` (`>From ` quoting), `D`, `F`, `M`, `x` (which
//! conditional headers are written), `S` (run as the queue runner rather than the
//! recipient) and `o` (run as the controlling user).

pub use spool::settings::{Local, Mailers, Program};
