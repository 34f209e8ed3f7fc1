//! A submission a milter refuses at pickup goes back to its sender.
//!
//! sendmail's MSP relays the client queue to its MTA over SMTP; when the MTA's milter
//! refuses the message at the end of DATA with a 5xx, the MSP returns it to the sender
//! with that reply as the diagnostic, and the client files go. ferrymail does the same
//! at pickup: a failure DSN (`spool::dsn`, as the queue runner writes every notice)
//! with the whole message, from `MAILER-DAEMON` to the sender (to the
//! `confDOUBLE_BOUNCE_ADDRESS`, postmaster by default, for the null sender), queued in
//! the MTA's queue and delivered in the same run; the log says
//! `<id>: Milter: data, reject=<reply>` and `<id>: <notice>: DSN: Service unavailable`.
//!
//! # Errors
//! A notice that cannot be queued is logged and the client files stay for the next
//! pickup (where the filter is asked again): nothing is lost.

use crate::job::notice::{queue_notice, Notice};
use crate::job::Loaded;
use crate::settings::Settings;
use spool::dsn::{Action, Entry, Kind};
use spool::log::{Severity, Syslog};
use spool::qf::envelope::{Envelope, Recipient};
use spool::queue::{Job, Queue, QueueId};

/// A message a filter refused, as the MTA's queue would have held it.
#[derive(Debug)]
pub struct Rejected {
    /// The MTA's envelope of the message (qualified sender and recipients).
    pub env: Envelope,
    /// The body.
    pub df: Vec<u8>,
    /// The filter's reply (`554 5.7.1 Command rejected`).
    pub reply: String,
}

/// Returns `rejected` to its sender and removes the client files of `job`; the
/// notice's ID, to be delivered in this run.
pub fn bounce(
    settings: &Settings,
    mta: &Queue,
    job: Job,
    rejected: Rejected,
    log: &Syslog,
) -> Option<QueueId> {
    let id = job.id().clone();
    log.log(Severity::Info, &format!("{id}: Milter: data, reject={}", rejected.reply));
    let now = jiff::Timestamp::now();
    let status = enhanced(&rejected.reply);
    let entries =
        rejected.env.recipients.iter().map(|r| entry(r, &status, &rejected.reply, now)).collect();
    let sender = String::from_utf8_lossy(&rejected.env.sender).into_owned();
    let to = match sender.trim() {
        "" | "<>" => settings.double_bounce.clone(),
        _ => sender,
    };
    let notice = Notice { kind: Kind::Failure, to: vec![to], entries, with_body: true };
    let transcript = format!("... while talking to [127.0.0.1]:\n>>> .\n<<< {}\n", rejected.reply);
    let loaded = Loaded { job, env: rejected.env, df: Some(rejected.df), inode: None };
    match queue_notice(settings, mta, &loaded, &notice, &transcript, now) {
        Ok(notice_id) => {
            log.log(Severity::Info, &format!("{id}: {notice_id}: DSN: Service unavailable"));
            if let Err(e) = loaded.job.remove() {
                log.log(
                    Severity::Err,
                    &format!("{id}: pickup: cannot remove the client files: {e}"),
                );
            }
            Some(notice_id)
        }
        Err(e) => {
            log.log(Severity::Err, &format!("{id}: cannot queue a notice: {e}"));
            None
        }
    }
}

/// The enhanced status code of `reply` (`5.7.1`), else `5.0.0`.
fn enhanced(reply: &str) -> String {
    reply
        .split(' ')
        .nth(1)
        .filter(|c| spool::status::EnhancedCode::parse(c).is_some())
        .unwrap_or("5.0.0")
        .to_string()
}

/// The DSN entry of a recipient the filter's reply refused.
fn entry(r: &Recipient, status: &str, reply: &str, now: jiff::Timestamp) -> Entry {
    let address = String::from_utf8_lossy(&r.address).into_owned();
    let bare = address.trim_start_matches('<').trim_end_matches('>').to_string();
    let final_rcpt = r
        .final_recipient
        .as_ref()
        .map_or_else(|| format!("RFC822; {bare}"), |f| String::from_utf8_lossy(f).into_owned());
    Entry {
        paddr: address,
        action: Action::Failed,
        status: status.to_string(),
        reason: None,
        diagnostic: Some(("SMTP".into(), reply.to_string())),
        remote_mta: Some(("DNS".into(), "[127.0.0.1]".into())),
        orcpt: r.original.as_ref().map(|o| String::from_utf8_lossy(o).into_owned()),
        final_rcpt,
        actual: None,
        last_attempt: now,
        will_retry_until: None,
        expanded_from: None,
    }
}
