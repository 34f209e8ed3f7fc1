//! A queue directory in sendmail 8.17's layout: naming, durable commit, locks, listing.
//!
//! Files are `<kind><ID>` ([`FileKind`]): `qf` control file, `df` body, `tf` a control
//! file being written, `xf` transcript, `hf` quarantined control file, `Qf` a control
//! file set aside as unreadable. When the queue directory has `qf/`, `df/` or `xf/`
//! subdirectories (sendmail's split layout) the files of those kinds live there; `tf`,
//! `hf` and `Qf` live with the `qf`.
//!
//! Invariants (the durability contract of DESIGN.md):
//! * A new message is written df first (`O_EXCL`, locked, fsync), then its control file
//!   as `tf` (`O_EXCL`, locked, fsync), renamed to `qf`, then the directory is fsync'd.
//!   Only then may anyone be told the message was accepted ([`NewMessage::commit`]).
//! * A qf is never edited in place: [`Job::rewrite`] writes a `tf` and renames it over.
//! * Locks are `flock(2)`, as Debian's sendmail (built with HASFLOCK) uses: the owner of a
//!   job holds `LOCK_EX` on the open qf; listers probe with `LOCK_SH|LOCK_NB`. After
//!   locking, the open file is compared with the name (stat vs fstat) so a qf renamed
//!   or replaced meanwhile is not mistaken for the job.
//! * A control file is opened without following symlinks and without blocking, and
//!   only a regular file is used: a FIFO named like a qf is an error at once.
//!
//! Which jobs a queue holds and in what order they are listed and run is [`scan`]'s
//! (with `MinQueueAge`, `QueueSortOrder` and the `-q` selections); the directories a
//! `QueueDirectory` pattern names are [`groups`]'. The rule for a new message's file
//! mode ([`file_mode`]) is here and its priority is
//! [`QueueSettings::priority`](crate::settings::QueueSettings::priority), so every
//! program that queues mail applies the same. Files a crash left behind are removed by
//! [`Queue::sweep`] (its module says which).
//!
//! # Errors
//! [`QueueError`] names the file (and so the queue ID) that failed.

mod commit;
pub mod fs;
pub mod groups;
mod id;
mod job;
pub mod scan;
mod sweep;

pub use commit::NewMessage;
pub use id::{encode_time, next_id, QueueId};
pub use job::Job;
pub use sweep::STRAY_AGE;

use fs::{FileSystem, RealFs};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The longest file name sendmail's queue scan accepts (`MAXQFNAME` is 21, exclusive).
const MAX_NAME: usize = 20;

/// The kinds of file a message is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `qf`: the control file.
    Control,
    /// `df`: the body.
    Data,
    /// `tf`: a control file being written.
    Temp,
    /// `xf`: the transcript of a delivery attempt.
    Transcript,
    /// `hf`: a quarantined control file.
    Quarantined,
    /// `Qf`: a control file set aside because it could not be read.
    Lost,
}

impl FileKind {
    /// The two-letter prefix of the file name.
    pub fn prefix(self) -> &'static str {
        match self {
            FileKind::Control => "qf",
            FileKind::Data => "df",
            FileKind::Temp => "tf",
            FileKind::Transcript => "xf",
            FileKind::Quarantined => "hf",
            FileKind::Lost => "Qf",
        }
    }
}

/// An error on a queue file, naming the file.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// A filesystem call failed (the message carries the OS error's text; it is not
    /// repeated as a source).
    #[error("{}: {}", path.display(), crate::sysexits::strerror(error))]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What failed.
        error: io::Error,
    },
    /// A control file could not be parsed.
    #[error(transparent)]
    Qf(#[from] crate::qf::QfError),
    /// A queue file name is not a regular file (a FIFO, device, socket or directory).
    #[error("{}: not a regular file", path.display())]
    NotRegular {
        /// The file.
        path: PathBuf,
    },
}

impl QueueError {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: &Path, error: io::Error) -> QueueError {
        QueueError::Io { path: path.to_path_buf(), error }
    }

    /// Whether the error is the disk or quota being full (`ENOSPC`, `EDQUOT`).
    pub fn is_no_space(&self) -> bool {
        matches!(self, QueueError::Io { error, .. } if is_no_space(error))
    }
}

/// Whether `error` is a full disk or quota.
fn is_no_space(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded)
}

impl From<QueueError> for io::Error {
    /// An I/O error of the same kind (a full disk stays [`io::ErrorKind::StorageFull`])
    /// whose message names the file, so callers that speak `io::Error` (a body sink)
    /// lose nothing a caller may branch on.
    fn from(e: QueueError) -> io::Error {
        let kind = match &e {
            QueueError::Io { error, .. } => error.kind(),
            QueueError::Qf(_) => io::ErrorKind::InvalidData,
            QueueError::NotRegular { .. } => io::ErrorKind::InvalidInput,
        };
        io::Error::new(kind, e)
    }
}

/// The mode of new queue files: `QueueFileMode` when the queue's configuration sets
/// it (FEATURE(msp) sets 0660 for the client queue), else 0660 in a client queue (the
/// queue's group, smmsp, reads it) and 0600 in the MTA's.
pub fn file_mode(configured: Option<u32>, client_queue: bool) -> u32 {
    configured.unwrap_or(if client_queue { 0o660 } else { 0o600 })
}

/// A queue directory.
#[derive(Debug, Clone)]
pub struct Queue {
    root: PathBuf,
    qf_dir: PathBuf,
    df_dir: PathBuf,
    xf_dir: PathBuf,
    file_mode: u32,
    fs: Arc<dyn FileSystem>,
}

impl Queue {
    /// The queue in `root`, using `qf/`, `df/`, `xf/` subdirectories where they exist.
    pub fn open(root: &Path) -> Queue {
        let sub = |name: &str, fallback: &Path| {
            let dir = root.join(name);
            if dir.is_dir() {
                dir
            } else {
                fallback.to_path_buf()
            }
        };
        let qf_dir = sub("qf", root);
        let df_dir = sub("df", &qf_dir);
        let xf_dir = sub("xf", &qf_dir);
        Queue {
            root: root.to_path_buf(),
            qf_dir,
            df_dir,
            xf_dir,
            file_mode: 0o600,
            fs: Arc::new(RealFs),
        }
    }

    /// Uses `mode` for new files (sendmail's `QueueFileMode`; 0600 by default).
    pub fn with_file_mode(mut self, mode: u32) -> Queue {
        self.file_mode = mode;
        self
    }

    /// Routes every write through `fs` (tests inject failures this way).
    pub fn with_fs(mut self, fs: Arc<dyn FileSystem>) -> Queue {
        self.fs = fs;
        self
    }

    /// The queue directory as given.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory holding files of `kind`.
    pub fn dir(&self, kind: FileKind) -> &Path {
        match kind {
            FileKind::Data => &self.df_dir,
            FileKind::Transcript => &self.xf_dir,
            _ => &self.qf_dir,
        }
    }

    /// The path of the `kind` file of message `id`.
    pub fn path(&self, kind: FileKind, id: &QueueId) -> PathBuf {
        self.dir(kind).join(format!("{}{}", kind.prefix(), id))
    }

    /// The IDs of every file of `kind` (`Control`, `Quarantined` or `Lost`), unsorted.
    pub fn list(&self, kind: FileKind) -> Result<Vec<QueueId>, QueueError> {
        let dir = self.dir(kind);
        let entries = std::fs::read_dir(dir).map_err(|e| QueueError::io(dir, e))?;
        let mut ids = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| QueueError::io(dir, e))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if name.len() > MAX_NAME || !name.starts_with(kind.prefix()) {
                continue;
            }
            if let Some(id) = QueueId::parse(&name[2..]) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// Starts a new message: a fresh ID and its `df`, created exclusively and locked.
    pub fn new_message(&self) -> Result<NewMessage, QueueError> {
        NewMessage::create(self.clone(), None)
    }

    /// Starts a new message as `id` (the ID a daemon already logged the session
    /// under), or under a fresh ID if a file of that name exists.
    pub fn new_message_as(&self, id: QueueId) -> Result<NewMessage, QueueError> {
        NewMessage::create(self.clone(), Some(id))
    }

    /// Locks message `id` for processing; `None` if another process holds it.
    pub fn lock(&self, id: &QueueId) -> Result<Option<Job>, QueueError> {
        Job::lock(self.clone(), id.clone(), FileKind::Control)
    }

    /// Locks quarantined message `id` (its `hf`); `None` if another process holds it.
    pub fn lock_quarantined(&self, id: &QueueId) -> Result<Option<Job>, QueueError> {
        Job::lock(self.clone(), id.clone(), FileKind::Quarantined)
    }

    /// Whether another process holds the lock of `id`'s control file (a `LOCK_SH`
    /// probe, as mailq makes). A file that is gone, or is no regular file, counts as
    /// not locked.
    pub fn is_locked(&self, kind: FileKind, id: &QueueId) -> bool {
        let Ok(file) = job::open_regular(&self.path(kind, id)) else { return false };
        matches!(file.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock))
    }

    fn fs(&self) -> &dyn FileSystem {
        self.fs.as_ref()
    }

    fn sync_dir(&self, kind: FileKind) -> Result<(), QueueError> {
        let dir = self.dir(kind);
        self.fs().sync_dir(dir).map_err(|e| QueueError::io(dir, e))
    }
}

#[cfg(test)]
mod tests;
