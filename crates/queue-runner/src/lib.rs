//! queue-runner: the queue runner of ferrymail, as `sendmail -q`.
//!
//! It picks up locally submitted mail from the client queue ([`pickup`]), delivers
//! every message of the MTA's queue ([`job`]): recipients expanded through aliases,
//! `:include:` and `.forward` ([`expand`]), local mailboxes, programs and files
//! ([`local`]), remote hosts through a [`transport::Transport`]; then rewrites each
//! qf with what is still due, or removes it, and queues the bounces, delay warnings
//! and return receipts sendmail would ([`spool::dsn`]). [`run`] is the command;
//! queue-runner(8) in `man/queue-runner.8` its manual.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod agent;
pub mod daemon;
pub mod expand;
pub mod flags;
pub mod job;
pub mod local;
pub mod order;
pub mod pickup;
pub mod pool;
pub mod quarantine;
pub mod remote;
pub mod route;
pub mod run;
pub mod senders;
pub mod settings;
pub mod transport;
pub mod verbose;
