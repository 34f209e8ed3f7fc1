//! The lab's Connect: entries as sendmail answered them over SMTP; Relay_ok cases as
//! its rulesets (`sendmail -bt`, `Relay_ok`) answer them.

use super::super::testlab::{lab, lab_with};
use super::*;
use crate::hosts::Hosts;

fn line(check: Check) -> String {
    match check {
        Check::Error(s) => s.line(),
        other => format!("{other:?}"),
    }
}

#[test]
fn the_labs_connect_entries() {
    let lab = lab();
    let r = &lab.rules;
    assert_eq!(r.check_relay(&lab.client("127.0.0.1"), None), Check::Pass);
    assert_eq!(r.check_relay(&lab.client("127.0.0.2"), None), Check::Pass);
    assert_eq!(line(r.check_relay(&lab.client("127.0.0.3"), None)), "550 5.7.1 Access denied");
    let refused = line(r.check_relay(&lab.client("127.0.0.4"), None));
    assert_eq!(refused, "421 4.3.2 Connections from 127.0.0.4 are refused for now");
    assert_eq!(r.check_relay(&lab.client("127.0.0.5"), None), Check::Discard);
    assert_eq!(r.check_relay(&Client::local(), None), Check::Pass);
}

#[test]
fn names_before_addresses_and_bare_keys() {
    let access = "Connect:friendly.example OK\nConnect:10.9 REJECT\n10.8 ERROR:\"554 go away\"\nConnect:[10.7.0] DISCARD\n";
    let lab = lab_with("", access);
    let r = &lab.rules;
    let named =
        Client::network("10.9.0.1".parse().unwrap(), Some("mx.friendly.example"), Resolve::Ok);
    assert_eq!(r.check_relay(&named, None), Check::Pass);
    let unnamed = Client::network("10.9.0.1".parse().unwrap(), None, Resolve::Fail);
    assert_eq!(line(r.check_relay(&unnamed, None)), "550 5.7.1 Access denied");
    let bare = Client::network("10.8.1.1".parse().unwrap(), None, Resolve::Fail);
    assert_eq!(line(r.check_relay(&bare, None)), "554 5.0.0 go away");
    let literal = Client::network("10.7.0.3".parse().unwrap(), None, Resolve::Fail);
    assert_eq!(r.check_relay(&literal, None), Check::Discard);
}

#[test]
fn reject_message_can_be_configured() {
    let lab = lab_with("define(`confREJECT_MSG', `\"550 Go away\"')dnl\n", "");
    assert_eq!(line(lab.rules.check_relay(&lab.client("127.0.0.3"), None)), "550 5.0.0 Go away");
}

fn relay(lab: &super::super::testlab::Lab, client: &Client, resolver: &Hosts) -> RelayOk {
    let l = Lookups { resolver, no_canonify: false };
    lab.rules.relay_ok(client, "alice@mail.lab.example", "<u@x.example>", &l).unwrap()
}

#[test]
fn local_clients_relay_and_unverified_names_are_refused() {
    let lab = lab();
    let h = &lab.hosts;
    assert_eq!(relay(&lab, &lab.client("127.0.0.1"), h), RelayOk::Relay);
    assert_eq!(
        relay(&lab, &Client::network("::1".parse().unwrap(), None, Resolve::Fail), h),
        RelayOk::Relay
    );
    assert_eq!(relay(&lab, &Client::local(), h), RelayOk::Relay);
    let text = |r: RelayOk| match r {
        RelayOk::Error(s) => s.line(),
        other => format!("{other:?}"),
    };
    let failed = "550 5.7.1 <u@x.example>... Relaying denied. IP name lookup failed [127.0.0.2]";
    assert_eq!(text(relay(&lab, &lab.client("127.0.0.2"), h)), failed);
    let forged = Client::network("10.0.0.7".parse().unwrap(), Some("x.example"), Resolve::Forged);
    let f = "550 5.7.1 <u@x.example>... Relaying denied. IP name possibly forged x.example";
    assert_eq!(text(relay(&lab, &forged, h)), f);
    let temp = Client::network("10.0.0.7".parse().unwrap(), None, Resolve::TempFail);
    let t = "450 4.4.0 <u@x.example>... Relaying temporarily denied. Cannot resolve PTR record for 10.0.0.7";
    assert_eq!(text(relay(&lab, &temp, h)), t);
    let stranger =
        Client::network("10.0.0.7".parse().unwrap(), Some("mx.other.example"), Resolve::Ok);
    assert_eq!(relay(&lab, &stranger, h), RelayOk::No);
}

#[test]
fn relay_domains_and_access_entries() {
    let mc = "RELAY_DOMAIN(`partner.example 10.66')dnl\n";
    let lab = lab_with(mc, "Connect:10.1 RELAY\nConnect:trusted.example RELAY\n");
    let h = Hosts::default();
    let named = |name: &str| Client::network("10.2.0.1".parse().unwrap(), Some(name), Resolve::Ok);
    assert_eq!(relay(&lab, &named("mx.partner.example"), &h), RelayOk::Relay);
    assert_eq!(relay(&lab, &named("mx.trusted.example"), &h), RelayOk::Relay);
    assert_eq!(relay(&lab, &named("partner.example.evil"), &h), RelayOk::No);
    let by_address = Client::network("10.1.2.3".parse().unwrap(), None, Resolve::Fail);
    assert_eq!(relay(&lab, &by_address, &h), RelayOk::Relay);
    let by_class = Client::network("10.66.0.9".parse().unwrap(), None, Resolve::Fail);
    assert_eq!(relay(&lab, &by_class, &h), RelayOk::Relay);
    let hosts_only = lab_with(&format!("{mc}FEATURE(`relay_hosts_only')dnl\n"), "");
    assert_eq!(relay(&hosts_only, &named("mx.partner.example"), &h), RelayOk::No);
    assert_eq!(relay(&hosts_only, &named("partner.example"), &h), RelayOk::Relay);
}

#[test]
fn the_client_name_is_canonified_first() {
    let lab = lab_with("RELAY_DOMAIN(`partner.example')dnl\n", "");
    let hosts = Hosts::parse("10.2.0.1 mx.partner.example short\n");
    let short = Client::network("10.2.0.1".parse().unwrap(), Some("short"), Resolve::Ok);
    assert_eq!(relay(&lab, &short, &hosts), RelayOk::Relay);
    let known = crate::rules::KnownHosts::default();
    let l = Lookups { resolver: &known, no_canonify: false };
    let asked = lab.rules.relay_ok(&short, "", "<u@x>", &l);
    assert_eq!(asked, Err(NeedLookup("short".into())));
}
