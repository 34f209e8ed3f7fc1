use super::*;
use crate::config::Config;
use crate::forward::StaticUsers;
use crate::sysexits::{EX_OSERR, EX_SOFTWARE};

/// A configuration in a temporary directory whose maps are text files.
fn settings(dir: &Path, mc: &str) -> Settings {
    let mc = mc.replace("DIR", dir.to_str().unwrap());
    Settings::from_config(&Config::from_str(&dir.join("sendmail.mc"), &mc).unwrap())
}

fn open(s: &Settings) -> Maps {
    Maps::open_with_users(s, Box::new(StaticUsers::default()))
}

#[test]
fn maps_named_by_the_features_are_opened_from_their_specs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("mt"), "sink.example relay:[127.0.0.1]\n").unwrap();
    std::fs::write(d.join("access"), "connect:127.0.0.3 REJECT\n").unwrap();
    std::fs::write(d.join("aliases"), "postmaster: root\n").unwrap();
    std::fs::write(d.join("relay"), "relayok.example\n").unwrap();
    let s = settings(
        d,
        "FEATURE(`mailertable', `text -o DIR/mt')dnl\nFEATURE(`access_db', `text -T<TMPF> DIR/access')dnl\n\
         define(`ALIAS_FILE', `text:DIR/aliases')dnl\ndefine(`confCR_FILE', `-o DIR/relay')dnl\n\
         RELAY_DOMAIN(`other.example')dnl\n",
    );
    let maps = open(&s);
    assert!(maps.problems.is_empty(), "{:?}", maps.problems);
    let mt = maps.mailertable.as_deref().unwrap();
    assert_eq!(maps::lookup(mt, b"sink.example").unwrap(), Some(b"relay:[127.0.0.1]".to_vec()));
    let access = maps.access.as_deref().unwrap();
    assert_eq!(maps::lookup(access, b"connect:127.0.0.3").unwrap(), Some(b"REJECT".to_vec()));
    assert_eq!(
        maps::lookup(maps.aliases[0].as_ref(), b"postmaster").unwrap(),
        Some(b"root".to_vec())
    );
    assert!(
        maps.relay_domains.contains("relayok.example")
            && maps.relay_domains.contains("other.example")
    );
    assert!(maps.local_names.contains("localhost"));
    assert!(
        maps.virtusertable.is_none() && maps.genericstable.is_none() && maps.authinfo.is_none()
    );
}

#[test]
fn a_missing_map_is_empty_with_dash_o_and_a_problem_without() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = settings(
        d,
        "FEATURE(`mailertable', `hash DIR/nonexistent')dnl\nFEATURE(`access_db', `hash -o DIR/none')dnl\n\
         FEATURE(`virtusertable', `ldap -1 -v x')dnl\ndefine(`ALIAS_FILE', `DIR/noaliases')dnl\n",
    );
    let maps = open(&s);
    assert!(maps.mailertable.is_none() && maps.access.is_none() && maps.aliases.is_empty());
    let mt = maps.problem(MapFeature::Mailertable).unwrap();
    // sendmail 8.17's words (sendmail -bv with a missing Kmailertable file, exit 71).
    let want = format!(
        "hash map \"mailertable\": missing map file {}: No such file or directory",
        d.join("nonexistent.db").display()
    );
    assert_eq!(mt.to_string(), want);
    assert!(maps.problem(MapFeature::Access).is_none(), "-o");
    let ldap = maps.problem(MapFeature::Virtusertable).unwrap();
    assert_eq!(ldap.to_string(), "ldap map \"virtuser\": ldap: unknown map type");
    assert_eq!(maps.problems.len(), 2, "a missing implicit alias file is no aliases, silently");
    assert_eq!((mt.exit_code(), ldap.exit_code()), (EX_OSERR, EX_OSERR));
}

/// sendmail -bv with `Kmailertable text /missing` and with a hash file that is not a
/// database: its words and exit codes.
#[test]
fn problems_are_worded_as_sendmail_words_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("bad.db"), "garbage\n").unwrap();
    let s = settings(
        d,
        "FEATURE(`mailertable', `text DIR/nosuchmt')dnl\nFEATURE(`access_db', `hash DIR/bad')dnl\n",
    );
    let maps = open(&s);
    let text = maps.problem(MapFeature::Mailertable).unwrap();
    let want =
        format!("text map \"mailertable\": unsafe map file {}", d.join("nosuchmt").display());
    assert_eq!((text.to_string(), text.exit_code()), (want, EX_SOFTWARE));
    let bad = maps.problem(MapFeature::Access).unwrap();
    let want =
        format!("Cannot open hash database {}: Invalid argument", d.join("bad.db").display());
    assert_eq!((bad.to_string(), bad.exit_code()), (want, EX_OSERR));
}

#[test]
fn implicit_alias_files_prefer_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let aliases = d.join("aliases");
    std::fs::write(&aliases, "postmaster: root\n").unwrap();
    let s = settings(d, "define(`ALIAS_FILE', `DIR/aliases')dnl\n");
    let text = open(&s);
    assert_eq!(
        maps::lookup(text.aliases[0].as_ref(), b"postmaster").unwrap(),
        Some(b"root".to_vec())
    );
    let mut w = maps::create(MapType::Hash, &aliases, maps::WriteOptions::default()).unwrap();
    w.insert(b"postmaster", b"admin").unwrap();
    w.commit().unwrap();
    let hashed = open(&s);
    assert_eq!(
        maps::lookup(hashed.aliases[0].as_ref(), b"postmaster").unwrap(),
        Some(b"admin".to_vec())
    );
}
