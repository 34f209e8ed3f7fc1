//! The [`Transport`] of remote mail: the SMTP client of `smtp::client`.
//!
//! [`Smtp`] turns a [`Destination`] into the hosts to try, as sendmail's `deliver()`
//! does: a bracketed host (`esmtp:[127.0.0.1]`) is its own address records (an IP
//! literal is used as is), any other host is its MX list (the implicit MX when it
//! has none); a null MX fails permanently with sendmail's words. The port is the
//! destination's (the mailer's `A=TCP $h port`). It then hands the message to
//! [`Client::deliver`] and maps each recipient's status to a [`RcptResult`]; the
//! `-v` dialogue comes from the client's [`Verbose`] observer. With
//! `FEATURE(authinfo)`, each host's credentials are looked up in its map
//! (`AuthInfo:host`, its parent domains, `AuthInfo:`; the host without brackets).
//!
//! # Errors
//! None as Rust errors: a lookup that fails is a [`RcptResult::Unreachable`] for
//! every recipient (temporary when the name servers did not answer).

use crate::route::Destination;
use crate::transport::{Closing, Delivery, Message, Pending, Rcpt, RcptResult, Reply, Transport};
use dns::{Exchangers, Failure, Resolver};
use smtp::client::{
    enhanced_code, Client, Envelope, Event, Observer, Recipient, Settings, Status, Target, Verbose,
};
use spool::maps::Map;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Remote delivery over SMTP.
pub struct Smtp {
    resolver: Resolver,
    helo: String,
    authinfo: Option<Arc<dyn Map>>,
    /// Clients not in use, with their open connections, by destination: the next
    /// message to the same host reuses its connection (checked with RSET).
    idle: Mutex<Vec<(Destination, Client)>>,
}

impl Smtp {
    /// A transport that looks hosts up with `resolver` and says `helo` in EHLO.
    pub fn new(resolver: Resolver, helo: &str) -> Smtp {
        Smtp { resolver, helo: helo.to_string(), authinfo: None, idle: Mutex::new(Vec::new()) }
    }

    /// The same transport, with `FEATURE(authinfo)`'s map (`None`: no AUTH).
    pub fn with_authinfo(mut self, authinfo: Option<Arc<dyn Map>>) -> Smtp {
        self.authinfo = authinfo;
        self
    }

    /// An idle client for `dest`, if one was kept.
    fn take_idle(&self, dest: &Destination) -> Option<Client> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let at = idle.iter().position(|(d, _)| d == dest)?;
        Some(idle.swap_remove(at).1)
    }

    /// Keeps `client` (and its open connection) for the next message to `dest`.
    fn put_idle(&self, dest: &Destination, client: Client) {
        self.idle.lock().unwrap_or_else(|e| e.into_inner()).push((dest.clone(), client));
    }

    /// Fills in each target's credentials from the authinfo map (a map that cannot be
    /// read, or an entry that cannot be parsed, gives none).
    async fn credentials(&self, targets: &mut [Target]) {
        let Some(map) = self.authinfo.clone() else { return };
        let hosts: Vec<String> = targets
            .iter()
            .map(|t| {
                let host = t.host.trim_start_matches('[').trim_end_matches(']');
                host.trim_end_matches('.').to_string()
            })
            .collect();
        let found = tokio::task::spawn_blocking(move || {
            hosts
                .iter()
                .map(|h| spool::authinfo::lookup(map.as_ref(), h).ok().flatten())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        for (target, info) in targets.iter_mut().zip(found) {
            target.credentials = info.map(credentials);
        }
    }

    /// The hosts to try for `dest`, or why there are none.
    async fn targets(&self, dest: &Destination) -> Result<Vec<Target>, RcptResult> {
        if !dest.mx {
            if let Ok(ip) = dest.host.parse::<IpAddr>() {
                return Ok(vec![Target::ip(ip, dest.port)]);
            }
            return self.host(&dest.printable(), &dest.host, dest.port).await;
        }
        let hosts = match self.resolver.mx(&dest.host).await {
            Ok(Exchangers::Hosts { hosts, .. }) => hosts,
            Ok(Exchangers::Null) => return Err(unreachable(false, NULL_MX)),
            Err(e) => return Err(lookup_failure(e, &dest.host)),
        };
        let mut targets = Vec::new();
        let mut last = None;
        for mx in hosts {
            // sendmail names a host it found through MX (or as its own implicit MX)
            // canonically, with the trailing dot: `Connecting to mx.example. port
            // 25`, `relay=mx.example. [192.0.2.1]`.
            let name = format!("{}.", mx.host.trim_end_matches('.'));
            match self.host(&name, &mx.host, dest.port).await {
                Ok(found) => targets.extend(found),
                Err(e) => last = Some(e),
            }
        }
        match (targets.is_empty(), last) {
            (true, Some(e)) => Err(e),
            _ => Ok(targets),
        }
    }

    /// The addresses of `host`, named `name` in messages.
    async fn host(&self, name: &str, host: &str, port: u16) -> Result<Vec<Target>, RcptResult> {
        match self.resolver.addresses(host).await {
            Ok(ips) if !ips.is_empty() => Ok(ips
                .into_iter()
                .map(|ip| Target { host: name.to_string(), ip, port, credentials: None })
                .collect()),
            Ok(_) => Err(lookup_failure(Failure::NotFound, host)),
            Err(e) => Err(lookup_failure(e, host)),
        }
    }

    fn settings(&self, dest: &Destination) -> Settings {
        Settings {
            helo_name: self.helo.clone(),
            esmtp: dest.mailer != "smtp",
            mailer_8bit: matches!(dest.mailer.as_str(), "relay" | "smtp8"),
            ..Settings::default()
        }
    }
}

/// sendmail's status for a domain with a null MX (RFC 7505).
pub const NULL_MX: &str = "Domain does not accept mail (nullMX)";

impl Transport for Smtp {
    fn deliver<'a>(
        &'a self,
        dest: &'a Destination,
        message: &'a Message<'a>,
        rcpts: &'a [Rcpt],
    ) -> Pending<'a> {
        Box::pin(async move {
            let mut targets = match self.targets(dest).await {
                Ok(t) => t,
                Err(e) => return Delivery { results: vec![e; rcpts.len()], ..Delivery::default() },
            };
            self.credentials(&mut targets).await;
            let client = match self.take_idle(dest) {
                Some(client) => Ok(client),
                None => Client::new(self.settings(dest), rustls::RootCertStore::empty()),
            };
            let mut client = match client {
                Ok(c) => c,
                Err(e) => {
                    let failure = unreachable(true, &format!("TLS setup: {e}"));
                    return Delivery { results: vec![failure; rcpts.len()], ..Delivery::default() };
                }
            };
            let mut dialogue = Dialogue::new(dest, rcpts);
            let envelope = envelope(message, rcpts);
            let (headers, body) = split(message.data);
            let mut body = std::io::Cursor::new(body);
            let outcome =
                client.deliver(&targets, &envelope, headers, &mut body, &mut dialogue).await;
            self.put_idle(dest, client);
            let relay = relay_of(&targets, &dialogue);
            let results = outcome.recipients.iter().map(|r| result(&r.status, relay.clone()));
            Delivery {
                results: results.collect(),
                transcript: dialogue.transcript,
                dialogue: dialogue.text,
            }
        })
    }

    fn close_idle(&self) -> Closing<'_> {
        Box::pin(async move {
            let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(|e| e.into_inner()));
            let mut text = String::new();
            for (dest, mut client) in idle {
                let mut dialogue = Dialogue::new(&dest, &[]);
                client.close(&mut dialogue).await;
                text.push_str(&dialogue.text);
            }
            text
        })
    }
}

/// The `-v` lines of one delivery, and the transcript a bounce shows (`... while
/// talking to [h]:`, the command, the refusal, the recipient's status).
struct Dialogue {
    verbose: Verbose,
    text: String,
    transcript: String,
    host: String,
    /// The host the transcript last named.
    named: Option<String>,
    /// Connections opened so far.
    connects: usize,
    last_sent: String,
    /// The enhanced code of the last refusal.
    enhanced: Option<String>,
}

impl Dialogue {
    fn new(dest: &Destination, rcpts: &[Rcpt]) -> Dialogue {
        let verbose = Verbose {
            mailer: dest.mailer.clone(),
            show_port: dest.port != 25,
            recipients: rcpts.iter().map(|r| r.paddr.clone()).collect(),
        };
        Dialogue {
            verbose,
            text: String::new(),
            transcript: String::new(),
            host: dest.printable(),
            named: None,
            connects: 0,
            last_sent: String::new(),
            enhanced: None,
        }
    }

    /// Adds a refusal (`<<< line`) to the transcript, after the command it answers.
    fn refused(&mut self, line: &str) {
        if self.named.as_deref() != Some(&self.host) {
            self.transcript.push_str(&format!("... while talking to {}:\n", self.host));
            self.named = Some(self.host.clone());
        }
        self.transcript.push_str(&format!(">>> {}\n<<< {line}\n", self.last_sent));
        self.enhanced = enhanced(line);
    }
}

impl Observer for Dialogue {
    fn event(&mut self, event: &Event) {
        let line = self.verbose.line(event);
        match event {
            Event::Connecting { host, .. } => {
                self.host = host.clone();
                self.connects += 1;
            }
            Event::Reusing { host, .. } => self.host = host.clone(),
            Event::Sent(command) => self.last_sent = command.clone(),
            Event::Received(reply) if reply.starts_with(['4', '5']) => self.refused(reply),
            Event::Status { code, .. } if *code >= 500 => {
                let enhanced = self.enhanced.clone().unwrap_or_default();
                let text = line.clone().unwrap_or_default();
                self.transcript.push_str(&format!("{code} {enhanced} {text}\n"));
            }
            Event::Status { text, .. } if text.starts_with("Deferred") => {
                self.transcript.push_str(&format!("{}\n", line.clone().unwrap_or_default()));
            }
            _ => {}
        }
        if let Some(line) = line {
            self.text.push_str(&line);
            self.text.push('\n');
        }
    }
}

/// The client's credentials of an authinfo entry: a missing user id is the
/// authentication id and the other way round, as sendmail has it.
fn credentials(info: spool::authinfo::AuthInfo) -> smtp::client::Credentials {
    let authid = info.authid.clone().or(info.user.clone()).unwrap_or_default();
    smtp::client::Credentials {
        authzid: info.user.unwrap_or_else(|| authid.clone()),
        authid,
        password: info.password.unwrap_or_default(),
        mechanisms: info.mechanisms.iter().map(|m| m.to_ascii_uppercase()).collect(),
    }
}

/// The client's envelope of `message` to `rcpts`.
fn envelope(message: &Message<'_>, rcpts: &[Rcpt]) -> Envelope {
    let recipients = rcpts
        .iter()
        .map(|r| Recipient {
            orcpt: r.orcpt.clone(),
            display: r.paddr.clone(),
            ..Recipient::new(&r.address)
        })
        .collect();
    Envelope {
        id: message.id.to_string(),
        sender: message.sender.to_string(),
        recipients,
        size: message.data.len() as u64,
        envid: message.envid.map(String::from),
        ..Envelope::default()
    }
}

/// The header (with its final LF) and the body of the mailer's text.
fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at + 1], &data[at + 2..]),
        None => (data, &[]),
    }
}

/// The `relay=` of the host last connected to (the client tries `targets` in order,
/// announcing each connection), as sendmail names it.
fn relay_of(targets: &[Target], dialogue: &Dialogue) -> String {
    let last = dialogue.connects.checked_sub(1).and_then(|i| targets.get(i));
    let last = last.filter(|t| t.host == dialogue.host);
    let target = last.or_else(|| targets.iter().find(|t| t.host == dialogue.host));
    target.or(targets.first()).map(|t| format!("{} [{}]", t.host, t.ip)).unwrap_or_default()
}

/// The transport's result for one recipient's status.
fn result(status: &Status, relay: String) -> RcptResult {
    match &status.reply {
        Some(line) => {
            let code = line.get(..3).and_then(|c| c.parse().ok()).unwrap_or(status.code);
            let remote_mta = relay.split(' ').next_back().unwrap_or_default().to_string();
            let reply = Reply { code, enhanced: enhanced(line), text: line.clone() };
            RcptResult::Replied { reply, relay, remote_mta }
        }
        None => {
            let temporary = status.exit.class() == smtp::client::Class::Deferred;
            let text = status.text.strip_prefix("Deferred: ").unwrap_or(&status.text);
            RcptResult::Unreachable { temporary, text: text.to_string(), relay: Some(relay) }
        }
    }
}

/// The enhanced status code of a reply line (`550 5.1.1 ...`), if it has one.
fn enhanced(line: &str) -> Option<String> {
    let rest = line.get(4..)?;
    enhanced_code(rest).and_then(|n| rest.get(..n)).map(String::from)
}

fn unreachable(temporary: bool, text: &str) -> RcptResult {
    RcptResult::Unreachable { temporary, text: text.to_string(), relay: None }
}

/// sendmail's words for a host that cannot be looked up.
fn lookup_failure(failure: Failure, host: &str) -> RcptResult {
    match failure {
        Failure::NotFound => {
            unreachable(false, &format!("Host unknown (Name server: {host}: host not found)"))
        }
        Failure::TempFail => {
            unreachable(true, &format!("Name server: {host}: host name lookup failure"))
        }
    }
}
