//! # Name
//! expand - recipient addresses expanded into what delivers them
//!
//! # Synopsis
//! ```no_run
//! # use spool::{config::Config, expand::Context, lookup::Maps, settings::Settings};
//! let settings = Settings::from_config(&Config::load_default().unwrap());
//! let maps = Maps::open(&settings);
//! let expansion = Context::new(&settings, &maps).expand(&["staff", "a@example.org"]);
//! for d in &expansion.deliveries {
//!     println!("{} via {}", d.address, d.mailer());
//! }
//! ```
//!
//! # Description
//! [`Context::expand`] takes recipient lists (the `-bv` arguments, or each `R` line of
//! a queue file) and returns an [`Expansion`]: the [`Delivery`]s, each with its typed
//! [`Target`] and the mailer sendmail names it with (`local`, `prog`, `*file*`,
//! `esmtp`, `smtp`, `relay`, ...), the [`Failure`]s with their [`DeliveryStatus`](crate::status::DeliveryStatus), and
//! the [`Trace`] of what happened on the way, in order (what `-bv -v` prints).
//!
//! Each list's members are taken **last first**, as sendmail's `sendtolist` does. A
//! local address (no domain, or one of class `w`) is looked up in the aliases
//! (`user+detail`, `user+*`, `user`; a leading `\` skips this), then in the user
//! database, then its `.forward` is read. Alias values, `:include:` files and
//! `.forward` lines are expanded recursively (at most `MaxAliasRecursion` deep);
//! an address already on the send list is a duplicate, suppressed, across all the
//! lists of one expansion; a chain that comes back to where it started and delivers
//! nothing ends in `554 5.4.6 aliasing/forwarding loop broken`. A remote address is
//! routed by the mailertable (`mailer:host`, `local:`, `error:`), else `SMART_HOST`,
//! else `esmtp` to its domain ([`route`]).
//!
//! # The controlling user
//! A delivery named by an alias, a `.forward` or an `:include:` carries its
//! [`Controller`] (sendmail's `ctladdr`, the qf `C` line), which says whom programs
//! and files run as. Observed on sendmail 8.17.1.9 (`-bv -d25.1`, and `|id` run from
//! each): an alias is controlled by the alias name with `DefaultUser`'s uid and gid 0;
//! a `.forward` by its user (uid, gid, home); an `:include:` file by the file's owner,
//! named when the owner differs from the controller before it. A program or file
//! from an `:include:` whose named owner has no shell in `/etc/shells` fails with
//! `550 5.7.1 User U@$j doesn't have a valid shell for mailing to programs` (or
//! `files`). [`Controller::credentials`] gives the uid and gid a mailer runs with:
//! root and gid 0 become `DefaultUser`'s, as sendmail never runs a mailer as root.
//!
//! # Unsafe files
//! `.forward` and `:include:` files are checked as sendmail checks them
//! ([`crate::safefile`], relaxed by `DontBlameSendmail`). An unsafe `.forward` is
//! passed over as if it were not there ([`Event::ForwardRefused`]). An `:include:`
//! that is unsafe or cannot be read is a failure (`Cannot open FILE: REASON`).
//!
//! # Errors
//! None: a map that cannot be read is a temporary failure of the address that needed
//! it, and a map that could not be opened is reported once ([`Event::MapProblem`]).

mod route;
mod types;
mod walk;

pub use route::{route, RelayHost, Route};
pub use types::{Controller, ControllerKind, Delivery, Event, Expansion, Failure, Target, Trace};

use crate::classfile::Class;
use crate::forward::UserDb;
use crate::lookup::{MapProblem, Maps};
use crate::maps::Map;
use crate::safefile::{Checker, Identity};
use crate::settings::{Mailers, MapFeature, Settings};

/// Everything expansion reads: maps, names, users and the rules for files.
pub struct Context<'a> {
    /// The alias maps, in `AliasFile` order.
    pub aliases: Vec<&'a dyn Map>,
    /// Class `w`: the names of this host.
    pub local_names: Class,
    /// The mailertable, if `FEATURE(mailertable)` is on and it could be opened.
    pub mailertable: Option<&'a dyn Map>,
    /// Why the mailertable could not be opened.
    pub mailertable_problem: Option<&'a MapProblem>,
    /// `SMART_HOST`, as written (`relay:[127.0.0.1]`, `smtp:mx.example`, `[host]`).
    pub smart_host: Option<String>,
    /// Local users.
    pub users: &'a dyn UserDb,
    /// `ForwardPath` (`$z/.forward.$w:$z/.forward`).
    pub forward_path: String,
    /// The host name, for `$w` in `ForwardPath` and `$j` in messages.
    pub host_name: String,
    /// sendmail's safety checks on `.forward` and `:include:` files.
    pub checker: Checker,
    /// `DefaultUser`: whom alias programs run as and alias `:include:`s are checked for.
    pub default_user: Identity,
    /// The mailers (the port of each TCP mailer).
    pub mailers: Mailers,
    /// `MaxAliasRecursion`.
    pub max_depth: usize,
}

impl<'a> Context<'a> {
    /// The context of `settings` with the maps opened from them.
    pub fn new(settings: &Settings, maps: &'a Maps) -> Context<'a> {
        let delivery = &settings.delivery;
        Context {
            aliases: maps.aliases.iter().map(|m| m.as_ref()).collect(),
            local_names: maps.local_names.clone(),
            mailertable: maps.mailertable.as_deref(),
            mailertable_problem: maps.problem(MapFeature::Mailertable),
            smart_host: delivery.smart_host.clone(),
            users: maps.users.as_ref(),
            forward_path: delivery.forward_path.clone(),
            host_name: crate::host::canonical_name(&settings.names),
            checker: Checker::from_settings(delivery),
            default_user: Identity::default_user(delivery),
            mailers: delivery.mailers.clone(),
            max_depth: delivery.max_alias_recursion,
        }
    }

    /// Expands the recipient lists `lists` together: duplicates are suppressed across
    /// all of them, and each delivery and failure records the index of its list.
    pub fn expand<S: AsRef<str>>(&self, lists: &[S]) -> Expansion {
        let mut run = walk::Run::new(self);
        for (origin, list) in lists.iter().enumerate() {
            run.top_level(origin, list.as_ref());
        }
        run.finish()
    }

    /// Whether `domain` is this host (class `w`, or a `[127.x.y.z]` literal).
    pub fn is_local(&self, domain: &str) -> bool {
        self.local_names.contains(domain) || domain.starts_with("[127.")
    }
}

#[cfg(test)]
pub(crate) mod tests;
