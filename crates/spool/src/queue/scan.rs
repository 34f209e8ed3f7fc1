//! # Name
//! scan - the jobs of a queue directory: which, read how, in what order
//!
//! # Description
//! What `mailq` lists and a queue run works through is one scan:
//!
//! * **Which files**: the control files of one [`FileKind`] (`qf`; `hf` with `-qQ`;
//!   `Qf` with `-qL`), narrowed by `-q[!]I|R|S|Q<text>` [`Filter`]s as sendmail
//!   selects: every kind of filter given must match (AND), several of one kind match
//!   if any does (OR); `R` and `S` ignore case; a `!` filter matches a job with a
//!   recipient (sender, ...) that does not contain the text. `I` is decided by the
//!   name alone, before the file is opened.
//! * **How**: each control file is opened once; a `LOCK_SH|LOCK_NB` probe on that
//!   descriptor says whether a queue runner holds the job (flock, as sendmail), then
//!   the file is read whole, with one call when it fits the buffer. The df is only
//!   stat'ed. The files are read by one thread per CPU (up to 8): the work is
//!   open/flock/read/stat calls, which run in parallel; a caller's `make` runs on the
//!   reading thread too (mailq renders its listing there).
//! * **Order**: sendmail's `QueueSortOrder` ([`SortOrder`]), lowest first, with ties
//!   broken by queue ID (sendmail leaves them in directory order, which differs
//!   between file systems).
//! * **Age**: `MinQueueAge` ([`Entry::too_young`]): a job tried less than that long
//!   ago is not run again yet (mailq marks it `-`).
//!
//! # Errors
//! Listing the directory fails with [`QueueError`]; a control file that cannot be
//! read is an [`Entry`] whose `qf` says why (mailq prints it; a runner skips it).

use super::{FileKind, Queue, QueueError, QueueId};
use crate::qf::{self, envelope::split_recipient};
use std::fs::{File, TryLockError};
use std::io::{self, Read};

/// The most threads a scan uses.
const MAX_THREADS: usize = 8;
/// The read buffer: a qf of this size or less is read with one call.
const READ_BUFFER: usize = 64 * 1024;

/// sendmail's `QueueSortOrder`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortOrder {
    /// `priority` (the default): the `P` line, lowest first.
    #[default]
    Priority,
    /// `host`: the host of the first recipient, compared backwards and ignoring case
    /// (so the domains of one organisation stay together), then priority.
    Host,
    /// `time`: the creation time (`T`), oldest first.
    Time,
    /// `filename`: the queue ID.
    Filename,
    /// `modification`: the control file's modification time, oldest first.
    Modification,
    /// `random`: shuffled.
    Random,
    /// `none`: as the directory lists them.
    None,
}

impl SortOrder {
    /// The order an option value names, by its first letter as sendmail reads it
    /// (`p`riority, `h`ost, `t`ime, `f`ilename, `m`odification, `r`andom, `n`one);
    /// `None` for anything else.
    pub fn parse(value: &str) -> Option<SortOrder> {
        let first = value.trim().chars().next()?.to_ascii_lowercase();
        Some(match first {
            'p' => SortOrder::Priority,
            'h' => SortOrder::Host,
            't' => SortOrder::Time,
            'f' => SortOrder::Filename,
            'm' => SortOrder::Modification,
            'r' => SortOrder::Random,
            'n' => SortOrder::None,
            _ => return None,
        })
    }
}

/// A `-q[!]X<text>` selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// `I` (queue ID), `R` (recipient), `S` (sender) or `Q` (quarantine reason).
    pub field: char,
    /// The text to look for.
    pub text: String,
    /// `!`: select jobs that do not match.
    pub negate: bool,
}

/// What to scan.
#[derive(Debug, Clone)]
pub struct Scan {
    /// Which control files (`Control`, `Quarantined` or `Lost`).
    pub kind: FileKind,
    /// The selections.
    pub filters: Vec<Filter>,
    /// The order.
    pub order: SortOrder,
}

/// One job as read.
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
    /// The control file's modification time (read for [`SortOrder::Modification`]).
    pub modified: Option<i64>,
}

impl Entry {
    /// The records of the control file (none if it could not be read).
    pub fn records(&self) -> impl Iterator<Item = (u8, &[u8])> {
        qf::records(self.qf.as_deref().unwrap_or_default())
    }

    /// The number on the first `letter` line, 0 when there is none.
    fn number(&self, letter: u8) -> i64 {
        self.records().find(|(l, _)| *l == letter).map_or(0, |(_, v)| number(v))
    }

    /// sendmail's "too young": `MinQueueAge` (`min_age` seconds) is set and the last
    /// delivery attempt (`K`) was less than that long before `now`.
    pub fn too_young(&self, min_age: i64, now: i64) -> bool {
        if min_age <= 0 {
            return false;
        }
        let last = self.number(b'K');
        last > 0 && last + min_age > now
    }

    /// The first recipient's host, reversed and in lower case, for [`SortOrder::Host`].
    fn host_key(&self) -> Option<Vec<u8>> {
        let (_, value) = self.records().find(|(l, _)| *l == b'R')?;
        let at = value.iter().rposition(|&b| b == b'@')?;
        Some(value[at + 1..].iter().rev().map(u8::to_ascii_lowercase).collect())
    }
}

/// A decimal number as sendmail's `atol` reads it (0 when there is none).
fn number(value: &[u8]) -> i64 {
    std::str::from_utf8(value).ok().and_then(|v| v.trim().parse().ok()).unwrap_or(0)
}

impl Scan {
    /// Every job whose control file is of `kind`, in priority order.
    pub fn new(kind: FileKind) -> Scan {
        Scan { kind, filters: Vec::new(), order: SortOrder::Priority }
    }

    /// Reads every job `self` selects in `queue`, gives each to `make` on the reading
    /// thread, and returns them in order with what `make` made of them.
    ///
    /// # Errors
    /// The directory cannot be listed.
    pub fn run<T: Send>(
        &self,
        queue: &Queue,
        make: &(dyn Fn(&Entry) -> T + Sync),
    ) -> Result<Vec<(Entry, T)>, QueueError> {
        let kind = self.kind;
        let ids: Vec<QueueId> =
            queue.list(kind)?.into_iter().filter(|id| id_selected(id, &self.filters)).collect();
        let threads =
            std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS);
        let chunk = ids.len().div_ceil(threads).max(1);
        let modified = self.order == SortOrder::Modification;
        let mut entries: Vec<(Entry, T)> = std::thread::scope(|scope| {
            let workers: Vec<_> = ids
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        let mut buffer = vec![0u8; READ_BUFFER];
                        part.iter()
                            .map(|id| read_entry(queue, kind, id.clone(), &mut buffer, modified))
                            .filter(|e| selected(e, &self.filters))
                            .map(|e| {
                                let made = make(&e);
                                (e, made)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a scanning thread panicked"))
                .collect()
        });
        sort(&mut entries, self.order);
        Ok(entries)
    }
}

/// Puts `entries` in `order`, ties by queue ID.
fn sort<T>(entries: &mut [(Entry, T)], order: SortOrder) {
    let by_id = |a: &(Entry, T), b: &(Entry, T)| a.0.id.cmp(&b.0.id);
    match order {
        SortOrder::Priority => {
            entries.sort_by(|a, b| a.0.priority.cmp(&b.0.priority).then_with(|| by_id(a, b)))
        }
        SortOrder::Host => {
            entries.sort_by_cached_key(|(e, _)| (e.host_key(), e.priority, e.id.clone()))
        }
        SortOrder::Time => entries.sort_by_cached_key(|(e, _)| (e.number(b'T'), e.id.clone())),
        SortOrder::Filename => entries.sort_by(by_id),
        SortOrder::Modification => entries.sort_by_key(|(e, _)| (e.modified, e.id.clone())),
        SortOrder::Random => shuffle(entries),
        SortOrder::None => {}
    }
}

/// A Fisher-Yates shuffle from a seed of the clock and the process ID (the order of
/// a queue run needs no cryptographic randomness).
fn shuffle<T>(entries: &mut [T]) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut state = (nanos ^ u64::from(std::process::id()).rotate_left(32)) | 1;
    for i in (1..entries.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        entries.swap(i, (state % (i as u64 + 1)) as usize);
    }
}

fn read_entry(
    queue: &Queue,
    kind: FileKind,
    id: QueueId,
    buffer: &mut Vec<u8>,
    want_mtime: bool,
) -> Entry {
    let path = queue.path(kind, &id);
    let (qf, locked, modified) = match read_control(&path, buffer, want_mtime) {
        Ok((bytes, locked, modified)) => (Ok(bytes.to_vec()), locked, modified),
        Err(e) => (Err(crate::sysexits::strerror(&e)), false, None),
    };
    let priority = qf
        .as_deref()
        .ok()
        .and_then(|b| qf::records(b).find(|(l, _)| *l == b'P'))
        .map_or(0, |(_, v)| number(v));
    let df_path = queue.path(FileKind::Data, &id);
    let df_name = match df_path.strip_prefix(queue.root()) {
        Ok(rel) if rel.parent() == Some(std::path::Path::new("")) => {
            format!("./{}", rel.display())
        }
        Ok(rel) => rel.display().to_string(),
        Err(_) => df_path.display().to_string(),
    };
    let df_size = std::fs::metadata(&df_path).map(|m| m.len());
    Entry { id, qf, df_size, df_name, locked, priority, modified }
}

/// The control file's bytes, whether another process holds its lock, and (when
/// asked) its modification time. A file that fits the buffer is read with a single
/// call; a short read of a regular file means its end was reached.
fn read_control<'b>(
    path: &std::path::Path,
    buffer: &'b mut Vec<u8>,
    want_mtime: bool,
) -> io::Result<(&'b [u8], bool, Option<i64>)> {
    use std::os::unix::fs::MetadataExt;
    let mut file = File::open(path)?;
    let locked = matches!(file.try_lock_shared(), Err(TryLockError::WouldBlock));
    let modified = if want_mtime { Some(file.metadata()?.mtime()) } else { None };
    buffer.resize(READ_BUFFER, 0);
    let n = file.read(buffer)?;
    if n < buffer.len() {
        return Ok((&buffer[..n], locked, modified));
    }
    buffer.truncate(n);
    (&file).take(qf::MAX_FILE as u64).read_to_end(buffer)?;
    Ok((&buffer[..], locked, modified))
}

fn id_selected(id: &QueueId, filters: &[Filter]) -> bool {
    let mut group = filters.iter().filter(|f| f.field == 'I').peekable();
    group.peek().is_none() || group.any(|f| id.as_str().contains(&f.text) != f.negate)
}

/// The selection of the module documentation.
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

#[cfg(test)]
mod tests;
