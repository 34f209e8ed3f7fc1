//! `-bs`: an SMTP session on stdin/stdout, through the one SMTP engine (`smtp`).
//!
//! This is the policy the engine asks: senders are accepted; a recipient on this host
//! must be a user or alias (`550 5.1.1 <x>... User unknown` otherwise, as sendmail
//! answers), others are accepted for relaying by the queue runner. Each message is
//! written straight into a new df while it arrives and committed durably (df, tf,
//! fsync, rename, directory fsync) before the engine may answer `250 ... Message
//! accepted for delivery`. The header lines the engine hands over are taken one by
//! one into a [`Header`] by the rule the engine split them with
//! (`spool::message::syntax`), so every line it accepted as header is stored. The qf
//! is the one sendmail's MTA writes for SMTP mail (reference queue 10): `$_` the
//! client, `$r` the protocol, `$s` the HELO name, `S<addr>`, per recipient
//! `rRFC822; addr` and `R<flags>:<addr>`, `Received: from`.

use crate::enqueue;
use crate::fields::{self, Added};
use crate::settings::Settings;
use crate::verify::Verifier;
use anyhow::Result;
use jiff::{tz::TimeZone, Timestamp};
use smtp::server::{
    self, BodySink, BodyType, ClientInfo, CommitError, Decision, Envelope, Policy, PolicySession,
    Recipient, Reply, Ret, Sender,
};
use spool::log::{Severity, Syslog};
use spool::message::{added, Header, Step};
use spool::qf::envelope::{Envelope as QfEnvelope, Recipient as QfRecipient};
use spool::queue::{NewMessage, Queue};
use spool::sysexits::EX_OK;
use std::io;

/// Runs the session on stdin/stdout; returns the exit code.
pub fn run(settings: &Settings) -> Result<i32> {
    let host = enqueue::host_name(settings);
    let client = ClientInfo::local(&settings.caller.name);
    let verifier = Verifier::load(settings)?;
    let policy = SubmitPolicy {
        settings,
        host: host.clone(),
        syslog: Syslog::new(&settings.log_tag),
        verifier,
    };
    let mut session = PolicySession::new(engine_settings(settings, &host), client, policy);
    let stdin = io::stdin();
    let stdout = io::stdout();
    let input = crate::transcript::Tee::new(stdin.lock(), settings.transcript.as_deref())?;
    server::serve_blocking(&mut session, input, stdout.lock())?;
    Ok(EX_OK)
}

/// The engine's settings from the configuration.
fn engine_settings(settings: &Settings, host: &str) -> server::Settings {
    let mut s = server::Settings::new(host);
    let date = added::arpadate(Timestamp::now(), &TimeZone::system());
    s.version = format!("ferrymail {}", env!("CARGO_PKG_VERSION"));
    s.greeting = format!("{host} ESMTP ferrymail {}; {date}", env!("CARGO_PKG_VERSION"));
    let p = &settings.resolved.privacy;
    s.privacy.novrfy = p.novrfy;
    s.privacy.noexpn = p.noexpn;
    s.privacy.noverb = p.noverb;
    s.privacy.needmailhelo = p.needmailhelo;
    s.privacy.noetrn = p.noetrn;
    let l = &settings.resolved.limits;
    s.limits.max_recipients = l.max_recipients;
    s.limits.bad_rcpt_throttle = l.bad_rcpt_throttle;
    s.limits.max_headers_length = l.max_headers_length;
    s.limits.max_message_size = l.max_message_size;
    s
}

/// The message being received: its df, the header and what was seen.
struct Incoming {
    msg: NewMessage,
    header: Header,
    eight_bit: bool,
}

impl BodySink for Incoming {
    /// Takes a line the engine judged a header line; one the header does not take
    /// (impossible while both use `spool::message::syntax`) fails the message rather
    /// than vanish.
    fn header(&mut self, line: &[u8]) -> io::Result<()> {
        self.eight_bit |= line.iter().any(|&b| b >= 0x80);
        match self.header.add(line, true) {
            Ok(Step::Kept) => Ok(()),
            Ok(step) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("header line not taken as a header ({step:?})"),
            )),
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        }
    }

    fn body(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.eight_bit |= chunk.iter().any(|&b| b >= 0x80);
        self.msg.write_body(chunk).map_err(io::Error::other)
    }
}

struct SubmitPolicy<'a> {
    settings: &'a Settings,
    host: String,
    syslog: Syslog,
    verifier: Verifier,
}

impl Policy for SubmitPolicy<'_> {
    type Sink = Incoming;

    fn mail_from(&mut self, _sender: &Sender, _envelope: &Envelope) -> Decision {
        Decision::Accept
    }

    fn rcpt_to(&mut self, recipient: &Recipient, _envelope: &Envelope) -> Decision {
        match self.verifier.local_user_unknown(&recipient.address) {
            true => Decision::Reject(Reply::about(550, "5.1.1", &recipient.raw, "User unknown")),
            false => Decision::Accept,
        }
    }

    fn data(&mut self, _envelope: &Envelope) -> Result<Incoming, Reply> {
        let queue =
            Queue::open(&self.settings.queue_dir).with_file_mode(enqueue::file_mode(self.settings));
        match queue.new_message() {
            Ok(msg) => Ok(Incoming { msg, header: Header::default(), eight_bit: false }),
            Err(e) => {
                self.syslog.log(Severity::Err, &format!("cannot queue: {e}"));
                Err(Reply::new(451, "4.3.0", "Temporary system failure"))
            }
        }
    }

    fn commit(&mut self, envelope: &Envelope, sink: Incoming) -> Result<String, CommitError> {
        // The header's bytes, the blank line after it, the body.
        let size = (sink.header.size + 1) as u64 + sink.msg.size();
        let qf = self.queue_file(envelope, &sink, size);
        let id = sink.msg.id().clone();
        let priority = qf.priority;
        sink.msg
            .commit(&qf.to_queue_file())
            .map_err(|e| CommitError::Io(io::Error::other(e.to_string())))?;
        let from = format!(
            "{id}: from={}, size={size}, class=0, nrcpts={}, proto={}, relay={}",
            envelope.sender.raw,
            envelope.recipients.len(),
            envelope.protocol,
            envelope.client.description
        );
        self.syslog.log(Severity::Info, &from);
        for r in &envelope.recipients {
            self.syslog.log(
                Severity::Info,
                &format!("{id}: to={}, delay=00:00:00, pri={priority}, stat=queued", r.raw),
            );
        }
        Ok(id.to_string())
    }
}

impl SubmitPolicy<'_> {
    fn queue_file(&self, envelope: &Envelope, sink: &Incoming, size: u64) -> QfEnvelope {
        let header = &sink.header;
        let now = Timestamp::now();
        let sender = &envelope.sender;
        let id = sink.msg.id();
        let date = added::arpadate(now, &TimeZone::system());
        let single = match envelope.recipients.as_slice() {
            [only] => Some(format!("<{}>", only.address)),
            _ => None,
        };
        let helo = envelope.helo.clone().unwrap_or_default();
        let received = added::received_smtp(
            &helo,
            &envelope.client.description,
            &self.host,
            envelope.protocol.as_str(),
            id.as_str(),
            single.as_deref(),
            &date,
        );
        let mut headers = vec![fields::return_path(), hdr(&format!("Received: {received}"))];
        let added = Added { now, id, host: &self.host, from: &sender.address, full_name: None };
        headers.extend(added.missing_fields(header));
        headers.extend(fields::message_fields(header));
        let mut flags = String::new();
        for (on, c) in [
            (sink.eight_bit, '8'),
            (true, 'b'),
            (sender.ret.is_some(), 'd'),
            (sender.ret == Some(Ret::Hdrs), 'n'),
            (true, 's'),
        ] {
            if on {
                flags.push(c);
            }
        }
        QfEnvelope {
            created: now.as_second(),
            priority: enqueue::priority(self.settings, size, envelope.recipients.len()),
            body_type: match sender.body {
                BodyType::Unspecified => None,
                BodyType::SevenBit => Some("7BIT".into()),
                BodyType::EightBitMime => Some("8BITMIME".into()),
            },
            flags,
            macros: vec![
                ("_".into(), envelope.client.description.clone().into_bytes()),
                ("r".into(), envelope.protocol.as_str().as_bytes().to_vec()),
                ("s".into(), helo.into_bytes()),
                ("{daemon_flags}".into(), Vec::new()),
            ],
            sender: format!("<{}>", sender.address).into_bytes(),
            envid: sender.envid.clone().map(String::into_bytes),
            auth: sender.auth.clone().map(String::into_bytes),
            recipients: envelope.recipients.iter().map(recipient).collect(),
            headers,
            ..QfEnvelope::default()
        }
    }
}

fn recipient(r: &Recipient) -> QfRecipient {
    let notify = fields::notify_flags(r.notify.map(|n| (n.success, n.failure, n.delay)));
    QfRecipient {
        flags: format!("P{notify}"),
        address: format!("<{}>", r.address).into_bytes(),
        original: r.orcpt.clone().map(String::into_bytes),
        final_recipient: Some(format!("RFC822; {}", r.address).into_bytes()),
        ..QfRecipient::default()
    }
}

fn hdr(text: &str) -> spool::qf::envelope::Header {
    spool::qf::envelope::Header { condition: Vec::new(), text: text.as_bytes().to_vec() }
}
