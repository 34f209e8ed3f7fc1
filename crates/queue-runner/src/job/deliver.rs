//! Delivering the targets of one message, in sendmail's order (its `sendall`).
//!
//! The targets are worked in list order. A local one is delivered on its own; a
//! remote one takes with it every later target for the same destination, and the
//! group is sent in one transaction with the recipients in reverse list order (the
//! order sendmail's `deliver` chains them in). Each outcome is logged, printed with
//! `-v`, and feeds the envelope's status message: a failure replaces it, a deferral
//! only sets it when there is none (sendmail's `e_message`).
//!
//! A message with more `Received:` (and `Via:`, `Mail-From:`) fields than
//! `MaxHopCount` is not delivered at all: every recipient fails with `5.4.6`.

use super::logline::Line;
use super::model::{Ctl, Dest, Outcome, State, Target};
use super::{status, Loaded, Runner};
use crate::local::{self, render};
use crate::senders::{Kind, Side};
use crate::transport::{Message, Rcpt};
use spool::log::Severity;
use spool::qf::envelope::Envelope;

/// A message's delivery attempt, before its qf is rewritten.
#[derive(Debug)]
pub struct Attempted {
    /// The targets, in list order.
    pub targets: Vec<Target>,
    /// One outcome per target.
    pub outcomes: Vec<Outcome>,
    /// The transcript (what a bounce shows).
    pub transcript: String,
    /// The envelope's status message.
    pub message: Option<String>,
    /// sendmail's exit status for the run.
    pub exit: i32,
}

/// What the delivery loop keeps track of.
struct Work<'a> {
    runner: &'a Runner,
    env: &'a Envelope,
    id: String,
    sender_ctl: Option<Ctl>,
    outcomes: Vec<Option<Outcome>>,
    transcript: String,
    message: Option<String>,
    exit: i32,
}

/// Delivers every target of `loaded`.
pub async fn run(runner: &Runner, loaded: &Loaded) -> Attempted {
    let settings = runner.settings.clone();
    let env = loaded.env.clone();
    // Maps, passwd and include files are read: off the async threads.
    let (expansion, sender_ctl) = tokio::task::spawn_blocking(move || {
        let expansion = crate::expand::expand(&settings.directory, &env.recipients);
        (expansion, sender_ctl(&settings, &env))
    })
    .await
    .unwrap_or_default();
    for line in &expansion.verbose {
        runner.verbose.line(line);
    }
    let targets = expansion.targets;
    let mut work = Work {
        runner,
        env: &loaded.env,
        id: loaded.job.id().to_string(),
        sender_ctl,
        outcomes: vec![None; targets.len()],
        transcript: String::new(),
        message: None,
        exit: 0,
    };
    let df: &[u8] = loaded.df.as_deref().unwrap_or(b"<<< No Message Collected >>>\n");
    let hops = hop_count(&loaded.env);
    if hops > runner.settings.max_hops {
        work.too_many_hops(&targets, hops);
    } else {
        work.deliver_all(&targets, df).await;
    }
    let now = jiff::Timestamp::now();
    let outcomes = work.outcomes.into_iter().map(|o| o.unwrap_or_else(|| unreached(now))).collect();
    Attempted {
        targets,
        outcomes,
        transcript: work.transcript,
        message: work.message,
        exit: work.exit,
    }
}

fn unreached(now: jiff::Timestamp) -> Outcome {
    status::mailer_exit("local", "", spool::sysexits::EX_TEMPFAIL, now, now)
}

/// The sender as a controlling user, when it is a local user (`ctladdr=` of every
/// delivery by a mailer that does not run as the recipient).
fn sender_ctl(settings: &crate::settings::Settings, env: &Envelope) -> Option<Ctl> {
    let paddr = String::from_utf8_lossy(&env.sender).into_owned();
    let bare = paddr.trim_start_matches('<').trim_end_matches('>');
    let (user, domain) = match bare.rsplit_once('@') {
        Some((u, d)) => (u, Some(d)),
        None => (bare, None),
    };
    if user.is_empty() || domain.is_some_and(|d| !settings.directory.local_names.contains(d)) {
        return None;
    }
    let found = settings.directory.users.user(user)?;
    Some(Ctl { user: Some(found.name), uid: found.uid, gid: found.gid, paddr })
}

/// The `Received:`, `Via:` and `Mail-From:` fields of the header (sendmail's hops).
fn hop_count(env: &Envelope) -> usize {
    env.headers
        .iter()
        .filter(|h| {
            let name = h.text.split(|&b| b == b':').next().unwrap_or_default();
            let name = String::from_utf8_lossy(name);
            ["Received", "Via", "Mail-From"].iter().any(|n| name.trim().eq_ignore_ascii_case(n))
        })
        .count()
}

impl Work<'_> {
    fn too_many_hops(&mut self, targets: &[Target], hops: usize) {
        let max = self.runner.settings.max_hops;
        let first = targets.first().map_or("(nobody)", |t| t.paddr.as_str());
        let sender = String::from_utf8_lossy(&self.env.sender).into_owned();
        let text =
            format!("Too many hops {hops} ({max} max): from {sender} via localhost, to {first}");
        self.transcript.push_str(&format!("554 5.4.6 {text}\n"));
        self.runner.verbose.line(&text);
        self.message = Some(text);
        self.exit = spool::sysexits::EX_UNAVAILABLE;
        let now = jiff::Timestamp::now();
        for slot in &mut self.outcomes {
            let mut failed =
                status::mailer_exit("local", "", spool::sysexits::EX_UNAVAILABLE, now, now);
            failed.started = None;
            failed.dsn = "5.4.6".into();
            failed.status = "5.4.6".into();
            failed.reply = Some("554 5.4.6 Too many hops".into());
            failed.diagnostic = Some(("X-Unix".into(), "554 5.4.6 Too many hops".into()));
            *slot = Some(failed);
        }
    }

    async fn deliver_all(&mut self, targets: &[Target], df: &[u8]) {
        for i in 0..targets.len() {
            if self.outcomes[i].is_some() {
                continue;
            }
            match &targets[i].dest {
                Err(failure) => {
                    let outcome = status::expansion(failure, jiff::Timestamp::now());
                    if !failure.transcript.is_empty() {
                        self.transcript.push_str(&format!("{}\n", failure.transcript));
                    }
                    if failure.text != "aliasing/forwarding loop broken" {
                        self.runner
                            .verbose
                            .line(&format!("{}... {}", targets[i].paddr, outcome.stat));
                    }
                    let mailer =
                        if failure.logged { Some(failure_mailer(&targets[i])) } else { None };
                    self.record(&targets[i], i, outcome, mailer, None);
                }
                Ok(Dest::Remote { dest, .. }) => {
                    let dest = dest.clone();
                    self.remote_group(targets, i, &dest, df).await;
                }
                Ok(dest) => {
                    let mailer = dest.mailer().to_string();
                    self.local(&targets[i], i, df, &mailer).await;
                }
            }
        }
    }

    async fn local(&mut self, target: &Target, i: usize, df: &[u8], mailer: &str) {
        let message = local::Message {
            env: self.env,
            df,
            sender: render::local_sender(&self.env.sender),
            sender_ctl: self.sender_ctl.clone(),
        };
        let _slot = self.runner.limits.acquire("local").await;
        let _mailbox = match (&target.dest, &self.runner.settings.mailers.local) {
            (Ok(Dest::Mailbox { user, .. }), spool::settings::Local::Builtin { .. }) => {
                Some(self.runner.limits.acquire_mailbox(&user.name).await)
            }
            _ => None,
        };
        let delivered = local::deliver(&self.runner.settings, &message, target).await;
        for line in &delivered.verbose {
            self.runner.verbose.line(line);
        }
        self.runner.verbose.line(&format!("{}... {}", target.paddr, delivered.outcome.stat));
        self.transcript.push_str(&delivered.transcript);
        let ctl = match mailer {
            "prog" | "*file*" => target.ctl.clone().or_else(|| self.sender_ctl.clone()),
            _ => self.sender_ctl.clone(),
        };
        self.record(target, i, delivered.outcome, Some(mailer.to_string()), ctl);
    }

    async fn remote_group(
        &mut self,
        targets: &[Target],
        first: usize,
        dest: &crate::route::Destination,
        df: &[u8],
    ) {
        let mut members: Vec<usize> = (first..targets.len())
            .filter(|&j| self.outcomes[j].is_none())
            .filter(|&j| matches!(&targets[j].dest, Ok(Dest::Remote { dest: d, .. }) if d == dest))
            .collect();
        members.reverse();
        let rcpts: Vec<Rcpt> = members.iter().map(|&j| rcpt(&targets[j])).collect();
        let settings = &self.runner.settings;
        let sender = match remote_sender(&self.env.sender, &settings.host) {
            s if s.is_empty() => s,
            s => settings.senders.rewrite(&s, Side::Envelope, Kind::Smtp),
        };
        let data = self.remote_data(df, &sender);
        let message = Message {
            id: &self.id,
            sender: &sender,
            body_type: self.env.body_type.as_deref(),
            envid: self.env.envid.as_deref().map(|e| std::str::from_utf8(e).unwrap_or_default()),
            ret_hdrs: self.env.flags.contains('d').then(|| self.env.flags.contains('n')),
            data: &data,
        };
        let key = format!("{}:{}:{}", dest.mailer, dest.host, dest.port);
        let _slot = self.runner.limits.acquire(&key).await;
        let delivery = self.runner.transport.deliver(dest, &message, &rcpts).await;
        self.runner.verbose.raw(&delivery.dialogue);
        self.transcript.push_str(&delivery.transcript);
        let now = jiff::Timestamp::now();
        let unanswered = crate::transport::RcptResult::Unreachable {
            temporary: true,
            text: "no result from the SMTP client".into(),
            relay: None,
        };
        let mut outcomes: Vec<(usize, Outcome)> = members
            .iter()
            .enumerate()
            .map(|(k, &j)| {
                let mut outcome =
                    status::remote(delivery.results.get(k).unwrap_or(&unanswered), now);
                outcome.started = Some(now);
                (j, outcome)
            })
            .collect();
        // A refused recipient is known at its RCPT reply, a delivered one at the end
        // of DATA: sendmail logs them in that order.
        outcomes.sort_by_key(|(_, o)| o.state == State::Sent);
        for (j, outcome) in outcomes {
            // A transport with a dialogue printed each status where it happened.
            if delivery.dialogue.is_empty() {
                self.runner.verbose.line(&format!("{}... {}", targets[j].paddr, outcome.stat));
            }
            let ctl = self.sender_ctl.clone();
            self.record(&targets[j], j, outcome, Some(dest.mailer.clone()), ctl);
        }
    }

    /// The message as the SMTP mailers write it (`mDFMuXa8`: no Return-Path).
    fn remote_data(&self, df: &[u8], sender: &str) -> Vec<u8> {
        let g = if sender.is_empty() { "MAILER-DAEMON".to_string() } else { sender.to_string() };
        render::Render {
            flags: "mDFMuXa8n",
            sender: &g,
            host: &self.runner.settings.host,
            headers: &self.env.headers,
            delete_bcc: self.env.flags.contains('b'),
            now: jiff::Timestamp::now(),
            rewrite: Some((&self.runner.settings.senders, Kind::Smtp)),
        }
        .message(df)
    }

    /// Logs and keeps one target's outcome; `mailer` is `None` for what sendmail
    /// does not log.
    fn record(
        &mut self,
        target: &Target,
        i: usize,
        outcome: Outcome,
        mailer: Option<String>,
        ctl: Option<Ctl>,
    ) {
        if let Some(mailer) = mailer {
            let line = Line {
                id: &self.id,
                to: &target.paddr,
                ctl: ctl.as_ref(),
                created: self.env.created,
                mailer: &mailer,
                priority: self.env.priority,
                outcome: &outcome,
            };
            self.runner.log.log(Severity::Info, &line.render(jiff::Timestamp::now()));
        }
        match outcome.state {
            State::Failed => {
                self.message = Some(outcome.stat.clone());
                if self.exit == 0 {
                    self.exit = status::exit_of(&outcome);
                }
            }
            State::Deferred if self.message.is_none() => self.message = Some(outcome.stat.clone()),
            _ => {}
        }
        self.outcomes[i] = Some(outcome);
    }
}

/// The mailer sendmail names in the log line of an address that failed expansion.
fn failure_mailer(target: &Target) -> String {
    if target.paddr.contains('@') && !target.paddr.contains(":include:") {
        "esmtp".into()
    } else {
        "local".into()
    }
}

/// `MAIL FROM:` for the SMTP mailers: the sender qualified with `$j`, empty for `<>`.
pub fn remote_sender(sender: &[u8], host: &str) -> String {
    let text = String::from_utf8_lossy(sender);
    let bare = text.trim().trim_start_matches('<').trim_end_matches('>');
    match bare {
        "" | "MAILER-DAEMON" => String::new(),
        b if b.contains('@') => b.to_string(),
        b => format!("{b}@{host}"),
    }
}

/// The `RCPT TO:` of a target, with its DSN parameters.
fn rcpt(target: &Target) -> Rcpt {
    let Ok(Dest::Remote { address, .. }) = &target.dest else { unreachable!("a remote target") };
    let notify = target.notify.contains('N').then(|| {
        let words: Vec<&str> = [('S', "SUCCESS"), ('F', "FAILURE"), ('D', "DELAY")]
            .iter()
            .filter(|(c, _)| target.notify.contains(*c))
            .map(|(_, w)| *w)
            .collect();
        if words.is_empty() {
            "NEVER".to_string()
        } else {
            words.join(",")
        }
    });
    Rcpt {
        address: address.clone(),
        paddr: target.paddr.clone(),
        notify,
        orcpt: target.orcpt.as_ref().map(|o| String::from_utf8_lossy(o).into_owned()),
    }
}
