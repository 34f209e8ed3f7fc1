//! The recipients of one delivery attempt and what became of each.
//!
//! A qf's `R` lines are expanded ([`crate::expand`]) into [`Target`]s: a mailbox, a
//! program, a file, a remote address, or an error found on the way. Each target is
//! delivered once and gets an [`Outcome`]: sent, deferred or failed, with the texts
//! sendmail logs (`dsn=`, `reply=`, `stat=`), puts in a DSN (`Status:`,
//! `Diagnostic-Code:`) and writes back into the qf (`M` lines).

use spool::forward::User;
use std::path::PathBuf;

/// The controlling user of expanded addresses (sendmail's `ctladdr`): the alias,
/// `.forward` owner or `:include:` owner they came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ctl {
    /// The user name, when it has one (`deferlist`, `ann`).
    pub user: Option<String>,
    /// Its uid (`DefaultUser`'s for an alias).
    pub uid: u32,
    /// Its gid (0 for an alias: `DefaultUser`'s group is used).
    pub gid: u32,
    /// The address it was reached by, as printed (`<deferlist@mail.lab.example>`).
    pub paddr: String,
}

impl Ctl {
    /// The value of its qf `C` line: `user:uid:gid:paddr`, or `:paddr` without a user.
    pub fn qf_value(&self) -> Vec<u8> {
        match &self.user {
            Some(user) => format!("{user}:{}:{}:{}", self.uid, self.gid, self.paddr).into_bytes(),
            None => format!(":{}", self.paddr).into_bytes(),
        }
    }

    /// The `ctladdr=` of a log line: `paddr (uid/gid)`.
    pub fn log(&self) -> String {
        format!("{} ({}/{})", self.paddr, self.uid, self.gid)
    }
}

/// Where a target is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dest {
    /// A local user's mailbox, through the local mailer.
    Mailbox {
        /// The user.
        user: User,
        /// `+detail` (sendmail's `$h` for the local mailer).
        detail: Option<String>,
    },
    /// A program, through the prog mailer (`|command` without the bar).
    Program(String),
    /// A file, through the file mailer.
    File(PathBuf),
    /// A remote address, through the SMTP client.
    Remote {
        /// Where it is sent.
        dest: crate::route::Destination,
        /// The address given in `RCPT TO:<...>`.
        address: String,
    },
}

impl Dest {
    /// sendmail's name of the mailer that delivers it.
    pub fn mailer(&self) -> &str {
        match self {
            Dest::Mailbox { .. } => "local",
            Dest::Program(_) => "prog",
            Dest::File(_) => "*file*",
            Dest::Remote { dest, .. } => &dest.mailer,
        }
    }
}

/// An error found while expanding a recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Temporary (retry later) rather than permanent.
    pub temporary: bool,
    /// The enhanced status code (`5.1.1`).
    pub status: String,
    /// The full reply (`550 5.1.1 User unknown`), if sendmail has one for it.
    pub reply: Option<String>,
    /// The text after the codes (`User unknown`).
    pub text: String,
    /// The transcript line (`550 5.1.1 nosuchuser... User unknown`).
    pub transcript: String,
    /// Whether sendmail logs a `to=` line for it.
    pub logged: bool,
}

/// One recipient after expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The qf recipient it came from (index).
    pub origin: usize,
    /// The address as printed: as the qf or the alias wrote it.
    pub paddr: String,
    /// Where it goes, or why it cannot go anywhere.
    pub dest: Result<Dest, Failure>,
    /// Its controlling user, if it came from an alias, `.forward` or `:include:`.
    pub ctl: Option<Ctl>,
    /// The notify flags of its `R` line (`FD`, `NSF`, `N`).
    pub notify: String,
    /// Named by the qf itself (`P`), not produced by expansion.
    pub primary: bool,
    /// Produced by an alias (`A`).
    pub alias: bool,
    /// `Q` (ORCPT).
    pub orcpt: Option<Vec<u8>>,
    /// `r` (the DSN final recipient).
    pub final_rcpt: Vec<u8>,
    /// The alias it was expanded from, for DSNs.
    pub expanded_from: Option<String>,
}

impl Target {
    /// The `R` flags to write back: `P` when primary, the notify flags, `A` when from
    /// an alias.
    pub fn qf_flags(&self) -> String {
        let p = if self.primary { "P" } else { "" };
        let a = if self.alias { "A" } else { "" };
        format!("{p}{}{a}", self.notify)
    }

    /// Whether a notice is wanted when it fails (`F`, or no `NOTIFY=` at all).
    pub fn ping_failure(&self) -> bool {
        self.notify.contains('F')
    }

    /// Whether a notice is wanted when it is delivered (`NOTIFY=SUCCESS`).
    pub fn ping_success(&self) -> bool {
        self.notify.contains('S')
    }

    /// Whether a notice is wanted when it is delayed.
    pub fn ping_delay(&self) -> bool {
        self.notify.contains('D')
    }
}

/// What happened to a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Delivered.
    Sent,
    /// To be tried again.
    Deferred,
    /// Failed for good.
    Failed,
}

/// The result of delivering one target, in the words sendmail logs and reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Sent, deferred or failed.
    pub state: State,
    /// `dsn=` of the log line (`2.0.0`, `4.0.0`, `5.1.1`).
    pub dsn: String,
    /// `stat=` of the log line (`Sent`, `Deferred: ...`, `User unknown`).
    pub stat: String,
    /// `reply=` of the log line, the `(reason: ...)` of a bounce (`550 5.1.1 ...`).
    pub reply: Option<String>,
    /// The DSN `Status:` (markfailure's code for the mailer's exit status).
    pub status: String,
    /// The DSN `Diagnostic-Code:`, type and text.
    pub diagnostic: Option<(String, String)>,
    /// The DSN `Remote-MTA:`, type and host.
    pub remote_mta: Option<(String, String)>,
    /// `relay=` of the log line.
    pub relay: Option<String>,
    /// The recipient's `M` line when it stays queued.
    pub message: Option<String>,
    /// When the mailer was started (`xdelay=`), if one was.
    pub started: Option<jiff::Timestamp>,
    /// When it happened (`Last-Attempt-Date:`).
    pub at: jiff::Timestamp,
}
