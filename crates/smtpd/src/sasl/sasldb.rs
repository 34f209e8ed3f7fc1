//! # Name
//! sasldb - the Cyrus SASL user database, `/etc/sasldb2`
//!
//! # Format
//! A Berkeley DB hash file (what Debian's libsasl2-modules-db writes, the format
//! `spool::maps::hash` reads), one entry per user, realm and property:
//!
//! ```text
//! key:   user NUL realm NUL userPassword      (no trailing NUL)
//! value: the password, in the clear           (as saslpasswd2 stores it)
//! ```
//!
//! `saslpasswd2 -c -u REALM -f FILE USER` adds one; without `-u` the realm is the
//! machine's host name. Entries of other properties (`cmusaslsecretPLAIN` of SASL v1
//! conversions, SCRAM secrets) are not read: a user with no `userPassword` is not
//! found.
//!
//! The file is opened for every check, as Cyrus does, so users added while smtpd runs
//! count at once. The reads block: callers run [`user_password`] off the async
//! threads.
//!
//! # Errors
//! A missing, unreadable or corrupt file ([`MapError`], naming the file).

use spool::maps::hash::HashMap;
use spool::maps::{Map, MapError};
use std::path::Path;

/// The property holding the password in the clear.
const USER_PASSWORD: &[u8] = b"userPassword";

/// The stored password of `user` in `realm`, if the database has one.
///
/// # Errors
/// See the module documentation.
pub fn user_password(path: &Path, user: &[u8], realm: &[u8]) -> Result<Option<Vec<u8>>, MapError> {
    let db = HashMap::open(path)?;
    db.get(&key(user, realm))
}

/// The key of `user`'s password in `realm`.
fn key(user: &[u8], realm: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(user.len() + realm.len() + USER_PASSWORD.len() + 2);
    key.extend_from_slice(user);
    key.push(0);
    key.extend_from_slice(realm);
    key.push(0);
    key.extend_from_slice(USER_PASSWORD);
    key
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use spool::maps::{create, MapType, WriteOptions};

    /// Writes a sasldb2 at `path` with `(user, realm, password)` entries, in the layout
    /// saslpasswd2 writes (the integration tests use the real saslpasswd2).
    pub(crate) fn write(path: &Path, users: &[(&str, &str, &str)]) {
        let mut writer = create(MapType::Hash, path, WriteOptions::default()).unwrap();
        for (user, realm, password) in users {
            let k = key(user.as_bytes(), realm.as_bytes());
            writer.insert_stored(k, password.as_bytes().to_vec()).unwrap();
        }
        writer.commit().unwrap();
        std::fs::rename(MapType::Hash.file_for(path), path).unwrap();
    }

    #[test]
    fn keys_are_user_realm_property() {
        assert_eq!(key(b"alice", b"mail.example"), b"alice\0mail.example\0userPassword");
    }

    #[test]
    fn passwords_by_user_and_realm() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sasldb2");
        write(&path, &[("alice", "a.example", "s1"), ("alice", "b.example", "s2")]);
        assert_eq!(user_password(&path, b"alice", b"a.example").unwrap().unwrap(), b"s1");
        assert_eq!(user_password(&path, b"alice", b"b.example").unwrap().unwrap(), b"s2");
        assert_eq!(user_password(&path, b"Alice", b"a.example").unwrap(), None);
        assert_eq!(user_password(&path, b"bob", b"a.example").unwrap(), None);
    }

    #[test]
    fn a_missing_or_foreign_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("sasldb2");
        let err = user_password(&missing, b"alice", b"x").unwrap_err();
        assert!(err.to_string().contains("sasldb2"), "{err}");
        std::fs::write(&missing, vec![0x55u8; 8192]).unwrap();
        assert!(matches!(user_password(&missing, b"a", b"x"), Err(MapError::Corrupt { .. })));
    }
}
