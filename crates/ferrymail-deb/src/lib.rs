//! # Name
//! ferrymail-deb - the Debian package of ferrymail
//!
//! # Description
//! This crate has no code: its `Cargo.toml` carries cargo-deb's description of the
//! `ferrymail` package (`[package.metadata.deb]`): the release binaries in
//! `/usr/lib/ferrymail`, the `sendmail`/`mailq`/`newaliases`/`makemap` links,
//! the man pages, the systemd units, `/etc/init.d/ferrymail`, `/etc/mail`'s conffiles,
//! and the maintainer scripts of `pkg/debian` (the `smmsp` account, the queue
//! directories with sendmail's owners and modes, `submit` setgid `smmsp` through
//! `dpkg-statoverride`, `aliases.db` and `access.db` built when missing).
//! `Provides`/`Conflicts`/`Replaces: mail-transport-agent`, as Debian's MTAs.
//!
//! `scripts/deb` builds the package and installs it into a Debian 12 chroot made with
//! debootstrap, never onto the host, and runs sendmail's everyday commands there.
//!
//! # Errors
//! None: nothing here runs.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
