//! The authinfo map (`FEATURE(authinfo)`): SMTP AUTH credentials per remote host.
//!
//! # Format
//! ```text
//! AuthInfo:smtp.example.org  "U:user" "I:authid" "P:secret" "M:PLAIN LOGIN" "R:realm"
//! AuthInfo:                  "U:fallback" "P=c2VjcmV0"     (P= : base64 password)
//! ```
//! Each item is a quoted `X:value` (or `P=base64`).
//!
//! # Lookup order
//! `AuthInfo:host`, then `AuthInfo:` of each parent domain, then the bare `AuthInfo:`
//! default; keys in lower case as makemap stores them.
//!
//! # Errors
//! A failing map read ([`crate::maps::MapError`]); a malformed value gives [`AuthInfoError`].

use crate::maps::{self, Map};

/// A malformed authinfo value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad authinfo value: {0}")]
pub struct AuthInfoError(pub String);

/// Credentials for one host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthInfo {
    /// The user (authorization) id (`U:`); sendmail uses the authentication id when
    /// it is missing.
    pub user: Option<String>,
    /// The authentication id (`I:`); sendmail uses the user id when it is missing.
    pub authid: Option<String>,
    /// The password (`P:` as written, `P=` decoded from base64).
    pub password: Option<Vec<u8>>,
    /// Allowed mechanisms (`M:`), in order.
    pub mechanisms: Vec<String>,
    /// Realm (`R:`).
    pub realm: Option<String>,
}

/// Parses a value such as `"U:user" "P:pass" "M:PLAIN"`.
pub fn parse_value(value: &str) -> Result<AuthInfo, AuthInfoError> {
    let mut info = AuthInfo::default();
    let mut rest = value.trim();
    while !rest.is_empty() {
        let (item, next) = match rest.strip_prefix('"') {
            Some(r) => r.split_once('"').ok_or_else(|| AuthInfoError(value.to_string()))?,
            None => rest.split_once(char::is_whitespace).unwrap_or((rest, "")),
        };
        apply(&mut info, item, value)?;
        rest = next.trim_start();
    }
    Ok(info)
}

fn apply(info: &mut AuthInfo, item: &str, value: &str) -> Result<(), AuthInfoError> {
    let bad = || AuthInfoError(value.to_string());
    let (tag, v) = (item.get(..2).ok_or_else(bad)?, &item[2..]);
    match tag {
        "U:" => info.user = Some(v.to_string()),
        "I:" => info.authid = Some(v.to_string()),
        "P:" => info.password = Some(v.as_bytes().to_vec()),
        "P=" => {
            info.password = Some(crate::base64::decode_unpadded(v.as_bytes()).map_err(|_| bad())?)
        }
        "M:" => info.mechanisms = v.split_whitespace().map(str::to_string).collect(),
        "R:" => info.realm = Some(v.to_string()),
        _ => return Err(bad()),
    }
    Ok(())
}

/// Finds the credentials for `host`.
///
/// # Errors
/// A map read error, or a malformed value.
pub fn lookup(map: &dyn Map, host: &str) -> Result<Option<AuthInfo>, Box<dyn std::error::Error>> {
    let host = host.to_ascii_lowercase();
    let mut keys = vec![host.clone()];
    let mut rest = host.as_str();
    while let Some((_, tail)) = rest.split_once('.') {
        if !tail.is_empty() {
            keys.push(tail.to_string());
        }
        rest = tail;
    }
    keys.push(String::new());
    for key in keys {
        let k = format!("authinfo:{key}");
        let found: Option<Vec<u8>> = maps::lookup(map, k.as_bytes()).map_err(Box::new)?;
        if let Some(v) = found {
            return Ok(Some(parse_value(&String::from_utf8_lossy(&v))?));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::text::TextMap;

    #[test]
    fn parses_items() {
        let a = parse_value(r#""U:user" "I:id" "P:pa ss" "M:PLAIN LOGIN" "R:realm""#).unwrap();
        assert_eq!(a.user.as_deref(), Some("user"));
        assert_eq!(a.password.as_deref(), Some(&b"pa ss"[..]));
        assert_eq!(a.mechanisms, ["PLAIN", "LOGIN"]);
        assert_eq!(parse_value(r#""P=c2VjcmV0""#).unwrap().password.unwrap(), b"secret");
        assert!(parse_value(r#""X:what""#).is_err());
        assert!(parse_value(r#""U:open"#).is_err());
    }

    #[test]
    fn host_then_parent_then_default() {
        let m = TextMap::parse(
            b"authinfo:smtp.example.org \"U:a\" \"P:1\"\nauthinfo:example.net \"U:b\" \"P:2\"\nauthinfo: \"U:c\" \"P:3\"\n",
        );
        let user = |h| lookup(&m, h).unwrap().unwrap().user.unwrap();
        assert_eq!(user("SMTP.example.org"), "a");
        assert_eq!(user("mx.example.net"), "b");
        assert_eq!(user("other.org"), "c");
    }
}
