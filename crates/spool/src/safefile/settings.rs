//! The checker and identities a configuration implies: `DontBlameSendmail`,
//! `TrustedUser`, `DefaultUser`.

use super::check::Checker;
use super::types::Identity;
use crate::settings::Delivery;
use nix::unistd::{Group, User};

impl Checker {
    /// The checker of an MTA with these settings: its `DontBlameSendmail` and its
    /// `TrustedUser` (a name or a uid; 0 when unknown, as sendmail).
    pub fn from_settings(delivery: &Delivery) -> Checker {
        let mut checker = Checker::new(delivery.dont_blame);
        checker.trusted_uid =
            delivery.trusted_user.as_deref().and_then(user_by_name_or_id).map_or(0, |u| u.uid);
        checker
    }
}

impl Identity {
    /// `DefaultUser` (`confDEF_USER_ID`, `user:group`, names or numbers): whom
    /// `:include:` files of aliases are checked for. When the user is unknown, sendmail's
    /// own choice: the first of `mailnull`, `sendmail`, `daemon` that exists and is not
    /// root, else uid 1, gid 1.
    pub fn default_user(delivery: &Delivery) -> Identity {
        let value = delivery.default_user.as_str();
        let (user, group) = value.split_once(':').unwrap_or((value, ""));
        let mut id = user_by_name_or_id(user).unwrap_or_else(fallback_default_user);
        if let Some(gid) = group_by_name_or_id(group) {
            id.gid = gid;
        }
        id
    }
}

fn user_by_name_or_id(text: &str) -> Option<Identity> {
    let text = text.trim();
    if let Ok(uid) = text.parse::<u32>() {
        let name = User::from_uid(uid.into()).ok().flatten();
        let gid = name.as_ref().map_or(uid, |u| u.gid.as_raw());
        return Some(Identity { uid, gid, user: name.map(|u| u.name) });
    }
    if text.is_empty() {
        return None;
    }
    Identity::user(text)
}

fn group_by_name_or_id(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    text.parse::<u32>()
        .ok()
        .or_else(|| Group::from_name(text).ok().flatten().map(|g| g.gid.as_raw()))
}

fn fallback_default_user() -> Identity {
    ["mailnull", "sendmail", "daemon"]
        .iter()
        .filter_map(|name| Identity::user(name))
        .find(|id| id.uid != 0)
        .unwrap_or(Identity { uid: 1, gid: 1, user: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::safefile::DontBlame;
    use std::path::Path;

    fn config(mc: &str) -> Delivery {
        Delivery::from_config(&Config::from_str(Path::new("t.mc"), mc).unwrap())
    }

    fn defaults() -> Delivery {
        Delivery::from_config(&Config::defaults())
    }

    #[test]
    fn dont_blame_and_trusted_user_come_from_the_mc() {
        let c = config("define(`confDONT_BLAME_SENDMAIL', `GroupWritableAliasFile')dnl\ndefine(`confTRUSTED_USER', `2')dnl\n");
        let checker = Checker::from_settings(&c);
        assert!(checker.dont_blame.contains(DontBlame::GroupWritableAliasFile));
        assert_eq!(checker.trusted_uid, 2);
        assert!(Checker::from_settings(&defaults()).dont_blame.is_safe());
        assert_eq!(Checker::from_settings(&defaults()).trusted_uid, 0);
        let bad =
            Config::from_str(Path::new("t.mc"), "define(`confDONT_BLAME_SENDMAIL', `Nope')dnl\n");
        assert!(bad
            .unwrap_err()
            .to_string()
            .contains("DontBlameSendmail option: Nope unrecognized"));
    }

    #[test]
    fn default_user_by_number_name_or_fallback() {
        let numeric = Identity::default_user(&config("define(`confDEF_USER_ID', `123:456')dnl\n"));
        assert_eq!((numeric.uid, numeric.gid), (123, 456));
        let root = Identity::default_user(&config("define(`confDEF_USER_ID', `root')dnl\n"));
        assert_eq!((root.uid, root.user.as_deref()), (0, Some("root")));
        let unknown =
            Identity::default_user(&config("define(`confDEF_USER_ID', `no-such-user-x')dnl\n"));
        assert_eq!(unknown, fallback_default_user());
        assert_ne!(unknown.uid, 0);
    }
}
