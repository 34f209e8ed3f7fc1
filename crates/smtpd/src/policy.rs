//! The daemon's answers to a session's questions ([`AsyncPolicy`]).
//!
//! Checks come from [`crate::checks`]; message text goes to a [`Store`] and the
//! commit runs on the blocking pool, so no question ever blocks a runtime thread.
//! Every session has a queue ID from its start, as sendmail's has (its log lines
//! carry it); a transaction that ends, accepted or not, is logged with its `from=`
//! line and the next one gets a fresh ID.
//!
//! `DISCARD` (access `Connect:` or `From:`, or a DNS blocklist's `discard`): the
//! message is accepted as usual, `250` and all, and thrown away instead of committed.
//!
//! DNS blocklists ([`crate::blocklists`]) are asked at connect, after the access map,
//! or with `delay_checks` at the first RCPT that passes the relay check (the verdict is
//! kept for the session's later RCPTs); the lookups are awaited here.
//!
//! AUTH: the mechanism ([`crate::sasl::mech`]) collects the credentials, the
//! configuration's [`crate::sasl::Verifier`] checks them (sasldb2 off the async
//! threads, saslauthd awaited), and the outcome is logged as sendmail logs it
//! ([`crate::log::auth_success`], [`crate::log::auth_failure`]). The mechanism of a
//! successful AUTH decides, through `TRUST_AUTH_MECH`, whether the client may relay.

use crate::blocklists;
use crate::checks::RelayClient;
use crate::log;
use crate::sasl::mech::{Exchange, Mechanism, Step};
use crate::shared::Shared;
use crate::store::Store;
use dns::{ClientName, Verdict};
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
    name: ClientName,
    /// `delay_checks`: the blocklists' verdict, once asked at RCPT.
    delayed: Option<Option<Verdict>>,
    id: QueueId,
    relay: bool,
    discard_connection: bool,
    discard_sender: bool,
    store: Option<Store>,
    /// The AUTH exchange under way: its mechanism and state.
    exchange: Option<(Mechanism, Exchange)>,
    /// The mechanism of the successful AUTH, if any.
    authenticated: Option<Mechanism>,
    /// TLS details for `Received:`, once the handshake is done.
    pub tls: Option<String>,
}

impl DaemonPolicy {
    /// The policy of a session with `client` on `listener`.
    pub fn new(
        shared: Arc<Shared>,
        listener: Arc<Listener>,
        client: ClientInfo,
        name: ClientName,
    ) -> DaemonPolicy {
        DaemonPolicy {
            shared,
            listener,
            client,
            name,
            delayed: None,
            id: next_id(),
            relay: false,
            discard_connection: false,
            discard_sender: false,
            store: None,
            exchange: None,
            authenticated: None,
            tls: None,
        }
    }

    fn log(&self, severity: Severity, line: &str) {
        log::log(&self.shared.syslog, severity, line);
    }

    async fn connect(&mut self) -> Connect {
        let Some(ip) = self.client.addr else { return Connect::Accept };
        let verdict = self.shared.checks.connect(ip);
        self.relay = verdict.relay;
        self.discard_connection = verdict.discard;
        let lists = &self.shared.blocklists;
        if verdict.decided || lists.delayed || lists.is_empty() {
            return verdict.connect;
        }
        let Some(listed) = lists.verdict(&self.shared.resolver, &self.name).await else {
            return verdict.connect;
        };
        self.log(Severity::Notice, &blocklists::relay_line(&self.name, &listed));
        match blocklists::reply(&listed) {
            Some(reply) => Connect::RejectCommands(reply),
            None => {
                self.discard_connection |= listed.outcome == dns::Outcome::Discard;
                verdict.connect
            }
        }
    }

    /// `delay_checks`: the blocklists' verdict at RCPT (asked once per session).
    async fn delayed_lists(&mut self, raw: &str) -> Option<Decision> {
        let lists = &self.shared.blocklists;
        if !lists.delayed || lists.is_empty() || self.shared.checks.connect_decided(&self.name) {
            return None;
        }
        if self.delayed.is_none() {
            self.delayed = Some(lists.verdict(&self.shared.resolver, &self.name).await);
        }
        let listed = self.delayed.clone().flatten()?;
        let Some(reply) = blocklists::reply(&listed) else {
            self.discard_connection |= listed.outcome == dns::Outcome::Discard;
            return None;
        };
        Some(self.refuse("check_rcpt", raw, reply))
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

    async fn rcpt(&mut self, address: &str, raw: &str, envelope: &Envelope) -> Decision {
        let client = RelayClient {
            by_address: self.relay,
            trusted_auth: self.authenticated.is_some_and(|m| self.shared.auth.trusts(m.name())),
            name: self.client.addr.is_some().then_some(&self.name),
        };
        if let Err(reply) = self.shared.checks.rcpt(address, raw, client) {
            return self.refuse("check_rcpt", raw, reply);
        }
        if let Some(refused) = self.delayed_lists(raw).await {
            return refused;
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

    /// AUTH `mechanism` (one the session offered) with its initial response.
    async fn auth_start(&mut self, mechanism: &str, initial: Option<Vec<u8>>) -> AuthStep {
        let Some(mechanism) = Mechanism::from_name(mechanism) else {
            return AuthStep::Failure;
        };
        let (exchange, step) = Exchange::start(mechanism, initial.as_deref());
        self.exchange = Some((mechanism, exchange));
        self.auth_step(mechanism, step).await
    }

    /// The client's answer to the last challenge.
    async fn auth_continue(&mut self, response: Vec<u8>) -> AuthStep {
        let Some((mechanism, exchange)) = self.exchange.take() else {
            return AuthStep::Failure;
        };
        let (exchange, step) = exchange.respond(mechanism, &response);
        self.exchange = Some((mechanism, exchange));
        self.auth_step(mechanism, step).await
    }

    async fn auth_step(&mut self, mechanism: Mechanism, step: Step) -> AuthStep {
        let relay = self.client.description.clone();
        let (error, detail, user) = match step {
            Step::Challenge(challenge) => return AuthStep::Challenge(challenge),
            Step::Fail(f) => (f.error, f.detail, f.log_user),
            Step::Check(credentials) => {
                let verdict =
                    self.shared.auth.verifier.check(&credentials.authcid, &credentials.password);
                let verdict = verdict.await;
                if let Some(problem) = &verdict.problem {
                    self.log(Severity::Err, &format!("{}: AUTH: {problem}", self.id));
                }
                match verdict.result {
                    Ok(()) => {
                        let authid = String::from_utf8_lossy(&credentials.authcid).into_owned();
                        let line = log::auth_success(&relay, &authid, mechanism.name());
                        self.log(Severity::Info, &line);
                        self.exchange = None;
                        self.authenticated = Some(mechanism);
                        return AuthStep::Success(authid);
                    }
                    Err(error) => (error, mechanism.check_failed(), credentials.log_user),
                }
            }
        };
        self.exchange = None;
        let line =
            log::auth_failure(self.id.as_str(), mechanism.name(), error, detail, &user, &relay);
        self.log(Severity::Warning, &line);
        AuthStep::Failure
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
                let priority = inbound::priority(&shared.settings.config, size, rcpts);
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
            Question::Connect(_) => Answer::Connect(self.connect().await),
            Question::Space { size } => Answer::Space(self.space(size)),
            Question::Mail { sender, .. } => {
                Answer::Decision(self.mail(&sender.address, &sender.raw))
            }
            Question::Rcpt { recipient, envelope } => {
                Answer::Decision(self.rcpt(&recipient.address, &recipient.raw, &envelope).await)
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
            Question::AuthStart { mechanism, initial } => {
                Answer::Auth(self.auth_start(&mechanism, initial).await)
            }
            Question::AuthContinue(response) => Answer::Auth(self.auth_continue(response).await),
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
