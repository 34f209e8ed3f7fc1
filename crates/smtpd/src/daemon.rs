//! The daemon's life: bind, detach, drop privileges, serve, reload, stop.
//!
//! 1. Parse the command line and resolve the configuration.
//! 2. Load what every session shares (maps, certificate and key) while still root.
//! 3. Bind every listener.
//! 4. `-bd`: detach (fork, new session, standard descriptors to `/dev/null`).
//! 5. Write the pid file (`PidFile`: the pid, then the command line, as sendmail).
//! 6. Become `RunAsUser` ([`crate::privileges`]), and raise the soft limit on open
//!    descriptors to the hard one ([`raise_open_files_limit`]): each session is one
//!    descriptor, and a distro's usual soft limit of 1,024 would let a slow-loris of
//!    a thousand idle connections shut everyone else out.
//! 7. Serve on a tokio runtime until SIGTERM or SIGINT: then stop accepting, let the
//!    sessions in flight finish for up to [`DRAIN`], remove the pid file, exit 0.
//!    SIGHUP reloads the configuration and maps: sessions that start afterwards use
//!    the new ones, sessions in flight keep theirs; a configuration that fails to load
//!    is logged and the old one kept. Listeners stay as bound (changing
//!    `DAEMON_OPTIONS` takes a restart).
//!
//! # Errors
//! Configuration, bind, privilege and pid-file errors, with sysexits codes.

use crate::listen::{self, Sessions};
use crate::settings;
use crate::shared::{current, Current, Shared};
use crate::{flags, privileges};
use anyhow::{Context, Result};
use spool::log::Severity;
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

/// How long sessions in flight may take to finish after SIGTERM.
pub const DRAIN: Duration = Duration::from_secs(30);

/// Runs the daemon with `args` (without the program name).
///
/// # Errors
/// See the module documentation.
pub fn run(args: Vec<String>) -> Result<()> {
    let command_line = std::iter::once("smtpd".to_string())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let flags = flags::parse(args)?;
    let settings = settings::resolve(flags)?;
    let bound = listen::bind(&settings.server.listeners)?;
    let foreground = settings.flags.foreground;
    let run_as = settings.server.run_as.clone();
    let pid_file = settings.server.pid_file.clone();
    let shared = Shared::load(settings)?;
    if !foreground {
        nix::unistd::daemon(true, false).context("detaching")?;
    }
    if let Some(path) = &pid_file {
        write_pid_file(path, &command_line)?;
    }
    privileges::drop_to_run_as(run_as.as_deref())?;
    if let Err(e) = raise_open_files_limit() {
        shared.syslog.log(Severity::Warning, &format!("cannot raise the open files limit: {e}"));
    }
    let ready: Vec<String> = bound
        .iter()
        .map(|(l, s)| {
            format!("{}={}", l.name, s.local_addr().map(|a| a.to_string()).unwrap_or_default())
        })
        .collect();
    shared.syslog.log(
        Severity::Info,
        &format!(
            "starting daemon ({}): SMTP+queueing: {}",
            crate::shared::VERSION,
            ready.join(" ")
        ),
    );
    // What a crash left in the queue (as Postfix's postsuper at start-up); before
    // the runtime, so its directory reads block nothing.
    shared.queue.sweep_logged(&shared.syslog);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let result = runtime.block_on(serve(bound, Arc::new(RwLock::new(Arc::new(shared)))));
    if let Some(path) = &pid_file {
        let _ = std::fs::remove_file(path);
    }
    result
}

/// Serves until told to stop.
async fn serve(
    bound: Vec<(spool::settings::Listener, std::net::TcpListener)>,
    shared: Current,
) -> Result<()> {
    let sessions = Arc::new(Sessions::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut loops = Vec::new();
    for (listener, socket) in bound {
        let socket = tokio::net::TcpListener::from_std(socket)?;
        let task = listen::accept_loop(
            socket,
            Arc::new(listener),
            shared.clone(),
            sessions.clone(),
            stop_rx.clone(),
        );
        loops.push(tokio::spawn(task));
    }
    let mut hup = signal(SignalKind::hangup())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    loop {
        tokio::select! {
            _ = hup.recv() => reload(&shared),
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
    let _ = stop_tx.send(true);
    for task in loops {
        let _ = task.await;
    }
    let now = current(&shared);
    now.syslog
        .log(Severity::Info, &format!("stopping daemon, {} sessions in flight", sessions.active()));
    sessions.drained(DRAIN).await;
    Ok(())
}

/// SIGHUP: a new generation from the same command line.
fn reload(shared: &Current) {
    let old = current(shared);
    let loaded = settings::resolve(old.settings.flags.clone()).and_then(Shared::load);
    match loaded {
        Ok(new) => {
            new.syslog.log(Severity::Info, "restarting on SIGHUP: configuration and maps reloaded");
            if let Ok(mut slot) = shared.write() {
                *slot = Arc::new(new);
            }
        }
        Err(e) => {
            old.syslog.log(Severity::Err, &format!("SIGHUP: configuration not reloaded: {e:#}"))
        }
    }
}

/// Sets the soft `RLIMIT_NOFILE` to the hard limit; returns the new soft limit.
///
/// # Errors
/// `getrlimit`/`setrlimit` failures.
pub fn raise_open_files_limit() -> nix::Result<u64> {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE)?;
    if soft < hard {
        setrlimit(Resource::RLIMIT_NOFILE, hard, hard)?;
    }
    Ok(hard)
}

/// Writes sendmail's pid file: the pid, then the command line.
fn write_pid_file(path: &Path, command_line: &str) -> Result<()> {
    let text = format!("{}\n{command_line}\n", std::process::id());
    std::fs::write(path, text).with_context(|| format!("pid file {}", path.display()))?;
    Ok(())
}
