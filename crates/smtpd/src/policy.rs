//! The daemon's answers to a session's questions ([`AsyncPolicy`]).
//!
//! Checks come from [`crate::checks`]; message text goes to a [`Store`] and the
//! commit runs on the blocking pool, so no question ever blocks a runtime thread.
//! Every session has a queue ID from its start, as sendmail's has (its log lines
//! carry it); a transaction that ends, accepted or not, is logged with its `from=`
//! line and the next one gets a fresh ID.
//!
//! `DISCARD` (access `Connect:` or `From:`): the message is accepted as usual, `250`
//! and all, and thrown away instead of committed.

use crate::log;
use crate::shared::Shared;
use crate::store::Store;
use smtp::server::{
    Answer, AsyncPolicy, AuthStep, BodyType, ClientInfo, CommitError, Connect, Decision, Envelope,
    Event, MessagePart, Question, Reply, Ret,
};
use spool::inbound::{self, Inbound, InboundRecipient, Notify};
use spool::log::Severity;
use spool::queue::{next_id, QueueId};
use spool::settings::Listener;
use std::sync::Arc;

/// One session's policy.
pub struct DaemonPolicy {
    shared: Arc<Shared>,
    listener: Arc<Listener>,
    client: ClientInfo,
    id: QueueId,
    relay: bool,
    discard_connection: bool,
    discard_sender: bool,
    store: Option<Store>,
    /// TLS details for `Received:`, once the handshake is done.
    pub tls: Option<String>,
}

impl DaemonPolicy {
    /// The policy of a session with `client` on `listener`.
    pub fn new(shared: Arc<Shared>, listener: Arc<Listener>, client: ClientInfo) -> DaemonPolicy {
        DaemonPolicy {
            shared,
            listener,
            client,
            id: next_id(),
            relay: false,
            discard_connection: false,
            discard_sender: false,
            store: None,
            tls: None,
        }
    }

    fn log(&self, severity: Severity, line: &str) {
        log::log(&self.shared.syslog, severity, line);
    }

    fn connect(&mut self) -> Connect {
        let Some(ip) = self.client.addr else { return Connect::Accept };
        let verdict = self.shared.checks.connect(ip);
        self.relay = verdict.relay;
        self.discard_connection = verdict.discard;
        verdict.connect
    }

    fn mail(&mut self, address: &str, raw: &str) -> Decision {
        match self.shared.checks.mail(address, raw) {
            Ok(discard) => {
                self.discard_sender = discard;
                if discard {
                    let relay = &self.client.description;
                    self.log(
                        Severity::Notice,
                        &format!(
                            "{}: ruleset=check_mail, arg1={raw}, relay={relay}, discard",
                            self.id
                        ),
                    );
                }
                Decision::Accept
            }
            Err(reply) => self.refuse("check_mail", raw, reply),
        }
    }

    fn rcpt(&mut self, address: &str, raw: &str, envelope: &Envelope) -> Decision {
        if let Err(reply) = self.shared.checks.rcpt(address, raw, self.relay) {
            return self.refuse("check_rcpt", raw, reply);
        }
        let first = envelope.recipients.iter().find(|r| r.address.eq_ignore_ascii_case(address));
        match first {
            Some(first) => Decision::AcceptAs(first.raw.clone()),
            None => Decision::Accept,
        }
    }

    fn refuse(&self, ruleset: &str, arg: &str, reply: Reply) -> Decision {
        let text = String::from_utf8_lossy(&reply.to_bytes()).trim_end().to_string();
        let line =
            log::reject_line(self.id.as_str(), ruleset, arg, &self.client.description, &text);
        self.log(Severity::Notice, &line);
        Decision::Reject(reply)
    }

    fn space(&self, size: u64) -> bool {
        let min = self.shared.settings.server.limits.min_free_blocks;
        let Ok(stat) = nix::sys::statvfs::statvfs(&self.shared.settings.server.queue_dir) else {
            return true;
        };
        let free = stat.blocks_available();
        let needed = min + size.div_ceil(stat.block_size().max(1));
        min == 0 || free > needed
    }

    async fn commit(&mut self, envelope: Envelope) -> Result<String, CommitError> {
        let store = self
            .store
            .take()
            .ok_or_else(|| CommitError::Io(std::io::Error::other("no message store open")))?;
        let daemon = self.listener.name.clone();
        if self.discard_connection || self.discard_sender {
            let line =
                log::from_line(self.id.as_str(), &envelope, envelope.message_size, None, &daemon);
            self.log(Severity::Info, &line);
            return Ok(std::mem::replace(&mut self.id, next_id()).to_string());
        }
        let inbound = self.inbound(&envelope, store.eight_bit());
        let host = self.shared.settings.server.host_name.clone();
        let shared = self.shared.clone();
        let rcpts = envelope.recipients.len();
        let committed = store
            .commit(envelope.message_size, move |id, header, size| {
                let priority = shared.settings.resolved.queue.priority(size, rcpts);
                let now = jiff::Timestamp::now();
                inbound.queue_file(id, &host, now, header, priority)
            })
            .await?;
        let line = log::from_line(
            committed.id.as_str(),
            &envelope,
            committed.size,
            committed.msgid.as_deref(),
            &daemon,
        );
        self.log(Severity::Info, &line);
        self.id = next_id();
        Ok(committed.id.to_string())
    }

    fn inbound(&self, envelope: &Envelope, eight_bit: bool) -> Inbound {
        let sender = &envelope.sender;
        Inbound {
            client: envelope.client.description.clone(),
            helo: envelope.helo.clone().unwrap_or_default(),
            protocol: envelope.protocol.as_str().to_string(),
            tls: self.tls.clone(),
            auth_id: envelope.auth_id.clone(),
            sender: sender.address.clone(),
            body_type: match sender.body {
                BodyType::Unspecified => None,
                BodyType::SevenBit => Some("7BIT".into()),
                BodyType::EightBitMime => Some("8BITMIME".into()),
            },
            ret: sender.ret.map(|r| match r {
                Ret::Full => inbound::Ret::Full,
                Ret::Hdrs => inbound::Ret::Hdrs,
            }),
            envid: sender.envid.clone(),
            auth_param: sender.auth.clone(),
            recipients: envelope
                .recipients
                .iter()
                .map(|r| InboundRecipient {
                    address: r.address.clone(),
                    notify: r.notify.map(|n| Notify {
                        success: n.success,
                        failure: n.failure,
                        delay: n.delay,
                    }),
                    orcpt: r.orcpt.clone(),
                })
                .collect(),
            eight_bit,
            daemon_flags: self.listener.modifiers.letters.clone(),
        }
    }
}

impl AsyncPolicy for DaemonPolicy {
    async fn answer(&mut self, question: Question) -> Answer {
        match question {
            Question::Connect(_) => Answer::Connect(self.connect()),
            Question::Space { size } => Answer::Space(self.space(size)),
            Question::Mail { sender, .. } => {
                Answer::Decision(self.mail(&sender.address, &sender.raw))
            }
            Question::Rcpt { recipient, envelope } => {
                Answer::Decision(self.rcpt(&recipient.address, &recipient.raw, &envelope))
            }
            Question::Vrfy(arg) => {
                Answer::Reply(Reply::new(252, "2.5.2", format!("<{arg}>... Cannot VRFY user")))
            }
            Question::Expn(_) => {
                Answer::Reply(Reply::new(502, "5.7.0", "Sorry, we do not allow this operation"))
            }
            Question::Etrn(node) => Answer::Reply(Reply::new(
                458,
                "4.0.0",
                format!("Unable to queue messages for node {node}"),
            )),
            Question::AuthStart { .. } | Question::AuthContinue(_) => {
                Answer::Auth(AuthStep::Failure)
            }
            Question::Data(_) => {
                self.store = Some(Store::new(self.shared.queue.clone(), self.id.clone()));
                Answer::Data(Ok(()))
            }
            Question::Commit(envelope) => Answer::Commit(self.commit(envelope).await),
        }
    }

    async fn message(&mut self, part: MessagePart) {
        let Some(store) = self.store.as_mut() else { return };
        match part {
            MessagePart::Header(line) => store.header(&line),
            MessagePart::Body(chunk) => store.body(chunk).await,
            MessagePart::Abort => self.store = None,
        }
    }

    fn event(&mut self, event: Event) {
        let daemon = self.listener.name.clone();
        if let Event::TransactionEnded(envelope) = &event {
            let line = log::from_line(self.id.as_str(), envelope, 0, None, &daemon);
            self.log(Severity::Info, &line);
            self.id = next_id();
            return;
        }
        if let Some((severity, line)) =
            log::event_line(self.id.as_str(), &event, &self.client.description, &daemon)
        {
            self.log(severity, &line);
        }
    }
}
