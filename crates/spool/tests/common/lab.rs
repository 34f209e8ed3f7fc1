//! The reference lab's rules: its `sendmail.mc` and maps (`tests/data/lab`) in a
//! temporary directory, `@SMLAB@` substituted, hash maps built by spool's own writer.
#![allow(dead_code)]

use spool::aliases::AliasFile;
use spool::config::Config;
use spool::hosts::Hosts;
use spool::maps::text::TextMap;
use spool::maps::{self, Duplicates, KeyRules, Map, MapType, WriteOptions};
use spool::rules::{Rules, System};
use std::path::{Path, PathBuf};

/// The fixture folder.
pub fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lab")
}

/// A lab built in a temporary directory.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub rules: Rules,
    pub hosts: Hosts,
}

/// The lab as recorded; `open` gives the open MTA's `.mc` (`-DSMLAB_OPEN`), `hosts`
/// names the hosts file of the fixture (`hosts`: the recording machine's,
/// `hosts-today`: the oracle lab's namespace today).
pub fn lab(open: bool, hosts: &str) -> Lab {
    lab_with(open, hosts, "")
}

/// [`lab`] with `extra` lines added to its `.mc` (the AUTH set-up of
/// `oracle/bin/record-auth`, for instance).
pub fn lab_with(open: bool, hosts: &str, extra: &str) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let subst = |name: &str| {
        let text = std::fs::read_to_string(fixture().join(name)).unwrap();
        text.replace("@SMLAB@", dir.path().to_str().unwrap())
    };
    let files = [
        "access",
        "aliases",
        "list.inc",
        "local-host-names",
        "relay-domains",
        "mailertable",
        "service.switch",
    ];
    for name in files {
        std::fs::write(etc.join(name), subst(name)).unwrap();
    }
    build_map(&etc.join("access"));
    build_map(&etc.join("mailertable"));
    build_aliases(&etc.join("aliases"));
    let define = if open { "define(`SMLAB_OPEN', `1')dnl\n" } else { "" };
    let mc = format!("{define}{}{extra}", subst("sendmail.mc.in"));
    let config = Config::from_str(&etc.join("sendmail.mc"), &mc).unwrap();
    let hosts = Hosts::read(&fixture().join(hosts)).unwrap();
    let system = System::from_hosts("vm", &hosts, &fixture().join("passwd"));
    let rules = Rules::load(&config, &system).unwrap();
    Lab { dir, rules, hosts }
}

/// `makemap hash NAME < NAME`.
fn build_map(source: &Path) {
    let text = TextMap::parse(&std::fs::read(source).unwrap());
    let mut w = maps::create(MapType::Hash, source, WriteOptions::default()).unwrap();
    for (k, v) in text.entries().unwrap() {
        w.insert(&k, &v).unwrap();
    }
    w.commit().unwrap();
}

/// `newaliases` for one aliases file.
fn build_aliases(source: &Path) {
    let file = AliasFile::read(source, &|_| true).unwrap();
    let options = WriteOptions {
        rules: KeyRules { fold_case: false, nul_terminated: false },
        duplicates: Duplicates::Replace,
        follow_symlinks: false,
        nelem_hint: 0,
    };
    let mut w = maps::create(MapType::Hash, source, options).unwrap();
    for (k, v) in file.db_entries() {
        w.insert_stored(k, v).unwrap();
    }
    w.commit().unwrap();
}
