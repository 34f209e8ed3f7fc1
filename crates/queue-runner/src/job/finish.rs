//! After the attempt: notices, then the qf rewritten or removed (sendmail's
//! `dropenvelope`).
//!
//! * A message still undelivered `Timeout.queuereturn` after it arrived gives up: its
//!   deferred recipients fail (`4.4.7`, `Cannot send message for 5 days`).
//! * Else, once `Timeout.queuewarn` has passed, the sender gets one delay warning
//!   for the recipients that asked for one (`D`), and the qf is marked `w`.
//! * Failed recipients that asked to be told (`F`) are returned to the sender; a
//!   failed notice (`F...r`) or a message from `<>` goes to `DoubleBounceAddress`
//!   instead (a postmaster notice about a postmaster notice is dropped).
//! * `NOTIFY=SUCCESS` recipients delivered locally earn a return receipt when nothing
//!   failed or was delayed.
//! * The qf is then removed if nothing is left to deliver, else rewritten (tf, fsync,
//!   rename) with `K` now, `N`+1, the priority, the df's `I`, the status message `M`,
//!   and only the recipients still due, each with its `M`, `C`, `Q`, `r` lines.

use super::deliver::Attempted;
use super::model::{Dest, Outcome, State, Target};
use super::notice::{qualified, queue_notice, Notice};
use super::status::{interval, reason};
use super::{Done, Loaded, Runner};
use spool::dsn::{Action, Entry, Kind};
use spool::log::Severity;
use spool::qf::envelope::{Envelope, Recipient};
use spool::queue::Queue;

/// What the end of the attempt decided.
struct Decision {
    failure: bool,
    delay: bool,
    receipt: bool,
    delayed: Vec<bool>,
    warned: bool,
}

/// Queues the notices, rewrites or removes the qf; returns how the attempt ended.
pub async fn finish(runner: &Runner, queue: &Queue, loaded: Loaded, mut done: Attempted) -> Done {
    let now = jiff::Timestamp::now();
    let decision = decide(runner, &loaded.env, &mut done, now);
    let settings = runner.settings.clone();
    let log = runner.log.clone();
    let q = queue.clone();
    let exit = done.exit;
    let notices = tokio::task::spawn_blocking(move || {
        let ids = notices(&settings, &q, &loaded, &done, &decision, &log, now);
        keep_or_remove(loaded, &done, decision.warned, &log, now);
        ids
    })
    .await
    .unwrap_or_default();
    Done { exit, notices }
}

fn decide(runner: &Runner, env: &Envelope, done: &mut Attempted, now: jiff::Timestamp) -> Decision {
    let t = &runner.settings.timeouts;
    let age = now.as_second() - env.created;
    let deferred = done.outcomes.iter().any(|o| o.state == State::Deferred);
    let returned = t.queuereturn.as_secs() > 0 && age >= t.queuereturn.as_secs() as i64;
    let pairs = || done.targets.iter().zip(done.outcomes.iter());
    let failure = pairs().any(|(t, o)| {
        t.ping_failure() && (o.state == State::Failed || (returned && o.state == State::Deferred))
    });
    let success = pairs().any(|(t, o)| t.ping_success() && o.state == State::Sent && is_local(t));
    let mut decision = Decision {
        failure,
        delay: false,
        receipt: false,
        delayed: vec![false; done.targets.len()],
        warned: false,
    };
    if deferred && returned {
        let ret = interval(t.queuereturn.as_secs() as i64, false);
        if failure {
            done.message = Some(format!("Cannot send message for {ret}"));
        }
        done.transcript.push_str(&format!(
            "Message could not be delivered for {ret}\nMessage will be deleted from queue\n"
        ));
        for o in done.outcomes.iter_mut().filter(|o| o.state == State::Deferred) {
            o.state = State::Failed;
            o.status = "4.4.7".into();
            o.at = now;
        }
    } else if deferred && t.queuewarn.as_secs() > 0 && age >= t.queuewarn.as_secs() as i64 {
        warn(runner, env, done, &mut decision);
    }
    decision.receipt =
        success && !decision.failure && !decision.delay && !is_null_sender(&env.sender);
    decision
}

fn warn(runner: &Runner, env: &Envelope, done: &mut Attempted, decision: &mut Decision) {
    let t = &runner.settings.timeouts;
    let warn = interval(t.queuewarn.as_secs() as i64, false);
    let ret = interval(t.queuereturn.as_secs() as i64, false);
    let sender = String::from_utf8_lossy(&env.sender).to_ascii_lowercase();
    let bare = sender.trim_start_matches('<').trim_end_matches('>');
    let may_warn = !env.flags.contains('w')
        && !env.flags.contains('r')
        && !bare.is_empty()
        && !bare.starts_with("owner-")
        && !bare.split('@').next().unwrap_or_default().ends_with("-request");
    if may_warn {
        for (i, (t, o)) in done.targets.iter().zip(done.outcomes.iter()).enumerate() {
            if o.state == State::Deferred && t.ping_delay() {
                decision.delayed[i] = true;
                decision.delay = true;
            }
        }
    }
    if decision.delay {
        done.message = Some(format!("Warning: could not send message for past {warn}"));
        decision.warned = true;
    }
    done.transcript.push_str(&format!(
        "Warning: message still undelivered after {warn}\nWill keep trying until message is {ret} old\n"
    ));
}

fn is_local(t: &Target) -> bool {
    matches!(t.dest, Ok(Dest::Mailbox { .. } | Dest::Program(_) | Dest::File(_)))
}

fn is_null_sender(sender: &[u8]) -> bool {
    let s = String::from_utf8_lossy(sender);
    s.trim().trim_start_matches('<').trim_end_matches('>').is_empty()
}

/// Queues the notices the decision calls for; returns their IDs.
fn notices(
    settings: &crate::settings::Settings,
    queue: &Queue,
    loaded: &Loaded,
    done: &Attempted,
    decision: &Decision,
    log: &spool::log::Syslog,
    now: jiff::Timestamp,
) -> Vec<spool::queue::QueueId> {
    let mut wanted: Vec<(Notice, &str)> = Vec::new();
    let env = &loaded.env;
    let with_body = !env.flags.contains('n');
    if decision.receipt {
        let entries = entries(settings, env, done, |t, o| {
            (t.ping_success() && o.state == State::Sent && is_local(t)).then_some(Action::Delivered)
        });
        let to = vec![String::from_utf8_lossy(&env.sender).into_owned()];
        wanted.push((Notice { kind: Kind::Receipt, to, entries, with_body: false }, "DSN"));
    }
    if decision.failure || decision.delay {
        if let Some(n) = failure_notice(settings, env, done, decision, with_body) {
            wanted.push(n);
        }
    }
    let original = loaded.job.id().clone();
    let mut ids = Vec::new();
    for (notice, what) in wanted {
        let msg = match notice.kind {
            Kind::Receipt => "Return receipt".to_string(),
            _ => done.message.clone().unwrap_or_else(|| "Unable to deliver mail".into()),
        };
        match queue_notice(settings, queue, loaded, &notice, &done.transcript, now) {
            Ok(id) => {
                log.log(Severity::Info, &format!("{original}: {id}: {what}: {msg}"));
                ids.push(id);
            }
            Err(e) => log.log(Severity::Err, &format!("{original}: cannot queue a notice: {e}")),
        }
    }
    ids
}

/// The bounce or warning, and its log word; `None` when it is to be dropped.
fn failure_notice<'a>(
    settings: &crate::settings::Settings,
    env: &Envelope,
    done: &Attempted,
    decision: &Decision,
    with_body: bool,
) -> Option<(Notice, &'a str)> {
    let response = env.flags.contains('r');
    let postmaster = response || is_null_sender(&env.sender);
    let entries = entries(settings, env, done, |t, o| {
        if o.state == State::Failed && (t.ping_failure() || !t.notify.contains('N')) {
            Some(Action::Failed)
        } else if decision.delay && o.state == State::Deferred && t.ping_delay() && t.primary {
            Some(Action::Delayed)
        } else {
            None
        }
    });
    if !postmaster {
        let kind = match decision.failure {
            true => Kind::Failure,
            false => Kind::Warning {
                after: interval(settings.timeouts.queuewarn.as_secs() as i64, false),
            },
        };
        let what = if decision.failure { "DSN" } else { "sender notify" };
        let to = vec![String::from_utf8_lossy(&env.sender).into_owned()];
        return Some((Notice { kind, to, entries, with_body }, what));
    }
    let about_a_notice = env.headers.iter().any(|h| {
        String::from_utf8_lossy(&h.text)
            .eq_ignore_ascii_case("Auto-Submitted: auto-generated (postmaster-notification)")
    });
    if settings.double_bounce.is_empty() || about_a_notice {
        return None;
    }
    let what = if response { "return to sender" } else { "postmaster notify" };
    let to = vec![settings.double_bounce.clone()];
    Some((Notice { kind: Kind::Postmaster, to, entries, with_body }, what))
}

/// The DSN entries of the targets `pick` chooses, in list order.
fn entries(
    settings: &crate::settings::Settings,
    env: &Envelope,
    done: &Attempted,
    pick: impl Fn(&Target, &Outcome) -> Option<Action>,
) -> Vec<Entry> {
    let until =
        jiff::Timestamp::from_second(env.created + settings.timeouts.queuereturn.as_secs() as i64)
            .ok();
    done.targets
        .iter()
        .zip(done.outcomes.iter())
        .filter_map(|(t, o)| pick(t, o).map(|action| (t, o, action)))
        .map(|(t, o, action)| Entry {
            paddr: t.paddr.clone(),
            action,
            status: match action {
                Action::Delivered => "2.1.5".into(),
                _ => o.status.clone(),
            },
            reason: reason(o),
            diagnostic: (action == Action::Failed).then(|| o.diagnostic.clone()).flatten(),
            remote_mta: o.remote_mta.clone(),
            orcpt: t.orcpt.as_ref().map(|q| String::from_utf8_lossy(q).into_owned()),
            final_rcpt: String::from_utf8_lossy(&t.final_rcpt).into_owned(),
            actual: Some(actual(t, &settings.host)),
            last_attempt: o.at,
            will_retry_until: (action == Action::Delayed).then_some(until).flatten(),
            expanded_from: t.expanded_from.clone(),
        })
        .collect()
}

/// `X-Actual-Recipient:`: `rfc822; user@host`, `X-Unix; |program` for programs.
fn actual(t: &Target, host: &str) -> String {
    match &t.dest {
        Ok(Dest::Program(cmd)) => format!("X-Unix; |{cmd}"),
        Ok(Dest::File(path)) => format!("X-Unix; {}", path.display()),
        Ok(Dest::Remote { address, .. }) => format!("rfc822; {address}"),
        _ => format!("rfc822; {}", qualified(&t.paddr, host)),
    }
}

/// Rewrites the qf with what is still due, or removes the message.
fn keep_or_remove(
    mut loaded: Loaded,
    done: &Attempted,
    warned: bool,
    log: &spool::log::Syslog,
    now: jiff::Timestamp,
) {
    let id = loaded.job.id().clone();
    let due: Vec<Recipient> = done
        .targets
        .iter()
        .zip(done.outcomes.iter())
        .filter(|(_, o)| o.state == State::Deferred)
        .map(|(t, o)| Recipient {
            flags: t.qf_flags(),
            address: t.paddr.clone().into_bytes(),
            controller: t.ctl.as_ref().map(|c| c.qf_value()),
            original: t.orcpt.clone(),
            final_recipient: Some(t.final_rcpt.clone()),
            status: o.message.clone().map(String::into_bytes),
        })
        .collect();
    if due.is_empty() {
        if let Err(e) = loaded.job.remove() {
            log.log(Severity::Err, &format!("{id}: cannot remove the delivered message: {e}"));
        }
        return;
    }
    let env = &mut loaded.env;
    env.last_attempt = now.as_second();
    env.attempts += 1;
    env.data_inode = loaded.inode.clone().map(String::into_bytes).or(env.data_inode.take());
    env.message = done.message.clone().map(String::into_bytes);
    if warned && !env.flags.contains('w') {
        env.flags.insert(0, 'w');
    }
    env.recipients = due;
    // A tf left by a writer killed before its rename would make the rewrite fail:
    // with the qf locked nobody else can be writing it.
    let tf = loaded.job.path(spool::queue::FileKind::Temp);
    if std::fs::remove_file(&tf).is_ok() {
        log.log(Severity::Notice, &format!("{id}: removed the stale {}", tf.display()));
    }
    if let Err(e) = loaded.job.rewrite(&env.to_queue_file()) {
        log.log(Severity::Err, &format!("{id}: cannot rewrite the queue file: {e}"));
    }
}
