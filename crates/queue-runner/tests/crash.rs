//! kill -9 at random points of a run: every message is delivered or still queued,
//! none lost, no queue file half-written.

mod common;

use common::Lab;
use std::process::{Command, Stdio};
use std::time::Duration;

const MESSAGES: usize = 24;

/// Every control file of `queue` reads completely (a final `.`).
fn all_complete(lab: &Lab, queue: &str) {
    for name in lab.files(queue).iter().filter(|n| n.starts_with("qf")) {
        let path = lab.path(queue).join(name);
        let Ok(bytes) = std::fs::read(&path) else { continue };
        spool::qf::parse(&path, &bytes)
            .unwrap_or_else(|e| panic!("{queue}/{name} is not whole: {e}"));
    }
}

/// How many times each numbered message was delivered.
fn deliveries(lab: &Lab) -> Vec<usize> {
    let mut counts = vec![0; MESSAGES];
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
    for n in 0..MESSAGES {
        let Some(out) = lab.submit(
            &["-odq", "daemon", "root"],
            format!("Subject: message {n}\n\nbody {n}\n").as_bytes(),
        ) else {
            testkit::oracle::skip(
                "submit is not built beside queue-runner (run cargo test --workspace)",
            );
            return;
        };
        assert!(out.status.success());
    }
    let mut rng = testkit::rng::Rng::new(0x5eed9_u64);
    for round in 0..12 {
        let args = if round % 2 == 0 { vec!["-qf", "-Ac"] } else { vec!["-qf"] };
        let mut child = Command::new(env!("CARGO_BIN_EXE_queue-runner"))
            .args(&args)
            .arg("-C")
            .arg(&lab.mc)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // The point of the test: stop it dead somewhere in its run.
        std::thread::sleep(Duration::from_millis(rng.below(120) as u64));
        let _ = child.kill();
        child.wait().unwrap();
        all_complete(&lab, "clientmqueue");
        all_complete(&lab, "mqueue");
    }
    for args in [["-qf", "-Ac"], ["-qf", "-qf"]] {
        let out = lab.queue_runner(&args);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert!(
        lab.files("clientmqueue").iter().all(|f| !f.starts_with("qf")),
        "{:?}",
        lab.files("clientmqueue")
    );
    // A df or tf whose writer was killed before the qf was committed may stay behind
    // (as with sendmail): the message it was for is still in the client queue, or was
    // picked up again under another ID. No qf may stay.
    let left: Vec<String> =
        lab.files("mqueue").into_iter().filter(|f| f.starts_with("qf")).collect();
    assert!(left.is_empty(), "everything delivered at last: {left:?}\n{}", lab.log());
    let counts = deliveries(&lab);
    assert!(
        counts.iter().all(|&c| c >= 2),
        "each message to daemon and root at least once: {counts:?}"
    );
}
