//! The recipient walk: aliases, `:include:`, `.forward`, duplicates and loops.

use super::route::{self, Route};
use super::types::{
    Controller, ControllerKind, Delivery, Event, Expansion, Failure, Target, Trace,
};
use super::Context;
use crate::address::{self, split_list, unquote};
use crate::maps;
use crate::safefile::Identity;
use crate::status::DeliveryStatus;
use crate::sysexits::{EX_NOUSER, EX_TEMPFAIL, EX_USAGE};

mod files;

/// How an address was reached.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    /// Named in an alias, include file or .forward (programs and files allowed).
    from_alias: bool,
    /// Expansion depth.
    depth: usize,
    /// Named in a recipient list given to the expansion.
    primary: bool,
    /// The user whose `.forward` named it (an index into `Run::owners`), whom
    /// `:include:` files are checked for; `None`: `DefaultUser`.
    owner: Option<usize>,
    /// Its controlling address (an index into `Run::controllers`).
    controller: Option<usize>,
}

/// An address already on the send list.
#[derive(Debug)]
struct Seen {
    key: String,
    primary: bool,
    expanded: bool,
    reexpanded: bool,
}

/// One expansion.
pub(super) struct Run<'c, 'a> {
    ctx: &'c Context<'a>,
    out: Expansion,
    seen: Vec<Seen>,
    produced: usize,
    loop_hit: bool,
    origin: usize,
    owners: Vec<Identity>,
    controllers: Vec<Controller>,
    /// The file and line being expanded.
    reading: Option<(String, usize)>,
    map_problem_shown: bool,
}

impl<'c, 'a> Run<'c, 'a> {
    pub(super) fn new(ctx: &'c Context<'a>) -> Self {
        Run {
            ctx,
            out: Expansion::default(),
            seen: Vec::new(),
            produced: 0,
            loop_hit: false,
            origin: 0,
            owners: Vec::new(),
            controllers: Vec::new(),
            reading: None,
            map_problem_shown: false,
        }
    }

    /// Expands one recipient list, its members last first.
    pub(super) fn top_level(&mut self, origin: usize, list: &str) {
        self.origin = origin;
        for item in split_list(list).iter().rev() {
            let before = self.produced;
            self.loop_hit = false;
            let ctx =
                Ctx { from_alias: false, depth: 0, primary: true, owner: None, controller: None };
            self.recipient(item, ctx);
            if self.loop_hit && self.produced == before {
                self.fail(None, DeliveryStatus::loop_broken(), EX_USAGE);
            }
        }
    }

    pub(super) fn finish(self) -> Expansion {
        self.out
    }

    fn event(&mut self, event: Event) {
        self.out.trace.push(Trace { at: self.reading.clone(), event });
    }

    fn set_status(&mut self, status: i32) {
        if self.out.exit_code == 0 {
            self.out.exit_code = status;
        }
    }

    fn fail(&mut self, address: Option<&str>, status: DeliveryStatus, exit_code: i32) {
        let address = address.map(str::to_string);
        self.event(Event::Failed(Failure { address, origin: self.origin, status, exit_code }));
        self.set_status(exit_code);
        self.produced += 1;
    }

    fn deliver(&mut self, address: &str, target: Target, ctx: Ctx) {
        let controller = ctx.controller.map(|i| self.controllers[i].clone());
        let address = address.to_string();
        self.out.deliveries.push(Delivery { address, origin: self.origin, target, controller });
        self.produced += 1;
    }

    /// Puts `key` on the send list; `None` when it is a duplicate to drop.
    fn admit(&mut self, key: String, text: &str, ctx: Ctx) -> Option<usize> {
        if let Some(e) = self.seen.iter_mut().find(|e| e.key == key) {
            if e.primary && e.expanded && !e.reexpanded {
                e.reexpanded = true;
                self.loop_hit = true;
            } else {
                let event = if !e.primary || e.reexpanded {
                    Event::Duplicate(text.to_string())
                } else {
                    Event::AlreadyListed(text.to_string())
                };
                self.event(event);
                return None;
            }
        }
        let primary = ctx.primary;
        self.seen.push(Seen { key, primary, expanded: false, reexpanded: false });
        Some(self.seen.len() - 1)
    }

    fn recipient(&mut self, text: &str, ctx: Ctx) {
        if ctx.depth > self.ctx.max_depth {
            return self.fail(None, DeliveryStatus::loop_broken(), EX_USAGE);
        }
        if text == "@" {
            return self.fail(Some(text), DeliveryStatus::user_unknown(), EX_NOUSER);
        }
        let parsed = match address::parse(text) {
            Ok(p) => p,
            Err(e) => return self.fail(Some(text), syntax(&e.to_string()), e.exit_code()),
        };
        for e in &parsed.repaired {
            self.fail(Some(text), syntax(&e.to_string()), e.exit_code());
        }
        let a = parsed.address;
        if a.is_null() || a.local.is_empty() {
            return self.fail(Some(text), DeliveryStatus::user_unknown(), EX_NOUSER);
        }
        match a.domain.as_deref() {
            _ if a.has_route() => {
                let hop = a.route[0].clone();
                self.remote(text, &a.to_addr_spec(), &hop, ctx)
            }
            Some(d) if !self.ctx.is_local(d) => self.remote(text, &a.to_addr_spec(), d, ctx),
            _ => self.local_part(text, &a.local, ctx),
        }
    }

    /// A local part of a local address: program, file, include, hacks or a user.
    fn local_part(&mut self, text: &str, local: &str, ctx: Ctx) {
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
            if let Some((host, _)) = local.split_once('!') {
                return self.remote(text, local, host, ctx);
            }
        }
        self.local(text, local, ctx)
    }

    fn expand_lines(
        &mut self,
        path: &str,
        event: fn(String) -> Event,
        lines: &[(usize, String)],
        ctx: Ctx,
    ) {
        let outer = self.reading.take();
        for (n, line) in lines {
            self.reading = Some((path.to_string(), *n));
            self.event(event(line.clone()));
            self.expand_list(line, None, ctx);
        }
        self.reading = outer;
    }

    /// Expands a list, last member first; true when a member is `self_key` itself.
    fn expand_list(&mut self, list: &str, self_key: Option<&str>, ctx: Ctx) -> bool {
        let inner = Ctx { from_alias: true, depth: ctx.depth + 1, primary: false, ..ctx };
        let mut selfref = false;
        for item in split_list(list).iter().rev() {
            if self_key.is_some() && self_key == local_key(item).as_deref() {
                selfref = true;
            }
            self.recipient(item, inner);
        }
        selfref
    }

    fn local(&mut self, text: &str, local: &str, ctx: Ctx) {
        let name = local.to_ascii_lowercase();
        let key = format!("local:{name}");
        let Some(idx) = self.admit(key.clone(), text, ctx) else { return };
        let backslash = name.starts_with('\\');
        if !backslash {
            if let Some(value) = self.alias(&name) {
                self.event(Event::Aliased { address: text.to_string(), value: value.clone() });
                self.seen[idx].expanded = true;
                let controller = Some(self.alias_controller(&name));
                if !self.expand_list(&value, Some(&key), Ctx { controller, ..ctx }) {
                    return;
                }
            }
        }
        self.user(text, &name, !backslash && !self.seen[idx].expanded, ctx);
    }

    /// An alias controls its expansion with `DefaultUser`'s uid and gid 0.
    fn alias_controller(&mut self, name: &str) -> usize {
        let uid = self.ctx.default_user.uid;
        let (kind, address) = (ControllerKind::Alias, unquote(name));
        self.controllers.push(Controller { kind, address, user: None, uid, gid: 0, home: None });
        self.controllers.len() - 1
    }

    /// Delivers to a local user (after aliasing), honouring its .forward.
    fn user(&mut self, text: &str, name: &str, forward: bool, ctx: Ctx) {
        let bare = unquote(name.trim_start_matches('\\'));
        let (user, detail) = match bare.split_once('+') {
            Some((u, d)) => (u.to_string(), Some(d.to_string())),
            None => (bare.clone(), None),
        };
        let Some(u) = self.ctx.users.user(&user) else {
            return self.fail(Some(text), DeliveryStatus::user_unknown(), EX_NOUSER);
        };
        if forward && self.forward(text, &u, ctx) {
            return;
        }
        let no_alias = name.starts_with('\\');
        let (uid, gid, home) = (u.uid, u.gid, u.home.clone());
        let target = Target::Local { user: u.name, detail, no_alias, uid, gid, home };
        self.deliver(text, target, ctx);
    }

    /// The alias value for a local name: `user+detail`, `user+*`, then `user`.
    fn alias(&mut self, name: &str) -> Option<String> {
        let mut keys = vec![name.to_string()];
        if let Some((base, _)) = name.split_once('+') {
            keys.push(format!("{base}+*"));
            keys.push(base.to_string());
        }
        let found = self.ctx.aliases.iter().find_map(|map| {
            keys.iter().find_map(|key| match maps::lookup(*map, key.as_bytes()) {
                Ok(None) => None,
                Ok(Some(v)) => Some(Ok(String::from_utf8_lossy(&v).into_owned())),
                Err(e) => Some(Err(e)),
            })
        });
        match found? {
            Ok(value) => Some(value),
            Err(e) => {
                self.fail(None, DeliveryStatus::temporary(e.to_string()), EX_TEMPFAIL);
                None
            }
        }
    }

    fn remote(&mut self, text: &str, user: &str, domain: &str, ctx: Ctx) {
        self.map_problem();
        match route::route(self.ctx, domain) {
            Route::Remote { mailer, hosts, port, user: routed } => {
                let user = routed.unwrap_or_else(|| user.to_string());
                let target = Target::Remote { mailer, hosts, port, user };
                let key = format!("{}:{}:{}", target.mailer(), target.host(), target.user());
                if self.admit(key.to_ascii_lowercase(), text, ctx).is_some() {
                    self.deliver(text, target, ctx);
                }
            }
            Route::Local(u) => {
                let local = u.unwrap_or_else(|| user.split('@').next().unwrap_or(user).to_string());
                self.local(text, &local, ctx)
            }
            Route::Error(status, exit) => self.fail(Some(text), status, exit),
        }
    }

    /// Reports once that the mailertable could not be opened (sendmail: exit 70/71).
    fn map_problem(&mut self) {
        if self.map_problem_shown {
            return;
        }
        if let Some(problem) = self.ctx.mailertable_problem {
            self.map_problem_shown = true;
            self.event(Event::MapProblem(problem.to_string()));
            self.set_status(problem.exit_code());
        }
    }
}

/// An address sendmail cannot parse: `553 5.0.0 TEXT`.
fn syntax(text: &str) -> DeliveryStatus {
    DeliveryStatus::new(553, "5.0.0", text)
}

/// The send-list key of a member if it is a plain local name.
fn local_key(item: &str) -> Option<String> {
    let a = address::parse(item).ok()?.address;
    (a.domain.is_none() && !a.local.is_empty())
        .then(|| format!("local:{}", a.local.to_ascii_lowercase()))
}
