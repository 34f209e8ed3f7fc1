//! The failures `dhparam-gen` reports, each tied to one `<sysexits.h>` code.
//!
//! Every module returns [`Error`]; `main` finds it in the anyhow chain and exits
//! with [`Error::exit_code`]. A weak audit verdict is not an error: it is the
//! ordinary result of an audit and exits 1 (see `run`).
//!
//! # Errors
//! | variant | exit code | meaning |
//! |---|---|---|
//! | `Usage` | `EX_USAGE` (64) | bad command line, or nothing to audit |
//! | `BadInput` | `EX_DATAERR` (65) | a file is not usable DH parameters |
//! | `NoInput` | `EX_NOINPUT` (66) | a file named on the command line or in the config cannot be read |
//! | `Config` | `EX_CONFIG` (78) | the `.mc` cannot be understood |
//! | `Create` | `EX_CANTCREAT` (73) | the output file cannot be written |
//! | `Refused` | `EX_NOPERM` (77) | a `-starttls` target outside loopback without `--allow-remote` |
//! | `Connect` | `EX_UNAVAILABLE` (69) | the server cannot be reached or does not offer STARTTLS |
//! | `Protocol` | `EX_PROTOCOL` (76) | the server broke SMTP or TLS |
//! | `Crypto` | `EX_SOFTWARE` (70) | the OpenSSL library failed at something that should work |

use spool::sysexits;
use std::path::PathBuf;

/// Why a DH parameter file (or a server's DH group) cannot be audited or used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    /// The file is larger than any DH parameter file can be.
    #[error("file too large ({size} bytes; a DH parameter file is at most {limit})")]
    TooLarge {
        /// Size found.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// No `-----BEGIN` line at all.
    #[error("not a PEM file (no -----BEGIN line)")]
    NotPem,
    /// PEM blocks, but none of DH parameters.
    #[error("no DH PARAMETERS block (found: {found})")]
    NotDh {
        /// The labels that were found, comma separated.
        found: String,
    },
    /// The DH block has no END line.
    #[error("truncated PEM: no -----END {label}----- line")]
    NoEnd {
        /// The block's label.
        label: String,
    },
    /// PEM encapsulated headers (an encrypted block); DH parameters never have them.
    #[error("unexpected PEM header line {line}: DH parameters are never encrypted")]
    PemHeader {
        /// 1-based line number.
        line: usize,
    },
    /// A character that base64 does not use.
    #[error("invalid base64 on line {line}")]
    Base64 {
        /// 1-based line number.
        line: usize,
    },
    /// The base64 text stops in the middle of a group of four.
    #[error("truncated base64 (length not a multiple of 4)")]
    Base64Length,
    /// The DER inside is cut short or malformed.
    #[error("malformed DER: {0}")]
    Der(&'static str),
    /// A number in the parameters that cannot be one (zero, negative).
    #[error("invalid DH parameters: {0}")]
    Invalid(&'static str),
    /// A modulus too large for OpenSSL to use (or to audit in reasonable time).
    #[error("modulus of {bits} bits exceeds OpenSSL's limit of {limit} bits")]
    ModulusTooLarge {
        /// Bits of p.
        bits: i32,
        /// The limit.
        limit: i32,
    },
}

/// Everything that stops `dhparam-gen`, with the exit code it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad command line.
    #[error("{0}")]
    Usage(String),
    /// A file that is not usable DH parameters.
    #[error("{source_name}: {problem}")]
    BadInput {
        /// File name or server address.
        source_name: String,
        /// What is wrong.
        problem: InputError,
    },
    /// A file that cannot be read.
    #[error("{path}: {source}")]
    NoInput {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A `.mc` that cannot be read or understood (the message names file and line).
    #[error(transparent)]
    Config(#[from] spool::config::ConfigError),
    /// The output file cannot be written.
    #[error("{path}: {source}")]
    Create {
        /// The file being written.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A policy refusal.
    #[error("{0}")]
    Refused(String),
    /// The server cannot be reached or offers nothing to audit.
    #[error("{0}")]
    Connect(String),
    /// The server broke the protocol.
    #[error("{0}")]
    Protocol(String),
    /// OpenSSL failed.
    #[error("{what}: {source}")]
    Crypto {
        /// The operation.
        what: &'static str,
        /// OpenSSL's error queue.
        source: openssl::error::ErrorStack,
    },
}

impl Error {
    /// The `<sysexits.h>` code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => sysexits::EX_USAGE,
            Error::BadInput { .. } => sysexits::EX_DATAERR,
            Error::NoInput { .. } => sysexits::EX_NOINPUT,
            Error::Config(spool::config::ConfigError::Open { .. }) => sysexits::EX_NOINPUT,
            Error::Config(_) => sysexits::EX_CONFIG,
            Error::Create { .. } => sysexits::EX_CANTCREAT,
            Error::Refused(_) => sysexits::EX_NOPERM,
            Error::Connect(_) => sysexits::EX_UNAVAILABLE,
            Error::Protocol(_) => sysexits::EX_PROTOCOL,
            Error::Crypto { .. } => sysexits::EX_SOFTWARE,
        }
    }

    /// Wraps an OpenSSL failure of `what`.
    pub fn crypto(what: &'static str) -> impl FnOnce(openssl::error::ErrorStack) -> Error {
        move |source| Error::Crypto { what, source }
    }
}

/// The exit code for an error chain: the first [`Error`] in it, else `EX_SOFTWARE`.
pub fn exit_code_of(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<Error>())
        .map_or(sysexits::EX_SOFTWARE, Error::exit_code)
}
