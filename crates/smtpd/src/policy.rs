//! The daemon's answers to a session's questions ([`AsyncPolicy`]).
//!
//! The SMTP-time checks are sendmail's rulesets as [`spool::rules`] computes them
//! from the configuration and maps (`check_relay`, `check_mail`, `check_rcpt`, local
//! users, VRFY, EXPN, ETRN); every host name they need is looked up here first
//! ([`crate::facts`]), awaited, never blocking a runtime thread. Message text goes to
//! a [`Store`] and the commit runs on the blocking pool.
//!
//! Every session has a queue ID from its start, as sendmail's has (its log lines
//! carry it); a transaction that ends, accepted or not, is logged with its `from=`
//! line and the next one gets a fresh ID.
//!
//! `DISCARD` (access `Connect:`, `From:` or `To:`, or a DNS blocklist's `discard`):
//! the message is accepted as usual, `250` and all, and thrown away instead of
//! committed.
//!
//! DNS blocklists ([`crate::blocklists`]) are asked at connect, unless the access map
//! decided about the client, or with `delay_checks` at the first RCPT that passes
//! the relay check (the verdict is kept for the session's later RCPTs).
//!
//! AUTH: the mechanism ([`crate::sasl::mech`]) collects the credentials, the
//! configuration's [`crate::sasl::Verifier`] checks them (sasldb2 off the async
//! threads, saslauthd awaited), and the outcome is logged as sendmail logs it
//! ([`crate::log::auth_success`], [`crate::log::auth_failure`]). The mechanism of a
//! successful AUTH goes to the rules (`${auth_type}`), which let the client relay when
//! `TRUST_AUTH_MECH` lists it.

use crate::blocklists;
use crate::facts;
use crate::log;
use crate::milters::{self, Filters, Known};
use crate::sasl::mech::{Exchange, Mechanism, Step};
use crate::shared::Shared;
use crate::store::Store;
use dns::{ClientName, Verdict};
use smtp::server::{
    Answer, AsyncPolicy, AuthStep, ClientInfo, CommitError, Connect, Decision, Envelope, Event,
    MessagePart, Question, Reply,
};
use spool::log::{Outcome, Record, Severity};
use spool::queue::{next_id, QueueId};
use spool::rules::{self, ConnectVerdict, Conversation, KnownHosts};
use spool::settings::Listener;
use spool::status::DeliveryStatus;
use std::sync::Arc;

/// What the milters may know now (macros, the log's queue ID), borrowing only
/// the fields it names, so that `self.filters` stays free to borrow mutably.
macro_rules! known {
    ($p:expr) => {
        Known {
            shared: &$p.shared,
            daemon: &$p.listener.name,
            client: &$p.client,
            id: $p.id.as_str(),
            tls: $p.tls.as_deref(),
            auth: $p.authenticated.as_ref(),
        }
    };
}

/// One session's policy.
pub struct DaemonPolicy {
    shared: Arc<Shared>,
    listener: Arc<Listener>,
    client: ClientInfo,
    name: ClientName,
    /// The rules' memory of this session.
    talk: Conversation,
    /// Host names looked up for the rules so far.
    known: KnownHosts,
    /// `delay_checks`: the blocklists' verdict, once asked at RCPT.
    delayed: Option<Option<Verdict>>,
    /// A blocklist said `discard`.
    discard_listed: bool,
    id: QueueId,
    store: Option<Store>,
    /// The AUTH exchange under way: its mechanism and state.
    exchange: Option<(Mechanism, Exchange)>,
    /// TLS details for `Received:`, once the handshake is done.
    pub tls: Option<String>,
    /// The milters of this session.
    filters: Filters,
    /// A milter said to discard the message being received.
    milter_discard: bool,
    /// The mechanism and identity of a successful AUTH (the milters' macros).
    authenticated: Option<(String, String)>,
}

/// The SMTP reply of a rules' status.
pub fn reply(status: &DeliveryStatus) -> Reply {
    Reply::from(status)
}

/// `451 4.3.0 Temporary system failure`: what the rules say when they cannot decide.
fn tempfail() -> Reply {
    Reply::new(451, "4.3.0", "Temporary system failure")
}

impl DaemonPolicy {
    /// The policy of a session with `client` on `listener`.
    pub fn new(
        shared: Arc<Shared>,
        listener: Arc<Listener>,
        client: ClientInfo,
        name: ClientName,
        counts: spool::rules::Counts,
    ) -> DaemonPolicy {
        let rules_client = facts::client(&name, &listener.modifiers.letters).with_counts(counts);
        let talk = Conversation::new(rules_client);
        DaemonPolicy {
            shared,
            listener,
            client,
            name,
            talk,
            known: KnownHosts::default(),
            delayed: None,
            discard_listed: false,
            id: next_id(),
            store: None,
            exchange: None,
            tls: None,
            filters: Filters::default(),
            milter_discard: false,
            authenticated: None,
        }
    }

    /// The session ends: the milters are told.
    pub async fn finish(&mut self) {
        self.filters.finish().await;
    }

    /// The access and blocklist checks at connect, then the milters.
    /// The connection: check_relay and the DNS blocklists; then, for a client they
    /// let in, the greeting pause (`FEATURE(greet_pause)`) or at once the milters.
    async fn connect(&mut self) -> Connect {
        let verdict = self.rules_connect().await;
        if verdict != Connect::Accept {
            return verdict;
        }
        let pause = self.shared.rules.greet_pause(self.talk.client());
        if !pause.is_zero() {
            return Connect::Pause(pause);
        }
        self.greet().await
    }

    /// The milters' connect stage, once the client is let in (and waited out the
    /// greeting pause, if any): sendmail shows a client to its milters only then.
    async fn greet(&mut self) -> Connect {
        let known = known!(self);
        let (filters, answer) = Filters::connect(&known).await;
        self.filters = filters;
        answer.unwrap_or(Connect::Accept)
    }

    async fn helo(&mut self, name: &str) -> Connect {
        let known = known!(self);
        self.filters.helo(&known, name).await
    }

    /// A decision of the rules, then (when it accepts) the milters'.
    async fn filtered(
        &mut self,
        decision: Decision,
        raw: &str,
        args: Vec<String>,
        rcpt: bool,
    ) -> Decision {
        if let Decision::Reject(reply) = &decision {
            if rcpt {
                let known = known!(self);
                self.filters.rcpt_rejected(&known, raw, &args, reply).await;
            }
            return decision;
        }
        let known = known!(self);
        match self.filters.envelope(&known, rcpt, raw, &args).await {
            Ok(discard) => {
                self.milter_discard |= discard;
                decision
            }
            Err(reply) => Decision::Reject(reply),
        }
    }

    /// DATA: the milters, then the store.
    async fn data(&mut self) -> Result<(), Reply> {
        let known = known!(self);
        self.milter_discard |= self.filters.data(&known).await?;
        self.store = Some(Store::new(self.shared.queue.clone(), self.id.clone()));
        Ok(())
    }

    /// A transaction ends without its message: its `from=` line, a fresh queue ID,
    /// the milters told before the next one.
    fn transaction_over(&mut self, envelope: &Envelope, daemon: &str) {
        self.log(&log::from_record(envelope, 0, None, daemon));
        self.id = next_id();
        self.talk.reset();
        self.filters.transaction_ended();
        self.milter_discard = false;
    }

    fn log(&self, record: &Record) {
        self.shared.syslog.record(Some(self.id.as_str()), record);
    }

    async fn rules_connect(&mut self) -> Connect {
        let shared = self.shared.clone();
        match self.talk.connect(&shared.rules) {
            ConnectVerdict::Refuse(status) => {
                self.log_relay_reject(&status);
                return Connect::Refuse(reply(&status));
            }
            ConnectVerdict::RejectCommands(status) => {
                self.log_relay_reject(&status);
                return Connect::RejectCommands(reply(&status));
            }
            ConnectVerdict::Accept => {}
        }
        let lists = &shared.blocklists;
        if lists.delayed || lists.is_empty() || shared.rules.connect_listed(self.talk.client()) {
            return Connect::Accept;
        }
        let Some(listed) = lists.verdict(&shared.resolver, &self.name).await else {
            return Connect::Accept;
        };
        let record = blocklists::relay_record(&self.name, &listed);
        self.shared.syslog.record(None, &record);
        match blocklists::reply(&listed) {
            Some(reply) => Connect::RejectCommands(reply),
            None => {
                self.discard_listed |= listed.outcome == dns::Outcome::Discard;
                Connect::Accept
            }
        }
    }

    fn log_relay_reject(&self, status: &DeliveryStatus) {
        self.log(&Record::Ruleset {
            ruleset: "check_relay".into(),
            arg: self.name.macro_name(),
            arg2: Some(self.name.addr.to_string()),
            relay: self.client.description.clone(),
            outcome: Outcome::Reject(status.line()),
        });
    }

    /// `delay_checks`: the blocklists' verdict at RCPT (asked once per session).
    async fn delayed_lists(&mut self, raw: &str) -> Option<Decision> {
        let shared = self.shared.clone();
        let lists = &shared.blocklists;
        if !lists.delayed || lists.is_empty() || shared.rules.connect_listed(self.talk.client()) {
            return None;
        }
        if self.delayed.is_none() {
            self.delayed = Some(lists.verdict(&shared.resolver, &self.name).await);
        }
        let listed = self.delayed.clone().flatten()?;
        let Some(reply) = blocklists::reply(&listed) else {
            self.discard_listed |= listed.outcome == dns::Outcome::Discard;
            return None;
        };
        Some(self.refuse("check_rcpt", raw, reply))
    }

    async fn mail(&mut self, raw: &str) -> Decision {
        let shared = self.shared.clone();
        let talk = &mut self.talk;
        let was_discarding = talk.discarding();
        let verdict = facts::answer(&shared.resolver, &mut self.known, |known| {
            talk.mail(&shared.rules, raw, known)
        })
        .await;
        if !was_discarding && self.talk.discarding() {
            let relay = &self.client.description;
            self.log(&log::ruleset_record("check_mail", raw, relay, Outcome::Discard));
        }
        self.decide("check_mail", raw, verdict)
    }

    async fn rcpt(&mut self, raw: &str) -> Decision {
        let shared = self.shared.clone();
        let talk = &mut self.talk;
        let verdict = facts::answer(&shared.resolver, &mut self.known, |known| {
            talk.rcpt(&shared.rules, raw, known)
        })
        .await;
        let decision = self.decide("check_rcpt", raw, verdict);
        if matches!(decision, Decision::Reject(_)) {
            return decision;
        }
        self.delayed_lists(raw).await.unwrap_or(decision)
    }

    /// The session's answer to a rules' verdict, logging a refusal as sendmail does.
    fn decide(&self, ruleset: &str, raw: &str, verdict: Option<rules::Verdict>) -> Decision {
        match verdict {
            Some(rules::Verdict::Accept) => Decision::Accept,
            Some(rules::Verdict::AcceptAs(shown)) => Decision::AcceptAs(shown),
            Some(rules::Verdict::Reject(status)) if unknown_address(&status) => {
                self.log(&Record::UsrErr { text: status.text.clone() });
                Decision::Reject(reply(&status))
            }
            Some(rules::Verdict::Reject(status)) => self.refuse(ruleset, raw, reply(&status)),
            None => self.refuse(ruleset, raw, tempfail()),
        }
    }

    fn refuse(&self, ruleset: &str, arg: &str, reply: Reply) -> Decision {
        let text = String::from_utf8_lossy(&reply.to_bytes()).trim_end().to_string();
        let relay = &self.client.description;
        self.log(&log::ruleset_record(ruleset, arg, relay, Outcome::Reject(text)));
        Decision::Reject(reply)
    }

    /// VRFY or EXPN through the rules: one reply line per address.
    async fn lookup_reply(&mut self, arg: &str, expand: bool) -> Reply {
        let shared = self.shared.clone();
        let statuses = facts::answer(&shared.resolver, &mut self.known, |known| {
            if expand {
                shared.rules.expn(arg, known)
            } else {
                shared.rules.vrfy(arg, known)
            }
        })
        .await;
        match statuses.as_deref() {
            Some([first, ..]) => {
                let lines = statuses.iter().flatten().map(|s| s.text.clone()).collect();
                let enhanced = first.enhanced.map(|e| e.to_string());
                Reply::lines(first.code, enhanced.as_deref(), lines)
            }
            _ => tempfail(),
        }
    }

    /// ETRN: start a queue run for the node when `queue-runner` is installed beside
    /// this program (as `sendmail` forks its own), else say it cannot.
    async fn etrn(&self, arg: &str) -> Reply {
        let etrn = self.shared.rules.etrn(arg);
        let pattern = match &etrn {
            rules::Etrn::Refuse(status) => return reply(status),
            rules::Etrn::Node { pattern, .. } => format!("-qR{pattern}"),
            rules::Etrn::Group(group) => format!("-qG{group}"),
        };
        let config = self.shared.settings.flags.config.clone();
        let started =
            tokio::task::spawn_blocking(move || start_queue_run(config.as_deref(), &pattern))
                .await
                .unwrap_or(false);
        reply(&if started { etrn.started() } else { etrn.unable() })
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
                    let line = format!("{}: AUTH: {problem}", self.id);
                    self.shared.syslog.log(Severity::Err, &line);
                }
                match verdict.result {
                    Ok(()) => {
                        let authid = String::from_utf8_lossy(&credentials.authcid).into_owned();
                        let record = log::auth_success(&relay, &authid, mechanism.name());
                        self.shared.syslog.record(None, &record);
                        self.exchange = None;
                        self.talk.authenticated(mechanism.name());
                        self.authenticated = Some((mechanism.name().to_string(), authid.clone()));
                        return AuthStep::Success(authid);
                    }
                    Err(error) => (error, mechanism.check_failed(), credentials.log_user),
                }
            }
        };
        self.exchange = None;
        self.log(&log::auth_failure(mechanism.name(), error, detail, &user, &relay));
        AuthStep::Failure
    }

    fn space(&self, size: u64) -> bool {
        let min = self.shared.settings.server.limits.min_free_blocks;
        let Ok(stat) = nix::sys::statvfs::statvfs(&self.shared.settings.server.queue_dir) else {
            return true;
        };
        let free = stat.blocks_available();
        let needed = min + size.div_ceil(stat.block_size().max(1));
        (min == 0 && size == 0) || free > needed
    }

    async fn commit(&mut self, envelope: Envelope) -> Result<String, CommitError> {
        let store = self
            .store
            .take()
            .ok_or_else(|| CommitError::Io(std::io::Error::other("no message store open")))?;
        let daemon = self.listener.name.clone();
        let (mut store, mut envelope) = (store, envelope);
        let discarding = self.discard_listed || self.talk.discarding() || self.milter_discard;
        if !discarding {
            let known = known!(self);
            match self.filters.eom(&known, &envelope).await {
                Ok(None) => {}
                Ok(Some((changed, headers_changed))) => {
                    self.milter_discard = changed.recipients.is_empty();
                    if headers_changed {
                        store.replace_header(milters::header_text(&changed.headers));
                    }
                    if changed.body_replaced {
                        store.replace_body(changed.body.clone()).await;
                    }
                    milters::apply_envelope(&mut envelope, &changed);
                    store.quarantine(changed.quarantine.clone());
                }
                Err(reply) => {
                    self.transaction_over(&envelope, &daemon);
                    return Err(CommitError::Reply(reply));
                }
            }
        }
        if self.discard_listed || self.talk.discarding() || self.milter_discard {
            self.log(&log::from_record(&envelope, envelope.message_size, None, &daemon));
            self.log(&Record::Discarded);
            self.talk.reset();
            self.milter_discard = false;
            return Ok(std::mem::replace(&mut self.id, next_id()).to_string());
        }
        let flags = &self.listener.modifiers.letters;
        let mut inbound = envelope.inbound(store.eight_bit(), self.tls.clone(), flags);
        if self.shared.settings.server.privacy.authwarnings {
            inbound.warnings.extend(envelope.helo_warning(&self.shared.settings.system_name));
        }
        let host = self.shared.settings.server.host_name.clone();
        let shared = self.shared.clone();
        let rcpts = envelope.recipients.len();
        let committed = store
            .commit(envelope.message_size, move |id, header, size| {
                let priority = shared.settings.resolved.queue.priority(size, rcpts);
                let now = jiff::Timestamp::now();
                inbound.queue_file(id, &host, now, header, priority)
            })
            .await;
        let committed = match committed {
            Ok(committed) => committed,
            Err(e) => return Err(self.commit_failed(e).await),
        };
        let msgid = committed.msgid.as_deref();
        let from = log::from_record(&envelope, committed.size, msgid, &daemon);
        self.shared.syslog.record(Some(committed.id.as_str()), &from);
        self.id = next_id();
        self.talk.reset();
        self.milter_discard = false;
        Ok(committed.id.to_string())
    }

    /// Logs a failed commit as sendmail logs a full disk (`SYSERR(user): Out of disk
    /// space for temp file`); other failures are logged as they are. The user name is
    /// looked up off the runtime (it may read `/etc/passwd`).
    async fn commit_failed(&self, e: CommitError) -> CommitError {
        let text = match &e {
            CommitError::NoSpace => "Out of disk space for temp file".to_string(),
            other => other.to_string(),
        };
        let user = tokio::task::spawn_blocking(|| {
            let uid = nix::unistd::geteuid();
            nix::unistd::User::from_uid(uid).ok().flatten().map_or(uid.to_string(), |u| u.name)
        })
        .await
        .unwrap_or_default();
        self.log(&Record::SysErr { user, text });
        e
    }
}

impl AsyncPolicy for DaemonPolicy {
    async fn answer(&mut self, question: Question) -> Answer {
        match question {
            Question::Connect(_) => Answer::Connect(self.connect().await),
            Question::Greet => Answer::Connect(self.greet().await),
            Question::Helo(name) => Answer::Helo(self.helo(&name).await),
            Question::Unknown(line) => {
                let known = known!(self);
                Answer::Unknown(self.filters.unknown(&known, &line).await)
            }
            Question::Space { size } => Answer::Space(self.space(size)),
            Question::Mail { sender, .. } => {
                let decision = self.mail(&sender.raw).await;
                let args = milters::mail_args(&sender);
                Answer::Decision(self.filtered(decision, &sender.raw, args, false).await)
            }
            Question::Rcpt { recipient, .. } => {
                let decision = self.rcpt(&recipient.raw).await;
                let args = milters::rcpt_args(&recipient);
                Answer::Decision(self.filtered(decision, &recipient.raw, args, true).await)
            }
            Question::Vrfy(arg) => Answer::Reply(self.lookup_reply(&arg, false).await),
            Question::Expn(arg) => Answer::Reply(self.lookup_reply(&arg, true).await),
            Question::Etrn(node) => Answer::Reply(self.etrn(&node).await),
            Question::AuthStart { mechanism, initial } => {
                Answer::Auth(self.auth_start(&mechanism, initial).await)
            }
            Question::AuthContinue(response) => Answer::Auth(self.auth_continue(response).await),
            Question::Data(_) => Answer::Data(self.data().await),
            Question::Commit(envelope) => Answer::Commit(self.commit(envelope).await),
        }
    }

    async fn message(&mut self, part: MessagePart) {
        let Some(store) = self.store.as_mut() else { return };
        match part {
            MessagePart::Header(line) => {
                self.filters.header(&line);
                store.header(&line);
            }
            MessagePart::Body(chunk) => {
                self.filters.body(&chunk);
                store.body(chunk).await;
            }
            MessagePart::Abort => {
                self.filters.transaction_ended();
                self.store = None;
            }
        }
    }

    fn event(&mut self, event: Event) {
        let daemon = self.listener.name.clone();
        if let Event::TransactionEnded(envelope) = &event {
            self.transaction_over(envelope, &daemon);
            return;
        }
        if let Some(record) = log::event_record(&event, &self.client.description, &daemon) {
            self.log(&record);
        }
    }
}

/// A refusal sendmail logs as its own text, not as a ruleset line: an unknown user
/// or host (`<x>... User unknown`).
fn unknown_address(status: &DeliveryStatus) -> bool {
    status
        .enhanced
        .is_some_and(|e| e.class() == 5 && e.subject() == 1 && matches!(e.detail(), 1 | 2))
}

/// Starts `queue-runner` (found beside this program) for one ETRN, detached; false
/// when there is none or it cannot start.
fn start_queue_run(config: Option<&std::path::Path>, selection: &str) -> bool {
    let Some(runner) = std::env::current_exe().ok().and_then(|me| {
        let path = me.with_file_name("queue-runner");
        path.is_file().then_some(path)
    }) else {
        return false;
    };
    let mut command = std::process::Command::new(runner);
    if let Some(config) = config {
        command.arg("-C").arg(config);
    }
    command.arg(selection).stdin(std::process::Stdio::null());
    command.spawn().is_ok()
}
