//! Queueing a notice (bounce, delay warning, return receipt, postmaster notice) about
//! a message, as sendmail's `returntosender` does.
//!
//! The notice is a new message in the same queue, from `MAILER-DAEMON` (`S` line; `<>`
//! on the wire), with the envelope sendmail gives it:
//!
//! ```text
//! P<size + RecipientFactor per recipient>   size: 1024 + the original's size when
//!                                           its body is returned, else 0
//! Fr[8]s                                    a response (never bounced to a sender)
//! $_localhost $r $slocalhost ${daemon_flags}<the original's>
//! SMAILER-DAEMON
//! rRFC822; <to>                 RPF:<to>    one per recipient, failures notified
//! H... (spool::dsn::Report::headers)        df: spool::dsn::Report::body
//! ```
//!
//! The original's header, returned in the notice, is written as the file mailer
//! writes it (`Return-Path: <$g>` and the `D`, `F`, `M` fields; not `Full-Name`).
//!
//! # Errors
//! [`QueueError`] when the notice cannot be written; the original then stays queued.

use super::Loaded;
use crate::local::render::Render;
use crate::settings::Settings;
use spool::dsn::{Entry, Kind, Original, Report};
use spool::qf::envelope::{Envelope, Recipient};
use spool::queue::{Queue, QueueError, QueueId};

/// One notice to queue.
#[derive(Debug, Clone)]
pub struct Notice {
    /// Which notice.
    pub kind: Kind,
    /// Whom it goes to, as written (`<a@b>`, `root`, `postmaster`).
    pub to: Vec<String>,
    /// The recipients it reports on.
    pub entries: Vec<Entry>,
    /// Whether the original's body is returned (else only its header).
    pub with_body: bool,
}

/// The original's size as sendmail counts it after reading its qf: the df, every
/// header's text, and one more byte for each conditional header (fitted to the
/// recordings: 540 for scenario 14, 629 for 12, the SIZE= and priorities of scenario
/// 20).
pub fn message_size(loaded: &Loaded) -> i64 {
    let headers: usize = loaded
        .env
        .headers
        .iter()
        .map(|h| h.text.len() + usize::from(!h.condition.is_empty()))
        .sum();
    (loaded.df.as_ref().map_or(0, Vec::len) + headers) as i64
}

/// Writes `notice` about `loaded` into `queue`; returns its ID.
pub fn queue_notice(
    settings: &Settings,
    queue: &Queue,
    loaded: &Loaded,
    notice: &Notice,
    transcript: &str,
    now: jiff::Timestamp,
) -> Result<QueueId, QueueError> {
    let mut msg = queue.new_message()?;
    let id = msg.id().clone();
    let env = &loaded.env;
    let sender = String::from_utf8_lossy(&env.sender);
    let g = sender.trim().trim_start_matches('<').trim_end_matches('>').to_string();
    let header = Render {
        flags: &settings.mailers.file_flags,
        sender: &g,
        host: &settings.host,
        headers: &env.headers,
        delete_bcc: env.flags.contains('b'),
        now,
        rewrite: None,
    }
    .header();
    let from_macro = macro_value(env, "_").unwrap_or_else(|| "localhost".into());
    let envid = env.envid.as_ref().map(|e| String::from_utf8_lossy(e).into_owned());
    let body = loaded.df.as_deref().unwrap_or(b"");
    let report = Report {
        kind: notice.kind.clone(),
        id: id.as_str(),
        now,
        host: &settings.host,
        original: Original {
            id: loaded.job.id().as_str(),
            arrival: jiff::Timestamp::from_second(env.created).unwrap_or(now),
            from_macro: &from_macro,
            envid: envid.as_deref(),
            header: &header,
            body: notice.with_body.then_some(body),
            eight_bit: env.flags.contains('8'),
        },
        entries: notice.entries.clone(),
        transcript,
        to: notice.to.clone(),
        tz: jiff::tz::TimeZone::system(),
    };
    msg.write_body(&report.body())?;
    let size = if notice.with_body { 1024 + message_size(loaded) } else { 0 };
    let qf = envelope(settings, env, notice, &report, size, now);
    msg.commit(&qf.to_queue_file())?;
    Ok(id)
}

fn envelope(
    settings: &Settings,
    parent: &Envelope,
    notice: &Notice,
    report: &Report,
    size: i64,
    now: jiff::Timestamp,
) -> Envelope {
    let eight = if parent.flags.contains('8') { "8" } else { "" };
    let daemon_flags = macro_value(parent, "{daemon_flags}").unwrap_or_default();
    Envelope {
        created: now.as_second(),
        priority: size + settings.recipient_factor * notice.to.len() as i64,
        flags: format!("r{eight}s"),
        macros: vec![
            ("_".into(), b"localhost".to_vec()),
            ("r".into(), Vec::new()),
            ("s".into(), b"localhost".to_vec()),
            ("{daemon_flags}".into(), daemon_flags.into_bytes()),
        ],
        sender: b"MAILER-DAEMON".to_vec(),
        recipients: notice
            .to
            .iter()
            .map(|to| Recipient {
                flags: "PF".into(),
                address: to.clone().into_bytes(),
                final_recipient: Some(final_rcpt(to, &settings.host).into_bytes()),
                ..Recipient::default()
            })
            .collect(),
        headers: report.headers(),
        ..Envelope::default()
    }
}

/// The value of macro `name` saved in the qf (`_`, `{daemon_flags}`).
pub fn macro_value(env: &Envelope, name: &str) -> Option<String> {
    env.macros.iter().find(|(n, _)| n == name).map(|(_, v)| String::from_utf8_lossy(v).into_owned())
}

/// `RFC822; user@host` for an address as written.
pub fn final_rcpt(paddr: &str, host: &str) -> String {
    format!("RFC822; {}", qualified(paddr, host))
}

/// The address without brackets, with `@$j` when it has no domain.
pub fn qualified(paddr: &str, host: &str) -> String {
    let bare = paddr.trim().trim_start_matches('<').trim_end_matches('>');
    if bare.contains('@') {
        bare.to_string()
    } else {
        format!("{bare}@{host}")
    }
}
