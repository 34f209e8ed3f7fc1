//! Milters on the real libmilter for tests: Debian's python3-milter (pymilter) run
//! by `/usr/bin/python3` with a small filter driven by a JSON spec
//! (`milter/filter.py` says what the spec holds), listening on 127.0.0.1.
//!
//! ```text
//! let Some(f) = PyMilter::start(dir, r#"{"eom": "reject"}"#) else { return };  // skipped
//! // S=inet:{f.port}@127.0.0.1 ...
//! ```
//!
//! # Errors
//! Where python3-milter is missing, [`PyMilter::start`] skips (see [`crate::skip`]) and
//! returns `None`; a filter that does not come up panics the test.

use std::net::{TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The filter script.
const FILTER: &str = include_str!("milter/filter.py");

/// The interpreter with Debian's python modules.
pub const PYTHON: &str = "/usr/bin/python3";

/// A running filter; killed when dropped.
pub struct PyMilter {
    child: Child,
    /// Its port on 127.0.0.1 (0 on a Unix socket).
    pub port: u16,
    /// Its record file (one JSON line per stage), when the spec asked for `record`.
    pub record: PathBuf,
}

/// A free port on 127.0.0.1 (free when asked; the caller binds it soon after).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local address").port()
}

/// True when `python` can import `module`.
pub fn python_has(module: &str) -> bool {
    Command::new(PYTHON)
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl PyMilter {
    /// Starts the filter in `dir` with `spec` (a JSON object; `"record"` is added,
    /// as `dir/record-PORT.jsonl`) on a port of 127.0.0.1 and waits until it
    /// accepts connections. `None` after a skip when python3-milter is not installed.
    ///
    /// # Panics
    /// When the filter does not listen within 20 seconds.
    pub fn start(dir: &Path, spec: &str) -> Option<PyMilter> {
        let port = free_port();
        PyMilter::spawn(dir, spec, &port.to_string(), port, || {
            TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
    }

    /// The same on the Unix socket `path` (`S=unix:path`); `port` is 0.
    ///
    /// # Panics
    /// As [`PyMilter::start`].
    pub fn start_unix(dir: &Path, spec: &str, path: &Path) -> Option<PyMilter> {
        let socket = format!("unix:{}", path.display());
        PyMilter::spawn(dir, spec, &socket, 0, || UnixStream::connect(path).is_ok())
    }

    /// The same on `[::1]` (`S=inet6:port@::1`).
    ///
    /// # Panics
    /// As [`PyMilter::start`], and when `[::1]` cannot be bound.
    pub fn start_inet6(dir: &Path, spec: &str) -> Option<PyMilter> {
        let l = TcpListener::bind("[::1]:0").expect("bind [::1]:0");
        let port = l.local_addr().expect("local address").port();
        drop(l);
        let socket = format!("inet6:{port}@::1");
        PyMilter::spawn(dir, spec, &socket, port, || TcpStream::connect(("::1", port)).is_ok())
    }

    fn spawn(
        dir: &Path,
        spec: &str,
        socket: &str,
        port: u16,
        listening: impl Fn() -> bool,
    ) -> Option<PyMilter> {
        if !python_has("Milter") {
            crate::skip::skip("python3-milter (import Milter) is not installed");
            return None;
        }
        let script = dir.join("filter.py");
        std::fs::write(&script, FILTER).expect("write filter.py");
        let tag = socket.replace(['/', ':'], "_");
        let record = dir.join(format!("record-{tag}.jsonl"));
        let spec = spec.trim();
        let body = spec.strip_prefix('{').and_then(|s| s.strip_suffix('}')).unwrap_or(spec).trim();
        let sep = if body.is_empty() { "" } else { ", " };
        let spec = format!("{{\"record\": \"{}\"{sep}{body}}}", record.display());
        let spec_file = dir.join(format!("spec-{tag}.json"));
        std::fs::write(&spec_file, spec).expect("write the spec");
        let child = Command::new(PYTHON)
            .arg(&script)
            .arg(socket)
            .arg(&spec_file)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("start /usr/bin/python3");
        let filter = PyMilter { child, port, record };
        let deadline = Instant::now() + Duration::from_secs(20);
        while !listening() {
            assert!(Instant::now() < deadline, "the python milter did not listen on {socket}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(filter)
    }

    /// The record file's lines so far.
    pub fn seen(&self) -> Vec<String> {
        std::fs::read_to_string(&self.record)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}

impl Drop for PyMilter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
