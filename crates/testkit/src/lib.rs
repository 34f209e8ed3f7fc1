//! Test support shared by every ferrymail crate's tests; a dev-dependency only.
//!
//! ```toml
//! [dev-dependencies]
//! testkit = { path = "../testkit" }
//! ```
//!
//! It owns what each crate's tests used to carry a copy of:
//! * [`paths`]: the repository's `tests/reference` (recordings of the real sendmail) and
//!   `tests/oracle` (the project's oracle and the lab's configuration);
//! * [`oracle`]: the real sendmail unpacked for comparison (`SMROOT`, `SMLAB`, the
//!   `smns` wrapper);
//! * [`skip`]: how a test that cannot run here skips: visibly, counted by
//!   `scripts/test`, and never in CI;
//! * [`transcript`]: the reference command transcripts (`$ command`, `[stdout]`,
//!   `[stderr]`, `[exit N]`);
//! * [`smtp_session`]: the recorded SMTP sessions (`C:`/`S:` lines) and their masking;
//! * [`dbdump`]: the printable text of `db5.3_dump -p`;
//! * [`rng`]: small deterministic generators for fuzz-style loops;
//! * [`dns`]: a small DNS server each test starts on 127.0.0.1 with its own records;
//! * [`milter`]: milters on the real libmilter (python3-milter) with a scripted filter;
//! * [`dkim`]: the real opendkim on 127.0.0.1 and python3-dkim's verifier;
//! * [`soak`]: the rounds and seed of a crash battery (`scripts/soak` runs them long);
//! * [`tmpfs`]: a small real file system mounted for one test (full-disk checks);
//! * [`scenario`]: replaying a transcript's commands in a scratch directory against
//!   either sendmail, to record fixtures and to compare.
//!
//! It depends on nothing but std, and never on `spool`: spool's own unit tests use it.
//!
//! # Errors
//! A missing oracle is not an error: the test calls [`oracle::skip`] and returns, and the
//! skip is recorded (or, in CI, fails the test).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod dbdump;
pub mod dkim;
pub mod dns;
pub mod milter;
pub mod oracle;
pub mod paths;
pub mod rng;
pub mod scenario;
pub mod skip;
pub mod smtp_session;
pub mod soak;
pub mod tmpfs;
pub mod transcript;
