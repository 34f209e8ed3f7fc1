//! A message root queued with submit is delivered by the real sendmail's client-queue
//! runner (`sendmail -Ac -q`: the oracle's submit.cf) exactly as sendmail delivers the
//! copy its own MSP queued.
//!
//! Both queues are set up as an installation has clientmqueue (`mail:mail`, 0770: the
//! lab's `RunAsUser`), both messages are queued by root with the lab's submit
//! configuration (ours reads the lab's submit.mc, sendmail its submit.cf), and nothing
//! is changed between queueing and delivery: the runner, running as `mail`, reads what
//! submit wrote only if submit wrote it as sendmail does (issue 9, part 2).
//!
//! The MSP relays to 127.0.0.1; the test runs sendmail with a copy of submit.cf whose
//! relay port is one it listens on itself, and records both SMTP sessions. They must
//! be equal but for queue IDs, dates and the software version (and the message size
//! by exactly the difference in the version's length). A copy of submit.cf whose port
//! was not replaced fails at once; a run that never connects fails within seconds.
//! Skipped, with a message, when the oracle is not set up or not root.

mod common;

use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use testkit::oracle::{skip, Oracle};

/// How long the test waits for sendmail to connect, and to run at all.
const CONNECT_WITHIN: Duration = Duration::from_secs(20);
const RUN_WITHIN: Duration = Duration::from_secs(60);

/// sendmail's version in the headers it adds, and ours.
const THEIR_VERSION: &str = "8.17.1.9/8.17.1.9";
const OUR_VERSION: &str = concat!("ferrymail-", env!("CARGO_PKG_VERSION"));

const MESSAGE: &[u8] = b"From: Root User <root>\nTo: root\nSubject: from ferrymail\n\n\
queued by submit\n.leading dot\nGr\xc3\xbc\xc3\x9fe, 8-bit line\n";

/// Answers one SMTP session as a permissive server; returns the client's lines.
fn record_session(stream: TcpStream) -> Vec<String> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    let mut lines = Vec::new();
    out.write_all(b"220 test.example ESMTP\r\n").unwrap();
    let mut in_data = false;
    loop {
        let mut line = Vec::new();
        if reader.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
            return lines;
        }
        let text = common::escaped(line.strip_suffix(b"\r\n").unwrap_or(&line));
        lines.push(text.clone());
        let reply: &[u8] = if in_data {
            if text != "." {
                continue;
            }
            in_data = false;
            b"250 2.0.0 accepted\r\n"
        } else {
            match text.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                "EHLO" => b"250-test.example\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go\r\n"
                }
                "QUIT" => {
                    let _ = out.write_all(b"221 bye\r\n");
                    return lines;
                }
                _ => b"250 ok\r\n",
            }
        };
        out.write_all(reply).unwrap();
    }
}

/// Records the first session on `listener`; fails if none comes within
/// [`CONNECT_WITHIN`] (sendmail went elsewhere, e.g. a port left unreplaced).
fn serve_one(listener: TcpListener) -> JoinHandle<Result<Vec<String>, String>> {
    std::thread::spawn(move || {
        listener.set_nonblocking(true).unwrap();
        let deadline = Instant::now() + CONNECT_WITHIN;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    return Ok(record_session(stream));
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => return Err(format!("no SMTP connection within {CONNECT_WITHIN:?}: {e}")),
            }
        }
    })
}

/// Runs `cmd` with `input` on stdin; kills it after [`RUN_WITHIN`].
fn run(mut cmd: Command, input: &[u8]) -> Output {
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let deadline = Instant::now() + RUN_WITHIN;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("{cmd:?} still running after {RUN_WITHIN:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// A client queue as an installation has it: `mail:mail`, 0770.
fn client_queue(dir: &Path, name: &str) -> PathBuf {
    let queue = dir.join(name);
    std::fs::create_dir(&queue).unwrap();
    assert!(Command::new("chown").arg("mail:mail").arg(&queue).status().unwrap().success());
    std::fs::set_permissions(&queue, PermissionsExt::from_mode(0o770)).unwrap();
    queue
}

/// `text` with `from` replaced by `to`; fails at once if `from` is not there.
fn replaced(text: &str, from: &str, to: &str, what: &str) -> String {
    assert!(text.contains(from), "{what}: {from:?} not found, the copy would be wrong");
    let out = text.replace(from, to);
    assert!(!out.contains(from));
    out
}

/// The queue IDs in `queue` (from its qf names).
fn queue_ids(queue: &Path) -> Vec<String> {
    std::fs::read_dir(queue)
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().to_str()?.strip_prefix("qf").map(str::to_string))
        .collect()
}

/// `stat -c '%U:%G %a'` of the df and qf in `queue`.
fn owners(queue: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(queue)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let stat = Command::new("stat").args(["-c", "%U:%G %a"]).arg(&path).output().unwrap();
            let kind = path.file_name().unwrap().to_string_lossy()[..2].to_string();
            format!("{kind} {}", String::from_utf8_lossy(&stat.stdout).trim())
        })
        .collect();
    out.sort();
    out
}

/// Masks what may differ between two runs: the queue `ids`, dates (`Thu, 4 Dec 2025
/// 16:41:00 +0000`), the time stamp in Message-Id, the version, and `SIZE=`.
fn normalize(session: &[String], ids: &[String], version: &str) -> Vec<String> {
    session
        .iter()
        .map(|line| {
            let mut line = ids.iter().fold(line.clone(), |l, id| l.replace(id, "QID"));
            line = line.replace(version, "VERSION");
            line = mask_date(&line);
            if let Some(at) = line.find("Message-Id: <") {
                let stamp = at + "Message-Id: <".len();
                line.replace_range(stamp..stamp + 12, "<stamp>");
            }
            if let Some(at) = line.find(" SIZE=") {
                let end = line[at + 6..].find(' ').map_or(line.len(), |e| at + 6 + e);
                line.replace_range(at + 6..end, "<size>");
            }
            line
        })
        .collect()
}

/// Replaces an RFC 5322 date (`Thu, 4 Dec 2025 16:41:00 +0000`) with `<date>`.
fn mask_date(line: &str) -> String {
    for day in ["Mon, ", "Tue, ", "Wed, ", "Thu, ", "Fri, ", "Sat, ", "Sun, "] {
        if let Some(start) = line.find(day) {
            let rest = &line[start..];
            // weekday, day, month, year, time, zone: six words.
            let end = rest.split(' ').take(6).map(|w| w.len() + 1).sum::<usize>() - 1;
            let end = start + end.min(rest.len());
            return format!("{}<date>{}", &line[..start], &line[end..]);
        }
    }
    line.to_string()
}

/// The `SIZE=` value of the session's MAIL command.
fn size(session: &[String]) -> i64 {
    let mail = session.iter().find(|l| l.starts_with("MAIL From:")).expect("a MAIL command");
    let at = mail.find(" SIZE=").expect("SIZE=") + 6;
    mail[at..].split(' ').next().unwrap().parse().unwrap()
}

/// Delivers `queue` with sendmail's client-queue runner on `cf`; returns the session.
fn deliver(oracle: &Oracle, cf: &Path, queue: &Path, listener: TcpListener) -> Vec<String> {
    let server = serve_one(listener);
    let mut cmd = oracle.command(&oracle.sendmail(), cf);
    cmd.arg(format!("-OQueueDirectory={}", queue.display())).arg("-q");
    let out = run(cmd, b"");
    let session = server.join().unwrap();
    assert!(out.status.success(), "sendmail -q: {}", String::from_utf8_lossy(&out.stdout));
    let session = session.unwrap_or_else(|e| panic!("{e}; sendmail -q said: {out:?}"));
    assert!(queue_ids(queue).is_empty(), "the delivered message left {}", queue.display());
    session
}

#[test]
fn sendmail_delivers_what_submit_queued_as_it_delivers_its_own() {
    let oracle = Oracle::locate();
    let submit_mc = oracle.lab.join("etc/submit.mc");
    let needs = [oracle.sendmail(), oracle.submit_cf(), submit_mc.clone()];
    if !(oracle.available(&needs) && common::is_root()) {
        skip("the sendmail oracle is not set up (or not root)");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), PermissionsExt::from_mode(0o755)).unwrap();
    let (ours, theirs) = (client_queue(dir.path(), "ours"), client_queue(dir.path(), "theirs"));

    // The lab's submit configuration, relaying to our port, queueing in our queues.
    let cf = std::fs::read_to_string(oracle.submit_cf()).unwrap();
    let cf = replaced(&cf, "A=TCP $h 2525", &format!("A=TCP $h {port}"), "submit.cf");
    let submit_cf = dir.path().join("submit.cf");
    std::fs::write(&submit_cf, cf).unwrap();
    let mc = std::fs::read_to_string(&submit_mc).unwrap();
    let lab_queue = oracle.lab.join("clientmqueue").display().to_string();
    let mc = replaced(&mc, &lab_queue, &ours.display().to_string(), "submit.mc");
    let our_mc = dir.path().join("submit.mc");
    std::fs::write(&our_mc, mc).unwrap();

    // root queues the same message with each.
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_submit"));
    cmd.arg("-C").arg(&our_mc).args(["-odq", "root"]).env("TZ", "UTC");
    let out = run(cmd, MESSAGE);
    assert!(out.status.success(), "submit: {}", String::from_utf8_lossy(&out.stderr));
    let mut cmd = oracle.command(&oracle.sendmail(), &submit_cf);
    cmd.arg(format!("-OQueueDirectory={}", theirs.display())).args(["-odq", "root"]);
    cmd.env("TZ", "UTC");
    let out = run(cmd, MESSAGE);
    assert!(out.status.success(), "sendmail -odq: {}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(owners(&ours), owners(&theirs), "owner, group and mode of df and qf");
    assert_eq!(owners(&ours), ["df mail:mail 660", "qf mail:mail 660"]);

    let (our_ids, their_ids) = (queue_ids(&ours), queue_ids(&theirs));
    let from_ours = deliver(&oracle, &submit_cf, &ours, listener.try_clone().unwrap());
    let from_theirs = deliver(&oracle, &submit_cf, &theirs, listener);

    let longer = THEIR_VERSION.len() as i64 - OUR_VERSION.len() as i64;
    assert_eq!(size(&from_ours) + longer, size(&from_theirs), "SIZE= but for the version");
    assert_eq!(
        normalize(&from_ours, &our_ids, OUR_VERSION),
        normalize(&from_theirs, &their_ids, THEIR_VERSION),
        "what the relay received from our queue file vs sendmail's own"
    );
}
