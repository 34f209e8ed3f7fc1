//! Skipping a check that cannot run here: always visibly, and never where every check
//! must run.
//!
//! A test that cannot run on this machine (not root, the oracle not set up, a tool
//! missing) calls [`skip`] and returns. What that does is decided by the environment:
//!
//! | variable | effect |
//! |---|---|
//! | `FERRYMAIL_NO_SKIP=1` | skipping is not allowed: [`skip`] panics and the test fails |
//! | `CI` set (not empty, `0` or `false`) | the same, unless `FERRYMAIL_NO_SKIP=0` |
//! | `FERRYMAIL_SKIP_LOG=FILE` | every skip appends its line to `FILE` |
//!
//! A skip prints `SKIP: <test>: <why>` on stderr (shown with `--nocapture` only), and
//! appends the same line to the skip log. `scripts/test` sets the log, counts its lines
//! after `cargo test` and prints them; it sets `FERRYMAIL_NO_SKIP=1` where everything
//! the checks need is present (in CI, or as root with the oracle set up).
//!
//! `<test>` is `<crate> <test binary>: <test function>`, from the environment cargo
//! gives a test (`CARGO_PKG_NAME`), the executable's name and libtest's thread name.
//!
//! # Panics
//! [`skip`] panics with `SKIP not allowed here: <why>` where skipping is not allowed, and
//! when the skip log cannot be written (a skip must not vanish).

use std::ffi::OsString;
use std::fmt::Display;
use std::io::Write;
use std::path::PathBuf;

/// The variable naming the file every skip is appended to.
pub const SKIP_LOG: &str = "FERRYMAIL_SKIP_LOG";

/// The variable that forbids (`1`) or, under `CI`, allows (`0`) skipping.
pub const NO_SKIP: &str = "FERRYMAIL_NO_SKIP";

/// What a skip does here, from the environment.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    /// The file each skip's line is appended to, if any (`FERRYMAIL_SKIP_LOG`).
    pub log: Option<PathBuf>,
    /// Whether a skip fails the test instead (`FERRYMAIL_NO_SKIP`, `CI`).
    pub forbidden: bool,
}

impl Policy {
    /// The policy of this process's environment.
    pub fn from_env() -> Policy {
        Policy::from_vars(|name| std::env::var_os(name))
    }

    /// The policy given the environment variable lookup `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Policy {
        let truthy = |v: &OsString| !matches!(v.to_str(), Some("" | "0" | "false" | "FALSE"));
        let forbidden = match var(NO_SKIP) {
            Some(v) if !v.is_empty() => truthy(&v),
            _ => var("CI").as_ref().is_some_and(truthy),
        };
        let log = var(SKIP_LOG).filter(|v| !v.is_empty()).map(PathBuf::from);
        Policy { log, forbidden }
    }

    /// Records that `test` skips because of `why`, or panics where that is not allowed.
    ///
    /// # Panics
    /// When skipping is forbidden, or the skip log cannot be appended to.
    pub fn skip(&self, test: &str, why: &str) {
        let why = why.replace(['\n', '\r'], " ");
        if self.forbidden {
            panic!("SKIP not allowed here: {why} (in {test})");
        }
        let line = format!("SKIP: {test}: {why}\n");
        eprint!("{line}");
        if let Some(path) = &self.log {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut f| f.write_all(line.as_bytes()))
                .unwrap_or_else(|e| panic!("cannot record a skip in {}: {e}", path.display()));
        }
    }
}

/// Skips the running test, saying why: see the module docs for what that does here.
///
/// The caller returns right after; nothing after a skip may assert anything.
///
/// # Panics
/// As [`Policy::skip`].
pub fn skip(why: impl Display) {
    Policy::from_env().skip(&current_test(), &why.to_string());
}

/// `<crate> <test binary>: <test function>`, as far as the process can tell.
pub fn current_test() -> String {
    let krate = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .map(|n| strip_hash(&n).to_string())
        .unwrap_or_default();
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("?");
    format!("{} {binary}: {test}", if krate.is_empty() { "?" } else { &krate })
}

/// A test executable's name without the `-<16 hex digits>` cargo appends.
fn strip_hash(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((stem, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            stem
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(vars: &[(&str, &str)]) -> Policy {
        Policy::from_vars(|name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.into()))
    }

    #[test]
    fn ci_or_no_skip_forbids_skipping() {
        assert!(!policy(&[]).forbidden);
        assert!(policy(&[("CI", "true")]).forbidden);
        assert!(policy(&[("CI", "1")]).forbidden);
        assert!(!policy(&[("CI", "")]).forbidden);
        assert!(!policy(&[("CI", "false")]).forbidden);
        assert!(!policy(&[("CI", "0")]).forbidden);
        assert!(policy(&[(NO_SKIP, "1")]).forbidden);
        assert!(!policy(&[(NO_SKIP, "0"), ("CI", "true")]).forbidden);
        assert!(policy(&[(NO_SKIP, ""), ("CI", "true")]).forbidden);
    }

    #[test]
    fn the_log_is_named_by_its_variable() {
        assert_eq!(policy(&[(SKIP_LOG, "/x/skips")]).log, Some(PathBuf::from("/x/skips")));
        assert_eq!(policy(&[(SKIP_LOG, "")]).log, None);
        assert_eq!(policy(&[]).log, None);
    }

    #[test]
    #[should_panic(expected = "SKIP not allowed here: the oracle is not set up")]
    fn a_forbidden_skip_fails_the_test() {
        policy(&[("CI", "true")]).skip("t", "the oracle is not set up");
    }

    #[test]
    fn every_skip_is_appended_to_the_log_on_one_line() {
        let dir = std::env::temp_dir().join(format!("testkit-skip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("skips");
        let _ = std::fs::remove_file(&log);
        let p = Policy { log: Some(log.clone()), forbidden: false };
        p.skip("spool config: a", "not root");
        p.skip("mailq oracle: b", "two\nlines");
        let text = std::fs::read_to_string(&log).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(text, "SKIP: spool config: a: not root\nSKIP: mailq oracle: b: two lines\n");
    }

    #[test]
    fn the_current_test_is_named() {
        let name = current_test();
        assert!(name.starts_with("testkit testkit: "), "{name}");
        assert!(name.ends_with("the_current_test_is_named"), "{name}");
    }

    #[test]
    fn cargo_hashes_are_stripped_from_test_binaries() {
        assert_eq!(strip_hash("oracle-0123456789abcdef"), "oracle");
        assert_eq!(strip_hash("config_fuzz-0123456789abcdef"), "config_fuzz");
        assert_eq!(strip_hash("dhparam-gen"), "dhparam-gen");
        assert_eq!(strip_hash("x-0123"), "x-0123");
    }
}
