//! Queueing a message read from stdin into the client queue, as sendmail's MSP does.
//!
//! The qf gets what the MSP writes (reference queue 01-07): `$_ user@localhost` and
//! `${daemon_flags}c u`, `S` as typed, `A` (`$f@$j`) for a trusted sender, one
//! `C:addr` / `rRFC822; addr@$j` / `R<flags>:addr` group per recipient, and the headers
//! `Return-Path` (`?P?`), `Received`, then `Date` (`?D?`), `From` (`?F?`), `Full-Name`
//! (`?x?`), `Message-Id` (`?M?`) unless the message has them, then any
//! `X-Authentication-Warning`s, then the message's own fields: the pieces every
//! queue file has are `spool::inbound`'s, the priority is `spool::settings`' rule
//! and the file mode `spool::queue::file_mode`'s, so a message queued here and one
//! received by `smtpd` follow the same rules. The message is committed durably (df,
//! tf, fsync, rename, directory fsync) before anyone is told it was queued.

use crate::body;
use crate::recipients::{self, Recipients};
use crate::settings::Settings;
use anyhow::{Context, Result};
use jiff::{tz::TimeZone, Timestamp};
use spool::inbound::{hdr, message_fields, notify_flags, return_path, Added};
use spool::log::{FromRecord, Record, ToRecord};
use spool::message::{added, read_header, Header, MessageError};
use spool::qf::envelope::{Envelope, Header as QfHeader, Recipient};
use spool::queue::{NewMessage, Queue, QueueId};
use spool::sysexits::{Exit, EX_DATAERR};
use std::io::BufRead;

/// What a queued submission produced.
#[derive(Debug)]
pub struct Queued {
    /// The queue ID, if a message was queued.
    pub id: Option<QueueId>,
    /// Lines to print on stdout (`addr... error`), in order.
    pub messages: Vec<String>,
    /// What to log, for the message's queue ID.
    pub log: Vec<Record>,
    /// Whether an error was reported (exit code 64) although the message was queued.
    pub soft_error: bool,
}

/// Who the message is from, as the qf and the headers need it.
struct Sender {
    /// The `S` value (as typed, `<>` for the null sender).
    envelope: String,
    /// The address for `From:` and `$g`.
    address: String,
    full_name: Option<String>,
    /// Whether the caller may set it (no authentication warning, `A` line written).
    trusted: bool,
}

/// Reads the message from `input` and queues it.
pub fn enqueue(settings: &Settings, input: &mut dyn BufRead, now: Timestamp) -> Result<Queued> {
    let host = host_name(settings);
    let mut messages = settings.soft_errors.clone();
    let sender = sender(settings, &mut messages);
    // MaxHeadersLength 0 is no limit, as in sendmail.
    let max_header = match settings.resolved.limits.max_headers_length {
        0 => usize::MAX,
        n => n,
    };
    let (header, ended) = match read_header(input, max_header, !settings.ignore_dots) {
        Ok(read) => read,
        Err(e @ (MessageError::TooLarge(_) | MessageError::Nul | MessageError::Syntax(_))) => {
            return Err(Exit { code: EX_DATAERR, message: e.to_string() }.into())
        }
        Err(e) => return Err(e).context("reading the message from standard input"),
    };
    let rcpts =
        recipients::collect(&settings.recipients, settings.read_recipients.then_some(&header));
    messages.extend(rcpts.errors.iter().cloned());
    let soft_error = !messages.is_empty();
    if rcpts.list.is_empty() {
        if settings.read_recipients {
            messages.push("No recipient addresses found in header".into());
        }
        return Ok(Queued { id: None, messages, log: Vec::new(), soft_error });
    }
    let queue = Queue::open(&settings.queue_dir).with_file_mode(file_mode(settings));
    let mut msg = queue
        .new_message()
        .with_context(|| format!("cannot queue in {}", settings.queue_dir.display()))?;
    let body = if ended {
        body::BodyStats::default()
    } else {
        let mut sink = |bytes: &[u8]| msg.write_body(bytes).map_err(std::io::Error::from);
        body::copy(input, &header.body_start, !settings.ignore_dots, &mut sink)?
    };
    let size = header.size as u64 + body.size;
    let parts =
        Parts { settings, host: &host, sender: &sender, header: &header, rcpts: &rcpts, now };
    let env = parts.envelope(msg.id(), size, header.eight_bit || body.eight_bit);
    let log = log_lines(&parts, &env, size);
    let id = commit(msg, &env)?;
    Ok(Queued { id: Some(id), messages, log, soft_error })
}

fn commit(msg: NewMessage, env: &Envelope) -> Result<QueueId> {
    let id = msg.id().clone();
    msg.commit(&env.to_queue_file()).with_context(|| format!("{id}: cannot commit the message"))?;
    Ok(id)
}

/// Queue file mode: the `QueueFileMode` the queue's configuration sets, by
/// `spool::queue::file_mode`'s rule.
pub fn file_mode(settings: &Settings) -> u32 {
    spool::queue::file_mode(settings.queue_writer().file_mode, settings.client_queue)
}

/// `$j`: the canonical name of this mail system (`spool::host::canonical_name`).
pub fn host_name(settings: &Settings) -> String {
    spool::host::canonical_name(&settings.resolved.names)
}

fn sender(settings: &Settings, messages: &mut Vec<String>) -> Sender {
    let caller = &settings.caller;
    let trusted = caller.is_trusted(&trusted_users(settings));
    let Some(given) = settings.sender.as_deref() else {
        let full_name = settings.full_name.clone().or(caller.full_name.clone());
        return Sender {
            envelope: caller.name.clone(),
            address: caller.name.clone(),
            full_name,
            trusted: true,
        };
    };
    if given.is_empty() || given == "<>" {
        return Sender { envelope: "<>".into(), address: "<>".into(), full_name: None, trusted };
    }
    match spool::address::parse(given) {
        Ok(parsed) => {
            // sendmail parses the sender twice and reports each time (cli/dash-f-root).
            for e in &parsed.repaired {
                messages.push(format!("{given}... {e}"));
                messages.push(format!("{given}... {e}"));
            }
        }
        Err(e) => messages.push(format!("{given}... {e}")),
    }
    let address = given.trim_start_matches('<').trim_end_matches('>').to_string();
    let local = !address.contains('@');
    let full_name = if local {
        settings.full_name.clone().or_else(|| crate::user::full_name_of(&address))
    } else {
        None
    };
    let trusted = trusted || address == caller.name;
    Sender { envelope: given.to_string(), address, full_name, trusted }
}

/// Class `t`: `confTRUSTED_USERS` (with root, daemon, uucp) plus, with
/// `FEATURE(use_ct_file)`, the trusted-users file (missing: no more names).
fn trusted_users(settings: &Settings) -> Vec<String> {
    let names = &settings.resolved.names;
    let mut users = names.trusted_users.clone();
    if let Some(file) = &names.ct_file {
        if let Ok(class) = spool::classfile::Class::read(&file.path, true) {
            users.extend(class.names().iter().cloned());
        }
    }
    users
}

/// The pieces an envelope is built from.
struct Parts<'a> {
    settings: &'a Settings,
    host: &'a str,
    sender: &'a Sender,
    header: &'a Header,
    rcpts: &'a Recipients,
    now: Timestamp,
}

impl Parts<'_> {
    fn envelope(&self, id: &QueueId, size: u64, eight_bit: bool) -> Envelope {
        let s = self.settings;
        let mut macros =
            vec![("_".to_string(), format!("{}@localhost", s.caller.name).into_bytes())];
        if let Some(r) = &s.protocol.0 {
            macros.push(("r".into(), r.clone().into_bytes()));
        }
        if let Some(host) = &s.protocol.1 {
            macros.push(("s".into(), host.clone().into_bytes()));
        }
        macros.push(("{daemon_flags}".into(), b"c u".to_vec()));
        Envelope {
            created: self.now.as_second(),
            priority: s.resolved.queue.priority(size, self.rcpts.list.len()),
            body_type: s.body_type.clone(),
            flags: self.flags(eight_bit),
            macros,
            sender: self.sender.envelope.clone().into_bytes(),
            envid: s.envid.clone().map(String::into_bytes),
            auth: self.sender.trusted.then(|| self.auth().into_bytes()),
            recipients: self.recipients(),
            headers: self.headers(id),
            ..Envelope::default()
        }
    }

    /// `F` letters in sendmail's order: `8`, `b` (-t), `d`/`n` (-R), `s`.
    fn flags(&self, eight_bit: bool) -> String {
        let s = self.settings;
        let mut flags = String::new();
        for (set, letter) in [
            (eight_bit, '8'),
            (s.read_recipients, 'b'),
            (s.ret_hdrs.is_some(), 'd'),
            (s.ret_hdrs == Some(true), 'n'),
            (true, 's'),
        ] {
            if set {
                flags.push(letter);
            }
        }
        flags
    }

    fn auth(&self) -> String {
        let a = &self.sender.address;
        if a == "<>" || a.contains('@') {
            a.clone()
        } else {
            format!("{a}@{}", self.host)
        }
    }

    fn recipients(&self) -> Vec<Recipient> {
        let notify =
            notify_flags(self.settings.notify.as_ref().map(|n| (n.success, n.failure, n.delay)));
        let rcpt = |a: &str| Recipient {
            flags: format!("P{notify}"),
            address: a.as_bytes().to_vec(),
            controller: Some(format!(":{a}").into_bytes()),
            final_recipient: Some(
                format!("RFC822; {}", recipients::qualified(a, self.host)).into_bytes(),
            ),
            ..Recipient::default()
        };
        self.rcpts.list.iter().map(|r| rcpt(&r.address)).collect()
    }

    fn headers(&self, id: &QueueId) -> Vec<QfHeader> {
        let tz = TimeZone::system();
        let date = added::arpadate(self.now, &tz);
        let single = (self.rcpts.list.len() == 1).then(|| self.rcpts.list[0].address.as_str());
        let user = &self.settings.caller.name;
        let mut out = vec![
            return_path(),
            hdr(
                "",
                &format!(
                    "Received: {}",
                    added::received_submit(user, self.host, id.as_str(), single, &date)
                ),
            ),
        ];
        let added = Added {
            now: self.now,
            id,
            host: self.host,
            from: &self.sender.address,
            full_name: self.sender.full_name.as_deref(),
        };
        out.extend(added.missing_fields(self.header));
        let warnings = self.warnings();
        out.extend(warnings.iter().map(|w| hdr("", &format!("X-Authentication-Warning: {w}"))));
        out.extend(message_fields(self.header));
        out
    }

    /// `X-Authentication-Warning` texts for an untrusted caller (PrivacyOptions
    /// `authwarnings`, sendmail's default).
    fn warnings(&self) -> Vec<String> {
        let s = self.settings;
        if self.sender.trusted && !s.caller_chose_paths || !s.resolved.privacy.authwarnings {
            return Vec::new();
        }
        if s.caller.uid == 0 {
            return Vec::new();
        }
        let w = spool::host::system_name();
        let user = &s.caller.name;
        let mut out = Vec::new();
        if !self.sender.trusted {
            out.push(format!("{w}: {user} set sender to {} using -f", self.sender.envelope));
        }
        if s.moved_queue {
            out.push(format!("{w}: Processed from queue {}", s.queue_dir.display()));
        }
        if let Some(file) = &s.config_file {
            out.push(format!("{w}: Processed by {user} with -C {}", file.display()));
        }
        out
    }
}

/// sendmail's `from=` and `to=` records for a queued submission.
fn log_lines(parts: &Parts, env: &Envelope, size: u64) -> Vec<Record> {
    let msgid = parts.header.get("Message-Id").map(|f| f.unfolded()).or_else(|| env.message_id());
    let mut records = vec![Record::From(FromRecord {
        from: parts.sender.envelope.clone(),
        size,
        nrcpts: parts.rcpts.list.len(),
        msgid: Some(msgid.unwrap_or_default()),
        relay: format!("{}@localhost", parts.settings.caller.name),
        ..FromRecord::default()
    })];
    for r in &parts.rcpts.list {
        records.push(Record::To(ToRecord {
            to: vec![r.address.clone()],
            mailer: Some("relay".into()),
            pri: env.priority,
            stat: "queued".into(),
            ..ToRecord::default()
        }));
    }
    records
}
