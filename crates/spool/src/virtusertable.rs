//! The virtusertable (`FEATURE(virtusertable)`): virtual addresses to real ones.
//!
//! # Format
//! ```text
//! info@foo.com        foo-info
//! @baz.org            jane@elsewhere.net
//! @foo.org            %1@elsewhere.com         (%1: the user part)
//! user+*@foo.org      %1%3@other.example       (%2: the detail, %3: "+detail")
//! @bar.org            error:nouser User unknown
//! ```
//! # Lookup order
//! As sendmail's rulesets: `user+detail@domain`, `user+*@domain`, `user@domain`, then
//! `@domain`; keys in lower case. The value is returned with `%1`/`%2`/`%3` replaced.
//!
//! # Errors
//! Only a failing map read ([`MapError`]).

use crate::maps::{self, Map, MapError};

/// Looks `user[+detail]@domain` up; returns the substituted value.
pub fn lookup(map: &dyn Map, user: &str, domain: &str) -> Result<Option<String>, MapError> {
    let user = user.to_ascii_lowercase();
    let domain = domain.to_ascii_lowercase();
    let (base, detail) = match user.split_once('+') {
        Some((b, d)) => (b.to_string(), Some(d.to_string())),
        None => (user.clone(), None),
    };
    let mut keys = Vec::new();
    if let Some(d) = &detail {
        keys.push(format!("{base}+{d}@{domain}"));
        keys.push(format!("{base}+*@{domain}"));
    }
    keys.push(format!("{base}@{domain}"));
    keys.push(format!("@{domain}"));
    let detail = detail.unwrap_or_default();
    let plus = if detail.is_empty() { String::new() } else { format!("+{detail}") };
    for key in keys {
        if let Some(v) = maps::lookup(map, key.as_bytes())? {
            let v = String::from_utf8_lossy(&v);
            return Ok(Some(v.replace("%1", &base).replace("%2", &detail).replace("%3", &plus)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::text::TextMap;

    #[test]
    fn debian_example_entries() {
        let m = TextMap::parse(
            b"info@foo.com foo-info\n@baz.org jane@elsewhere.net\n@foo.org %1@elsewhere.com\n@bar.org error:nouser User unknown\nu+*@q.org %1%3@r.org\n",
        );
        assert_eq!(lookup(&m, "Info", "FOO.com").unwrap().as_deref(), Some("foo-info"));
        assert_eq!(lookup(&m, "x", "baz.org").unwrap().as_deref(), Some("jane@elsewhere.net"));
        assert_eq!(lookup(&m, "bob", "foo.org").unwrap().as_deref(), Some("bob@elsewhere.com"));
        assert_eq!(lookup(&m, "u+tag", "q.org").unwrap().as_deref(), Some("u+tag@r.org"));
        assert_eq!(
            lookup(&m, "a", "bar.org").unwrap().as_deref(),
            Some("error:nouser User unknown")
        );
        assert_eq!(lookup(&m, "a", "none.org").unwrap(), None);
    }
}
