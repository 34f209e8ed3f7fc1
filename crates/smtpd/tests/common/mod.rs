//! A real smtpd for the tests: started with `-bD` on a configuration in a temporary
//! directory (queue, log file, port 0), found through the port it logs, stopped with
//! SIGTERM when dropped. Its service switch and hosts file are in that directory too
//! (`hosts files`, `127.0.0.1 localhost`, unless the test wrote others first), so
//! that no test asks the machine's resolver; a test with a DNS server of its own
//! writes `hosts dns files` and passes `-O ResolverNameserver=ADDR`.

#![allow(dead_code)]

pub mod lab;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// A running smtpd.
pub struct Daemon {
    pub dir: tempfile::TempDir,
    pub child: Option<Child>,
    pub addr: SocketAddr,
}

impl Daemon {
    /// Starts smtpd with `mc_extra` added to a minimal configuration.
    pub fn start(mc_extra: &str) -> Daemon {
        Daemon::run(minimal(mc_extra), &[])
    }

    /// Starts smtpd in `dir` (which may hold files `mc_extra` names) with `mc_extra`
    /// added to a minimal configuration and `args` on its command line.
    pub fn start_in(dir: tempfile::TempDir, mc_extra: &str, args: &[&str]) -> Daemon {
        Daemon::run(minimal_in(dir, mc_extra), args)
    }

    /// A daemon with `mc_extra` whose service switch is `switch` and whose name
    /// servers are the test's own at `dns`, with `args` added to its command line.
    pub fn start_with_dns(mc_extra: &str, dns: SocketAddr, switch: &str, args: &[&str]) -> Daemon {
        let dir = minimal(mc_extra);
        std::fs::write(dir.path().join("service.switch"), switch).unwrap();
        let option = format!("ResolverNameserver={dns}");
        let mut all = vec!["-O", option.as_str()];
        all.extend_from_slice(args);
        Daemon::run(dir, &all)
    }

    /// Starts smtpd on the configuration already in `dir`, with extra arguments.
    pub fn run(dir: tempfile::TempDir, extra: &[&str]) -> Daemon {
        Daemon::run_under(dir, extra, &[])
    }

    /// [`Daemon::run`], with smtpd started by `wrapper` (a command and its arguments
    /// that run the rest, such as `prlimit --nofile=1024:`), if not empty.
    pub fn run_under(dir: tempfile::TempDir, extra: &[&str], wrapper: &[&str]) -> Daemon {
        for (name, text) in [("service.switch", "hosts\tfiles\n"), ("hosts", HOSTS)] {
            let path = dir.path().join(name);
            if !path.exists() {
                std::fs::write(path, text).unwrap();
            }
        }
        // Counted before the spawn: a daemon that logs its start at once must not be
        // counted as one that started before.
        let log = dir.path().join("maillog");
        let started_before = starts(&log);
        let stderr = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(dir.path().join("stderr"))
            .unwrap();
        let program = env!("CARGO_BIN_EXE_smtpd");
        let mut command = match wrapper.split_first() {
            Some((first, rest)) => {
                let mut c = Command::new(first);
                c.args(rest).arg(program);
                c
            }
            None => Command::new(program),
        };
        let child = command
            .args(["-bD", "-C"])
            .arg(dir.path().join("sendmail.mc"))
            .args(extra)
            .stderr(stderr)
            .spawn()
            .unwrap();
        // Owned at once, so that a failure below still stops the process.
        let mut daemon = Daemon { dir, child: Some(child), addr: "0.0.0.0:0".parse().unwrap() };
        let stderr = dir_path_stderr(&daemon);
        daemon.addr = wait_for_or(&stderr, || {
            let text = std::fs::read_to_string(&log).ok()?;
            let mut lines = text.lines().filter(|l| l.contains("starting daemon"));
            let line = lines.nth(started_before)?;
            let at = line.find("MTA=")? + 4;
            line[at..].split_whitespace().next()?.parse().ok()
        });
        daemon
    }

    /// Kills the daemon with SIGKILL (no chance to clean up) and starts it again on
    /// the same configuration and queue; returns the new address.
    pub fn kill9_and_restart(self) -> Daemon {
        let mut this = self;
        let mut child = this.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
        let dir = std::mem::replace(&mut this.dir, tempfile::tempdir().unwrap());
        Daemon::run(dir, &[])
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.path("maillog")).unwrap_or_default()
    }

    /// The queue's control files, by name.
    pub fn queued(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path("mqueue"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.starts_with("qf"))
            .collect();
        names.sort();
        names
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().unwrap().id().to_string();
        assert!(Command::new("kill").args(["-s", signal, &pid]).status().unwrap().success());
    }

    /// Sends SIGTERM and waits for the exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        self.stop_waiting()
    }

    /// Waits for the daemon to exit (after a signal sent before).
    pub fn stop_waiting(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "smtpd did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A temporary directory with a minimal configuration plus `mc_extra`.
pub fn minimal(mc_extra: &str) -> tempfile::TempDir {
    minimal_in(tempfile::tempdir().unwrap(), mc_extra)
}

/// [`minimal`] in `dir`.
pub fn minimal_in(dir: tempfile::TempDir, mc_extra: &str) -> tempfile::TempDir {
    std::fs::create_dir(dir.path().join("mqueue")).unwrap();
    let mc = format!(
        "define(`confDOMAIN_NAME', `mail.test.example')dnl\n\
         define(`QUEUE_DIR', `{d}/mqueue')dnl\n\
         define(`confLOG_FILE', `{d}/maillog')dnl\n\
         define(`confPID_FILE', `{d}/smtpd.pid')dnl\n\
         define(`confMIN_FREE_BLOCKS', `0')dnl\n\
         define(`confSERVICE_SWITCH_FILE', `{d}/service.switch')dnl\n\
         define(`confHOSTS_FILE', `{d}/hosts')dnl\n\
         define(`ALIAS_FILE', `text:{d}/aliases')dnl\n\
         DAEMON_OPTIONS(`Port=0, Addr=127.0.0.1, Name=MTA')dnl\n{mc_extra}",
        d = dir.path().display()
    );
    std::fs::write(dir.path().join("sendmail.mc"), mc).unwrap();
    let aliases = "postmaster: root\nMAILER-DAEMON: postmaster\nstaff: root, mail\n";
    std::fs::write(dir.path().join("aliases"), aliases).unwrap();
    dir
}

/// The test machine's hosts file: its own names, and the example domains the
/// tests send from and to (without DNS, a sender domain must resolve here).
pub const HOSTS: &str = "127.0.0.1 localhost mail.test.example\n\
                         127.0.0.10 example.org\n127.0.0.11 elsewhere.example\n\
                         127.0.0.13 example.net\n";

/// How many times the daemon logged its start in `log`.
fn starts(log: &Path) -> usize {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    text.lines().filter(|l| l.contains("starting daemon")).count()
}

fn dir_path_stderr(daemon: &Daemon) -> PathBuf {
    daemon.dir.path().join("stderr")
}

/// [`wait_for`], showing the daemon's standard error if it times out.
fn wait_for_or<T>(stderr: &Path, f: impl FnMut() -> Option<T>) -> T {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| wait_for(f)));
    result.unwrap_or_else(|_| {
        let text = std::fs::read_to_string(stderr).unwrap_or_default();
        let log = std::fs::read_to_string(stderr.with_file_name("maillog")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(5).collect();
        panic!(
            "smtpd did not start; its standard error:\n{text}\nlog tail (last first):\n{}",
            tail.join("\n")
        )
    })
}

/// Polls `f` until it gives a value (10 s at most).
pub fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A plain SMTP client that reads whole replies.
pub struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    /// Connects from `127.0.0.1`.
    pub fn connect(addr: SocketAddr) -> Client {
        Client::from_stream(TcpStream::connect(addr).unwrap())
    }

    /// A client on a connection already made (to write before the greeting).
    pub fn from_stream(stream: TcpStream) -> Client {
        stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        Client { reader: BufReader::new(stream.try_clone().unwrap()), writer: stream }
    }

    /// One whole reply (every line up to the one with a space after the code).
    pub fn reply(&mut self) -> String {
        let mut all = String::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).unwrap() == 0 {
                return all;
            }
            all.push_str(&line);
            if line.len() < 4 || line.as_bytes()[3] == b' ' {
                return all;
            }
        }
    }

    /// A second handle on the connection, for writing from another thread while
    /// this one reads.
    pub fn writer(&self) -> TcpStream {
        self.writer.try_clone().unwrap()
    }

    pub fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).unwrap();
    }

    /// Sends one command line and returns the reply.
    pub fn say(&mut self, line: &str) -> String {
        self.send(&format!("{line}\r\n"));
        self.reply()
    }

    /// Everything until the server closes.
    pub fn rest(&mut self) -> String {
        let mut s = String::new();
        let _ = self.reader.read_to_string(&mut s);
        s
    }
}

/// Runs a scripted SMTP session from `source` with Debian's python3 (smtplib-free:
/// raw socket), returning everything the server said. `lines` are sent one at a time,
/// each after the previous reply.
pub fn python_session(addr: SocketAddr, source: &str, lines: &[&str]) -> String {
    let script = r#"
import socket, sys
src, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.create_connection((host, port), timeout=20, source_address=(src, 0))
f = s.makefile('rb')
out = []
def reply():
    while True:
        line = f.readline()
        out.append(line.decode('latin-1'))
        if len(line) < 4 or line[3:4] == b' ':
            return
reply()
for cmd in sys.argv[4:]:
    s.sendall(cmd.encode('utf-8') + b'\r\n')
    reply()
sys.stdout.write(''.join(out))
"#;
    let out = Command::new("/usr/bin/python3")
        .arg("-c")
        .arg(script)
        .args([source, &addr.ip().to_string(), &addr.port().to_string()])
        .args(lines)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Reads a qf from the queue.
pub fn read_qf(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// A daemon with a fresh self-signed certificate for `mail.test.example` (files in
/// its own directory) and `mc_extra`; the certificate's PEM file, which clients can
/// trust as their root.
pub fn tls_daemon_with(mc_extra: &str) -> (Daemon, PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["mail.test.example".to_string()]).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let extra = format!(
        "define(`confSERVER_CERT', `{}')dnl\ndefine(`confSERVER_KEY', `{}')dnl\n{mc_extra}",
        cert_path.display(),
        key_path.display()
    );
    (Daemon::start_in(dir, &extra, &[]), cert_path)
}

/// [`tls_daemon_with`] and nothing more.
pub fn tls_daemon() -> Daemon {
    tls_daemon_with("").0
}

/// Every queued message: its envelope and its df.
pub fn messages(daemon: &Daemon) -> Vec<(spool::qf::envelope::Envelope, Vec<u8>)> {
    daemon
        .queued()
        .iter()
        .map(|name| {
            let path = daemon.path("mqueue").join(name);
            let qf = spool::qf::parse(&path, &std::fs::read(&path).unwrap()).unwrap();
            let env = spool::qf::envelope::Envelope::from_queue_file(&path, &qf).unwrap();
            let df =
                std::fs::read(daemon.path("mqueue").join(format!("df{}", &name[2..]))).unwrap();
            (env, df)
        })
        .collect()
}

/// A new connection in DATA (EHLO, MAIL from a@example.org, RCPT to root, `354`).
pub fn open_data(daemon: &Daemon) -> Client {
    let mut c = Client::connect(daemon.addr);
    c.reply();
    c.say("EHLO c.example");
    assert!(c.say("MAIL FROM:<a@example.org>").starts_with("250"));
    assert!(c.say("RCPT TO:<root>").starts_with("250"));
    assert!(c.say("DATA").starts_with("354"));
    c
}
