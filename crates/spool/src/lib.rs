//! ferrymail's shared library: everything two binaries need, once.
//!
//! The binaries meet only in queue files on disk, in sendmail 8.17's own format; this
//! crate reads and writes those files ([`qf`], [`queue`]), reads the admin's
//! `sendmail.mc` ([`config`]) and the maps sendmail reads ([`maps`]).
#![deny(missing_docs)]

pub mod config;
pub mod getopt;
pub mod maps;
pub mod sysexits;
