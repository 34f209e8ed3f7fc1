//! # Name
//! driver - deliver one message to a list of hosts, reusing connections (feature `client`)
//!
//! # Description
//! [`Client::deliver`] does for one message what sendmail's `deliver()` does for one
//! mailer and one list of hosts (the MX hosts in order, a mailertable or smart host
//! target): for each host in turn it uses a cached connection (checked with RSET)
//! or connects, opens the session and runs the transaction. It goes on to the next
//! host when the connection cannot be opened, and, with the recipients still
//! deferred, when the transaction failed temporarily after a recipient was accepted
//! or deferred at RCPT (sendmail's `goto tryhost`). When every host failed, every
//! recipient gets the last host's status, printed once (`Deferred: Connection
//! refused by [10.0.0.1]`).
//!
//! Connections stay open for the next message to the same host (at most
//! `ConnectionCacheSize`, each idle at most `ConnectionCacheTimeout`); a host that
//! could not be opened is not tried again for `Timeout.hoststatus` (sendmail's host
//! status in memory: the status is reused without connecting). [`Client::close`]
//! says `Closing connection to <host>` for every host connected to, and QUIT to
//! those still open, as sendmail does at the end of a queue run.
//!
//! After a failed TLS handshake the message is deferred (`454 4.7.0 TLS handshake
//! failed.`) unless `TLSFallbacktoClear` is set: then the same host is connected to
//! again at once without STARTTLS.
//!
//! # Errors
//! [`Client::new`] fails only when rustls cannot be configured. Delivery failures
//! are statuses in the [`Outcome`].

use super::conn::{Conn, NoBody, OpenFailure, Stop, Text};
use super::envelope::Envelope;
use super::outcome::{Outcome, RcptOutcome};
use super::settings::{Settings, Target};
use super::status::{Class, Exit, Status};
use super::tls::Tls;
use super::transcript::{Event, Observer, Scope};
use rustls::RootCertStore;
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncSeek};

/// A host this client connected to, open or not.
struct Entry {
    key: Key,
    host: String,
    conn: Option<Conn>,
    used: Instant,
}

/// A host that could not be opened, and until when that stands.
struct Down {
    key: Key,
    until: Instant,
    status: Status,
}

type Key = (String, std::net::IpAddr, u16);

fn key(t: &Target) -> Key {
    (t.host.to_ascii_lowercase(), t.ip, t.port)
}

/// The SMTP client of one delivery agent (one mailer's settings).
pub struct Client {
    settings: Settings,
    tls: Tls,
    cache_size: usize,
    cache_timeout: Duration,
    entries: Vec<Entry>,
    down: Vec<Down>,
}

/// Passes events on with the delivery's recipient indexes.
struct Mapped<'a> {
    inner: &'a mut (dyn Observer + Send),
    todo: Vec<usize>,
    all: usize,
}

impl Observer for Mapped<'_> {
    fn event(&mut self, event: &Event) {
        let map = |scope: &Scope| match scope {
            Scope::All if self.todo.len() == self.all => Scope::All,
            Scope::All => Scope::These(self.todo.clone()),
            Scope::These(v) => {
                Scope::These(v.iter().filter_map(|&i| self.todo.get(i).copied()).collect())
            }
        };
        let mapped = match event {
            Event::Connecting { host, port, to } => {
                Event::Connecting { host: host.clone(), port: *port, to: map(to) }
            }
            Event::Reusing { host, esmtp, to } => {
                Event::Reusing { host: host.clone(), esmtp: *esmtp, to: map(to) }
            }
            Event::Status { to, code, text } => {
                Event::Status { to: map(to), code: *code, text: text.clone() }
            }
            other => other.clone(),
        };
        self.inner.event(&mapped);
    }
}

impl Client {
    /// The most connections kept open at once by default (sendmail's
    /// `ConnectionCacheSize`).
    pub const MAX_CACHED: usize = 2;

    /// A client with `settings`, verifying certificates against `roots`.
    ///
    /// # Errors
    /// rustls cannot be configured.
    pub fn new(settings: Settings, roots: RootCertStore) -> Result<Client, rustls::Error> {
        Ok(Client {
            settings,
            tls: Tls::new(roots)?,
            cache_size: Self::MAX_CACHED,
            cache_timeout: Duration::from_secs(300),
            entries: Vec::new(),
            down: Vec::new(),
        })
    }

    /// `ConnectionCacheSize` and `ConnectionCacheTimeout`: how many connections stay
    /// open, and how long one may stay idle.
    pub fn with_cache(mut self, size: usize, timeout: Duration) -> Client {
        self.cache_size = size;
        self.cache_timeout = timeout;
        self
    }

    /// The settings in use.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Deliver the message (`headers`, then `body` from its start) to `envelope`'s
    /// recipients through the first of `targets` that takes it.
    pub async fn deliver<B: AsyncRead + AsyncSeek + Unpin>(
        &mut self,
        targets: &[Target],
        envelope: &Envelope,
        headers: &[u8],
        body: &mut B,
        observer: &mut (dyn Observer + Send),
    ) -> Outcome {
        self.expire(observer).await;
        let all = envelope.recipients.len();
        let mut results: Vec<Option<RcptOutcome>> = vec![None; all];
        let mut todo: Vec<usize> = (0..all).collect();
        let mut failure = None;
        let mut statmsg = None;
        for (n, target) in targets.iter().enumerate() {
            if todo.is_empty() {
                break;
            }
            let sub = Envelope {
                recipients: todo.iter().map(|&i| envelope.recipients[i].clone()).collect(),
                ..envelope.clone()
            };
            let mut obs = Mapped { inner: &mut *observer, todo: todo.clone(), all };
            let text = Text { headers, body: &mut *body, id: &envelope.id };
            let outcome = match self.attempt(target, &sub, text, &mut obs).await {
                Ok(outcome) => outcome,
                Err(status) => {
                    failure = Some(status);
                    continue;
                }
            };
            statmsg = outcome.statmsg.clone();
            let try_next = n + 1 < targets.len() && failover(&outcome);
            for (k, r) in outcome.recipients.into_iter().enumerate() {
                results[todo[k]] = Some(r);
            }
            todo.retain(|&i| {
                try_next && results[i].as_ref().is_some_and(|r| r.status.class() == Class::Deferred)
            });
        }
        let untried: Vec<usize> = (0..all).filter(|&i| results[i].is_none()).collect();
        if !untried.is_empty() {
            let status = failure.unwrap_or_else(|| {
                Status::new(Exit::TempFail, "4.4.3", None, Some("No hosts to try"))
            });
            let to = if untried.len() == all { Scope::All } else { Scope::These(untried.clone()) };
            observer.event(&Event::Status { to, code: status.code, text: status.text.clone() });
            for i in untried {
                results[i] = Some(RcptOutcome { status: status.clone(), own_message: false });
            }
        }
        let accepted = results.iter().flatten().filter(|r| r.status.class() == Class::Sent).count();
        let recipients = results.into_iter().flatten().collect();
        Outcome { recipients, statmsg, accepted }
    }

    /// One host: a connection to it, then the transaction (on a fresh connection if
    /// the cached one turns out stale).
    async fn attempt<B: AsyncRead + AsyncSeek + Unpin>(
        &mut self,
        target: &Target,
        env: &Envelope,
        text: Text<'_, B>,
        obs: &mut (dyn Observer + Send),
    ) -> Result<Outcome, Status> {
        let mut conn = self.connection(target, obs).await?;
        let actions = conn.session.begin(env);
        let stop = conn
            .pump(
                actions,
                &self.tls,
                Some(Text { headers: text.headers, body: &mut *text.body, id: text.id }),
                &self.settings,
                obs,
            )
            .await;
        let stop = match stop {
            Stop::Stale => {
                conn = self.connect(target, obs).await?;
                let actions = conn.session.begin(env);
                conn.pump(actions, &self.tls, Some(text), &self.settings, obs).await
            }
            other => other,
        };
        self.keep(conn);
        match stop {
            Stop::Done(outcome) => Ok(*outcome),
            _ => Err(Status::new(Exit::TempFail, "4.4.2", None, Some("Connection lost"))),
        }
    }

    /// A cached connection to `target`, or a new one.
    async fn connection(
        &mut self,
        target: &Target,
        obs: &mut (dyn Observer + Send),
    ) -> Result<Conn, Status> {
        let k = key(target);
        if let Some(entry) = self.entries.iter_mut().find(|e| e.key == k) {
            if let Some(conn) = entry.conn.take().filter(Conn::is_usable) {
                return Ok(conn);
            }
        }
        let now = Instant::now();
        self.down.retain(|d| d.until > now);
        if let Some(down) = self.down.iter().find(|d| d.key == k) {
            return Err(down.status.clone());
        }
        self.connect(target, obs).await
    }

    /// Connect and open; after a failed TLS handshake, again in plaintext when
    /// `TLSFallbacktoClear` says so.
    async fn connect(
        &mut self,
        target: &Target,
        obs: &mut (dyn Observer + Send),
    ) -> Result<Conn, Status> {
        let mut result = Conn::open(&self.settings, &self.tls, target, false, obs).await;
        if let Err(OpenFailure { tls: true, .. }) = result {
            if self.settings.tls_fallback_to_clear {
                result = Conn::open(&self.settings, &self.tls, target, true, obs).await;
            }
        }
        match result {
            Ok(conn) => Ok(conn),
            Err(failure) => {
                if failure.connected {
                    self.remember(key(target), target.host.clone(), None);
                }
                let until = Instant::now() + self.settings.timeouts.hoststatus;
                self.down.push(Down { key: key(target), until, status: failure.status.clone() });
                Err(failure.status)
            }
        }
    }

    /// Put a connection back into the cache (closed ones are remembered for the
    /// `Closing connection` message only).
    fn keep(&mut self, conn: Conn) {
        let k = key(&conn.target);
        let host = conn.target.host.clone();
        let conn = Some(conn).filter(Conn::is_usable);
        self.remember(k, host, conn);
    }

    fn remember(&mut self, key: Key, host: String, conn: Option<Conn>) {
        let entry = Entry { key, host, conn, used: Instant::now() };
        match self.entries.iter_mut().find(|e| e.key == entry.key) {
            Some(e) => *e = entry,
            None => self.entries.push(entry),
        }
    }

    /// Close idle connections past `ConnectionCacheTimeout`, and the oldest beyond
    /// [`Client::MAX_CACHED`].
    async fn expire(&mut self, obs: &mut (dyn Observer + Send)) {
        let now = Instant::now();
        let mut open: Vec<usize> =
            (0..self.entries.len()).filter(|&i| self.entries[i].conn.is_some()).collect();
        open.sort_by_key(|&i| self.entries[i].used);
        let excess = open.len().saturating_sub(self.cache_size);
        let mut close: Vec<usize> = open.iter().take(excess).copied().collect();
        close.extend(
            open.iter()
                .filter(|&&i| now.duration_since(self.entries[i].used) >= self.cache_timeout),
        );
        close.sort_unstable();
        close.dedup();
        for i in close.into_iter().rev() {
            let entry = self.entries.remove(i);
            self.close_entry(entry, obs).await;
        }
    }

    /// `Closing connection to <host>` for every host connected to, QUIT where the
    /// connection is still open.
    pub async fn close(&mut self, observer: &mut (dyn Observer + Send)) {
        for entry in std::mem::take(&mut self.entries) {
            self.close_entry(entry, observer).await;
        }
    }

    async fn close_entry(&self, entry: Entry, obs: &mut (dyn Observer + Send)) {
        obs.event(&Event::Closing { host: entry.host });
        if let Some(mut conn) = entry.conn {
            let actions = conn.session.quit();
            conn.pump::<NoBody>(actions, &self.tls, None, &self.settings, obs).await;
        }
    }
}

/// sendmail tries the next host when the transaction failed temporarily and a
/// recipient was accepted or deferred at RCPT (`mci_okrcpts > 0 ||
/// mci_retryrcpt`).
fn failover(outcome: &Outcome) -> bool {
    let deferred = outcome.recipients.iter().any(|r| r.status.class() == Class::Deferred);
    let reached_rcpt =
        outcome.recipients.iter().any(|r| r.own_message && r.status.exit == Exit::TempFail)
            || outcome.accepted > 0;
    deferred && reached_rcpt
}
