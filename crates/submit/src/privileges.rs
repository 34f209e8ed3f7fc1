//! Setting up a safe process before anything else runs (the MSP's start-up).
//!
//! `submit` is meant to be installed setgid to the group that owns clientmqueue
//! (sendmail's `smmsp`). Before it reads anything it:
//! * relies on descriptors 0, 1 and 2 being open, so no file it opens later can become
//!   someone's stdout: Rust's runtime opens `/dev/null` on any of them that is closed
//!   before `main` runs (what sendmail's `fill_fd` does by hand); a test holds it to that;
//! * sets its umask to 007, so queue files are `0660` at most (owner and queue group);
//! * keeps only `TZ` from the environment for itself (children get a fixed `PATH`);
//! * gives up the setgid group (setgid(getgid())) first thing, before any file is
//!   opened, when a caller other than root asks for something only the
//!   administrator may: another configuration (`-C`, which `include()` could use to
//!   read queued mail), a transcript or debug file (`-X`, `-D`), or an option
//!   sendmail does not mark safe (`-O`/`-o`, except delivery mode, error mode,
//!   IgnoreDots, MeToo and the 7/8-bit options), as sendmail does; so the group's
//!   rights never serve a path or setting the caller chose.

use nix::sys::stat::{umask, Mode};
use nix::unistd::{getegid, getgid, setgid};
use std::io;

/// The only environment variables kept (for this process and its children).
pub const KEPT_ENV: &[&str] = &["TZ"];

/// The umask submit runs with: queue files are `0660` at most.
const UMASK: u32 = 0o007;

/// Sets the umask. Descriptors 0-2 need no care here: see the module docs.
pub fn sanitize_process() {
    umask(Mode::from_bits_truncate(UMASK));
}

/// sendmail's option letters (for finding `-C`, `-X`, `-O`, `-o` in any argv).
const OPTIONS: &str = "A:B:b:C:cD:d:e:F:f:Gh:IijL:M:mN:nO:o:p:Q:q:R:r:sTtV:vX:U";
/// `-O` options an unprivileged caller may set without losing the group.
const SAFE_OPTIONS: &[&str] =
    &["DeliveryMode", "ErrorMode", "IgnoreDots", "MeToo", "SevenBitInput", "EightBitMode"];
/// `-o` letters an unprivileged caller may set without losing the group.
const SAFE_LETTERS: &str = "78deim";

/// Whether `args` ask for something only root may have done with the group's rights.
pub fn asks_for_unsafe(args: &[String]) -> bool {
    spool::getopt::Getopt::new(args.to_vec(), OPTIONS).any(|opt| match opt {
        spool::getopt::Opt::Flag('C' | 'X' | 'D', _) => true,
        spool::getopt::Opt::Flag('O', Some(value)) => {
            let name = value.split(['=', ' ']).next().unwrap_or("").trim();
            !SAFE_OPTIONS.iter().any(|safe| safe.eq_ignore_ascii_case(name))
        }
        spool::getopt::Opt::Flag('o', Some(value)) => {
            !value.chars().next().is_some_and(|c| SAFE_LETTERS.contains(c))
        }
        _ => false,
    })
}

/// Drops the setgid group: the effective gid becomes the real one.
pub fn drop_setgid() -> io::Result<()> {
    setgid(getgid()).map_err(io::Error::from)
}

/// Whether the effective gid differs from the real one (we run setgid).
pub fn is_setgid() -> bool {
    getegid() != getgid()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unsafe_args(args: &[&str]) -> bool {
        asks_for_unsafe(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn paths_and_unsafe_options_are_noticed() {
        assert!(unsafe_args(&["-C", "/tmp/evil.mc", "root"]));
        assert!(unsafe_args(&["-vC/tmp/x"]));
        assert!(unsafe_args(&["-X", "/tmp/log"]));
        assert!(unsafe_args(&["-O", "QueueDirectory=/tmp/q"]));
        assert!(unsafe_args(&["-OAliasFile=/tmp/a", "-bi"]));
        assert!(unsafe_args(&["-oQ/tmp/q"]));
        assert!(!unsafe_args(&["-odq", "-oi", "-oem", "-ODeliveryMode=q", "-f", "a@b", "root"]));
        assert!(!unsafe_args(&["-t", "-i", "--", "-C"]));
    }
}
