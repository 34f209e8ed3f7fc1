//! The file agent: the child that appends a message to a file for the `*file*` mailer.
//!
//! ```text
//! queue-runner --deliver-file PATH     (message on standard input)
//! ```
//!
//! The queue runner starts it under the uid and gid the delivery runs as (the alias's
//! `DefaultUser`, the `.forward`'s owner), so the system's permissions decide, as
//! sendmail's `mailfile` child does. The file is opened without following symlinks,
//! created `0600` if missing, must be a regular file, is locked with `flock(LOCK_EX)`,
//! written and `fsync`ed; on a failed write it is truncated back.
//!
//! # Exit status
//! 0 when the message is on disk; `EX_CANTCREAT` (73) when the file cannot be opened
//! or is not a regular file; `EX_IOERR` (74) when the write or sync fails (try again);
//! the reason is printed on standard error.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The flag that runs this program as the file agent.
pub const FLAG: &str = "--deliver-file";

/// Runs the agent for `path` with the message on stdin; returns the exit status.
pub fn run(path: &Path) -> i32 {
    let mut message = Vec::new();
    if let Err(e) = std::io::stdin().lock().read_to_end(&mut message) {
        eprintln!("{}: reading the message: {}", path.display(), spool::sysexits::strerror(&e));
        return spool::sysexits::EX_IOERR;
    }
    match append(path, &message) {
        Ok(()) => 0,
        Err((code, why)) => {
            eprintln!("{}: {why}", path.display());
            code
        }
    }
}

fn append(path: &Path, message: &[u8]) -> Result<(), (i32, String)> {
    use spool::sysexits::{strerror, EX_CANTCREAT, EX_IOERR};
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| (EX_CANTCREAT, strerror(&e)))?;
    let meta = file.metadata().map_err(|e| (EX_CANTCREAT, strerror(&e)))?;
    if !meta.file_type().is_file() {
        return Err((EX_CANTCREAT, "not a regular file".into()));
    }
    let file = nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
        .map_err(|(_, e)| (EX_IOERR, e.desc().to_string()))?;
    let size = meta.len();
    (&*file).write_all(message).and_then(|_| file.sync_all()).map_err(|e| {
        let _ = file.set_len(size);
        (EX_IOERR, strerror(&e))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_creates_and_refuses_what_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("archive.mbox");
        append(&path, b"one\n").unwrap();
        append(&path, b"two\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one\ntwo\n");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&path).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert_eq!(append(&link, b"x").unwrap_err().0, spool::sysexits::EX_CANTCREAT);
        assert_eq!(append(dir.path(), b"x").unwrap_err().0, spool::sysexits::EX_CANTCREAT);
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"one\ntwo\n",
            "nothing written through the link"
        );
    }
}
