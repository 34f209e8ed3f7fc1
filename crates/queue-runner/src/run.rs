//! queue-runner's work: resolve the command line, detach if asked, run the queue.
//!
//! * `-q`: one run, detached from the terminal as sendmail's `-q` is (sendmail forks,
//!   the parent exits 0 at once and a child in its own session works the queue);
//!   with `-v` the run stays in the foreground and prints the dialogue.
//! * `-qf`: one run in the foreground; the exit status is sendmail's (0, or the
//!   `<sysexits.h>` code of the first recipient that failed for good).
//! * `-q<interval>`: stays up ([`crate::daemon`]), detached as sendmail's is; with
//!   `-v` in the foreground (for a service manager, and to watch it work).
//! * `-Ac`: works the client queue: each message is picked up into the MTA's queue
//!   ([`crate::pickup`]) and delivered at once.
//!
//! Every run starts by removing the files crashes left in the queue it works
//! (`spool`'s `Queue::sweep`: untouched for a day, no writer, no control file).
//!
//! Jobs run in parallel up to `MaxQueueChildren` (one with `-v`, so the dialogue
//! reads in order), each holding the lock of its own qf; a notice a job queues is
//! run right after it by the same worker.
//!
//! # Errors
//! The configuration or the command line (see [`crate::settings`]); a queue that
//! cannot be listed.

use crate::flags::{self, Run};
use crate::job::{self, Runner};
use crate::pool::Limits;
use crate::settings::{self, Settings};
use crate::transport::Transport;
use crate::verbose::Verbose;
use crate::{agent, daemon, order, pickup, quarantine};
use anyhow::{Context, Result};
use spool::log::Syslog;
use spool::queue::{Queue, QueueId};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Runs queue-runner with `args` (without the program name); returns the exit status.
pub fn run(args: Vec<String>) -> Result<i32> {
    if args.first().map(String::as_str) == Some(agent::FLAG) {
        let path = args.get(1).context("--deliver-file needs a path")?;
        return Ok(agent::run(std::path::Path::new(path)));
    }
    let flags = flags::parse(args)?;
    let settings = settings::resolve(flags.clone())?;
    if let Some(change) = &settings.quarantine {
        let log = Syslog::from_option(&settings.log_tag, settings.log_file.as_deref())
            .context("cannot open the LogFile")?;
        return quarantine::change(&settings, change, &log);
    }
    nix::sys::stat::umask(nix::sys::stat::Mode::from_bits_truncate(0o022));
    if settings.detach {
        nix::unistd::daemon(true, false).context("cannot detach from the terminal")?;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    let runner = built(settings)?;
    // SIGHUP (an interval runner): the same command line, the configuration read again.
    let reload = move || settings::resolve(flags.clone()).and_then(built);
    runtime.block_on(async move {
        match runner.settings.run {
            Run::Every(interval) => daemon::serve(Arc::new(runner), interval, &reload).await,
            Run::Once | Run::Foreground => once(&Arc::new(runner)).await,
        }
    })
}

/// A runner for `settings`, with its log and its SMTP client.
fn built(settings: Settings) -> Result<Runner> {
    let log = Syslog::from_option(&settings.log_tag, settings.log_file.as_deref())
        .context("cannot open the LogFile")?;
    let smtp = crate::remote::Smtp::new(settings.resolver.clone(), &settings.host)
        .with_authinfo(settings.authinfo.clone());
    Ok(runner(settings, Arc::new(smtp), log))
}

/// The shared state of a run.
pub fn runner(settings: Settings, transport: Arc<dyn Transport>, log: Syslog) -> Runner {
    let limits = Arc::new(Limits::new(settings.per_destination));
    let verbose = Verbose::new(settings.verbose);
    Runner { settings: Arc::new(settings), transport, log: Arc::new(log), limits, verbose }
}

/// One queue run: the client queue with `-Ac`, else the MTA's queue.
pub async fn once(runner: &Arc<Runner>) -> Result<i32> {
    let r = runner.clone();
    tokio::task::spawn_blocking(move || {
        let (client, mta) = pickup::queues(&r.settings);
        if r.settings.client { client } else { mta }.sweep_logged(&r.log);
    })
    .await?;
    let ids = match runner.settings.client {
        true => pick_up_all(runner).await?,
        false => {
            let mta = pickup::queues(&runner.settings).1;
            let (filters, order) = (runner.settings.filters.clone(), runner.settings.sort_order);
            tokio::task::spawn_blocking(move || order::jobs(&mta, &filters, order))
                .await?
                .context("cannot list the queue")?
        }
    };
    Ok(work(runner, ids, !runner.settings.client).await)
}

/// Picks up every selected client message; returns their new IDs.
pub async fn pick_up_all(runner: &Arc<Runner>) -> Result<Vec<QueueId>> {
    let r = runner.clone();
    let ids = tokio::task::spawn_blocking(move || {
        let (client, mta) = pickup::queues(&r.settings);
        let listed = order::jobs(&client, &r.settings.filters, r.settings.sort_order)?;
        Ok::<_, spool::queue::QueueError>(
            listed
                .iter()
                .filter_map(|id| pickup::pick_up(&r.settings, &client, &mta, id, &r.log))
                .collect(),
        )
    })
    .await?
    .context("cannot list the client queue")?;
    Ok(ids)
}

/// Works `ids` of the MTA's queue in parallel; returns the first failure's exit
/// status. `queued`: they were queued before (the retry factor applies).
pub async fn work(runner: &Arc<Runner>, ids: Vec<QueueId>, queued: bool) -> i32 {
    let mta = pickup::queues(&runner.settings).1;
    let workers = if runner.settings.verbose { 1 } else { runner.settings.workers };
    let slots = Arc::new(Semaphore::new(workers));
    let total = ids.len();
    let mut tasks = tokio::task::JoinSet::new();
    for (n, id) in ids.into_iter().enumerate() {
        let permit = slots.clone().acquire_owned().await.expect("never closed");
        let (runner, mta) = (runner.clone(), mta.clone());
        tasks.spawn(async move {
            let exit = one(&runner, &mta, id, !queued, Some((n + 1, total))).await;
            drop(permit);
            exit
        });
    }
    let mut exit = 0;
    while let Some(done) = tasks.join_next().await {
        let code = done.unwrap_or(spool::sysexits::EX_SOFTWARE);
        if exit == 0 {
            exit = code;
        }
    }
    runner.verbose.raw(&runner.transport.close_idle().await);
    exit
}

/// One job and the notices it queued.
pub async fn one(
    runner: &Runner,
    queue: &Queue,
    id: QueueId,
    fresh: bool,
    seq: Option<(usize, usize)>,
) -> i32 {
    let done = job::attempt(runner, queue, id, fresh, seq).await;
    let mut exit = done.exit;
    let mut pending = std::collections::VecDeque::from(done.notices);
    while let Some(notice) = pending.pop_front() {
        let more = job::attempt(runner, queue, notice, true, None).await;
        if exit == 0 {
            exit = more.exit;
        }
        pending.extend(more.notices);
    }
    exit
}
