//! submit killed at random points (issue 14, item 1): exit 0 means the message is
//! queued, whole; any other end leaves nothing a runner would act on: every qf in the
//! client queue is complete and has its whole df, and what the killed process left (a
//! df, perhaps a tf) has no qf, so no runner reads it, and the sweep removes it once it
//! has aged. A kill that lands after the commit's rename leaves the message queued
//! whole although the caller saw no exit 0: it may send again, so mail can arrive
//! twice, never half or not at all.
//!
//! The kill instants are spread from the start of the process to half as long again
//! as a whole submission takes on this machine. 40 rounds here; `scripts/soak` runs
//! more (`testkit::soak`).

mod common;

use common::Lab;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Rounds in the short form.
const ROUNDS: usize = 40;
/// Body lines of 100 bytes: a message big enough that writing it takes a while.
const LINES: usize = 3000;
/// The command line: queue only, to a local user.
const ARGS: [&str; 3] = ["-odq", "-i", "root"];

fn message(round: usize) -> Vec<u8> {
    let body = format!("{}\n", "y".repeat(99)).repeat(LINES);
    format!("Subject: round {round}\n\n{body}").into_bytes()
}

/// Runs submit on round `round`'s message and kills it after `delay`; whether it
/// had exited 0 by then.
fn killed_after(lab: &Lab, round: usize, delay: Duration) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_submit"))
        .arg("-C")
        .arg(&lab.mc)
        .args(ARGS)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&message(round));
    });
    std::thread::sleep(delay);
    let _ = child.kill();
    let status = child.wait().unwrap();
    writer.join().unwrap();
    status.success()
}

/// The rounds whose messages are queued; panics on a qf that is not whole or whose
/// df is not.
fn queued_rounds(lab: &Lab) -> Vec<usize> {
    let mut rounds = Vec::new();
    for entry in std::fs::read_dir(&lab.queue).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let Some(id) = name.strip_prefix("qf") else { continue };
        let bytes = std::fs::read(&path).unwrap();
        let qf = spool::qf::parse(&path, &bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let envelope = spool::qf::envelope::Envelope::from_queue_file(&path, &qf).unwrap();
        let subject = envelope
            .headers
            .iter()
            .find_map(|h| h.text.strip_prefix(b"Subject: round "))
            .unwrap_or_else(|| panic!("{name} has no subject"));
        let df = std::fs::read(lab.queue.join(format!("df{id}"))).expect("a qf has its df");
        assert_eq!(df.len(), LINES * 100, "{name}: the df is whole");
        rounds.push(String::from_utf8_lossy(subject).parse().unwrap());
    }
    rounds
}

#[test]
fn submit_killed_anywhere_leaves_nothing_a_runner_would_act_on() {
    let lab = Lab::new();
    let start = Instant::now();
    let out = lab.submit(&ARGS, &message(0));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let span = start.elapsed().as_micros() as usize * 3 / 2;

    let (rounds, mut rng) = testkit::soak::plan(ROUNDS, 0x5eed_5b01);
    let mut exited_0 = vec![0];
    for round in 1..=rounds {
        let delay = Duration::from_micros(rng.below(span) as u64);
        if killed_after(&lab, round, delay) {
            exited_0.push(round);
        }
        let queued = queued_rounds(&lab);
        for n in &exited_0 {
            assert!(queued.contains(n), "round {n} exited 0 but is not queued");
        }
    }
    let killed = rounds + 1 - exited_0.len();
    eprintln!("submit: {} of {rounds} rounds exited 0, {killed} killed", exited_0.len() - 1);
    assert!(killed > 0, "no kill landed before the end: the battery tested nothing");

    // What the killed processes left has no control file; a day later the sweep
    // leaves only whole messages.
    let later = std::time::SystemTime::now() + spool::queue::STRAY_AGE;
    spool::queue::Queue::open(&lab.queue).sweep(later).unwrap();
    let queued = queued_rounds(&lab);
    let files = std::fs::read_dir(&lab.queue).unwrap().count();
    assert_eq!(files, 2 * queued.len(), "only qf and df pairs stay");
}
