//! Each case was checked against sendmail 8.17.1.9's `canonify` and `Parse0` in
//! address test mode (`sendmail -bt`, `3 address`) or over SMTP.

use super::super::testlab::lab;
use super::*;
use crate::hosts::Hosts;

/// The oracle lab's hosts file today (its recordings had only `localhost runsc vm`).
fn today() -> Hosts {
    Hosts::parse("127.0.0.1 localhost\n127.0.0.10 example.org\n127.0.0.12 sink.example\n")
}

/// `local@domain` and whether the domain is canonical, or the error text.
fn canon(raw: &str) -> String {
    let lab = lab();
    let hosts = today();
    let l = Lookups { resolver: &hosts, no_canonify: false };
    match lab.rules.canon_addr(raw, &l) {
        Ok(Some(c)) => {
            let dot = if c.domain.as_ref().is_some_and(|d| d.canonical) { "." } else { "" };
            format!("{}{dot}", c.text())
        }
        Ok(None) => "<>".into(),
        Err(Fail::Error(host, text)) => format!("{} {text}", host.unwrap_or_default()),
        Err(Fail::Lookup(n)) => format!("lookup {}", n.0),
    }
}

#[test]
fn domains_are_looked_up_and_local_names_become_canonical() {
    assert_eq!(canon("<user@example.org>"), "user@example.org.");
    assert_eq!(canon("<user@Example.ORG>"), "user@example.org.");
    assert_eq!(canon("<user@nosuch.example>"), "user@nosuch.example");
    assert_eq!(canon("<user@localhost>"), "user@mail.lab.example.");
    assert_eq!(canon("<user@[127.0.0.1]>"), "user@mail.lab.example.");
    assert_eq!(canon("<user@[1.2.3.4]>"), "user@[1.2.3.4]");
    assert_eq!(canon("<user@LAB.Example>"), "user@LAB.Example.");
    assert_eq!(canon("<user@nosuch.example.>"), "user@nosuch.example.");
}

#[test]
fn brackets_groups_and_routes() {
    assert_eq!(canon("Alice <alice@mail.lab.example> (home)"), "alice@mail.lab.example.");
    assert_eq!(canon("<<alice@mail.lab.example>>"), "alice@mail.lab.example.");
    assert_eq!(canon("<@relay1,@relay2:alice@mail.lab.example>"), "alice@mail.lab.example.");
    assert_eq!(canon("x:y@nosuch.example"), "y@nosuch.example");
    assert_eq!(canon("<a:b@nosuch.example>"), "a:b@nosuch.example");
    assert_eq!(canon("foo:bar"), "bar");
    assert_eq!(canon("<>"), "<>");
}

#[test]
fn bang_paths_and_percent_hacks() {
    assert_eq!(canon("a!b!c"), "b!c@a.UUCP.");
    assert_eq!(canon("a.b.c!user"), "user@a.b.c");
    assert_eq!(canon("u%v%nosuch.example"), "u%v@nosuch.example");
    assert_eq!(canon("<user%elsewhere.example@lab.example>"), "user@elsewhere.example");
    assert_eq!(canon("<root%lab.example@lab.example>"), "root@lab.example.");
    assert_eq!(canon("<lab.example!root@mail.lab.example>"), "root@lab.example.");
}

#[test]
fn quoted_local_parts_of_local_domains_are_unwrapped() {
    assert_eq!(canon("<\"user@elsewhere.example\"@lab.example>"), "user@elsewhere.example");
    assert_eq!(canon("<\"root\"@lab.example>"), "root@lab.example.");
    assert_eq!(canon("<\"a b\"@lab.example>"), "\"a b\"@lab.example.");
    assert_eq!(canon("<\"a@b\"@sink.example>"), "\"a@b\"@sink.example.");
    assert_eq!(canon("<\"user%elsewhere\">"), "user@elsewhere");
}

#[test]
fn parse0_refusals() {
    assert_eq!(canon("<a@b@c>"), "5.1.3 553 Invalid route address");
    assert_eq!(canon("<user@relayok.example@lab.example>"), "5.1.3 553 Invalid route address");
    assert_eq!(canon("<a@.b>"), "5.1.2 553 Invalid host name");
    assert_eq!(canon("<a@b..c>"), "5.1.2 553 Invalid host name");
    assert_eq!(canon("<a@[1.2.3.4]x>"), "5.1.2 553 Invalid address");
    assert_eq!(canon("<a@[1.2.3.4].>"), "5.1.2 553 Invalid address");
    assert_eq!(canon("<a@[127.0.0.1].>"), "5.1.2 553 Invalid address");
    assert_eq!(canon("<a@.>"), "5.1.2 553 Invalid host name");
    assert_eq!(canon("<a@..>"), "5.1.2 553 Invalid host name");
    assert_eq!(canon("<a@nowhere.>"), "a@nowhere.");
    assert_eq!(canon("<@x>"), "5.1.3 553 User address required");
    assert_eq!(canon("<root@>"), "5.1.3 553 Hostname required");
    assert_eq!(canon("<\"\"@lab.example>"), "5.1.3 553 User address required");
    assert_eq!(canon("<list:;>"), "5.1.3 553 List:; syntax illegal for recipient addresses");
    assert_eq!(canon("list:;"), "5.1.3 553 List:; syntax illegal for recipient addresses");
    assert_eq!(canon("<list: a;>"), "list:a");
}

#[test]
fn unknown_names_are_asked_of_the_caller() {
    let lab = lab();
    let known = crate::rules::KnownHosts::default();
    let l = Lookups { resolver: &known, no_canonify: false };
    let err = lab.rules.canon_addr("<u@new.example>", &l).unwrap_err();
    assert_eq!(err, Fail::Lookup(NeedLookup("new.example".into())));
    let no = Lookups { resolver: &known, no_canonify: true };
    let c = lab.rules.canon_addr("<u@new.example>", &no).unwrap().unwrap();
    assert_eq!(c.domain, Some(Domain { name: "new.example".into(), canonical: true }));
}

#[test]
fn nocanonify_looks_nothing_up() {
    // proto.m4 with _NO_CANONIFY_: qualified names get their trailing dot unlooked-up.
    let lab = super::super::testlab::lab_with("FEATURE(`nocanonify')dnl\n", "");
    let known = crate::rules::KnownHosts::default();
    let l = Lookups { resolver: &known, no_canonify: false };
    let c = lab.rules.canon_addr("<u@new.example>", &l).unwrap().unwrap();
    assert_eq!(c.domain, Some(Domain { name: "new.example".into(), canonical: true }));
    let short = lab.rules.canon_addr("<u@newhost>", &l).unwrap().unwrap();
    assert_eq!(short.domain, Some(Domain { name: "newhost".into(), canonical: false }));
}
