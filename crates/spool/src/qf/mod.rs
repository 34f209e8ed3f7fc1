//! The qf file: sendmail 8.17's V8 queue control file, read and written losslessly.
//!
//! A qf is text, one record per line, LF line ends. The first byte of a line is its
//! [`Code`]; the value follows with no separator. A line starting with SP or TAB
//! continues the previous one (only headers have them in practice); the last line is a
//! single `.`. See `tests/reference/queue/FORMAT.md` for every record.
//!
//! [`QueueFile`] keeps every line, in order, with its continuation lines inside its
//! value, so `parse` then [`QueueFile::to_bytes`] gives back the same bytes. The typed
//! accessors in [`envelope`] read what the programs need without losing the rest.
//!
//! Two ways to read, because sendmail has two readers:
//! * [`parse`] is the delivery reader (`readqf`): a letter sendmail does not know, a
//!   missing final `.`, a missing or too new `V` line are errors.
//! * [`parse_listing`] is the listing reader (`print_single_queue`): it keeps unknown
//!   lines and accepts a file with no final `.`, as `mailq` shows such files.
//!
//! Both reject NUL bytes, lines longer than [`MAX_LINE`], files larger than
//! [`MAX_FILE`], continuation lines with nothing to continue, and data after the `.`.
//!
//! # Errors
//! [`QfError`] names the file and the 1-based line number.

mod code;
pub mod envelope;

pub use code::Code;
use std::path::{Path, PathBuf};

/// The newest queue file version sendmail 8.17 writes and reads.
pub const QF_VERSION: u32 = 8;
/// The longest physical line accepted, in bytes.
pub const MAX_LINE: usize = 1 << 20;
/// The largest qf accepted, in bytes.
pub const MAX_FILE: usize = 64 << 20;

/// One qf record: its letter and its value (continuation lines included, joined by LF).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The first byte of the line.
    pub letter: u8,
    /// Everything after the letter, with continuation lines joined by `\n`.
    pub value: Vec<u8>,
}

impl Line {
    /// A line of a known code.
    pub fn new(code: Code, value: impl Into<Vec<u8>>) -> Line {
        Line { letter: code.letter(), value: value.into() }
    }

    /// The line's code, if the letter is one sendmail knows.
    pub fn code(&self) -> Option<Code> {
        Code::from_letter(self.letter)
    }
}

/// A parsed queue control file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFile {
    /// Every line in file order, the final `.` included when present.
    pub lines: Vec<Line>,
}

/// What is wrong with a qf.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QfErrorKind {
    /// The first line is not a `V` line.
    #[error("no V line: not a version 8 queue file")]
    MissingVersion,
    /// The `V` line names a version this reader does not know.
    #[error("unsupported queue file version \"{0}\"")]
    BadVersion(String),
    /// Bytes follow the final `.` line.
    #[error("bogus data after the final \".\"")]
    DataAfterEnd,
    /// The file holds a NUL byte.
    #[error("NUL byte in line")]
    Nul,
    /// A line is longer than [`MAX_LINE`].
    #[error("line longer than {MAX_LINE} bytes")]
    LineTooLong,
    /// The file is larger than [`MAX_FILE`].
    #[error("file larger than {MAX_FILE} bytes")]
    TooLarge,
    /// A line starts with a letter sendmail does not know (sendmail's wording).
    #[error("bad line \"{0}\"")]
    UnknownLetter(String),
    /// An empty line (sendmail never writes one).
    #[error("empty line")]
    EmptyLine,
    /// A value would not read back as written: a NUL, or a line break that is not
    /// followed by a blank (it would start a new record).
    #[error("value would not read back: {0}")]
    Unwritable(String),
    /// A continuation line comes first.
    #[error("continuation line with no line to continue")]
    StrayContinuation,
    /// A `T`, `K`, `N` or `P` line whose value is not a number (the line as read).
    #[error("bad number in line \"{0}\"")]
    BadNumber(String),
    /// There is no final `.` line (sendmail: "incomplete queue file read").
    #[error("incomplete queue file read")]
    Incomplete,
}

/// A qf that cannot be read, with the file and line where the problem is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: line {line}: {kind}", file.display())]
pub struct QfError {
    /// The file (as given to the parser).
    pub file: PathBuf,
    /// 1-based line number of the problem (the line after the last for EOF problems).
    pub line: usize,
    /// What is wrong.
    pub kind: QfErrorKind,
}

/// How strictly to read: as the delivery agent or as the queue lister.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Delivery,
    Listing,
}

/// Parses a qf as the delivery agent reads it (see the module docs).
pub fn parse(file: &Path, bytes: &[u8]) -> Result<QueueFile, QfError> {
    parse_mode(file, bytes, Mode::Delivery)
}

/// Parses a qf as `mailq` reads it: unknown lines kept, a missing `.` accepted.
pub fn parse_listing(file: &Path, bytes: &[u8]) -> Result<QueueFile, QfError> {
    parse_mode(file, bytes, Mode::Listing)
}

fn parse_mode(file: &Path, bytes: &[u8], mode: Mode) -> Result<QueueFile, QfError> {
    let fail = |line: usize, kind: QfErrorKind| QfError { file: file.to_path_buf(), line, kind };
    if bytes.len() > MAX_FILE {
        return Err(fail(1, QfErrorKind::TooLarge));
    }
    let mut qf = QueueFile::default();
    let mut ended = false;
    let mut number = 0;
    for raw in split_lines(bytes) {
        number += 1;
        check_physical(raw).map_err(|kind| fail(number, kind))?;
        if ended {
            return Err(fail(number, QfErrorKind::DataAfterEnd));
        }
        if raw.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            let last = qf.lines.last_mut().ok_or(fail(number, QfErrorKind::StrayContinuation))?;
            last.value.push(b'\n');
            last.value.extend_from_slice(raw);
            continue;
        }
        let (&letter, value) = raw.split_first().ok_or(fail(number, QfErrorKind::EmptyLine))?;
        let line = Line { letter, value: value.to_vec() };
        check_record(&qf, &line, mode).map_err(|kind| fail(number, kind))?;
        ended = line.code() == Some(Code::End);
        qf.lines.push(line);
    }
    if mode == Mode::Delivery && !ended {
        return Err(fail(number + 1, QfErrorKind::Incomplete));
    }
    Ok(qf)
}

/// The file's lines without their LF; a last line with no LF counts too.
fn split_lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    body.split(|&b| b == b'\n').take(if bytes.is_empty() { 0 } else { usize::MAX })
}

fn check_physical(raw: &[u8]) -> Result<(), QfErrorKind> {
    if raw.len() > MAX_LINE {
        return Err(QfErrorKind::LineTooLong);
    }
    if raw.contains(&0) {
        return Err(QfErrorKind::Nul);
    }
    Ok(())
}

/// Checks one record against the ones before it.
fn check_record(qf: &QueueFile, line: &Line, mode: Mode) -> Result<(), QfErrorKind> {
    let code = match line.code() {
        Some(code) => code,
        None if mode == Mode::Listing => return Ok(()),
        None => {
            let mut text = vec![line.letter];
            text.extend_from_slice(&line.value);
            return Err(QfErrorKind::UnknownLetter(String::from_utf8_lossy(&text).into_owned()));
        }
    };
    if qf.lines.is_empty() && code != Code::Version && mode == Mode::Delivery {
        return Err(QfErrorKind::MissingVersion);
    }
    if code == Code::Version {
        let text = String::from_utf8_lossy(&line.value);
        match text.parse::<u32>() {
            Ok(v) if v <= QF_VERSION => {}
            _ => return Err(QfErrorKind::BadVersion(text.into_owned())),
        }
    }
    Ok(())
}

impl QueueFile {
    /// An empty qf, to be filled with [`QueueFile::push`].
    pub fn new() -> QueueFile {
        QueueFile::default()
    }

    /// Appends a line.
    pub fn push(&mut self, code: Code, value: impl Into<Vec<u8>>) {
        self.lines.push(Line::new(code, value));
    }

    /// Whether the file ends with the `.` line.
    pub fn is_complete(&self) -> bool {
        self.lines.last().and_then(Line::code) == Some(Code::End)
    }

    /// The file's bytes: each line as its letter, value and LF.
    pub fn to_bytes(&self) -> Vec<u8> {
        let size = self.lines.iter().map(|l| l.value.len() + 2).sum();
        let mut out = Vec::with_capacity(size);
        for line in &self.lines {
            out.push(line.letter);
            out.extend_from_slice(&line.value);
            out.push(b'\n');
        }
        out
    }

    /// Checks that [`QueueFile::to_bytes`] reads back as these same lines: no NUL, no
    /// line break except before a continuation blank, no record starting with a blank.
    /// Every writer calls this before a qf reaches the disk, so no input, however
    /// hostile, can add a record to a queue file.
    pub fn check(&self, file: &Path) -> Result<(), QfError> {
        for (i, line) in self.lines.iter().enumerate() {
            let fail = |why: &str| QfError {
                file: file.to_path_buf(),
                line: i + 1,
                kind: QfErrorKind::Unwritable(format!("{}: {why}", line.letter as char)),
            };
            if matches!(line.letter, b' ' | b'\t' | b'\n' | 0) {
                return Err(fail("record starts with a blank"));
            }
            if line.value.contains(&0) {
                return Err(fail("NUL byte"));
            }
            let breaks = line.value.iter().enumerate().filter(|(_, &b)| b == b'\n');
            for (at, _) in breaks {
                if !matches!(line.value.get(at + 1), Some(b' ') | Some(b'\t')) {
                    return Err(fail("line break not followed by a blank"));
                }
            }
            if line.value.len() > MAX_LINE {
                return Err(fail("line too long"));
            }
        }
        Ok(())
    }

    /// The values of every line of `code`, in order.
    pub fn values(&self, code: Code) -> impl Iterator<Item = &[u8]> {
        let letter = code.letter();
        self.lines.iter().filter(move |l| l.letter == letter).map(|l| l.value.as_slice())
    }

    /// The value of the first line of `code`.
    pub fn first(&self, code: Code) -> Option<&[u8]> {
        self.values(code).next()
    }
}

/// The records of a qf as the lister reads them, without copying: each line's letter
/// and value, continuation lines skipped (sendmail's `print_single_queue` reads the
/// same way). Stops at the `.` line.
pub fn records(bytes: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    split_lines(bytes)
        .filter(|line| !matches!(line.first(), None | Some(b' ') | Some(b'\t')))
        .map(|line| (line[0], &line[1..]))
        .take_while(|(letter, _)| *letter != b'.')
}

#[cfg(test)]
mod tests;
