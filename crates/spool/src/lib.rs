//! ferrymail's shared library: everything two binaries need, once.
//!
//! The binaries meet only in queue files on disk, in sendmail 8.17's own format; this
//! crate reads and writes those files ([`qf`], [`queue`]), reads the admin's
//! `sendmail.mc` ([`config`]) and the maps sendmail reads ([`maps`]).
#![deny(missing_docs)]

pub mod access;
pub mod address;
pub mod aliases;
pub mod authinfo;
pub mod classfile;
pub mod config;
pub mod forward;
pub mod genericstable;
pub mod getopt;
pub mod host;
pub mod log;
pub mod mailertable;
pub mod maps;
pub mod message;
pub mod qf;
pub mod queue;
pub mod safefile;
pub mod sysexits;
pub mod verify;
pub mod virtusertable;

#[cfg(test)]
mod testutil;
