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
/// qf that cannot be read `EX_DATAERR`, anything else `EX_SOFTWARE`.
pub fn exit_code(err: &(dyn std::error::Error + 'static)) -> i32 {
    let mut fallback = EX_SOFTWARE;
    let mut current = Some(err);
    while let Some(e) = current {
        if let Some(exit) = e.downcast_ref::<Exit>() {
            return exit.code;
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

/// The C library's wording of an I/O error (`No such file or directory`), without
/// Rust's ` (os error N)`: the text sendmail's messages carry.
pub fn strerror(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
