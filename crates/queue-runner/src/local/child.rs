//! Running a mailer program: as the right user, with a clean environment.
//!
//! The child gets the message on its standard input; what it writes on standard
//! output and standard error goes, in order, into the transcript (sendmail's
//! transcript of a local delivery). It runs with only `AGENT=sendmail` in its
//! environment, the queue runner's `umask 022` (set at start), in the directory sendmail gives it (`D=`: the user's
//! home or `/`), and, when the queue runner is root, under the uid and gid chosen
//! for it (supplementary groups cleared).
//!
//! # Errors
//! A program that cannot be started is exit status `EX_OSERR` (71: try again later),
//! with the reason in the output, as sendmail's fork/exec failures are.

use std::io::Read;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use tokio::io::AsyncWriteExt;

/// A program to run.
#[derive(Debug, Clone)]
pub struct Spawn {
    /// The program.
    pub path: PathBuf,
    /// argv[0] and the arguments.
    pub argv: Vec<String>,
    /// uid and gid to run as, or `None` to keep the queue runner's.
    pub user: Option<(u32, u32)>,
    /// The working directory.
    pub dir: PathBuf,
}

/// How a program ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// Its exit status (`EX_TEMPFAIL` if it died of a signal).
    pub exit: i32,
    /// What it wrote on stdout and stderr.
    pub output: Vec<u8>,
}

/// Runs `spawn` with `input` on its standard input.
pub async fn run(spawn: &Spawn, input: &[u8]) -> Ended {
    match start(spawn).await {
        Ok(ended) => ended_with(ended, input).await,
        Err(e) => Ended {
            exit: spool::sysexits::EX_OSERR,
            output: format!("{}: {}\n", spawn.path.display(), spool::sysexits::strerror(&e))
                .into_bytes(),
        },
    }
}

/// The child, its output pipe's read end.
struct Started {
    child: tokio::process::Child,
    output: OwnedFd,
}

async fn start(spawn: &Spawn) -> std::io::Result<Started> {
    let (read, write) = nix::unistd::pipe()?;
    let mut cmd = tokio::process::Command::new(&spawn.path);
    cmd.arg0(spawn.argv.first().map(String::as_str).unwrap_or("mailer"))
        .args(spawn.argv.iter().skip(1))
        .env_clear()
        .env("AGENT", "sendmail")
        .current_dir(usable_dir(&spawn.dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::from(write.try_clone()?))
        .stderr(Stdio::from(write))
        .kill_on_drop(true);
    if let Some((uid, gid)) = spawn.user {
        cmd.uid(uid).gid(gid);
    }
    let child = cmd.spawn()?;
    Ok(Started { child, output: read })
}

async fn ended_with(mut started: Started, input: &[u8]) -> Ended {
    let reader = std::fs::File::from(started.output);
    let collect = tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let _ = (&reader).take(1 << 20).read_to_end(&mut out);
        out
    });
    if let Some(mut stdin) = started.child.stdin.take() {
        // A mailer that stops reading early (procmail filtering) is not an error.
        let _ = stdin.write_all(input).await;
        let _ = stdin.shutdown().await;
    }
    let status = started.child.wait().await;
    let output = collect.await.unwrap_or_default();
    let exit = match status {
        Ok(s) => s.code().unwrap_or(spool::sysexits::EX_TEMPFAIL),
        Err(_) => spool::sysexits::EX_OSERR,
    };
    Ended { exit, output }
}

/// The directory itself if it exists, else `/`.
fn usable_dir(dir: &Path) -> &Path {
    if dir.is_dir() {
        dir
    } else {
        Path::new("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Spawn {
        Spawn {
            path: "/bin/sh".into(),
            argv: vec!["sh".into(), "-c".into(), script.into()],
            user: None,
            dir: "/".into(),
        }
    }

    #[tokio::test]
    async fn input_output_and_exit_status() {
        let ended = run(&sh("echo out; cat >&2; exit 75"), b"in\n").await;
        assert_eq!(ended.exit, 75);
        assert_eq!(ended.output, b"out\nin\n");
        let env = run(&sh("env | sort; pwd"), b"").await;
        let text = String::from_utf8(env.output).unwrap();
        assert_eq!(text, "AGENT=sendmail\nPWD=/\n/\n", "a clean environment");
    }

    #[tokio::test]
    async fn a_program_that_cannot_start_is_a_temporary_failure() {
        let mut spawn = sh("");
        spawn.path = "/nonexistent/mailer".into();
        let ended = run(&spawn, b"x").await;
        assert_eq!(ended.exit, spool::sysexits::EX_OSERR);
        assert!(String::from_utf8_lossy(&ended.output).contains("No such file or directory"));
    }
}
