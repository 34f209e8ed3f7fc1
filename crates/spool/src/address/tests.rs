use super::*;
use crate::testutil::Rng;

fn addr(s: &str) -> Address {
    parse(s).unwrap().address
}

#[test]
fn plain_and_qualified() {
    assert_eq!(addr("root"), Address { local: "root".into(), ..Default::default() });
    let a = addr("Alice <alice@Example.ORG> (the boss)");
    assert_eq!(a.local, "alice");
    assert_eq!(a.domain.as_deref(), Some("Example.ORG"));
    assert_eq!(a.to_addr_spec(), "alice@Example.ORG");
}

#[test]
fn nested_angles_and_null_path() {
    assert_eq!(addr("<<alice@x.example>>").to_addr_spec(), "alice@x.example");
    assert!(addr("<>").is_null());
    assert_eq!(addr("a<b>c").local, "b");
}

#[test]
fn blanks_become_blanksub_and_quotes_stay() {
    assert_eq!(addr("bad addr").local, "bad.addr");
    assert_eq!(addr("\"a b\"@x").local, "\"a b\"");
    assert_eq!(addr("\"a b\"@x").local_unquoted(), "a b");
    assert_eq!(addr("r (comment)").local, "r");
}

#[test]
fn sendmail_error_texts() {
    assert_eq!(parse("alice@").unwrap_err().to_string(), "Hostname required");
    assert_eq!(parse("alice@@x").unwrap_err().to_string(), "Invalid route address");
    assert_eq!(parse("a,b").unwrap_err(), AddrError::InvalidRoute);
    assert_eq!(parse("@mail.lab.example").unwrap_err().to_string(), "User address required");
    let p = parse("<root").unwrap();
    assert_eq!(p.repaired, vec![AddrError::Unbalanced('<')]);
    assert_eq!(p.address.local, "root");
    assert_eq!(p.repaired[0].to_string(), "Unbalanced '<'");
    assert_eq!(parse("root>").unwrap().repaired[0].to_string(), "Unbalanced '>'");
    let q = parse("\"a: x").unwrap();
    assert_eq!(q.address.local, "\"a: x\"");
    assert_eq!(q.repaired[0].to_string(), "Unbalanced '\"'");
}

#[test]
fn unbalanced_angle_takes_the_rest() {
    // sendmail stores "bad<: root" under the key ":root"
    assert_eq!(addr("bad<: root").local, ":root");
}

#[test]
fn routes_percent_and_bang() {
    let a = addr("<@relay1,@relay2:alice@mail.lab.example>");
    assert_eq!(a.route, vec!["relay1", "relay2"]);
    assert_eq!(a.to_addr_spec(), "alice@mail.lab.example");
    assert!(a.has_route());
    assert!(addr("user%h").is_percent_hack());
    assert!(addr("h!u").is_bang_path());
    assert!(!addr("\"h!u\"").is_bang_path());
}

#[test]
fn scanning_and_lists() {
    assert_eq!(scan_to("spaced  :   root", ':'), 8);
    assert_eq!(scan_to("bad<: root", ':'), 10);
    assert_eq!(scan_to("\"a: x", ':'), 5);
    assert_eq!(split_list("root, daemon,mail"), vec!["root", "daemon", "mail"]);
    assert_eq!(split_list("a b"), vec!["a", "b"]);
    assert_eq!(split_list("\"a, b\"@x, c"), vec!["\"a, b\"@x", "c"]);
    assert_eq!(split_list("root,\t\tdaemon,\tmail"), vec!["root", "daemon", "mail"]);
    assert!(split_list(" , ").is_empty());
}

#[test]
fn never_panics_on_random_input() {
    let mut rng = Rng::new(0x5eed_add3);
    let alphabet = b"ab@<>()\",;:\\[]. \t%!|/\x00\xff\xc3";
    for _ in 0..20_000 {
        let bytes = rng.bytes_from(alphabet, 40);
        let s = String::from_utf8_lossy(&bytes);
        let _ = parse(&s);
        let _ = split_list(&s);
        let _ = scan_to(&s, ':');
        let _ = unquote(&s);
    }
}
