//! `-bs`: an SMTP session on stdin/stdout, through the one SMTP engine (`smtp`).
//!
//! This is the policy the engine asks: senders are accepted; a recipient on this host
//! must be a user or alias (`550 5.1.1 <x>... User unknown` otherwise, as sendmail
//! answers), others are accepted for relaying by the queue runner. Each message is
//! written straight into a new df while it arrives and committed durably (df, tf,
//! fsync, rename, directory fsync) before the engine may answer `250 ... Message
//! accepted for delivery`. The header lines the engine hands over are taken one by
//! one into a [`Header`] by the rule the engine split them with
//! (`spool::message::syntax`), so every line it accepted as header is stored.
//!
//! The qf is the one `smtpd` writes for the same transaction: `spool::inbound` builds
//! it from the engine's envelope ([`smtp::server::Envelope::inbound`]) with the
//! priority of `spool::settings::QueueSettings::priority`. The log line is sendmail's for `-bs`: one
//! `from=` record with `proto=` and no `daemon=` (sendmail logs no `to=` line for a
//! message it only queued over SMTP).
//!
//! # Errors
//! Queue errors keep their kind on their way to the engine: a full disk or quota
//! (while the df is written or at the commit) is answered `421 4.3.1 Out of disk
//! space for temp file` and ends the session, as sendmail does, and is logged as
//! sendmail logs it (`SYSERR(user): Out of disk space for temp file`).

use crate::enqueue;
use crate::settings::Settings;
use crate::verify::Verifier;
use anyhow::Result;
use jiff::{tz::TimeZone, Timestamp};
use smtp::server::{
    self, BodySink, ClientInfo, CommitError, Decision, Envelope, Policy, PolicySession, Recipient,
    Reply, Sender,
};
use spool::log::{FromRecord, Record, Syslog};
use spool::message::{added, Header, Step};
use spool::queue::{NewMessage, Queue};
use spool::sysexits::EX_OK;
use std::io;

/// Runs the session on stdin/stdout; returns the exit code.
pub fn run(settings: &Settings) -> Result<i32> {
    let host = enqueue::host_name(settings);
    let client = ClientInfo::local(&settings.caller.name);
    let policy = SubmitPolicy {
        settings,
        host: host.clone(),
        syslog: Syslog::new(&settings.log_tag),
        verifier: Verifier::load(settings)?,
        queue: Queue::open(&settings.queue_dir).with_file_mode(enqueue::file_mode(settings)),
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
        self.msg.write_body(chunk).map_err(io::Error::from)
    }
}

struct SubmitPolicy<'a> {
    settings: &'a Settings,
    host: String,
    syslog: Syslog,
    verifier: Verifier,
    queue: Queue,
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
        match self.queue.new_message() {
            Ok(msg) => Ok(Incoming { msg, header: Header::default(), eight_bit: false }),
            Err(e) => Err(self.failed(None, CommitError::from(e)).reply()),
        }
    }

    fn commit(&mut self, envelope: &Envelope, sink: Incoming) -> Result<String, CommitError> {
        // The header's bytes, the blank line after it, the body.
        let size = (sink.header.size + 1) as u64 + sink.msg.size();
        let id = sink.msg.id().clone();
        let priority = self.settings.resolved.queue.priority(size, envelope.recipients.len());
        let mut inbound = envelope.inbound(sink.eight_bit, None, "");
        if self.settings.resolved.privacy.authwarnings {
            // sendmail -bs too: `$w: root@localhost didn't use HELO protocol`.
            inbound.warnings.extend(envelope.helo_warning(&spool::host::system_name()));
        }
        let qf = inbound.queue_file(&id, &self.host, Timestamp::now(), &sink.header, priority);
        let committed = sink.msg.commit(&qf.to_queue_file());
        let mut from = FromRecord {
            from: envelope.sender.raw.clone(),
            size,
            nrcpts: envelope.recipients.len(),
            bodytype: envelope.sender.body_given.clone(),
            proto: Some(envelope.protocol.to_string()),
            relay: envelope.client.description.clone(),
            ..FromRecord::default()
        };
        let result = match committed {
            Ok(_) => {
                from.msgid = qf.message_id();
                Ok(id.to_string())
            }
            Err(e) => Err(self.failed(Some(id.as_str()), CommitError::from(e))),
        };
        self.syslog.record(Some(id.as_str()), &Record::From(from));
        result
    }
}

impl SubmitPolicy<'_> {
    /// Logs a queue failure of message `id` as sendmail does (`SYSERR(user): ...`)
    /// and passes it on.
    fn failed(&self, id: Option<&str>, e: CommitError) -> CommitError {
        let text = match &e {
            CommitError::NoSpace => "Out of disk space for temp file".to_string(),
            other => other.to_string(),
        };
        let record = Record::SysErr { user: self.settings.caller.name.clone(), text };
        self.syslog.record(id, &record);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user::Caller;
    use smtp::server::Action;
    use spool::queue::fs::{FileSystem, RealFs};
    use std::fs::File;
    use std::path::Path;
    use std::sync::Arc;

    /// A queue file system that is full: every write fails with `ENOSPC`.
    #[derive(Debug)]
    struct Full;

    impl FileSystem for Full {
        fn create_new(&self, path: &Path, mode: u32) -> io::Result<File> {
            RealFs.create_new(path, mode)
        }
        fn write_all(&self, _file: &mut File, _data: &[u8]) -> io::Result<()> {
            Err(io::Error::from_raw_os_error(nix::errno::Errno::ENOSPC as i32))
        }
        fn sync(&self, file: &File) -> io::Result<()> {
            RealFs.sync(file)
        }
        fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
            RealFs.rename(from, to)
        }
        fn sync_dir(&self, dir: &Path) -> io::Result<()> {
            RealFs.sync_dir(dir)
        }
        fn remove(&self, path: &Path) -> io::Result<()> {
            RealFs.remove(path)
        }
    }

    /// Issue 16 item 5: queue errors reached the engine as `io::Error::other(text)`,
    /// so a full disk was a `451` and the `NoSpace` reply could never be sent. Through
    /// the queue's file-system seam, a full disk is now answered as sendmail answers
    /// it and logged as sendmail logs it, and nothing is left in the queue.
    #[test]
    fn a_full_disk_is_answered_as_sendmail_answers_it() {
        let dir = tempfile::tempdir().unwrap();
        let queue_dir = dir.path().join("q");
        std::fs::create_dir(&queue_dir).unwrap();
        let mc = dir.path().join("sendmail.mc");
        std::fs::write(&mc, format!("define(`MSP_QUEUE_DIR', `{}')dnl\n", queue_dir.display()))
            .unwrap();
        let args = vec!["-C".to_string(), mc.display().to_string(), "-bs".into()];
        let settings =
            crate::settings::resolve(crate::flags::parse(args).unwrap(), Caller::current())
                .unwrap();
        let log = dir.path().join("maillog");
        let policy = SubmitPolicy {
            settings: &settings,
            host: "mail.example".into(),
            syslog: Syslog::from_option("sendmail", Some(&log)).unwrap(),
            verifier: Verifier::load(&settings).unwrap(),
            queue: Queue::open(&queue_dir).with_fs(Arc::new(Full)),
        };
        let client = ClientInfo::local("root");
        let mut session =
            PolicySession::new(engine_settings(&settings, "mail.example"), client, policy);
        session.start();
        let mut said = String::new();
        for line in ["HELO c\r\n", "MAIL FROM:<a@b.example>\r\n", "RCPT TO:<x@y.example>\r\n"]
            .into_iter()
            .chain(["DATA\r\n", "Subject: full\r\n\r\nbody\r\n.\r\n"])
        {
            for action in session.feed(line.as_bytes(), false) {
                match action {
                    Action::Send(bytes) => said = String::from_utf8(bytes).unwrap(),
                    Action::Close => said.push_str("[close]"),
                    _ => {}
                }
            }
        }
        assert_eq!(said, "421 4.3.1 Out of disk space for temp file\r\n[close]");
        assert!(session.is_closed());
        assert_eq!(std::fs::read_dir(&queue_dir).unwrap().count(), 0, "no df, no qf");
        let logged = std::fs::read_to_string(&log).unwrap();
        let user = &settings.caller.name;
        assert!(
            logged.contains(&format!(": SYSERR({user}): Out of disk space for temp file\n")),
            "{logged}"
        );
        assert!(logged.contains(": from=<a@b.example>, size=20, class=0, nrcpts=1, proto=SMTP, relay=root@localhost\n"), "{logged}");
    }
}
