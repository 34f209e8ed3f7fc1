//! sendmail's SMTP-time policy, computed from the admin's configuration and maps.
//!
//! # Synopsis
//! ```no_run
//! # use spool::config::Config;
//! # use spool::rules::{Client, Conversation, Rules, System, Verdict};
//! # use spool::hosts::Hosts;
//! # use std::path::Path;
//! let config = Config::load(Path::new("/etc/mail/sendmail.mc")).unwrap();
//! let settings = spool::settings::Settings::from_config(&config);
//! let rules = Rules::load(&config, &System::detect(&settings)).unwrap(); // once, shared
//! let hosts = Hosts::read(Path::new("/etc/hosts")).unwrap();           // files-only switch
//! let client = Client::from_hosts("192.0.2.7".parse().unwrap(), &hosts);
//! let mut talk = Conversation::new(client);
//! let greeting = talk.connect(&rules);                       // check_relay
//! let sender = talk.mail(&rules, "<ann@example.org>", &hosts); // check_mail
//! let rcpt = talk.rcpt(&rules, "<bob@example.net>", &hosts);   // check_rcpt, users
//! ```
//!
//! # Description
//! [`Rules`] holds what sendmail's rulesets consult (class `w` and `R`, the access
//! map, the mailertable, the virtusertable, the aliases, the passwd file, the
//! features of the `.mc`) and answers as sendmail 8.17's generated rulesets do:
//!
//! ```text
//! connect    check_relay: access Connect: by client name, then by address
//!            (Conversation::connect)                                  relay.rs
//! connect    ratecontrol, conncontrol: access ClientRate:/ClientConn: by
//!            address, then the bare tag, against the daemon's counts  control.rs
//! greeting   greet_pause: access GreetPause: by name, then address, else
//!            the feature's pause (Rules::greet_pause)          greet_pause.rs
//! MAIL       the sender's syntax (Parse0), check_mail: unqualified
//!            and @localhost senders, the domain must resolve, access
//!            From: (Conversation::mail)                               mail.rs
//! RCPT       the recipient's syntax and route (Parse0, Parse1: local,
//!            virtusertable, mailertable error:, smart host), check_rcpt
//!            (Rcpt_ok, Relay_ok, delay_checks), then local users
//!            (aliases, passwd, +detail) and duplicates
//!            (Conversation::rcpt)                          rcpt.rs route.rs local.rs
//! VRFY/EXPN  verify or expand through aliases, :include:, .forward  expand.rs
//! ETRN       which queue run to start                               etrn.rs
//! ```
//!
//! Addresses are made canonical first ([`canon`](self) internals: angle brackets,
//! source routes, `%` hacks, bang paths and quoted local parts are unwrapped the way
//! sendmail unwraps them, so nothing relays by trickery). Replies are [`DeliveryStatus`](crate::status::DeliveryStatus)
//! values worded as sendmail words them.
//!
//! # Invariants
//! The rules never block on the network: host names are asked of a [`Resolver`],
//! and a missing answer is returned as [`NeedLookup`] for the caller to look up
//! and ask again. Maps are read synchronously (page-cache files). A [`Rules`] value
//! is immutable, `Send + Sync`, shared by every session; reloading is building a
//! new one. Per-session state lives in a [`Conversation`].
//!
//! # Errors
//! Loading fails with [`RulesError`]. At SMTP time a map that cannot be read gives
//! sendmail's `451 4.3.0 Temporary system failure` reply, never a panic.

mod canon;
mod control;
mod etrn;
mod expand;
mod facts;
mod greet_pause;
mod load;
mod local;
mod mail;
mod rcpt;
mod relay;
mod route;
mod session;
mod token;
mod verdict;

#[cfg(test)]
mod testlab;

pub use etrn::Etrn;
pub use facts::{Client, Counts, KnownHosts, NeedLookup, Resolve, Resolver};
pub use load::{RulesError, System};
pub use session::Conversation;
pub use verdict::{ConnectVerdict, Verdict};

use crate::classfile::Class;
use crate::config::Config;
use crate::forward::Passwd;
use crate::maps::Map;

/// `FEATURE(delay_checks)` and its argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Delay {
    /// Not set: checks run at connect, MAIL and RCPT.
    Off,
    /// Every check runs at RCPT.
    On,
    /// `friend`: recipients with `Spam:... FRIEND` skip the sender and client checks.
    Friend,
    /// `hater`: only recipients with `Spam:... HATER` get them.
    Hater,
}

/// The `FEATURE`s that change the rulesets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Features {
    pub delay: Delay,
    pub blocklist_recipients: bool,
    pub relay_hosts_only: bool,
    pub relay_entire_domain: bool,
    pub accept_unresolvable_domains: bool,
    pub accept_unqualified_senders: bool,
    pub loose_relay_check: bool,
    pub promiscuous_relay: bool,
    pub relay_local_from: bool,
    pub relay_mail_from: bool,
    pub relay_mail_from_domain: bool,
    pub virtuser_entire_domain: bool,
    pub access_skip: bool,
    pub lookup_dot_domain: bool,
    /// `FEATURE(greet_pause[, ms])`: its default pause (0 without an argument).
    pub greet_pause: Option<u64>,
    /// `FEATURE(ratecontrol[, nodelay[, terminate]])`.
    pub rate_control: Option<control::Control>,
    /// `FEATURE(conncontrol[, nodelay[, terminate]])`.
    pub conn_control: Option<control::Control>,
}

impl Features {
    fn of(config: &Config) -> Features {
        let on = |name: &str| config.feature(name).is_some();
        let delay = match config.feature("delay_checks") {
            None => Delay::Off,
            Some(f) => match f.arg(0).map(|a| a.trim().to_ascii_lowercase()) {
                Some(a) if a.starts_with('f') => Delay::Friend,
                Some(a) if a.starts_with('h') => Delay::Hater,
                _ => Delay::On,
            },
        };
        let mail_from = config.feature("relay_mail_from");
        Features {
            delay,
            blocklist_recipients: on("blocklist_recipients") || on("blacklist_recipients"),
            relay_hosts_only: on("relay_hosts_only"),
            relay_entire_domain: on("relay_entire_domain"),
            accept_unresolvable_domains: on("accept_unresolvable_domains"),
            accept_unqualified_senders: on("accept_unqualified_senders"),
            loose_relay_check: on("loose_relay_check"),
            promiscuous_relay: on("promiscuous_relay"),
            relay_local_from: on("relay_local_from"),
            relay_mail_from: mail_from.is_some(),
            relay_mail_from_domain: mail_from
                .and_then(|f| f.arg(0))
                .is_some_and(|a| a.trim() == "domain"),
            virtuser_entire_domain: on("virtuser_entire_domain"),
            access_skip: load::access_option(config, "skip"),
            lookup_dot_domain: on("lookupdotdomain")
                || load::access_option(config, "lookupdotdomain"),
            greet_pause: config
                .feature("greet_pause")
                .map(|f| f.arg(0).map_or(0, |a| greet_pause::millis(a.trim()))),
            rate_control: control::Control::of(config, "ratecontrol", delay != Delay::Off),
            conn_control: control::Control::of(config, "conncontrol", delay != Delay::Off),
        }
    }
}

/// The classes the rulesets match against.
pub(crate) struct Names {
    /// `$=w`: this host's names.
    pub w: Class,
    /// `$=R`: domains (and address prefixes) to relay for.
    pub r: Class,
    /// `$=M`: masquerade domains.
    pub masquerade: Class,
    /// `$={VirtHost}`: virtual domains besides `$=w`.
    pub virt_hosts: Class,
    /// `$={TrustAuthMech}`: SASL mechanisms whose users may relay.
    pub trust_auth: Vec<String>,
}

/// sendmail's SMTP-time policy; see the module documentation.
pub struct Rules {
    pub(crate) j: String,
    pub(crate) host_name: String,
    pub(crate) m: Option<String>,
    pub(crate) names: Names,
    pub(crate) access: Option<Box<dyn Map>>,
    pub(crate) mailertable: Option<Box<dyn Map>>,
    pub(crate) virtuser: Option<Box<dyn Map>>,
    pub(crate) aliases: Vec<Box<dyn Map>>,
    pub(crate) users: Passwd,
    pub(crate) smart_host: Option<String>,
    pub(crate) forward_path: String,
    /// sendmail's file-safety checks for `.forward` and `:include:` files.
    pub(crate) checker: crate::safefile::Checker,
    pub(crate) queue_groups: Vec<String>,
    pub(crate) features: Features,
    pub(crate) no_canonify: bool,
    pub(crate) relay_msg: String,
    pub(crate) reject_msg: Option<String>,
    pub(crate) rcpt_reject_msg: String,
}

impl Rules {
    /// `$j`: the canonical name of this mail system.
    pub fn canonical_name(&self) -> &str {
        &self.j
    }

    /// True when `name` is one of this host's names (class `w`).
    pub fn is_local_name(&self, name: &str) -> bool {
        self.names.w.contains(name)
    }

    /// The access map with the options of `FEATURE(access_db, ...)`.
    pub(crate) fn access_db(&self) -> Option<crate::access::Access<'_>> {
        let f = &self.features;
        self.access
            .as_deref()
            .map(|m| crate::access::Access::new(m, f.access_skip, f.lookup_dot_domain))
    }
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules").field("j", &self.j).field("features", &self.features).finish()
    }
}

#[cfg(test)]
mod shareable {
    #[test]
    fn rules_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<super::Rules>();
        check::<super::Conversation>();
    }
}
