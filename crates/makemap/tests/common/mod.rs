//! Helpers shared by makemap's integration tests: the committed fixtures and running
//! either makemap. The recordings, the oracle and the reference transcripts come
//! from `testkit`.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use testkit::oracle::{on_path, skip, Oracle};

/// A committed fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The oracle when the real makemap, the lab's sendmail.cf, `db5.3_dump` and
/// `db5.3_verify` are all here, or `None` after saying, with [`skip`], what is missing:
/// a live comparison runs whole or not at all.
pub fn oracle() -> Option<Oracle> {
    let oracle = Oracle::locate();
    let missing: Vec<&str> =
        [("db5.3_dump", on_path("db5.3_dump")), ("db5.3_verify", on_path("db5.3_verify"))]
            .into_iter()
            .filter(|(_, here)| !here)
            .map(|(tool, _)| tool)
            .collect();
    if !oracle.available(&[oracle.makemap(), oracle.sendmail_cf()]) {
        skip(format!(
            "the makemap oracle is not set up (SMROOT={}); skipping the live comparison",
            oracle.root.display()
        ));
        None
    } else if !missing.is_empty() {
        skip(format!(
            "{} not on PATH (package db5.3-util); skipping the live comparison",
            missing.join(" and ")
        ));
        None
    } else {
        Some(oracle)
    }
}

/// The real makemap with the lab's sendmail.cf (`smns makemap -C sendmail.cf`).
pub fn real_makemap(oracle: &Oracle) -> Command {
    oracle.command(&oracle.makemap(), &oracle.sendmail_cf())
}

/// Runs the real makemap with `args` in `dir`, stdin from `input`.
pub fn run_oracle(oracle: &Oracle, dir: &Path, args: &[&str], input: &Path) -> i32 {
    exit_status(real_makemap(oracle), dir, args, input)
}

/// Runs ferrymail's makemap with `args` in `dir`, stdin from `input`.
pub fn run_ours(dir: &Path, args: &[&str], input: &Path) -> i32 {
    std::fs::write(dir.join("ferry.mc"), "dnl test config\n").unwrap();
    let mut ours = Command::new(env!("CARGO_BIN_EXE_makemap"));
    ours.arg("-C").arg("ferry.mc");
    exit_status(ours, dir, args, input)
}

/// The exit status of `cmd` with `args` in `dir`, stdin from `input`, stderr dropped.
fn exit_status(mut cmd: Command, dir: &Path, args: &[&str], input: &Path) -> i32 {
    cmd.args(args)
        .current_dir(dir)
        .stdin(std::fs::File::open(input).unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

/// Standard output of a command run in `dir`.
///
/// # Panics
/// When the command cannot be started or fails: two failed runs print the same nothing,
/// and a comparison of their outputs would prove nothing.
pub fn output(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
