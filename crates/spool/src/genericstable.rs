//! The genericstable (`FEATURE(genericstable)`): outgoing sender rewriting.
//!
//! # Format
//! ```text
//! localuser        realuser@realdomain
//! user@host        realuser@realhost       (tried first)
//! @host            %1@realdomain           (any user at host; %1 is the user)
//! user+*           %1-list@realdomain      (any detail; %1 is the detail)
//! ```
//! # Lookup order
//! [`lookup`]: `user@host` (when the address has a host), then `user`; keys in lower
//! case. [`masq_lookup`]: the whole order of sendmail's ruleset `MasqHdr` for an
//! address whose domain is in class G (or is unqualified, `*LOCAL*`).
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

/// A map value with `%1` replaced by `arg`.
fn with_arg(value: Vec<u8>, arg: &str) -> String {
    String::from_utf8_lossy(&value).replace("%1", arg)
}

fn get(map: &dyn Map, key: &str, arg: &str) -> Result<Option<String>, MapError> {
    Ok(maps::lookup(map, key.to_ascii_lowercase().as_bytes())?.map(|v| with_arg(v, arg)))
}

/// The genericstable's answer for `user` at `domain` in the order of ruleset
/// `MasqHdr` (93): `user@domain`; with a `+detail`, `user+*@domain` (`%1` the detail)
/// and `user@domain` without it; `@domain` (`%1` the user) when `canonical` (the
/// domain is in class G, not `*LOCAL*`); `user`; `user+*`; `user` without the
/// detail. `domain` is `$j` for an unqualified address.
pub fn masq_lookup(
    map: &dyn Map,
    user: &str,
    domain: &str,
    canonical: bool,
) -> Result<Option<String>, MapError> {
    let detail = user.split_once('+');
    if let Some(v) = get(map, &format!("{user}@{domain}"), "")? {
        return Ok(Some(v));
    }
    if let Some((base, detail)) = detail {
        if let Some(v) = get(map, &format!("{base}+*@{domain}"), detail)? {
            return Ok(Some(v));
        }
        if let Some(v) = get(map, &format!("{base}@{domain}"), "")? {
            return Ok(Some(v));
        }
    }
    if canonical {
        if let Some(v) = get(map, &format!("@{domain}"), user)? {
            return Ok(Some(v));
        }
    }
    if let Some(v) = get(map, user, "")? {
        return Ok(Some(v));
    }
    match detail {
        Some((base, detail)) => match get(map, &format!("{base}+*"), detail)? {
            Some(v) => Ok(Some(v)),
            None => get(map, base, ""),
        },
        None => Ok(None),
    }
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

    #[test]
    fn masq_lookup_follows_ruleset_93() {
        let m = TextMap::parse(
            b"web1_user1 user1@domain.tld\nroot@mail.example admin@domain.tld\n@lists.example %1-owner@domain.tld\nann+* ann-%1@domain.tld\nbob bob@domain.tld\n",
        );
        let got = |u: &str, d: &str, c: bool| masq_lookup(&m, u, d, c).unwrap();
        assert_eq!(got("Web1_User1", "mail.example", true).as_deref(), Some("user1@domain.tld"));
        assert_eq!(got("root", "mail.example", true).as_deref(), Some("admin@domain.tld"));
        assert_eq!(got("x", "lists.example", true).as_deref(), Some("x-owner@domain.tld"));
        assert_eq!(got("x", "lists.example", false), None, "@domain only for class G");
        assert_eq!(got("ann+news", "h", false).as_deref(), Some("ann-news@domain.tld"));
        assert_eq!(got("bob+x", "h", false).as_deref(), Some("bob@domain.tld"));
        assert_eq!(got("carol", "h", true), None);
    }
}
