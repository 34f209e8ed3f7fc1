//! The mailertable (`FEATURE(mailertable)`): per-domain routes that override MX.
//!
//! # Format
//! ```text
//! closed.example       smtp:[127.0.0.1]       (mailer smtp, host 127.0.0.1, no MX)
//! .closed.example      smtp:[127.0.0.1]       (every subdomain)
//! sink.example         relay:[127.0.0.1]
//! lab.example          local:postmaster       (local delivery, to that user)
//! other.example        local:                 (local delivery, same user)
//! nosuchhost.example   error:5.1.2:550 Host unknown
//! badhost              error:nohost mail to %0 is prohibited
//! .                    smtp:[smart.host]      (everything else)
//! ```
//! # Lookup order
//! The full domain, then `.parent` for each parent domain, then `.`. In the value,
//! `%0` is the key that matched and `%1` the part of the domain stripped for a
//! `.parent` match (so `%1%0` rebuilds the domain).
//!
//! # Errors
//! Only a failing map read ([`MapError`]).

use crate::access::{clean_text, split_dsn};
use crate::maps::{self, Map, MapError};
use crate::status::DeliveryStatus;

/// Where a mailertable entry sends mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Deliver with `mailer` to `host` (`[..]` kept: no MX lookup).
    Mailer {
        /// The mailer name (`smtp`, `esmtp`, `relay`, `smtp8`, `dsmtp`, ...).
        mailer: String,
        /// The host, as written after the colon.
        host: String,
    },
    /// Local delivery; `None` keeps the user of the address.
    Local(Option<String>),
    /// Refuse the address.
    Error {
        /// The enhanced status code or sendmail error name (`5.1.2`, `nohost`).
        status: String,
        /// The SMTP code, if given.
        code: Option<String>,
        /// The text, comments removed.
        text: String,
    },
}

impl Route {
    /// The status an `error:` route refuses with (`error:5.1.2:550 Host unknown` is
    /// `550 5.1.2 Host unknown`; see [`DeliveryStatus::error_mailer`]); `None` for
    /// other routes.
    pub fn delivery_status(&self) -> Option<DeliveryStatus> {
        let Route::Error { status, code, text } = self else { return None };
        let text = match code {
            Some(code) => format!("{code} {text}"),
            None => text.clone(),
        };
        Some(DeliveryStatus::error_mailer(Some(status), &text, None))
    }
}

/// Parses a mailertable value (after `%` substitution).
pub fn parse_value(value: &str) -> Route {
    let (mailer, host) = value.trim().split_once(':').unwrap_or((value.trim(), ""));
    match mailer.to_ascii_lowercase().as_str() {
        "local" => Route::Local((!host.is_empty()).then(|| host.to_string())),
        "error" => parse_error(host),
        m => Route::Mailer { mailer: m.to_string(), host: host.to_string() },
    }
}

fn parse_error(rest: &str) -> Route {
    let (dsn, after) = split_dsn(rest);
    let (status, after) = match dsn {
        Some(d) => (d, after),
        None => match rest.split_once(|c: char| c == ':' || c.is_whitespace()) {
            Some((s, t)) => (s.to_string(), t),
            None => (rest.to_string(), ""),
        },
    };
    let text = clean_text(after);
    match text.split_once(' ') {
        Some((c, t)) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_digit()) => {
            Route::Error { status, code: Some(c.to_string()), text: t.to_string() }
        }
        _ => Route::Error { status, code: None, text },
    }
}

/// Looks `domain` up with sendmail's walk and `%0`/`%1` substitution.
pub fn lookup(map: &dyn Map, domain: &str) -> Result<Option<Route>, MapError> {
    let domain = domain.to_ascii_lowercase();
    if let Some(v) = get(map, &domain)? {
        return Ok(Some(parse_value(&subst(&v, &domain, ""))));
    }
    let mut stripped = String::new();
    let mut rest = domain.as_str();
    while let Some((head, tail)) = rest.split_once('.') {
        if !stripped.is_empty() {
            stripped.push('.');
        }
        stripped.push_str(head);
        let key = format!(".{tail}");
        if tail.is_empty() {
            break;
        }
        if let Some(v) = get(map, &key)? {
            return Ok(Some(parse_value(&subst(&v, &key, &stripped))));
        }
        rest = tail;
    }
    Ok(get(map, ".")?.map(|v| parse_value(&subst(&v, ".", &domain))))
}

fn get(map: &dyn Map, key: &str) -> Result<Option<String>, MapError> {
    Ok(maps::lookup(map, key.as_bytes())?.map(|v| String::from_utf8_lossy(&v).into_owned()))
}

fn subst(value: &str, key: &str, stripped: &str) -> String {
    value.replace("%0", key).replace("%1", stripped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::text::TextMap;
    use crate::testutil::oracle_conf_dir;

    fn lab() -> TextMap {
        TextMap::open(&oracle_conf_dir().join("mailertable")).unwrap()
    }

    #[test]
    fn lab_routes() {
        let m = lab();
        let smtp = Route::Mailer { mailer: "smtp".into(), host: "[127.0.0.1]".into() };
        assert_eq!(lookup(&m, "closed.example").unwrap(), Some(smtp.clone()));
        assert_eq!(lookup(&m, "a.b.Closed.Example").unwrap(), Some(smtp));
        assert_eq!(
            lookup(&m, "sink.example").unwrap(),
            Some(Route::Mailer { mailer: "relay".into(), host: "[127.0.0.1]".into() })
        );
        assert_eq!(lookup(&m, "x.sink.example").unwrap(), None);
        assert_eq!(
            lookup(&m, "nosuchhost.example").unwrap(),
            Some(Route::Error {
                status: "5.1.2".into(),
                code: Some("550".into()),
                text: "Host unknown".into()
            })
        );
        let refusal = lookup(&m, "nosuchhost.example").unwrap().unwrap().delivery_status();
        assert_eq!(refusal.unwrap().line(), "550 5.1.2 Host unknown");
        assert_eq!(lookup(&m, "closed.example").unwrap().unwrap().delivery_status(), None);
    }

    #[test]
    fn debian_example_forms() {
        let m = TextMap::parse(
            b"badhost error:nohost mail to %0 is prohibited\n.baddomain error:nohost mail to %1%0 is prohibited\n. smtp:[smart.host]\nlab.example local:postmaster\no.example local:\n",
        );
        let text = |d| match lookup(&m, d).unwrap() {
            Some(Route::Error { text, .. }) => text,
            other => panic!("{other:?}"),
        };
        assert_eq!(text("badhost"), "mail to badhost is prohibited");
        assert_eq!(text("x.y.baddomain"), "mail to x.y.baddomain is prohibited");
        let named = lookup(&m, "badhost").unwrap().unwrap().delivery_status().unwrap();
        assert_eq!(named.line(), "553 5.3.0 mail to badhost is prohibited");
        assert_eq!(
            lookup(&m, "lab.example").unwrap(),
            Some(Route::Local(Some("postmaster".into())))
        );
        assert_eq!(lookup(&m, "o.example").unwrap(), Some(Route::Local(None)));
        assert_eq!(
            lookup(&m, "anything.org").unwrap(),
            Some(Route::Mailer { mailer: "smtp".into(), host: "[smart.host]".into() })
        );
    }
}
