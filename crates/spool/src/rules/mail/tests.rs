//! MAIL FROM replies of the oracle lab (sendmail 8.17.1.9 over SMTP), its hosts file
//! as it is today (`example.org` resolves, `lab.example` does not).

use super::super::testlab::{lab, lab_with, Lab};
use super::*;
use crate::hosts::Hosts;
use crate::rules::KnownHosts;

fn today() -> Hosts {
    Hosts::parse("127.0.0.1 localhost\n127.0.0.1 vm.lab.example vm\n127.0.0.10 example.org\n")
}

/// The MAIL reply (`250 ...` on acceptance) from `client` for `raw`.
fn mail(lab: &Lab, client: &Client, raw: &str, resolver: &dyn crate::rules::Resolver) -> String {
    let l = Lookups { resolver, no_canonify: false };
    let f = match lab.rules.sender(raw, &l).unwrap() {
        Ok(f) => f,
        Err(status) => return status.line(),
    };
    match lab.rules.check_mail(client, raw, &f, raw, &l).unwrap() {
        Check::Error(s) => s.line(),
        Check::Pass => "250".into(),
        other => format!("{other:?}"),
    }
}

#[test]
fn sender_domains_must_resolve() {
    let lab = lab();
    let (c, h) = (lab.client("127.0.0.1"), today());
    assert_eq!(mail(&lab, &c, "<user@example.org>", &h), "250");
    assert_eq!(mail(&lab, &c, "<user@EXAMPLE.ORG>", &h), "250");
    assert_eq!(mail(&lab, &c, "<alice@mail.lab.example>", &h), "250");
    assert_eq!(mail(&lab, &c, "<alice@mail.lab.example.>", &h), "250");
    assert_eq!(mail(&lab, &c, "<user%example.org@lab.example>", &h), "250");
    assert_eq!(mail(&lab, &c, "<@relay1,@relay2:alice@mail.lab.example>", &h), "250");
    let missing = "553 5.1.8 <alice@lab.example>... Domain of sender address alice@lab.example does not exist";
    assert_eq!(mail(&lab, &c, "<alice@lab.example>", &h), missing);
    let case = "553 5.1.8 <Bad@NotListed.example>... Domain of sender address Bad@NotListed.example does not exist";
    assert_eq!(mail(&lab, &c, "<Bad@NotListed.example>", &h), case);
    let bang = "553 5.1.8 <host!user>... Domain of sender address host!user does not exist";
    assert_eq!(mail(&lab, &c, "<host!user>", &h), bang);
    let lit = "553 5.1.8 <a@[1.2.3.4]>... Domain of sender address a@[1.2.3.4] does not exist";
    assert_eq!(mail(&lab, &c, "<a@[1.2.3.4]>", &h), lit);
    let colon = "553 5.1.8 <a:b@c>... Domain of sender address a:b@c does not exist";
    assert_eq!(mail(&lab, &c, "<a:b@c>", &h), colon);
    let mut known = KnownHosts::default();
    known.insert("slow.example", HostLookup::TempFail);
    let temp = "451 4.1.8 Domain of sender address u@slow.example does not resolve";
    assert_eq!(mail(&lab, &c, "<u@slow.example>", &known), temp);
}

#[test]
fn localhost_and_unqualified_senders() {
    let lab = lab();
    let (one, two, h) = (lab.client("127.0.0.1"), lab.client("127.0.0.2"), today());
    let real = "553 5.5.4 <alice@localhost>... Real domain name required for sender address";
    assert_eq!(mail(&lab, &two, "<alice@localhost>", &h), real);
    let lit = "553 5.5.4 <alice@[127.0.0.1]>... Real domain name required for sender address";
    assert_eq!(mail(&lab, &two, "<alice@[127.0.0.1]>", &h), lit);
    assert_eq!(mail(&lab, &one, "<alice@localhost>", &h), "250");
    let unq = "553 5.5.4 <alice>... Domain name required for sender address alice";
    assert_eq!(mail(&lab, &one, "<alice>", &h), unq);
    let quoted = "553 5.5.4 <\"r o\">... Domain name required for sender address r o";
    assert_eq!(mail(&lab, &one, "<\"r o\">", &h), quoted);
    let q = "553 5.1.8 <\"a@b\"@lab.example>... Domain of sender address a@b@lab.example does not exist";
    assert_eq!(mail(&lab, &one, "<\"a@b\"@lab.example>", &h), q);
    let escaped = "553 5.5.4 <\\root>... Domain name required for sender address root";
    assert_eq!(mail(&lab, &one, "<\\root>", &h), escaped);
    assert_eq!(mail(&lab, &Client::local(), "<alice>", &h), "250");
    assert_eq!(mail(&lab, &one.clone().with_daemon_flags("u"), "<alice>", &h), "250");
    assert_eq!(mail(&lab, &two, "<>", &h), "250");
    let relaxed = lab_with(
        "FEATURE(`accept_unqualified_senders')dnl\nFEATURE(`accept_unresolvable_domains')dnl\n",
        "",
    );
    assert_eq!(mail(&relaxed, &two, "<alice>", &h), "250");
    assert_eq!(mail(&relaxed, &two, "<alice@localhost>", &h), "250");
    assert_eq!(mail(&relaxed, &two, "<x@nowhere.example>", &h), "250");
}

#[test]
fn syntax_routes_and_mailers() {
    let lab = lab();
    let (c, h) = (lab.client("127.0.0.1"), today());
    assert_eq!(mail(&lab, &c, "<a@b@c>", &h), "553 5.1.3 <a@b@c>... Invalid route address");
    assert_eq!(mail(&lab, &c, "<a@[1.2.3.4]x>", &h), "553 5.1.2 <a@[1.2.3.4]x>... Invalid address");
    assert_eq!(mail(&lab, &c, "<a@.b>", &h), "553 5.1.2 <a@.b>... Invalid host name");
    assert_eq!(
        mail(&lab, &c, "<@mail.lab.example>", &h),
        "553 5.1.3 <@mail.lab.example>... User address required"
    );
    assert_eq!(
        mail(&lab, &c, "<user@nosuchhost.example>", &h),
        "550 5.1.2 <user@nosuchhost.example>... Host unknown"
    );
    assert_eq!(mail(&lab, &c, "</tmp/x>", &h), "553 5.1.7 </tmp/x>... Invalid sender address");
    let prog = "553 5.1.7 <|/bin/cat@mail.lab.example>... Invalid sender address";
    assert_eq!(mail(&lab, &c, "<|/bin/cat@mail.lab.example>", &h), prog);
    let inc = "553 5.1.7 <:include:/etc/passwd>... Invalid sender address";
    assert_eq!(mail(&lab, &c, "<:include:/etc/passwd>", &h), inc);
}

#[test]
fn from_entries_of_the_access_map() {
    let lab = lab_with("", "From:ok.example OK\nbare.example REJECT\nFrom:boss@ OK\n");
    let (c, h) = (lab.client("127.0.0.1"), today());
    let denied = "550 5.7.1 <Bad@SPAMMER.Example>... Access denied";
    assert_eq!(mail(&lab, &c, "<Bad@SPAMMER.Example>", &h), denied);
    assert_eq!(
        mail(&lab, &c, "<bad@sub.spammer.example>", &h),
        "550 5.7.1 <bad@sub.spammer.example>... Access denied"
    );
    let temp = "451 4.7.1 Sender domain tempfail.example:try again later";
    assert_eq!(mail(&lab, &c, "<user@Sub.TempFail.Example>", &h), temp);
    assert_eq!(mail(&lab, &c, "<user@sub.discardme.example>", &h), "Discard");
    assert_eq!(mail(&lab, &c, "<x@ok.example>", &h), "Accept");
    assert_eq!(
        mail(&lab, &c, "<x@bare.example>", &h),
        "550 5.7.1 <x@bare.example>... Access denied"
    );
    assert_eq!(mail(&lab, &c, "<boss@nowhere.example>", &h), "Accept");
}
