//! Where the project's shared folder is: the recordings and the lab's configuration.
//!
//! The shared folder is not part of the workspace. It holds `reference/` (recordings of
//! the real sendmail 8.17.1.9) and `oracle/` (the lab's configuration in `oracle/conf`, the
//! `smns` wrapper in `oracle/bin`). It is `../shared` beside the workspace root, so every
//! git worktree next to it finds it, else `/work/shared`. A folder counts only if it has
//! `reference/` in it.
//!
//! # Panics
//! [`shared`] and everything built on it panic, naming both places looked at, when neither
//! has `reference/`: the tests that use it cannot mean anything without it.

use std::path::{Path, PathBuf};

/// The fixed fallback location of the shared folder.
const FIXED: &str = "/work/shared";

/// The places looked at, in order: `../shared` beside the workspace, then `/work/shared`.
fn candidates() -> [PathBuf; 2] {
    // This crate is <workspace>/crates/testkit.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = manifest.ancestors().nth(2).unwrap_or(manifest);
    let beside = workspace.parent().unwrap_or(workspace).join("shared");
    [beside, PathBuf::from(FIXED)]
}

/// The shared folder, or `None` when neither candidate has `reference/`.
pub fn find_shared() -> Option<PathBuf> {
    candidates().into_iter().find(|dir| dir.join("reference").is_dir())
}

/// The shared folder: `../shared` beside the workspace, else `/work/shared`.
///
/// # Panics
/// When neither has a `reference/` folder.
pub fn shared() -> PathBuf {
    find_shared().unwrap_or_else(|| {
        let [beside, fixed] = candidates();
        panic!(
            "the shared folder is missing: neither {} nor {} has reference/ \
             (it holds the sendmail recordings the tests compare against)",
            beside.display(),
            fixed.display()
        )
    })
}

/// `<shared>/reference`: the recordings of the real sendmail.
///
/// # Panics
/// As [`shared`].
pub fn reference() -> PathBuf {
    shared().join("reference")
}

/// `<shared>/oracle/conf`: the lab's configuration files (`aliases`, `access`, `.mc.in`...).
///
/// # Panics
/// As [`shared`].
pub fn oracle_conf() -> PathBuf {
    shared().join("oracle/conf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_candidate_is_beside_the_workspace() {
        let [beside, fixed] = candidates();
        assert!(beside.ends_with("shared"));
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).starts_with(beside.parent().unwrap()));
        assert!(!beside.to_string_lossy().contains(".."), "{}", beside.display());
        assert_eq!(fixed, Path::new("/work/shared"));
    }

    #[test]
    fn the_folders_hang_off_the_shared_folder() {
        let Some(shared) = find_shared() else { return };
        assert_eq!(reference(), shared.join("reference"));
        assert_eq!(oracle_conf(), shared.join("oracle/conf"));
        assert!(reference().is_dir());
    }
}
