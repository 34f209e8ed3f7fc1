use super::*;
use crate::testutil::{oracle_conf_dir, reference_dir, Rng};
use testkit::{dbdump, transcript};

fn lab_local(d: &str) -> bool {
    ["mail.lab.example", "lab.example", "localhost", "vm", "[127.0.0.1]"]
        .iter()
        .any(|l| l.eq_ignore_ascii_case(d))
}

fn lab_file(name: &str) -> String {
    let text = std::fs::read_to_string(oracle_conf_dir().join(name)).unwrap();
    text.replace("@SMLAB@", "/tmp/smlab")
}

fn check_reference(case: &str, source: &str) {
    let text =
        std::fs::read_to_string(reference_dir().join(format!("aliases/{case}.txt"))).unwrap();
    let cases = transcript::parse(&text);
    let path = format!("/tmp/smlab/ref/aliases/{case}/aliases");
    let file = parse_text(&lab_file(source), &lab_local);
    let mut got: Vec<String> = file.diagnostics.iter().map(|d| d.render(&path)).collect();
    got.push(format!("{path}: {}", file.summary()));
    let newaliases = transcript::find(&cases, &format!("-oA{path}"));
    assert_eq!(got, newaliases.stdout_lines());
    assert_eq!(file.exit_code(), newaliases.exit);
    let mut mine = file.db_entries();
    mine.sort();
    // The `key\00` / `value\00` pairs sendmail stored, as db5.3_dump -p listed them.
    let mut theirs = dbdump::entries(&transcript::find(&cases, "db5.3_dump -p aliases.db").stdout);
    theirs.sort();
    assert_eq!(mine, theirs);
}

#[test]
fn torture_file_matches_sendmail() {
    check_reference("newaliases-torture", "aliases-torture");
}

#[test]
fn clean_file_matches_sendmail() {
    check_reference("newaliases-clean", "aliases");
}

#[test]
fn comment_only_file_has_no_aliases() {
    let f = parse_text("# only a comment\n\n", &lab_local);
    assert_eq!(f.summary(), "0 aliases, longest 0 bytes, 0 bytes total");
    assert_eq!(f.db_entries(), vec![(b"@\0".to_vec(), b"@\0".to_vec())]);
}

/// Cases settled with the live oracle (sendmail -bi on small files).
#[test]
fn oracle_settled_cases() {
    let f = parse_text("x:\troot\n  \n<x>: root\n", &lab_local);
    assert_eq!(f.diagnostics[0].render("f"), "f: line 3: <x>... Warning: duplicate alias name x");
    assert_eq!(f.bytes, 12);
    assert_eq!(f.exit_code(), 0);
    let f = parse_text("at@: root\n", &lab_local);
    assert_eq!(f.diagnostics[0].message, "at@... Hostname required");
    assert_eq!(f.diagnostics[1].message, "at@... cannot alias non-local names");
    assert_eq!(f.exit_code(), 64);
    let f = parse_text("c\nat@: x\n", &lab_local);
    assert_eq!(f.exit_code(), 70);
    let f = parse_text("bad<: root\n", &lab_local);
    assert_eq!(f.diagnostics[0].message, "bad<: root... Unbalanced '<'");
    assert_eq!(f.get(":root"), Some("root"));
    assert_eq!(f.exit_code(), 0);
    let f = parse_text("trail:root\\\n  more\na: root\\\nb: x\n", &lab_local);
    assert_eq!(f.get("trail"), Some("root  more"));
    assert_eq!(f.get("a"), Some("rootb: x"));
    let f = parse_text("e:\n\tcont\nu@Lab.Example: y\n\"quoted name\": z\n", &lab_local);
    assert_eq!(f.get("e"), Some("cont"));
    assert_eq!(f.get("u"), Some("y"));
    assert_eq!(f.get("\"quoted name\""), Some("z"));
    for bad in ["user%h: x\n", "h!u: x\n", "|prog: x\n", "/file: x\n"] {
        let f = parse_text(bad, &lab_local);
        assert!(f.diagnostics[0].message.ends_with("cannot alias non-local names"), "{bad}");
    }
    let f = parse_text(":include:/x: y\n", &lab_local);
    assert_eq!(f.diagnostics[0].message, ":include:/x: y... illegal alias name");
}

#[test]
fn alias_file_option() {
    let specs = parse_alias_files("/etc/mail/aliases, cdb:/x/y,hash:/z").unwrap();
    assert_eq!(specs[0], AliasSpec { kind: MapType::Hash, path: "/etc/mail/aliases".into() });
    assert_eq!(specs[1].kind, MapType::Cdb);
    assert_eq!(specs[2].path, Path::new("/z"));
    assert!(parse_alias_files("nis:x").is_err());
}

#[test]
fn include_files_skip_comments() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("list");
    std::fs::write(&p, "# c\nroot\n\na@b, c@d\n").unwrap();
    let lines = read_include(&p).unwrap();
    assert_eq!(lines, vec![(2, "root".to_string()), (4, "a@b, c@d".to_string())]);
}

#[test]
fn never_panics_on_mutated_files() {
    let seed = lab_file("aliases-torture");
    let mut rng = Rng::new(0xa11a5);
    for _ in 0..3000 {
        let bytes = rng.mutate(seed.as_bytes());
        let f = parse_text(&String::from_utf8_lossy(&bytes), &lab_local);
        assert!(f.count >= f.entries.len());
    }
    let alphabet = b"a:\n \t#\\\"<>@,|/()";
    for _ in 0..5000 {
        let bytes = rng.bytes_from(alphabet, 60);
        let _ = parse_text(&String::from_utf8_lossy(&bytes), &lab_local);
    }
}
