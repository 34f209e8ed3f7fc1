//! The milters at pickup: locally submitted mail passes the same
//! `INPUT_MAIL_FILTER`s as mail received over SMTP, as sendmail's MTA runs them on
//! what its MSP relays from localhost (so opendkim signs cron's mail).
//!
//! The filters see the session sendmail's MTA would show them: a client
//! `localhost [127.0.0.1]`, HELO `$j`, MAIL and RCPT of the queue file, then the
//! header the MTA queues (its own `Received:` included) and the body. What they
//! change goes into the new queue file before the commit: header fields, body,
//! sender, recipients, quarantine (the file becomes `hf`).
//!
//! ```text
//! filters say              the client files
//! continue, accept         picked up, changed as the filters left them
//! discard                  removed, nothing queued          Milter: data, discard
//! 4xx, tempfail, 421       left for the next pickup         Milter: data, reject=451 ...
//! 5xx, reject              set aside as Qf (logged)         Milter: data, reject=554 ...
//! ```
//!
//! A filter that is down, slow or talks garbage answers by its `F=`, so with `F=T`
//! the message waits in the client queue, and with no flag it passes unfiltered.
//! The exchange runs on the blocking thread of the pickup, driving the filters'
//! sockets through the multi-threaded runtime (`Handle::block_on`), else through a
//! small runtime of its own; no runtime thread waits.
//!
//! # Errors
//! None of its own: the outcome is a [`Filtered`].

use crate::settings::Settings;
use milter::{Chain, Family, Field, Macros, Message, Rcpt, Verdict};
use spool::inbound::InboundRecipient;
use spool::log::{Severity, Syslog};
use spool::qf::envelope::{Envelope, Header};
use spool::queue::QueueId;

/// What the filters made of a message.
pub enum Filtered {
    /// Queue it (with the changes applied to the qf; the new body, if replaced).
    Queue(Option<Vec<u8>>),
    /// Throw it away.
    Discard,
    /// Leave it in the client queue for now.
    Later(String),
    /// Refuse it with this 5xx reply.
    Refuse(String),
}

/// Runs the filters of `settings` on the new queue file `qf` (changed in place)
/// and its body `df`.
pub fn run(
    settings: &Settings,
    id: &QueueId,
    qf: &mut Envelope,
    df: &[u8],
    log: &Syslog,
) -> Filtered {
    if settings.milters.is_empty() {
        return Filtered::Queue(None);
    }
    let mut message = message_of(qf, df);
    let macros: Macros = [
        ("j", settings.host.clone()),
        ("_", "localhost [127.0.0.1]".to_string()),
        ("{daemon_name}", "MTA".to_string()),
        ("i", id.to_string()),
        ("{client_addr}", "127.0.0.1".to_string()),
        ("{client_name}", "localhost".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let exchange = session(settings, &mut message, &macros);
    // A multi-threaded runtime's handle drives the sockets from this blocking
    // thread; a current-thread one could not (its own thread waits for us), so
    // then, as outside any runtime, a small runtime of our own does.
    let multi = tokio::runtime::Handle::try_current()
        .ok()
        .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    let (verdict, lines) = match multi {
        Some(handle) => handle.block_on(exchange),
        None => match tokio::runtime::Builder::new_current_thread().enable_all().build() {
            Ok(rt) => rt.block_on(exchange),
            Err(e) => return Filtered::Later(format!("Milter: cannot start: {e}")),
        },
    };
    for line in lines {
        log.log(Severity::Info, &format!("{id}: {line}"));
    }
    let refusal = |text: String| format!("Milter: data, reject={text}");
    match verdict {
        Verdict::Continue => {
            apply(qf, &message);
            Filtered::Queue(message.body_replaced.then_some(message.body))
        }
        Verdict::Discard => {
            log.log(Severity::Info, &format!("{id}: Milter: data, discard"));
            Filtered::Discard
        }
        Verdict::Reject => Filtered::Refuse("554 5.7.1 Command rejected".into()),
        Verdict::Reply(text) if text.starts_with('5') => Filtered::Refuse(text),
        other => Filtered::Later(refusal(other.reply_text().unwrap_or_default())),
    }
}

/// The whole SMTP-like session with the filters; the first stage that does not
/// continue decides.
async fn session(
    settings: &Settings,
    message: &mut Message,
    macros: &Macros,
) -> (Verdict, Vec<String>) {
    let family = Family::Inet(0, b"127.0.0.1".to_vec());
    let lists = settings.milter_macros.clone();
    let (mut chain, mut verdict) =
        Chain::connect(&settings.milters, lists, "localhost", family, macros).await;
    if verdict == Verdict::Continue {
        verdict = chain.helo(&settings.host, macros).await;
    }
    if verdict == Verdict::Continue {
        verdict = chain.mail(std::slice::from_ref(&message.sender), macros).await;
    }
    for rcpt in message.recipients.clone() {
        if verdict == Verdict::Continue {
            verdict = chain.rcpt(&[rcpt.address], macros).await;
        }
    }
    if verdict == Verdict::Continue {
        verdict = chain.data(macros).await;
    }
    if verdict == Verdict::Continue {
        verdict = chain.eom(message, macros).await;
    }
    chain.quit().await;
    (verdict, chain.take_log())
}

/// The message as the filters see it: the qf's unconditional header fields (its
/// `Return-Path` template is not a field yet) and the df.
fn message_of(qf: &Envelope, df: &[u8]) -> Message {
    Message {
        sender: String::from_utf8_lossy(&qf.sender).into_owned(),
        recipients: qf
            .recipients
            .iter()
            .map(|r| Rcpt {
                address: String::from_utf8_lossy(&r.address).into_owned(),
                args: String::new(),
            })
            .collect(),
        headers: qf
            .headers
            .iter()
            .filter(|h| h.condition.is_empty())
            .filter_map(|h| Field::parse(&h.text))
            .collect(),
        body: df.to_vec(),
        ..Message::default()
    }
}

/// The filters' changes into the qf: the conditional headers stay first, the
/// fields follow as the filters left them; kept recipients keep their lines.
fn apply(qf: &mut Envelope, message: &Message) {
    let mut headers: Vec<Header> =
        qf.headers.iter().filter(|h| !h.condition.is_empty()).cloned().collect();
    headers
        .extend(message.headers.iter().map(|f| Header { condition: Vec::new(), text: f.text() }));
    qf.headers = headers;
    if message.sender_changed {
        qf.sender =
            format!("<{}>", message.sender.trim().trim_start_matches('<').trim_end_matches('>'))
                .into_bytes();
    }
    let old = std::mem::take(&mut qf.recipients);
    for rcpt in &message.recipients {
        let bare = rcpt.bare();
        let kept = old.iter().find(|r| {
            r.address.strip_prefix(b"<").and_then(|a| a.strip_suffix(b">")).unwrap_or(&r.address)
                == bare.as_bytes()
        });
        let line = match kept {
            Some(r) => r.clone(),
            None => spool::inbound::recipient(&InboundRecipient {
                address: bare.to_string(),
                notify: rcpt.notify().map(|(success, failure, delay)| spool::inbound::Notify {
                    success,
                    failure,
                    delay,
                }),
                orcpt: None,
            }),
        };
        qf.recipients.push(line);
    }
    qf.quarantine = message.quarantine.clone().map(String::into_bytes);
}
