//! The values an expansion produces.

use super::route::RelayHost;
use crate::safefile::{Identity, Unsafe};
use crate::status::DeliveryStatus;
use std::path::PathBuf;

/// What delivers to an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The `local` mailer: a mailbox on this host.
    Local {
        /// The user, lower case (`root`).
        user: String,
        /// The `+detail` of `user+detail`, which sendmail passes as the mailer's host.
        detail: Option<String>,
        /// Named as `\user`: no more aliasing or `.forward`.
        no_alias: bool,
        /// The user's uid.
        uid: u32,
        /// The user's primary gid.
        gid: u32,
        /// The user's home directory.
        home: PathBuf,
    },
    /// The `prog` mailer: `|command`, run by the shell.
    Program {
        /// The command after the `|`.
        command: String,
    },
    /// The `*file*` mailer: append to a file.
    File {
        /// The file.
        path: PathBuf,
    },
    /// A network mailer (`esmtp`, `smtp`, `relay`, ...).
    Remote {
        /// The mailer name.
        mailer: String,
        /// The hosts to try, in order (mailertable `mailer:h1:h2`).
        hosts: Vec<RelayHost>,
        /// The port the mailer connects to (its `*_MAILER_ARGS`, else 25).
        port: u16,
        /// The address given to the remote host.
        user: String,
    },
}

impl Target {
    /// The mailer name, as sendmail names it: `local`, `prog`, `*file*`, or the
    /// network mailer's.
    pub fn mailer(&self) -> &str {
        match self {
            Target::Local { .. } => "local",
            Target::Program { .. } => "prog",
            Target::File { .. } => "*file*",
            Target::Remote { mailer, .. } => mailer,
        }
    }

    /// The host as sendmail shows it (`-bv`, `relay=`, the `$h` macro): the detail of
    /// a local user, the colon-separated hosts of a remote one, else empty. sendmail's
    /// send list is ordered by it.
    pub fn host(&self) -> String {
        match self {
            Target::Local { detail, .. } => detail.clone().unwrap_or_default(),
            Target::Remote { hosts, .. } => {
                hosts.iter().map(RelayHost::to_string).collect::<Vec<_>>().join(":")
            }
            _ => String::new(),
        }
    }

    /// The user as sendmail shows it (`$u`): `\root`, `"|cmd args"`, `/path`, `a@b`.
    pub fn user(&self) -> String {
        match self {
            Target::Local { user, no_alias: true, .. } => format!("\\{user}"),
            Target::Local { user, .. } => user.clone(),
            Target::Program { command } if command.contains([' ', '\t']) => {
                format!("\"|{command}\"")
            }
            Target::Program { command } => format!("|{command}"),
            Target::File { path } => path.to_string_lossy().into_owned(),
            Target::Remote { user, .. } => user.clone(),
        }
    }

    /// Whether the mailer runs on this host (`local`, `prog`, `*file*`).
    pub fn is_local(&self) -> bool {
        !matches!(self, Target::Remote { .. })
    }
}

/// What kind of address controls a delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ControllerKind {
    /// An alias of the aliases file.
    Alias,
    /// A user's `.forward` file.
    Forward(PathBuf),
    /// An `:include:` file.
    Include(PathBuf),
}

/// sendmail's controlling address (`ctladdr`): whom a delivery runs as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    /// Alias, `.forward` or `:include:`.
    pub kind: ControllerKind,
    /// The controlling address: the alias name, the `.forward`'s user, the include
    /// file's path.
    pub address: String,
    /// The login name of the user, when sendmail names one (`ruser`).
    pub user: Option<String>,
    /// The uid, as sendmail records it.
    pub uid: u32,
    /// The gid, as sendmail records it (0 for an alias).
    pub gid: u32,
    /// The user's home directory, for a `.forward`'s user.
    pub home: Option<PathBuf>,
}

impl Controller {
    /// The uid and gid a mailer runs with for this controller: root or gid 0 are
    /// replaced by `default_user`'s, as sendmail never runs a mailer as root.
    pub fn credentials(&self, default_user: &Identity) -> (u32, u32) {
        if self.uid == 0 {
            return (default_user.uid, default_user.gid);
        }
        let gid = if self.gid == 0 { default_user.gid } else { self.gid };
        (self.uid, gid)
    }
}

/// One address on the send list and what delivers to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The address as written where it was found (`root`, `"|prog"`, `a@b`).
    pub address: String,
    /// The index of the recipient list it came from.
    pub origin: usize,
    /// What delivers it.
    pub target: Target,
    /// Who controls it; `None` for an address given directly.
    pub controller: Option<Controller>,
}

impl Delivery {
    /// The mailer name ([`Target::mailer`]).
    pub fn mailer(&self) -> &str {
        self.target.mailer()
    }
}

/// An address that cannot be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The address as written, or `None` for a failure of the list (`aliasing/
    /// forwarding loop broken`).
    pub address: Option<String>,
    /// The index of the recipient list it came from.
    pub origin: usize,
    /// Why, as an SMTP status (its text is what `-bv` prints after `addr... `).
    pub status: DeliveryStatus,
    /// The exit status sendmail sets for it (`-bv`, `-odi`).
    pub exit_code: i32,
}

/// Something that happened during an expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// `addr... aliased to VALUE`.
    Aliased {
        /// The alias as written.
        address: String,
        /// Its value.
        value: String,
    },
    /// `addr... including file PATH`.
    Including {
        /// The `:include:` address.
        address: String,
        /// The file.
        path: String,
    },
    /// `sending to LINE`: a line of an `:include:` file.
    SendingTo(String),
    /// `forwarding to LINE`: a line of a `.forward` file.
    ForwardingTo(String),
    /// `addr... duplicate suppressed`.
    Duplicate(String),
    /// An address already on the send list as given (a primary address met again):
    /// suppressed without a word, as sendmail does.
    AlreadyListed(String),
    /// `addr... forward: FILE: REASON`: an unsafe `.forward` passed over.
    ForwardRefused {
        /// The user's address as written.
        address: String,
        /// The file.
        path: PathBuf,
        /// Why it is unsafe.
        reason: Unsafe,
    },
    /// A map the expansion needed could not be opened (printed once; exit 71, or 70
    /// for a text map).
    MapProblem(String),
    /// An address failed.
    Failed(Failure),
}

impl Event {
    /// Whether `sendmail -bv` prints it (with `-v` when `verbose`).
    pub fn is_shown(&self, verbose: bool) -> bool {
        match self {
            Event::MapProblem(_) | Event::Failed(_) => true,
            Event::AlreadyListed(_) => false,
            _ => verbose,
        }
    }
}

/// An event and the file line being expanded when it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trace {
    /// `(file, line)` of the `:include:` or `.forward` line being expanded.
    pub at: Option<(String, usize)>,
    /// What happened.
    pub event: Event,
}

/// The result of expanding recipient lists.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    /// What happened, in order.
    pub trace: Vec<Trace>,
    /// The send list: every address a mailer delivers to, in the order found.
    pub deliveries: Vec<Delivery>,
    /// The exit status of the first failure (0 when none).
    pub exit_code: i32,
}

impl Expansion {
    /// The failures, in order.
    pub fn failures(&self) -> impl Iterator<Item = &Failure> {
        self.trace.iter().filter_map(|t| match &t.event {
            Event::Failed(f) => Some(f),
            _ => None,
        })
    }

    /// The send list as sendmail orders it: by [`Target::host`], in the order found
    /// among equal hosts (so local mailers, with no host, come first).
    pub fn sorted_deliveries(&self) -> Vec<&Delivery> {
        let mut list: Vec<&Delivery> = self.deliveries.iter().collect();
        list.sort_by_cached_key(|d| d.target.host());
        list
    }
}
