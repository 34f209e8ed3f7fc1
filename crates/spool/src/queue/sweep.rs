//! Files a crash left behind in a queue directory, and their removal.
//!
//! A writer that dies (kill -9, a power cut) after creating a message's df and before
//! committing its qf leaves a df, and perhaps a tf, that nothing will ever act on; a
//! runner killed while rewriting a qf leaves a tf; one killed between removing a
//! delivered message's qf and its df leaves the df. sendmail leaves such files to the
//! admin (the `find` for a df without its qf in its FAQ); Postfix's `postsuper`, run
//! at every start, removes them. ferrymail does as Postfix: smtpd when it starts and
//! queue-runner at the start of every run call [`Queue::sweep`].
//!
//! A file is stray when no one can still be writing it and nothing refers to it:
//! * it has been untouched for [`STRAY_AGE`] (a writer that is not ferrymail, a real
//!   sendmail sharing the queue, may write without holding a lock);
//! * it is not locked (ferrymail's writers hold the lock of their df and tf from
//!   creation until the qf is in place);
//! * for a `df` or an `xf`: no `qf`, `hf`, `Qf` or `tf` of its ID exists, looked at
//!   after the lock probe (a commit renames its tf to the qf before it lets go of the
//!   df's lock, so a commit that finished meanwhile is seen).
//!
//! Control files (`qf`, `hf`, `Qf`) are never removed here.

use super::{FileKind, Queue, QueueError, QueueId};
use crate::log::{Severity, Syslog};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// How long a file must have been untouched before it can be stray: a day, far past
/// any live transaction (sendmail's longest SMTP phase timeout is an hour).
pub const STRAY_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// The kinds of file a sweep may remove.
const SWEPT: [FileKind; 3] = [FileKind::Temp, FileKind::Data, FileKind::Transcript];

/// The kinds of file that keep a message's df and xf.
const OWNERS: [FileKind; 4] =
    [FileKind::Control, FileKind::Quarantined, FileKind::Lost, FileKind::Temp];

impl Queue {
    /// Removes the stray `tf`, `df` and `xf` files of this queue, judging their age
    /// as of `now`; returns the paths removed.
    ///
    /// # Errors
    /// A queue directory that cannot be listed. A file that cannot be removed is left
    /// for the next sweep.
    pub fn sweep(&self, now: SystemTime) -> Result<Vec<PathBuf>, QueueError> {
        let mut removed = Vec::new();
        for kind in SWEPT {
            for id in self.list(kind)? {
                if self.is_stray(kind, &id, now) {
                    let path = self.path(kind, &id);
                    if self.fs().remove(&path).is_ok() {
                        removed.push(path);
                    }
                }
            }
        }
        Ok(removed)
    }

    /// [`Queue::sweep`] as of now, logging each file removed to `log` (and, as a
    /// warning, a queue that cannot be listed: the sweep is housekeeping, never a
    /// reason not to run).
    pub fn sweep_logged(&self, log: &Syslog) {
        match self.sweep(SystemTime::now()) {
            Ok(removed) => {
                for path in removed {
                    let text = format!(
                        "{}: removed stray file (untouched for a day, no writer, no control file)",
                        path.display()
                    );
                    log.log(Severity::Notice, &text);
                }
            }
            Err(e) => log.log(Severity::Warning, &format!("cannot sweep the queue: {e}")),
        }
    }

    /// Whether the `kind` file of `id` is stray (see the module's rules).
    fn is_stray(&self, kind: FileKind, id: &QueueId, now: SystemTime) -> bool {
        let path = self.path(kind, id);
        let Ok(meta) = std::fs::symlink_metadata(&path) else { return false };
        let age = meta.modified().ok().and_then(|m| now.duration_since(m).ok());
        if !meta.is_file() || age.is_none_or(|age| age < STRAY_AGE) {
            return false;
        }
        if self.is_locked(kind, id) {
            return false;
        }
        kind == FileKind::Temp || !OWNERS.iter().any(|owner| self.path(*owner, id).exists())
    }
}
