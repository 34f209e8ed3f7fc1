//! A typed view of a qf: the envelope a program builds or reads.
//!
//! [`Envelope::to_queue_file`] writes lines in the order sendmail 8.17's `queueup`
//! does: `V T K N P [I] [B] [M] F $-macros [q] S [Z] [A] [!]` (the `q` placement is
//! what the real `hf` files show), then per recipient
//! `[M] [C] [Q] [r] R`, then the headers, then `.`. [`Envelope::from_queue_file`] reads
//! one back (lines it does not model are not kept: rewrite the [`QueueFile`] itself
//! when every line must survive).

use super::{Code, QueueFile};

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
    /// Recipients in order.
    pub recipients: Vec<Recipient>,
    /// Headers in order.
    pub headers: Vec<Header>,
}

impl Envelope {
    /// The qf lines of this envelope, in sendmail's order, ending with `.`.
    pub fn to_queue_file(&self) -> QueueFile {
        let mut qf = QueueFile::new();
        qf.push(Code::Version, "8");
        qf.push(Code::CreationTime, self.created.to_string());
        qf.push(Code::LastAttempt, self.last_attempt.to_string());
        qf.push(Code::Attempts, self.attempts.to_string());
        qf.push(Code::Priority, self.priority.to_string());
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

    /// Reads the envelope from a parsed qf (numbers that do not parse read as 0).
    pub fn from_queue_file(qf: &QueueFile) -> Envelope {
        let mut env = Envelope::default();
        let mut pending = Recipient::default();
        let mut controller = None;
        let mut seen_flags = false;
        for line in &qf.lines {
            let value = line.value.as_slice();
            match line.code() {
                Some(Code::CreationTime) => env.created = number(value),
                Some(Code::LastAttempt) => env.last_attempt = number(value),
                Some(Code::Attempts) => env.attempts = number(value) as u32,
                Some(Code::Priority) => env.priority = number(value),
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
        env
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

fn number(value: &[u8]) -> i64 {
    std::str::from_utf8(value).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

fn text(value: &[u8]) -> String {
    String::from_utf8_lossy(value).into_owned()
}
