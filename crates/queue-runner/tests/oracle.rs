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

/// smtpd (built beside queue-runner) on a port of its own for `lab`, queueing only;
/// killed when dropped.
struct Smtpd {
    child: std::process::Child,
    addr: String,
}

impl Smtpd {
    fn start(lab: &Lab) -> Option<Smtpd> {
        let path = Path::new(env!("CARGO_BIN_EXE_queue-runner")).with_file_name("smtpd");
        if !path.exists() {
            skip("smtpd is not built beside queue-runner (run cargo test --workspace)");
            return None;
        }
        let child = Command::new(path)
            .args(["-bD", "-C"])
            .arg(&lab.mc)
            .args(["-O", "DaemonPortOptions=Port=0,Addr=127.0.0.1,Name=MTA"])
            .stdin(Stdio::null())
            .spawn()
            .unwrap();
        let mut smtpd = Smtpd { child, addr: String::new() };
        for _ in 0..200 {
            let log = lab.log();
            if let Some(line) = log.lines().find(|l| l.contains("starting daemon")) {
                let at = line.find("MTA=").unwrap() + 4;
                smtpd.addr = line[at..].split_whitespace().next().unwrap().to_string();
                return Some(smtpd);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("smtpd did not start: {}", lab.log());
    }
}

impl Drop for Smtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The real sendmail runs a queue directory of the lab with its own cf, an alias
/// file of its own (`-OAliasFile`) and the queue's file mode (`mode`: the MSP's 0660
/// for a client queue, which sendmail's MTA would otherwise take for a bogus file).
fn sendmail_qf(oracle: &Oracle, queue: &Path, aliases: &Path, mode: &str) -> String {
    let mut cmd = oracle.command(&oracle.sendmail(), &oracle.sendmail_cf());
    cmd.arg(format!("-OQueueDirectory={}", queue.display()))
        .arg(format!("-OQueueFileMode={mode}"))
        .arg(format!("-OAliasFile={}", aliases.display()))
        .args(["-qf", "-v"])
        .env("TZ", "UTC");
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "sendmail -qf: {text}{}", String::from_utf8_lossy(&out.stderr));
    text
}

/// A client queue written by our `submit` and an MTA queue written by our `smtpd`
/// are delivered by the real sendmail's queue run: a migration back loses nothing
/// either. Both messages are for `ixuser`, which sendmail's alias file sends to a
/// file in the lab.
#[test]
fn queues_written_by_ferrymail_are_delivered_by_sendmail() {
    let Some(oracle) = oracle() else { return };
    let lab = Lab::builtin(
        "define(`confSERVICE_SWITCH_FILE', `@LAB@/etc/service.switch')dnl\ndefine(`confHOSTS_FILE', `@LAB@/etc/hosts')dnl\n",
    );
    std::fs::write(lab.path("etc/service.switch"), "hosts files\n").unwrap();
    std::fs::write(lab.path("etc/hosts"), "127.0.0.1 localhost mail.lab.example\n").unwrap();
    let mut ours = std::fs::OpenOptions::new().append(true).open(lab.path("etc/aliases")).unwrap();
    ours.write_all(b"ixuser: root\n").unwrap();
    let mbox = lab.path("mail/ixuser.mbox");
    let aliases = lab.path("etc/sm-aliases");
    std::fs::write(&aliases, format!("ixuser: {}\n", mbox.display())).unwrap();
    let mut newaliases = oracle.command(&oracle.sendmail(), &oracle.sendmail_cf());
    newaliases.arg("-bi").arg(format!("-OAliasFile={}", aliases.display()));
    assert!(newaliases.output().unwrap().status.success());

    let Some(out) = lab.submit(&["-odq", "ixuser"], b"Subject: queued by submit\n\nfrom submit\n")
    else {
        skip("submit is not built beside queue-runner (run cargo test --workspace)");
        return;
    };
    assert!(out.status.success(), "submit: {}", String::from_utf8_lossy(&out.stderr));
    let Some(smtpd) = Smtpd::start(&lab) else { return };
    let swaks = Command::new("swaks")
        .args(["--server", &smtpd.addr, "--helo", "client.lab.example"])
        .args(["--from", "daemon@mail.lab.example", "--to", "ixuser@mail.lab.example"])
        .args(["--header", "Subject: queued by smtpd", "--body", "from smtpd"])
        .output()
        .unwrap();
    assert!(swaks.status.success(), "{}", String::from_utf8_lossy(&swaks.stdout));
    drop(smtpd);
    assert_eq!(queue_files(&lab.path("mqueue")), 2, "smtpd queued a qf and a df");
    assert_eq!(queue_files(&lab.path("clientmqueue")), 2, "submit queued a qf and a df");

    for (queue, mode) in [("clientmqueue", "0660"), ("mqueue", "0600")] {
        let said = sendmail_qf(&oracle, &lab.path(queue), &aliases, mode);
        assert!(said.contains(&format!("{}... Sent", mbox.display())), "{queue}: {said}");
        assert_eq!(queue_files(&lab.path(queue)), 0, "{queue}: {said}");
    }
    let text = lab.text("mail/ixuser.mbox");
    for (subject, body, ours) in [
        ("queued by submit", "from submit", "(ferrymail-0.1.0/Submit) id "),
        ("queued by smtpd", "from smtpd", "(ferrymail-0.1.0) with ESMTP id "),
    ] {
        assert!(text.contains(&format!("\nSubject: {subject}\n")), "{text}");
        assert!(text.contains(&format!("\n{body}\n")), "{text}");
        assert!(text.contains(ours), "our Received: line kept: {text}");
    }
}
