//! Checking a client queue file before anything in it is believed.
//!
//! A file in clientmqueue was written by a setgid submit program on behalf of any
//! local user: it is hostile input. What passes:
//!
//! * the qf and df are regular files, opened without following symlinks, owned by the
//!   MSP's `RunAsUser` (and group) when that is known, with no mode bit beyond the
//!   MSP's `QueueFileMode` (0660) and never executable, set-id or world-accessible;
//! * the qf reads with sendmail's delivery reader (`V8`, known letters, final `.`),
//!   with no `d` line (a df elsewhere) and at least one recipient;
//! * every recipient is a plain address (no `|program`, `/file` or `:include:`,
//!   which only the MTA's own aliases may name); `C` lines (which would choose the uid
//!   a program runs as) are dropped, never carried over;
//! * the header, as the MSP would send it, reads with spool's header rules within
//!   `MaxHeadersLength`, and the message fits `MaxMessageSize`.
//!
//! Times (`T`, `K`), attempts and the priority of the file are not used: the MTA's
//! queue file gets its own.
//!
//! # Errors
//! [`Refused`]: why the file is set aside, worded for the log line.

use crate::settings::{ClientFiles, Settings};
use spool::address;
use spool::inbound::{InboundRecipient, Notify};
use spool::qf::envelope::Envelope;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;

/// Why a client queue file is not picked up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refuse<T>(why: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(why.into()))
}

/// Checks the owner, group and mode of a client queue file.
pub fn file(what: &str, meta: &Metadata, expected: &ClientFiles) -> Result<(), Refused> {
    if !meta.file_type().is_file() {
        return refuse(format!("{what} is not a regular file"));
    }
    if meta.nlink() != 1 {
        return refuse(format!("{what} has {} links", meta.nlink()));
    }
    if let Some(uid) = expected.uid {
        if meta.uid() != uid {
            return refuse(format!("{what} is owned by uid {}, not {uid}", meta.uid()));
        }
    }
    if let Some(gid) = expected.gid {
        if meta.gid() != gid {
            return refuse(format!("{what} has group {}, not {gid}", meta.gid()));
        }
    }
    let mode = meta.mode() & 0o7777;
    if mode & !(expected.mode & 0o660) != 0 {
        return refuse(format!("{what} has mode {mode:04o}"));
    }
    Ok(())
}

/// What the MTA takes from a client queue file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The sender, qualified with `$j` (empty for `<>`).
    pub sender: String,
    /// The recipients, qualified, with their DSN parameters.
    pub recipients: Vec<InboundRecipient>,
}

/// Checks the envelope of a client qf.
pub fn envelope(env: &Envelope, settings: &Settings) -> Result<Submission, Refused> {
    if env.data_dir.is_some() {
        return refuse("a d line (data file elsewhere)");
    }
    if env.recipients.is_empty() {
        return refuse("no recipients");
    }
    let sender = qualify(&String::from_utf8_lossy(&env.sender), &settings.host)
        .ok_or_else(|| Refused(format!("bad sender {:?}", String::from_utf8_lossy(&env.sender))))?;
    let mut recipients = Vec::new();
    for r in &env.recipients {
        let text = String::from_utf8_lossy(&r.address).into_owned();
        let address = qualify(&text, &settings.host)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| Refused(format!("bad recipient {text:?}")))?;
        let notify = r.flags.contains('N').then(|| Notify {
            success: r.flags.contains('S'),
            failure: r.flags.contains('F'),
            delay: r.flags.contains('D'),
        });
        let orcpt = r.original.as_ref().map(|o| String::from_utf8_lossy(o).into_owned());
        recipients.push(InboundRecipient { address, notify, orcpt });
    }
    Ok(Submission { sender, recipients })
}

/// An address from a client qf, without brackets, with `@$j` when it has no domain;
/// `None` when it does not parse or names a program, a file or an include.
pub fn qualify(text: &str, host: &str) -> Option<String> {
    let trimmed = text.trim();
    if matches!(trimmed, "" | "<>") {
        return Some(String::new());
    }
    if trimmed.contains(['\n', '\r', '\0']) {
        return None;
    }
    let parsed = address::parse(trimmed).ok()?;
    if !parsed.repaired.is_empty() || parsed.address.has_route() {
        return None;
    }
    let a = parsed.address;
    let local = address::unquote(&a.local);
    if local.starts_with(['|', '/']) || local.starts_with(":include:") || local.is_empty() {
        return None;
    }
    Some(match a.domain {
        Some(d) => format!("{}@{d}", a.local),
        None => format!("{}@{host}", a.local),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_qualified_and_programs_refused() {
        let h = "mail.lab.example";
        assert_eq!(qualify("root", h).as_deref(), Some("root@mail.lab.example"));
        assert_eq!(qualify("<alice@example.org>", h).as_deref(), Some("alice@example.org"));
        assert_eq!(
            qualify("Mail Account <mail@mail.lab.example>", h).as_deref(),
            Some("mail@mail.lab.example")
        );
        assert_eq!(qualify("<>", h).as_deref(), Some(""));
        for bad in [
            "|/bin/sh -c x",
            "\"|/bin/sh\"",
            "/etc/passwd",
            ":include:/etc/x",
            "<@r:a@b>",
            "a@",
            "<a@b",
        ] {
            assert_eq!(qualify(bad, h), None, "{bad}");
        }
    }

    #[test]
    fn owner_group_and_mode_are_checked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("qfX");
        std::fs::write(&path, "V8\n").unwrap();
        let meta = || std::fs::metadata(&path).unwrap();
        let me = ClientFiles { uid: Some(meta().uid()), gid: Some(meta().gid()), mode: 0o660 };
        let set = |mode| {
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(mode))
                .unwrap()
        };
        set(0o660);
        assert_eq!(file("qf", &meta(), &me), Ok(()));
        for mode in [0o664, 0o670, 0o4660, 0o760] {
            set(mode);
            assert!(file("qf", &meta(), &me).is_err(), "{mode:o}");
        }
        set(0o600);
        let other = ClientFiles { uid: Some(meta().uid() + 1), ..me };
        assert!(file("qf", &meta(), &other).unwrap_err().0.contains("owned by uid"));
        let group = ClientFiles { gid: Some(meta().gid() + 1), ..me };
        assert!(file("qf", &meta(), &group).unwrap_err().0.contains("has group"));
        std::fs::hard_link(&path, dir.path().join("other")).unwrap();
        assert!(file("qf", &meta(), &me).unwrap_err().0.contains("links"));
    }
}
