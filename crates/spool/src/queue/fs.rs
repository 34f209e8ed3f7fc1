//! The one seam through which the queue touches the filesystem.
//!
//! Every create, write, fsync, rename and unlink of a queue file goes through
//! [`FileSystem`], so tests can make any single step fail (a full disk, a failed fsync,
//! a rename refused) and check that the queue is left with no qf or a complete one.
//! [`RealFs`] is the production implementation.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// Filesystem operations used to write and remove queue files.
pub trait FileSystem: Send + Sync + std::fmt::Debug {
    /// Creates `path` exclusively (`O_CREAT|O_EXCL`, no symlink followed) with `mode`.
    fn create_new(&self, path: &Path, mode: u32) -> io::Result<File>;
    /// Writes all of `data` to `file`.
    fn write_all(&self, file: &mut File, data: &[u8]) -> io::Result<()>;
    /// Flushes `file` to stable storage (`fsync`).
    fn sync(&self, file: &File) -> io::Result<()>;
    /// Renames `from` over `to` atomically.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Flushes the directory `dir` to stable storage, making renames and unlinks durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Removes `path`.
    fn remove(&self, path: &Path) -> io::Result<()>;
}

/// The real filesystem.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl FileSystem for RealFs {
    fn create_new(&self, path: &Path, mode: u32) -> io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(mode)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(path)
    }

    fn write_all(&self, file: &mut File, data: &[u8]) -> io::Result<()> {
        file.write_all(data)
    }

    fn sync(&self, file: &File) -> io::Result<()> {
        file.sync_all()
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        std::fs::rename(from, to)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }
}
