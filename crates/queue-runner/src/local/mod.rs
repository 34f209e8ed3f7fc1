//! Local delivery: a user's mailbox, a program, a file.
//!
//! | target | mailer | how | runs as |
//! |---|---|---|---|
//! | user | `local` | the configured program (procmail, ...) or [`mbox`] | the queue runner with `S`, else `DefaultUser` |
//! | `\|command` | `prog` | `sh -c command` ([`child`]) | the controlling user (`o`), `DefaultUser` for root or an alias |
//! | `/file` | `*file*` | this program's file agent ([`crate::agent`]) | the same |
//! | `/dev/null` | `*file*` | nothing is written | |
//!
//! Each returns an [`Outcome`] worded as sendmail words it, the lines it adds to the
//! transcript (the mailer's own output, then sendmail's line for a failure) and the
//! lines `-v` prints (`root... Connecting to local...`). When the queue runner is not
//! root, every mailer runs as the queue runner.
//!
//! # Errors
//! None: a failure is an outcome.

pub mod child;
pub mod mailers;
pub mod mbox;
pub mod render;

use crate::job::model::{Ctl, Dest, Outcome, State, Target};
use crate::job::status;
use crate::senders::{Kind, Side};
use crate::settings::Settings;
use jiff::Timestamp;
use mailers::{Local, Program};
use render::Render;
use spool::qf::envelope::Envelope;
use std::path::{Path, PathBuf};

/// The message being delivered, as every local mailer needs it.
pub struct Message<'a> {
    /// The envelope (headers, flags, sender).
    pub env: &'a Envelope,
    /// The body.
    pub df: &'a [u8],
    /// `$g` for the local mailers.
    pub sender: String,
    /// The sender as a controlling user, when it is a local user.
    pub sender_ctl: Option<Ctl>,
}

/// One local delivery's results.
#[derive(Debug)]
pub struct Delivered {
    /// What happened.
    pub outcome: Outcome,
    /// Transcript lines, each ending in LF.
    pub transcript: String,
    /// `-v` lines printed before the result.
    pub verbose: Vec<String>,
}

/// Delivers `message` to local target `target` (its `dest` must be local).
pub async fn deliver(settings: &Settings, message: &Message<'_>, target: &Target) -> Delivered {
    let started = Timestamp::now();
    match &target.dest {
        Ok(Dest::Mailbox { user, detail }) => match &settings.mailers.local {
            Local::Program(p) => {
                let g = envelope_sender(settings, message);
                let vars = Vars {
                    u: &user.name,
                    h: detail.as_deref().unwrap_or(""),
                    g: &g,
                    z: &user.home,
                };
                let spawn = spawn(settings, p, &vars, message, target, Path::new("/"));
                program(settings, message, target, p, spawn, started, "Connecting to local...")
                    .await
            }
            Local::Builtin { dir } => builtin(settings, message, target, dir, user, started).await,
        },
        Ok(Dest::Program(command)) => {
            let p = &settings.mailers.prog;
            let home = run_as_home(settings, p, message, target).await;
            let g = envelope_sender(settings, message);
            let vars = Vars { u: command, h: "", g: &g, z: &home };
            let spawn = spawn(settings, p, &vars, message, target, &home);
            program(settings, message, target, p, spawn, started, "Connecting to prog...").await
        }
        Ok(Dest::File(path)) if path == Path::new("/dev/null") => Delivered {
            outcome: status::mailer_exit("*file*", "[FILE]", 0, started, Timestamp::now()),
            transcript: String::new(),
            verbose: Vec::new(),
        },
        Ok(Dest::File(path)) => file(settings, message, target, path, started).await,
        Ok(Dest::Remote { .. }) | Err(_) => unreachable!("only local targets are delivered here"),
    }
}

/// The macros of a mailer's arguments.
struct Vars<'a> {
    u: &'a str,
    h: &'a str,
    g: &'a str,
    z: &'a Path,
}

impl Vars<'_> {
    fn expand(&self, arg: &str) -> String {
        arg.replace("$u", self.u)
            .replace("$h", self.h)
            .replace("$g", self.g)
            .replace("$z", &self.z.to_string_lossy())
    }
}

/// The uid and gid a mailer runs as (`None`: as the queue runner).
fn run_as(
    settings: &Settings,
    flags: &str,
    message: &Message,
    target: &Target,
) -> Option<(u32, u32)> {
    if !nix::unistd::geteuid().is_root() || flags.contains('S') {
        return None;
    }
    let default = &settings.directory.default_user;
    let ctl = match flags.contains('o') {
        true => target.ctl.as_ref().or(message.sender_ctl.as_ref()),
        false => message.sender_ctl.as_ref(),
    };
    match ctl {
        Some(c) if c.uid != 0 => Some((c.uid, if c.gid == 0 { default.gid } else { c.gid })),
        _ => Some((default.uid, default.gid)),
    }
}

/// The home directory of whom the prog mailer runs as (`D=$z:/`).
async fn run_as_home(
    settings: &Settings,
    p: &Program,
    message: &Message<'_>,
    target: &Target,
) -> PathBuf {
    let uid = run_as(settings, &p.flags, message, target)
        .map_or(nix::unistd::geteuid().as_raw(), |(u, _)| u);
    let home = tokio::task::spawn_blocking(move || {
        nix::unistd::User::from_uid(uid.into()).ok().flatten().map(|u| u.dir)
    });
    home.await.ok().flatten().unwrap_or_else(|| PathBuf::from("/"))
}

fn spawn(
    settings: &Settings,
    p: &Program,
    vars: &Vars,
    message: &Message,
    target: &Target,
    dir: &Path,
) -> child::Spawn {
    child::Spawn {
        path: p.path.clone(),
        argv: p.argv.iter().map(|a| vars.expand(a)).collect(),
        user: run_as(settings, &p.flags, message, target),
        dir: dir.to_path_buf(),
    }
}

/// `$g` for the `local` and `prog` mailers: the sender through `EnvFromL`
/// (`MAILER-DAEMON`, the null sender, as it is).
fn envelope_sender(settings: &Settings, message: &Message) -> String {
    match message.sender.as_str() {
        "MAILER-DAEMON" => message.sender.clone(),
        sender => settings.senders.rewrite(sender, Side::Envelope, Kind::Local),
    }
}

/// How a mailer writes the message: `g` is its `$g`; `rewrite` says whether it has
/// the sender rulesets of the `local` and `prog` mailers (`*file*` has none).
fn render<'a>(
    settings: &'a Settings,
    message: &'a Message,
    flags: &'a str,
    g: &'a str,
    rewrite: bool,
) -> Render<'a> {
    Render {
        flags,
        sender: g,
        host: &settings.host,
        headers: &message.env.headers,
        delete_bcc: message.env.flags.contains('b'),
        now: Timestamp::now(),
        rewrite: rewrite.then_some((&settings.senders, Kind::Local)),
    }
}

async fn program(
    settings: &Settings,
    message: &Message<'_>,
    target: &Target,
    p: &Program,
    spawn: child::Spawn,
    started: Timestamp,
    connecting: &str,
) -> Delivered {
    let g = envelope_sender(settings, message);
    let input = render(settings, message, &p.flags, &g, true).message(message.df);
    let ended = child::run(&spawn, &input).await;
    let path = p.path.to_string_lossy();
    let outcome = status::mailer_exit(p.name, &path, ended.exit, started, Timestamp::now());
    let verbose = vec![format!("{}... {connecting}", target.paddr)];
    finish(target, outcome, ended.output, verbose)
}

/// The transcript of a local delivery: the mailer's output, then sendmail's line.
fn finish(target: &Target, outcome: Outcome, output: Vec<u8>, verbose: Vec<String>) -> Delivered {
    let mut transcript = String::from_utf8_lossy(&output).into_owned();
    if !transcript.is_empty() && !transcript.ends_with('\n') {
        transcript.push('\n');
    }
    match outcome.state {
        State::Sent if target.ping_success() => {
            transcript.push_str(&format!("{}... Successfully delivered\n", target.paddr));
        }
        State::Sent => {}
        State::Deferred => transcript.push_str(&format!("{}... {}\n", target.paddr, outcome.stat)),
        State::Failed => {
            let (code, dsn) = status::exit_reply(&outcome);
            transcript.push_str(&format!("{code} {dsn} {}... {}\n", target.paddr, outcome.stat));
        }
    }
    Delivered { outcome, transcript, verbose }
}

async fn builtin(
    settings: &Settings,
    message: &Message<'_>,
    target: &Target,
    dir: &Path,
    user: &spool::forward::User,
    started: Timestamp,
) -> Delivered {
    let flags = settings.mailers.local_flags();
    let g = envelope_sender(settings, message);
    let text = render(settings, message, &flags, &g, true).message(message.df);
    let entry = mbox::entry(&g, &render::ctime(Timestamp::now()), &text);
    let path = dir.join(&user.name);
    let owner = mbox::Owner { uid: user.uid, gid: user.gid };
    let root = nix::unistd::geteuid().is_root();
    let appended =
        tokio::task::spawn_blocking(move || mbox::append(&path, owner, root, &entry)).await;
    let (exit, output) = match appended {
        Ok(Ok(())) => (0, Vec::new()),
        Ok(Err(e)) => (spool::sysexits::EX_TEMPFAIL, format!("mailbox: {e}\n").into_bytes()),
        Err(e) => (spool::sysexits::EX_TEMPFAIL, format!("mailbox: {e}\n").into_bytes()),
    };
    let outcome = status::mailer_exit("local", "[mbox]", exit, started, Timestamp::now());
    let verbose = vec![format!("{}... Connecting to local...", target.paddr)];
    finish(target, outcome, output, verbose)
}

async fn file(
    settings: &Settings,
    message: &Message<'_>,
    target: &Target,
    path: &Path,
    started: Timestamp,
) -> Delivered {
    let flags = &settings.mailers.file_flags;
    let mut input = render(settings, message, flags, &message.sender, false).message(message.df);
    if !input.ends_with(b"\n") {
        input.push(b'\n');
    }
    input.push(b'\n');
    let spawn = child::Spawn {
        path: settings.agent.clone(),
        argv: vec![
            "queue-runner".into(),
            crate::agent::FLAG.into(),
            path.to_string_lossy().into_owned(),
        ],
        user: run_as(settings, flags, message, target),
        dir: PathBuf::from("/"),
    };
    let ended = child::run(&spawn, &input).await;
    let outcome = status::mailer_exit("*file*", "[FILE]", ended.exit, started, Timestamp::now());
    finish(target, outcome, ended.output, Vec::new())
}
