//! # Name
//! milter - sendmail's mail filter protocol, the MTA's side
//!
//! # Description
//! sendmail hands each message to the filters of `INPUT_MAIL_FILTER` (opendkim,
//! spamass-milter, clamav-milter, ...) over a socket, stage by stage, and applies
//! what they answer. This crate is that protocol, version 6 (sendmail 8.14 and later,
//! libmilter's own):
//!
//! - [`consts`]: the code tables (commands, replies, `SMFIF_*` actions, `SMFIP_*`
//!   steps, `SMFIM_*` macro stages);
//! - [`codec`]: sans-IO framing of every packet, both directions, so a fuzzer and
//!   the tests drive it without sockets;
//! - with the `tokio` feature, `chain`: a connection per filter (unix, inet,
//!   inet6), the stages in sendmail's order with its timeouts and `F=` failure
//!   handling, and the end-of-body modifications collected filter by filter.
//!
//! Its own crate because `smtpd` (mail received over SMTP) and `queue-runner`
//! (locally submitted mail at pickup) both run the filters, and neither may depend
//! on the other; the codec needs nothing but bytes. `miltr-common`/`miltr-client`
//! (which DESIGN.md named to evaluate) are not used: their author calls the client
//! barebone and meant for testing, while the MTA side must drive negotiation,
//! macros, skips and every modification; a sans-IO codec of both directions is
//! small enough to own, and is fuzzed (`fuzz/fuzz_targets/milter_codec.rs`).

#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "tokio")]
pub mod chain;
pub mod codec;
#[cfg(feature = "tokio")]
pub mod conn;
pub mod consts;
pub mod message;

#[cfg(feature = "tokio")]
pub use chain::{Chain, MacroLists, Macros, Verdict};
pub use codec::{CodecError, Command, Family, Response};
pub use message::{Field, Message, Rcpt};
