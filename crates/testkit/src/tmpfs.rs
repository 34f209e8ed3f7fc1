//! A small real file system for one test: a tmpfs of a given size mounted on a
//! directory, unmounted however the test ends.
//!
//! The full-disk checks (issue 14, item 2) run against a file system that really is
//! full, not only through the filesystem seam: the kernel's `ENOSPC` from `write`,
//! the free-block count `statvfs` reports, and space that comes back when a file is
//! removed.
//!
//! Mounting needs root. [`Tmpfs::mount`] returns `None` after a visible
//! [`crate::skip::skip`] when the test does not run as root (CI runs as root, where a
//! skip fails the test).
//!
//! # Panics
//! [`Tmpfs::mount`] panics when `mount` runs as root and fails.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs; dropping it unmounts it.
#[derive(Debug)]
pub struct Tmpfs {
    point: PathBuf,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (as `mount -o size=`, e.g. `64k`, `8m`) and directory
    /// mode `mode` on the existing directory `point`. `None` (after a skip) when not
    /// root.
    pub fn mount(point: &Path, size: &str, mode: u32) -> Option<Tmpfs> {
        if !crate::scenario::is_root() {
            crate::skip::skip("mounting a tmpfs needs root");
            return None;
        }
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size},mode={mode:o}"), "tmpfs"])
            .arg(point)
            .status()
            .expect("mount runs");
        assert!(status.success(), "mount -t tmpfs -o size={size} on {}", point.display());
        Some(Tmpfs { point: point.to_path_buf() })
    }

    /// Fills the file system with the file `name` until a write fails (`ENOSPC`), and
    /// returns the file's path: removing it gives the space back.
    pub fn fill(&self, name: &str) -> PathBuf {
        use std::io::Write;
        let path = self.point.join(name);
        let mut file = std::fs::File::create(&path).expect("create the filler");
        let block = vec![0u8; 4096];
        while file.write_all(&block).is_ok() {}
        while file.write_all(&block[..1]).is_ok() {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.point).status();
    }
}
