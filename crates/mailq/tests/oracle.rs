//! Live interoperability with the real sendmail (the oracle, `tests/oracle`):
//! a queue written by `spool::queue` is listed by sendmail's mailq exactly as by ours,
//! sendmail's queue is listed by ours exactly as by sendmail's, and each side sees the
//! other's locks. Skipped, with a message, where the oracle is not set up.

use spool::qf::envelope::{Envelope, Header, Recipient};
use spool::queue::{FileKind, Queue, QueueId};
use std::fs::TryLockError;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use testkit::oracle::{skip, Oracle};

/// The real sendmail and the lab's sendmail.cf, run on a queue of the test's own.
struct Real(Oracle);

fn oracle() -> Option<Real> {
    let o = Oracle::locate();
    if !o.available(&[o.sendmail(), o.mailq(), o.sendmail_cf()]) {
        skip("the sendmail oracle is not set up (run tests/oracle/setup.sh)");
        return None;
    }
    Some(Real(o))
}

impl Real {
    fn mailq(&self, queue: &Path) -> String {
        self.mailq_with(queue, &[])
    }

    fn mailq_with(&self, queue: &Path, args: &[&str]) -> String {
        let o = &self.0;
        let out = o
            .command(&o.mailq(), &o.sendmail_cf())
            .arg(format!("-OQueueDirectory={}", queue.display()))
            .args(args)
            .env("TZ", "UTC")
            .output()
            .unwrap();
        assert!(out.status.success(), "oracle mailq: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    }

    fn sendmail(&self, queue: &Path, args: &[&str]) -> Command {
        self.sendmail_with(&self.0.sendmail_cf(), queue, args)
    }

    /// sendmail with the config `cf` (a changed copy of the lab's) on `queue`.
    fn sendmail_with(&self, cf: &Path, queue: &Path, args: &[&str]) -> Command {
        let o = &self.0;
        let mut cmd = o.command(&o.sendmail(), cf);
        cmd.arg(format!("-OQueueDirectory={}", queue.display()));
        cmd.args(args);
        cmd
    }
}

fn our_mailq(queue: &Path) -> String {
    our_mailq_with(queue, &[])
}

fn our_mailq_with(queue: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_mailq"))
        .arg(format!("-OQueueDirectory={}", queue.display()))
        .args(args)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn queue_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("mqueue");
    std::fs::create_dir(&dir).unwrap();
    (tmp, dir)
}

/// Writes a message the way smtpd will: with distinct priorities so the order is fixed.
fn write_message(queue: &Queue, n: i64) -> QueueId {
    let mut msg = queue.new_message().unwrap();
    msg.write_body(format!("body of message {n}\n").as_bytes()).unwrap();
    let id = msg.id().clone();
    let env = Envelope {
        created: 1795563000 + n * 60,
        priority: 30000 + n,
        flags: "s".into(),
        macros: vec![("r".into(), b"ESMTP".to_vec()), ("s".into(), b"client.example".to_vec())],
        sender: format!("<sender{n}@example.org>").into_bytes(),
        message: (n == 2).then(|| b"Deferred: 451 4.2.0 try later".to_vec()),
        recipients: (0..=n)
            .map(|r| Recipient {
                flags: "PFD".into(),
                address: format!("<rcpt{r}@sink.example>").into_bytes(),
                final_recipient: Some(format!("rfc822; rcpt{r}@sink.example").into_bytes()),
                ..Recipient::default()
            })
            .collect(),
        headers: vec![Header {
            condition: vec![],
            text: format!("Subject: message {n}").into_bytes(),
        }],
        ..Envelope::default()
    };
    drop(msg.commit(&env.to_queue_file()).unwrap());
    id
}

#[test]
fn sendmail_lists_our_queue_as_we_do_and_sees_our_locks() {
    let Some(oracle) = oracle() else { return };
    let (_tmp, dir) = queue_dir();
    let queue = Queue::open(&dir);
    let ids: Vec<QueueId> = (0..3).map(|n| write_message(&queue, n)).collect();
    let theirs = oracle.mailq(&dir);
    assert_eq!(theirs, our_mailq(&dir));
    assert!(theirs.contains("(3 requests)") && theirs.contains("<rcpt2@sink.example>"), "{theirs}");
    let job = queue.lock(&ids[1]).unwrap().unwrap();
    let theirs = oracle.mailq(&dir);
    assert!(theirs.contains(&format!("{}*", ids[1])), "sendmail does not see our lock:\n{theirs}");
    assert_eq!(theirs, our_mailq(&dir));
    drop(job);
}

#[test]
fn we_list_sendmails_queue_as_it_does() {
    let Some(oracle) = oracle() else { return };
    let (_tmp, dir) = queue_dir();
    for (rcpt, body) in [("root", "one\n"), ("someone@sink.example", "two two\n")] {
        let mut child =
            oracle.sendmail(&dir, &["-odq", rcpt]).stdin(Stdio::piped()).spawn().unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("Subject: from sendmail\n\n{body}").as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success());
    }
    let theirs = oracle.mailq(&dir);
    assert!(theirs.contains("(2 requests)"), "{theirs}");
    assert_eq!(our_mailq(&dir), theirs);
    // Every file sendmail wrote reads back byte for byte through our parser.
    for id in Queue::open(&dir).list(FileKind::Control).unwrap() {
        let path = dir.join(format!("qf{id}"));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(spool::qf::parse(&path, &bytes).unwrap().to_bytes(), bytes);
    }
}

/// Kills the child when dropped.
struct Reap(Child);
impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn we_see_the_lock_of_a_sendmail_queue_run() {
    let Some(oracle) = oracle() else { return };
    // The lab's relay mailer delivers to 127.0.0.1:2527; in a copy of its sendmail.cf it
    // delivers to a port of the test's own, where a listener that never answers keeps
    // sendmail's queue runner inside the job, holding its lock.
    let stall = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = stall.local_addr().unwrap().port();
    let (tmp, dir) = queue_dir();
    let lab_cf = std::fs::read_to_string(oracle.0.sendmail_cf()).unwrap();
    assert!(lab_cf.contains("A=TCP $h 2527"), "the lab's relay mailer moved");
    let cf = tmp.path().join("sendmail.cf");
    std::fs::write(&cf, lab_cf.replace("A=TCP $h 2527", &format!("A=TCP $h {port}"))).unwrap();
    let mut child = oracle
        .sendmail_with(&cf, &dir, &["-odq", "someone@sink.example"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"Subject: lock test\n\nbody\n").unwrap();
    assert!(child.wait().unwrap().success());
    let id = Queue::open(&dir).list(FileKind::Control).unwrap().pop().unwrap();
    let runner = oracle
        .sendmail_with(&cf, &dir, &[&format!("-qI{id}"), "-v"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let _runner = Reap(runner);
    stall.set_nonblocking(false).unwrap();
    // The runner connects from inside the job, after readqf has taken the qf's flock, so
    // its connection is the ready signal: from accept() until the connection ends the
    // lock is held. The test checks that with a lock attempt of its own, then lists the
    // queue once: no retries that would hide a detection that works only sometimes.
    let (conn, _) = stall.accept().unwrap();
    let qf = std::fs::File::open(dir.join(format!("qf{id}"))).unwrap();
    assert!(
        matches!(qf.try_lock(), Err(TryLockError::WouldBlock)),
        "sendmail's queue runner connected without holding the flock of qf{id}"
    );
    let listing = our_mailq(&dir);
    assert!(listing.contains(&format!("{id}*")), "we do not see sendmail's lock:\n{listing}");
    assert_eq!(listing, oracle.mailq(&dir));
    drop(conn);
}

/// `QueueSortOrder` (`spool::queue::scan`): four jobs whose priority, creation time,
/// first recipient's host and control-file modification time each order them
/// differently are listed in the same order as sendmail's mailq lists them, for
/// every order sendmail makes deterministic.
#[test]
fn every_queue_sort_order_lists_as_sendmail_lists() {
    let Some(oracle) = oracle() else { return };
    let (_tmp, dir) = queue_dir();
    let queue = Queue::open(&dir);
    for (n, (host, mtime)) in [("b.x", 30), ("a.y", 0), ("C.x", 10), ("d.y", 20)].iter().enumerate()
    {
        let id = write_message(&queue, n as i64);
        let qf = queue.path(FileKind::Control, &id);
        let text = std::fs::read_to_string(&qf).unwrap();
        // Priorities against the creation order, and one host per job.
        let text = text.replace(&format!("\nP{}\n", 30000 + n), &format!("\nP{}\n", 40000 - n * 7));
        let text = text.replace("@sink.example>", &format!("@{host}>"));
        std::fs::write(&qf, text).unwrap();
        let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1795563000 + mtime);
        std::fs::File::options().write(true).open(&qf).unwrap().set_modified(when).unwrap();
    }
    for order in ["priority", "host", "time", "filename", "modification"] {
        let option = format!("-OQueueSortOrder={order}");
        let theirs = oracle.mailq_with(&dir, &[&option]);
        assert!(theirs.contains("(4 requests)"), "{theirs}");
        assert_eq!(our_mailq_with(&dir, &[&option]), theirs, "QueueSortOrder={order}");
    }
}
