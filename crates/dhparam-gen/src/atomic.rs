//! Replacing a file so that readers see the old one or the new one, never half.
//!
//! The new contents go to a temporary file in the target's directory (same
//! filesystem, so the rename is atomic), which is given mode 0644, written, fsync'd,
//! and renamed over the target; then the directory is fsync'd so the rename itself is
//! durable. On any failure the temporary file is removed and the target is untouched.
//!
//! If the target is a symbolic link, the file it points to is replaced and the link
//! kept, as an admin who linked `/etc/mail/dh.pem` to a shared file expects.
//!
//! # Errors
//! [`Error::Create`] naming the target, with the OS error.

use crate::error::Error;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The mode of a written parameter file: public parameters, readable by all.
pub const MODE: u32 = 0o644;

/// Atomically replaces `target` with `contents`.
pub fn write(target: &Path, contents: &[u8]) -> Result<(), Error> {
    let target = resolve_link(target)?;
    let create = |source| Error::Create { path: target.clone(), source };
    let dir = match target.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp = tempfile::Builder::new()
        .prefix(".dhparam-gen.")
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(create)?;
    temp.as_file().set_permissions(fs::Permissions::from_mode(MODE)).map_err(create)?;
    temp.write_all(contents).map_err(create)?;
    temp.as_file().sync_all().map_err(create)?;
    // On failure `persist` hands the temporary file back; dropping it removes it.
    temp.persist(&target).map_err(|e| create(e.error))?;
    fs::File::open(&dir).and_then(|d| d.sync_all()).map_err(create)
}

/// The path to write: `target` itself, or what it links to.
fn resolve_link(target: &Path) -> Result<PathBuf, Error> {
    match fs::symlink_metadata(target) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(target).map_err(|source| Error::Create { path: target.into(), source })
        }
        _ => Ok(target.to_path_buf()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".dhparam-gen."))
            .collect()
    }

    #[test]
    fn writes_with_mode_0644_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dh.pem");
        fs::write(&target, "old").unwrap();
        fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).unwrap();
        write(&target, b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, MODE);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn failed_rename_leaves_target_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dh.pem");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep"), "x").unwrap();
        assert!(matches!(write(&target, b"new"), Err(Error::Create { .. })));
        assert!(target.join("keep").exists());
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn missing_directory_is_a_create_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = write(&dir.path().join("no/such/dh.pem"), b"x").unwrap_err();
        assert!(err.to_string().contains("no/such/dh.pem"), "{err}");
    }

    #[test]
    fn symlink_is_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.pem");
        let link = dir.path().join("dh.pem");
        fs::write(&real, "old").unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write(&link, b"new").unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read(&real).unwrap(), b"new");
    }
}
