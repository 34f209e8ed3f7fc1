//! A full file system under the queue, for real (issue 14, item 2): a 1 MiB tmpfs
//! mounted on mqueue. A message that does not fit gets sendmail's `421 4.3.1 Out of
//! disk space for temp file` at the final dot (the reply the oracle gives on the same
//! tmpfs, tests/reference/smtp via submit's `-bs` test), nothing half-written stays,
//! and the daemon goes on serving: the next message that fits is queued, and once a
//! full disk has room again, mail is accepted again.
//!
//! `confMIN_FREE_BLOCKS` is 0 here (the minimal configuration), so MAIL is accepted
//! and the failure comes from the kernel's `ENOSPC` at write time; the free-block
//! check itself is `tests/security.rs`'s.

mod common;

use common::{open_data, Daemon};

/// Every file in the queue directory, by name.
fn files(daemon: &Daemon) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(daemon.path("mqueue"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Sends a short message on a new connection; the reply to the final dot.
fn small(daemon: &Daemon, subject: &str) -> String {
    let mut c = open_data(daemon);
    c.send(&format!("Subject: {subject}\r\n\r\nbody\r\n"));
    c.say(".")
}

#[test]
fn a_full_queue_file_system_is_421_and_service_resumes() {
    let dir = common::minimal("");
    let queue = dir.path().join("mqueue");
    let Some(tmpfs) = testkit::tmpfs::Tmpfs::mount(&queue, "1m", 0o700) else { return };
    let daemon = Daemon::run(dir, &[]);

    // 2 MiB of text into 1 MiB: the df write fails part way.
    let mut c = open_data(&daemon);
    c.send("Subject: too big\r\n\r\n");
    let line = format!("{}\r\n", "z".repeat(98));
    for _ in 0..200 {
        c.send(&line.repeat(100));
    }
    assert_eq!(c.say("."), "421 4.3.1 Out of disk space for temp file\r\n");
    assert_eq!(c.rest(), "", "the session ended after the 421");
    assert_eq!(files(&daemon), Vec::<String>::new(), "nothing half-written stays");

    // The failed message gave its space back: the daemon still takes mail.
    assert!(small(&daemon, "fits").starts_with("250 2.0.0 "));
    assert_eq!(daemon.queued().len(), 1);

    // Completely full: even a short message cannot be committed.
    let filler = tmpfs.fill("filler");
    assert_eq!(small(&daemon, "no room"), "421 4.3.1 Out of disk space for temp file\r\n");
    let mut left = files(&daemon);
    left.retain(|n| n != "filler");
    assert_eq!(left.len(), 2, "only the first message's qf and df: {left:?}");

    // Room again: service resumes without a restart.
    std::fs::remove_file(filler).unwrap();
    assert!(small(&daemon, "room again").starts_with("250 2.0.0 "));
    assert_eq!(daemon.queued().len(), 2);
    for (envelope, _) in common::messages(&daemon) {
        assert!(envelope.headers.iter().all(|h| h.text != b"Subject: no room"));
    }
}
