//! RunAsUser: whose the queue files are when root submits (sendmail's
//! `drop_privileges`).
//!
//! # What sendmail 8.17.1.9 does (measured on the oracle; see `tests/run_as.rs`)
//! Run by root, sendmail gives up root before it reads the message: `setgroups` to the
//! run-as group alone, `setgid`, then `setuid` (real, effective and saved uid), to the
//! `RunAsUser` of the configuration that writes the queue (submit.cf for a submission;
//! msp.m4's default is `smmsp`). The df and qf are then the run-as user's and group's,
//! with mode `QueueFileMode` (FEATURE(msp) sets 0660), so the client-queue runner, which
//! runs as that user, can read them.
//! * `user` takes the user's primary group; `user:group` (also `user.group`,
//!   `user/group`) the named group; a number as the user keeps the current group
//!   (`8` gives `mail:root`); numbers work for the group too.
//! * An ordinary user of the setgid binary keeps its uid and the setgid group: its
//!   files are `user:smmsp`. sendmail does not try to change the uid.
//! * A mail submission program (`UseMSP`, set by FEATURE(msp)) run by root that would
//!   still be root refuses, exit 78:
//!   `Mail submission program must have RunAsUser set to non root user`.
//! * A user or group unknown here: `readcf: option RunAsUser: unknown user X` (or
//!   `group`), exit 70, nothing queued; for an MSP run by root an unknown user is
//!   followed by the line above, exit 78.
//!
//! # Errors
//! [`Exit`] with sendmail's codes for the cases above, and 71 (`EX_OSERR`) when a
//! `setgroups`, `setgid` or `setuid` call fails.

use crate::settings::Settings;
use nix::unistd::{getegid, geteuid, setgid, setgroups, setuid, Gid, Group, Uid, User};
use spool::sysexits::{Exit, EX_CONFIG, EX_OSERR, EX_SOFTWARE};
use std::fmt;

/// sendmail's refusal when a mail submission program would write its queue as root.
const MSP_AS_ROOT: &str = "Mail submission program must have RunAsUser set to non root user";

/// Who the process becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunAs {
    /// The uid; 0 leaves the uid alone.
    pub uid: u32,
    /// The group; `None` keeps the effective group (sendmail's `RunAsGid` 0).
    pub gid: Option<u32>,
}

/// A `RunAsUser` naming a user or group this system does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unknown {
    /// The user part.
    User(String),
    /// The group part.
    Group(String),
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unknown::User(name) => write!(f, "readcf: option RunAsUser: unknown user {name}"),
            Unknown::Group(name) => write!(f, "readcf: option RunAsUser: unknown group {name}"),
        }
    }
}

/// Becomes the owner the queue files must have, before any of them is created: for
/// root, `RunAsUser` of the queue's configuration ([`Settings::queue_writer`]); for
/// anyone else nothing changes. See the module docs for sendmail's rules.
pub fn become_queue_owner(settings: &Settings) -> Result<(), Exit> {
    let root = settings.caller.uid == 0 && geteuid().is_root();
    let writer = settings.queue_writer();
    match plan(root, writer.run_as.as_deref().map(parse), writer.use_msp)? {
        Some(target) => drop_to(target),
        None => Ok(()),
    }
}

/// Reads `RunAsUser` as sendmail's readcf does, looking names up in the system's
/// user and group databases.
pub fn parse(spec: &str) -> Result<RunAs, Unknown> {
    let user =
        |name: &str| User::from_name(name).ok().flatten().map(|u| (u.uid.as_raw(), u.gid.as_raw()));
    let group = |name: &str| Group::from_name(name).ok().flatten().map(|g| g.gid.as_raw());
    parse_with(spec, &user, &group)
}

/// [`parse`] with the lookups given: `user` yields (uid, primary gid), `group` a gid.
fn parse_with(
    spec: &str,
    user: &dyn Fn(&str) -> Option<(u32, u32)>,
    group: &dyn Fn(&str) -> Option<u32>,
) -> Result<RunAs, Unknown> {
    let (name, group_name) = spec.split_once(['.', '/', ':']).unwrap_or((spec, ""));
    let mut run_as = if name.starts_with(|c: char| c.is_ascii_digit()) {
        RunAs { uid: atoi(name), gid: None }
    } else {
        let (uid, gid) = user(name).ok_or_else(|| Unknown::User(name.to_string()))?;
        RunAs { uid, gid: Some(gid) }
    };
    if group_name.starts_with(|c: char| c.is_ascii_digit()) {
        run_as.gid = Some(atoi(group_name));
    } else if !group_name.is_empty() {
        run_as.gid = Some(group(group_name).ok_or_else(|| Unknown::Group(group_name.into()))?);
    }
    run_as.gid = run_as.gid.filter(|&gid| gid != 0);
    Ok(run_as)
}

/// C's `atoi` on the leading digits (sendmail reads numeric ids so).
fn atoi(text: &str) -> u32 {
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    text[..digits].parse().unwrap_or(u32::MAX)
}

/// What to become, from whether the caller is root, its `RunAsUser` and `UseMSP`:
/// `Ok(None)` keeps the process as it is.
fn plan(
    root: bool,
    run_as: Option<Result<RunAs, Unknown>>,
    use_msp: bool,
) -> Result<Option<RunAs>, Exit> {
    let target = match run_as {
        None => None,
        Some(Ok(target)) => Some(target),
        Some(Err(e @ Unknown::User(_))) if root && use_msp => {
            return Err(Exit { code: EX_CONFIG, message: format!("{e}\n{MSP_AS_ROOT}") })
        }
        Some(Err(e)) => return Err(Exit { code: EX_SOFTWARE, message: e.to_string() }),
    };
    if !root {
        return Ok(None);
    }
    let target = target.filter(|t| t.uid != 0 || t.gid.is_some());
    if use_msp && target.is_none_or(|t| t.uid == 0) {
        return Err(Exit { code: EX_CONFIG, message: MSP_AS_ROOT.into() });
    }
    Ok(target)
}

/// Gives up root for good: supplementary groups, group, then user.
fn drop_to(target: RunAs) -> Result<(), Exit> {
    let failed = |call: String, e: nix::Error| Exit {
        code: EX_OSERR,
        message: format!("drop_privileges: {call} failed: {}", e.desc()),
    };
    let gid = target.gid.map(Gid::from_raw);
    let only = gid.unwrap_or_else(getegid);
    setgroups(&[only]).map_err(|e| failed(format!("setgroups(1, {only})"), e))?;
    if let Some(gid) = gid {
        setgid(gid).map_err(|e| failed(format!("setgid({gid})"), e))?;
    }
    if target.uid != 0 {
        let uid = Uid::from_raw(target.uid);
        setuid(uid).map_err(|e| failed(format!("setuid({uid})"), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab_parse(spec: &str) -> Result<RunAs, Unknown> {
        let user = |n: &str| match n {
            "mail" => Some((8, 8)),
            "root" => Some((0, 0)),
            _ => None,
        };
        let group = |n: &str| match n {
            "mail" => Some(8),
            "nogroup" => Some(65534),
            _ => None,
        };
        parse_with(spec, &user, &group)
    }

    #[test]
    fn run_as_user_reads_as_sendmail_reads_it() {
        let to = |uid, gid| Ok(RunAs { uid, gid });
        assert_eq!(lab_parse("mail:mail"), to(8, Some(8)));
        assert_eq!(lab_parse("mail"), to(8, Some(8)), "the user's primary group");
        assert_eq!(lab_parse("mail.nogroup"), to(8, Some(65534)));
        assert_eq!(lab_parse("mail/nogroup"), to(8, Some(65534)));
        assert_eq!(lab_parse("8"), to(8, None), "a number keeps the group");
        assert_eq!(lab_parse("8:65534"), to(8, Some(65534)));
        assert_eq!(lab_parse("root"), to(0, None));
        assert_eq!(lab_parse("mail:0"), to(8, None), "group 0 is sendmail's no group");
        assert_eq!(lab_parse("nosuchuser"), Err(Unknown::User("nosuchuser".into())));
        assert_eq!(lab_parse("mail:nosuchgroup"), Err(Unknown::Group("nosuchgroup".into())));
        assert_eq!(
            Unknown::User("x".into()).to_string(),
            "readcf: option RunAsUser: unknown user x"
        );
    }

    #[test]
    fn only_root_changes_and_an_msp_never_stays_root() {
        let mail = RunAs { uid: 8, gid: Some(8) };
        assert_eq!(plan(true, Some(Ok(mail)), true).unwrap(), Some(mail));
        assert_eq!(plan(true, Some(Ok(mail)), false).unwrap(), Some(mail), "-Am too");
        assert_eq!(plan(false, Some(Ok(mail)), true).unwrap(), None, "an ordinary caller");
        assert_eq!(plan(true, None, false).unwrap(), None, "no RunAsUser: root's files");
        for unset_or_root in [None, Some(Ok(RunAs { uid: 0, gid: None }))] {
            let refused = plan(true, unset_or_root, true).unwrap_err();
            assert_eq!((refused.code, refused.message.as_str()), (78, MSP_AS_ROOT));
        }
        assert_eq!(plan(false, None, true).unwrap(), None, "the MSP check is for root");
        let unknown = || Some(Err(Unknown::User("nosuchuser".into())));
        let e = plan(true, unknown(), true).unwrap_err();
        assert_eq!(e.code, 78);
        assert_eq!(
            e.message,
            format!("readcf: option RunAsUser: unknown user nosuchuser\n{MSP_AS_ROOT}")
        );
        assert_eq!(plan(true, unknown(), false).unwrap_err().code, 70);
        assert_eq!(plan(false, unknown(), true).unwrap_err().code, 70);
        let group = Some(Err(Unknown::Group("nosuchgroup".into())));
        assert_eq!(plan(true, group, true).unwrap_err().code, 70);
    }
}
