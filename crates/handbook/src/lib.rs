//! # Name
//! handbook - the checks that ferrymail's documents and operating scripts work as written
//!
//! # Description
//! An admin reads `man/*`, `docs/migrating.md` and runs `scripts/demo` and
//! `scripts/install`; the tests of this crate run the same text:
//!
//! ```text
//! tests/man_pages.rs   groff -man -ww -z on every page; every option of the config
//!                      table (spool::config::OPTIONS) documented in ferrymail.mc(5)
//!                      with its default; the sections an admin looks for
//! tests/migrating.rs   every command block of docs/migrating.md run in a temp prefix
//! tests/demo.rs        scripts/demo end to end
//! tests/install.rs     scripts/install into a DESTDIR; the tree, owners and modes
//! ```
//!
//! This library only finds things: the workspace, the built binaries, the documents.
//!
//! # Errors
//! None: paths are computed, not checked. A test that needs the binaries and does not
//! find them fails, naming the command that builds them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::path::{Path, PathBuf};

/// The workspace root: two levels above this crate's manifest directory.
pub fn workspace() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.ancestors().nth(2).unwrap_or(manifest).to_path_buf()
}

/// The directory of the workspace's built binaries for a test executable at `exe`
/// (`target/<profile>/deps/<test>` gives `target/<profile>`).
pub fn bin_dir_of(exe: &Path) -> Option<PathBuf> {
    let deps = exe.parent()?;
    let dir = if deps.file_name()? == "deps" { deps.parent()? } else { deps };
    Some(dir.to_path_buf())
}

/// The ferrymail programs an installation carries.
pub const PROGRAMS: &[&str] =
    &["submit", "smtpd", "queue-runner", "mailq", "makemap", "newaliases", "dhparam-gen"];

/// The built binaries' directory for the running test, checked to hold every program.
///
/// # Panics
/// When a program is missing: `cargo test --workspace` builds them all first; a test
/// run on this crate alone needs `cargo build --workspace --bins` before.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test executable's path");
    let dir = bin_dir_of(&exe).expect("the test executable lies in a target directory");
    for program in PROGRAMS {
        assert!(
            dir.join(program).is_file(),
            "{} is not built: run `cargo build --workspace --all-features --bins` first",
            dir.join(program).display()
        );
    }
    dir
}

/// The ` ```sh ` blocks of a Markdown document, in order, each with the line it
/// starts on; ` ```text ` and other blocks are left out.
pub fn shell_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in markdown.lines().enumerate() {
        match current.as_mut() {
            None if line.trim_end() == "```sh" => current = Some((n + 2, String::new())),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    blocks
}

/// A loopback TCP port that was free a moment ago.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// Kills, with SIGTERM through `kill(1)`, the process named by each `*.pid` file in
/// `dir` (first line); for the daemons a test started, whatever way it ended.
pub fn stop_pid_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "pid") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if let Some(pid) = text.lines().next().map(str::trim).filter(|p| p.parse::<u32>().is_ok()) {
            let _ = std::process::Command::new("kill").arg(pid).status();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bin_dir_is_the_profile_directory() {
        let exe = Path::new("/t/target/debug/deps/man_pages-0123abcd");
        assert_eq!(bin_dir_of(exe), Some(PathBuf::from("/t/target/debug")));
        assert_eq!(bin_dir_of(Path::new("/t/bin/x")), Some(PathBuf::from("/t/bin")));
        assert!(workspace().join("Cargo.toml").is_file());
    }

    #[test]
    fn only_sh_blocks_are_taken() {
        let md = "# t\n```sh\necho one\necho two\n```\ntext\n```text\nno\n```\n```sh\nthree\n```\n";
        let blocks = shell_blocks(md);
        assert_eq!(
            blocks,
            vec![(3, "echo one\necho two\n".to_string()), (11, "three\n".to_string())]
        );
    }
}
