//! `-Q[reason]`: quarantine queued messages, give quarantined ones a new reason, or
//! release them, instead of running them (sendmail's `sendmail -Q...`).
//!
//! As the oracle (sendmail 8.17.1.9) does:
//!
//! ```text
//! -Qreason -qI<id>        the selected qf jobs become hf jobs with `qreason`   <id>: quarantine=reason
//! -Qreason -qQ -qI<id>    the selected hf jobs get the new reason              <id>: quarantine=reason
//! -Q -qQ -qI<id>          the selected hf jobs are released back to qf         <id>: unquarantine
//! -Q -qI<id>              nothing: queued jobs are not quarantined
//! ```
//!
//! Selections are the usual `-q[!]I|R|S`; nothing selected is not an error. With
//! `-Ac` it is the client queue's jobs. Nothing is delivered, and the exit status is
//! 0; a job another process holds is left alone, and one that cannot be changed is
//! logged.
//!
//! # Errors
//! A queue that cannot be listed.

use crate::order;
use crate::pickup;
use crate::settings::{Quarantine, Settings};
use anyhow::{Context, Result};
use spool::log::{Severity, Syslog};
use spool::queue::FileKind;

/// Applies `change` to the jobs `settings` selects; the exit status.
pub fn change(settings: &Settings, change: &Quarantine, log: &Syslog) -> Result<i32> {
    if !change.of_quarantined && change.reason.is_none() {
        return Ok(0);
    }
    let (client, mta) = pickup::queues(settings);
    let queue = if settings.client { client } else { mta };
    let kind = if change.of_quarantined { FileKind::Quarantined } else { FileKind::Control };
    let ids = order::jobs_of(&queue, kind, &settings.filters, settings.sort_order)
        .context("cannot list the queue")?;
    for id in ids {
        let locked = match kind {
            FileKind::Quarantined => queue.lock_quarantined(&id),
            _ => queue.lock(&id),
        };
        let job = match locked {
            Ok(Some(job)) => job,
            Ok(None) => continue,
            Err(e) => {
                log.log(Severity::Err, &format!("{id}: cannot lock: {e}"));
                continue;
            }
        };
        let reason = change.reason.as_deref();
        match job.set_quarantine(reason) {
            Ok(()) => {
                let line = match reason {
                    Some(r) => format!("{id}: quarantine={r}"),
                    None => format!("{id}: unquarantine"),
                };
                log.log(Severity::Info, &line);
            }
            Err(e) => log.log(Severity::Err, &format!("{id}: cannot change the quarantine: {e}")),
        }
    }
    Ok(0)
}
