use super::*;
use crate::maps::text::TextMap;
use crate::testutil::oracle_conf_dir;

fn lab_access() -> TextMap {
    let text = std::fs::read_to_string(oracle_conf_dir().join("access")).unwrap();
    let folded: String = text
        .lines()
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((k, v)) if !l.starts_with('#') => format!("{} {v}\n", k.to_lowercase()),
            _ => format!("{l}\n"),
        })
        .collect();
    TextMap::parse(folded.as_bytes())
}

#[test]
fn lab_connect_entries() {
    let m = lab_access();
    assert_eq!(lookup_host(&m, Tag::Connect, "127.0.0.1").unwrap(), Some(Action::Ok));
    assert_eq!(lookup_host(&m, Tag::Connect, "127.0.0.3").unwrap(), Some(Action::Reject));
    let e = lookup_host(&m, Tag::Connect, "[127.0.0.4]").unwrap().unwrap();
    assert_eq!(e.reply().unwrap(), "421 4.3.2 Connections from 127.0.0.4 are refused for now");
    assert_eq!(lookup_host(&m, Tag::Connect, "127.0.0.9").unwrap(), None);
}

#[test]
fn lab_from_and_to_entries() {
    let m = lab_access();
    let a = lookup_address(&m, Tag::From, "x@Sub.Spammer.Example").unwrap();
    assert_eq!(a, Some(Action::Reject));
    let e = lookup_address(&m, Tag::From, "<a@tempfail.example>").unwrap().unwrap();
    assert_eq!(e.reply().unwrap(), "451 4.7.1 Sender domain tempfail.example:try again later");
    assert_eq!(lookup_address(&m, Tag::To, "u@x.relayok.example").unwrap(), Some(Action::Relay));
    assert_eq!(lookup_address(&m, Tag::To, "blocked@lab.example").unwrap(), Some(Action::Reject));
    assert_eq!(lookup_address(&m, Tag::From, "discardme.example").unwrap(), None);
    assert_eq!(
        lookup_address(&m, Tag::From, "u@discardme.example").unwrap(),
        Some(Action::Discard)
    );
}

#[test]
fn values_and_walks() {
    assert_eq!(parse_value("skip"), Action::Skip);
    assert_eq!(parse_value("550 Spam not accepted").reply().unwrap(), "550 Spam not accepted");
    assert_eq!(parse_value("frobnicate"), Action::Other("frobnicate".into()));
    assert_eq!(parse_value("QUARANTINE:held (smlab)"), Action::Quarantine("held".into()));
    assert_eq!(host_keys("10.1.2.3"), vec!["10.1.2.3", "10.1.2", "10.1", "10"]);
    assert_eq!(host_keys("a.b.example"), vec!["a.b.example", "b.example", "example"]);
    let m = TextMap::parse(b"from:spammer@ SKIP\nfrom:example REJECT\nfrom:me@ OK\n");
    assert_eq!(lookup_address(&m, Tag::From, "me@nowhere").unwrap(), Some(Action::Ok));
    assert_eq!(lookup_address(&m, Tag::From, "u@x.example").unwrap(), Some(Action::Reject));
}

#[test]
fn the_user_key_comes_before_the_domain_walk() {
    // check_mail's SearchList is <F:user@domain> <U:user@> <D:domain>.
    let m = TextMap::parse(b"from:example.org REJECT\nfrom:boss@ OK\n");
    assert_eq!(lookup_address(&m, Tag::From, "boss@example.org").unwrap(), Some(Action::Ok));
}

#[test]
fn text_is_joined_as_sendmails_tokenizer_joins_it() {
    assert_eq!(
        clean_text("Sender domain x.example: try again later (smlab)"),
        "Sender domain x.example:try again later"
    );
    assert_eq!(clean_text("a . b / c , d"), "a.b/c,d");
    assert_eq!(
        clean_text("\"550 Relaying denied. IP name lookup failed \" [127.0.0.2]"),
        "\"550 Relaying denied. IP name lookup failed \"[127.0.0.2]"
    );
    assert_eq!(clean_text("  spaced   out\ttext "), "spaced out text");
}

#[test]
fn tagged_then_bare_keys() {
    let m = TextMap::parse(b"127.0.0 RELAY\nconnect:127.0.0.9 REJECT\nexample.net OK\n");
    let a = Access::new(&m, false, false);
    assert_eq!(a.ip(Tag::Connect, true, "127.0.0.9").unwrap(), Some(Action::Reject));
    assert_eq!(a.ip(Tag::Connect, true, "127.0.0.8").unwrap(), Some(Action::Relay));
    assert_eq!(a.ip(Tag::Connect, false, "127.0.0.8").unwrap(), None);
    assert_eq!(a.domain(Tag::To, true, "mx.Example.NET").unwrap(), Some(Action::Ok));
}

#[test]
fn literal_and_ipv6_walks() {
    let m = TextMap::parse(b"connect:[10.1] REJECT\nconnect:ipv6:2001:db8 RELAY\n");
    let a = Access::new(&m, false, false);
    assert_eq!(a.domain(Tag::Connect, true, "[10.1.2.3]").unwrap(), Some(Action::Reject));
    assert_eq!(a.domain(Tag::Connect, true, "[10.2.2.3]").unwrap(), None);
    assert_eq!(a.ip(Tag::Connect, true, "IPv6:2001:db8::1").unwrap(), Some(Action::Relay));
    assert_eq!(a.ip(Tag::Connect, true, "IPv6:::1").unwrap(), None);
}

#[test]
fn skip_ends_a_walk_only_when_the_feature_says_so() {
    let m = TextMap::parse(b"connect:10.1.2 SKIP\nconnect:10 REJECT\n");
    let with = Access::new(&m, true, false);
    assert_eq!(with.ip(Tag::Connect, true, "10.1.2.3").unwrap(), None);
    let without = Access::new(&m, false, false);
    assert_eq!(without.ip(Tag::Connect, true, "10.1.2.3").unwrap(), Some(Action::Skip));
}

#[test]
fn plus_details_and_dot_domains() {
    let m = TextMap::parse(b"to:bob+*@x.example DISCARD\nto:ann@ REJECT\nto:.y.example RELAY\n");
    let a = Access::new(&m, false, true);
    assert_eq!(a.full(Tag::To, true, "bob+tag@x.example").unwrap(), Some(Action::Discard));
    assert_eq!(a.full(Tag::To, true, "bob@x.example").unwrap(), None);
    assert_eq!(a.user(Tag::To, true, "ann+a@").unwrap(), Some(Action::Reject));
    assert_eq!(a.domain(Tag::To, true, "a.y.example").unwrap(), Some(Action::Relay));
    let plain = Access::new(&m, false, false);
    assert_eq!(plain.domain(Tag::To, true, "a.y.example").unwrap(), None);
}
