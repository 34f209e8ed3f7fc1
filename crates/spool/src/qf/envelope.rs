//! A typed view of a qf: the envelope a program builds or reads.
//!
//! [`Envelope::to_queue_file`] writes lines in the order sendmail 8.17's `queueup`
//! does: `V T K N P [d] [I] [B] [M] F $-macros [q] S [Z] [A] [!]` (the `q` placement
//! is what the real `hf` files show), then per recipient
//! `[M] [C] [Q] [r] R`, then the headers, then `.`. [`Envelope::from_queue_file`] reads
//! one back; every line sendmail writes is modelled, so a complete qf that sendmail
//! wrote reads and writes back byte for byte (the obsolete `D`, `E`, `L` lines and
//! unknown lines are not kept: rewrite the [`QueueFile`] itself when they must survive).
//!
//! # Errors
//! [`Envelope::from_queue_file`]: a `T`, `K`, `N` or `P` value that is not a number
//! ([`QfErrorKind::BadNumber`], with the file and line), rather than a 0 that a
//! rewrite would store.

use super::{Code, QfError, QfErrorKind, QueueFile};
use crate::status::DeliveryStatus;
use std::path::Path;
use std::str::FromStr;

/// One envelope recipient with the lines that go with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recipient {
    /// `R` flags before the colon (`P`, `N`, `S`, `F`, `D`, `A`, `B`).
    pub flags: String,
    /// The address as written after the colon.
    pub address: Vec<u8>,
    /// `C` line value in force for this recipient (`None`: no `C` line written).
    pub controller: Option<Vec<u8>>,
    /// `Q` line: DSN original recipient.
    pub original: Option<Vec<u8>>,
    /// `r` line: DSN final recipient.
    pub final_recipient: Option<Vec<u8>>,
    /// `M` line: this recipient's last status.
    pub status: Option<Vec<u8>>,
}

impl Recipient {
    /// The status of this recipient's `M` line (`Deferred: 451 4.2.0 text`), when it
    /// holds one ([`DeliveryStatus::parse_queue_message`]).
    pub fn delivery_status(&self) -> Option<DeliveryStatus> {
        let line = String::from_utf8_lossy(self.status.as_deref()?);
        DeliveryStatus::parse_queue_message(&line)
    }

    /// Records `status` in the `M` line, as sendmail writes it after an attempt.
    pub fn set_delivery_status(&mut self, status: &DeliveryStatus) {
        self.status = Some(status.queue_message().into_bytes());
    }
}

/// One header: the `?condition?` and the `Field: value` text (continuations included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Mailer flags or macro condition between the `?`s; empty for unconditional.
    pub condition: Vec<u8>,
    /// `Name: value`, with continuation lines joined by `\n`.
    pub text: Vec<u8>,
}

/// The envelope of one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    /// `T`: creation time, seconds since the epoch.
    pub created: i64,
    /// `K`: last delivery attempt (0: never).
    pub last_attempt: i64,
    /// `N`: delivery attempts so far.
    pub attempts: u32,
    /// `P`: priority.
    pub priority: i64,
    /// `d`: the queue directory holding the df, when it is not the qf's.
    pub data_dir: Option<Vec<u8>>,
    /// `I`: `major/minor/inode` of the df (written by sendmail, ignored when read).
    pub data_inode: Option<Vec<u8>>,
    /// `B`: body type (`7BIT`, `8BITMIME`).
    pub body_type: Option<String>,
    /// `q`: quarantine reason.
    pub quarantine: Option<Vec<u8>>,
    /// `M` before `F`: the envelope's status message.
    pub message: Option<Vec<u8>>,
    /// `F`: envelope flag letters.
    pub flags: String,
    /// `$` lines: macro name (`_`, `r`, `{daemon_flags}`) and value.
    pub macros: Vec<(String, Vec<u8>)>,
    /// `S`: envelope sender as received.
    pub sender: Vec<u8>,
    /// `Z`: DSN envelope ID.
    pub envid: Option<Vec<u8>>,
    /// `A`: AUTH= parameter.
    pub auth: Option<Vec<u8>>,
    /// `!`: DELIVERBY, a mode byte (sendmail writes it raw, e.g. 0x02), a space and
    /// the seconds, as written.
    pub deliver_by: Option<Vec<u8>>,
    /// Recipients in order.
    pub recipients: Vec<Recipient>,
    /// Headers in order.
    pub headers: Vec<Header>,
}

impl Envelope {
    /// The `Message-Id:` value the message carries (its own or the one added),
    /// unfolded, as sendmail logs it (`msgid=<...>`).
    pub fn message_id(&self) -> Option<String> {
        self.headers.iter().find_map(|h| {
            let text = String::from_utf8_lossy(&h.text);
            let (name, value) = text.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("Message-Id")
                .then(|| value.trim().replace(['\n', '\t'], ""))
        })
    }

    /// The qf lines of this envelope, in sendmail's order, ending with `.`.
    pub fn to_queue_file(&self) -> QueueFile {
        let mut qf = QueueFile::new();
        qf.push(Code::Version, "8");
        qf.push(Code::CreationTime, self.created.to_string());
        qf.push(Code::LastAttempt, self.last_attempt.to_string());
        qf.push(Code::Attempts, self.attempts.to_string());
        qf.push(Code::Priority, self.priority.to_string());
        push_opt(&mut qf, Code::DataDir, self.data_dir.as_deref());
        push_opt(&mut qf, Code::DataInode, self.data_inode.as_deref());
        push_opt(&mut qf, Code::BodyType, self.body_type.as_ref().map(|b| b.as_bytes()));
        push_opt(&mut qf, Code::Message, self.message.as_deref());
        qf.push(Code::Flags, self.flags.as_bytes());
        for (name, value) in &self.macros {
            let mut line = macro_name(name).into_bytes();
            line.extend_from_slice(value);
            qf.push(Code::Macro, line);
        }
        push_opt(&mut qf, Code::Quarantine, self.quarantine.as_deref());
        qf.push(Code::Sender, self.sender.as_slice());
        push_opt(&mut qf, Code::EnvelopeId, self.envid.as_deref());
        push_opt(&mut qf, Code::Auth, self.auth.as_deref());
        push_opt(&mut qf, Code::DeliverBy, self.deliver_by.as_deref());
        self.push_recipients(&mut qf);
        for h in &self.headers {
            let mut line = b"?".to_vec();
            line.extend_from_slice(&h.condition);
            line.push(b'?');
            line.extend_from_slice(&h.text);
            qf.push(Code::Header, line);
        }
        qf.push(Code::End, "");
        qf
    }

    fn push_recipients(&self, qf: &mut QueueFile) {
        let mut controller: Option<&[u8]> = None;
        for r in &self.recipients {
            push_opt(qf, Code::Message, r.status.as_deref());
            if r.controller.as_deref() != controller {
                qf.push(Code::Controller, r.controller.clone().unwrap_or_default());
                controller = r.controller.as_deref();
            }
            push_opt(qf, Code::OriginalRecipient, r.original.as_deref());
            push_opt(qf, Code::FinalRecipient, r.final_recipient.as_deref());
            let mut line = r.flags.clone().into_bytes();
            line.push(b':');
            line.extend_from_slice(&r.address);
            qf.push(Code::Recipient, line);
        }
    }

    /// Reads the envelope from `qf`, parsed from `file` (named in errors).
    ///
    /// # Errors
    /// [`QfErrorKind::BadNumber`] when a `T`, `K`, `N` or `P` value is not a number,
    /// with the physical line it is on.
    pub fn from_queue_file(file: &Path, qf: &QueueFile) -> Result<Envelope, QfError> {
        let mut env = Envelope::default();
        let mut pending = Recipient::default();
        let mut controller = None;
        let mut seen_flags = false;
        let mut number = 1;
        for line in &qf.lines {
            let value = line.value.as_slice();
            let at = number;
            number += 1 + value.iter().filter(|&&b| b == b'\n').count();
            match line.code() {
                Some(Code::CreationTime) => env.created = parse_number(file, at, line)?,
                Some(Code::LastAttempt) => env.last_attempt = parse_number(file, at, line)?,
                Some(Code::Attempts) => env.attempts = parse_number(file, at, line)?,
                Some(Code::Priority) => env.priority = parse_number(file, at, line)?,
                Some(Code::DataDir) => env.data_dir = Some(value.to_vec()),
                Some(Code::DataInode) => env.data_inode = Some(value.to_vec()),
                Some(Code::BodyType) => env.body_type = Some(text(value)),
                Some(Code::Quarantine) => env.quarantine = Some(value.to_vec()),
                Some(Code::Message) if !seen_flags => env.message = Some(value.to_vec()),
                Some(Code::Message) => pending.status = Some(value.to_vec()),
                Some(Code::Flags) => {
                    seen_flags = true;
                    env.flags = text(value);
                }
                Some(Code::Macro) => env.macros.push(split_macro(value)),
                Some(Code::Sender) => env.sender = value.to_vec(),
                Some(Code::EnvelopeId) => env.envid = Some(value.to_vec()),
                Some(Code::Auth) => env.auth = Some(value.to_vec()),
                Some(Code::DeliverBy) => env.deliver_by = Some(value.to_vec()),
                Some(Code::Controller) => {
                    controller = (!value.is_empty()).then(|| value.to_vec());
                }
                Some(Code::OriginalRecipient) => pending.original = Some(value.to_vec()),
                Some(Code::FinalRecipient) => pending.final_recipient = Some(value.to_vec()),
                Some(Code::Recipient) => {
                    let (flags, address) = split_recipient(value);
                    pending.flags = flags;
                    pending.address = address;
                    pending.controller = controller.clone();
                    env.recipients.push(std::mem::take(&mut pending));
                }
                Some(Code::Header) => env.headers.push(split_header(value)),
                _ => {}
            }
        }
        Ok(env)
    }
}

fn push_opt(qf: &mut QueueFile, code: Code, value: Option<&[u8]>) {
    if let Some(v) = value {
        qf.push(code, v);
    }
}

/// `_` -> `_`, `daemon_flags` -> `{daemon_flags}` (names already braced stay as they are).
fn macro_name(name: &str) -> String {
    if name.chars().count() == 1 || name.starts_with('{') {
        name.to_string()
    } else {
        format!("{{{name}}}")
    }
}

fn split_macro(value: &[u8]) -> (String, Vec<u8>) {
    if value.first() == Some(&b'{') {
        if let Some(end) = value.iter().position(|&b| b == b'}') {
            return (text(&value[..=end]), value[end + 1..].to_vec());
        }
    }
    match value.split_first() {
        Some((&c, rest)) => ((c as char).to_string(), rest.to_vec()),
        None => (String::new(), Vec::new()),
    }
}

/// `PFD:<a@b>` -> ("PFD", "<a@b>"); a line without a colon is all address.
pub fn split_recipient(value: &[u8]) -> (String, Vec<u8>) {
    match value.iter().position(|&b| b == b':') {
        Some(colon) => (text(&value[..colon]), value[colon + 1..].to_vec()),
        None => (String::new(), value.to_vec()),
    }
}

fn split_header(value: &[u8]) -> Header {
    if value.first() == Some(&b'?') {
        if let Some(end) = value[1..].iter().position(|&b| b == b'?') {
            return Header { condition: value[1..=end].to_vec(), text: value[end + 2..].to_vec() };
        }
    }
    Header { condition: Vec::new(), text: value.to_vec() }
}

/// The number on `line` (physical line `at` of `file`): digits, a `-` first for signed
/// types; anything else (a blank, a `+`, a letter, an overflow) is an error.
fn parse_number<T: FromStr>(file: &Path, at: usize, line: &super::Line) -> Result<T, QfError> {
    let value = line.value.as_slice();
    let digits = value.strip_prefix(b"-").unwrap_or(value);
    let parsed = match !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) {
        true => std::str::from_utf8(value).ok().and_then(|s| s.parse().ok()),
        false => None,
    };
    parsed.ok_or_else(|| {
        let mut text = vec![line.letter];
        text.extend_from_slice(value);
        QfError {
            file: file.to_path_buf(),
            line: at,
            kind: QfErrorKind::BadNumber(String::from_utf8_lossy(&text).into_owned()),
        }
    })
}

fn text(value: &[u8]) -> String {
    String::from_utf8_lossy(value).into_owned()
}
