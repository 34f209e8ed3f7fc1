//! Queues written by the real sendmail 8.17 (the oracle, through smns): its MTA's
//! `-odq` queue is delivered by queue-runner, its MSP's client queue is picked up and
//! delivered. A migration from sendmail loses nothing.

mod common;

use common::Lab;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};
use testkit::oracle::{skip, Oracle};

fn oracle() -> Option<Oracle> {
    let oracle = Oracle::locate();
    let root = nix::unistd::geteuid().is_root();
    if !(root && oracle.available(&[oracle.sendmail(), oracle.sendmail_cf(), oracle.submit_cf()])) {
        skip("the sendmail oracle is not set up (or not root)");
        return None;
    }
    Some(oracle)
}

/// sendmail `-C cf -odq -OQueueDirectory=queue rcpt`, the message on stdin.
fn sendmail_odq(oracle: &Oracle, cf: &Path, queue: &Path, rcpt: &str, message: &str) {
    let mut cmd = oracle.command(&oracle.sendmail(), cf);
    cmd.arg(format!("-OQueueDirectory={}", queue.display())).args(["-odq", rcpt]).env("TZ", "UTC");
    let mut child =
        cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(message.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "sendmail -odq: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn queue_files(dir: &Path) -> usize {
    std::fs::read_dir(dir).unwrap().count()
}

#[test]
fn a_queue_written_by_sendmail_is_delivered() {
    let Some(oracle) = oracle() else { return };
    let lab = Lab::builtin("");
    sendmail_odq(
        &oracle,
        &oracle.sendmail_cf(),
        &lab.path("mqueue"),
        "root",
        "Subject: queued by sendmail\n\nhello from 8.17\n",
    );
    assert_eq!(queue_files(&lab.path("mqueue")), 2, "sendmail queued a qf and a df");
    let out = lab.queue_runner(&["-qf"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(queue_files(&lab.path("mqueue")), 0);
    let mbox = lab.text("mail/root");
    assert!(
        mbox.contains("\nSubject: queued by sendmail\n") && mbox.ends_with("\nhello from 8.17\n\n"),
        "{mbox}"
    );
    assert!(
        mbox.contains("by mail.lab.example (8.17.1.9/8.17.1.9/smlab) id "),
        "sendmail's own Received: {mbox}"
    );
}

#[test]
fn a_client_queue_written_by_sendmails_msp_is_picked_up() {
    let Some(oracle) = oracle() else { return };
    // The MSP of the lab runs as mail:mail and writes its files 0660 (submit.cf).
    let lab = Lab::builtin("define(`confRUN_AS_USER', `mail:mail')dnl\n");
    let client = lab.path("clientmqueue");
    assert!(Command::new("chown").arg("mail:mail").arg(&client).status().unwrap().success());
    std::fs::set_permissions(&client, PermissionsExt::from_mode(0o770)).unwrap();
    sendmail_odq(
        &oracle,
        &oracle.submit_cf(),
        &client,
        "daemon",
        "Subject: from sendmail's MSP\n\nhi\n",
    );
    assert_eq!(queue_files(&client), 2);
    let out = lab.queue_runner(&["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(queue_files(&client), 0, "picked up: {}", lab.log());
    assert_eq!(queue_files(&lab.path("mqueue")), 0, "and delivered");
    let mbox = lab.text("mail/daemon");
    assert!(mbox.contains("\nSubject: from sendmail's MSP\n"), "{mbox}");
    assert!(mbox.contains("(8.17.1.9/8.17.1.9/Submit) id "), "the MSP's Received: {mbox}");
    assert!(
        mbox.contains("\nFrom: root <root@mail.lab.example>\n"),
        "qualified as the MSP sends it: {mbox}"
    );
}
