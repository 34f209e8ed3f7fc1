//! `-Q[reason]` with a selection quarantines, re-reasons or releases jobs instead of
//! running them, as the oracle does (`sendmail -Q"held for review" -qI<id>` made an
//! hf with `qheld for review` and logged `<id>: quarantine=held for review`;
//! `sendmail -Q -qQ -qI<id>` made it a qf again and logged `<id>: unquarantine`;
//! `sendmail -Q -qI<id>` on a queued job did nothing). Before, queue-runner ignored
//! `-Q` and ran the selected jobs: the message an admin meant to hold was delivered.

mod common;

use common::Lab;

fn kinds(lab: &Lab) -> Vec<String> {
    lab.files("clientmqueue").iter().map(|n| n[..2].to_string()).collect()
}

#[test]
fn quarantine_holds_and_release_lets_go() {
    let lab = Lab::builtin("");
    for to in ["root", "daemon"] {
        let Some(out) = lab.submit(&["-odq", to], format!("Subject: to {to}\n\nhi\n").as_bytes())
        else {
            testkit::oracle::skip("submit is not built beside queue-runner");
            return;
        };
        assert!(out.status.success());
    }
    let run = |args: &[&str]| {
        let out = lab.queue_runner(args);
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    };
    // The daemon's message is held, through submit as an admin types it.
    let out = lab.submit(&["-Qheld for review", "-Ac", "-qRdaemon"], b"").unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let mut held = kinds(&lab);
    held.sort();
    assert_eq!(held, ["df", "df", "hf", "qf"], "nothing delivered, one held");
    assert!(lab.log().contains(": quarantine=held for review"), "{}", lab.log());
    // A release without -qQ does nothing; a run delivers only what is not held.
    run(&["-Q", "-Ac", "-qRdaemon", "-qf"]);
    run(&["-Ac", "-qf"]);
    assert!(lab.text("mail/root").contains("Subject: to root"));
    assert!(lab.text("mail/daemon").is_empty(), "held: {}", lab.text("mail/daemon"));
    // A new reason, then the release.
    run(&["-Qstill held", "-Ac", "-qQ", "-qRdaemon", "-qf"]);
    assert!(lab.log().contains(": quarantine=still held"), "{}", lab.log());
    run(&["-Q", "-Ac", "-qQ", "-qRdaemon", "-qf"]);
    assert!(lab.log().contains(": unquarantine"), "{}", lab.log());
    assert_eq!(kinds(&lab).iter().filter(|k| *k == "hf").count(), 0);
    run(&["-Ac", "-qf"]);
    assert!(lab.text("mail/daemon").contains("Subject: to daemon"));
}
