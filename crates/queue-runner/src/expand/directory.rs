//! Where recipients are looked up: the alias maps of `AliasFile`, class `w`, the
//! routing tables, the system's users, `ForwardPath`, the file-safety checks.

use crate::route::Router;
use spool::aliases::AliasFile;
use spool::classfile::Class;
use spool::config::Config;
use spool::forward::{User, UserDb};
use spool::maps::{self, Map, MapType};
use spool::safefile::{Checker, Identity};

/// Local users, as the system's name service knows them.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemUsers;

impl UserDb for SystemUsers {
    fn user(&self, name: &str) -> Option<User> {
        let u = nix::unistd::User::from_name(name).ok().flatten()?;
        Some(User { name: u.name, home: u.dir, uid: u.uid.as_raw(), gid: u.gid.as_raw() })
    }
}

/// Everything recipients expand through.
pub struct Directory {
    /// The alias maps, in `AliasFile` order.
    pub aliases: Vec<Box<dyn Map>>,
    /// Class `w`.
    pub local_names: Class,
    /// The mailertable and smart host.
    pub router: Router,
    /// Local users.
    pub users: Box<dyn UserDb + Send + Sync>,
    /// `ForwardPath`.
    pub forward_path: String,
    /// `$j`, for `$w` in `ForwardPath` and qualified final recipients.
    pub host: String,
    /// File-safety checks (`DontBlameSendmail`).
    pub checker: Checker,
    /// `DefaultUser`.
    pub default_user: Identity,
    /// `MaxAliasRecursion`.
    pub max_depth: usize,
}

impl Directory {
    /// The directory of `config` (maps that cannot be opened are left out).
    pub fn load(config: &Config) -> Directory {
        let local_names = spool::host::local_names(config);
        let mut aliases: Vec<Box<dyn Map>> = Vec::new();
        for spec in config.alias_files() {
            let kind = match spec.explicit_type {
                true => MapType::from_name(&spec.map_type).unwrap_or(MapType::Hash),
                false if MapType::Hash.file_for(&spec.path).exists() => MapType::Hash,
                false => MapType::Text,
            };
            let map: Option<Box<dyn Map>> = match kind {
                MapType::Text => AliasFile::read(&spec.path, &|d| local_names.contains(d))
                    .ok()
                    .map(|a| Box::new(a) as Box<dyn Map>),
                _ => maps::open(kind, &spec.path).ok(),
            };
            aliases.extend(map);
        }
        Directory {
            aliases,
            local_names,
            router: Router::from_config(config),
            users: Box::new(SystemUsers),
            forward_path: config.option("ForwardPath").unwrap_or("$z/.forward").to_string(),
            host: spool::host::canonical_name(config),
            checker: Checker::from_config(config),
            default_user: Identity::default_user(config),
            max_depth: config.option_int("MaxAliasRecursion").unwrap_or(10).max(1) as usize,
        }
    }
}
