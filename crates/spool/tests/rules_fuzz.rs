//! Hostile addresses through every entry point of `spool::rules`: no input may panic,
//! loop or give a reply with a line end in it. Seeds are the addresses of the oracle
//! recordings and the address tricks sendmail's rulesets unwrap; the inputs are
//! random mutations of them and random strings over the characters that mean
//! something in an address.

#[path = "common/lab.rs"]
mod lab;

use spool::rules::{Client, Conversation, KnownHosts, Resolve, Verdict};
use spool::status::DeliveryStatus;
use testkit::rng::Rng;

const SEEDS: &[&str] = &[
    "<root>",
    "<\"root\"@lab.example>",
    "<user%elsewhere.example@lab.example>",
    "<elsewhere.example!user>",
    "<@lab.example,@relayok.example:user@elsewhere.example>",
    "<\"user@elsewhere.example\"@lab.example>",
    "<a!b!c@relayok.example>",
    "<user@[127.0.0.1]>",
    "<user@[IPv6:::1]>",
    "<:include:/etc/passwd>",
    "<\"|/bin/sh -c 'x'\"@lab.example>",
    "list:;",
    "Alice <alice@mail.lab.example> (comment)",
    "<root+tag@lab.example.>",
    "<\\root>",
];

const ALPHABET: &[u8] = b"aZ09.@%!:;,<>()[]\"\\+ \t|/-_=";

fn well_formed(s: &DeliveryStatus) {
    assert!((200..600).contains(&s.code), "{s:?}");
    assert!(!s.text.contains(['\r', '\n']), "{s:?}");
}

#[test]
fn no_address_panics_or_breaks_a_reply() {
    let lab = lab::lab(true, "hosts");
    let (r, h) = (&lab.rules, &lab.hosts);
    let mut rng = Rng::new(0x05ee_d0f0_01e5);
    for round in 0..4000 {
        let input = if round % 3 == 0 {
            rng.bytes_from(ALPHABET, 40)
        } else {
            let seed = SEEDS[rng.below(SEEDS.len())];
            rng.mutate(seed.as_bytes())
        };
        let raw = String::from_utf8_lossy(&input).into_owned();
        let ip = ["127.0.0.1", "127.0.0.2", "127.0.0.5"][round % 3];
        let mut talk = Conversation::new(Client::from_hosts(ip.parse().unwrap(), h));
        talk.connect(r);
        for v in [talk.mail(r, &raw, h).unwrap(), talk.rcpt(r, &raw, h).unwrap()] {
            if let Verdict::Reject(s) = v {
                well_formed(&s);
            }
        }
        r.vrfy(&raw, h).unwrap().iter().for_each(well_formed);
        r.expn(&raw, h).unwrap().iter().for_each(well_formed);
        well_formed(&r.etrn(&raw).started());
    }
}

#[test]
fn unknown_names_are_always_asked_for_never_guessed() {
    let lab = lab::lab(false, "hosts");
    let mut rng = Rng::new(77);
    for _ in 0..500 {
        let raw = String::from_utf8_lossy(&rng.mutate(b"<u@host.example>")).into_owned();
        let client = Client::network("10.0.0.9".parse().unwrap(), Some("c.example"), Resolve::Ok);
        let mut talk = Conversation::new(client);
        let mut known = KnownHosts::default();
        for _ in 0..20 {
            match talk.rcpt(&lab.rules, &raw, &known) {
                Ok(_) => break,
                Err(need) => known.insert(&need.0, spool::hosts::HostLookup::NotFound),
            }
        }
        assert!(
            talk.rcpt(&lab.rules, &raw, &known).is_ok(),
            "{raw}: still asking after 20 answers"
        );
    }
}
