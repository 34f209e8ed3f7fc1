//! VRFY and EXPN: sendmail's `sendtolist` and `recipient()` on a list of addresses,
//! and the lines `printvrfyaddr` prints.
//!
//! # What is done
//! The argument is a comma-separated list. Each address is parsed (a parse error,
//! a mailertable `error:`, or an unknown local user ends the command with that
//! error); duplicates are dropped. VRFY stops at the first step: an alias or a user
//! that exists is "verified". EXPN goes on: aliases are replaced by their values,
//! `:include:` files by their lines and users by their `.forward` lines, ten levels
//! at most; an address that only leads back to itself ends in `554 5.4.6
//! aliasing/forwarding loop broken`.
//!
//! # Output
//! One line per address left, local mailers first (sendmail sorts its send queue by
//! host): `250 2.1.5 Full Name <user@$j>`, `<user@$j>` without a full name,
//! `<user@domain>` or `</path>` when the address has an `@` or is a file or program.
//! VRFY gives `252` instead of `250` for a network address.
//!
//! # Errors
//! [`NeedLookup`] when a host name must be looked up first.

use super::canon::{Fail, Lookups};
use super::facts::{NeedLookup, Resolver};
use super::local::Found;
use super::route::{local_target, Target};
use super::Rules;
use crate::address::scan_to;
use crate::forward::UserDb;
use crate::status::DeliveryStatus;

/// sendmail's `MaxAliasRecursion`.
const MAX_ALIAS_RECURSION: usize = 10;

/// One address on the send queue.
struct Entry {
    target: Target,
    full_name: Option<String>,
    live: bool,
    primary: bool,
    done: bool,
}

/// One VRFY or EXPN run.
struct Run<'r> {
    rules: &'r Rules,
    lookups: Lookups<'r>,
    vrfy: bool,
    queue: Vec<Entry>,
}

impl Rules {
    /// The reply lines of `VRFY argument`.
    pub fn vrfy(
        &self,
        argument: &str,
        resolver: &dyn Resolver,
    ) -> Result<Vec<DeliveryStatus>, NeedLookup> {
        self.verify_or_expand(argument, resolver, true)
    }

    /// The reply lines of `EXPN argument`.
    pub fn expn(
        &self,
        argument: &str,
        resolver: &dyn Resolver,
    ) -> Result<Vec<DeliveryStatus>, NeedLookup> {
        self.verify_or_expand(argument, resolver, false)
    }

    fn verify_or_expand(
        &self,
        arg: &str,
        resolver: &dyn Resolver,
        vrfy: bool,
    ) -> Result<Vec<DeliveryStatus>, NeedLookup> {
        let lookups = Lookups { resolver, no_canonify: false };
        let mut run = Run { rules: self, lookups, vrfy, queue: Vec::new() };
        match run.send_to_list(arg.trim(), None, 0) {
            Ok(()) => Ok(run.lines()),
            Err(Stop::Lookup(n)) => Err(n),
            Err(Stop::Reply(status)) => Ok(vec![status]),
        }
    }
}

/// Why a run ended early.
enum Stop {
    Lookup(NeedLookup),
    Reply(DeliveryStatus),
}

impl From<NeedLookup> for Stop {
    fn from(n: NeedLookup) -> Stop {
        Stop::Lookup(n)
    }
}

impl Run<'_> {
    /// `sendtolist`: every address of `list`, last first.
    fn send_to_list(
        &mut self,
        list: &str,
        parent: Option<usize>,
        level: usize,
    ) -> Result<(), Stop> {
        let mut items = Vec::new();
        let mut rest = list;
        while !rest.is_empty() {
            let n = scan_to(rest, ',');
            let item = rest[..n].trim();
            if !item.is_empty() {
                items.push(item.to_string());
            }
            rest = rest.get(n + 1..).unwrap_or("");
        }
        for item in items.iter().rev() {
            let target = match self.rules.parse_address(item, &self.lookups) {
                Ok(Some(t)) => t,
                Ok(None) => Target::Local("<>".into()),
                Err(Fail::Lookup(n)) => return Err(Stop::Lookup(n)),
                Err(Fail::Error(host, text)) => {
                    return Err(Stop::Reply(DeliveryStatus::error_mailer(
                        host.as_deref(),
                        &text,
                        Some(item),
                    )))
                }
            };
            self.recipient(target, item, parent, level)?;
        }
        if parent.is_none() && self.queue.is_empty() {
            let what = if self.vrfy { "VRFY" } else { "EXPN" };
            return Err(Stop::Reply(DeliveryStatus::new(
                554,
                "5.5.2",
                format!("Nothing to {what}"),
            )));
        }
        Ok(())
    }

    /// `recipient()` for one address reached from `parent` (None: the argument).
    fn recipient(
        &mut self,
        target: Target,
        paddr: &str,
        parent: Option<usize>,
        level: usize,
    ) -> Result<(), Stop> {
        if level > MAX_ALIAS_RECURSION {
            let text = format!("554 aliasing/forwarding loop broken ({level} aliases deep; {MAX_ALIAS_RECURSION} max)");
            return Err(Stop::Reply(DeliveryStatus::usrerr(Some("5.4.6"), &text, Some(paddr))));
        }
        if parent.is_none() {
            if let Err(status) = self.rules.verify_direct(&target, paddr) {
                return Err(Stop::Reply(status));
            }
        }
        let key = target.key();
        if self.queue.iter().any(|q| q.target.key() == key && (q.done || !q.primary)) {
            return Ok(());
        }
        let at = self.queue.len();
        // An address reached from another inherits its full name (sendtolist).
        let full_name = parent.and_then(|p| self.queue[p].full_name.clone());
        self.queue.push(Entry {
            target: target.clone(),
            full_name,
            live: true,
            primary: parent.is_none(),
            done: false,
        });
        match target {
            Target::Include(path) => self.include(&path, at, level)?,
            Target::Local(user) => self.local(&user, paddr, at, level)?,
            _ => {}
        }
        self.queue[at].done = true;
        if parent.is_none() && !self.queue[at].live && !self.queue.iter().any(|q| q.live) {
            let text = "554 aliasing/forwarding loop broken";
            return Err(Stop::Reply(DeliveryStatus::usrerr(Some("5.4.6"), text, Some(paddr))));
        }
        Ok(())
    }

    fn include(&mut self, path: &str, at: usize, level: usize) -> Result<(), Stop> {
        self.queue[at].live = false;
        match crate::aliases::read_include(std::path::Path::new(path)) {
            Ok(lines) => {
                lines.iter().try_for_each(|(_, line)| self.send_to_list(line, Some(at), level + 1))
            }
            Err(e) => Err(Stop::Reply(DeliveryStatus::usrerr(
                Some("5.2.4"),
                &format!("550 Cannot open {path}: {e}"),
                None,
            ))),
        }
    }

    /// A local user: alias, then `+detail` stripped, then the passwd file.
    fn local(&mut self, user: &str, paddr: &str, at: usize, level: usize) -> Result<(), Stop> {
        let found =
            self.rules.find_local(user).map_err(|_| Stop::Reply(DeliveryStatus::tempfail()))?;
        match found {
            None => Err(Stop::Reply(DeliveryStatus::usrerr(
                Some("5.1.1"),
                "550 User unknown",
                Some(paddr),
            ))),
            Some(Found::Alias(key, value)) => {
                if key != user {
                    return self.replace(&key, at, level);
                }
                if !self.vrfy {
                    self.queue[at].live = false;
                    self.send_to_list(&value, Some(at), level + 1)?;
                }
                Ok(())
            }
            Some(Found::User(base, login)) => {
                if base != user {
                    return self.replace(&base, at, level);
                }
                self.queue[at].full_name = self.rules.full_name(&login);
                if self.vrfy || user.contains('\\') {
                    return Ok(());
                }
                self.forward(&login, at, level)
            }
        }
    }

    /// Ruleset 5's replacement of `user+detail` by `name`: a new address.
    fn replace(&mut self, name: &str, at: usize, level: usize) -> Result<(), Stop> {
        self.queue[at].live = false;
        self.recipient(local_target(name), name, Some(at), level + 1)
    }

    /// The user's `.forward` lines, if it has any.
    fn forward(&mut self, login: &str, at: usize, level: usize) -> Result<(), Stop> {
        let Some(user) = self.rules.users.user(login) else { return Ok(()) };
        let search = crate::forward::read_forward(
            &self.rules.forward_path,
            &user,
            &self.rules.host_name,
            &self.rules.checker,
        );
        let lines = match search {
            Ok(crate::forward::ForwardSearch { found: Some((_, lines)), .. })
                if !lines.is_empty() =>
            {
                lines
            }
            _ => return Ok(()),
        };
        self.queue[at].live = false;
        lines.iter().try_for_each(|(_, line)| self.send_to_list(line, Some(at), level + 1))
    }

    /// The reply lines: every live address, in the order of sendmail's send queue
    /// (sorted by host, local mailers first, in the order they were added).
    fn lines(&self) -> Vec<DeliveryStatus> {
        let mut live: Vec<&Entry> = self.queue.iter().filter(|e| e.live).collect();
        live.sort_by_key(|e| e.target.key().1.to_ascii_lowercase());
        live.iter().map(|e| self.line(e)).collect()
    }

    fn line(&self, e: &Entry) -> DeliveryStatus {
        let user = e.target.user();
        let remote = matches!(e.target, Target::Remote { .. });
        let code = if self.vrfy && remote { 252 } else { 250 };
        let rfc822 = matches!(e.target, Target::Local(_) | Target::Remote { .. });
        let address = if rfc822 && !user.contains('@') {
            format!("<{user}@{}>", self.rules.j)
        } else {
            format!("<{user}>")
        };
        let text = match &e.full_name {
            Some(name) => format!("{name} {address}"),
            None => address,
        };
        DeliveryStatus::new(code, "2.1.5", text)
    }
}

impl Rules {
    /// A program, file or include list named directly is refused.
    fn verify_direct(&self, target: &Target, paddr: &str) -> Result<(), DeliveryStatus> {
        match target {
            Target::Local(_) | Target::Remote { .. } => Ok(()),
            other => self.verify_target(other, paddr),
        }
    }
}

#[cfg(test)]
mod tests;
