//! `FEATURE(greet_pause)`: how long to wait before the greeting, per client.
//!
//! sendmail's `greet_pause` ruleset, generated from `feature/greet_pause.m4`: with an
//! access map, `GreetPause:` keys (tagged keys only) by the client's name
//! (`${client_name}`: its verified name or `[address]`, walking parent domains or
//! address prefixes), then by its address (`GreetPause:127` matches 127.0.0.1). A
//! number found is the pause in milliseconds (`0`: no pause); a map that fails for
//! now means no pause; nothing found, the feature's argument (none: no pause).
//! Without an access map, always the argument.
//!
//! The pause is for clients `check_relay` let in: the daemon asks only after
//! [`super::Conversation::connect`] accepted (as sendmail skips the pause for a
//! client it already refuses).

use super::facts::Client;
use super::Rules;
use crate::access::{Action, Tag};
use std::time::Duration;

impl Rules {
    /// The pause before greeting `client`; zero without `FEATURE(greet_pause)`.
    pub fn greet_pause(&self, client: &Client) -> Duration {
        let Some(default) = self.features.greet_pause else { return Duration::ZERO };
        let Some(access) = self.access_db() else { return Duration::from_millis(default) };
        match super::relay::by_client(&access, Tag::GreetPause, false, client) {
            Ok(None) => Duration::from_millis(default),
            Ok(Some(value)) => Duration::from_millis(value_millis(&value)),
            Err(_) => Duration::ZERO,
        }
    }
}

/// The milliseconds an access value gives.
fn value_millis(value: &Action) -> u64 {
    match value {
        Action::Error { dsn: None, code, .. } => millis(code),
        Action::Other(text) => millis(text),
        _ => 0,
    }
}

/// The number `text` starts with, as sendmail reads the ruleset's answer (`strtol`:
/// no leading digits is 0).
pub(super) fn millis(text: &str) -> u64 {
    let digits: String = text.trim().chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::facts::Resolve;
    use super::super::testlab::{fixture, lab_with};
    use super::super::System;
    use super::*;
    use crate::config::Config;

    fn client(name: Option<&str>, addr: &str) -> Client {
        let resolve = if name.is_some() { Resolve::Ok } else { Resolve::Fail };
        Client::network(addr.parse().unwrap(), name, resolve)
    }

    #[test]
    fn access_entries_by_name_then_address_else_the_default() {
        let access = "GreetPause:127\t0\nGreetPause:slow.example\t7000\nGreetPause:10.1.2\t2500\n\
                      GreetPause:[10.9.9]\t300\nGreetPause:\t5000\n";
        let lab = lab_with("FEATURE(`greet_pause', `1000')dnl\n", access);
        let pause = |name, addr| lab.rules.greet_pause(&client(name, addr));
        assert_eq!(pause(Some("localhost"), "127.0.0.1"), Duration::ZERO, "GreetPause:127");
        assert_eq!(pause(Some("mx.slow.example"), "192.0.2.1"), Duration::from_millis(7000));
        assert_eq!(pause(None, "10.1.2.3"), Duration::from_millis(2500), "by address prefix");
        assert_eq!(pause(None, "10.9.9.9"), Duration::from_millis(300), "[address] as the name");
        // The bare `GreetPause:` of Debian's example access file needs _FFR_LOOKUPTAG_,
        // which sendmail 8.17 is not built with: the feature's argument applies.
        assert_eq!(pause(Some("elsewhere.example"), "192.0.2.9"), Duration::from_millis(1000));
    }

    #[test]
    fn without_an_argument_without_an_access_map_and_without_the_feature() {
        let lab = lab_with("FEATURE(`greet_pause')dnl\n", "GreetPause:192.0.2\t1500\n");
        let pause = |addr| lab.rules.greet_pause(&client(None, addr));
        assert_eq!(pause("192.0.2.1"), Duration::from_millis(1500));
        assert_eq!(pause("198.51.100.1"), Duration::ZERO, "not found, no argument");
        let off = lab_with("", "GreetPause:192.0.2\t1500\n");
        assert_eq!(off.rules.greet_pause(&client(None, "192.0.2.1")), Duration::ZERO);
        let mc = "FEATURE(`greet_pause', `700')dnl\n";
        let config = Config::from_str(&fixture().join("sendmail.mc"), mc).unwrap();
        let hosts = crate::hosts::Hosts::read(&fixture().join("hosts")).unwrap();
        let system = System::from_hosts("vm", &hosts, &fixture().join("passwd"));
        let rules = Rules::load(&config, &system).unwrap();
        assert_eq!(rules.greet_pause(&client(None, "198.51.100.1")), Duration::from_millis(700));
    }

    #[test]
    fn values_read_as_sendmail_reads_them() {
        assert_eq!(millis("5000"), 5000);
        assert_eq!(millis(" 250ms"), 250);
        assert_eq!(millis("soon"), 0);
    }
}
