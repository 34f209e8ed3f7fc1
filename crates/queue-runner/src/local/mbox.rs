//! The built-in local mailer: appending to `<MailboxDirectory>/<user>` in mbox format,
//! locked and synced as mail.local does.
//!
//! ```text
//! From <sender> <ctime>          (one space, mail.local's "From %s %s")
//! <header and body, lines starting "From " written as ">From ">
//!                                (a final newline if the body lacks one, then a blank line)
//! ```
//!
//! The mailbox is opened without following symlinks and must be a regular file with
//! one link owned by the user; a missing one is created `0600`, owned by the user.
//! Writers agree through two locks, taken in this order: the dotlock `<mbox>.lock`
//! (created exclusively; one older than [`STALE`] is broken) and `flock(LOCK_EX)` on
//! the mailbox. The data is written with one `write`, then `fsync`ed before success
//! is reported; on any error the mailbox is truncated back to its old size.
//!
//! # Errors
//! [`MboxError`]: each one is temporary (the message stays queued) and says which
//! file and why.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A dotlock older than this is left over from a crash and is removed.
pub const STALE: Duration = Duration::from_secs(300);
/// How long to wait for a dotlock held by someone else.
const LOCK_TRIES: u32 = 60;

/// Why a delivery into a mailbox did not happen.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {why}")]
pub struct MboxError {
    /// The file.
    pub path: String,
    /// What went wrong.
    pub why: String,
}

/// Who the mailbox belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    /// Its uid.
    pub uid: u32,
    /// Its gid.
    pub gid: u32,
}

fn error(path: &Path, why: impl std::fmt::Display) -> MboxError {
    MboxError { path: path.display().to_string(), why: why.to_string() }
}

fn io(path: &Path, e: std::io::Error) -> MboxError {
    error(path, spool::sysexits::strerror(&e))
}

/// The entry mail.local appends for `message` (header and body) from `sender`.
pub fn entry(sender: &str, ctime: &str, message: &[u8]) -> Vec<u8> {
    let mut out = format!("From {sender} {ctime}\n").into_bytes();
    out.extend_from_slice(&spool::dsn::escape_from(message));
    if !message.ends_with(b"\n") {
        out.push(b'\n');
    }
    out.push(b'\n');
    out
}

/// Appends `entry` to `path`, which belongs to `owner`; `check_owner` is false when
/// the queue runner is not root (it can only write its own mailboxes then).
pub fn append(path: &Path, owner: Owner, check_owner: bool, entry: &[u8]) -> Result<(), MboxError> {
    let file = open(path, owner, check_owner)?;
    let lock = DotLock::take(path)?;
    let file = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| error(path, e.desc()))?;
    let result = write_synced(path, &file, entry);
    drop(file);
    drop(lock);
    result
}

fn open(path: &Path, owner: Owner, check_owner: bool) -> Result<File, MboxError> {
    let existing = OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path);
    let file = match existing {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path, owner, check_owner)?,
        Err(e) => return Err(io(path, e)),
    };
    let meta = file.metadata().map_err(|e| io(path, e))?;
    if !meta.file_type().is_file() {
        return Err(error(path, "irregular file"));
    }
    if meta.nlink() != 1 {
        return Err(error(path, "too many links"));
    }
    if check_owner && meta.uid() != owner.uid {
        return Err(error(path, format!("wrong ownership ({})", meta.uid())));
    }
    Ok(file)
}

fn create(path: &Path, owner: Owner, check_owner: bool) -> Result<File, MboxError> {
    let file = OpenOptions::new()
        .append(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| error(path, format!("Create: {}", spool::sysexits::strerror(&e))))?;
    if check_owner {
        nix::unistd::fchown(&file, Some(owner.uid.into()), Some(owner.gid.into()))
            .map_err(|e| error(path, format!("chown {}.{}: {e}", owner.uid, owner.gid)))?;
    }
    Ok(file)
}

fn write_synced(path: &Path, file: &File, entry: &[u8]) -> Result<(), MboxError> {
    let size = file.metadata().map_err(|e| io(path, e))?.len();
    let written = (&*file).write_all(entry).and_then(|_| file.sync_all());
    written.map_err(|e| {
        let _ = file.set_len(size);
        let _ = file.sync_all();
        io(path, e)
    })
}

/// `<mbox>.lock`, created exclusively and removed when dropped.
struct DotLock(PathBuf);

impl DotLock {
    fn take(mbox: &Path) -> Result<DotLock, MboxError> {
        let mut name = mbox.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        for _ in 0..LOCK_TRIES {
            let made = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .custom_flags(libc::O_NOFOLLOW)
                .open(&path);
            match made {
                Ok(_) => return Ok(DotLock(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if is_stale(&path) {
                        let _ = std::fs::remove_file(&path);
                        continue;
                    }
                    std::thread::sleep(Duration::from_secs(1));
                }
                Err(e) => return Err(io(&path, e)),
            }
        }
        Err(error(&path, "lock held by another process"))
    }
}

fn is_stale(path: &Path) -> bool {
    let modified = std::fs::symlink_metadata(path).and_then(|m| m.modified());
    modified.is_ok_and(|m| SystemTime::now().duration_since(m).unwrap_or_default() > STALE)
}

impl Drop for DotLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[cfg(test)]
mod tests;
