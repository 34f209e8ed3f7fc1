//! Local recipients: does this user or alias exist? (sendmail's `recipient()` in
//! verify-only mode, as at RCPT time with a non-interactive `DeliveryMode`.)
//!
//! # Lookups
//! For the local user `name+detail`: the aliases under `name+detail`, `name+*` and
//! `name` (ruleset 5 strips the detail step by step), then the passwd file under
//! `name` with quotes and `\` removed. A name with a `\` is not aliased. The first
//! hit decides; nothing found is `550 5.1.1 <addr>... User unknown`.
//!
//! A program, file or `:include:` named directly (not through an alias) is refused:
//! `550 5.7.1 <addr>... Cannot mail directly to programs`.
//!
//! # Errors
//! An alias map that cannot be read gives `451 4.3.0 Temporary system failure`.

use super::route::Target;
use super::Rules;
use crate::forward::UserDb;
use crate::maps::{self, MapError};
use crate::status::{strip_quotes, DeliveryStatus};

/// What a local name turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    /// An alias: the key that matched and its value.
    Alias(String, String),
    /// A user of the passwd file: the name as given (quotes kept) and the login.
    User(String, String),
}

impl Rules {
    /// The value of alias `key` in the first alias map that has it.
    pub(crate) fn alias(&self, key: &str) -> Result<Option<String>, MapError> {
        for map in &self.aliases {
            if let Some(v) = maps::lookup(map.as_ref(), key.as_bytes())? {
                return Ok(Some(String::from_utf8_lossy(&v).into_owned()));
            }
        }
        Ok(None)
    }

    /// Finds the local user `user` (lower case, as the local mailer has it); `None`
    /// when neither an alias nor a user has that name.
    pub(crate) fn find_local(&self, user: &str) -> Result<Option<Found>, MapError> {
        let quoted = user.contains('\\');
        let (base, detail) = match user.split_once('+') {
            Some((b, d)) => (b.to_string(), Some(d)),
            None => (user.to_string(), None),
        };
        if !quoted {
            let mut keys = vec![user.to_string()];
            if detail.is_some() {
                keys.push(format!("{base}+*"));
                keys.push(base.clone());
            }
            for key in keys {
                if let Some(value) = self.alias(&key)? {
                    return Ok(Some(Found::Alias(key, value)));
                }
            }
        }
        let login = strip_quotes(&base);
        let exists = self.users.user(&login).is_some()
            || self.users.user(&login.to_ascii_lowercase()).is_some();
        Ok(exists.then(|| Found::User(base, login.to_ascii_lowercase())))
    }

    /// The RCPT-time check of a target reached directly (not through an alias):
    /// local users must exist; programs, files and includes are refused.
    pub(crate) fn verify_target(&self, target: &Target, to: &str) -> Result<(), DeliveryStatus> {
        let refuse = |what: &str| {
            Err(DeliveryStatus::usrerr(
                Some("5.7.1"),
                &format!("550 Cannot mail directly to {what}"),
                Some(to),
            ))
        };
        match target {
            Target::Program(_) => refuse("programs"),
            Target::File(_) => refuse("files"),
            Target::Include(_) => refuse(":include:s"),
            Target::Remote { .. } => Ok(()),
            Target::Local(user) => match self.find_local(user) {
                Ok(Some(_)) => Ok(()),
                Ok(None) => {
                    Err(DeliveryStatus::usrerr(Some("5.1.1"), "550 User unknown", Some(to)))
                }
                Err(_) => Err(DeliveryStatus::tempfail()),
            },
        }
    }

    /// The full name of login `login` from the passwd file.
    pub(crate) fn full_name(&self, login: &str) -> Option<String> {
        self.users.full_name(login)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testlab::lab;
    use super::*;

    #[test]
    fn aliases_users_and_details() {
        let lab = lab();
        let r = &lab.rules;
        assert!(
            matches!(r.find_local("postmaster").unwrap(), Some(Found::Alias(k, v)) if k == "postmaster" && v == "root")
        );
        assert!(
            matches!(r.find_local("staff+x").unwrap(), Some(Found::Alias(k, _)) if k == "staff")
        );
        assert_eq!(
            r.find_local("root+tag").unwrap(),
            Some(Found::User("root".into(), "root".into()))
        );
        assert_eq!(
            r.find_local("\\root").unwrap(),
            Some(Found::User("\\root".into(), "root".into()))
        );
        assert_eq!(
            r.find_local("\"root\"").unwrap(),
            Some(Found::User("\"root\"".into(), "root".into()))
        );
        assert_eq!(r.find_local("nosuchuser+x").unwrap(), None);
        assert_eq!(r.find_local("blocked").unwrap(), None);
    }

    #[test]
    fn direct_programs_files_and_unknown_users() {
        let lab = lab();
        let r = &lab.rules;
        let line = |t: Target| r.verify_target(&t, "<x>").unwrap_err().line();
        assert_eq!(
            line(Target::Program("|cat".into())),
            "550 5.7.1 <x>... Cannot mail directly to programs"
        );
        assert_eq!(
            line(Target::File("/tmp/f".into())),
            "550 5.7.1 <x>... Cannot mail directly to files"
        );
        assert_eq!(
            line(Target::Include("/tmp/l".into())),
            "550 5.7.1 <x>... Cannot mail directly to :include:s"
        );
        assert_eq!(line(Target::Local("nosuchuser".into())), "550 5.1.1 <x>... User unknown");
        assert!(r.verify_target(&Target::Local("mailer-daemon+x".into()), "<x>").is_ok());
        assert_eq!(r.full_name("root").as_deref(), Some("root"));
    }
}
