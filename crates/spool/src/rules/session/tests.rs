use super::super::testlab::{lab, lab_with};
use super::*;
use crate::hosts::HostLookup;
use crate::rules::KnownHosts;
use crate::status::DeliveryStatus;

#[test]
fn connect_verdicts_of_the_lab() {
    let lab = lab();
    let verdict = |ip: &str| Conversation::new(lab.client(ip)).connect(&lab.rules);
    assert_eq!(verdict("127.0.0.1"), ConnectVerdict::Accept);
    assert_eq!(verdict("127.0.0.2"), ConnectVerdict::Accept);
    let reject = ConnectVerdict::RejectCommands(DeliveryStatus::new(550, "5.7.1", "Access denied"));
    assert_eq!(verdict("127.0.0.3"), reject);
    let refuse =
        DeliveryStatus::new(421, "4.3.2", "Connections from 127.0.0.4 are refused for now");
    assert_eq!(verdict("127.0.0.4"), ConnectVerdict::Refuse(refuse));
    let mut discard = Conversation::new(lab.client("127.0.0.5"));
    assert_eq!(discard.connect(&lab.rules), ConnectVerdict::Accept);
    assert!(discard.discarding());
    let local = lab_with("", "Connect:localhost REJECT\n");
    assert_eq!(
        Conversation::new(crate::rules::Client::local()).connect(&local.rules),
        ConnectVerdict::Accept
    );
    let delayed = lab_with("FEATURE(`delay_checks')dnl\n", "");
    assert_eq!(
        Conversation::new(delayed.client("127.0.0.3")).connect(&delayed.rules),
        ConnectVerdict::Accept
    );
}

#[test]
fn duplicates_answer_with_the_first_spelling_until_the_next_transaction() {
    let lab = lab();
    let mut t = Conversation::new(lab.client("127.0.0.1"));
    t.connect(&lab.rules);
    let (r, h) = (&lab.rules, &lab.hosts);
    assert_eq!(t.mail(r, "<alice@mail.lab.example>", h).unwrap(), Verdict::Accept);
    assert_eq!(t.rcpt(r, "<\"root\"@lab.example>", h).unwrap(), Verdict::Accept);
    assert_eq!(
        t.rcpt(r, "<root@lab.example.>", h).unwrap(),
        Verdict::AcceptAs("<\"root\"@lab.example>".into())
    );
    assert_eq!(t.rcpt(r, "<Root>", h).unwrap(), Verdict::AcceptAs("<\"root\"@lab.example>".into()));
    assert_eq!(t.rcpt(r, "<root+tag@lab.example>", h).unwrap(), Verdict::Accept);
    assert_eq!(t.rcpt(r, "<MAILER-DAEMON>", h).unwrap(), Verdict::Accept);
    t.reset();
    assert_eq!(t.mail(r, "<alice@mail.lab.example>", h).unwrap(), Verdict::Accept);
    assert_eq!(t.rcpt(r, "<Root>", h).unwrap(), Verdict::Accept);
}

#[test]
fn discard_and_quarantine_last_for_their_transaction() {
    let lab = lab_with("", "From:held.example QUARANTINE:held for review\n");
    let mut t = Conversation::new(lab.client("127.0.0.1"));
    let (r, h) = (&lab.rules, &lab.hosts);
    let mut known = KnownHosts::default();
    known.insert("held.example", HostLookup::Found("held.example".into()));
    assert_eq!(t.mail(r, "<x@held.example>", &known).unwrap(), Verdict::Accept);
    assert_eq!(t.quarantine(), Some("held for review"));
    assert_eq!(t.mail(r, "<user@discardme.example>", h).unwrap(), Verdict::Accept);
    assert!(t.discarding() && t.quarantine().is_none());
    assert!(matches!(t.mail(r, "<bad@spammer.example>", h).unwrap(), Verdict::Reject(_)));
    assert!(!t.discarding());
}

#[test]
fn missing_host_names_are_asked_for_and_nothing_changes_meanwhile() {
    let lab = lab();
    let r = &lab.rules;
    let mut t = Conversation::new(lab.client("127.0.0.1"));
    let mut known = KnownHosts::default();
    assert_eq!(t.mail(r, "<a@new.example>", &known), Err(NeedLookup("new.example".into())));
    known.insert("new.example", HostLookup::Found("new.example".into()));
    assert_eq!(t.mail(r, "<a@new.example>", &known).unwrap(), Verdict::Accept);
    assert_eq!(t.rcpt(r, "<u@other.example>", &known), Err(NeedLookup("other.example".into())));
    known.insert("other.example", HostLookup::NotFound);
    assert_eq!(t.rcpt(r, "<u@other.example>", &known).unwrap(), Verdict::Accept);
    assert_eq!(t.client().addr_macro(), "127.0.0.1");
}

#[test]
fn connect_errors_other_than_421_answer_every_command() {
    let access = "Connect:10.6 ERROR:5.7.2:554 Go away now (v)\nConnect:10.7 ERROR:4.7.1:450 Come back later\nConnect:10.8 550 Plain refusal\nConnect:10.9 QUARANTINE:held\n";
    let lab = lab_with("", access);
    let at = |ip: &str| {
        Conversation::new(crate::rules::Client::network(
            ip.parse().unwrap(),
            None,
            crate::rules::Resolve::Fail,
        ))
    };
    let verdict = |ip: &str| at(ip).connect(&lab.rules);
    assert_eq!(
        verdict("10.6.0.1"),
        ConnectVerdict::RejectCommands(DeliveryStatus::new(554, "5.7.2", "Go away now"))
    );
    assert_eq!(
        verdict("10.7.0.1"),
        ConnectVerdict::RejectCommands(DeliveryStatus::new(450, "4.7.1", "Come back later"))
    );
    assert_eq!(
        verdict("10.8.0.1"),
        ConnectVerdict::RejectCommands(DeliveryStatus::new(550, "5.0.0", "Plain refusal"))
    );
    let mut held = at("10.9.0.1");
    assert_eq!(held.connect(&lab.rules), ConnectVerdict::Accept);
    assert_eq!(held.quarantine(), Some("held"));
}
