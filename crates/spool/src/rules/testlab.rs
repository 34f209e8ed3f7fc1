//! The reference lab's rules for unit tests: its `sendmail.mc` and maps
//! (`tests/data/lab`) in a temporary directory, hash maps built by spool's writer.

use super::{Client, Rules, System};
use crate::aliases::AliasFile;
use crate::config::Config;
use crate::hosts::Hosts;
use crate::maps::text::TextMap;
use crate::maps::{self, Duplicates, KeyRules, Map, MapType, WriteOptions};
use std::path::{Path, PathBuf};

/// The fixture folder.
pub(crate) fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lab")
}

/// A lab built in a temporary directory.
pub(crate) struct Lab {
    pub dir: tempfile::TempDir,
    pub rules: Rules,
    pub hosts: Hosts,
}

impl Lab {
    /// The client at `ip`, named from the lab's hosts file.
    pub fn client(&self, ip: &str) -> Client {
        Client::from_hosts(ip.parse().unwrap(), &self.hosts)
    }
}

/// The lab as recorded.
pub(crate) fn lab() -> Lab {
    lab_with("", "")
}

/// The lab with `mc_extra` appended to its `sendmail.mc` and `access_extra` to its
/// access map source.
pub(crate) fn lab_with(mc_extra: &str, access_extra: &str) -> Lab {
    lab_files(mc_extra, access_extra, &[])
}

/// [`lab_with`], with more files in its `etc` folder (`@SMLAB@` substituted).
pub(crate) fn lab_files(mc_extra: &str, access_extra: &str, files: &[(&str, &str)]) -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let subst = |name: &str| {
        let text = std::fs::read_to_string(fixture().join(name)).unwrap();
        text.replace("@SMLAB@", dir.path().to_str().unwrap())
    };
    for name in [
        "aliases",
        "list.inc",
        "local-host-names",
        "relay-domains",
        "mailertable",
        "service.switch",
    ] {
        std::fs::write(etc.join(name), subst(name)).unwrap();
    }
    std::fs::write(etc.join("access"), subst("access") + access_extra).unwrap();
    for (name, text) in files {
        std::fs::write(etc.join(name), text.replace("@SMLAB@", dir.path().to_str().unwrap()))
            .unwrap();
    }
    build_map(&etc.join("access"));
    build_map(&etc.join("mailertable"));
    build_aliases(&etc.join("aliases"));
    let mc = subst("sendmail.mc.in") + &mc_extra.replace("@SMLAB@", dir.path().to_str().unwrap());
    let config = Config::from_str(&etc.join("sendmail.mc"), &mc).unwrap();
    let hosts = Hosts::read(&fixture().join("hosts")).unwrap();
    let system = System::from_hosts("vm", &hosts, &fixture().join("passwd"));
    let rules = Rules::load(&config, &system).unwrap();
    Lab { dir, rules, hosts }
}

/// `makemap hash NAME < NAME`.
pub(crate) fn build_map(source: &Path) {
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
