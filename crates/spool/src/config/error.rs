//! Errors and warnings of the `.mc` reader, each naming where it happened.
//!
//! Every error message starts with the file path, then `line L, column C` where a
//! position is known, as in `sendmail.mc: line 12, column 9: HTML entity &#039; ...`.
//! The two errors about `-O` on the command line have no file and use sendmail's own
//! wording instead (`readcf: unknown option name Foo`).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A position in a `.mc` file: 1-based line and column (in characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pos {
    /// The file, shared by every position in it.
    pub file: Arc<Path>,
    /// 1-based line number.
    pub line: usize,
    /// 1-based column, counted in characters.
    pub col: usize,
}

impl Pos {
    /// The first character of `file`.
    pub fn start(file: Arc<Path>) -> Pos {
        Pos { file, line: 1, col: 1 }
    }
}

/// Something in a `.mc` file that ferrymail does not understand but can do without.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The file it is in.
    pub file: PathBuf,
    /// Its 1-based line number.
    pub line: usize,
    /// What is wrong, in one line.
    pub message: String,
}

impl Warning {
    pub(crate) fn at(pos: &Pos, message: String) -> Warning {
        Warning { file: pos.file.to_path_buf(), line: pos.line, message }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// Why a configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// An explicit configuration file (`-C FILE`) could not be opened; sendmail's wording.
    #[error("{}: line 0: cannot open: {reason}", path.display())]
    Open {
        /// The file named with `-C`.
        path: PathBuf,
        /// The system's reason, as `strerror` words it.
        reason: String,
    },
    /// An `include` of a file that is not there (outside `/etc/mail/m4`) or unreadable.
    #[error("{}: line {line}, column {col}: cannot include {}: {reason}", path.display(), target.display())]
    Include {
        /// The file with the `include`.
        path: PathBuf,
        /// Line of the `include`.
        line: usize,
        /// Column of the `include`.
        col: usize,
        /// The file it names.
        target: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
    /// Input that is not an m4 file at all: HTML entities, NUL bytes, unbalanced
    /// quotes or parentheses, runaway macros.
    #[error("{}: line {line}, column {col}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong there.
        message: String,
    },
    /// A known option defined with a value of the wrong type (`confMAX_HOP` of `abc`).
    #[error("{}: line {line}, column {col}: {define} ({option}): {reason}", path.display())]
    BadValue {
        /// The file.
        path: PathBuf,
        /// Line of the value.
        line: usize,
        /// Column of the value.
        col: usize,
        /// The `.mc` name, e.g. `confMAX_HOP`.
        define: String,
        /// The cf option name, e.g. `MaxHopCount`.
        option: &'static str,
        /// Why the value does not fit the option's type.
        reason: String,
    },
    /// `-O Name=value` with a name sendmail does not know; sendmail's own wording.
    #[error("readcf: unknown option name {name}")]
    UnknownOption {
        /// The name as given.
        name: String,
    },
    /// `-O Name=value` with a value of the wrong type.
    #[error("-O {option}={value}: {reason}")]
    BadOption {
        /// The cf option name.
        option: &'static str,
        /// The value as given.
        value: String,
        /// Why it does not fit.
        reason: String,
    },
}

impl ConfigError {
    /// A syntax error at `pos`.
    pub(crate) fn syntax(pos: &Pos, message: impl Into<String>) -> ConfigError {
        ConfigError::Syntax {
            path: pos.file.to_path_buf(),
            line: pos.line,
            col: pos.col,
            message: message.into(),
        }
    }
}

/// `strerror`-style text for an I/O error, without Rust's `(os error N)` suffix.
pub(crate) fn io_reason(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
