//! A message queued by submit is delivered by the real sendmail's queue runner
//! (`sendmail -Ac -q` with the oracle's submit.cf). The MSP relays to the MTA on
//! 127.0.0.1; the test uses a copy of submit.cf whose relay port is one it listens on
//! itself, and records what sendmail sends. Skipped, with a message, when the oracle
//! is not set up.

mod common;

use common::Lab;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::time::Duration;
use testkit::oracle::{skip, Oracle};

/// Answers one SMTP session as a permissive server; returns the client's lines.
fn record_session(stream: TcpStream) -> Vec<String> {
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    let mut lines = Vec::new();
    out.write_all(b"220 test.example ESMTP\r\n").unwrap();
    let mut in_data = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return lines;
        }
        let text = line.trim_end().to_string();
        lines.push(text.clone());
        let reply: &[u8] = if in_data {
            if text != "." {
                continue;
            }
            in_data = false;
            b"250 2.0.0 accepted\r\n"
        } else {
            match text.get(..4).unwrap_or("").to_ascii_uppercase().as_str() {
                "EHLO" => b"250-test.example\r\n250 8BITMIME\r\n",
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

#[test]
fn sendmail_delivers_what_submit_queued() {
    let oracle = Oracle::locate();
    if !(oracle.available(&[oracle.sendmail(), oracle.submit_cf()]) && common::is_root()) {
        skip("the sendmail oracle is not set up (or not root)");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let ours = Lab::new();
    let cf = std::fs::read_to_string(oracle.submit_cf())
        .unwrap()
        .replace("A=TCP $h 2525", &format!("A=TCP $h {port}"));
    let submit_cf = ours.dir.path().join("submit.cf");
    std::fs::write(&submit_cf, cf).unwrap();
    let out = ours.submit(&["-odq", "root"], b"Subject: from ferrymail\n\nqueued by submit\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The MSP runs as mail:mail (RunAsUser), like the queue it reads.
    let status =
        Command::new("chown").arg("-R").arg("mail:mail").arg(ours.dir.path()).status().unwrap();
    assert!(status.success());
    let server = std::thread::spawn(move || record_session(listener.accept().unwrap().0));
    let run = oracle
        .command(&oracle.sendmail(), &submit_cf)
        .arg(format!("-OQueueDirectory={}", ours.queue.display()))
        .arg("-q")
        .output()
        .unwrap();
    assert!(run.status.success(), "sendmail -q: {}", String::from_utf8_lossy(&run.stdout));
    let session = server.join().unwrap();
    let joined = session.join("\n");
    assert!(session.iter().any(|l| l.starts_with("MAIL From:<root@mail.lab.example>")), "{joined}");
    assert!(session.iter().any(|l| l.starts_with("RCPT To:<root@mail.lab.example>")), "{joined}");
    assert!(session.iter().any(|l| l == "Subject: from ferrymail"), "{joined}");
    assert!(session.iter().any(|l| l == "queued by submit"), "{joined}");
    assert!(ours.messages().is_empty(), "the delivered message left the queue");
}
