//! Dropping root after binding: `RunAsUser`, in one place.
//!
//! sendmail binds its ports as root, then (with `RunAsUser=user[:group]`) becomes that
//! user for everything else. [`drop_to_run_as`] does the same: group first
//! (supplementary groups cleared), then user, then checks that root cannot be
//! regained. Without `RunAsUser`, or when not running as root, nothing changes.
//!
//! # Errors
//! An unknown user or group, or a failed setgid/setuid (`EX_NOUSER`, `EX_OSERR`).

use anyhow::{anyhow, Result};
use nix::unistd::{getuid, setgid, setgroups, setuid, Gid, Group, Uid, User};
use spool::sysexits::{Exit, EX_NOUSER, EX_OSERR};

/// Becomes `run_as` (`user`, `user:group`, `uid:gid`) when running as root.
///
/// # Errors
/// See the module documentation.
pub fn drop_to_run_as(run_as: Option<&str>) -> Result<()> {
    let Some(spec) = run_as else { return Ok(()) };
    if !getuid().is_root() {
        return Ok(());
    }
    let (uid, gid) = resolve(spec)?;
    let os = |what: &str, e: nix::Error| Exit { code: EX_OSERR, message: format!("{what}: {e}") };
    setgroups(&[gid]).map_err(|e| os("setgroups", e))?;
    setgid(gid).map_err(|e| os("setgid", e))?;
    setuid(uid).map_err(|e| os("setuid", e))?;
    if !uid.is_root() && setuid(Uid::from_raw(0)).is_ok() {
        return Err(anyhow!("RunAsUser={spec}: could still regain root"));
    }
    Ok(())
}

/// The uid and gid of `user[:group]`; a number stands for itself.
fn resolve(spec: &str) -> Result<(Uid, Gid)> {
    let unknown =
        |what: &str| Exit { code: EX_NOUSER, message: format!("RunAsUser: unknown {what}") };
    let (user, group) = match spec.split_once(':') {
        Some((u, g)) => (u, Some(g)),
        None => (spec, None),
    };
    let (uid, user_gid) = match user.parse::<u32>() {
        Ok(n) => (Uid::from_raw(n), None),
        Err(_) => {
            let u = User::from_name(user)
                .ok()
                .flatten()
                .ok_or_else(|| unknown(&format!("user {user}")))?;
            (u.uid, Some(u.gid))
        }
    };
    let gid = match group {
        Some(g) => match g.parse::<u32>() {
            Ok(n) => Gid::from_raw(n),
            Err(_) => {
                Group::from_name(g)
                    .ok()
                    .flatten()
                    .ok_or_else(|| unknown(&format!("group {g}")))?
                    .gid
            }
        },
        None => user_gid.ok_or_else(|| unknown(&format!("group for uid {user}")))?,
    };
    Ok((uid, gid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_resolve() {
        assert_eq!(resolve("root").unwrap(), (Uid::from_raw(0), Gid::from_raw(0)));
        assert_eq!(resolve("12:34").unwrap(), (Uid::from_raw(12), Gid::from_raw(34)));
        assert_eq!(resolve("root:0").unwrap().1, Gid::from_raw(0));
        let err = resolve("no-such-user-ferrymail").unwrap_err();
        assert_eq!(spool::sysexits::exit_code(err.as_ref()), EX_NOUSER);
        assert!(resolve("12").is_err(), "a bare uid names no group");
    }

    #[test]
    fn nothing_to_drop_without_run_as() {
        drop_to_run_as(None).unwrap();
    }
}
