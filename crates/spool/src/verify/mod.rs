//! Address verification: what `sendmail -bv` prints.
//!
//! # Synopsis
//! [`verify`] takes the command line's recipient arguments and a [`Settings`] value
//! (alias maps, local host names, mailertable, smart host, users, `.forward` path)
//! and returns the lines sendmail 8.17 prints and its exit status ([`Outcome`]).
//!
//! # What happens to each address
//! Each argument is a recipient list (commas, or blanks when there is no comma); its
//! members are taken **last first**, as sendmail's `sendtolist` does. A local address
//! (no domain, or a domain in local-host-names) is looked up in the aliases
//! (`user+detail`, `user+*`, `user`; a leading `\` skips this), then in the user
//! database, then its `.forward` is read. Alias values, `:include:` files and
//! `.forward` lines are expanded recursively, with duplicates suppressed; a chain that
//! comes back to where it started and delivers nothing ends in
//! `aliasing/forwarding loop broken`. A remote address is routed by the mailertable,
//! else the smart host, else `esmtp` to the domain.
//!
//! # Unsafe files
//! `.forward` and `:include:` files are checked as sendmail checks them
//! ([`crate::safefile`], relaxed by `DontBlameSendmail`). An unsafe `.forward` is
//! passed over as if it were not there (with `-v`: `user... forward: FILE: REASON`),
//! and the user gets the mail. An `:include:` file that is unsafe or cannot be read is
//! an error: `:include:FILE... Cannot open FILE: REASON` (exit 64). A `.forward` is
//! checked for its user, who must own it (or root); an `:include:` named in an alias
//! for `DefaultUser`, one named in a `.forward` for that `.forward`'s user.
//!
//! # Output
//! Errors (`nosuchuser... User unknown`, `user@host... Host unknown`) and, with `-v`,
//! the `aliased to`, `including file`, `sending to`, `forwarding to` and `duplicate
//! suppressed` lines are printed as they happen; then the deliverable addresses, local
//! mailers (`local`, `prog`, `*file*`) first, then the network ones:
//! `root... deliverable: mailer local, user root`,
//! `a@b... deliverable: mailer relay, host [127.0.0.1], user a@b`.
//! The exit status is that of the first error (64 usage, 67 unknown user, 68 unknown
//! host), else 0. Without any argument: `Recipient names must be specified`, 64.
//!
//! # Errors
//! None: a map that cannot be read is reported as a temporary failure line (75).

mod expand;
mod route;

use crate::classfile::Class;
use crate::forward::UserDb;
use crate::maps::Map;

/// Everything verification needs to know about the system.
pub struct Settings<'a> {
    /// The alias maps, in `AliasFile` order.
    pub aliases: Vec<&'a dyn Map>,
    /// Class `w`: the names of this host (local-host-names plus the host name).
    pub local_names: Class,
    /// The mailertable, if `FEATURE(mailertable)` is on.
    pub mailertable: Option<&'a dyn Map>,
    /// `SMART_HOST`, as written (`relay:[127.0.0.1]`, `smtp:mx.example`, `[host]`).
    pub smart_host: Option<String>,
    /// Local users.
    pub users: &'a dyn UserDb,
    /// The `ForwardPath` option (`$z/.forward` ...).
    pub forward_path: String,
    /// The host name, for `$w` in `ForwardPath`.
    pub host_name: String,
    /// sendmail's safety checks on `.forward` and `:include:` files
    /// ([`Checker::from_config`](crate::safefile::Checker::from_config)).
    pub checker: crate::safefile::Checker,
    /// `DefaultUser`: whom `:include:` files named in aliases are checked for
    /// ([`Identity::default_user`](crate::safefile::Identity::default_user)).
    pub default_user: crate::safefile::Identity,
    /// `-v`: also print how each address was expanded.
    pub verbose: bool,
}

/// What `sendmail -bv` prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Lines of standard output, in order.
    pub lines: Vec<String>,
    /// The exit status.
    pub exit_code: i32,
}

/// Verifies the recipient arguments `args` as `sendmail -bv args...` would.
pub fn verify(settings: &Settings, args: &[String]) -> Outcome {
    if args.is_empty() {
        return Outcome {
            lines: vec!["Recipient names must be specified".into()],
            exit_code: crate::sysexits::EX_USAGE,
        };
    }
    let mut run = expand::Run::new(settings);
    for arg in args {
        run.top_level(arg);
    }
    run.finish()
}

#[cfg(test)]
mod tests;
