//! RCPT TO replies of the oracle lab (sendmail 8.17.1.9 over SMTP, from 127.0.0.2,
//! which has no name and may not relay, unless said otherwise).

use super::super::testlab::{lab, lab_with, Lab};
use crate::rules::{Conversation, Verdict};

/// A conversation from `ip` with `sender` accepted.
fn talk(lab: &Lab, ip: &str, sender: &str) -> Conversation {
    let mut t = Conversation::new(lab.client(ip));
    t.connect(&lab.rules);
    assert_eq!(t.mail(&lab.rules, sender, &lab.hosts).unwrap(), Verdict::Accept);
    t
}

/// The RCPT reply: `250 <shown>` or the refusal's line.
fn rcpt(lab: &Lab, t: &mut Conversation, raw: &str) -> String {
    match t.rcpt(&lab.rules, raw, &lab.hosts).unwrap() {
        Verdict::Accept => format!("250 {raw}"),
        Verdict::AcceptAs(shown) => format!("250 {shown}"),
        Verdict::Reject(s) => s.line(),
    }
}

const ALICE: &str = "<alice@mail.lab.example>";

fn denied(raw: &str) -> String {
    format!("550 5.7.1 {raw}... Relaying denied. IP name lookup failed [127.0.0.2]")
}

#[test]
fn relaying_is_denied_however_it_is_dressed_up() {
    let lab = lab();
    let mut t = talk(&lab, "127.0.0.2", ALICE);
    for raw in [
        "<user@elsewhere.example>",
        "<\"user@elsewhere.example\"@lab.example>",
        "<\"user%elsewhere.example\"@lab.example>",
        "<user%elsewhere.example@lab.example>",
        "<elsewhere.example!user>",
        "<@lab.example:user@elsewhere.example>",
        "<nobody@[IPv6:::1]>",
        "<postmaster@[127.0.0.2]>",
        "<a:b@c>",
        "<user@sub.closed.example>",
        "<user%elsewhere@relayok.example>",
        "<user@elsewhere.example%relayok.example>",
        "<\"a@b\"@relayok.example>",
        "<a!b@relayok.example>",
    ] {
        assert_eq!(rcpt(&lab, &mut t, raw), denied(raw), "{raw}");
    }
}

#[test]
fn local_and_relayable_recipients() {
    let lab = lab();
    let mut t = talk(&lab, "127.0.0.2", ALICE);
    let ok = |t: &mut Conversation, raw: &str| {
        assert_eq!(rcpt(&lab, t, raw), format!("250 {raw}"), "{raw}")
    };
    for raw in [
        "<user@relayok.example>",
        "<User@sub.relayok.example>",
        "<root%lab.example@lab.example>",
        "<daemon@VM>",
        "<mail@localhost>",
    ] {
        ok(&mut t, raw);
    }
    for raw in
        ["<\\root>", "<root+>", "<staff+x>", "<MAILER-DAEMON+x>", "<\"user\"@relayok.example>"]
    {
        ok(&mut t, raw);
    }
    assert_eq!(rcpt(&lab, &mut t, "<lab.example!root>"), "250 <root%lab.example@lab.example>");
    assert_eq!(rcpt(&lab, &mut t, "<root@vm>"), "250 <root%lab.example@lab.example>");
    assert_eq!(rcpt(&lab, &mut t, "<relayok.example!user>"), "250 <user@relayok.example>");
    assert_eq!(rcpt(&lab, &mut t, "<user@relayok.example.>"), "250 <user@relayok.example>");
}

#[test]
fn unknown_users_syntax_and_routes() {
    let lab = lab();
    let mut t = talk(&lab, "127.0.0.2", ALICE);
    assert_eq!(
        rcpt(&lab, &mut t, "<user@[127.0.0.1]>"),
        "550 5.1.1 <user@[127.0.0.1]>... User unknown"
    );
    assert_eq!(rcpt(&lab, &mut t, "<nosuchuser+x>"), "550 5.1.1 <nosuchuser+x>... User unknown");
    assert_eq!(
        rcpt(&lab, &mut t, "<blocked@lab.example>"),
        "550 5.1.1 <blocked@lab.example>... User unknown"
    );
    assert_eq!(rcpt(&lab, &mut t, "<a@.b>"), "553 5.1.2 <a@.b>... Invalid host name");
    assert_eq!(rcpt(&lab, &mut t, "<a@[1.2.3.4]x>"), "553 5.1.2 <a@[1.2.3.4]x>... Invalid address");
    let route = "553 5.1.3 <user@relayok.example@lab.example>... Invalid route address";
    assert_eq!(rcpt(&lab, &mut t, "<user@relayok.example@lab.example>"), route);
    let host = "550 5.1.2 <user@nosuchhost.example>... Host unknown";
    assert_eq!(rcpt(&lab, &mut t, "<user@nosuchhost.example>"), host);
    let mut local = talk(&lab, "127.0.0.1", ALICE);
    let prog = "550 5.7.1 <\"|/bin/cat\"@lab.example>... Cannot mail directly to programs";
    assert_eq!(rcpt(&lab, &mut local, "<\"|/bin/cat\"@lab.example>"), prog);
    assert_eq!(rcpt(&lab, &mut local, "<\\|cat>"), "550 5.1.1 <\\|cat>... User unknown");
}

#[test]
fn discarding_skips_the_user_check_but_not_relaying() {
    let lab = lab();
    for (ip, sender) in [("127.0.0.2", "<user@discardme.example>"), ("127.0.0.5", ALICE)] {
        let mut t = talk(&lab, ip, sender);
        assert!(t.discarding(), "{ip}");
        assert_eq!(rcpt(&lab, &mut t, "<nosuchuser>"), "250 <nosuchuser>");
        assert_eq!(rcpt(&lab, &mut t, "<root>"), "250 <root>");
        assert_eq!(rcpt(&lab, &mut t, "<Root>"), "250 <root>");
        let host = "550 5.1.2 <user@nosuchhost.example>... Host unknown";
        assert_eq!(rcpt(&lab, &mut t, "<user@nosuchhost.example>"), host);
        let refused = rcpt(&lab, &mut t, "<user@elsewhere.example>");
        assert!(
            refused.starts_with("550 5.7.1 <user@elsewhere.example>... Relaying denied"),
            "{refused}"
        );
    }
}

#[test]
fn blocklist_recipients() {
    let lab = lab_with("FEATURE(`blocklist_recipients')dnl\n", "");
    let mut t = talk(&lab, "127.0.0.1", ALICE);
    let disabled = "550 5.2.1 <blocked@lab.example>... Mailbox disabled for this recipient";
    assert_eq!(rcpt(&lab, &mut t, "<blocked@lab.example>"), disabled);
    let errored = "550 5.7.1 <user@errored.example>... Recipient domain errored.example is blocked";
    assert_eq!(rcpt(&lab, &mut t, "<user@errored.example>"), errored);
    assert_eq!(
        rcpt(&lab, &mut t, "<user@rejected.example>"),
        "550 5.2.1 <user@rejected.example>... Mailbox disabled for this recipient"
    );
    assert_eq!(rcpt(&lab, &mut t, "<Blocked>"), "550 5.1.1 <Blocked>... User unknown");
    assert!(!t.discarding());
    assert_eq!(rcpt(&lab, &mut t, "<user@discarded.example>"), "250 <user@discarded.example>");
    assert!(t.discarding());
}

#[test]
fn delay_checks_move_the_client_and_sender_checks_to_rcpt() {
    let lab = lab_with("FEATURE(`delay_checks')dnl\n", "");
    let mut rejected = talk(&lab, "127.0.0.3", ALICE);
    assert_eq!(rcpt(&lab, &mut rejected, "<root>"), "550 5.7.1 <root>... Access denied");
    let mut spam = talk(&lab, "127.0.0.1", "<bad@spammer.example>");
    assert_eq!(rcpt(&lab, &mut spam, "<nosuchuser>"), "550 5.7.1 <nosuchuser>... Access denied");
    let mut temp = talk(&lab, "127.0.0.1", "<user@tempfail.example>");
    assert_eq!(
        rcpt(&lab, &mut temp, "<root>"),
        "451 4.7.1 Sender domain tempfail.example:try again later"
    );
    let mut missing = talk(&lab, "127.0.0.1", "<alice@notlisted.example>");
    let text =
        "553 5.1.8 <root>... Domain of sender address alice@notlisted.example does not exist";
    assert_eq!(rcpt(&lab, &mut missing, "<root>"), text);
    let mut refused = talk(&lab, "127.0.0.4", ALICE);
    assert_eq!(
        rcpt(&lab, &mut refused, "<root>"),
        "421 4.3.2 Connections from 127.0.0.4 are refused for now"
    );
}

#[test]
fn spam_friends_and_haters() {
    let access = "Spam:root@mail.lab.example FRIEND\nSpam:daemon@ HATER\n";
    let friend = lab_with("FEATURE(`delay_checks', `friend')dnl\n", access);
    let mut t = talk(&friend, "127.0.0.3", "<bad@spammer.example>");
    assert_eq!(rcpt(&friend, &mut t, "<root>"), "250 <root>");
    assert_eq!(
        rcpt(&friend, &mut t, "<root@lab.example>"),
        "550 5.7.1 <root@lab.example>... Access denied"
    );
    let hater = lab_with("FEATURE(`delay_checks', `hater')dnl\n", access);
    let mut h = talk(&hater, "127.0.0.3", "<bad@spammer.example>");
    assert_eq!(rcpt(&hater, &mut h, "<root>"), "250 <root>");
    assert_eq!(rcpt(&hater, &mut h, "<daemon>"), "550 5.7.1 <daemon>... Access denied");
}

#[test]
fn trusted_authentication_relays() {
    let lab = lab_with("TRUST_AUTH_MECH(`PLAIN LOGIN')dnl\n", "");
    let mut t = talk(&lab, "127.0.0.7", ALICE);
    let text =
        "550 5.7.1 <u@elsewhere.example>... Relaying denied. Proper authentication required.";
    let mut stranger = Conversation::new(crate::rules::Client::network(
        "10.0.0.7".parse().unwrap(),
        Some("x.example"),
        crate::rules::Resolve::Ok,
    ));
    stranger.mail(&lab.rules, ALICE, &lab.hosts).unwrap();
    assert_eq!(rcpt(&lab, &mut stranger, "<u@elsewhere.example>"), text);
    t.authenticated("plain");
    assert_eq!(rcpt(&lab, &mut t, "<u@elsewhere.example>"), "250 <u@elsewhere.example>");
}

#[test]
fn promiscuous_relay_and_relay_domains() {
    let open = lab_with("FEATURE(`promiscuous_relay')dnl\n", "");
    let mut t = talk(&open, "127.0.0.2", ALICE);
    assert_eq!(rcpt(&open, &mut t, "<u@elsewhere.example>"), "250 <u@elsewhere.example>");
    let partner = lab_with("RELAY_DOMAIN(`partner.example')dnl\n", "");
    let mut p = talk(&partner, "127.0.0.2", ALICE);
    assert_eq!(rcpt(&partner, &mut p, "<u@mx.partner.example>"), "250 <u@mx.partner.example>");
    assert_eq!(
        rcpt(&partner, &mut p, "<u%elsewhere.example@partner.example>"),
        denied("<u%elsewhere.example@partner.example>")
    );
}

#[test]
fn virtual_domains_are_ours_to_relay_for() {
    // As the oracle answered with FEATURE(virtusertable) and VIRTUSER_DOMAIN(example.net).
    let mc = "FEATURE(`virtusertable', `text @SMLAB@/etc/virtusertable')dnl\nVIRTUSER_DOMAIN(`example.net')dnl\n";
    let vt = "info@example.net root\n@example.net someone@sink.example\nbad@example.net error:nouser User unknown\n\
              coded@example.net error:5.1.1:550 No such person\nu+*@example.net %1%3@sink.example\nalias@lab.example staff\n";
    let lab = super::super::testlab::lab_files(mc, "", &[("virtusertable", vt)]);
    let mut t = talk(&lab, "127.0.0.2", ALICE);
    for raw in
        ["<info@example.net>", "<x@example.net>", "<u+tag@example.net>", "<alias@lab.example>"]
    {
        assert_eq!(rcpt(&lab, &mut t, raw), format!("250 {raw}"), "{raw}");
    }
    // Duplicates are found after the table: both reach the same mailbox.
    assert_eq!(rcpt(&lab, &mut t, "<root@example.net>"), "250 <x@example.net>");
    assert_eq!(rcpt(&lab, &mut t, "<info@EXAMPLE.net>"), "250 <info@example.net>");
    assert_eq!(rcpt(&lab, &mut t, "<root>"), "250 <info@example.net>");
    assert_eq!(
        rcpt(&lab, &mut t, "<bad@example.net>"),
        "553 5.3.0 <bad@example.net>... User unknown"
    );
    assert_eq!(
        rcpt(&lab, &mut t, "<coded@example.net>"),
        "550 5.1.1 <coded@example.net>... No such person"
    );
}

#[test]
fn relay_entire_domain_relays_for_our_domain_m() {
    // As `sendmail -bt` answers check_rcpt with FEATURE(relay_entire_domain), $m lab.example.
    let mut lab = lab_with("FEATURE(`relay_entire_domain')dnl\n", "");
    lab.rules.m = Some("lab.example".into());
    let mut t = talk(&lab, "127.0.0.2", ALICE);
    assert_eq!(rcpt(&lab, &mut t, "<u@other.lab.example>"), "250 <u@other.lab.example>");
    assert_eq!(rcpt(&lab, &mut t, "<u@otherlab.example>"), denied("<u@otherlab.example>"));
    let named = crate::rules::Client::network(
        "10.2.0.1".parse().unwrap(),
        Some("x.lab.example"),
        crate::rules::Resolve::Ok,
    );
    let mut from_ours = Conversation::new(named);
    from_ours.mail(&lab.rules, ALICE, &lab.hosts).unwrap();
    assert_eq!(rcpt(&lab, &mut from_ours, "<u@elsewhere.example>"), "250 <u@elsewhere.example>");
}
