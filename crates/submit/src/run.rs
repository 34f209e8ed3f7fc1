//! submit's work: set up the process, resolve the command line, do the mode's job.

use crate::settings::{self, Mode, Settings};
use crate::user::Caller;
use crate::{bs, enqueue, flags, privileges, run_as, siblings, transcript, verify, version};
use anyhow::Result;
use spool::log::Syslog;
use spool::sysexits::{Exit, EX_OK, EX_UNAVAILABLE, EX_USAGE};
use std::io::{self, Write};

/// Runs submit as `prog` with `args` (without the program name); returns the exit code.
pub fn run(prog: &str, args: Vec<String>) -> Result<i32> {
    privileges::sanitize_process();
    let caller = Caller::current();
    // Before anything is opened: a non-root caller naming a config, a file or an
    // unsafe option loses the queue group (this also covers mailq and newaliases).
    if caller.uid != 0 && privileges::is_setgid() && privileges::asks_for_unsafe(&args) {
        privileges::drop_setgid()?;
    }
    match prog {
        "mailq" => return siblings::exec("mailq", "mailq", &args).map(|_| EX_OK),
        "newaliases" => return siblings::exec("newaliases", "newaliases", &args).map(|_| EX_OK),
        "hoststat" | "purgestat" => {
            return Err(Exit {
                code: EX_UNAVAILABLE,
                message: format!("{prog} is not supported: ferrymail keeps no host status"),
            }
            .into())
        }
        _ => {}
    }
    let flags = flags::parse(args.clone())?;
    let settings = settings::resolve(flags, caller)?;
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if settings.show_version {
        version::print(&mut out, &settings)?;
    }
    // Before the message is read and any queue file created: root becomes RunAsUser.
    if matches!(settings.mode, Mode::Deliver | Mode::Smtp) {
        run_as::become_queue_owner(&settings)?;
    }
    match &settings.mode {
        Mode::Deliver => deliver(&settings, &mut out),
        Mode::Smtp => bs::run(&settings),
        Mode::Print => siblings::exec("mailq", "-bp", &args).map(|_| EX_OK),
        Mode::InitAliases => siblings::exec("newaliases", "-bi", &args).map(|_| EX_OK),
        Mode::QueueRun => siblings::exec("queue-runner", "-q", &args).map(|_| EX_OK),
        Mode::Daemon => siblings::exec("smtpd", "-bd", &args).map(|_| EX_OK),
        Mode::Verify => verify::run(&settings, &mut out),
        Mode::Test => Err(Exit {
            code: EX_UNAVAILABLE,
            message: "address test mode (-bt) is not provided: sendmail.cf rulesets are not used; \
                      use -bv to see how an address is delivered"
                .into(),
        }
        .into()),
        Mode::Unsupported(what) => Err(Exit {
            code: EX_UNAVAILABLE,
            message: format!("{what} is not supported: ferrymail keeps no host status"),
        }
        .into()),
    }
}

/// `-bm`: read the message from stdin and queue it.
fn deliver(settings: &Settings, out: &mut dyn Write) -> Result<i32> {
    if settings.recipients.is_empty() && !settings.read_recipients {
        writeln!(out, "Recipient names must be specified")?;
        return Ok(EX_USAGE);
    }
    let stdin = io::stdin();
    let tee = transcript::Tee::new(stdin.lock(), settings.transcript.as_deref())?;
    let mut input = io::BufReader::with_capacity(64 * 1024, tee);
    let queued = enqueue::enqueue(settings, &mut input, jiff::Timestamp::now())?;
    for line in &queued.messages {
        writeln!(out, "{line}")?;
    }
    out.flush()?;
    if let Some(id) = &queued.id {
        let syslog = Syslog::new(&settings.log_tag);
        for record in &queued.log {
            syslog.record(Some(id.as_str()), record);
        }
        start_delivery(settings, id);
    }
    Ok(if queued.soft_error { EX_USAGE } else { EX_OK })
}

/// Outside queue-only modes (`-odq`, `-odd`), asks the queue runner to deliver the new
/// message now: `queue-runner -Ac -qI<id>` picks it up from the client queue into the
/// MTA's queue and delivers it, in the foreground with `-odi` (`-qf`, with `-v` the
/// dialogue), detached with `-odb` (the default). Only root may write the MTA's queue:
/// for anyone else the message waits for the queue runner that watches the client
/// queue (`queue-runner -q30m`), as sendmail's MSP submission waits for its MTA.
/// Without a queue runner installed the message simply waits in the queue.
fn start_delivery(settings: &Settings, id: &spool::queue::QueueId) {
    if matches!(settings.delivery_mode, 'q' | 'd') || !nix::unistd::geteuid().is_root() {
        return;
    }
    let Ok(mut cmd) = siblings::command("queue-runner", "delivery") else { return };
    cmd.arg("-Ac").arg(format!("-qI{id}"));
    cmd.arg(format!("-OClientQueueDirectory={}", settings.queue_dir.display()));
    if settings.delivery_mode == 'i' {
        cmd.arg("-qf");
        if settings.verbose {
            cmd.arg("-v");
        }
    }
    if let Some(file) = &settings.config_file {
        cmd.arg("-C").arg(file);
    }
    if let Ok(mut child) = cmd.spawn() {
        if settings.delivery_mode == 'i' {
            let _ = child.wait();
        }
    }
}
