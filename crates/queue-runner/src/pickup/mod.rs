//! Pickup: moving locally submitted mail from the client queue into the MTA's queue.
//!
//! sendmail's MSP relays its queue to the MTA over SMTP on localhost; ferrymail's
//! queue runner takes the files itself and does to each what the MTA does to a
//! message from its MSP: every file is checked first ([`validate`]), then the message
//! is queued anew in mqueue exactly as sendmail's MTA queues what its MSP relays
//! (reference scenario 16):
//!
//! ```text
//! $_localhost [127.0.0.1]  $rESMTP  $s<$j>  ${daemon_flags}
//! S<sender@$j>  A<>  RPFD:<rcpt@$j> (NOTIFY and ORCPT kept)  a new ID, T now
//! H?P?Return-Path: <$g>
//! H??Received: from $j (localhost [127.0.0.1])
//!     by $j (ferrymail-x.y.z) with ESMTP id <new ID>
//!     for <rcpt>; <date>                       (the MTA's own line)
//! H??<the header as the MSP sends it>          Date, From, Message-Id written out,
//!                                              addresses qualified, Bcc gone
//! ```
//!
//! The new df and qf are committed durably before the client files are removed, so a
//! crash in between at worst delivers a message twice. A file that fails the checks
//! is renamed `Qf<ID>` in the client queue with a log line, never half-read into
//! mqueue; one still locked by its writer is left for the next pickup. A message a
//! milter refuses with a 5xx is returned to its sender ([`bounce`]).
//!
//! # Errors
//! A queue that cannot be listed or written: the client files stay where they are.

pub mod bounce;
pub mod filter;
pub mod validate;

use crate::local::render::Render;
use crate::settings::Settings;
use spool::inbound::Inbound;
use spool::log::{Severity, Syslog};
use spool::qf::envelope::Envelope;
use spool::queue::{FileKind, Job, Queue, QueueError, QueueId};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use validate::Refused;

/// The client queue and the MTA's queue of `settings`.
pub fn queues(settings: &Settings) -> (Queue, Queue) {
    let client = Queue::open(&settings.client_queue_dir);
    let mta = Queue::open(&settings.queue_dir).with_file_mode(settings.queue_file_mode);
    (client, mta)
}

/// Picks up client message `id`; returns its ID in the MTA's queue when it moved.
pub fn pick_up(
    settings: &Settings,
    client: &Queue,
    mta: &Queue,
    id: &QueueId,
    log: &Syslog,
) -> Option<QueueId> {
    let job = match client.lock(id) {
        Ok(Some(job)) => job,
        Ok(None) => return None,
        Err(e) => {
            log.log(Severity::Err, &format!("{id}: pickup: {e}"));
            return None;
        }
    };
    let mut job = job;
    match take(settings, &mut job, mta, log) {
        Ok((env, new_id, size)) => {
            let msgid = header_value(&env, "Message-Id");
            log.log(Severity::Info, &from_line(&new_id, &env, size, msgid.as_deref()));
            if let Err(e) = job.remove() {
                log.log(
                    Severity::Err,
                    &format!("{id}: pickup: cannot remove the client files: {e}"),
                );
            }
            // A quarantined message (hf) waits for the admin, not for delivery.
            env.quarantine.is_none().then_some(new_id)
        }
        Err(Failed::Refused(why)) => {
            let name = format!("./qf{id}");
            match job.set_aside() {
                Ok(_) => log.log(Severity::Alert, &format!("{id}: Losing {name}: {why}")),
                Err(e) => log.log(Severity::Err, &format!("{id}: {why}; cannot set it aside: {e}")),
            }
            None
        }
        Err(Failed::Queue(e)) => {
            log.log(Severity::Err, &format!("{id}: pickup: {e}"));
            None
        }
        Err(Failed::Later(why)) => {
            log.log(Severity::Info, &format!("{id}: pickup deferred: {why}"));
            None
        }
        Err(Failed::Rejected(rejected)) => bounce::bounce(settings, mta, job, *rejected, log),
        Err(Failed::Discarded) => {
            if let Err(e) = job.remove() {
                log.log(
                    Severity::Err,
                    &format!("{id}: pickup: cannot remove the client files: {e}"),
                );
            }
            None
        }
    }
}

/// Why a pickup did not happen.
enum Failed {
    /// The client file is refused (and set aside).
    Refused(Refused),
    /// The MTA's queue could not be written.
    Queue(QueueError),
    /// A milter said not now: the client files stay for the next pickup.
    Later(String),
    /// A milter said to throw the message away.
    Discarded,
    /// A milter refused it with a 5xx: the sender gets a DSN.
    Rejected(Box<bounce::Rejected>),
}

/// Checks, copies and commits one client message; the client lock is kept.
fn take(
    settings: &Settings,
    job: &mut Job,
    mta: &Queue,
    log: &Syslog,
) -> Result<(Envelope, QueueId, u64), Failed> {
    let (env, submission, df, header) = check(settings, job).map_err(Failed::Refused)?;
    let size = (header.size + df.len()) as u64;
    if settings.max_message_size > 0 && size > settings.max_message_size {
        let why = Refused(format!(
            "message of {size} bytes exceeds MaxMessageSize {}",
            settings.max_message_size
        ));
        return Err(Failed::Refused(why));
    }
    let mut msg = mta.new_message().map_err(Failed::Queue)?;
    let new_id = msg.id().clone();
    let inbound = Inbound {
        client: "localhost [127.0.0.1]".into(),
        helo: settings.host.clone(),
        protocol: "ESMTP".into(),
        sender: submission.sender,
        body_type: env.body_type.clone(),
        ret: env.flags.contains('d').then(|| match env.flags.contains('n') {
            true => spool::inbound::Ret::Hdrs,
            false => spool::inbound::Ret::Full,
        }),
        envid: env.envid.as_ref().map(|e| String::from_utf8_lossy(e).into_owned()),
        auth_param: Some("<>".into()),
        recipients: relay_order(submission.recipients, settings),
        eight_bit: env.flags.contains('8') || header.eight_bit,
        ..Inbound::default()
    };
    let now = jiff::Timestamp::now();
    let priority = size as i64 + inbound.recipients.len() as i64 * settings.recipient_factor;
    let mut qf = inbound.queue_file(&new_id, &settings.host, now, &header, priority);
    as_sendmails_mta(settings, &mut qf, &header);
    let body = match filter::run(settings, &new_id, &mut qf, &df, log) {
        filter::Filtered::Queue(body) => body,
        filter::Filtered::Discard => return Err(Failed::Discarded),
        filter::Filtered::Later(why) => return Err(Failed::Later(why)),
        filter::Filtered::Refuse(reply) => {
            return Err(Failed::Rejected(Box::new(bounce::Rejected { env: qf, df, reply })))
        }
    };
    msg.write_body(body.as_deref().unwrap_or(&df)).map_err(Failed::Queue)?;
    msg.commit(&qf.to_queue_file()).map_err(Failed::Queue)?;
    Ok((qf, new_id, size))
}

/// Two things sendmail's MTA does that the shared SMTP envelope does not: `b` (delete
/// Bcc) only when the message has a `To:`, `Cc:` or `Apparently-To:`, and a
/// `Full-Name:` from the passwd entry of a local sender.
fn as_sendmails_mta(settings: &Settings, qf: &mut Envelope, header: &spool::message::Header) {
    qf.flags.retain(|c| c != 'b');
    if ["To", "Cc", "Apparently-To"].iter().any(|n| header.get(n).is_some()) {
        let at = qf.flags.find('8').map_or(0, |i| i + 1);
        qf.flags.insert(at, 'b');
    }
    let sender = String::from_utf8_lossy(&qf.sender).trim_matches(['<', '>']).to_string();
    let Some((user, domain)) = sender.rsplit_once('@') else { return };
    if header.get("Full-Name").is_some() || !settings.directory.local_names.contains(domain) {
        return;
    }
    let gecos = nix::unistd::User::from_name(user)
        .ok()
        .flatten()
        .map(|u| u.gecos.to_string_lossy().into_owned());
    let Some(name) =
        gecos.and_then(|g| g.split(',').next().map(str::to_string)).filter(|n| !n.is_empty())
    else {
        return;
    };
    let field = format!("Full-Name: {}", spool::message::added::display_name(&name));
    let at = qf.headers.len().min(2);
    qf.headers.insert(
        at,
        spool::qf::envelope::Header { condition: b"x".to_vec(), text: field.into_bytes() },
    );
}

/// The recipients in the order sendmail's MTA queues what its MSP relayed (reference
/// scenario 16): the MSP sends them in reverse (its delivery chain), the MTA puts
/// the local ones before the others.
fn relay_order(
    mut rcpts: Vec<spool::inbound::InboundRecipient>,
    settings: &Settings,
) -> Vec<spool::inbound::InboundRecipient> {
    rcpts.reverse();
    let local = |r: &spool::inbound::InboundRecipient| {
        r.address.rsplit_once('@').is_some_and(|(_, d)| settings.directory.local_names.contains(d))
    };
    let (mut first, rest): (Vec<_>, Vec<_>) = rcpts.into_iter().partition(local);
    first.extend(rest);
    first
}

type Checked = (Envelope, validate::Submission, Vec<u8>, spool::message::Header);

/// Reads and checks the client files: the qf and df metadata, the qf, its envelope,
/// the header as the MSP would send it.
fn check(settings: &Settings, job: &mut Job) -> Result<Checked, Refused> {
    let qf_path = job.path(FileKind::Control);
    let meta = std::fs::symlink_metadata(&qf_path).map_err(|e| Refused(e.to_string()))?;
    validate::file("qf", &meta, &settings.client_files)?;
    let qf = job.read().map_err(|e| Refused(format!("unreadable queue file: {e}")))?;
    let env = Envelope::from_queue_file(&qf_path, &qf).map_err(|e| Refused(e.to_string()))?;
    let submission = validate::envelope(&env, settings)?;
    let df = read_df(&job.path(FileKind::Data), settings)?;
    let header = sent_header(settings, &env, &submission.sender)?;
    Ok((env, submission, df, header))
}

/// The df, opened without following symlinks, checked like the qf.
fn read_df(path: &std::path::Path, settings: &Settings) -> Result<Vec<u8>, Refused> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| Refused(format!("df: {}", spool::sysexits::strerror(&e))))?;
    let meta = file.metadata().map_err(|e| Refused(e.to_string()))?;
    validate::file("df", &meta, &settings.client_files)?;
    let limit = match settings.max_message_size {
        0 => u64::MAX,
        n => n + 1,
    };
    let mut df = Vec::new();
    file.take(limit).read_to_end(&mut df).map_err(|e| Refused(format!("df: {e}")))?;
    Ok(df)
}

/// The header as sendmail's MSP sends it to its MTA (relay mailer: `Date`, `From`,
/// `Message-Id` written, `Full-Name` and `Return-Path` not, `Bcc` dropped, addresses
/// qualified), read back with spool's header rules.
fn sent_header(
    settings: &Settings,
    env: &Envelope,
    sender: &str,
) -> Result<spool::message::Header, Refused> {
    let g = if sender.is_empty() { "MAILER-DAEMON" } else { sender };
    let render = Render {
        flags: "mDFMuXa8",
        sender: g,
        host: &settings.host,
        headers: &env.headers,
        delete_bcc: env.flags.contains('b'),
        now: jiff::Timestamp::now(),
        rewrite: None,
    };
    let mut text = qualify_header(&render.header(), &settings.host);
    text.push(b'\n');
    let max = settings.max_headers_length.max(1);
    let (header, _) = spool::message::read_header(&mut &text[..], max, false)
        .map_err(|e| Refused(format!("header: {e}")))?;
    if !header.body_start.is_empty() {
        let line = String::from_utf8_lossy(&header.body_start).trim_end().to_string();
        return Err(Refused(format!("header: not a header field: {line:?}")));
    }
    Ok(header)
}

/// The address fields whose bare local names sendmail's relay mailer qualifies.
const ADDRESS_FIELDS: &[&str] = &[
    "From",
    "Sender",
    "Reply-To",
    "To",
    "Cc",
    "Bcc",
    "Resent-From",
    "Resent-Sender",
    "Resent-To",
    "Resent-Cc",
];

/// Adds `@$j` to the addresses without a domain in address fields.
fn qualify_header(header: &[u8], host: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(header);
    let mut out = String::with_capacity(text.len() + 64);
    for field in split_fields(&text) {
        let (name, value) = field.split_once(':').unwrap_or((field, ""));
        if ADDRESS_FIELDS.iter().any(|f| f.eq_ignore_ascii_case(name.trim()))
            && !value.contains('\n')
        {
            let list: Vec<String> =
                split_commas(value).iter().map(|a| qualify_one(a, host)).collect();
            out.push_str(&format!("{name}: {}\n", list.join(", ")));
        } else {
            out.push_str(field);
            out.push('\n');
        }
    }
    out.into_bytes()
}

/// The addresses of an address field: split at commas outside quotes, comments and
/// angle brackets (blanks are part of an address there, unlike in a recipient list).
fn split_commas(value: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        let n = spool::address::scan_to(rest, ',');
        if !rest[..n].trim().is_empty() {
            out.push(rest[..n].trim());
        }
        if n >= rest.len() {
            return out;
        }
        rest = &rest[n + 1..];
    }
}

/// The fields of a header text, each with its continuation lines, without the last LF.
fn split_fields(text: &str) -> Vec<&str> {
    let mut fields = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let next = bytes.get(i + 1);
        if b == b'\n' && !matches!(next, Some(b' ') | Some(b'\t')) {
            fields.push(&text[start..i]);
            start = i + 1;
        }
    }
    if start < text.len() {
        fields.push(&text[start..]);
    }
    fields
}

/// `root` -> `root@host`, `Name <root>` -> `Name <root@host>`; others unchanged.
fn qualify_one(addr: &str, host: &str) -> String {
    let addr = addr.trim();
    if let (Some(open), true) = (addr.rfind('<'), addr.ends_with('>')) {
        let inner = &addr[open + 1..addr.len() - 1];
        if !inner.is_empty() && !inner.contains('@') {
            return format!("{}<{inner}@{host}>", &addr[..open]);
        }
        return addr.to_string();
    }
    let plain = !addr.contains(['@', '"', '(', ' ', ':', ';']);
    if plain && !addr.is_empty() {
        format!("{addr}@{host}")
    } else {
        addr.to_string()
    }
}

fn header_value(env: &Envelope, name: &str) -> Option<String> {
    env.headers.iter().find_map(|h| {
        let text = String::from_utf8_lossy(&h.text);
        let (n, v) = text.split_once(':')?;
        n.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

/// The MTA's `from=` line for a picked-up message.
fn from_line(id: &QueueId, env: &Envelope, size: u64, msgid: Option<&str>) -> String {
    let mut line = format!(
        "{id}: from={}, size={size}, class=0, nrcpts={}",
        String::from_utf8_lossy(&env.sender),
        env.recipients.len()
    );
    if let Some(m) = msgid {
        line.push_str(&format!(", msgid={m}"));
    }
    line.push_str(", proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]");
    line
}

#[cfg(test)]
mod tests;
