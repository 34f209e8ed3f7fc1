//! Audits of files: the verdicts of issue 6, item 2, and malformed input (item 3).

mod common;

use common::{openssl, openssl_group, outcome, pem_of, run};
use openssl::bn::BigNum;
use std::fs;
use std::path::{Path, PathBuf};

fn audit(args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--audit"];
    all.extend_from_slice(args);
    outcome(&run(&all))
}

fn audit_file(path: &Path) -> (i32, String, String) {
    audit(&[path.to_str().unwrap()])
}

fn openssl_dhparam(dir: &Path, bits: &str) -> PathBuf {
    let path = dir.join(format!("openssl-{bits}.pem"));
    openssl(&["dhparam", "-out", path.to_str().unwrap(), bits]);
    path
}

#[test]
fn issue6_openssl_1024_and_512_are_weak() {
    let dir = tempfile::tempdir().unwrap();
    for bits in ["512", "1024"] {
        let file = openssl_dhparam(dir.path(), bits);
        let (code, stdout, _) = audit_file(&file);
        assert_eq!(code, 1, "{stdout}");
        let name = file.display();
        assert!(stdout.contains(&format!("{name}: weak: bits: {bits}-bit prime")), "{stdout}");
        assert!(stdout.contains(&format!("{name}: ok: subgroup: p is a safe prime")), "{stdout}");
        assert!(stdout.contains(&format!("{name}: ok: shared: not a widely shared group")));
        assert!(stdout.ends_with(&format!("{name}: verdict: weak\n")), "{stdout}");
    }
}

#[test]
fn issue6_rfc_groups_get_their_verdicts_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("ffdhe2048", "RFC 7919 ffdhe2048", 0),
        ("ffdhe3072", "RFC 7919 ffdhe3072", 0),
        ("ffdhe4096", "RFC 7919 ffdhe4096", 0),
        ("ffdhe6144", "RFC 7919 ffdhe6144", 0),
        ("ffdhe8192", "RFC 7919 ffdhe8192", 0),
        ("modp_1536", "RFC 3526 group 5 (1536-bit MODP)", 1),
        ("modp_2048", "RFC 3526 group 14 (2048-bit MODP)", 0),
        ("modp_3072", "RFC 3526 group 15 (3072-bit MODP)", 0),
        ("modp_4096", "RFC 3526 group 16 (4096-bit MODP)", 0),
        ("modp_6144", "RFC 3526 group 17 (6144-bit MODP)", 0),
        ("modp_8192", "RFC 3526 group 18 (8192-bit MODP)", 0),
    ];
    for (group, name, expected) in cases {
        // The group as the OpenSSL command line knows it: a match also proves that our
        // constant is the same number.
        let file = openssl_group(dir.path(), "DH", &format!("group:{group}"), group);
        let (code, stdout, _) = audit_file(&file);
        assert_eq!(code, expected, "{stdout}");
        assert!(stdout.contains(name), "{group}: {stdout}");
    }
}

#[test]
fn issue6_shared_1024_bit_groups_are_logjam_targets() {
    let dir = tempfile::tempdir().unwrap();
    let oakley2 = dir.path().join("oakley2.pem");
    fs::write(&oakley2, pem_of(BigNum::get_rfc2409_prime_1024().unwrap(), 2)).unwrap();
    let oakley1 = dir.path().join("oakley1.pem");
    fs::write(&oakley1, pem_of(BigNum::get_rfc2409_prime_768().unwrap(), 2)).unwrap();
    let nginx = dir.path().join("nginx.pem");
    fs::write(
        &nginx,
        "-----BEGIN DH PARAMETERS-----\n\
         MIGHAoGBALu8LcrYRnSQfEP89YDpz9vZWKP1aLQtSwju1OsPs1BMbAMCducQgAxc\n\
         y7qokiYUxb7spWWl/fHSh6K8BJvmd4Bg6RqSp1fjBI9osHb302zI8pul34HcLKcl\n\
         7OZicMyaUDXYzs7vnqAnSmOrHlj6/UmI0PZdFGdX2gcd8EXP4WubAgEC\n\
         -----END DH PARAMETERS-----\n",
    )
    .unwrap();
    let rfc5114 = openssl_group(dir.path(), "DHX", "dh_rfc5114:1", "rfc5114-1");
    for (file, name) in [
        (&oakley2, "RFC 2409 Oakley group 2"),
        (&oakley1, "RFC 2409 Oakley group 1"),
        (&nginx, "nginx < 1.11.0 built-in 1024-bit group"),
        (&rfc5114, "RFC 5114 group 22"),
    ] {
        let (code, stdout, _) = audit_file(file);
        assert_eq!(code, 1, "{stdout}");
        assert!(stdout.contains(&format!("weak: shared: {name}")), "{stdout}");
        assert!(stdout.contains("Logjam"), "{stdout}");
    }
}

#[test]
fn rfc5114_2048_with_its_subgroup_is_safe() {
    let dir = tempfile::tempdir().unwrap();
    let file = openssl_group(dir.path(), "DHX", "dh_rfc5114:3", "rfc5114-3");
    let (code, stdout, _) = audit_file(&file);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("ok: subgroup: p has a 256-bit prime-order subgroup q"), "{stdout}");
}

#[test]
fn json_report_and_several_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = openssl_group(dir.path(), "DH", "group:ffdhe2048", "good");
    let weak = openssl_dhparam(dir.path(), "512");
    let (code, stdout, _) = audit(&["--json", good.to_str().unwrap(), weak.to_str().unwrap()]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["verdict"], "weak");
    assert_eq!(doc["results"][0]["verdict"], "safe");
    assert_eq!(doc["results"][0]["group"], "RFC 7919 ffdhe2048");
    assert_eq!(doc["results"][0]["bits"], 2048);
    assert_eq!(doc["results"][0]["safe_prime"], true);
    assert_eq!(doc["results"][1]["verdict"], "weak");
    assert_eq!(doc["results"][1]["findings"][0]["check"], "bits");
    assert_eq!(doc["results"][1]["findings"][0]["status"], "weak");
}

#[test]
fn issue6_malformed_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = fs::read_to_string(openssl_dhparam(dir.path(), "512")).unwrap();
    let lines: Vec<&str> = good.lines().collect();
    let cert_pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "not a PEM file"),
        ("text", b"this is not PEM\n".to_vec(), "not a PEM file"),
        ("binary", (0..=255u8).cycle().take(4096).collect(), "not a PEM file"),
        ("certificate", cert_pem.into(), "no DH PARAMETERS block (found: CERTIFICATE)"),
        (
            "no-end",
            format!("{}\n{}\n", lines[0], lines[1]).into(),
            "no -----END DH PARAMETERS-----",
        ),
        ("cut-base64", good.replacen(lines[1], &lines[1][..61], 1).into(), "truncated base64"),
        (
            "empty-body",
            format!("{}\n{}\n", lines[0], lines[lines.len() - 1]).into(),
            "malformed DER",
        ),
        ("cut-der", truncated_der(&good).into(), "malformed DER: truncated"),
        ("bad-char", good.replacen("MEYC", "ME!C", 1).into(), "invalid base64 on line 2"),
        ("huge", vec![b'A'; 2 * 1024 * 1024], "file too large"),
    ];
    for (name, contents, message) in cases {
        let path = dir.path().join(format!("{name}.pem"));
        fs::write(&path, contents).unwrap();
        let (code, stdout, stderr) = audit_file(&path);
        assert_eq!(code, 65, "{name}: {stderr}");
        assert!(stdout.is_empty(), "{name}: {stdout}");
        assert!(
            stderr.starts_with(&format!("dhparam-gen: {}: ", path.display())),
            "{name}: {stderr}"
        );
        assert!(stderr.contains(message), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    }
}

/// The same parameters with the last three bytes of DER cut off, in valid base64.
fn truncated_der(pem: &str) -> String {
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = openssl::base64::decode_block(&body).unwrap();
    der.truncate(der.len() - 3);
    let b64 = openssl::base64::encode_block(&der);
    format!("-----BEGIN DH PARAMETERS-----\n{b64}\n-----END DH PARAMETERS-----\n")
}

#[test]
fn huge_modulus_inside_valid_pem_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-p.pem");
    let mut p = BigNum::new().unwrap();
    p.rand(16384, openssl::bn::MsbOption::ONE, true).unwrap();
    fs::write(&path, pem_of(p, 2)).unwrap();
    let (code, _, stderr) = audit_file(&path);
    assert_eq!(code, 65);
    assert!(stderr.contains("exceeds OpenSSL's limit of 10000 bits"), "{stderr}");
}

#[test]
fn missing_file_is_noinput_and_the_others_are_still_audited() {
    let dir = tempfile::tempdir().unwrap();
    let good = openssl_group(dir.path(), "DH", "group:ffdhe3072", "good");
    let missing = dir.path().join("missing.pem");
    let (code, stdout, stderr) = audit(&[missing.to_str().unwrap(), good.to_str().unwrap()]);
    assert_eq!(code, 66);
    assert!(stderr.contains("missing.pem: No such file"), "{stderr}");
    assert!(stdout.contains("verdict: safe"), "{stdout}");
    let (code, _, _) = audit_file(dir.path());
    assert_eq!(code, 66, "a directory cannot be read as a file");
}

fn mc_with(dir: &Path, value: &str) -> PathBuf {
    let mc = dir.join("sendmail.mc");
    fs::write(&mc, format!("define(`confDH_PARAMETERS', `{value}')dnl\n")).unwrap();
    mc
}

#[test]
fn issue6_audit_defaults_to_the_file_the_mc_names() {
    let dir = tempfile::tempdir().unwrap();
    let weak = openssl_dhparam(dir.path(), "1024");
    let mc = mc_with(dir.path(), weak.to_str().unwrap());
    let (code, stdout, _) = audit(&["-C", mc.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains(&format!("{}: weak: bits: 1024-bit prime", weak.display())),
        "{stdout}"
    );
}

#[test]
fn sendmail_builtin_values_are_judged_like_sendmail() {
    let dir = tempfile::tempdir().unwrap();
    for (value, expected, words) in [
        ("5", 1, "precomputed 512-bit"),
        ("512", 1, "precomputed 512-bit"),
        ("1024", 1, "1024-bit group generated at startup"),
        ("2", 0, "2048-bit group generated by sendmail"),
        ("i", 0, "precomputed 2048-bit group"),
        ("none", 0, "DH disabled"),
    ] {
        let mc = mc_with(dir.path(), value);
        let (code, stdout, _) = audit(&["-C", mc.to_str().unwrap()]);
        assert_eq!(code, expected, "{value}: {stdout}");
        assert!(stdout.contains(&format!("confDH_PARAMETERS={value}: ")), "{stdout}");
        assert!(stdout.contains(words), "{value}: {stdout}");
    }
    let mc = dir.path().join("unset.mc");
    fs::write(&mc, "FEATURE(`access_db')dnl\n").unwrap();
    let (code, stdout, _) = audit(&["-C", mc.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("unset: sendmail uses its precomputed 2048-bit group"), "{stdout}");
}

#[test]
fn nothing_to_audit_is_a_usage_error() {
    if Path::new("/etc/mail/sendmail.mc").exists() {
        testkit::oracle::skip("this machine has /etc/mail/sendmail.mc: the default is consulted");
        return;
    }
    let (code, _, stderr) = audit(&[]);
    assert_eq!(code, 64);
    assert!(stderr.contains("no FILE given and no /etc/mail/sendmail.mc"), "{stderr}");
}

#[test]
fn unreadable_mc_is_noinput_and_broken_mc_is_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.mc");
    assert_eq!(audit(&["-C", missing.to_str().unwrap()]).0, 66);
    let broken = dir.path().join("broken.mc");
    fs::write(&broken, "dnl\ndefine(`confDH_PARAMETERS', `/etc/mail/dh.pem)dnl\n").unwrap();
    let (code, _, stderr) = audit(&["-C", broken.to_str().unwrap()]);
    assert_eq!(code, 78);
    assert!(
        stderr.contains("broken.mc: line 2, column 29: quote ` opened here is never closed"),
        "{stderr}"
    );
}
