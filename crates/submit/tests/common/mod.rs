//! Helpers shared by submit's integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch system: a config naming `mail.lab.example` and a client queue in a temp dir.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub mc: PathBuf,
    pub queue: PathBuf,
}

impl Default for Lab {
    fn default() -> Lab {
        Lab::with_mc("")
    }
}

impl Lab {
    pub fn new() -> Lab {
        Lab::default()
    }

    /// A lab whose .mc also holds `extra`.
    pub fn with_mc(extra: &str) -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let queue = dir.path().join("clientmqueue");
        std::fs::create_dir(&queue).unwrap();
        let mc = dir.path().join("sendmail.mc");
        let text = format!(
            "define(`confDOMAIN_NAME', `mail.lab.example')dnl\ndefine(`MSP_QUEUE_DIR', `{}')dnl\n{extra}",
            queue.display()
        );
        std::fs::write(&mc, text).unwrap();
        Lab { dir, mc, queue }
    }

    /// Runs submit with `-C <mc>` and `args`, feeding `input`.
    pub fn submit(&self, args: &[&str], input: &[u8]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_submit"))
            .arg("-C")
            .arg(&self.mc)
            .args(args)
            .env("TZ", "UTC")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }

    /// The (qf, df) bytes of every message in the client queue.
    pub fn messages(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        files(&self.queue)
    }
}

/// The (qf bytes, df bytes) pairs of a queue directory, sorted by ID.
pub fn files(dir: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("qf"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|qf| {
            let qf_bytes = std::fs::read(dir.join(qf)).unwrap();
            let df = std::fs::read(dir.join(format!("df{}", &qf[2..]))).unwrap_or_default();
            (qf_bytes, df)
        })
        .collect()
}

/// Queue-file bytes as text that loses nothing: printable ASCII, tab and newline as
/// they are, a backslash as `\\`, every other byte as `\xNN`. Two byte strings
/// differ exactly when their texts differ (`from_utf8_lossy` would turn sendmail's
/// 0x81 macro byte and a wrong 0x80 into the same U+FFFD), so comparing these texts
/// compares the bytes, with a readable diff.
pub fn escaped(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' | b'\t' | 0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

pub fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}
