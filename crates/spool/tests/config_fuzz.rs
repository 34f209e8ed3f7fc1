//! Thousands of mutated and hostile `.mc` inputs: the reader may fail, never panic
//! or hang.

use std::path::Path;

use spool::config::Config;
use testkit::oracle::Oracle;
use testkit::rng::Rng;

/// Pieces that matter to the m4 reader, spliced in at random.
const TOKENS: &[&str] = &[
    "`",
    "'",
    "(",
    ")",
    ",",
    "#",
    "\n",
    "$",
    "$1",
    "$#",
    "$*",
    "$@",
    "dnl",
    "dnl\n",
    "define(",
    "define(`a', `a')",
    "define(`b', `$1$1$1')",
    "a",
    "b(b(b(x)))",
    "undefine(",
    "ifdef(`a',",
    "ifelse(",
    "divert(-1)",
    "divert(0)",
    "divert(x)",
    "include(`",
    "sinclude(`x')",
    "FEATURE(`",
    "MAILER(",
    "DAEMON_OPTIONS(`Port=",
    "LOCAL_CONFIG\n",
    "LOCAL_RULE_0\n",
    "MASQUERADE_AS(",
    "GENERICS_DOMAIN(`",
    "&#039;",
    "&amp;",
    "\0",
    "é",
    "confMAX_HOP",
    "define(`confMAX_HOP', `x')",
    "define(`QUEUE_DIR', `",
    "changequote([,])",
    "defn(`a')",
    "\u{feff}",
    "\r\n",
    "))))",
    "((((",
    "````",
    "''''",
];

fn seeds() -> Vec<String> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config");
    let mut seeds: Vec<String> = std::fs::read_dir(&data)
        .unwrap()
        .filter_map(|e| std::fs::read(e.unwrap().path()).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    for dir in [testkit::paths::oracle_conf(), Oracle::locate().cf_tree().join("cf")] {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                seeds.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    seeds
}

fn mutate(rng: &mut Rng, seed: &str) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(chars.len() + 1);
        match rng.below(5) {
            0 => chars.splice(at..at, TOKENS[rng.below(TOKENS.len())].chars()).for_each(drop),
            1 if at < chars.len() => {
                let end = (at + rng.below(40)).min(chars.len());
                chars.drain(at..end);
            }
            2 => chars.truncate(at),
            3 if at < chars.len() => chars[at] = char::from(b' ' + (rng.below(95) as u8)),
            _ => {
                let end = (at + rng.below(200)).min(chars.len());
                let copy: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, copy).for_each(drop);
            }
        }
    }
    chars.into_iter().collect()
}

fn check(dir: &Path, text: &str) {
    let name = dir.join("fuzz.mc");
    let result =
        std::panic::catch_unwind(|| Config::from_str(&name, text).map(|c| c.warnings().len()));
    assert!(result.is_ok(), "panicked on input:\n{text:?}");
}

#[test]
fn mutated_inputs_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x"), "define(`a', `b')dnl\ninclude(`x')").unwrap();
    let seeds = seeds();
    let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15);
    for _ in 0..4000 {
        let seed = &seeds[rng.below(seeds.len())];
        let text = mutate(&mut rng, seed);
        check(dir.path(), &text);
    }
}

#[test]
fn random_token_soup_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng::new(42);
    for _ in 0..3000 {
        let text: String = (0..rng.below(60)).map(|_| TOKENS[rng.below(TOKENS.len())]).collect();
        check(dir.path(), &text);
    }
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("self.m4"), "include(`self.m4')").unwrap();
    let deep = format!("{}x{}", "FEATURE(".repeat(500), ")".repeat(500));
    let cases = [
        "define(`a', `a')a".to_string(),
        "define(`a', `a a')a".to_string(),
        "define(`d', `$1$1$1$1')d(d(d(d(d(d(d(d(d(d(d(d(x))))))))))))".to_string(),
        "include(`self.m4')".to_string(),
        deep,
        "`".repeat(100_000),
    ];
    for text in &cases {
        let name = dir.path().join("t.mc");
        let result = std::panic::catch_unwind(|| Config::from_str(&name, text));
        let Ok(result) = result else { panic!("panicked on {:?}", &text[..text.len().min(80)]) };
        assert!(result.is_err(), "accepted {:?}", &text[..text.len().min(80)]);
    }
    // Parentheses outside a macro call are text to m4 (and to sendmail.cf regexes).
    let parens = "(".repeat(10_000);
    let config = Config::from_str(&dir.path().join("t.mc"), &parens).unwrap();
    assert_eq!(config.warnings().len(), 1);
}
