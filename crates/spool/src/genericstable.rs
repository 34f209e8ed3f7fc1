//! The genericstable (`FEATURE(genericstable)`): outgoing sender rewriting.
//!
//! # Format
//! ```text
//! localuser        realuser@realdomain
//! user@host        realuser@realhost       (tried first)
//! ```
//! # Lookup order
//! `user@host` (when the address has a host), then `user`; keys in lower case.
//!
//! # Errors
//! Only a failing map read ([`MapError`]).

use crate::maps::{self, Map, MapError};

/// The rewritten address for `user[@host]`, if the table has one.
pub fn lookup(map: &dyn Map, user: &str, host: Option<&str>) -> Result<Option<String>, MapError> {
    let user = user.to_ascii_lowercase();
    let mut keys = Vec::new();
    if let Some(h) = host {
        keys.push(format!("{user}@{}", h.to_ascii_lowercase()));
    }
    keys.push(user);
    for key in keys {
        if let Some(v) = maps::lookup(map, key.as_bytes())? {
            return Ok(Some(String::from_utf8_lossy(&v).into_owned()));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::text::TextMap;

    #[test]
    fn full_address_wins_over_user() {
        let m = TextMap::parse(b"joe joe.smith@example.org\njoe@lab joe@lab.example.org\n");
        assert_eq!(lookup(&m, "Joe", None).unwrap().as_deref(), Some("joe.smith@example.org"));
        assert_eq!(lookup(&m, "joe", Some("LAB")).unwrap().as_deref(), Some("joe@lab.example.org"));
        assert_eq!(lookup(&m, "joe", Some("x")).unwrap().as_deref(), Some("joe.smith@example.org"));
        assert_eq!(lookup(&m, "ann", None).unwrap(), None);
    }
}
