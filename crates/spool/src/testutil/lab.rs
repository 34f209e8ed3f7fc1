//! The oracle lab's configuration (tests/oracle/conf) installed in a temporary
//! directory, as an expansion context: what the `-bv` golden tests and the typed
//! expansion tests run against.

use super::oracle_conf_dir;
use crate::aliases::{parse_text, AliasFile};
use crate::classfile::Class;
use crate::expand::Context;
use crate::forward::{StaticUsers, User};
use crate::maps::text::TextMap;

/// The lab (oracle/conf) installed in a temporary directory.
pub(crate) struct Lab {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) aliases: AliasFile,
    pub(crate) mailertable: TextMap,
    pub(crate) local: Class,
    pub(crate) users: StaticUsers,
}

impl Lab {
    /// Installs the lab.
    pub(crate) fn new() -> Lab {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_str().unwrap().to_string();
        let conf = |n: &str| {
            std::fs::read_to_string(oracle_conf_dir().join(n)).unwrap().replace("@SMLAB@", &root)
        };
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::create_dir_all(dir.path().join("forward")).unwrap();
        std::fs::write(dir.path().join("etc/list.inc"), conf("list.inc")).unwrap();
        let local = Class::parse(&conf("local-host-names"));
        let is_local = |d: &str| local.contains(d);
        let aliases = parse_text(&conf("aliases"), &is_local);
        let mailertable = TextMap::parse(conf("mailertable").as_bytes());
        let users = ["root", "daemon", "mail", "nobody"]
            .iter()
            .map(|n| {
                let home = dir.path().join("home").join(n);
                // The test's files are the runner's: the users own them.
                let me = crate::safefile::Identity::process();
                User { name: n.to_string(), home, uid: me.uid, gid: me.gid }
            })
            .collect();
        Lab { dir, aliases, mailertable, local, users: StaticUsers(users) }
    }

    /// The expansion context: the lab's aliases, mailertable, local names and smart
    /// host (`relay:[127.0.0.1]`), its users, `ForwardPath` `<lab>/forward/$u`.
    pub(crate) fn context(&self) -> Context<'_> {
        Context {
            aliases: vec![&self.aliases],
            local_names: self.local.clone(),
            mailertable: Some(&self.mailertable),
            mailertable_problem: None,
            smart_host: Some("relay:[127.0.0.1]".into()),
            users: &self.users,
            forward_path: format!("{}/forward/$u", self.root()),
            host_name: "mail.lab.example".into(),
            checker: lab_checker(),
            default_user: crate::safefile::Identity::process(),
            mailers: default_mailers(),
            max_depth: 10,
        }
    }

    /// The lab's directory (`/tmp/smlab` in the recordings).
    pub(crate) fn root(&self) -> String {
        self.dir.path().to_str().unwrap().to_string()
    }
}

/// sendmail's mailers without a configuration.
pub(crate) fn default_mailers() -> crate::settings::Mailers {
    crate::settings::Mailers::from_config(&crate::config::Config::defaults())
}

/// The lab's checks: `DontBlameSendmail=TrustStickyBit` (the lab is under /tmp).
pub(crate) fn lab_checker() -> crate::safefile::Checker {
    use crate::safefile::{Checker, DontBlame, DontBlameSet};
    Checker::new(DontBlameSet::SAFE.with(DontBlame::TrustStickyBit))
}
