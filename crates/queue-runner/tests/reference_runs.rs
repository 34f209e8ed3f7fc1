//! The queue runs sendmail 8.17 recorded (tests/reference/queue/20-queue-run and
//! 21-second-queue-run), reproduced: the five messages of scenario 15 run through
//! queue-runner with procmail as the local mailer (as the lab) and the lab's sink
//! rules for the remote end, then compared with what sendmail left: the rewritten
//! qf, the bounce it queued (qf and df), the mailboxes, what the sink received, the
//! log lines. Only queue IDs, times and the version string differ.

mod common;

use common::{have_procmail, reference, undate, Lab, Sink};
use std::sync::Arc;

const ORIGINAL: &str = "6AONWNWH022987";
const BOUNCE_14: &str = "6AONWxpE025639";
const BOUNCE_12: &str = "6AONWxpF025639";
const RECEIPT_11: &str = "6AONWxpD025639";
const SM_VERSION: &str = "8.17.1.9/8.17.1.9/smlab";

/// A qf with its K and I lines (times and inodes) blanked.
fn timeless(qf: &str) -> String {
    qf.lines()
        .map(|l| match l.chars().next() {
            Some('K') if l[1..].bytes().all(|b| b.is_ascii_digit()) => "K<time>".to_string(),
            Some('T') if l[1..].bytes().all(|b| b.is_ascii_digit()) => "T<time>".to_string(),
            Some('I') if l.contains('/') => "I<inode>".to_string(),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ours(version: &str) -> String {
    version.replace(spool::message::added::VERSION, SM_VERSION)
}

/// The queue IDs the run created (files that are not the original's).
fn new_ids(lab: &Lab) -> Vec<String> {
    lab.files("mqueue")
        .iter()
        .filter_map(|f| f.strip_prefix("qf"))
        .filter(|id| *id != ORIGINAL)
        .map(String::from)
        .collect()
}

#[test]
fn scenario_20_then_21() {
    if !have_procmail() {
        testkit::oracle::skip("procmail is not installed (scripts/test installs it)");
        return;
    }
    // The recordings are from 2026-11-24: keep the messages young enough.
    let lab = Lab::new(
        "define(`confMAX_QUEUE_CHILDREN', `1')dnl\ndefine(`confTO_QUEUERETURN', `10000d')dnl\ndefine(`confTO_QUEUEWARN', `10000d')dnl\n",
    );
    lab.load_reference("15-mqueue-all-before-run/files/mqueue");
    let sink = Arc::new(Sink::default());
    let exit = lab.run(&["-qf"], sink.clone());
    assert_eq!(exit, 67, "EX_NOUSER, as sendmail -q -v exited");

    // What stayed: the original with its two deferred recipients, and the bounce of 14.
    let ids = new_ids(&lab);
    assert_eq!(ids.len(), 1, "only the undeliverable bounce stays: {:?}", lab.files("mqueue"));
    let bounce = &ids[0];
    let got = timeless(&lab.text(&format!("mqueue/qf{ORIGINAL}")));
    let want = timeless(&reference(&format!("20-queue-run/files/mqueue/qf{ORIGINAL}")));
    assert_eq!(got, want, "the rewritten qf of 12");
    let got = undate(&ours(&timeless(&lab.text(&format!("mqueue/qf{bounce}")))), &[bounce]);
    let want = undate(
        &timeless(&reference(&format!("20-queue-run/files/mqueue/qf{BOUNCE_14}"))),
        &[BOUNCE_14],
    );
    assert_eq!(got, want, "the bounce of 14, deferred");
    let got = undate(&lab.text(&format!("mqueue/df{bounce}")), &[bounce]);
    let want =
        undate(&reference(&format!("20-queue-run/files/mqueue/df{BOUNCE_14}")), &[BOUNCE_14]);
    assert_eq!(got, want, "the bounce of 14: its df");

    // The mailboxes procmail wrote, the bounce of 12 last in root's.
    for user in ["daemon", "mail", "root"] {
        let got = lab.text(&format!("mail/{user}"));
        let got_ids: Vec<String> = got
            .lines()
            .filter_map(|l| l.strip_prefix("Message-Id: <").and_then(|l| l.split('.').nth(1)))
            .map(|l| l.trim_end_matches(|c| c != '@').trim_end_matches('@').to_string())
            .filter(|id| id != ORIGINAL && !id.starts_with("6AON"))
            .collect();
        let got_refs: Vec<&str> = got_ids.iter().map(String::as_str).collect();
        let got = undate(&ours(&got), &got_refs);
        let want = undate(&reference(&format!("20-queue-run/mailboxes/{user}")), &[BOUNCE_12]);
        assert_eq!(got, want, "mailbox of {user}");
    }

    // What the sink received: the return receipt of 11, then 12 for someone.
    let accepted = sink.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 2);
    let (sender, rcpts, data) = &accepted[1];
    assert_eq!(
        (sender.as_str(), rcpts.as_slice()),
        ("root@mail.lab.example", ["someone@sink.example".to_string()].as_slice())
    );
    let eml = reference("20-queue-run/sink/0002.eml").replace("\r\n", "\n");
    let eml: String = eml.split_inclusive('\n').filter(|l| !l.starts_with("X-Sink-")).collect();
    assert_eq!(String::from_utf8_lossy(data), eml);
    let (sender, rcpts, data) = &accepted[0];
    assert_eq!(
        (sender.as_str(), rcpts.as_slice()),
        ("", ["alice@example.org".to_string()].as_slice())
    );
    let receipt = String::from_utf8_lossy(data).into_owned();
    let receipt_id = receipt
        .split("Message-Id: <")
        .nth(1)
        .unwrap()
        .split(['.', '@'])
        .nth(1)
        .unwrap()
        .to_string();
    let body = |text: &str| text.split_once("\n\n").unwrap().1.to_string();
    let want = reference("20-queue-run/sink/0001.eml").replace("\r\n", "\n");
    assert_eq!(undate(&body(&receipt), &[&receipt_id]), undate(&body(&want), &[RECEIPT_11]));

    // The log lines of 12's recipients, but for the delays.
    let log = lab.log();
    let lines = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.contains(&format!("{ORIGINAL}: to=")))
            .map(|l| l.split_once("]: ").unwrap().1.to_string())
            .map(|l| {
                l.split(", ")
                    .filter(|f| !f.starts_with("delay=") && !f.starts_with("xdelay="))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect()
    };
    assert_eq!(lines(&log), lines(&reference("20-queue-run/maillog-queue-run-pid25639.txt")));
    assert!(log.contains(&format!("{ORIGINAL}: ")) && log.contains(": DSN: User unknown"), "{log}");

    // 21: the second run.
    let exit = lab.run(&["-qf"], sink.clone());
    assert_eq!(exit, 0, "nothing failed for good, as sendmail's second run");
    let got = timeless(&lab.text(&format!("mqueue/qf{ORIGINAL}")));
    let want = timeless(&reference(&format!("21-second-queue-run/files/mqueue/qf{ORIGINAL}")));
    assert_eq!(got, want, "N2, P360437, RPFDA:tempfail2 after the second run");
    let got = undate(&ours(&timeless(&lab.text(&format!("mqueue/qf{bounce}")))), &[bounce]);
    let want = undate(
        &timeless(&reference(&format!("21-second-queue-run/files/mqueue/qf{BOUNCE_14}"))),
        &[BOUNCE_14],
    );
    assert_eq!(got, want, "the bounce: N2, P121564");
}

/// After the run, sendmail's own mailq lists our queue exactly as it listed its own
/// in scenario 20 (mailq.txt, mailq-v.txt): the same Deferred reasons, controlling
/// addresses and per-recipient status lines.
#[test]
fn sendmails_mailq_lists_our_queue_as_its_own() {
    let oracle = testkit::oracle::Oracle::locate();
    let ready = nix::unistd::geteuid().is_root()
        && oracle.available(&[oracle.mailq(), oracle.sendmail_cf()]);
    if !(ready && have_procmail()) {
        testkit::oracle::skip("the sendmail oracle or procmail is not set up (or not root)");
        return;
    }
    let lab = Lab::new(
        "define(`confMAX_QUEUE_CHILDREN', `1')dnl\ndefine(`confTO_QUEUERETURN', `10000d')dnl\ndefine(`confTO_QUEUEWARN', `10000d')dnl\n",
    );
    lab.load_reference("15-mqueue-all-before-run/files/mqueue");
    lab.run(&["-qf"], Arc::new(Sink::default()));
    let bounce = new_ids(&lab).remove(0);
    let queue = lab.path("mqueue");
    for (flag, file) in [(None, "mailq.txt"), (Some("-v"), "mailq-v.txt")] {
        let mut cmd = oracle.command(&oracle.mailq(), &oracle.sendmail_cf());
        // QueueLA high: on a loaded machine sendmail's mailq marks every job X ("the
        // load is too high to process the job"), which the recording did not have.
        cmd.arg(format!("-OQueueDirectory={}", queue.display()))
            .arg("-OQueueLA=10000")
            .args(flag)
            .env("TZ", "UTC");
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let got = String::from_utf8_lossy(&out.stdout)
            .replace(&queue.display().to_string(), "/tmp/smlab-q/mqueue");
        let got = got.replace(&bounce, BOUNCE_14);
        let want = reference(&format!("20-queue-run/{file}"));
        // The bounce was made now, not on 24 Nov: its date column differs, and so does
        // its size (today's dates in it are shorter or longer).
        let verbose = flag.is_some();
        let dated = |text: &str| -> Vec<String> {
            text.lines()
                .map(|l| match (l.starts_with(BOUNCE_14), verbose) {
                    (false, _) => l.to_string(),
                    (true, false) => format!("{} {}", &l[..15], &l[41..]),
                    (true, true) => format!("{} {} {}", &l[..15], &l[24..35], &l[48..]),
                })
                .collect()
        };
        assert_eq!(dated(&got), dated(&want), "{file}");
    }
}
