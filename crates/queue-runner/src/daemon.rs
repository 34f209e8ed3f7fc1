//! `-q<interval>`: the queue runner that stays up.
//!
//! It works the whole queue (and picks up the whole client queue) at start and then
//! every interval, and in between delivers new messages as soon as they appear: the
//! queue directories are watched with inotify, and a control file renamed into place
//! (`IN_MOVED_TO`, how every writer commits a qf) or closed after writing
//! (`IN_CLOSE_WRITE`) is worked at once if it has never been tried (`N0`); a client
//! queue file is picked up and its message delivered. Messages already tried wait for
//! the interval, so a deferred message is not retried in a loop by its own rewrite.
//!
//! inotify comes from nix (a dependency already): it reports exactly those two events
//! with the file name, on one file descriptor read by one thread. The `notify` crate
//! would add a thread pool, a debouncer and its own event model for what is here two
//! directory watches.
//!
//! SIGTERM or SIGINT stop it: no new job starts, the running ones finish.
//!
//! SIGHUP reads the configuration again (the same command line): jobs that start
//! from then on use it, the running ones finish with the old one, and the queue
//! directories watched stay those of the start (a moved queue needs a restart). A
//! configuration that does not load is logged and the old one kept, as smtpd does.
//!
//! # Errors
//! A queue directory that cannot be watched is logged and the runner falls back to
//! the interval alone.

use crate::job::Runner;
use crate::{order, pickup, run};
use anyhow::Result;
use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use spool::log::Severity;
use spool::queue::{FileKind, QueueId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::mpsc;

/// A new file in one of the queues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// A control file in the MTA's queue.
    Queued(QueueId),
    /// A control file in the client queue.
    Submitted(QueueId),
}

/// Runs the queue every `interval` and new files at once, until SIGTERM or SIGINT;
/// `reload` builds the runner again on SIGHUP.
pub async fn serve(
    mut runner: Arc<Runner>,
    interval: Duration,
    reload: &dyn Fn() -> Result<Runner>,
) -> Result<i32> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let s = &runner.settings;
    watch(&s.queue_dir, &s.client_queue_dir, tx, &runner);
    let mut ticks = tokio::time::interval(interval);
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = hup.recv() => match reload() {
                Ok(new) => {
                    new.log.log(Severity::Info, "restarting on SIGHUP: configuration reloaded");
                    runner = Arc::new(new);
                }
                Err(e) => runner.log.log(
                    Severity::Err,
                    &format!("SIGHUP: configuration not reloaded: {e:#}"),
                ),
            },
            _ = ticks.tick() => {
                let r = runner.clone();
                tasks.spawn(async move { full_run(&r).await });
            }
            Some(arrival) = rx.recv() => {
                let r = runner.clone();
                tasks.spawn(async move { arrived(&r, arrival).await });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    while tasks.join_next().await.is_some() {}
    Ok(0)
}

/// The periodic run: pick up the client queue, then every due message.
async fn full_run(runner: &Arc<Runner>) {
    let mut ids = run::pick_up_all(runner).await.unwrap_or_default();
    let mta = pickup::queues(&runner.settings).1;
    let (filters, order) = (runner.settings.filters.clone(), runner.settings.sort_order);
    let listed = tokio::task::spawn_blocking(move || order::jobs(&mta, &filters, order)).await;
    match listed {
        Ok(Ok(queued)) => {
            let new: Vec<QueueId> = queued.into_iter().filter(|id| !ids.contains(id)).collect();
            ids.extend(new);
        }
        Ok(Err(e)) => runner.log.log(Severity::Err, &format!("cannot list the queue: {e}")),
        Err(_) => {}
    }
    run::work(runner, ids, true).await;
}

/// One file that appeared.
async fn arrived(runner: &Arc<Runner>, arrival: Arrival) {
    match arrival {
        Arrival::Submitted(id) => {
            let client = pickup::queues(&runner.settings).0;
            // The writer holds the lock until it has committed: wait for it.
            for _ in 0..50 {
                let (c, i) = (client.clone(), id.clone());
                let locked =
                    tokio::task::spawn_blocking(move || c.is_locked(FileKind::Control, &i));
                if !locked.await.unwrap_or(false) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let r = runner.clone();
            let picked = tokio::task::spawn_blocking(move || {
                let (client, mta) = pickup::queues(&r.settings);
                pickup::pick_up(&r.settings, &client, &mta, &id, &r.log)
            })
            .await;
            if let Ok(Some(new)) = picked {
                let mta = pickup::queues(&runner.settings).1;
                run::one(runner, &mta, new, true, None).await;
            }
        }
        Arrival::Queued(id) => {
            let mta = pickup::queues(&runner.settings).1;
            let path = mta.path(FileKind::Control, &id);
            let new =
                tokio::task::spawn_blocking(move || never_tried(&path)).await.unwrap_or(false);
            if new {
                run::one(runner, &mta, id, false, None).await;
            }
        }
    }
}

/// Whether a control file says `N0` (a new message, never tried).
fn never_tried(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    let new = spool::qf::records(&bytes).any(|(letter, value)| letter == b'N' && value == b"0");
    new
}

/// Starts the thread that turns inotify events of the two queues into arrivals.
fn watch(mqueue: &Path, client: &Path, tx: mpsc::UnboundedSender<Arrival>, runner: &Runner) {
    let inotify = match Inotify::init(InitFlags::IN_CLOEXEC) {
        Ok(i) => i,
        Err(e) => return runner.log.log(Severity::Err, &format!("inotify: {e}")),
    };
    let flags = AddWatchFlags::IN_MOVED_TO | AddWatchFlags::IN_CLOSE_WRITE;
    let mut watched: Vec<(nix::sys::inotify::WatchDescriptor, bool)> = Vec::new();
    for (dir, is_client) in [(control_dir(mqueue), false), (control_dir(client), true)] {
        match inotify.add_watch(&dir, flags) {
            Ok(wd) => watched.push((wd, is_client)),
            Err(e) => {
                runner.log.log(Severity::Err, &format!("{}: cannot watch: {e}", dir.display()))
            }
        }
    }
    std::thread::spawn(move || loop {
        let Ok(events) = inotify.read_events() else { return };
        for event in events {
            let Some(name) = event.name.as_ref().and_then(|n| n.to_str()) else { continue };
            let Some(id) = name.strip_prefix("qf").and_then(QueueId::parse) else { continue };
            let client = watched.iter().any(|(wd, c)| *wd == event.wd && *c);
            let arrival = if client { Arrival::Submitted(id) } else { Arrival::Queued(id) };
            if tx.send(arrival).is_err() {
                return;
            }
        }
    });
}

/// Where a queue keeps its control files (`qf/` when it is split).
fn control_dir(queue: &Path) -> PathBuf {
    let split = queue.join("qf");
    if split.is_dir() {
        split
    } else {
        queue.to_path_buf()
    }
}
