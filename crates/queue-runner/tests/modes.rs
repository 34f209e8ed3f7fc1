//! The run modes as processes: `-q` detaches and delivers in the background, as
//! sendmail's `-q` does; `-q<interval>` stays up and delivers a new submission as soon
//! as it is committed (inotify), then stops on SIGTERM.

mod common;

use common::Lab;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, whatever happens.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits up to ten seconds for `child` to exit.
fn exit_of(child: &mut Child, what: &str) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < deadline, "{what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Waits up to ten seconds for `done`.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The local mailer waits for a gate file: the delivery cannot be over before the
/// test opens it, so a `-q` that returned meanwhile did not wait for it.
#[test]
fn dash_q_detaches_and_delivers_in_the_background() {
    let lab = Lab::with_local(
        "define(`LOCAL_MAILER_PATH', `@LAB@/etc/gated.sh')dnl\ndefine(`LOCAL_MAILER_ARGS', `gated.sh $u @LAB@')dnl\n",
        "",
    );
    let script = lab.path("etc/gated.sh");
    let gate =
        "#!/bin/sh\nwhile [ ! -e \"$2/gate\" ]; do sleep 0.05; done\ncat >> \"$2/mail/$1\"\n";
    std::fs::write(&script, gate).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let Some(out) = lab.submit(&["-odq", "root"], b"Subject: later\n\nhi\n") else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return;
    };
    assert!(out.status.success());
    let child = Command::new(env!("CARGO_BIN_EXE_queue-runner"))
        .args(["-q", "-Ac", "-C"])
        .arg(&lab.mc)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = Reaped(child);
    let status =
        exit_of(&mut child.0, "-q did not return while its delivery waits: it did not detach");
    assert_eq!(status.code(), Some(0));
    assert!(!lab.path("mail/root").exists(), "returned before the delivery could finish");
    std::fs::write(lab.path("gate"), "").unwrap();
    eventually("the detached run to deliver", || lab.text("mail/root").contains("Subject: later"));
}

#[test]
fn an_interval_runner_delivers_new_files_at_once_and_stops_on_sigterm() {
    let lab = Lab::builtin("");
    let Some(out) = lab.submit(&["-odq", "root"], b"Subject: first run\n\nhi\n") else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return;
    };
    assert!(out.status.success());
    let runner = lab.spawn_queue_runner(&["-v", "-q1h"]);
    let mut runner = Reaped(runner);
    // The run at start delivers what was waiting; the next run is an hour away.
    eventually("the first run", || lab.text("mail/root").contains("Subject: first run"));
    // A new submission is delivered at once: the queue directories are watched.
    let out = lab.submit(&["-odq", "daemon"], b"Subject: at once\n\nhi\n").unwrap();
    assert!(out.status.success());
    eventually("the new submission to be delivered", || {
        lab.text("mail/daemon").contains("Subject: at once")
    });
    // The job's files go once the delivery is done, just after the mailbox is written.
    eventually("both queues to be empty", || {
        lab.files("clientmqueue").is_empty() && lab.files("mqueue").is_empty()
    });
    let pid = nix::unistd::Pid::from_raw(runner.0.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(exit_of(&mut runner.0, "still running after SIGTERM").code(), Some(0));
}

/// SIGHUP: the interval runner reads sendmail.mc again (here a new `confMAILBOX_DIR`)
/// for the jobs that start after it, logs that it did, and keeps running; a .mc that
/// no longer loads is logged and the runner goes on with the one it has.
#[test]
fn sighup_reloads_the_configuration() {
    let lab = Lab::builtin("");
    let runner = lab.spawn_queue_runner(&["-v", "-q1h"]);
    let runner = Reaped(runner);
    let pid = nix::unistd::Pid::from_raw(runner.0.id() as i32);
    let Some(out) = lab.submit(&["-odq", "root"], b"Subject: before\n\nhi\n") else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return;
    };
    assert!(out.status.success());
    eventually("the first delivery", || lab.text("mail/root").contains("Subject: before"));

    std::fs::create_dir(lab.path("mail2")).unwrap();
    let mc = std::fs::read_to_string(&lab.mc).unwrap();
    let moved = format!("{mc}define(`confMAILBOX_DIR', `{}')dnl\n", lab.path("mail2").display());
    std::fs::write(&lab.mc, &moved).unwrap();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    eventually("the reload", || lab.log().contains("restarting on SIGHUP"));
    let out = lab.submit(&["-odq", "root"], b"Subject: after\n\nhi\n").unwrap();
    assert!(out.status.success());
    eventually("delivery by the new configuration", || {
        lab.text("mail2/root").contains("Subject: after")
    });
    assert!(!lab.text("mail/root").contains("Subject: after"));

    // An unbalanced quote: the .mc no longer loads.
    std::fs::write(&lab.mc, format!("{moved}define(`confTO_QUEUEWARN', `4h)dnl\n")).unwrap();
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    eventually("the refusal", || lab.log().contains("SIGHUP: configuration not reloaded"));
    let mut runner = runner;
    assert!(runner.0.try_wait().unwrap().is_none(), "still running on the old configuration");
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    assert_eq!(exit_of(&mut runner.0, "still running after SIGTERM").code(), Some(0));
}
