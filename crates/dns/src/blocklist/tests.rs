use super::*;

fn addr(_: &str) -> Option<String> {
    Some("127.0.0.20".to_string())
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn messages_expand_as_sendmails_rules() {
    let zen = r#""554 Rejected " $&{client_addr} " found in zen.spamhaus.org""#;
    assert_eq!(expand(zen, addr), "554 Rejected 127.0.0.20 found in zen.spamhaus.org");
    assert_eq!(expand("554 Rejected $&{client_addr} here", addr), "554 Rejected 127.0.0.20 here");
    assert_eq!(
        expand(r#""554 Rejected - see"$&{client_addr}"#, addr),
        "554 Rejected - see127.0.0.20"
    );
    assert_eq!(
        expand(r#""554 Spam blocked - see;$&{client_addr}"#, addr),
        "554 Spam blocked - see;127.0.0.20"
    );
}

#[test]
fn replies_take_the_messages_code_and_the_rules_status() {
    let r = reject("5.7.1", "554 Rejected 127.0.0.20 found in zen.spamhaus.org");
    assert_eq!(
        r,
        Outcome::Reject {
            code: 554,
            status: "5.7.1".into(),
            text: "Rejected 127.0.0.20 found in zen.spamhaus.org".into()
        }
    );
    assert_eq!(
        reject("5.7.1", "Go away"),
        Outcome::Reject { code: 550, status: "5.7.1".into(), text: "Go away".into() }
    );
    assert_eq!(
        reject("4.4.3", "try later"),
        Outcome::Reject { code: 451, status: "4.4.3".into(), text: "try later".into() }
    );
    assert_eq!(
        reject("5.7.1", "553 5.7.2 Own status"),
        Outcome::Reject { code: 553, status: "5.7.2".into(), text: "Own status".into() }
    );
}

#[test]
fn feature_arguments_as_the_m4_files_read_them() {
    let (list, warnings) = Blocklist::from_feature("dnsbl", &args(&["bl.test"])).unwrap();
    assert!(warnings.is_empty());
    assert_eq!(list.zone, "bl.test");
    let Action::Reject(text) = &list.action else { panic!() };
    assert_eq!(expand(text, addr), "550 Rejected: 127.0.0.20 listed at bl.test");
    assert_eq!(list.tempfail, None);
    let (t, _) = Blocklist::from_feature("dnsbl", &args(&["bl.test", "", "t"])).unwrap();
    assert_eq!(
        expand(t.tempfail.as_deref().unwrap(), addr),
        "451 Temporary lookup failure of 127.0.0.20 at bl.test"
    );
    let (e, _) = Blocklist::from_feature(
        "enhdnsbl",
        &args(&["ebl.test", "", "", "127.0.0.2.", "127.0.1.$-."]),
    )
    .unwrap();
    assert_eq!(e.patterns, ["127.0.0.2.", "127.0.1.$-."]);
    assert!(e.lists("127.0.0.2".parse().unwrap()) && e.lists("127.0.1.9".parse().unwrap()));
    assert!(!e.lists("127.0.0.5".parse().unwrap()));
    let (any, _) = Blocklist::from_feature("enhdnsbl", &args(&["ebl.test"])).unwrap();
    assert!(any.lists("127.0.0.5".parse().unwrap()));
    let (d, _) = Blocklist::from_feature("dnsbl", &args(&["bl.test", "discard"])).unwrap();
    assert_eq!(d.action, Action::Discard);
    assert!(Blocklist::from_feature("access_db", &[]).is_none());
}

#[test]
fn the_tips_lines_load_with_warnings_and_an_empty_zone() {
    let (list, warnings) = Blocklist::from_feature(
        "dnsbl",
        &args(&["", r#""554 Spam blocked - see;$&{client_addr}"#]),
    )
    .unwrap();
    assert_eq!(list.zone, "");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("missing argument for FEATURE(`dnsbl')"));
    assert!(warnings[1].contains("unbalanced"));
}

#[test]
fn patterns_match_token_by_token() {
    for (p, v, want) in [
        ("127.0.0.2.", "127.0.0.2.", true),
        ("127.0.0.2.", "127.0.0.20.", false),
        ("127.0.0.$-.", "127.0.0.11.", true),
        ("127.$+", "127.0.0.11.", true),
        ("$+", "127.0.0.11.", true),
        ("$*", "", true),
        ("$-", "", false),
        ("127.0.0.$-", "127.0.0.11.", false),
    ] {
        assert_eq!(pattern_matches(p, v), want, "{p} against {v}");
    }
}
