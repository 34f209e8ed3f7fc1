//! Writing a new message: df, then tf, fsync, rename to qf, fsync the directory.

use super::{next_id, FileKind, Job, Queue, QueueError, QueueId};
use crate::qf::QueueFile;
use std::fs::File;
use std::io;
use std::path::PathBuf;

/// How many fresh IDs to try when a file name is taken.
const ID_ATTEMPTS: usize = 100;
/// Body bytes collected before one write to the df.
const BUFFER: usize = 64 * 1024;

/// A message being written: its ID and open, locked `df`.
///
/// Dropped without [`NewMessage::commit`], it removes its df: nothing half-written stays.
#[derive(Debug)]
pub struct NewMessage {
    queue: Queue,
    id: QueueId,
    df: Option<File>,
    df_path: PathBuf,
    buffer: Vec<u8>,
    size: u64,
}

impl NewMessage {
    pub(super) fn create(queue: Queue, wanted: Option<QueueId>) -> Result<NewMessage, QueueError> {
        let mut last = None;
        let mut wanted = wanted;
        for _ in 0..ID_ATTEMPTS {
            let id = wanted.take().unwrap_or_else(next_id);
            let df_path = queue.path(FileKind::Data, &id);
            match queue.fs().create_new(&df_path, queue.file_mode) {
                Ok(df) => {
                    lock_new(&df, &df_path)?;
                    let buffer = Vec::with_capacity(BUFFER);
                    return Ok(NewMessage { queue, id, df: Some(df), df_path, buffer, size: 0 });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some((df_path, e)),
                Err(e) => return Err(QueueError::io(&df_path, e)),
            }
        }
        let (path, e) = last.expect("at least one attempt was made");
        Err(QueueError::io(&path, e))
    }

    /// The message's queue ID.
    pub fn id(&self) -> &QueueId {
        &self.id
    }

    /// Body bytes written so far (the df's size once committed).
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends body bytes to the df.
    pub fn write_body(&mut self, data: &[u8]) -> Result<(), QueueError> {
        self.size += data.len() as u64;
        if self.buffer.len() + data.len() > BUFFER {
            self.flush()?;
        }
        if data.len() >= BUFFER {
            return self.write_df(data);
        }
        self.buffer.extend_from_slice(data);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), QueueError> {
        let pending = std::mem::take(&mut self.buffer);
        let result = self.write_df(&pending);
        self.buffer = pending;
        self.buffer.clear();
        result
    }

    fn write_df(&mut self, data: &[u8]) -> Result<(), QueueError> {
        let df = self.df.as_mut().expect("df is open until commit");
        self.queue.fs.write_all(df, data).map_err(|e| QueueError::io(&self.df_path, e))
    }

    /// Makes the message durable with control file `qf` and returns it locked.
    ///
    /// Steps: fsync df; write `tf` (exclusive, locked) and fsync it; rename it to `qf`;
    /// fsync the directory. On a failure before the rename the tf and df are removed and
    /// the error is returned: the message was not accepted. If only the final directory
    /// fsync fails, the qf is already in place and is left there: the sender is told
    /// "not accepted" and may send again, so the message may arrive twice but is never
    /// lost.
    pub fn commit(mut self, qf: &QueueFile) -> Result<Job, QueueError> {
        self.flush()?;
        let df = self.df.as_ref().expect("df is open until commit");
        self.queue.fs().sync(df).map_err(|e| QueueError::io(&self.df_path, e))?;
        let file = write_control(&self.queue, &self.id, qf)?;
        self.queue.sync_dir(FileKind::Control)?;
        if self.queue.dir(FileKind::Data) != self.queue.dir(FileKind::Control) {
            self.queue.sync_dir(FileKind::Data)?;
        }
        self.df = None;
        Ok(Job::from_parts(self.queue.clone(), self.id.clone(), file, control_kind(qf)))
    }
}

impl Drop for NewMessage {
    fn drop(&mut self) {
        if self.df.take().is_some() {
            let _ = self.queue.fs().remove(&self.df_path);
        }
    }
}

/// Writes `qf` as the tf of `id` and renames it to the qf; the open file stays locked.
/// A failure removes the tf.
pub(super) fn write_control(
    queue: &Queue,
    id: &QueueId,
    qf: &QueueFile,
) -> Result<File, QueueError> {
    qf.check(&queue.path(FileKind::Control, id))?;
    let tf_path = queue.path(FileKind::Temp, id);
    let mut tf = queue
        .fs()
        .create_new(&tf_path, queue.file_mode)
        .map_err(|e| QueueError::io(&tf_path, e))?;
    let written = lock_new(&tf, &tf_path)
        .and_then(|_| {
            queue.fs().write_all(&mut tf, &qf.to_bytes()).map_err(|e| QueueError::io(&tf_path, e))
        })
        .and_then(|_| queue.fs().sync(&tf).map_err(|e| QueueError::io(&tf_path, e)))
        .and_then(|_| {
            let qf_path = queue.path(control_kind(qf), id);
            queue.fs().rename(&tf_path, &qf_path).map_err(|e| QueueError::io(&qf_path, e))
        });
    match written {
        Ok(()) => Ok(tf),
        Err(e) => {
            let _ = queue.fs().remove(&tf_path);
            Err(e)
        }
    }
}

/// `hf` for a quarantined message (its qf has a `q` line, as a milter's quarantine
/// leaves it: sendmail names such a control file `hf`, `mailq -qQ` lists it and
/// queue runs leave it alone), else `qf`.
fn control_kind(qf: &QueueFile) -> FileKind {
    if qf.first(crate::qf::Code::Quarantine).is_some() {
        FileKind::Quarantined
    } else {
        FileKind::Control
    }
}

/// Takes the exclusive lock of a file this process just created.
fn lock_new(file: &File, path: &std::path::Path) -> Result<(), QueueError> {
    file.try_lock().map_err(|e| QueueError::io(path, io::Error::other(e.to_string())))
}
