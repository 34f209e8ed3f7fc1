//! Names the unit tests import for their shared helpers, all from the `testkit`
//! dev-dependency (which does not depend on spool): the recorded sendmail reference
//! files, the oracle lab's configuration folder and a small PRNG for fuzz-style loops.

pub use testkit::paths::{oracle_conf as oracle_conf_dir, reference as reference_dir};
pub use testkit::rng::Rng;

pub mod lab;
