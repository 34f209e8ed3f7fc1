//! A message locked for processing: read it, rewrite it, remove it or set it aside.

use super::commit::write_control;
use super::{FileKind, Queue, QueueError, QueueId};
use crate::qf::{self, QueueFile};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A message whose control file this process holds locked (`flock LOCK_EX`).
/// The lock is released when the `Job` is dropped.
#[derive(Debug)]
pub struct Job {
    queue: Queue,
    id: QueueId,
    file: File,
    /// Which control file it is: `qf`, or `hf` for a quarantined message.
    kind: FileKind,
}

impl Job {
    pub(super) fn from_parts(queue: Queue, id: QueueId, file: File, kind: FileKind) -> Job {
        Job { queue, id, file, kind }
    }

    /// Locks `id`'s qf without waiting; `None` if it is locked elsewhere or gone.
    ///
    /// # Errors
    /// [`QueueError::NotRegular`] when the name is a FIFO, device, socket or directory
    /// (found at once: the open does not wait for a FIFO's writer); `Io` for a symlink
    /// (`ELOOP`) or another failure.
    pub(super) fn lock(
        queue: Queue,
        id: QueueId,
        kind: FileKind,
    ) -> Result<Option<Job>, QueueError> {
        let path = queue.path(kind, &id);
        let file = match open_regular(&path) {
            Ok(f) => f,
            Err(QueueError::Io { error, .. }) if error.kind() == io::ErrorKind::NotFound => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Error(e)) => return Err(QueueError::io(&path, e)),
        }
        // The name may have been renamed away or replaced between open and lock.
        let open = file.metadata().map_err(|e| QueueError::io(&path, e))?;
        match std::fs::symlink_metadata(&path) {
            Ok(now) if now.dev() == open.dev() && now.ino() == open.ino() && open.nlink() > 0 => {
                Ok(Some(Job { queue, id, file, kind }))
            }
            _ => Ok(None),
        }
    }

    /// The message's queue ID.
    pub fn id(&self) -> &QueueId {
        &self.id
    }

    /// The path of one of the message's files.
    pub fn path(&self, kind: FileKind) -> PathBuf {
        self.queue.path(kind, &self.id)
    }

    /// Reads and parses the locked control file with the delivery reader.
    pub fn read(&mut self) -> Result<QueueFile, QueueError> {
        let path = self.path(self.kind);
        let mut bytes = Vec::new();
        self.file
            .rewind()
            .and_then(|_| (&self.file).take(qf::MAX_FILE as u64 + 1).read_to_end(&mut bytes))
            .map_err(|e| QueueError::io(&path, e))?;
        Ok(qf::parse(&path, &bytes)?)
    }

    /// Quarantines the message for `reason`, or gives a quarantined one a new reason;
    /// with `None`, releases it. The control file is written anew (tf, fsync, rename,
    /// fsync dir) without its `q` line, or with one just before the `S` line where
    /// sendmail 8.17 writes it, as an `hf` when quarantined and a `qf` when not; then
    /// the old one is removed (a crash in between leaves both: the message may be
    /// delivered, never lost). sendmail's `sendmail -Q[reason] -q[Q]I<id>`.
    pub fn set_quarantine(mut self, reason: Option<&str>) -> Result<(), QueueError> {
        let mut qf = self.read()?;
        qf.lines.retain(|l| l.code() != Some(qf::Code::Quarantine));
        if let Some(reason) = reason {
            let sender = qf.lines.iter().position(|l| l.code() == Some(qf::Code::Sender));
            let at = sender.unwrap_or(qf.lines.len().saturating_sub(1));
            qf.lines.insert(at, qf::Line::new(qf::Code::Quarantine, reason));
        }
        let old = self.path(self.kind);
        let kind = if reason.is_some() { FileKind::Quarantined } else { FileKind::Control };
        self.file = write_control(&self.queue, &self.id, &qf)?;
        if kind != self.kind {
            self.queue.fs().remove(&old).map_err(|e| QueueError::io(&old, e))?;
            self.kind = kind;
        }
        self.queue.sync_dir(FileKind::Control)
    }

    /// Replaces the control file with `qf` (tf, fsync, rename, fsync dir); the lock
    /// moves to the new file.
    pub fn rewrite(&mut self, qf: &QueueFile) -> Result<(), QueueError> {
        self.file = write_control(&self.queue, &self.id, qf)?;
        self.queue.sync_dir(FileKind::Control)
    }

    /// Removes the message: qf, df, xf (a missing one is fine), then fsyncs the
    /// directory. The control file goes first, the reverse of the commit: a crash
    /// part way leaves a df no runner reads (swept once it has aged), never a qf
    /// without its df (which pickup would set aside as lost, and a runner report
    /// as a missing data file).
    pub fn remove(self) -> Result<(), QueueError> {
        for kind in [self.kind, FileKind::Data, FileKind::Transcript] {
            let path = self.path(kind);
            match self.queue.fs().remove(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(QueueError::io(&path, e)),
            }
        }
        self.queue.sync_dir(FileKind::Control)?;
        if self.queue.dir(FileKind::Data) != self.queue.dir(FileKind::Control) {
            self.queue.sync_dir(FileKind::Data)?;
        }
        Ok(())
    }

    /// Sets an unreadable control file aside as `Qf<ID>` (sendmail's "Losing qf").
    pub fn set_aside(self) -> Result<PathBuf, QueueError> {
        let lost = self.path(FileKind::Lost);
        self.queue
            .fs()
            .rename(&self.path(self.kind), &lost)
            .map_err(|e| QueueError::io(&lost, e))?;
        self.queue.sync_dir(FileKind::Control)?;
        Ok(lost)
    }
}

/// Opens a control file for reading: never through a symlink (`O_NOFOLLOW`), never
/// waiting (`O_NONBLOCK`: opening a FIFO would otherwise block until a writer comes;
/// on a regular file the flag changes neither reads nor `flock`), and only if what
/// was opened is a regular file.
pub(super) fn open_regular(path: &Path) -> Result<File, QueueError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| QueueError::io(path, e))?;
    let meta = file.metadata().map_err(|e| QueueError::io(path, e))?;
    if !meta.file_type().is_file() {
        return Err(QueueError::NotRegular { path: path.to_path_buf() });
    }
    Ok(file)
}
