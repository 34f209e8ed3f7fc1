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

/// A `submit -bs` process driven one command at a time, as a client that waits for
/// each reply (so no command arrives before the greeting or the EHLO answer).
pub struct BsSession {
    child: std::process::Child,
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    /// The greeting.
    pub greeting: String,
}

impl BsSession {
    /// Starts `submit -C <mc> -bs` in `lab` and reads the greeting.
    pub fn start(lab: &Lab) -> BsSession {
        let mut child = Command::new(env!("CARGO_BIN_EXE_submit"))
            .arg("-C")
            .arg(&lab.mc)
            .arg("-bs")
            .env("TZ", "UTC")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut session = BsSession { child, stdin, stdout, greeting: String::new() };
        session.greeting = session.reply();
        session
    }

    /// Sends `bytes` and returns the one reply it gets (all its lines, CRLF kept).
    pub fn say(&mut self, bytes: &[u8]) -> String {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
        self.reply()
    }

    /// Reads one reply: lines up to one whose fourth byte is a space.
    pub fn reply(&mut self) -> String {
        use std::io::BufRead;
        let mut out = String::new();
        loop {
            let mut line = String::new();
            if self.stdout.read_line(&mut line).unwrap() == 0 {
                return out;
            }
            out.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return out;
            }
        }
    }

    /// One transaction from `sender` to `recipient` with `text` (LF line ends; the
    /// CRLFs and dot-stuffing are added here); returns the reply to the final dot.
    pub fn send(&mut self, sender: &str, recipient: &str, text: &[u8]) -> String {
        let mail = self.say(format!("MAIL FROM:<{sender}>\r\n").as_bytes());
        assert!(mail.starts_with("250 "), "{mail}");
        let rcpt = self.say(format!("RCPT TO:<{recipient}>\r\n").as_bytes());
        assert!(rcpt.starts_with("250 "), "{rcpt}");
        let data = self.say(b"DATA\r\n");
        assert!(data.starts_with("354 "), "{data}");
        let mut wire = Vec::new();
        for line in text.strip_suffix(b"\n").unwrap_or(text).split(|&b| b == b'\n') {
            if text.is_empty() {
                break;
            }
            if line.first() == Some(&b'.') {
                wire.push(b'.');
            }
            wire.extend_from_slice(line);
            wire.extend_from_slice(b"\r\n");
        }
        wire.extend_from_slice(b".\r\n");
        self.say(&wire)
    }

    /// Sends QUIT and waits for the process; returns its exit code.
    pub fn quit(mut self) -> Option<i32> {
        let bye = self.say(b"QUIT\r\n");
        assert!(bye.starts_with("221 "), "{bye}");
        drop(self.stdin);
        self.child.wait().unwrap().code()
    }
}
