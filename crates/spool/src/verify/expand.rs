//! The recipient walk: aliases, `:include:`, `.forward`, duplicates and loops.

use super::route::{self, Decision};
use super::{Outcome, Settings};
use crate::address::{self, split_list, unquote};
use crate::safefile::{Identity, Unsafe};
use crate::sysexits::{EX_NOUSER, EX_TEMPFAIL, EX_USAGE};
use crate::{aliases, forward, maps};
use std::path::Path;

/// sendmail's `MaxAliasRecursion`.
const MAX_DEPTH: usize = 10;

/// How an address was reached.
#[derive(Debug, Clone, Copy)]
struct Ctx {
    /// Named in an alias, include file or .forward (programs and files allowed).
    from_alias: bool,
    /// Expansion depth.
    depth: usize,
    /// Named on the command line.
    primary: bool,
    /// The user whose `.forward` named it (an index into `Run::owners`); `None`:
    /// the command line or an alias, whose `:include:`s are `DefaultUser`'s.
    owner: Option<usize>,
}

/// An address already on the send list.
#[derive(Debug)]
struct Seen {
    key: String,
    primary: bool,
    expanded: bool,
    reexpanded: bool,
}

/// One verification run.
pub(super) struct Run<'s, 'a> {
    s: &'s Settings<'a>,
    lines: Vec<String>,
    local_ok: Vec<String>,
    remote_ok: Vec<String>,
    seen: Vec<Seen>,
    status: i32,
    produced: usize,
    loop_hit: bool,
    /// Users whose `.forward` was expanded, for [`Ctx::owner`].
    owners: Vec<Identity>,
    /// The file and line being expanded, which prefix every message meanwhile.
    reading: Option<(String, usize)>,
}

impl<'s, 'a> Run<'s, 'a> {
    pub(super) fn new(s: &'s Settings<'a>) -> Self {
        Run {
            s,
            lines: Vec::new(),
            local_ok: Vec::new(),
            remote_ok: Vec::new(),
            seen: Vec::new(),
            status: 0,
            produced: 0,
            loop_hit: false,
            owners: Vec::new(),
            reading: None,
        }
    }

    /// Handles one command-line argument (a recipient list).
    pub(super) fn top_level(&mut self, arg: &str) {
        for item in split_list(arg).iter().rev() {
            let before = self.produced;
            self.loop_hit = false;
            let ctx = Ctx { from_alias: false, depth: 0, primary: true, owner: None };
            self.recipient(item, ctx);
            if self.loop_hit && self.produced == before {
                self.plain_error("aliasing/forwarding loop broken", EX_USAGE);
            }
        }
    }

    pub(super) fn finish(mut self) -> Outcome {
        self.lines.append(&mut self.local_ok);
        self.lines.append(&mut self.remote_ok);
        Outcome { lines: self.lines, exit_code: self.status }
    }

    fn set_status(&mut self, status: i32) {
        if self.status == 0 {
            self.status = status;
        }
    }

    /// A message as sendmail prints it: while a file's line is being expanded, after
    /// `FILE: line N: `.
    fn message(&self, msg: &str) -> String {
        match &self.reading {
            Some((path, n)) => format!("{path}: line {n}: {msg}"),
            None => msg.to_string(),
        }
    }

    fn plain_error(&mut self, msg: &str, status: i32) {
        self.lines.push(self.message(msg));
        self.set_status(status);
        self.produced += 1;
    }

    fn error(&mut self, text: &str, msg: &str, status: i32) {
        self.plain_error(&format!("{text}... {msg}"), status);
    }

    fn verbose(&mut self, line: String) {
        if self.s.verbose {
            self.lines.push(self.message(&line));
        }
    }

    fn deliverable(&mut self, remote: bool, line: String) {
        self.produced += 1;
        if remote {
            self.remote_ok.push(line);
        } else {
            self.local_ok.push(line);
        }
    }

    /// Puts `key` on the send list; `None` when it is a duplicate to drop.
    fn admit(&mut self, key: String, text: &str, ctx: Ctx) -> Option<usize> {
        if let Some(e) = self.seen.iter_mut().find(|e| e.key == key) {
            if e.primary && e.expanded && !e.reexpanded {
                e.reexpanded = true;
                self.loop_hit = true;
            } else {
                if !e.primary || e.reexpanded {
                    self.verbose(format!("{text}... duplicate suppressed"));
                }
                return None;
            }
        }
        let primary = ctx.primary;
        self.seen.push(Seen { key, primary, expanded: false, reexpanded: false });
        Some(self.seen.len() - 1)
    }

    fn recipient(&mut self, text: &str, ctx: Ctx) {
        if ctx.depth > MAX_DEPTH {
            return self.plain_error("aliasing/forwarding loop broken", EX_USAGE);
        }
        if text == "@" {
            return self.error(text, "User unknown", EX_NOUSER);
        }
        let parsed = match address::parse(text) {
            Ok(p) => p,
            Err(e) => return self.error(text, &e.to_string(), e.exit_code()),
        };
        for e in &parsed.repaired {
            self.error(text, &e.to_string(), e.exit_code());
        }
        let a = parsed.address;
        if a.is_null() || a.local.is_empty() {
            return self.error(text, "User unknown", EX_NOUSER);
        }
        match a.domain.as_deref() {
            _ if a.has_route() => {
                let hop = a.route[0].clone();
                self.remote(text, &a.to_addr_spec(), &hop, ctx)
            }
            Some(d) if !self.is_local(d) => self.remote(text, &a.to_addr_spec(), d, ctx),
            _ => self.local_part(text, &a.local, ctx),
        }
    }

    fn is_local(&self, domain: &str) -> bool {
        self.s.local_names.contains(domain) || domain.starts_with("[127.")
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

    /// A program or file named in an alias (refused on the command line).
    fn special(&mut self, text: &str, unq: &str, ctx: Ctx) {
        let prog = unq.starts_with('|');
        if !ctx.from_alias {
            let what = if prog { "programs" } else { "files" };
            return self.error(text, &format!("Cannot mail directly to {what}"), EX_USAGE);
        }
        let (mailer, user) = if prog && unq.contains([' ', '\t']) {
            ("prog", format!("\"{unq}\""))
        } else if prog {
            ("prog", unq.to_string())
        } else {
            ("*file*", unq.to_string())
        };
        if self.admit(format!("{mailer}:{user}"), text, ctx).is_some() {
            self.deliverable(false, format!("{text}... deliverable: mailer {mailer}, user {user}"));
        }
    }

    fn include(&mut self, text: &str, path: &str, ctx: Ctx) {
        if !ctx.from_alias {
            return self.error(text, "Cannot mail directly to :include:s", EX_USAGE);
        }
        if self.admit(format!("include:{path}"), text, ctx).is_none() {
            return;
        }
        self.verbose(format!("{text}... including file {path}"));
        let owner = ctx.owner.map_or(&self.s.default_user, |i| &self.owners[i]);
        let checked = self.s.checker.include_file(Path::new(path), owner).result;
        let read = checked.and_then(|_| {
            aliases::read_include(Path::new(path)).map_err(|e| match e {
                aliases::AliasError::Io { source, .. } => Unsafe::from_io(&source),
                _ => Unsafe::Os(libc::EIO),
            })
        });
        match read {
            Ok(lines) => self.expand_lines(path, "sending to", &lines, ctx),
            Err(why) => {
                let status = if transient(&why) { EX_TEMPFAIL } else { EX_USAGE };
                self.error(text, &format!("Cannot open {path}: {why}"), status)
            }
        }
    }

    fn expand_lines(&mut self, path: &str, verb: &str, lines: &[(usize, String)], ctx: Ctx) {
        let outer = self.reading.take();
        for (n, line) in lines {
            self.reading = Some((path.to_string(), *n));
            self.verbose(format!("{verb} {line}"));
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
                self.verbose(format!("{text}... aliased to {value}"));
                self.seen[idx].expanded = true;
                if !self.expand_list(&value, Some(&key), ctx) {
                    return;
                }
            }
        }
        self.user(text, &name, !backslash && !self.seen[idx].expanded, ctx);
    }

    /// Delivers to a local user (after aliasing), honouring its .forward.
    fn user(&mut self, text: &str, name: &str, forward: bool, ctx: Ctx) {
        let bare = unquote(name.trim_start_matches('\\'));
        let (user, detail) = match bare.split_once('+') {
            Some((u, d)) => (u.to_string(), Some(d.to_string())),
            None => (bare.clone(), None),
        };
        let Some(u) = self.s.users.user(&user) else {
            return self.error(text, "User unknown", EX_NOUSER);
        };
        if forward {
            let s = self.s;
            match forward::read_forward(&s.forward_path, &u, &s.host_name, &s.checker) {
                Ok(search) => {
                    for (path, why) in &search.refused {
                        self.verbose(format!("{text}... forward: {}: {why}", path.display()));
                    }
                    if let Some((path, lines)) = search.found.filter(|(_, l)| !l.is_empty()) {
                        self.owners.push(u.identity());
                        let ctx = Ctx { owner: Some(self.owners.len() - 1), ..ctx };
                        let path = path.to_string_lossy().into_owned();
                        return self.expand_lines(&path, "forwarding to", &lines, ctx);
                    }
                }
                Err(e) => return self.error(text, &e.to_string(), EX_TEMPFAIL),
            }
        }
        let shown = if name.starts_with('\\') { format!("\\{user}") } else { user };
        let host = detail.map(|d| format!("host {d}, ")).unwrap_or_default();
        self.deliverable(false, format!("{text}... deliverable: mailer local, {host}user {shown}"));
    }

    /// The alias value for a local name: `user+detail`, `user+*`, then `user`.
    fn alias(&mut self, name: &str) -> Option<String> {
        let mut keys = vec![name.to_string()];
        if let Some((base, _)) = name.split_once('+') {
            keys.push(format!("{base}+*"));
            keys.push(base.to_string());
        }
        for map in &self.s.aliases {
            for key in &keys {
                match maps::lookup(*map, key.as_bytes()) {
                    Ok(Some(v)) => return Some(String::from_utf8_lossy(&v).into_owned()),
                    Ok(None) => {}
                    Err(e) => {
                        self.plain_error(&e.to_string(), EX_TEMPFAIL);
                        return None;
                    }
                }
            }
        }
        None
    }

    fn remote(&mut self, text: &str, user: &str, domain: &str, ctx: Ctx) {
        match route::route(self.s, domain) {
            Decision::Deliver { mailer, host } => {
                let key = format!("{mailer}:{host}:{}", user.to_ascii_lowercase());
                if self.admit(key, text, ctx).is_some() {
                    let line =
                        format!("{text}... deliverable: mailer {mailer}, host {host}, user {user}");
                    self.deliverable(true, line);
                }
            }
            Decision::Local(u) => {
                let local = u.unwrap_or_else(|| user.split('@').next().unwrap_or(user).to_string());
                self.local(text, &local, ctx)
            }
            Decision::Error { text: t, status } => self.error(text, &t, status),
        }
    }
}

/// Whether sendmail would retry later rather than fail (its `transienterror` for the
/// errors opening a file can give).
fn transient(why: &Unsafe) -> bool {
    const LATER: [i32; 6] =
        [libc::EIO, libc::EAGAIN, libc::ENOMEM, libc::ENFILE, libc::EMFILE, libc::ENOSPC];
    matches!(why, Unsafe::Os(e) if LATER.contains(e))
}

/// The send-list key of a member if it is a plain local name.
fn local_key(item: &str) -> Option<String> {
    let a = address::parse(item).ok()?.address;
    (a.domain.is_none() && !a.local.is_empty())
        .then(|| format!("local:{}", a.local.to_ascii_lowercase()))
}
