//! kill -9 at random points of a run: every message is delivered or still queued,
//! none lost, no queue file half-written, and what the killed runs left is removed
//! by the sweep once it has aged. 12 rounds here; `scripts/soak` runs more
//! (`testkit::soak`).

mod common;

use common::Lab;
use std::time::Duration;

/// Rounds in the short form.
const ROUNDS: usize = 12;
/// New messages submitted before each round, so every round has work in flight.
const PER_ROUND: usize = 2;

/// Every control file of `queue` reads completely (a final `.`).
fn all_complete(lab: &Lab, queue: &str) {
    for name in lab.files(queue).iter().filter(|n| n.starts_with("qf")) {
        let path = lab.path(queue).join(name);
        let Ok(bytes) = std::fs::read(&path) else { continue };
        spool::qf::parse(&path, &bytes)
            .unwrap_or_else(|e| panic!("{queue}/{name} is not whole: {e}"));
    }
}

/// The battery: each round submits [`PER_ROUND`] new messages (`submitted(n)`
/// for message `n`), starts a run (`-qf -Ac` and `-qf` in turn) and kills it dead
/// 0-120 ms in, then checks every control file is whole; at the end two whole runs
/// finish the work and, a day later by the sweep's clock, both queues must be
/// empty. The rounds run; `None` after a skip (submit not built).
fn battery(
    lab: &Lab,
    seed: u64,
    submitted: impl Fn(usize) -> Option<std::process::Output>,
) -> Option<usize> {
    let (rounds, mut rng) = testkit::soak::plan(ROUNDS, seed);
    for round in 0..rounds {
        for n in round * PER_ROUND..(round + 1) * PER_ROUND {
            let Some(out) = submitted(n) else {
                testkit::oracle::skip(
                    "submit is not built beside queue-runner (run cargo test --workspace)",
                );
                return None;
            };
            assert!(out.status.success());
        }
        let args: &[&str] = if round % 2 == 0 { &["-qf", "-Ac"] } else { &["-qf"] };
        let mut child = lab.spawn_queue_runner(args);
        // The point of the test: stop it dead somewhere in its run.
        std::thread::sleep(Duration::from_millis(rng.below(120) as u64));
        let _ = child.kill();
        child.wait().unwrap();
        all_complete(lab, "clientmqueue");
        all_complete(lab, "mqueue");
    }
    for args in [["-qf", "-Ac"], ["-qf", "-qf"]] {
        let out = lab.queue_runner(&args);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // A df or tf whose writer was killed before its qf was committed stays until it
    // has aged (the message it was for is still in the client queue, or was picked up
    // again under another ID); once a day has passed, the sweep leaves nothing.
    let later = std::time::SystemTime::now() + spool::queue::STRAY_AGE;
    for queue in ["clientmqueue", "mqueue"] {
        spool::queue::Queue::open(&lab.path(queue)).sweep(later).unwrap();
        assert_eq!(lab.files(queue), Vec::<String>::new(), "{queue}\n{}", lab.log());
    }
    Some(rounds)
}

/// How many times each of the `messages` numbered messages was delivered.
fn deliveries(lab: &Lab, messages: usize) -> Vec<usize> {
    let mut counts = vec![0; messages];
    for name in lab.files("mail").iter().filter(|n| n.starts_with("in.")) {
        let text = lab.text(&format!("mail/{name}"));
        if let Some(n) = text.lines().find_map(|l| l.strip_prefix("Subject: message ")) {
            counts[n.trim().parse::<usize>().unwrap()] += 1;
        }
    }
    counts
}

#[test]
fn kill_9_at_random_points_loses_nothing() {
    let lab = Lab::with_local(
        "define(`LOCAL_MAILER_PATH', `@LAB@/etc/save.sh')dnl\ndefine(`LOCAL_MAILER_ARGS', `save.sh @LAB@/mail')dnl\ndefine(`confMAX_QUEUE_CHILDREN', `4')dnl\n",
        "",
    );
    let script = lab.path("etc/save.sh");
    std::fs::write(&script, "#!/bin/sh\nf=$(mktemp \"$1/part.XXXXXX\") && cat > \"$f\" && mv \"$f\" \"$(mktemp -u \"$1/in.XXXXXX\")\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let submitted = |n: usize| {
        let text = format!("Subject: message {n}\n\nbody {n}\n");
        lab.submit(&["-odq", "daemon", "root"], text.as_bytes())
    };
    let Some(rounds) = battery(&lab, 0x5eed9_u64, submitted) else { return };
    let counts = deliveries(&lab, rounds * PER_ROUND);
    let twice = counts.iter().filter(|&&c| c > 2).count();
    eprintln!(
        "queue-runner: {rounds} kills, {} messages delivered, {twice} more than once: {counts:?}",
        counts.len()
    );
    assert!(
        counts.iter().all(|&c| c >= 2),
        "each message to daemon and root at least once: {counts:?}"
    );
}

/// A run starts by sweeping what crashes left in the queue it works: a df and a tf
/// untouched for more than a day, with no control file and no writer, go (and are
/// logged); a young one stays. `-Ac` sweeps the client queue.
#[test]
fn a_run_sweeps_what_a_crash_left() {
    let lab = Lab::new("");
    let old = spool::queue::STRAY_AGE + Duration::from_secs(60);
    for queue in ["mqueue", "clientmqueue"] {
        testkit::soak::left_behind(&lab.path(queue), "dfstray00000001", old);
        testkit::soak::left_behind(&lab.path(queue), "tfstray00000002", old);
        testkit::soak::left_behind(&lab.path(queue), "dfyoung00000003", Duration::from_secs(60));
    }
    let out = lab.queue_runner(&["-qf"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(lab.files("mqueue"), ["dfyoung00000003"]);
    assert_eq!(lab.files("clientmqueue").len(), 3, "a run of the MTA's queue only");
    let line = format!("{}: removed stray file", lab.path("mqueue/dfstray00000001").display());
    assert!(lab.log().contains(&line), "{}", lab.log());
    let out = lab.queue_runner(&["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(lab.files("clientmqueue"), ["dfyoung00000003"]);
}

/// A minimal SMTP sink on 127.0.0.1: takes every message and counts, per `Subject:`,
/// the messages it acknowledged with 250 after the final dot.
struct Sink {
    port: u16,
    got: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Sink {
    fn start() -> Sink {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let record = record.clone();
                std::thread::spawn(move || {
                    let mut out = stream.try_clone().unwrap();
                    let mut input = BufReader::new(stream);
                    let _ = out.write_all(b"220 sink.example ESMTP\r\n");
                    let (mut line, mut data, mut subject) = (String::new(), false, None);
                    while input.read_line(&mut line).unwrap_or(0) > 0 {
                        let l = line.trim_end().to_string();
                        line.clear();
                        let reply = if data {
                            if let Some(s) = l.strip_prefix("Subject: ") {
                                subject = Some(s.to_string());
                            }
                            if l != "." {
                                continue;
                            }
                            data = false;
                            record.lock().unwrap().extend(subject.take());
                            "250 2.0.0 queued"
                        } else if l.to_ascii_uppercase().starts_with("DATA") {
                            data = true;
                            "354 go ahead"
                        } else if l.eq_ignore_ascii_case("QUIT") {
                            let _ = out.write_all(b"221 2.0.0 bye\r\n");
                            return;
                        } else {
                            "250 ok"
                        };
                        if out.write_all(format!("{reply}\r\n").as_bytes()).is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Sink { port, got }
    }

    /// How many times the sink took each of `n` numbered messages.
    fn counts(&self, n: usize) -> Vec<usize> {
        let mut counts = vec![0; n];
        for subject in self.got.lock().unwrap().iter() {
            if let Some(k) = subject.strip_prefix("remote ") {
                counts[k.parse::<usize>().unwrap()] += 1;
            }
        }
        counts
    }
}

/// The same battery for remote delivery (issue 14: "queue-runner mid-delivery
/// against a sink"): each round submits two messages to a remote recipient, the
/// smart host is an SMTP sink on 127.0.0.1, and the runner is killed in its run;
/// at the end the sink has taken every message at least once and nothing is left
/// queued.
#[test]
fn kill_9_mid_smtp_delivery_loses_nothing() {
    let sink = Sink::start();
    let lab = Lab::builtin(&format!(
        "define(`RELAY_MAILER_ARGS', `TCP $h {}')dnl\ndefine(`confMAX_QUEUE_CHILDREN', `4')dnl\n",
        sink.port
    ));
    let submitted = |n: usize| {
        let text = format!("Subject: remote {n}\n\n{}\n", "z".repeat(4000));
        lab.submit(&["-odq", "far@elsewhere.example"], text.as_bytes())
    };
    let Some(rounds) = battery(&lab, 0x5eed_5111, submitted) else { return };
    let counts = sink.counts(rounds * PER_ROUND);
    let twice = counts.iter().filter(|&&c| c > 1).count();
    eprintln!("queue-runner (SMTP): {rounds} kills, {} messages, {twice} sent twice", counts.len());
    assert!(counts.iter().all(|&c| c >= 1), "every message reached the sink: {counts:?}");
}
