//! End to end, with real processes: `submit` queues into a client queue, the
//! `queue-runner` binary picks the message up and delivers it locally (ferrymail's own
//! mailbox delivery, procmail, aliases to files and programs, `.forward`), retries a
//! temporary failure on the next run, and returns a permanent one to the sender as
//! sendmail would.

mod common;

use common::{undate, Lab};
use std::os::unix::fs::MetadataExt;
use std::process::Output;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Submits with `args`; `None` (after a recorded skip) when submit is not built.
fn submit(lab: &Lab, args: &[&str], input: &str) -> Option<Output> {
    match lab.submit(args, input.as_bytes()) {
        Some(out) => {
            assert!(out.status.success(), "submit: {}{}", text(&out.stdout), text(&out.stderr));
            Some(out)
        }
        None => {
            testkit::oracle::skip(
                "submit is not built beside queue-runner (run cargo test --workspace)",
            );
            None
        }
    }
}

fn run(lab: &Lab, args: &[&str]) -> Output {
    let out = lab.queue_runner(args);
    assert!(out.status.code().is_some(), "{}", text(&out.stderr));
    out
}

/// The IDs of a mailbox's messages, in order (from their `Received: ... id` lines).
fn ids_in(mailbox: &str) -> Vec<String> {
    mailbox
        .lines()
        .filter_map(|l| l.split(" id ").nth(1))
        .map(|rest| rest.trim_end_matches(|c: char| !c.is_ascii_alphanumeric()).to_string())
        .collect()
}

/// submit -> clientmqueue -> queue-runner -qf -Ac -> the mailbox, as mail.local writes it.
#[test]
fn a_submission_is_picked_up_and_delivered_to_a_mailbox() {
    let lab = Lab::builtin("");
    let message = "Subject: hello\n\nbody line\nFrom here\n";
    let Some(_) = submit(&lab, &["-odq", "root"], message) else { return };
    assert_eq!(lab.files("clientmqueue").len(), 2);
    let out = run(&lab, &["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(lab.files("clientmqueue").is_empty() && lab.files("mqueue").is_empty(), "all gone");
    let mbox = lab.text("mail/root");
    let ids = ids_in(&mbox);
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let want = format!(
        "From root@mail.lab.example <date>
Return-Path: <root@mail.lab.example>
Received: from mail.lab.example (localhost [127.0.0.1])
\tby mail.lab.example ({v}) with ESMTP id <id>
\tfor <root@mail.lab.example>; <date>
Received: (from root@localhost)
\tby mail.lab.example ({v}/Submit) id <id>
\tfor root; <date>
Date: <date>
From: root <root@mail.lab.example>
Message-Id: <<stamp>.<id>@mail.lab.example>
Subject: hello

body line
>From here

",
        v = spool::message::added::VERSION
    );
    assert_eq!(undate(&mbox, &refs), want);
    let meta = std::fs::metadata(lab.path("mail/root")).unwrap();
    assert_eq!((meta.mode() & 0o777, meta.uid()), (0o600, 0), "root's own, private");
    let log = lab.log();
    assert!(log.contains(&format!("{}: from=<root@mail.lab.example>, size=", ids[0])), "{log}");
    assert!(
        log.contains(&format!(
            "{}: to=<root@mail.lab.example>, ctladdr=<root@mail.lab.example> (0/0), delay=",
            ids[0]
        )) && log.contains("mailer=local, pri=30")
            && log.contains("dsn=2.0.0, stat=Sent"),
        "{log}"
    );
}

/// The oracle's way: procmail as the local mailer (LOCAL_MAILER_PATH / ARGS).
#[test]
fn procmail_is_the_local_mailer_when_the_mc_says_so() {
    if !common::have_procmail() {
        testkit::oracle::skip("procmail is not installed (scripts/test installs it)");
        return;
    }
    let lab = Lab::new("");
    let Some(_) = submit(&lab, &["-odq", "daemon"], "Subject: via procmail\n\nhi\n") else {
        return;
    };
    let out = run(&lab, &["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mbox = lab.text("mail/daemon");
    // procmail writes the From_ line itself, with two blanks (the mailer has `n`).
    assert!(mbox.starts_with("From root@mail.lab.example  "), "{mbox}");
    assert!(
        mbox.contains("\nReturn-Path: <root@mail.lab.example>\n") && mbox.ends_with("\nhi\n\n"),
        "{mbox}"
    );
}

/// The lab's aliases: a file, a program, /dev/null and an include list; each run as
/// the alias's controlling user (DefaultUser mail), logged as sendmail logs them.
#[test]
fn aliases_to_a_file_a_program_dev_null_and_an_include() {
    let lab = Lab::builtin("");
    let root = lab.dir.path().to_path_buf();
    let aliases = format!(
        "{}pipe2: \"|/bin/sh -c 'id -u > {r}/mail/pipe.uid; cat > {r}/mail/pipe.out'\"\n",
        std::fs::read_to_string(lab.path("etc/aliases")).unwrap(),
        r = root.display()
    );
    std::fs::write(lab.path("etc/aliases"), aliases).unwrap();
    let body = "Subject: aliases\n\nbody\nFrom x\n";
    let Some(_) = submit(&lab, &["-odq", "archive", "pipe2", "devnull", "listinc"], body) else {
        return;
    };
    let out = run(&lab, &["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let mail_uid = nix::unistd::User::from_name("mail").unwrap().unwrap().uid.as_raw();
    let archive = lab.text("mail/archive.mbox");
    assert!(
        archive.starts_with("From root@mail.lab.example "),
        "the file mailer writes a From_ line: {archive}"
    );
    assert!(
        archive.contains("\nReturn-Path: <root@mail.lab.example>\n")
            && archive.ends_with("\nbody\n>From x\n\n"),
        "{archive}"
    );
    assert_eq!(
        std::fs::metadata(lab.path("mail/archive.mbox")).unwrap().uid(),
        mail_uid,
        "created as DefaultUser"
    );
    assert_eq!(
        lab.text("mail/pipe.uid").trim(),
        mail_uid.to_string(),
        "the program ran as DefaultUser"
    );
    let piped = lab.text("mail/pipe.out");
    assert!(
        piped.starts_with("From root@mail.lab.example ")
            && !piped.contains("Return-Path:")
            && piped.ends_with("\nbody\nFrom x\n"),
        "{piped}"
    );
    assert!(
        lab.text("mail/root").contains("Subject: aliases"),
        "the include's member got it: {}",
        lab.log()
    );
    let log = lab.log();
    for want in [
        // picked up, the aliases are RCPT addresses: <devnull@$j>, as sendmail's MTA has them
        "to=/dev/null, ctladdr=<devnull@mail.lab.example> (8/0), delay=",
        "mailer=*file*, pri=",
        &format!("to=\"|/bin/sh -c 'id -u > {r}/mail/pipe.uid; cat > {r}/mail/pipe.out'\", ctladdr=<pipe2@mail.lab.example> (8/0)", r = root.display()),
        &format!("to={}/mail/archive.mbox, ctladdr=<archive@mail.lab.example> (8/0)", root.display()),
    ] {
        assert!(log.contains(want), "{want}\n{log}");
    }
}

/// A .forward with `\user` keeps a copy in the user's own mailbox without looping.
#[test]
fn a_forward_with_backslash_user() {
    let lab = Lab::builtin("");
    std::fs::write(lab.path("forward/root"), "\\root, daemon\n").unwrap();
    let Some(_) = submit(&lab, &["-odq", "root"], "Subject: forwarded\n\nhi\n") else { return };
    let out = run(&lab, &["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for user in ["root", "daemon"] {
        let mbox = lab.text(&format!("mail/{user}"));
        assert_eq!(mbox.matches("Subject: forwarded").count(), 1, "{user}: {mbox}");
    }
    assert!(
        lab.log().contains(": to=\\root, ctladdr=<root@mail.lab.example> (0/0)"),
        "{}",
        lab.log()
    );
}

/// A temporary failure of the local mailer keeps the message queued, with sendmail's
/// status line; the next run delivers it and removes it.
#[test]
fn a_temporary_failure_then_success_on_the_next_run() {
    let lab = Lab::with_local(
        "define(`LOCAL_MAILER_PATH', `@LAB@/etc/local.sh')dnl\ndefine(`LOCAL_MAILER_ARGS', `local.sh $u @LAB@/mail')dnl\n",
        "",
    );
    let script = lab.path("etc/local.sh");
    std::fs::write(&script, "#!/bin/sh\nif [ -e \"$2/busy\" ]; then echo \"$1: mailbox busy\"; exit 75; fi\ncat >> \"$2/$1\"\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::write(lab.path("mail/busy"), "").unwrap();
    let Some(_) = submit(&lab, &["-odq", "daemon"], "Subject: later\n\nhi\n") else { return };
    let out = run(&lab, &["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "a deferral is no failure: {}", text(&out.stderr));
    let queued = lab.files("mqueue");
    assert_eq!(queued.len(), 2, "{queued:?}");
    let qf = lab.text(&format!("mqueue/{}", queued[1]));
    let status = format!("MDeferred: local mailer ({}) exited with EX_TEMPFAIL", script.display());
    assert!(qf.contains("\nN1\n") && qf.contains(&format!("\n{status}\n")), "{qf}");
    assert!(
        qf.contains("\nrRFC822; daemon@mail.lab.example\nRPFD:<daemon@mail.lab.example>\n"),
        "{qf}"
    );
    std::fs::remove_file(lab.path("mail/busy")).unwrap();
    let out = run(&lab, &["-qf"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(lab.files("mqueue").is_empty(), "delivered and removed");
    assert!(lab.text("mail/daemon").contains("Subject: later"));
}

/// An unknown user bounces: sendmail's DSN, in the sender's mailbox.
#[test]
fn a_permanent_failure_returns_a_dsn_to_the_sender() {
    let lab = Lab::builtin("");
    let Some(_) = submit(&lab, &["-odq", "nosuchuser"], "Subject: to nobody\n\nbody\n") else {
        return;
    };
    let out = run(&lab, &["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(67), "EX_NOUSER, as sendmail: {}", text(&out.stderr));
    assert!(lab.files("mqueue").is_empty());
    let mbox = lab.text("mail/root");
    let mut ids = ids_in(&mbox);
    ids.dedup();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let got = undate(&mbox, &refs);
    let v = spool::message::added::VERSION;
    let want_head = format!(
        "From MAILER-DAEMON <date>
Return-Path: <MAILER-DAEMON>
Received: from localhost (localhost)
\tby mail.lab.example ({v}) id <id>;
\t<date>
Date: <date>
From: Mail Delivery Subsystem <MAILER-DAEMON>
Message-Id: <<stamp>.<id>@mail.lab.example>
To: <root@mail.lab.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
\tboundary=\"<id>.<time>/mail.lab.example\"
Subject: Returned mail: see transcript for details
Auto-Submitted: auto-generated (failure)

This is a MIME-encapsulated message

--<id>.<time>/mail.lab.example

The original message was received at <date>
from localhost [127.0.0.1]

   ----- The following addresses had permanent fatal errors -----
<nosuchuser@mail.lab.example>
    (reason: 550 5.1.1 User unknown)

   ----- Transcript of session follows -----
550 5.1.1 <nosuchuser@mail.lab.example>... User unknown

--<id>.<time>/mail.lab.example
Content-Type: message/delivery-status

Reporting-MTA: dns; mail.lab.example
Arrival-Date: <date>

Final-Recipient: RFC822; nosuchuser@mail.lab.example
X-Actual-Recipient: rfc822; nosuchuser@mail.lab.example
Action: failed
Status: 5.1.1
Diagnostic-Code: X-Unix; 550 5.1.1 User unknown
Last-Attempt-Date: <date>

--<id>.<time>/mail.lab.example
Content-Type: message/rfc822

Return-Path: <root@mail.lab.example>
"
    );
    assert!(got.starts_with(&want_head), "{got}");
    assert!(
        got.ends_with("Subject: to nobody\n\nbody\n\n--<id>.<time>/mail.lab.example--\n\n\n"),
        "{got}"
    );
    let log = lab.log();
    assert!(
        log.contains("to=<nosuchuser@mail.lab.example>, delay=")
            && log.contains("mailer=local, pri=")
            && log.contains("dsn=5.1.1, reply=550 5.1.1 User unknown, stat=User unknown"),
        "{log}"
    );
    assert!(log.contains(": DSN: User unknown"), "{log}");
}

/// NOTIFY=SUCCESS earns a return receipt; NOTIFY=NEVER no bounce at all.
#[test]
fn notify_success_and_never() {
    let lab = Lab::builtin("");
    let Some(_) =
        submit(&lab, &["-odq", "-N", "success", "daemon"], "Subject: receipt please\n\nhi\n")
    else {
        return;
    };
    let Some(_) = submit(&lab, &["-odq", "-N", "never", "nosuchuser"], "Subject: silently\n\nhi\n")
    else {
        return;
    };
    run(&lab, &["-qf", "-Ac"]);
    let root = lab.text("mail/root");
    assert!(
        root.contains("\nSubject: Return receipt\n")
            && root.contains("Auto-Submitted: auto-generated (return-receipt)"),
        "{root}"
    );
    assert!(root.contains("   ----- The following addresses had successful delivery notifications -----\n<daemon@mail.lab.example>  (successfully delivered to mailbox)\n"), "{root}");
    assert!(root.contains("<daemon@mail.lab.example>... Successfully delivered\n"), "{root}");
    assert!(
        root.contains("Action: delivered (to mailbox)\nStatus: 2.1.5\n")
            && root.contains("Content-Type: text/rfc822-headers"),
        "{root}"
    );
    assert!(!root.contains("Returned mail"), "NOTIFY=NEVER: no bounce: {root}");
    assert!(lab.files("mqueue").is_empty());
}

/// A bounce that cannot be delivered goes to DoubleBounceAddress; pointed at the
/// tips' `dev-null: /dev/null` alias, it is swallowed.
#[test]
fn double_bounces_go_to_the_double_bounce_address() {
    let lab = Lab::builtin("define(`confDOUBLE_BOUNCE_ADDRESS', `dev-null')dnl\n");
    let Some(_) = submit(
        &lab,
        &["-odq", "-f", "nosuchsender@mail.lab.example", "nosuchuser"],
        "Subject: x\n\nhi\n",
    ) else {
        return;
    };
    run(&lab, &["-qf", "-Ac"]);
    assert!(lab.files("mqueue").is_empty(), "{:?}", lab.files("mqueue"));
    let log = lab.log();
    assert!(log.contains(": DSN: User unknown"), "{log}");
    assert!(
        log.contains(": return to sender: User unknown"),
        "the failed bounce goes to the postmaster address: {log}"
    );
    assert!(
        log.contains("to=/dev/null, ctladdr=dev-null (8/0)"),
        "and dev-null swallows it: {log}"
    );
    let lab = Lab::builtin("");
    let Some(_) = submit(&lab, &["-odq", "-f", "<>", "nosuchuser"], "Subject: y\n\nhi\n") else {
        return;
    };
    run(&lab, &["-qf", "-Ac"]);
    let root = lab.text("mail/root");
    assert!(
        root.contains("Subject: Postmaster notify: see transcript for details")
            && root.contains("\nTo: postmaster\n"),
        "{root}"
    );
}

/// A lab whose local mailer always defers (exit 75), with scenario 10's message
/// (received 2026-11-24 from alice@example.org for root) in its queue.
fn deferring_lab(extra: &str) -> Lab {
    let lab = Lab::with_local(
        "define(`LOCAL_MAILER_PATH', `@LAB@/etc/defer.sh')dnl\ndefine(`LOCAL_MAILER_ARGS', `defer.sh $u')dnl\n",
        extra,
    );
    let script = lab.path("etc/defer.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 75\n").unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    lab.load_reference("10-smtp-simple/files/mqueue");
    lab
}

/// After Timeout.queuewarn the sender is warned once (the qf then says `w`).
#[test]
fn a_delay_warning_once_after_queuewarn() {
    let lab = deferring_lab("define(`confTO_QUEUERETURN', `10000d')dnl\n");
    run(&lab, &["-qf"]);
    let queued = lab.files("mqueue");
    assert_eq!(queued.len(), 4, "the message and the warning: {queued:?}");
    let qf = lab.text("mqueue/qf6AONWio0023841");
    assert!(
        qf.contains("\nFwbs\n")
            && qf.contains("\nMWarning: could not send message for past 4 hours\n"),
        "{qf}"
    );
    let warning =
        queued.iter().find(|f| f.starts_with("df") && !f.ends_with("6AONWio0023841")).unwrap();
    let df = lab.text(&format!("mqueue/{warning}"));
    for want in [
        "    **      THIS IS A WARNING MESSAGE ONLY      **\n",
        "   ----- The following addresses had transient non-fatal errors -----\n<root@mail.lab.example>\n\n",
        "Warning: message still undelivered after 4 hours\nWill keep trying until message is 10000 days old\n",
        "Action: delayed\nStatus: 4.2.0\n",
        "Will-Retry-Until: ",
    ] {
        assert!(df.contains(want), "{want}\n{df}");
    }
    let wqf = lab.text(&format!("mqueue/qf{}", &warning[2..]));
    assert!(
        wqf.contains("H??Subject: Warning: could not send message for past 4 hours")
            && wqf.contains("\nRPF:<alice@example.org>\n"),
        "{wqf}"
    );
    assert!(
        lab.log().contains(": sender notify: Warning: could not send message for past 4 hours"),
        "{}",
        lab.log()
    );
    run(&lab, &["-qf"]);
    assert_eq!(lab.files("mqueue").len(), 4, "no second warning");
}

/// After Timeout.queuereturn the message is returned and removed.
#[test]
fn a_message_is_returned_after_queuereturn() {
    let lab = deferring_lab("");
    run(&lab, &["-qf"]);
    let queued = lab.files("mqueue");
    assert_eq!(queued.len(), 2, "only the bounce (to a remote sender) stays: {queued:?}");
    let df = lab.text(&format!("mqueue/{}", queued[0]));
    assert!(
        df.contains(
            "Message could not be delivered for 5 days\nMessage will be deleted from queue\n"
        ),
        "{df}"
    );
    assert!(df.contains("Status: 4.4.7\n"), "{df}");
    assert!(lab.log().contains(": DSN: Cannot send message for 5 days"), "{}", lab.log());
}

/// `-v` prints what `sendmail -v -q` prints.
#[test]
fn verbose_prints_the_dialogue() {
    let lab = Lab::builtin("");
    lab.load_reference("10-smtp-simple/files/mqueue");
    let out = run(&lab, &["-v", "-qf"]);
    assert_eq!(
        text(&out.stdout),
        format!(
            "\nRunning {}/6AONWio0023841 (sequence 1 of 1)\n<root@mail.lab.example>... Connecting to local...\n<root@mail.lab.example>... Sent\n",
            lab.path("mqueue").display()
        )
    );
}

/// A tf left by a runner killed in the middle of a rewrite does not stop the next one.
#[test]
fn a_stale_tf_does_not_block_the_rewrite() {
    let lab = deferring_lab(
        "define(`confTO_QUEUERETURN', `10000d')dnl\ndefine(`confTO_QUEUEWARN', `10000d')dnl\n",
    );
    std::fs::write(lab.path("mqueue/tf6AONWio0023841"), "V8\nhalf").unwrap();
    run(&lab, &["-qf"]);
    assert_eq!(lab.files("mqueue"), ["df6AONWio0023841", "qf6AONWio0023841"]);
    assert!(lab.text("mqueue/qf6AONWio0023841").contains("\nN1\n"), "rewritten");
    assert!(lab.log().contains("6AONWio0023841: removed the stale "), "{}", lab.log());
}

/// MinQueueAge: a message tried more recently is left alone by the next run.
#[test]
fn min_queue_age_leaves_a_recent_attempt_alone() {
    let lab = deferring_lab("define(`confTO_QUEUERETURN', `10000d')dnl\ndefine(`confTO_QUEUEWARN', `10000d')dnl\ndefine(`confMIN_QUEUE_AGE', `1h')dnl\n");
    run(&lab, &["-qf"]);
    let first = lab.text("mqueue/qf6AONWio0023841");
    assert!(first.contains("\nN1\n"), "{first}");
    run(&lab, &["-qf"]);
    assert_eq!(lab.text("mqueue/qf6AONWio0023841"), first, "too young: not tried again");
    run(&lab, &["-qf", "-O", "MinQueueAge=0"]);
    assert!(lab.text("mqueue/qf6AONWio0023841").contains("\nN2\n"));
}
