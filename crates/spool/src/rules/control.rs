//! `FEATURE(ratecontrol)` and `FEATURE(conncontrol)`: refuse a client that connects
//! too often or holds too many connections.
//!
//! sendmail's `RateControl` and `ConnControl` rulesets (from `proto.m4`): the access
//! map under `ClientRate:` (`ClientConn:`) by the client's address and each shorter
//! prefix, then the bare tag (`ClientRate:` alone: the default for everyone); tagged
//! keys only. Nothing found, or `0`: no limit. A limit below the daemon's count
//! (`${client_rate}`: connections within `ConnectionRateWindowSize`, this one
//! included; `${client_connections}`: open now, this one included) refuses with
//! `4.3.2 Connection rate limit exceeded.` (`Too many open connections.`), code 421
//! with the feature's `terminate` argument (the connection is closed), else 452.
//!
//! When: with `nodelay` (which sendmail allows only with `FEATURE(delay_checks)`,
//! Debian's default .mc has both) at connect, before anything else `check_relay`
//! does, whatever the access map says of the client; without it, inside
//! `check_relay`, only for a client the access map has no `Connect:` entry for. The
//! rate goes first. A map that fails for now is `451 4.3.0`-style tempfail.

use super::facts::Client;
use super::verdict::Check;
use super::Rules;
use crate::access::{Action, Tag};
use crate::config::Config;
use crate::status::DeliveryStatus;

/// One control feature's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Control {
    /// `nodelay` (with `delay_checks`): checked at connect, before everything else.
    pub immediate: bool,
    /// 421 with `terminate`, else 452.
    pub code: u16,
}

impl Control {
    /// `FEATURE(name[, nodelay[, terminate]])` of `config`; `delay_checks` tells
    /// whether `nodelay` may take effect.
    pub fn of(config: &Config, name: &str, delay_checks: bool) -> Option<Control> {
        let feature = config.feature(name)?;
        let word = |n: usize| feature.arg(n).map(|a| a.trim().to_ascii_lowercase());
        Some(Control {
            immediate: delay_checks && word(0).as_deref() == Some("nodelay"),
            code: if word(1).as_deref() == Some("terminate") { 421 } else { 452 },
        })
    }
}

impl Rules {
    /// The controls that run where `immediate` says (at connect, or inside
    /// `check_relay`), rate first; `Check::Pass` when none refuses.
    pub(crate) fn client_controls(&self, client: &Client, immediate: bool) -> Check {
        let f = &self.features;
        let (Some(counts), Some(access)) = (client.counts, self.access_db()) else {
            return Check::Pass;
        };
        let addr = client.addr_macro();
        let controls = [
            (f.rate_control, Tag::ClientRate, counts.rate, "Connection rate limit exceeded."),
            (f.conn_control, Tag::ClientConn, counts.open, "Too many open connections."),
        ];
        for (control, tag, count, text) in controls {
            let Some(control) = control.filter(|c| c.immediate == immediate) else { continue };
            let found = match access.ip(tag, false, &addr) {
                Ok(None) => access.exact(tag, false, ""),
                other => other,
            };
            let limit = match found {
                Ok(Some(value)) => limit_of(&value),
                Ok(None) => 0,
                Err(_) => return Check::Error(DeliveryStatus::tempfail()),
            };
            if limit > 0 && limit < count {
                let reply = format!("{} {text}", control.code);
                return Check::Error(DeliveryStatus::error_mailer(Some("4.3.2"), &reply, None));
            }
        }
        Check::Pass
    }
}

/// The number an access value gives (0, no limit, for anything else).
fn limit_of(value: &Action) -> u64 {
    let text = match value {
        Action::Error { dsn: None, code, text } if text.is_empty() => code.as_str(),
        Action::Other(text) => text.as_str(),
        _ => "",
    };
    text.trim().parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::facts::{Counts, Resolve};
    use super::super::testlab::lab_with;
    use super::super::{ConnectVerdict, Conversation};
    use super::*;

    /// What check_relay answers `addr` with these counts.
    fn verdict(rules: &Rules, addr: &str, rate: u64, open: u64) -> String {
        let client = Client::network(addr.parse().unwrap(), None, Resolve::Fail)
            .with_counts(Counts { rate, open });
        match Conversation::new(client).connect(rules) {
            ConnectVerdict::Accept => "accept".into(),
            ConnectVerdict::Refuse(s) => format!("refuse {}", s.line()),
            ConnectVerdict::RejectCommands(s) => format!("reject {}", s.line()),
        }
    }

    const ACCESS: &str = "ClientRate:192.0.2.1\t3\nClientConn:192.0.2\t2\nClientRate:\t100\n\
                          ClientRate:127.0.0.1\t5\nClientRate:10\t0\n";

    /// Debian's default: both features with `nodelay` and `terminate`, and
    /// `delay_checks`. The numbers are the oracle's: with `ClientRate:127.0.0.1 3` the
    /// fourth connection in the window got `421 4.3.2 Connection rate limit
    /// exceeded.`; with `ClientConn:127.0.0.2 2` the third open one `421 4.3.2 Too
    /// many open connections.`
    #[test]
    fn nodelay_terminate_refuses_at_connect_whatever_connect_says() {
        let mc = "FEATURE(`delay_checks')dnl\nFEATURE(`ratecontrol', `nodelay', `terminate')dnl\n\
                  FEATURE(`conncontrol', `nodelay', `terminate')dnl\n";
        let lab = lab_with(mc, ACCESS);
        let r = &lab.rules;
        assert_eq!(verdict(r, "192.0.2.1", 3, 1), "accept");
        let rate = "refuse 421 4.3.2 Connection rate limit exceeded.";
        assert_eq!(verdict(r, "192.0.2.1", 4, 1), rate);
        let conns = "refuse 421 4.3.2 Too many open connections.";
        assert_eq!(verdict(r, "192.0.2.9", 2, 3), conns, "ClientConn by prefix");
        assert_eq!(verdict(r, "192.0.2.9", 2, 2), "accept");
        assert_eq!(verdict(r, "198.51.100.7", 101, 1), rate, "the bare ClientRate: default");
        assert_eq!(verdict(r, "198.51.100.7", 100, 1), "accept");
        assert_eq!(verdict(r, "10.1.1.1", 5000, 1), "accept", "0: no limit");
        // Connect:127.0.0.1 OK does not spare it: nodelay runs first.
        assert_eq!(verdict(r, "127.0.0.1", 6, 1), rate);
    }

    #[test]
    fn without_terminate_452_for_every_command() {
        let mc = "FEATURE(`delay_checks')dnl\nFEATURE(`ratecontrol', `nodelay')dnl\n";
        let lab = lab_with(mc, ACCESS);
        let reply = "reject 452 4.3.2 Connection rate limit exceeded.";
        assert_eq!(verdict(&lab.rules, "192.0.2.1", 4, 1), reply);
    }

    #[test]
    fn without_nodelay_only_clients_the_access_map_does_not_name() {
        let lab = lab_with("FEATURE(`ratecontrol', `', `terminate')dnl\n", ACCESS);
        let rate = "refuse 421 4.3.2 Connection rate limit exceeded.";
        assert_eq!(verdict(&lab.rules, "192.0.2.1", 4, 1), rate);
        assert_eq!(verdict(&lab.rules, "127.0.0.1", 6, 1), "accept", "Connect:127.0.0.1 OK");
        let no_counts = Client::network("192.0.2.1".parse().unwrap(), None, Resolve::Fail);
        let verdict = Conversation::new(no_counts).connect(&lab.rules);
        assert_eq!(verdict, ConnectVerdict::Accept, "nothing counted: nothing to compare");
    }
}
