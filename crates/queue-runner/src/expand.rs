//! Recipient expansion: aliases, `:include:`, `.forward`, programs, files and routes.
//!
//! This is the one place the queue runner turns a qf's `R` lines into deliveries
//! ([`Target`]s); it stands on spool's aliases, forward, safefile and mailertable
//! modules until the typed expansion of `spool::verify` replaces it (same walk, same
//! order, as `-bv` prints it).
//!
//! # The walk (sendmail's `recipient`/`sendtolist`)
//! The qf's recipients are taken in order; each new address is appended to the list,
//! and an alias or include list is expanded where it is met, its members **last
//! first**. An address already on the list is a duplicate and dropped. A local name
//! is looked up in the aliases (`user+detail`, `user+*`, `user`; not for `\user`),
//! then the user must exist, then its `.forward` (the `ForwardPath` templates, checked
//! by [`spool::safefile`]) replaces it unless it is `\user`. A remote domain goes
//! where [`crate::route`] says. Addresses produced by an alias are controlled by the
//! alias (`DefaultUser`'s uid, gid 0), by a `.forward` its owner, by an `:include:`
//! file its owner (unless root); programs and files are only allowed from those, and
//! not from an unsafe `.forward` or `:include:`.
//!
//! # Errors
//! None: a bad address, an unknown user, an unreadable include file or alias map
//! becomes a target whose `dest` is the [`Failure`] sendmail reports for it.

mod directory;

pub use directory::{Directory, SystemUsers};

use crate::job::model::{Ctl, Dest, Failure, Target};
use crate::route::Decision;
use spool::address::{self, split_list, unquote};
use spool::forward::User;
use spool::maps;
use spool::qf::envelope::Recipient;
use spool::safefile::Identity;
use std::path::{Path, PathBuf};

/// The targets of a message and the `-v` lines their expansion printed.
#[derive(Debug, Default)]
pub struct Expansion {
    /// Every target, in sendmail's list order.
    pub targets: Vec<Target>,
    /// What `-v` prints while expanding (`root... aliased to ...`).
    pub verbose: Vec<String>,
}

/// How an address was reached.
#[derive(Debug, Clone)]
struct Ctx {
    origin: usize,
    depth: usize,
    primary: bool,
    expanded: bool,
    ctl: Option<Ctl>,
    owner: Identity,
    notify: String,
    orcpt: Option<Vec<u8>>,
    final_rcpt: Vec<u8>,
    expanded_from: Option<String>,
    unsafe_addresses: bool,
}

/// An address already on the list.
struct Seen {
    key: String,
    primary: bool,
    expanded: bool,
    reexpanded: bool,
}

struct Walk<'d> {
    dir: &'d Directory,
    seen: Vec<Seen>,
    out: Expansion,
    loop_hit: bool,
}

/// Expands the recipients of a qf.
pub fn expand(dir: &Directory, recipients: &[Recipient]) -> Expansion {
    let mut walk = Walk { dir, seen: Vec::new(), out: Expansion::default(), loop_hit: false };
    for (origin, r) in recipients.iter().enumerate() {
        let text = String::from_utf8_lossy(&r.address).into_owned();
        let flags = r.flags.as_str();
        let ctx = Ctx {
            origin,
            depth: 0,
            primary: true,
            expanded: flags.contains('A'),
            ctl: r.controller.as_deref().and_then(parse_ctl),
            owner: dir.default_user.clone(),
            notify: flags.chars().filter(|c| "NSFD".contains(*c)).collect(),
            orcpt: r.original.clone(),
            final_rcpt: r.final_recipient.clone().unwrap_or_else(|| walk.final_rcpt(&text)),
            expanded_from: None,
            unsafe_addresses: false,
        };
        let before = walk.out.targets.len();
        walk.loop_hit = false;
        walk.recipient(&text, &ctx);
        if walk.loop_hit && walk.out.targets.len() == before {
            walk.out.verbose.push("aliasing/forwarding loop broken".into());
            walk.fail(&text, &ctx, loop_failure());
        }
    }
    walk.out
}

/// `C` line values: `user:uid:gid:paddr` or `:paddr`.
fn parse_ctl(value: &[u8]) -> Option<Ctl> {
    let text = String::from_utf8_lossy(value);
    if let Some(paddr) = text.strip_prefix(':') {
        return Some(Ctl { user: None, uid: 0, gid: 0, paddr: paddr.to_string() });
    }
    let mut parts = text.splitn(4, ':');
    let (user, uid, gid, paddr) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    Some(Ctl {
        user: Some(user.into()),
        uid: uid.parse().ok()?,
        gid: gid.parse().ok()?,
        paddr: paddr.into(),
    })
}

fn loop_failure() -> Failure {
    Failure {
        temporary: false,
        status: "5.4.6".into(),
        reply: None,
        text: "aliasing/forwarding loop broken".into(),
        transcript: "554 5.4.6 aliasing/forwarding loop broken".into(),
        logged: false,
    }
}

/// A permanent error with an SMTP reply (`550 5.1.1 User unknown`).
fn usrerr(code: &str, status: &str, text: &str, paddr: &str) -> Failure {
    Failure {
        temporary: false,
        status: status.into(),
        reply: Some(format!("{code} {status} {text}")),
        text: text.into(),
        transcript: format!("{code} {status} {paddr}... {text}"),
        logged: true,
    }
}

impl Walk<'_> {
    /// `RFC822; user@host` for an address without an `r` line.
    fn final_rcpt(&self, text: &str) -> Vec<u8> {
        let bare = text.trim().trim_start_matches('<').trim_end_matches('>');
        let qualified = match bare.contains('@') {
            true => bare.to_string(),
            false => format!("{bare}@{}", self.dir.host),
        };
        format!("RFC822; {qualified}").into_bytes()
    }

    /// Adds `key` to the list; false when it is already there (a duplicate). A
    /// primary alias met again inside its own expansion is expanded once more and
    /// marks a loop, as sendmail does.
    fn admit(&mut self, key: String, text: &str, ctx: &Ctx) -> bool {
        if let Some(e) = self.seen.iter_mut().find(|e| e.key == key) {
            if e.primary && e.expanded && !e.reexpanded {
                e.reexpanded = true;
                self.loop_hit = true;
                return true;
            }
            if !e.primary || e.reexpanded {
                self.out.verbose.push(format!("{text}... duplicate suppressed"));
            }
            return false;
        }
        let primary = ctx.primary;
        self.seen.push(Seen { key, primary, expanded: false, reexpanded: false });
        true
    }

    fn mark_expanded(&mut self, key: &str) {
        if let Some(e) = self.seen.iter_mut().find(|e| e.key == key) {
            e.expanded = true;
        }
    }

    fn push(&mut self, text: &str, ctx: &Ctx, dest: Result<Dest, Failure>) {
        self.out.targets.push(Target {
            origin: ctx.origin,
            paddr: text.to_string(),
            dest,
            ctl: ctx.ctl.clone(),
            notify: ctx.notify.clone(),
            primary: ctx.primary,
            alias: ctx.expanded,
            orcpt: ctx.orcpt.clone(),
            final_rcpt: ctx.final_rcpt.clone(),
            expanded_from: ctx.expanded_from.clone(),
        });
    }

    fn fail(&mut self, text: &str, ctx: &Ctx, failure: Failure) {
        self.push(text, ctx, Err(failure));
    }

    fn recipient(&mut self, text: &str, ctx: &Ctx) {
        if ctx.depth > self.dir.max_depth {
            return self.fail(text, ctx, loop_failure());
        }
        let parsed = match address::parse(text) {
            Ok(p) => p.address,
            Err(e) => {
                let status = e.enhanced_code().to_string();
                let code = if status.starts_with("5.1") { "553" } else { "501" };
                return self.fail(text, ctx, usrerr(code, &status, &e.to_string(), text));
            }
        };
        if parsed.is_null() || (parsed.local.is_empty() && !parsed.has_route()) {
            return self.fail(text, ctx, usrerr("550", "5.1.1", "User unknown", text));
        }
        if parsed.has_route() {
            let hop = parsed.route[0].clone();
            return self.remote(text, &parsed.to_addr_spec(), &hop, ctx);
        }
        match parsed.domain.as_deref() {
            Some(d) if !self.is_local(d) => self.remote(text, &parsed.to_addr_spec(), d, ctx),
            _ => self.local_part(text, &parsed.local, ctx),
        }
    }

    fn is_local(&self, domain: &str) -> bool {
        self.dir.local_names.contains(domain) || domain.starts_with("[127.")
    }

    fn local_part(&mut self, text: &str, local: &str, ctx: &Ctx) {
        let unq = unquote(local);
        if let Some(path) = unq.strip_prefix(":include:") {
            return self.include(text, path.trim(), ctx);
        }
        if unq.starts_with('|') || unq.starts_with('/') {
            return self.special(text, &unq, ctx);
        }
        if !local.starts_with('"') {
            if let Some((user, host)) = local.rsplit_once('%') {
                return self.remote(text, &format!("{user}@{host}"), host, ctx);
            }
        }
        self.local(text, local, ctx)
    }

    /// A program or a file (only from an alias, `.forward` or `:include:`).
    fn special(&mut self, text: &str, unq: &str, ctx: &Ctx) {
        let program = unq.starts_with('|');
        let what = if program { "programs" } else { "files" };
        if !ctx.expanded {
            let why = format!("Cannot mail directly to {what}");
            return self.fail(text, ctx, usrerr("550", "5.7.1", &why, text));
        }
        if ctx.unsafe_addresses {
            let why = format!("Address {text} is unsafe for mailing to {what}");
            return self.fail(text, ctx, usrerr("550", "5.7.1", &why, text));
        }
        let (key, dest) = match program {
            true => (format!("prog:{}", &unq[1..]), Dest::Program(unq[1..].to_string())),
            false => (format!("file:{unq}"), Dest::File(PathBuf::from(unq))),
        };
        if self.admit(key, text, ctx) {
            self.push(text, ctx, Ok(dest));
        }
    }

    fn include(&mut self, text: &str, path: &str, ctx: &Ctx) {
        if !ctx.expanded {
            let why = "Cannot mail directly to :include:s";
            return self.fail(text, ctx, usrerr("550", "5.7.1", why, text));
        }
        if !self.admit(format!("include:{path}"), text, ctx) {
            return;
        }
        self.out.verbose.push(format!("{text}... including file {path}"));
        let checked = self.dir.checker.include_file(Path::new(path), &ctx.owner).result;
        let read = checked.map_err(|e| e.to_string()).and_then(|included| {
            spool::aliases::read_include(Path::new(path)).map(|lines| (included, lines)).map_err(
                |e| match e {
                    spool::aliases::AliasError::Io { source, .. } => {
                        spool::sysexits::strerror(&source)
                    }
                    other => other.to_string(),
                },
            )
        });
        let (included, lines) = match read {
            Ok(found) => found,
            Err(why) => {
                let why = format!("Cannot open {path}: {why}");
                return self.fail(text, ctx, usrerr("550", "5.3.0", &why, text));
            }
        };
        let owner_uid = std::os::unix::fs::MetadataExt::uid(&included.metadata);
        let mut inner = self.child(text, ctx);
        inner.unsafe_addresses |= included.unsafe_addresses;
        if owner_uid != 0 {
            inner.ctl = Some(self.ctl_of_uid(owner_uid, text));
        } else {
            inner.ctl = ctx.ctl.clone();
        }
        for (n, line) in lines {
            self.out.verbose.push(format!("{path}: line {n}: sending to {line}"));
            self.list(&line, &inner);
        }
    }

    fn ctl_of_uid(&self, uid: u32, paddr: &str) -> Ctl {
        let user = nix::unistd::User::from_uid(uid.into()).ok().flatten();
        let gid = user.as_ref().map_or(uid, |u| u.gid.as_raw());
        Ctl { user: user.map(|u| u.name), uid, gid, paddr: paddr.to_string() }
    }

    /// The context of the members of an alias, include or `.forward` reached by `text`.
    fn child(&self, text: &str, ctx: &Ctx) -> Ctx {
        Ctx {
            depth: ctx.depth + 1,
            primary: false,
            expanded: true,
            expanded_from: Some(text.to_string()),
            ..ctx.clone()
        }
    }

    /// Expands a list, last member first.
    fn list(&mut self, list: &str, ctx: &Ctx) {
        for item in split_list(list).iter().rev() {
            self.recipient(item, ctx);
        }
    }

    fn local(&mut self, text: &str, local: &str, ctx: &Ctx) {
        let name = local.to_ascii_lowercase();
        let key = format!("local:{name}");
        if !self.admit(key.clone(), text, ctx) {
            return;
        }
        let backslash = name.starts_with('\\');
        if !backslash {
            match self.alias(&name) {
                Ok(Some(value)) => {
                    self.out.verbose.push(format!("{text}... aliased to {value}"));
                    self.mark_expanded(&key);
                    let mut inner = self.child(text, ctx);
                    let default = &self.dir.default_user;
                    let user = unquote(&name);
                    inner.ctl = Some(Ctl {
                        user: Some(user),
                        uid: default.uid,
                        gid: 0,
                        paddr: text.into(),
                    });
                    inner.owner = default.clone();
                    let selfref = split_list(&value).iter().any(|m| m.eq_ignore_ascii_case(&name));
                    self.list(&value, &inner);
                    if !selfref {
                        return;
                    }
                }
                Ok(None) => {}
                Err(why) => {
                    let failure = Failure {
                        temporary: true,
                        status: "4.3.0".into(),
                        reply: None,
                        text: why,
                        transcript: String::new(),
                        logged: false,
                    };
                    return self.fail(text, ctx, failure);
                }
            }
        }
        self.user(text, &name, !backslash, ctx)
    }

    /// The alias value for a local name: `user+detail`, `user+*`, then `user`.
    fn alias(&self, name: &str) -> Result<Option<String>, String> {
        let mut keys = vec![name.to_string()];
        if let Some((base, _)) = name.split_once('+') {
            keys.push(format!("{base}+*"));
            keys.push(base.to_string());
        }
        for map in &self.dir.aliases {
            for key in &keys {
                match maps::lookup(map.as_ref(), key.as_bytes()) {
                    Ok(Some(v)) => return Ok(Some(String::from_utf8_lossy(&v).into_owned())),
                    Ok(None) => {}
                    Err(_) => return Err("alias database unavailable".into()),
                }
            }
        }
        Ok(None)
    }

    /// A local user (after aliasing): its `.forward`, else its mailbox.
    fn user(&mut self, text: &str, name: &str, forward: bool, ctx: &Ctx) {
        let bare = unquote(name.trim_start_matches('\\'));
        let (login, detail) = match bare.split_once('+') {
            Some((u, d)) => (u.to_string(), Some(d.to_string())),
            None => (bare.clone(), None),
        };
        let Some(user) = self.dir.users.user(&login) else {
            return self.fail(text, ctx, usrerr("550", "5.1.1", "User unknown", text));
        };
        if forward && self.forward(text, &user, ctx) {
            return;
        }
        self.push(text, ctx, Ok(Dest::Mailbox { user, detail }));
    }

    /// Expands `user`'s `.forward`, if it has a safe one that is not empty.
    fn forward(&mut self, text: &str, user: &User, ctx: &Ctx) -> bool {
        let dir = self.dir;
        let search = spool::forward::read_forward(&dir.forward_path, user, &dir.host, &dir.checker);
        let Ok(search) = search else { return false };
        let Some((_, lines)) = search.found.filter(|(_, lines)| !lines.is_empty()) else {
            return false;
        };
        let mut inner = self.child(text, ctx);
        inner.ctl = Some(Ctl {
            user: Some(user.name.clone()),
            uid: user.uid,
            gid: user.gid,
            paddr: text.to_string(),
        });
        inner.owner = user.identity();
        inner.unsafe_addresses |= search.unsafe_addresses;
        for (_, line) in lines {
            self.list(&line, &inner);
        }
        true
    }

    fn remote(&mut self, text: &str, addr: &str, domain: &str, ctx: &Ctx) {
        match self.dir.router.route(domain) {
            Decision::Remote(dest) => {
                let key = format!("{}:{}:{}", dest.mailer, dest.host, addr.to_ascii_lowercase());
                if self.admit(key, text, ctx) {
                    self.push(text, ctx, Ok(Dest::Remote { dest, address: addr.to_string() }));
                }
            }
            Decision::Local(user) => {
                let local = user.unwrap_or_else(|| addr.split('@').next().unwrap_or(addr).into());
                self.local(text, &local, ctx)
            }
            Decision::Error { status, code, text: why } => {
                let code = code
                    .unwrap_or_else(|| if status.starts_with('4') { "451" } else { "550" }.into());
                let status = if status.contains('.') { status } else { "5.1.2".into() };
                let mut failure = usrerr(&code, &status, &why, text);
                failure.temporary = code.starts_with('4');
                self.fail(text, ctx, failure)
            }
            Decision::Unavailable(why) => {
                let failure = Failure {
                    temporary: true,
                    status: "4.3.0".into(),
                    reply: None,
                    text: why,
                    transcript: String::new(),
                    logged: false,
                };
                self.fail(text, ctx, failure)
            }
        }
    }
}

#[cfg(test)]
mod tests;
