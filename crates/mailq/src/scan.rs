//! Reading the jobs of one queue directory for listing.
//!
//! Each control file is opened once: a `LOCK_SH|LOCK_NB` probe on that descriptor says
//! whether a queue runner holds the job (flock, as sendmail), then the file is read
//! with the listing reader. The df is only stat'ed (its size is the Size column).
//! Jobs are sorted by priority, lowest first, as sendmail's default `QueueSortOrder`.

use crate::flags::{Filter, Mode};
use spool::qf::{self, Code, QueueFile};
use spool::queue::{FileKind, Queue, QueueError, QueueId};
use std::fs::{File, TryLockError};
use std::io::{self, Read};

/// One job as read for listing.
#[derive(Debug)]
pub struct Entry {
    /// The queue ID.
    pub id: QueueId,
    /// The control file's lines, or why it could not be read.
    pub qf: Result<QueueFile, String>,
    /// The df's size, or the error from stat'ing it.
    pub df_size: Result<u64, io::Error>,
    /// A path naming the df relative to the queue directory, as sendmail prints it.
    pub df_name: String,
    /// Whether another process holds the job's lock.
    pub locked: bool,
    /// The `P` line (0 when missing).
    pub priority: i64,
}

/// The kind of control file listed in `mode`.
pub fn control_kind(mode: Mode) -> FileKind {
    match mode {
        Mode::Normal => FileKind::Control,
        Mode::Quarantined => FileKind::Quarantined,
        Mode::Lost => FileKind::Lost,
    }
}

/// Reads every job of `mode` in `queue` that `filters` select, sorted for listing.
pub fn scan(queue: &Queue, mode: Mode, filters: &[Filter]) -> Result<Vec<Entry>, QueueError> {
    let kind = control_kind(mode);
    let mut entries = Vec::new();
    for id in queue.list(kind)? {
        if !id_selected(&id, filters) {
            continue;
        }
        let entry = read_entry(queue, kind, id);
        if selected(&entry, filters) {
            entries.push(entry);
        }
    }
    entries.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.id.cmp(&b.id)));
    Ok(entries)
}

fn read_entry(queue: &Queue, kind: FileKind, id: QueueId) -> Entry {
    let path = queue.path(kind, &id);
    let (qf, locked) = match read_control(&path) {
        Ok((bytes, locked)) => {
            (qf::parse_listing(&path, &bytes).map_err(|e| e.to_string()), locked)
        }
        Err(e) => (Err(strerror(&e)), false),
    };
    let priority = qf.as_ref().ok().and_then(|q| number(q.first(Code::Priority))).unwrap_or(0);
    let df_path = queue.path(FileKind::Data, &id);
    let df_name = match df_path.strip_prefix(queue.root()) {
        Ok(rel) if rel.parent() == Some(std::path::Path::new("")) => format!("./{}", rel.display()),
        Ok(rel) => rel.display().to_string(),
        Err(_) => df_path.display().to_string(),
    };
    let df_size = std::fs::metadata(&df_path).map(|m| m.len());
    Entry { id, qf, df_size, df_name, locked, priority }
}

/// The control file's bytes and whether another process holds its lock.
fn read_control(path: &std::path::Path) -> io::Result<(Vec<u8>, bool)> {
    let file = File::open(path)?;
    let locked = matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock));
    let mut bytes = Vec::new();
    (&file).take(qf::MAX_FILE as u64 + 1).read_to_end(&mut bytes)?;
    Ok((bytes, locked))
}

/// The C library's text for an I/O error, without Rust's " (os error N)".
pub fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

fn number(value: Option<&[u8]>) -> Option<i64> {
    std::str::from_utf8(value?).ok()?.trim().parse().ok()
}

fn id_selected(id: &QueueId, filters: &[Filter]) -> bool {
    group_matches(filters, 'I', |text| id.as_str().contains(text))
}

/// sendmail's selection: every kind of filter given must match (AND); several filters
/// of one kind match if any does (OR). `R` and `S` ignore case; a `!` filter matches
/// a job with a recipient (sender, ...) that does not contain the text.
fn selected(entry: &Entry, filters: &[Filter]) -> bool {
    let Ok(qf) = &entry.qf else { return filters.iter().all(|f| f.field == 'I') };
    [('R', Code::Recipient, true), ('S', Code::Sender, true), ('Q', Code::Quarantine, false)]
        .iter()
        .all(|&(field, code, fold)| field_matches(qf, filters, field, code, fold))
}

fn field_matches(qf: &QueueFile, filters: &[Filter], field: char, code: Code, fold: bool) -> bool {
    let wanted: Vec<&Filter> = filters.iter().filter(|f| f.field == field).collect();
    if wanted.is_empty() {
        return true;
    }
    let norm = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes).into_owned();
        if fold {
            text.to_ascii_lowercase()
        } else {
            text
        }
    };
    let values: Vec<String> =
        qf.values(code)
            .map(|v| {
                if code == Code::Recipient {
                    qf::envelope::split_recipient(v).1
                } else {
                    v.to_vec()
                }
            })
            .map(|v| norm(&v))
            .collect();
    wanted.iter().any(|f| {
        let text = norm(f.text.as_bytes());
        if f.negate {
            values.iter().any(|v| !v.contains(&text))
        } else {
            values.iter().any(|v| v.contains(&text))
        }
    })
}

fn group_matches(filters: &[Filter], field: char, hit: impl Fn(&str) -> bool) -> bool {
    let mut group = filters.iter().filter(|f| f.field == field).peekable();
    group.peek().is_none() || group.any(|f| hit(&f.text) != f.negate)
}
