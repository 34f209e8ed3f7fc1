//! ferrymail's SMTP protocol library: SMTP itself, once.
//!
//! [`client`] is the delivery client queue-runner uses: a sans-IO state machine per
//! connection that delivers as sendmail 8.17 does, and (feature `client`) its tokio
//! driver with rustls STARTTLS.
//!
//! [`server`] is the server side: a sans-IO session state machine that speaks
//! sendmail 8.17's dialect byte for byte (reply texts, counters, slow-downs), used by
//! `smtpd` on sockets and by `submit -bs` on stdin/stdout, plus thin drivers that move
//! bytes between it and a reader/writer pair.
//!
//! The session knows no maps, no queue and no configuration file: everything that is
//! policy (access, relaying, users, the queue commit) is asked of the caller through
//! [`server::Policy`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod client;
pub mod server;
