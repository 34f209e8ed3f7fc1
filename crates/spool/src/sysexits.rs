//! Exit codes from `<sysexits.h>`, as sendmail and every tool here use them.
//!
//! Binaries map their error chain to one of these in `main` (see STYLE.md, habit 1).

/// Successful termination.
pub const EX_OK: i32 = 0;
/// Command line usage error.
pub const EX_USAGE: i32 = 64;
/// Data format error (bad input file contents).
pub const EX_DATAERR: i32 = 65;
/// Cannot open input.
pub const EX_NOINPUT: i32 = 66;
/// Addressee unknown.
pub const EX_NOUSER: i32 = 67;
/// Host name unknown.
pub const EX_NOHOST: i32 = 68;
/// Service unavailable.
pub const EX_UNAVAILABLE: i32 = 69;
/// Internal software error.
pub const EX_SOFTWARE: i32 = 70;
/// System error (cannot fork, etc.).
pub const EX_OSERR: i32 = 71;
/// Critical OS file missing.
pub const EX_OSFILE: i32 = 72;
/// Cannot create (user) output file.
pub const EX_CANTCREAT: i32 = 73;
/// Input/output error.
pub const EX_IOERR: i32 = 74;
/// Temporary failure; the user is invited to retry.
pub const EX_TEMPFAIL: i32 = 75;
/// Remote error in protocol.
pub const EX_PROTOCOL: i32 = 76;
/// Permission denied.
pub const EX_NOPERM: i32 = 77;
/// Configuration error.
pub const EX_CONFIG: i32 = 78;

/// An error that ends a program with a chosen exit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    /// The sysexits code.
    pub code: i32,
    /// What to print after the program name.
    pub message: String,
}

impl Exit {
    /// A command line usage error (`EX_USAGE`).
    pub fn usage(message: impl Into<String>) -> Exit {
        Exit { code: EX_USAGE, message: message.into() }
    }
}

/// The exit code for an error chain: the first [`Exit`] in it decides; otherwise a
/// configuration file that cannot be opened is `EX_NOINPUT` (sendmail's missing `-C`
/// file), another configuration error `EX_CONFIG`, a queue that cannot be written
/// `EX_TEMPFAIL` (try again later: nothing was queued), an I/O error `EX_IOERR`, a
/// qf that cannot be read `EX_DATAERR`, anything else `EX_SOFTWARE`. A full file
/// system or quota (`ENOSPC`, `EDQUOT`) anywhere in the chain is `EX_TEMPFAIL`: the
/// message was not queued and the same command will work once there is room.
pub fn exit_code(err: &(dyn std::error::Error + 'static)) -> i32 {
    let mut fallback = EX_SOFTWARE;
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(exit) = e.downcast_ref::<Exit>() {
            return exit.code;
        }
        if out_of_space(e) {
            return EX_TEMPFAIL;
        }
        if fallback == EX_SOFTWARE {
            if let Some(config) = e.downcast_ref::<crate::config::ConfigError>() {
                let open = matches!(config, crate::config::ConfigError::Open { .. });
                fallback = if open { EX_NOINPUT } else { EX_CONFIG };
            } else if e.is::<crate::qf::QfError>() {
                fallback = EX_DATAERR;
            } else if e.is::<crate::queue::QueueError>() {
                fallback = EX_TEMPFAIL;
            } else if e.is::<std::io::Error>() {
                fallback = EX_IOERR;
            }
        }
        current = e.source();
    }
    fallback
}

/// Whether `e` is a full file system or an exceeded quota, looking inside an
/// `io::Error` that wraps another error (whose `source` skips the wrapped one).
fn out_of_space(e: &(dyn std::error::Error + 'static)) -> bool {
    if let Some(queue) = e.downcast_ref::<crate::queue::QueueError>() {
        return queue.is_no_space();
    }
    let Some(io) = e.downcast_ref::<std::io::Error>() else { return false };
    use std::io::ErrorKind::{QuotaExceeded, StorageFull};
    matches!(io.kind(), StorageFull | QuotaExceeded)
        || io.get_ref().is_some_and(|inner| out_of_space(inner))
}

/// The C library's wording of an I/O error (`No such file or directory`), without
/// Rust's ` (os error N)`: the text sendmail's messages carry.
pub fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn a_full_disk_is_tempfail_even_wrapped() {
        let full = io::Error::from_raw_os_error(nix::errno::Errno::ENOSPC as i32);
        assert_eq!(exit_code(&full), EX_TEMPFAIL);
        let quota = io::Error::from_raw_os_error(nix::errno::Errno::EDQUOT as i32);
        assert_eq!(exit_code(&io::Error::other(quota)), EX_TEMPFAIL);
        let eio = io::Error::from_raw_os_error(nix::errno::Errno::EIO as i32);
        assert_eq!(exit_code(&io::Error::other(eio)), EX_IOERR);
        let full = io::Error::from_raw_os_error(nix::errno::Errno::ENOSPC as i32);
        let queue = crate::queue::QueueError::io(std::path::Path::new("df1"), full);
        assert_eq!(exit_code(&io::Error::other(queue)), EX_TEMPFAIL);
    }
}
