//! ferrymail's shared library: everything two binaries need, once.
//!
//! The binaries meet only in queue files on disk, in sendmail 8.17's own format; this
//! crate reads and writes those files ([`qf`], [`queue`]), reads the admin's
//! `sendmail.mc` ([`config`]) and the maps sendmail reads ([`maps`]).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod access;
pub mod address;
pub mod aliases;
pub mod authinfo;
pub mod base64;
pub mod classfile;
pub mod config;
pub mod dsn;
pub mod expand;
pub mod forward;
pub mod genericstable;
pub mod getopt;
pub mod host;
pub mod hosts;
pub mod inbound;
pub mod log;
pub mod lookup;
pub mod mailertable;
pub mod maps;
pub mod message;
pub mod qf;
pub mod queue;
pub mod rules;
pub mod safefile;
pub mod settings;
pub mod status;
pub mod sysexits;
pub mod verify;
pub mod virtusertable;
pub mod xtext;

#[cfg(test)]
mod testutil;

/// What a daemon shares between its sessions must be shareable across threads.
#[cfg(test)]
mod shareable {
    fn send_and_sync<T: Send + Sync + ?Sized>() {}

    #[test]
    fn config_and_maps_are_send_and_sync() {
        send_and_sync::<crate::config::Config>();
        send_and_sync::<dyn crate::maps::Map>();
        send_and_sync::<Box<dyn crate::maps::Map>>();
        send_and_sync::<crate::lookup::Maps>();
        send_and_sync::<crate::settings::Settings>();
    }
}
