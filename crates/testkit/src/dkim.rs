//! The real opendkim (Debian's `opendkim`), started by a test on 127.0.0.1 with a
//! key `opendkim-genkey` makes in the test's directory, signing mail from
//! `example.org`; and the real verifier (Debian's `python3-dkim`) checking a
//! message against that key, with no DNS: the key record is handed to it.
//!
//! # Errors
//! Where opendkim, opendkim-genkey or python3-dkim is missing, [`OpenDkim::start`]
//! skips (see [`crate::skip`]) and returns `None`; a daemon that does not come up
//! panics the test.

use crate::milter::{free_port, python_has, PYTHON};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const VERIFY: &str = include_str!("milter/dkimverify.py");

/// A running opendkim; killed when dropped.
pub struct OpenDkim {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// `opendkim-genkey`'s record of the public key (`test.txt`).
    pub record: PathBuf,
    dir: PathBuf,
}

impl OpenDkim {
    /// Generates a key for selector `test` of `example.org` in `dir` and starts
    /// opendkim in the foreground to sign and verify (`Mode sv`). `None` after a
    /// skip when the packages are missing.
    ///
    /// # Panics
    /// When a key cannot be made or opendkim does not listen within 20 seconds.
    pub fn start(dir: &Path) -> Option<OpenDkim> {
        let tools = ["/usr/sbin/opendkim", "/usr/sbin/opendkim-genkey"];
        if tools.iter().any(|t| !Path::new(t).exists()) || !python_has("dkim") {
            crate::skip::skip("opendkim, opendkim-tools or python3-dkim is not installed");
            return None;
        }
        let keys = Command::new(tools[1])
            .args(["-D"])
            .arg(dir)
            .args(["-d", "example.org", "-s", "test"])
            .status()
            .expect("run opendkim-genkey");
        assert!(keys.success(), "opendkim-genkey failed");
        let port = free_port();
        let conf = dir.join("opendkim.conf");
        let text = format!(
            "Syslog no\nMode sv\nDomain example.org\nSelector test\nKeyFile {}\n\
             Socket inet:{port}@127.0.0.1\nPidFile {}\nRequireSafeKeys false\n\
             Canonicalization relaxed/simple\n",
            dir.join("test.private").display(),
            dir.join("opendkim.pid").display()
        );
        std::fs::write(&conf, text).expect("write opendkim.conf");
        let child = Command::new(tools[0])
            .arg("-f")
            .arg("-x")
            .arg(&conf)
            .stdin(Stdio::null())
            .spawn()
            .expect("start opendkim");
        let record = dir.join("test.txt");
        let dkim = OpenDkim { child, port, record, dir: dir.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "opendkim did not listen on {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(dkim)
    }

    /// Checks `message` (CRLF line ends) with python3-dkim against this key:
    /// `Ok` when its DKIM-Signature verifies, else what the verifier said.
    pub fn verify(&self, message: &[u8]) -> Result<(), String> {
        let script = self.dir.join("dkimverify.py");
        std::fs::write(&script, VERIFY).expect("write dkimverify.py");
        let file = self.dir.join("to-verify.eml");
        std::fs::write(&file, message).expect("write the message");
        let out = Command::new(PYTHON)
            .arg(&script)
            .arg(&file)
            .arg(&self.record)
            .output()
            .expect("run python3 dkim");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(())
        } else {
            Err(said)
        }
    }
}

impl Drop for OpenDkim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The message a queue file and its data file make, as it would leave: the qf's
/// header lines (`H?flags?Name: value` and their continuation lines; the
/// `Return-Path` template left out) with CRLF, a blank line, the df's body with
/// CRLF.
pub fn message_of(qf: &[u8], df: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut in_header = false;
    for line in qf.split(|&b| b == b'\n') {
        if let Some(rest) = line.strip_prefix(b"H") {
            let rest = match rest.strip_prefix(b"?") {
                Some(r) => r.iter().position(|&b| b == b'?').map_or(r, |i| &r[i + 1..]),
                None => rest,
            };
            in_header = !rest.starts_with(b"Return-Path:");
            if in_header {
                out.extend_from_slice(rest);
                out.extend_from_slice(b"\r\n");
            }
        } else if in_header && matches!(line.first(), Some(b'\t' | b' ')) {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        } else {
            in_header = false;
        }
    }
    out.extend_from_slice(b"\r\n");
    for line in df.split_inclusive(|&b| b == b'\n') {
        out.extend_from_slice(line.strip_suffix(b"\n").unwrap_or(line));
        if line.ends_with(b"\n") {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}
