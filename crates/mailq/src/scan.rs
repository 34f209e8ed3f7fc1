//! Reading the jobs of one queue directory for listing.
//!
//! Each control file is opened once: a `LOCK_SH|LOCK_NB` probe on that descriptor says
//! whether a queue runner holds the job (flock, as sendmail), then the file is read
//! whole, with one call when it fits the buffer. Its records are read in place
//! ([`spool::qf::records`]) as sendmail's lister reads them. The df is only stat'ed
//! (its size is the Size column). Jobs are sorted by priority, lowest first, as
//! sendmail's default `QueueSortOrder`. The files are read by one thread per CPU: a
//! listing spends its time in open/flock/read/stat calls, which run in parallel.

use crate::flags::{Filter, Mode};
use spool::qf::{self, envelope::split_recipient};
use spool::queue::{FileKind, Queue, QueueError, QueueId};
use std::fs::{File, TryLockError};
use std::io::{self, Read};

/// The most threads a listing uses.
const MAX_THREADS: usize = 8;
/// The read buffer: a qf of this size or less is read with one call.
const READ_BUFFER: usize = 64 * 1024;

/// One job as read for listing.
#[derive(Debug)]
pub struct Entry {
    /// The queue ID.
    pub id: QueueId,
    /// The control file's bytes, or why it could not be read.
    pub qf: Result<Vec<u8>, String>,
    /// The df's size, or the error from stat'ing it.
    pub df_size: Result<u64, io::Error>,
    /// A path naming the df relative to the queue directory, as sendmail prints it.
    pub df_name: String,
    /// Whether another process holds the job's lock.
    pub locked: bool,
    /// The `P` line (0 when missing).
    pub priority: i64,
    /// The entry as printed, made by the reading thread (see [`scan`]).
    pub rendered: Vec<u8>,
}

impl Entry {
    /// The records of the control file (none if it could not be read).
    pub fn records(&self) -> impl Iterator<Item = (u8, &[u8])> {
        qf::records(self.qf.as_deref().unwrap_or_default())
    }
}

/// The kind of control file listed in `mode`.
pub fn control_kind(mode: Mode) -> FileKind {
    match mode {
        Mode::Normal => FileKind::Control,
        Mode::Quarantined => FileKind::Quarantined,
        Mode::Lost => FileKind::Lost,
    }
}

/// How a reading thread renders each entry it read (its output text).
pub type Render<'a> = &'a (dyn Fn(&Entry) -> Vec<u8> + Sync);

/// Reads every job of `mode` in `queue` that `filters` select, renders each with
/// `render` on the reading thread, and returns them sorted for listing.
pub fn scan(
    queue: &Queue,
    mode: Mode,
    filters: &[Filter],
    render: Render,
) -> Result<Vec<Entry>, QueueError> {
    let kind = control_kind(mode);
    let ids: Vec<QueueId> =
        queue.list(kind)?.into_iter().filter(|id| id_selected(id, filters)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS);
    let chunk = ids.len().div_ceil(threads).max(1);
    let mut entries: Vec<Entry> = std::thread::scope(|scope| {
        let workers: Vec<_> = ids
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut buffer = vec![0u8; READ_BUFFER];
                    part.iter()
                        .map(|id| read_entry(queue, kind, id.clone(), &mut buffer))
                        .filter(|e| selected(e, filters))
                        .map(|mut e| {
                            e.rendered = render(&e);
                            e
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a listing thread panicked")).collect()
    });
    entries.sort_by(|a, b| a.priority.cmp(&b.priority).then_with(|| a.id.cmp(&b.id)));
    Ok(entries)
}

fn read_entry(queue: &Queue, kind: FileKind, id: QueueId, buffer: &mut Vec<u8>) -> Entry {
    let path = queue.path(kind, &id);
    let (qf, locked) = match read_control(&path, buffer) {
        Ok((bytes, locked)) => (Ok(bytes.to_vec()), locked),
        Err(e) => (Err(strerror(&e)), false),
    };
    let priority = qf
        .as_deref()
        .ok()
        .and_then(|b| qf::records(b).find(|(l, _)| *l == b'P'))
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse().ok())
        .unwrap_or(0);
    let df_path = queue.path(FileKind::Data, &id);
    let df_name = match df_path.strip_prefix(queue.root()) {
        Ok(rel) if rel.parent() == Some(std::path::Path::new("")) => {
            format!("./{}", rel.display())
        }
        Ok(rel) => rel.display().to_string(),
        Err(_) => df_path.display().to_string(),
    };
    let df_size = std::fs::metadata(&df_path).map(|m| m.len());
    Entry { id, qf, df_size, df_name, locked, priority, rendered: Vec::new() }
}

/// The control file's bytes and whether another process holds its lock. A file that
/// fits the buffer is read with a single call; a short read of a regular file means
/// its end was reached.
fn read_control<'b>(
    path: &std::path::Path,
    buffer: &'b mut Vec<u8>,
) -> io::Result<(&'b [u8], bool)> {
    let mut file = File::open(path)?;
    let locked = matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock));
    buffer.resize(READ_BUFFER, 0);
    let n = file.read(buffer)?;
    if n < buffer.len() {
        return Ok((&buffer[..n], locked));
    }
    buffer.truncate(n);
    (&file).take(qf::MAX_FILE as u64).read_to_end(buffer)?;
    Ok((&buffer[..], locked))
}

pub use spool::sysexits::strerror;

fn id_selected(id: &QueueId, filters: &[Filter]) -> bool {
    let mut group = filters.iter().filter(|f| f.field == 'I').peekable();
    group.peek().is_none() || group.any(|f| id.as_str().contains(&f.text) != f.negate)
}

/// sendmail's selection: every kind of filter given must match (AND); several filters
/// of one kind match if any does (OR). `R` and `S` ignore case; a `!` filter matches
/// a job with a recipient (sender, ...) that does not contain the text.
fn selected(entry: &Entry, filters: &[Filter]) -> bool {
    if entry.qf.is_err() {
        return filters.iter().all(|f| f.field == 'I');
    }
    [('R', b'R', true), ('S', b'S', true), ('Q', b'q', false)]
        .iter()
        .all(|&(field, letter, fold)| field_matches(entry, filters, field, letter, fold))
}

fn field_matches(entry: &Entry, filters: &[Filter], field: char, letter: u8, fold: bool) -> bool {
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
    let values: Vec<String> = entry
        .records()
        .filter(|(l, _)| *l == letter)
        .map(|(_, v)| if letter == b'R' { split_recipient(v).1 } else { v.to_vec() })
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
