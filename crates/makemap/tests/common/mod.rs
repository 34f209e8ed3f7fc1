//! Helpers shared by makemap's integration tests: where the reference files, fixtures
//! and the oracle are, and how to parse a reference transcript.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// `../shared/reference` beside the workspace, else `/work/shared/reference`.
pub fn reference_dir() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    for dir in [beside, PathBuf::from("/work/shared/reference")] {
        if dir.is_dir() {
            return dir;
        }
    }
    panic!("reference data not found: need ../shared/reference beside the workspace or /work/shared/reference");
}

/// A committed fixture file.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Whether a program is on PATH.
pub fn have(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The real makemap and how to run it: (smns wrapper, makemap binary, sendmail.cf),
/// or `None` (with a message) when the oracle is not unpacked here.
pub fn oracle() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let root = std::env::var("SMROOT").unwrap_or_else(|_| "/tmp/sm-root".into());
    let lab = std::env::var("SMLAB").unwrap_or_else(|_| "/tmp/smlab".into());
    let makemap = Path::new(&root).join("usr/libexec/sendmail/makemap");
    let cf = Path::new(&lab).join("etc/sendmail.cf");
    let smns = reference_dir().join("../oracle/bin/smns");
    if makemap.exists() && cf.exists() && smns.exists() && have("db5.3_dump") {
        Some((smns, makemap, cf))
    } else {
        eprintln!(
            "oracle or db5.3-util not available (SMROOT={root}); skipping the live comparison"
        );
        None
    }
}

/// One recorded command and what it printed.
#[derive(Debug, Clone)]
pub struct Case {
    pub command: String,
    pub stdout: String,
    pub stderr: String,
    pub exit: i32,
}

/// Parses a reference transcript: `$ ` lines, then `[stdout]`, `[stderr]`, `[exit N]`.
pub fn parse_transcript(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut section = "";
    let mut cur: Option<Case> = None;
    for line in text.lines() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            cases.extend(cur.take());
            cur = Some(Case {
                command: cmd.into(),
                stdout: String::new(),
                stderr: String::new(),
                exit: -1,
            });
            section = "";
            continue;
        }
        let Some(case) = cur.as_mut() else { continue };
        if line.starts_with("[stdout]") {
            section = "stdout";
        } else if line.starts_with("[stderr]") {
            section = "stderr";
        } else if let Some(n) = line.strip_prefix("[exit ") {
            case.exit = n.trim_end_matches(']').parse().expect("exit code");
            section = "";
        } else if line.starts_with('[') && line.ends_with(']') {
            section = "";
        } else if section == "stdout" {
            case.stdout.push_str(line);
            case.stdout.push('\n');
        } else if section == "stderr" {
            case.stderr.push_str(line);
            case.stderr.push('\n');
        }
    }
    cases.extend(cur);
    cases
}

/// Runs the real makemap with `args` in `dir`, stdin from `input`.
pub fn run_oracle(
    oracle: &(PathBuf, PathBuf, PathBuf),
    dir: &Path,
    args: &[&str],
    input: &Path,
) -> i32 {
    let (smns, makemap, cf) = oracle;
    Command::new(smns)
        .arg(makemap)
        .arg("-C")
        .arg(cf)
        .args(args)
        .current_dir(dir)
        .stdin(std::fs::File::open(input).unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

/// Runs ferrymail's makemap with `args` in `dir`, stdin from `input`.
pub fn run_ours(dir: &Path, args: &[&str], input: &Path) -> i32 {
    std::fs::write(dir.join("ferry.mc"), "dnl test config\n").unwrap();
    Command::new(env!("CARGO_BIN_EXE_makemap"))
        .arg("-C")
        .arg("ferry.mc")
        .args(args)
        .current_dir(dir)
        .stdin(std::fs::File::open(input).unwrap())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

/// Output of a command run in `dir`.
pub fn output(dir: &Path, program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}
