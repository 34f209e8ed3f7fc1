//! docs/migrating.md is a test: its ` ```sh ` blocks run, in order, as one
//! `bash -euo pipefail` script in a scratch prefix, against the workspace's binaries,
//! a test name server on 127.0.0.1 and `scripts/smtp-sink` on a loopback port. The
//! guide cannot rot: a command that stops working fails here.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use testkit::dns::{DnsServer, Zone};

/// The names the guide uses, all on loopback; `bl.example` lists 127.0.0.2 and .3.
const ZONE: &str = "
mail.example.org        A  127.0.0.1
example.com             A  127.0.0.1
example.net             A  127.0.0.1
smtprelay.example.net   A  127.0.0.1
elsewhere.example       A  127.0.0.1
2.0.0.127.bl.example    A  127.0.0.2
3.0.0.127.bl.example    A  127.0.0.2
";

/// The whole guide may take this long (the DH parameters, a dozen SMTP sessions).
const LIMIT: Duration = Duration::from_secs(180);

/// Stops what the guide started, however the test ends.
struct Daemons<'a>(&'a Path);

impl Drop for Daemons<'_> {
    fn drop(&mut self) {
        handbook::stop_pid_files(self.0);
    }
}

fn script(markdown: &str) -> String {
    let mut script = String::new();
    for (line, block) in handbook::shell_blocks(markdown) {
        script.push_str(&format!("echo '### docs/migrating.md:{line}' >&2\n{block}"));
    }
    script
}

#[test]
fn every_command_of_the_migration_guide_works() {
    if !testkit::scenario::is_root() {
        testkit::skip::skip("the guide delivers to root's mailbox and .forward: needs root");
        return;
    }
    for tool in ["swaks", "bash", "python3"] {
        if !testkit::oracle::on_path(tool) {
            testkit::skip::skip(format!("{tool} is not installed"));
            return;
        }
    }
    let ws = handbook::workspace();
    let bin = handbook::bin_dir();
    let guide = std::fs::read_to_string(ws.join("docs/migrating.md")).unwrap();
    let script = script(&guide);
    assert!(script.matches("### docs/migrating.md").count() >= 15, "the guide's blocks");

    let dns = DnsServer::start(Zone::parse(ZONE));
    let prefix = tempfile::tempdir().unwrap();
    let work = prefix.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let _daemons = Daemons(&prefix.path().join("run"));
    let mut child = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(&work)
        .env("PREFIX", prefix.path())
        .env("FERRYMAIL_BIN", &bin)
        .env("SMTP_PORT", handbook::free_port().to_string())
        .env("SINK_PORT", handbook::free_port().to_string())
        .env("DNS", dns.addr().to_string())
        .env("SINK", ws.join("scripts/smtp-sink"))
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stdout.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.read_to_end(&mut s);
        String::from_utf8_lossy(&s).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    handbook::stop_pid_files(&prefix.path().join("run"));
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    let log = std::fs::read_to_string(prefix.path().join("maillog")).unwrap_or_default();
    let ok = status.is_some_and(|s| s.success());
    let kept =
        if ok { String::new() } else { format!(" (prefix kept: {})", prefix.keep().display()) };
    let tail = |s: &str, n: usize| {
        s.lines().rev().take(n).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    };
    assert!(
        ok,
        "the guide failed{kept} ({status:?}, {:?}); the last block entered is the last ### line.\n\
         --- stdout (tail)\n{}\n--- stderr (tail)\n{}\n--- maillog (tail)\n{}",
        start.elapsed(),
        tail(&out, 40),
        tail(&err, 30),
        tail(&log, 20)
    );
}
