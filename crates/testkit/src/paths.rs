//! Where the repository keeps what the tests compare against.
//!
//! Everything is inside the workspace, so a fresh clone tests itself:
//! * `tests/reference/`: recordings of the real sendmail 8.17.1.9 ([`reference`]);
//! * `tests/oracle/`: the project's sendmail oracle ([`oracle_dir`]): its setup script,
//!   the lab's configuration in `conf/` ([`oracle_conf`]) and the `smns` wrapper in `bin/`.
//!
//! The workspace is found from this crate's own manifest directory at compile time
//! (`<workspace>/crates/testkit`), never from a fixed machine path.
//!
//! # Panics
//! Nothing here panics: the paths are computed, not checked. A test that reads a
//! missing recording fails on the read, naming the file.

use std::path::{Path, PathBuf};

/// The workspace root: two levels above this crate's manifest directory.
pub fn workspace() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().nth(2).unwrap_or(manifest).to_path_buf()
}

/// `<workspace>/tests/reference`: the recordings of the real sendmail.
pub fn reference() -> PathBuf {
    workspace().join("tests/reference")
}

/// `<workspace>/tests/oracle`: the project's sendmail oracle (setup script, `bin/`, `conf/`).
pub fn oracle_dir() -> PathBuf {
    workspace().join("tests/oracle")
}

/// `<workspace>/tests/oracle/conf`: the lab's configuration files (`aliases`, `access`,
/// `sendmail.mc.in`...).
pub fn oracle_conf() -> PathBuf {
    oracle_dir().join("conf")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_workspace_holds_this_crate() {
        let ws = workspace();
        assert_eq!(ws.join("crates/testkit"), Path::new(env!("CARGO_MANIFEST_DIR")));
        assert!(ws.join("Cargo.toml").is_file(), "{}", ws.display());
    }

    #[test]
    fn the_recordings_and_the_oracle_are_in_the_repository() {
        assert!(reference().join("README.md").is_file(), "{}", reference().display());
        assert!(reference().join("queue/FORMAT.md").is_file());
        assert!(oracle_dir().join("setup.sh").is_file(), "{}", oracle_dir().display());
        assert!(oracle_dir().join("bin/smns").is_file());
        assert!(oracle_conf().join("sendmail.mc.in").is_file(), "{}", oracle_conf().display());
        assert!(reference().starts_with(workspace()) && oracle_conf().starts_with(workspace()));
    }
}
