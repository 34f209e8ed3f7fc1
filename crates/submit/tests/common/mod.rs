//! Helpers shared by submit's integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A scratch system: a config naming `mail.lab.example` and a client queue in a temp dir.
/// Like the oracle's lab, it trusts the sticky bit (`DontBlameSendmail=TrustStickyBit`):
/// the temp dir is under `/tmp`, which sendmail's file-safety checks otherwise refuse.
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
            "define(`confDOMAIN_NAME', `mail.lab.example')dnl\ndefine(`MSP_QUEUE_DIR', `{}')dnl\n\
             define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl\n{extra}",
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

    /// The (qf, df) contents of every message in the client queue.
    pub fn messages(&self) -> Vec<(String, Vec<u8>)> {
        files(&self.queue)
    }
}

/// The (qf text, df bytes) pairs of a queue directory, sorted by ID.
pub fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("qf"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|qf| {
            let text = String::from_utf8_lossy(&std::fs::read(dir.join(qf)).unwrap()).into_owned();
            let df = std::fs::read(dir.join(format!("df{}", &qf[2..]))).unwrap_or_default();
            (text, df)
        })
        .collect()
}

pub fn is_root() -> bool {
    std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false)
}
