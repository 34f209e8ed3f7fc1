//! A full client queue, for real (issue 14, item 2): the queue is a 256 KiB tmpfs.
//! A message that cannot be written makes submit exit `EX_TEMPFAIL` (75: nothing was
//! queued, try again later), with its error on standard error prefixed `submit:`;
//! nothing half-written is left for a runner; and once there is room again, the same
//! command queues the message.

mod common;

use common::Lab;

/// Every file in the client queue except the filler, by name.
fn files(lab: &Lab) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&lab.queue)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "filler")
        .collect();
    names.sort();
    names
}

/// Asserts that `out` is submit's temporary failure, with nothing queued.
fn tempfail(lab: &Lab, out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(75), "EX_TEMPFAIL: {stderr}");
    assert!(stderr.starts_with("submit: "), "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert_eq!(files(lab), Vec::<String>::new(), "nothing half-written stays");
}

#[test]
fn a_full_client_queue_is_ex_tempfail_and_room_again_queues() {
    let lab = Lab::new();
    let Some(tmpfs) = testkit::tmpfs::Tmpfs::mount(&lab.queue, "256k", 0o777) else { return };
    let args = ["-odq", "-i", "root"];

    // 500 KB into 256 KiB: the df write fails part way.
    let big = format!("Subject: too big\n\n{}", format!("{}\n", "x".repeat(99)).repeat(5000));
    tempfail(&lab, &lab.submit(&args, big.as_bytes()));

    // Completely full: a short message fails too.
    let filler = tmpfs.fill("filler");
    tempfail(&lab, &lab.submit(&args, b"Subject: no room\n\nhi\n"));

    // Room again: the same command queues it.
    std::fs::remove_file(filler).unwrap();
    let out = lab.submit(&args, b"Subject: room again\n\nhi\n");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let messages = lab.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].1, b"hi\n");
}
