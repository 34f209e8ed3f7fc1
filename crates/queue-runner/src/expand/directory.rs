//! Where recipients are looked up: the alias maps of `AliasFile`, class `w`, the
//! routing tables, the system's users, `ForwardPath`, the file-safety checks, all
//! opened by `spool::lookup::Maps` from the typed settings, as `-bv` and smtpd open
//! them.

use crate::route::Router;
use spool::classfile::Class;
use spool::forward::UserDb;
use spool::lookup::Maps;
use spool::maps::Map;
use spool::safefile::{Checker, Identity};
use spool::settings::Settings;

pub use spool::forward::SystemUsers;

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
    /// The directory of `settings` (maps that cannot be opened are left out).
    pub fn load(settings: &Settings) -> Directory {
        let maps = Maps::open(settings);
        let delivery = &settings.delivery;
        Directory {
            aliases: maps.aliases,
            local_names: maps.local_names,
            router: Router::from_settings(settings, maps.mailertable),
            users: maps.users,
            forward_path: delivery.forward_path.clone(),
            host: spool::host::canonical_name(&settings.names),
            checker: Checker::from_settings(delivery),
            default_user: Identity::default_user(delivery),
            max_depth: delivery.max_alias_recursion.max(1),
        }
    }
}
