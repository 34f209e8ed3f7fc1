//! The real sendmail, unpacked for comparison, and how a test skips without it.
//!
//! The project's oracle, `tests/oracle/setup.sh` (run by `scripts/test`), unpacks Debian's
//! sendmail 8.17.1.9 under `SMROOT` (default `/tmp/sm-root`) and builds a lab under
//! `SMLAB` (default `/tmp/smlab`): `etc/sendmail.cf`, `etc/submit.cf`, `etc/aliases.db`,
//! `sbin/mailq`. Its binaries run through the `smns` wrapper (`tests/oracle/bin/smns` in
//! the workspace), which gives them the namespace they expect.
//!
//! [`Oracle::locate`] only computes where everything should be. A test asks
//! [`Oracle::available`] for the pieces it needs and, when one is missing, calls [`skip`]
//! and returns.
//!
//! # Errors
//! Nothing here fails: a missing oracle is a test that skips. [`skip`] (from
//! [`crate::skip`]) records the skip, or fails the test where skipping is not allowed
//! (in CI, or with `FERRYMAIL_NO_SKIP=1`).

use std::path::{Path, PathBuf};
use std::process::Command;

pub use crate::skip::skip;

/// Where the oracle's pieces are (or would be, once set up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oracle {
    /// The unpacked sendmail package: `$SMROOT`, default `/tmp/sm-root`.
    pub root: PathBuf,
    /// The lab tree with its configs and queues: `$SMLAB`, default `/tmp/smlab`.
    pub lab: PathBuf,
    /// The `smns` wrapper every oracle binary runs through.
    pub smns: PathBuf,
}

impl Oracle {
    /// Where the oracle is, from `SMROOT`, `SMLAB` and the workspace's `tests/oracle`.
    pub fn locate() -> Oracle {
        let var = |name: &str, default: &str| {
            PathBuf::from(std::env::var(name).unwrap_or_else(|_| default.into()))
        };
        Oracle {
            root: var("SMROOT", "/tmp/sm-root"),
            lab: var("SMLAB", "/tmp/smlab"),
            smns: crate::paths::oracle_dir().join("bin/smns"),
        }
    }

    /// The real `sendmail` binary.
    pub fn sendmail(&self) -> PathBuf {
        self.libexec("sendmail")
    }

    /// The real `makemap` binary.
    pub fn makemap(&self) -> PathBuf {
        self.libexec("makemap")
    }

    /// The real `praliases` binary.
    pub fn praliases(&self) -> PathBuf {
        self.libexec("praliases")
    }

    /// The lab's `mailq` (sendmail started as mailq).
    pub fn mailq(&self) -> PathBuf {
        self.lab.join("sbin/mailq")
    }

    /// The lab's main MTA config, `etc/sendmail.cf`.
    pub fn sendmail_cf(&self) -> PathBuf {
        self.lab.join("etc/sendmail.cf")
    }

    /// The lab's MSP config, `etc/submit.cf`.
    pub fn submit_cf(&self) -> PathBuf {
        self.lab.join("etc/submit.cf")
    }

    /// sendmail's `cf` tree (m4 macros and the example `.mc` files in `cf/`).
    pub fn cf_tree(&self) -> PathBuf {
        self.root.join("usr/share/sendmail/cf")
    }

    fn libexec(&self, program: &str) -> PathBuf {
        self.root.join("usr/libexec/sendmail").join(program)
    }

    /// Whether `smns` and every one of `needs` exist.
    pub fn available(&self, needs: &[PathBuf]) -> bool {
        self.smns.exists() && needs.iter().all(|p| p.exists())
    }

    /// `smns <program> -C <cf>`: an oracle binary ready for more arguments.
    pub fn command(&self, program: &Path, cf: &Path) -> Command {
        let mut cmd = Command::new(&self.smns);
        cmd.arg(program).arg("-C").arg(cf);
        cmd
    }
}

/// Whether `program` is on `PATH` (as `command -v` finds it).
pub fn on_path(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program} >/dev/null"))
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(root: &str, lab: &str) -> Oracle {
        Oracle { root: root.into(), lab: lab.into(), smns: "/s/oracle/bin/smns".into() }
    }

    #[test]
    fn binaries_and_configs_are_where_setup_puts_them() {
        let o = at("/r", "/l");
        assert_eq!(o.sendmail(), Path::new("/r/usr/libexec/sendmail/sendmail"));
        assert_eq!(o.makemap(), Path::new("/r/usr/libexec/sendmail/makemap"));
        assert_eq!(o.praliases(), Path::new("/r/usr/libexec/sendmail/praliases"));
        assert_eq!(o.cf_tree(), Path::new("/r/usr/share/sendmail/cf"));
        assert_eq!(o.mailq(), Path::new("/l/sbin/mailq"));
        assert_eq!(o.sendmail_cf(), Path::new("/l/etc/sendmail.cf"));
        assert_eq!(o.submit_cf(), Path::new("/l/etc/submit.cf"));
    }

    #[test]
    fn a_missing_piece_makes_it_unavailable() {
        let dir = std::env::temp_dir();
        let mut o = at("/nonexistent", "/nonexistent");
        assert!(!o.available(&[]), "no smns");
        o.smns = dir.clone();
        assert!(o.available(std::slice::from_ref(&dir)));
        assert!(!o.available(&[dir, o.sendmail()]));
    }

    #[test]
    fn commands_run_through_smns_with_a_config() {
        let o = at("/r", "/l");
        let cmd = o.command(&o.mailq(), &o.sendmail_cf());
        assert_eq!(cmd.get_program(), "/s/oracle/bin/smns");
        let args: Vec<_> = cmd.get_args().collect();
        assert_eq!(args, ["/l/sbin/mailq", "-C", "/l/etc/sendmail.cf"]);
    }

    #[test]
    fn the_wrapper_is_the_repositorys_own() {
        let o = Oracle::locate();
        assert_eq!(o.smns, crate::paths::workspace().join("tests/oracle/bin/smns"));
        assert!(o.smns.is_file(), "{}", o.smns.display());
    }

    #[test]
    fn on_path_finds_sh_only() {
        assert!(on_path("sh"));
        assert!(!on_path("no-such-program-ferrymail"));
    }
}
