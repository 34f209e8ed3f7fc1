//! Listening: binding the `DAEMON_OPTIONS` sockets, accepting, and the limits on
//! how many sessions run at once.
//!
//! Sockets are bound before privileges are dropped. A listener with `M=O` that
//! cannot be bound is logged and skipped; any other is fatal (`EX_OSERR`).
//!
//! Past `MaxDaemonChildren` sessions at once, or `ConnectionRateThrottle`
//! connections within `ConnectionRateWindowSize`, a new client is answered `421 4.3.2
//! Too many open connections.` / `421 4.3.2 Connection rate limit exceeded.` (the
//! words of sendmail's `conncontrol` and `ratecontrol`) and closed, instead of being
//! left waiting in the listen queue as sendmail's own limit does.
//!
//! Each client address's connections are counted too ([`crate::per_client`]) for
//! the per-client limits of the access map (`ClientRate:`, `ClientConn:`).

use crate::shared::{current, Current};
use anyhow::Result;
use spool::log::Severity;
use spool::settings::Listener;
use spool::sysexits::{Exit, EX_OSERR};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::sync::{watch, Notify};

/// Binds every listener; an optional one that fails is reported on stderr and left out.
///
/// # Errors
/// A listener without `M=O` that cannot be bound.
pub fn bind(listeners: &[Listener]) -> Result<Vec<(Listener, std::net::TcpListener)>> {
    let mut bound = Vec::new();
    for l in listeners {
        match std::net::TcpListener::bind(l.addr) {
            Ok(socket) => {
                socket.set_nonblocking(true)?;
                bound.push((l.clone(), socket));
            }
            Err(e) if l.modifiers.optional() => {
                eprintln!(
                    "smtpd: daemon {}: cannot bind {}: {e} (optional, skipped)",
                    l.name, l.addr
                );
            }
            Err(e) => {
                let message = format!("daemon {}: cannot bind {}: {e}", l.name, l.addr);
                return Err(Exit { code: EX_OSERR, message }.into());
            }
        }
    }
    Ok(bound)
}

/// The sessions running now, for the limit and for a drained shutdown.
#[derive(Default)]
pub struct Sessions {
    /// Each client address's connections (ratecontrol, conncontrol).
    pub per_client: Arc<crate::per_client::PerClient>,
    active: AtomicUsize,
    idle: Notify,
    recent: Mutex<VecDeque<Instant>>,
}

/// Held by a running session; its drop counts the session out.
pub struct SessionGuard(Arc<Sessions>);

impl Drop for SessionGuard {
    fn drop(&mut self) {
        if self.0.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

impl Sessions {
    /// How many sessions run now.
    pub fn active(&self) -> usize {
        self.active.load(Ordering::Acquire)
    }

    /// Counts a new connection in, or says why it is refused.
    fn admit(
        self: &Arc<Self>,
        max: usize,
        rate: usize,
        window: Duration,
    ) -> Result<SessionGuard, &'static str> {
        if rate > 0 {
            let now = Instant::now();
            let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
            while recent.front().is_some_and(|t| now.duration_since(*t) > window) {
                recent.pop_front();
            }
            if recent.len() >= rate {
                return Err("421 4.3.2 Connection rate limit exceeded.\r\n");
            }
            recent.push_back(now);
        }
        let before = self.active.fetch_add(1, Ordering::AcqRel);
        let guard = SessionGuard(self.clone());
        if max > 0 && before >= max {
            return Err("421 4.3.2 Too many open connections.\r\n");
        }
        Ok(guard)
    }

    /// Waits until no session runs, at most `limit`.
    pub async fn drained(&self, limit: Duration) {
        let wait = async {
            loop {
                let idle = self.idle.notified();
                if self.active() == 0 {
                    return;
                }
                idle.await;
            }
        };
        let _ = tokio::time::timeout(limit, wait).await;
    }
}

/// Accepts connections on `socket` until `stop` turns true; each runs as its own task.
pub async fn accept_loop(
    socket: tokio::net::TcpListener,
    listener: Arc<Listener>,
    shared: Current,
    sessions: Arc<Sessions>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = socket.accept() => accepted,
            _ = stop.changed() => return,
        };
        let (mut stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                let now = current(&shared);
                now.syslog.log(
                    Severity::Err,
                    &format!("NOQUEUE: SYSERR: daemon {}: accept: {e}", listener.name),
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let now = current(&shared);
        let server = &now.settings.server;
        let (counts, open) =
            sessions.per_client.arrive(peer.ip().to_canonical(), server.rate_window);
        match sessions.admit(server.max_children, server.rate_throttle, server.rate_window) {
            Ok(guard) => {
                let listener = listener.clone();
                tokio::spawn(async move {
                    crate::conn::serve(stream, peer, listener, now, counts).await;
                    drop((guard, open));
                });
            }
            Err(reply) => {
                let line = format!(
                    "NOQUEUE: refused connection from [{}]: {}",
                    peer.ip(),
                    reply.trim_end()
                );
                now.syslog.log(Severity::Notice, &line);
                tokio::spawn(async move {
                    let _ = stream.write_all(reply.as_bytes()).await;
                    let _ = stream.shutdown().await;
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_and_rate_limits() {
        let sessions = Arc::new(Sessions::default());
        let window = Duration::from_secs(60);
        let a = sessions.admit(2, 0, window).unwrap();
        let _b = sessions.admit(2, 0, window).unwrap();
        assert_eq!(
            sessions.admit(2, 0, window).err(),
            Some("421 4.3.2 Too many open connections.\r\n")
        );
        assert_eq!(sessions.active(), 2, "a refused connection is not counted");
        drop(a);
        assert!(sessions.admit(2, 0, window).is_ok());
        let rated = Arc::new(Sessions::default());
        let _x = rated.admit(0, 2, window).unwrap();
        let _y = rated.admit(0, 2, window).unwrap();
        assert_eq!(
            rated.admit(0, 2, window).err(),
            Some("421 4.3.2 Connection rate limit exceeded.\r\n")
        );
    }

    #[test]
    fn an_optional_listener_that_cannot_bind_is_skipped() {
        let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = taken.local_addr().unwrap();
        let spec = |m: &str| {
            let (o, _) = spool::config::DaemonOptions::parse(&format!(
                "Port={}, Addr=127.0.0.1, M={m}",
                addr.port()
            ));
            Listener::resolve(&o).unwrap()
        };
        assert!(bind(&[spec("O")]).unwrap().is_empty());
        let err = bind(&[spec("")]).unwrap_err();
        assert_eq!(spool::sysexits::exit_code(err.as_ref()), EX_OSERR);
    }
}
