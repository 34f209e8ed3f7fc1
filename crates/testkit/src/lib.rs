//! Test support shared by every ferrymail crate's tests; a dev-dependency only.
//!
//! ```toml
//! [dev-dependencies]
//! testkit = { path = "../testkit" }
//! ```
//!
//! It owns what each crate's tests used to carry a copy of:
//! * [`paths`]: the project's shared folder (`../shared` beside the workspace, else
//!   `/work/shared`) with the sendmail reference recordings and the lab's configuration;
//! * [`oracle`]: the real sendmail installed for comparison (`SMROOT`, `SMLAB`, the
//!   `smns` wrapper), and the `SKIP:` line a test prints when it is absent;
//! * [`transcript`]: the reference command transcripts (`$ command`, `[stdout]`,
//!   `[stderr]`, `[exit N]`);
//! * [`smtp_session`]: the recorded SMTP sessions (`C:`/`S:` lines) and their masking;
//! * [`dbdump`]: the printable text of `db5.3_dump -p`;
//! * [`rng`]: small deterministic generators for fuzz-style loops.
//!
//! It depends on nothing but std, and never on `spool`: spool's own unit tests use it.
//!
//! # Errors
//! A missing shared folder is a broken test environment: [`paths`] panics, saying where it
//! looked. A missing oracle is not an error: the test calls [`oracle::skip`] and returns.

#![deny(missing_docs)]

pub mod dbdump;
pub mod oracle;
pub mod paths;
pub mod rng;
pub mod smtp_session;
pub mod transcript;
