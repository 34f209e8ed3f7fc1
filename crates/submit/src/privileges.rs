//! Setting up a safe process before anything else runs (the MSP's start-up).
//!
//! `submit` is meant to be installed setgid to the group that owns clientmqueue
//! (sendmail's `smmsp`). Before it reads anything it:
//! * makes sure descriptors 0, 1 and 2 are open (on `/dev/null`), so no file it opens
//!   later can become someone's stdout;
//! * sets its umask to 007, so queue files are `0660` at most (owner and queue group);
//! * keeps only `TZ` from the environment for itself (children get a fixed `PATH`);
//! * gives up the setgid group (setgid(getgid())) when a caller other than root moves
//!   the configuration or the queue directory (`-C`, `-O QueueDirectory=`, `-oQ`),
//!   as sendmail does, so the group's rights never serve a path the caller chose.

use std::fs::OpenOptions;
use std::os::fd::IntoRawFd;

/// The only environment variables kept (for this process and its children).
pub const KEPT_ENV: &[&str] = &["TZ"];

/// Opens `/dev/null` on any of descriptors 0-2 that is closed, and sets the umask.
pub fn sanitize_process() {
    for fd in 0..=2 {
        // SAFETY: F_GETFD only queries the descriptor table.
        let closed = unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1;
        if closed {
            if let Ok(null) = OpenOptions::new().read(fd == 0).write(fd != 0).open("/dev/null") {
                let raw = null.into_raw_fd();
                if raw != fd {
                    // SAFETY: both descriptors are valid; raw is ours to close.
                    unsafe {
                        libc::dup2(raw, fd);
                        libc::close(raw);
                    }
                }
            }
        }
    }
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(0o007) };
}

/// Drops the setgid group: the effective gid becomes the real one.
pub fn drop_setgid() -> std::io::Result<()> {
    // SAFETY: getgid cannot fail; setgid's result is checked.
    let rc = unsafe { libc::setgid(libc::getgid()) };
    if rc != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// Whether the effective gid differs from the real one (we run setgid).
pub fn is_setgid() -> bool {
    // SAFETY: these getters cannot fail.
    unsafe { libc::getegid() != libc::getgid() }
}
