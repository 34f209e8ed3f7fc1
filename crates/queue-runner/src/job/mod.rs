//! One delivery attempt of one queued message (sendmail's `dowork`).
//!
//! 1. Lock the qf (`flock`, [`spool::queue::Job`]); a job locked elsewhere is skipped,
//!    as a real sendmail runner skips ours. Read it with the delivery reader: a qf
//!    sendmail could not read is set aside as `Qf` (`Losing ./qfID: ...`), an
//!    incomplete one is left alone.
//! 2. Skip it if it was tried less than `MinQueueAge` ago; else add `RetryFactor` to
//!    its priority (not for a notice created by this run, as sendmail).
//! 3. Expand its recipients ([`crate::expand`]), deliver them ([`deliver`]) in
//!    sendmail's order, logging each.
//! 4. Decide what is left ([`finish`]): bounces, delay warnings, return receipts
//!    ([`notice`]) are queued as new messages and run right after; the qf is rewritten
//!    with the recipients still due (`K`, `N`, `P`, `I`, `M` lines) or removed.
//!
//! # Errors
//! None escape: a queue that cannot be written is logged and the message stays as it
//! was (delivery is at least once: it may be delivered again, never lost).

pub mod deliver;
pub mod finish;
pub mod logline;
pub mod model;
pub mod notice;
pub mod status;

use crate::pool::Limits;
use crate::settings::Settings;
use crate::transport::Transport;
use crate::verbose::Verbose;
use spool::log::{Severity, Syslog};
use spool::qf::envelope::Envelope;
use spool::qf::QfErrorKind;
use spool::queue::{FileKind, Job, Queue, QueueError, QueueId};
use std::sync::Arc;

/// What every job of a run shares.
pub struct Runner {
    /// The settings.
    pub settings: Arc<Settings>,
    /// Remote delivery.
    pub transport: Arc<dyn Transport>,
    /// Where log lines go.
    pub log: Arc<Syslog>,
    /// The global and per-destination limits.
    pub limits: Arc<Limits>,
    /// `-v` output.
    pub verbose: Verbose,
}

/// How an attempt ended.
#[derive(Debug, Default)]
pub struct Done {
    /// The exit status sendmail's `-v` run would report for it (0, or the first
    /// failure's `<sysexits.h>` code).
    pub exit: i32,
    /// Notices queued by this attempt, to be run right away.
    pub notices: Vec<QueueId>,
}

/// A locked message, read.
pub struct Loaded {
    /// The lock.
    pub job: Job,
    /// The envelope.
    pub env: Envelope,
    /// The body, or `None` when the df is missing.
    pub df: Option<Vec<u8>>,
    /// The df's `I` line value (`major/minor/inode`), when it exists.
    pub inode: Option<String>,
}

/// Works message `id` of `queue` once. `fresh`: a message this run just queued (a
/// notice, a picked-up submission): no `RetryFactor`. `seq`: its place in the run,
/// for `-v`.
pub async fn attempt(
    runner: &Runner,
    queue: &Queue,
    id: QueueId,
    fresh: bool,
    seq: Option<(usize, usize)>,
) -> Done {
    let log = runner.log.clone();
    let q = queue.clone();
    let tries = if fresh { FRESH_LOCK_TRIES } else { 1 };
    let loaded = tokio::task::spawn_blocking(move || load(&q, &id, &log, tries)).await;
    let Ok(Some(mut loaded)) = loaded else { return Done::default() };
    let now = jiff::Timestamp::now();
    if too_young(&runner.settings, &loaded.env, now) {
        return Done::default();
    }
    if !fresh {
        loaded.env.priority += runner.settings.retry_factor;
    }
    runner.verbose.running(queue.root(), loaded.job.id(), seq);
    let attempted = deliver::run(runner, &loaded).await;
    finish::finish(runner, queue, loaded, attempted).await
}

/// Whether `MinQueueAge` says the message was tried too recently.
fn too_young(settings: &Settings, env: &Envelope, now: jiff::Timestamp) -> bool {
    let age = settings.timeouts.min_queue_age.as_secs() as i64;
    age > 0 && env.last_attempt > 0 && now.as_second() - env.last_attempt < age
}

/// How often a message this run just queued (a notice, a pickup) is tried to be
/// locked, 10 ms apart. Nobody else works it, but a child another worker forks
/// (a local mailer, a program) holds a copy of every open descriptor, the new qf's
/// locked one too, until its exec closes them.
const FRESH_LOCK_TRIES: u32 = 50;

/// Locks and reads message `id` (trying the lock up to `tries` times); `None` when it
/// is not to be worked now.
pub fn load(queue: &Queue, id: &QueueId, log: &Syslog, tries: u32) -> Option<Loaded> {
    let mut job = None;
    for n in 0..tries.max(1) {
        if n > 0 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        match queue.lock(id) {
            Ok(Some(locked)) => {
                job = Some(locked);
                break;
            }
            Ok(None) => continue,
            Err(e) => {
                log.log(Severity::Err, &format!("{id}: cannot lock: {e}"));
                return None;
            }
        }
    }
    let mut job = job?;
    let qf = match job.read() {
        Ok(qf) => qf,
        Err(QueueError::Qf(e)) => {
            lose(job, log, &e);
            return None;
        }
        Err(e) => {
            log.log(Severity::Err, &format!("{id}: {e}"));
            return None;
        }
    };
    let path = job.path(FileKind::Control);
    let env = match Envelope::from_queue_file(&path, &qf) {
        Ok(env) => env,
        Err(e) => {
            lose(job, log, &e);
            return None;
        }
    };
    let df_path = job.path(FileKind::Data);
    let df = std::fs::read(&df_path).ok();
    let inode = std::fs::metadata(&df_path).ok().map(|m| inode_line(&m));
    Some(Loaded { job, env, df, inode })
}

/// sendmail's handling of a qf it cannot read: an incomplete one stays; anything
/// else is renamed to `Qf` with a log line.
fn lose(job: Job, log: &Syslog, e: &spool::qf::QfError) {
    let id = job.id().clone();
    let name = format!("./qf{id}");
    if e.kind == QfErrorKind::Incomplete {
        log.log(Severity::Err, &format!("{id}: readqf: {name}: incomplete queue file read"));
        return;
    }
    log.log(Severity::Err, &format!("{id}: readqf: {name}: line {}: {}", e.line, e.kind));
    match job.set_aside() {
        Ok(_) => log.log(Severity::Alert, &format!("{id}: Losing {name}: unrecognized line")),
        Err(err) => log.log(Severity::Err, &format!("{id}: cannot set {name} aside: {err}")),
    }
}

/// The `I` line value of a df: `major/minor/inode` of its device and inode.
pub fn inode_line(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    let dev = meta.dev();
    let (major, minor) = (nix::sys::stat::major(dev), nix::sys::stat::minor(dev));
    format!("{major}/{minor}/{}", meta.ino())
}
