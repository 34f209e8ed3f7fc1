//! `submit -bs`: SMTP on stdin/stdout through the shared engine; the reference's piped
//! session (cli/bs-mode.txt) and Python's smtplib driving a whole submission.

mod common;

use common::{BsSession, Lab};
use std::process::{Command, Stdio};

#[test]
fn piped_commands_before_the_greeting_are_traffic_before_response() {
    let lab = Lab::new();
    let input = b"EHLO client.lab.example\r\nMAIL FROM:<alice@mail.lab.example>\r\nRCPT TO:<nosuchuser>\r\nQUIT\r\n";
    let out = lab.submit(&["-bs"], input);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert!(lines[0].starts_with("220 mail.lab.example ESMTP "), "{text}");
    // The rest as sendmail answered in reference cli/bs-mode.txt.
    assert_eq!(
        &lines[1..],
        [
            "554 5.5.0 SMTP protocol error",
            "550 5.0.0 Command rejected",
            "550 5.0.0 Command rejected",
            "221 2.0.0 mail.lab.example closing connection",
            ""
        ]
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(lab.messages().is_empty());
}

#[test]
fn python_smtplib_submits_over_a_pipe() {
    let lab = Lab::new();
    let script = r#"
import smtplib, socket, subprocess, sys
ours, theirs = socket.socketpair()
proc = subprocess.Popen(sys.argv[1:], stdin=theirs, stdout=theirs, env={"TZ": "UTC"})
theirs.close()
s = smtplib.SMTP()
s.sock = ours
s.file = None
code, msg = s.getreply()
assert code == 220, (code, msg)
s.ehlo("client.example")
assert s.has_extn("pipelining") and s.has_extn("8bitmime") and s.has_extn("dsn")
refused = s.sendmail("alice@example.org", ["root", "nosuchuser", "someone@example.net"],
    "Subject: via smtplib\r\nTo: root\r\n\r\nHello over -bs.\r\n..leading dot\r\n")
print("refused", sorted(refused))
s.quit()
proc.wait()
print("exit", proc.returncode)
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_submit"))
        .arg("-C")
        .arg(&lab.mc)
        .arg("-bs")
        .stderr(Stdio::inherit())
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("refused ['nosuchuser']"), "{text}");
    assert!(text.contains("exit 0"), "{text}");
    let msgs = lab.messages();
    assert_eq!(msgs.len(), 1);
    let (raw, df) = &msgs[0];
    let qf = &common::escaped(raw);
    // smtplib stuffs the dot and the engine removes it: the body arrives as given.
    assert_eq!(df, b"Hello over -bs.\n..leading dot\n");
    assert!(qf.contains("\nS<alice@example.org>\n") && qf.contains("\nFbs\n"), "{qf}");
    assert!(
        qf.contains("\nRPFD:<root>\n") && qf.contains("\nRPFD:<someone@example.net>\n"),
        "{qf}"
    );
    assert!(!qf.contains("nosuchuser"), "{qf}");
    assert!(qf.contains("\n$rESMTP\n$sclient.example\n"), "{qf}");
    assert!(qf.contains("H??Received: from client.example ("), "{qf}");
    assert!(
        qf.contains("\nH??Subject: via smtplib\n") && qf.contains("\nH?M?Message-Id: <"),
        "{qf}"
    );
    spool::qf::parse(std::path::Path::new("qf"), raw).unwrap();
}

/// Issue 16 item 0: the header fields after `X-Foo<TAB>: bar` were accepted with 250
/// and then missing from the qf. sendmail (8.17.1.9, `-bs` and stdin alike) keeps all
/// three, storing the name without the blanks before the colon.
#[test]
fn blanks_before_the_colon_keep_every_header_field() {
    let lab = Lab::new();
    let mut bs = BsSession::start(&lab);
    assert!(bs.say(b"EHLO client.example\r\n").starts_with("250-"));
    let text = b"Subject: one\nX-Foo\t: bar\nX-After: kept?\n\nbody\n";
    let reply = bs.send("alice@example.org", "someone@example.net", text);
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    assert_eq!(bs.quit(), Some(0));
    let msgs = lab.messages();
    let (raw, df) = &msgs[0];
    let qf = common::escaped(raw);
    assert!(qf.contains("\nH??Subject: one\nH??X-Foo: bar\nH??X-After: kept?\n.\n"), "{qf}");
    assert_eq!(df, b"body\n");
}

/// Issue 16 item 5 on a real full file system: the client queue is a 64 KiB tmpfs
/// and the message does not fit. sendmail 8.17.1.9 (the oracle, `-bs` and as a
/// daemon, its queue on the same tmpfs) answers the final dot with `421 4.3.1 Out of
/// disk space for temp file` and ends the session; so does submit, and it leaves no
/// half-written files behind.
#[test]
fn a_full_file_system_is_421_and_leaves_nothing() {
    let lab = Lab::new();
    let Some(_tmpfs) = testkit::tmpfs::Tmpfs::mount(&lab.queue, "64k", 0o777) else { return };
    let mut bs = BsSession::start(&lab);
    assert!(bs.say(b"EHLO client.example\r\n").starts_with("250-"));
    let body = "x".repeat(70) + "\n";
    let text = format!("Subject: too big\n\n{}", body.repeat(4000));
    let reply = bs.send("alice@example.org", "someone@example.net", text.as_bytes());
    assert_eq!(reply, "421 4.3.1 Out of disk space for temp file\r\n");
    assert_eq!(bs.reply(), "", "the session ended");
    assert!(lab.messages().is_empty());
    assert_eq!(std::fs::read_dir(&lab.queue).unwrap().count(), 0, "no df or tf left");
}

/// sendmail 8.17.1.9 `-bs` without HELO (the oracle, as root, default privacy
/// `authwarnings`) queues `X-Authentication-Warning: $w: root@localhost didn't use
/// HELO protocol` after the fields it adds, `$slocalhost` and `Received: from
/// localhost (root@localhost)`.
#[test]
fn without_helo_authwarnings_adds_sendmails_warning() {
    let lab = Lab::new();
    let mut bs = BsSession::start(&lab);
    let reply = bs.send("alice@example.org", "someone@example.net", b"Subject: x\n\nhi\n");
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    assert_eq!(bs.quit(), Some(0));
    let msgs = lab.messages();
    let qf = common::escaped(&msgs[0].0);
    let user =
        String::from_utf8(std::process::Command::new("id").arg("-un").output().unwrap().stdout)
            .unwrap();
    let w = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let warning = format!(
        "\nH??X-Authentication-Warning: {}: {}@localhost didn't use HELO protocol\nH??Subject: x\n",
        w.trim(),
        user.trim()
    );
    assert!(qf.contains(&warning), "{qf}");
    assert!(qf.contains("\n$slocalhost\n"), "{qf}");
}
