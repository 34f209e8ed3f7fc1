//! Whose the queue files are (issue 9, part 2): root's submissions are written as
//! `RunAsUser`, so that the client-queue runner, running as that user, can read them.
//!
//! The expectations are what sendmail 8.17.1.9 does, measured on the oracle as root:
//! `smns sendmail -C submit.cf -odq root` with the lab's submit.cf and its `RunAsUser`
//! line changed, then `stat -c '%U:%G %a'` on the df and qf:
//!
//! | RunAsUser | df and qf |
//! |---|---|
//! | `mail:mail` (umask 022, 077 or 000) | `mail:mail 660` |
//! | `mail` | `mail:mail 660` |
//! | `mail.nogroup` | `mail:nogroup 660` |
//! | `8` | `mail:root 660` |
//! | `8:65534` | `mail:nogroup 660` |
//! | unset, `root`, unknown user | nothing queued, exit 78 (`Mail submission program must have RunAsUser set to non root user`) |
//! | `mail:nosuchgroup` | nothing queued, exit 70 (`readcf: option RunAsUser: unknown group nosuchgroup`) |
//!
//! An ordinary caller keeps its own uid: nobody running the setgid (group mail) binary
//! with `/etc/mail/submit.cf` wrote `nobody:mail 660`; with `-C submit.cf` (which costs
//! the setgid group) `nobody:nogroup 660`.
//! Each test needs root (it runs submit as root); elsewhere it says `SKIP:`.

mod common;

use common::Lab;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `stat -c '%U:%G %a'` of every file in `dir`, sorted, with the df/qf prefix kept.
fn owners(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let stat = Command::new("stat").args(["-c", "%U:%G %a"]).arg(&path).output().unwrap();
            let name = path.file_name().unwrap().to_string_lossy()[..2].to_string();
            format!("{name} {}", String::from_utf8_lossy(&stat.stdout).trim())
        })
        .collect();
    out.sort();
    out
}

/// A lab whose client queue is as an installation has it (`mail:mail`, 0770) and whose
/// .mc holds `extra`.
fn lab(extra: &str) -> Lab {
    let lab = Lab::with_mc(extra);
    std::fs::set_permissions(lab.dir.path(), PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&lab.mc, PermissionsExt::from_mode(0o644)).unwrap();
    let chown = Command::new("chown").arg("mail:mail").arg(&lab.queue).status().unwrap();
    assert!(chown.success());
    std::fs::set_permissions(&lab.queue, PermissionsExt::from_mode(0o770)).unwrap();
    lab
}

/// Runs submit on `mc` under `umask`, as the test's user (root).
fn submit(mc: &Path, umask: &str) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!(r#"umask {umask}; exec "$0" -C "$1" -odq root"#))
        .arg(env!("CARGO_BIN_EXE_submit"))
        .arg(mc)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn needs_root() -> bool {
    if !common::is_root() {
        testkit::oracle::skip("run_as: submit must run as root to drop to RunAsUser");
        return false;
    }
    true
}

#[test]
fn root_writes_the_queue_files_as_run_as_user() {
    if !needs_root() {
        return;
    }
    for (run_as, umask, owner) in [
        ("mail:mail", "022", "mail:mail"),
        ("mail:mail", "077", "mail:mail"),
        ("mail:mail", "000", "mail:mail"),
        ("mail", "022", "mail:mail"),
        ("mail.nogroup", "022", "mail:nogroup"),
        ("8", "022", "mail:root"),
        ("8:65534", "022", "mail:nogroup"),
    ] {
        let lab = lab(&format!("define(`confRUN_AS_USER', `{run_as}')dnl\n"));
        let out = submit(&lab.mc, umask);
        assert_eq!(out.status.code(), Some(0), "{run_as}: {}", text(&out));
        let want = [format!("df {owner} 660"), format!("qf {owner} 660")];
        assert_eq!(owners(&lab.queue), want, "RunAsUser={run_as}, umask {umask}");
    }
}

#[test]
fn an_msp_takes_run_as_user_and_mode_from_a_submit_mc_beside_sendmail_mc() {
    if !needs_root() {
        return;
    }
    // As cron runs /usr/sbin/sendmail: no -C for submit.mc; the MTA's sendmail.mc
    // has no RunAsUser, the submit.mc beside it has (as Debian's: smmsp).
    let lab = lab("");
    let mta = lab.dir.path().join("etc");
    std::fs::create_dir(&mta).unwrap();
    std::fs::write(mta.join("sendmail.mc"), "define(`confDOMAIN_NAME', `mail.lab.example')dnl\n")
        .unwrap();
    let msp = format!(
        "define(`confDOMAIN_NAME', `mail.lab.example')dnl\ndefine(`MSP_QUEUE_DIR', `{}')dnl\n\
         define(`confRUN_AS_USER', `mail:mail')dnl\nFEATURE(`msp', `[127.0.0.1]')dnl\n",
        lab.queue.display()
    );
    std::fs::write(mta.join("submit.mc"), msp).unwrap();
    let out = submit(&mta.join("sendmail.mc"), "022");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(owners(&lab.queue), ["df mail:mail 660", "qf mail:mail 660"]);
}

#[test]
fn an_msp_that_would_stay_root_refuses_and_queues_nothing() {
    if !needs_root() {
        return;
    }
    let refusal = "Mail submission program must have RunAsUser set to non root user";
    for (run_as, code, message) in [
        ("root", 78, format!("submit: {refusal}\n")),
        (
            "ferrymail-no-such-user",
            78,
            format!(
                "submit: readcf: option RunAsUser: unknown user ferrymail-no-such-user\n{refusal}\n"
            ),
        ),
        (
            "mail:ferrymail-no-such-group",
            70,
            "submit: readcf: option RunAsUser: unknown group ferrymail-no-such-group\n".into(),
        ),
    ] {
        let lab = lab(&format!(
            "define(`confRUN_AS_USER', `{run_as}')dnl\nFEATURE(`msp', `[127.0.0.1]')dnl\n"
        ));
        let out = submit(&lab.mc, "022");
        assert_eq!(out.status.code(), Some(code), "{run_as}: {}", text(&out));
        assert_eq!(String::from_utf8_lossy(&out.stderr), message, "{run_as}");
        assert!(owners(&lab.queue).is_empty(), "{run_as}: nothing queued");
    }
}

#[test]
fn an_ordinary_caller_keeps_its_own_uid() {
    if !needs_root() || !Path::new("/usr/bin/setpriv").exists() {
        testkit::oracle::skip("needs root and setpriv to run as nobody");
        return;
    }
    let lab = lab("define(`confRUN_AS_USER', `mail:mail')dnl\n");
    std::fs::set_permissions(&lab.queue, PermissionsExt::from_mode(0o777)).unwrap();
    let out = Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_submit"))
        .arg("-C")
        .arg(&lab.mc)
        .args(["-odq", "root"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(owners(&lab.queue), ["df nobody:nogroup 660", "qf nobody:nogroup 660"]);
}
