//! The files an expansion reads: `:include:` lists and `.forward`s, with the
//! controlling users they set, and the programs and files they may name.

use super::{Ctx, Run};
use crate::expand::types::{Controller, ControllerKind, Event, Target};
use crate::safefile::Unsafe;
use crate::status::DeliveryStatus;
use crate::sysexits::{EX_TEMPFAIL, EX_USAGE};
use crate::{aliases, forward};
use std::path::Path;

impl Run<'_, '_> {
    /// A program or file named in an alias (refused when given directly).
    pub(super) fn special(&mut self, text: &str, unq: &str, ctx: Ctx) {
        let target = match unq.strip_prefix('|') {
            Some(command) => Target::Program { command: command.to_string() },
            None => Target::File { path: unq.into() },
        };
        let what = if unq.starts_with('|') { "programs" } else { "files" };
        if !ctx.from_alias {
            let status = DeliveryStatus::refused(format!("Cannot mail directly to {what}"));
            return self.fail(Some(text), status, EX_USAGE);
        }
        if self.admit(format!("{}:{}", target.mailer(), target.user()), text, ctx).is_none() {
            return;
        }
        if let Some(user) = ctx.controller.and_then(|i| self.shell_refused(i)) {
            let host = &self.ctx.host_name;
            let why =
                format!("User {user}@{host} doesn't have a valid shell for mailing to {what}");
            return self.fail(Some(text), DeliveryStatus::refused(why), EX_USAGE);
        }
        self.deliver(text, target, ctx);
    }

    /// The named owner of an `:include:` controller whose shell is not in
    /// `/etc/shells`.
    fn shell_refused(&self, controller: usize) -> Option<String> {
        let c = &self.controllers[controller];
        let user = c.user.as_deref().filter(|_| matches!(c.kind, ControllerKind::Include(_)))?;
        (!valid_shell(user)).then(|| user.to_string())
    }

    pub(super) fn include(&mut self, text: &str, path: &str, ctx: Ctx) {
        if !ctx.from_alias {
            let status = DeliveryStatus::refused("Cannot mail directly to :include:s");
            return self.fail(Some(text), status, EX_USAGE);
        }
        if self.admit(format!("include:{path}"), text, ctx).is_none() {
            return;
        }
        let verb = Event::Including { address: text.to_string(), path: path.to_string() };
        self.event(verb);
        let owner = ctx.owner.map_or(&self.ctx.default_user, |i| &self.owners[i]);
        let checked = self.ctx.checker.include_file(Path::new(path), owner).result;
        let read = checked.and_then(|_| {
            aliases::read_include(Path::new(path)).map_err(|e| match e {
                aliases::AliasError::Io { source, .. } => Unsafe::from_io(&source),
                _ => Unsafe::Os(libc::EIO),
            })
        });
        match read {
            Ok(lines) => {
                let controller = Some(self.include_controller(path, ctx));
                self.expand_lines(path, Event::SendingTo, &lines, Ctx { controller, ..ctx })
            }
            Err(why) => {
                let text_why = format!("Cannot open {path}: {why}");
                if transient(&why) {
                    self.fail(Some(text), DeliveryStatus::temporary(text_why), EX_TEMPFAIL)
                } else {
                    self.fail(Some(text), DeliveryStatus::new(550, "5.0.0", text_why), EX_USAGE)
                }
            }
        }
    }

    /// The controller of an `:include:` file: its owner, named unless it is the
    /// controller already.
    fn include_controller(&mut self, path: &str, ctx: Ctx) -> usize {
        use std::os::unix::fs::MetadataExt;
        let outer_uid = ctx.controller.map(|i| self.controllers[i].uid);
        let (uid, gid) = std::fs::metadata(path).map_or((0, 0), |m| (m.uid(), m.gid()));
        let user = (outer_uid != Some(uid))
            .then(|| nix::unistd::User::from_uid(uid.into()).ok().flatten().map(|u| u.name))
            .flatten();
        let kind = ControllerKind::Include(path.into());
        let address = path.to_string();
        self.controllers.push(Controller { kind, address, user, uid, gid, home: None });
        self.controllers.len() - 1
    }

    /// Expands `u`'s `.forward`; false when it has none (the user gets the mail).
    pub(super) fn forward(&mut self, text: &str, u: &forward::User, ctx: Ctx) -> bool {
        let c = self.ctx;
        let search = match forward::read_forward(&c.forward_path, u, &c.host_name, &c.checker) {
            Ok(search) => search,
            Err(e) => {
                self.fail(Some(text), DeliveryStatus::temporary(e.to_string()), EX_TEMPFAIL);
                return true;
            }
        };
        for (path, reason) in search.refused {
            let address = text.to_string();
            self.event(Event::ForwardRefused { address, path, reason });
        }
        let Some((path, lines)) = search.found.filter(|(_, l)| !l.is_empty()) else {
            return false;
        };
        self.owners.push(u.identity());
        self.controllers.push(Controller {
            kind: ControllerKind::Forward(path.clone()),
            address: u.name.clone(),
            user: Some(u.name.clone()),
            uid: u.uid,
            gid: u.gid,
            home: Some(u.home.clone()),
        });
        let ctx = Ctx {
            owner: Some(self.owners.len() - 1),
            controller: Some(self.controllers.len() - 1),
            ..ctx
        };
        let path = path.to_string_lossy().into_owned();
        self.expand_lines(&path, Event::ForwardingTo, &lines, ctx);
        true
    }
}

/// Whether sendmail would retry later rather than fail (its `transienterror` for the
/// errors opening a file can give).
fn transient(why: &Unsafe) -> bool {
    const LATER: [i32; 6] =
        [libc::EIO, libc::EAGAIN, libc::ENOMEM, libc::ENFILE, libc::EMFILE, libc::ENOSPC];
    matches!(why, Unsafe::Os(e) if LATER.contains(e))
}

/// Whether `user`'s login shell is one of `/etc/shells` (sendmail's `usershellok`;
/// without the file, `/bin/sh` and `/bin/csh`, as getusershell(3)).
fn valid_shell(user: &str) -> bool {
    let Some(shell) = nix::unistd::User::from_name(user).ok().flatten().map(|u| u.shell) else {
        return false;
    };
    let shells = std::fs::read_to_string("/etc/shells")
        .unwrap_or_else(|_| "/bin/sh\n/bin/csh\n".to_string());
    shells
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|l| Path::new(l) == shell)
}
