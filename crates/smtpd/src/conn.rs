//! One SMTP connection: the session, its policy, and STARTTLS.
//!
//! Before the greeting the client's name is looked up ([`dns::Resolver::client_name`]:
//! PTR, then forward confirmation, through the service switch's sources) and its
//! description is sendmail's: `name [addr]`, `name [addr] (may be forged)` or `[addr]`. The session's settings are the daemon's, narrowed by
//! the listener's modifiers: `E` refuses ETRN, `S` offers no STARTTLS, `A` no AUTH,
//! `a` wants AUTH before MAIL.
//! After `220 Ready to start TLS`, the handshake runs within `Timeout.starttls`; a
//! failed handshake ends the connection (the client was told to start TLS, so no
//! plaintext may follow). The TLS version and cipher go into the `Received:` line.

use crate::policy::DaemonPolicy;
use crate::quickack::QuickAck;
use crate::shared::Shared;
use smtp::server::{serve_async, ClientInfo, Served, Session};
use spool::log::Severity;
use spool::settings::Listener;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpStream;

/// Serves one connection until it ends.
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    listener: Arc<Listener>,
    shared: Arc<Shared>,
    counts: spool::rules::Counts,
) {
    let ip = peer.ip().to_canonical();
    // The futures that run only for a moment (the name lookup, the TLS handshake, the
    // end) are boxed, so that an idle session's task stays small.
    let name = Box::pin(shared.resolver.client_name(ip)).await;
    let client = ClientInfo {
        addr: Some(ip),
        host_name: name.verified().map(str::to_string),
        description: name.description(),
    };
    let mut settings = shared.engine.clone();
    settings.greeting = shared.greeting();
    let modifiers = &listener.modifiers;
    settings.privacy.noetrn |= modifiers.no_etrn();
    settings.auth_required = modifiers.auth_required();
    settings.tls_available &= !modifiers.no_starttls();
    if modifiers.no_auth() {
        settings.auth_mechanisms.clear();
    }
    let starttls_timeout = settings.timeouts.starttls;
    let mut session = Session::new(settings, client.clone());
    let mut policy = DaemonPolicy::new(shared.clone(), listener, client, name, counts);
    let _ = stream.set_nodelay(true);
    let mut stream = QuickAck(stream);
    let served = {
        let (read, write) = tokio::io::split(&mut stream);
        serve_async(&mut session, &mut policy, read, write).await
    };
    if !matches!(served, Ok(Served::StartTls)) {
        Box::pin(policy.finish()).await;
        return;
    }
    let Some(acceptor) = shared.tls.clone() else {
        Box::pin(policy.finish()).await;
        return;
    };
    let handshake = tokio::time::timeout(starttls_timeout, Box::pin(acceptor.accept(stream))).await;
    let tls = match handshake {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            let line = format!("STARTTLS=server, error: accept failed={e}, relay={}", peer.ip());
            shared.syslog.log(Severity::Warning, &line);
            return;
        }
        Err(_) => {
            shared
                .syslog
                .log(Severity::Warning, &format!("STARTTLS=server: timeout, relay={}", peer.ip()));
            return;
        }
    };
    policy.tls = Some(crate::tls::describe(tls.get_ref().1));
    session.tls_started();
    let (read, write) = tokio::io::split(tls);
    let _ = serve_async(&mut session, &mut policy, read, write).await;
    Box::pin(policy.finish()).await;
}
