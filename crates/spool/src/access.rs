//! The access database (`FEATURE(access_db)`): per client, sender and recipient policy.
//!
//! # Format
//! ```text
//! Connect:127.0.0.3        REJECT
//! Connect:10.1             RELAY            (an IP prefix on an octet boundary)
//! From:spammer.example     REJECT           (that domain and every subdomain)
//! From:user@example.org    DISCARD
//! To:relayok.example       RELAY
//! From:tempfail.example    ERROR:4.7.1:451 Try again later
//! ```
//! The value is one of `OK`, `RELAY`, `REJECT`, `DISCARD`, `SKIP`,
//! `ERROR:[d.s.n:]code text` or a bare `code text`. Keys are looked up in lower case,
//! as makemap stores them.
//!
//! # Lookup order
//! sendmail's walk: for a host, the full name then each parent domain
//! (`a.b.example`, `b.example`, `example`); for an IP address, the address then each
//! shorter prefix (`10.1.2.3`, `10.1.2`, `10.1`, `10`); for an address, `user@domain`,
//! then the domain walk, then `user@`. Each key carries its tag (`connect:`, ...).
//!
//! # Errors
//! Only a failing map read is an error ([`MapError`]); an unknown value is
//! [`Action::Other`], never a panic.

use crate::maps::{self, Map, MapError};

/// The three tags of an access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// The connecting client (`Connect:`).
    Connect,
    /// The envelope sender (`From:`).
    From,
    /// The envelope recipient (`To:`).
    To,
}

impl Tag {
    /// The key prefix as makemap stores it (folded to lower case).
    pub fn prefix(self) -> &'static str {
        match self {
            Tag::Connect => "connect:",
            Tag::From => "from:",
            Tag::To => "to:",
        }
    }
}

/// What an access entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Accept (stop the other checks).
    Ok,
    /// Accept and allow relaying.
    Relay,
    /// Refuse with the default `550 5.7.1 Access denied`.
    Reject,
    /// Accept and throw the message away.
    Discard,
    /// Stop the walk as if nothing matched.
    Skip,
    /// Refuse with this reply.
    Error {
        /// The enhanced status code, if given.
        dsn: Option<String>,
        /// The SMTP reply code.
        code: String,
        /// The text, comments and blanks around `:` removed.
        text: String,
    },
    /// A value this reader does not know, kept as written.
    Other(String),
}

impl Action {
    /// The SMTP reply line sendmail sends for a refusal (`421 4.3.2 text`).
    pub fn reply(&self) -> Option<String> {
        match self {
            Action::Reject => Some("550 5.7.1 Access denied".into()),
            Action::Error { dsn: Some(d), code, text } => Some(format!("{code} {d} {text}")),
            Action::Error { dsn: None, code, text } => Some(format!("{code} {text}")),
            _ => None,
        }
    }
}

/// Parses an access value.
pub fn parse_value(value: &str) -> Action {
    let v = clean_text(value);
    match v.to_ascii_uppercase().as_str() {
        "OK" => return Action::Ok,
        "RELAY" => return Action::Relay,
        "REJECT" => return Action::Reject,
        "DISCARD" => return Action::Discard,
        "SKIP" => return Action::Skip,
        _ => {}
    }
    let rest = match v.get(..6) {
        Some(p) if p.eq_ignore_ascii_case("error:") => &v[6..],
        _ if v.starts_with(|c: char| c.is_ascii_digit()) => v.as_str(),
        _ => return Action::Other(value.to_string()),
    };
    let (dsn, rest) = split_dsn(rest);
    let (code, text) = rest.split_once(' ').unwrap_or((rest, ""));
    Action::Error { dsn, code: code.to_string(), text: text.to_string() }
}

/// Splits a leading `d.s.n:` off.
pub(crate) fn split_dsn(s: &str) -> (Option<String>, &str) {
    if let Some((d, rest)) = s.split_once(':') {
        let parts: Vec<&str> = d.split('.').collect();
        if parts.len() == 3
            && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return (Some(d.to_string()), rest);
        }
    }
    (None, s)
}

/// Removes RFC 822 comments and the blanks around `:`, as sendmail's tokenizer does.
pub fn clean_text(s: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            ':' => {
                let t = out.trim_end().len();
                out.truncate(t);
                out.push(':');
            }
            ' ' | '\t' if out.ends_with(':') => {}
            ' ' | '\t' if out.ends_with(' ') => {}
            '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out.trim().to_string()
}

/// The keys to try for a host name or IP address, most specific first.
pub fn host_keys(host: &str) -> Vec<String> {
    let h = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let is_ip = !h.is_empty() && h.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut keys = vec![h.clone()];
    let mut rest = h.as_str();
    if is_ip {
        while let Some((head, _)) = rest.rsplit_once('.') {
            keys.push(head.to_string());
            rest = head;
        }
    } else {
        while let Some((_, tail)) = rest.split_once('.') {
            if !tail.is_empty() {
                keys.push(tail.to_string());
            }
            rest = tail;
        }
    }
    keys
}

/// Looks a client host name or address up under `tag`, walking as sendmail does.
pub fn lookup_host(map: &dyn Map, tag: Tag, host: &str) -> Result<Option<Action>, MapError> {
    for key in host_keys(host) {
        if let Some(v) = get(map, tag, &key)? {
            return Ok(stop_on_skip(parse_value(&v)));
        }
    }
    Ok(None)
}

/// Looks an address (`user@domain` or `user`) up under `tag`: the whole address, the
/// domain walk, then `user@`.
pub fn lookup_address(map: &dyn Map, tag: Tag, addr: &str) -> Result<Option<Action>, MapError> {
    let addr = addr.trim_start_matches('<').trim_end_matches('>').to_ascii_lowercase();
    let (user, domain) = match addr.rsplit_once('@') {
        Some((u, d)) => (u.to_string(), Some(d.to_string())),
        None => (addr.clone(), None),
    };
    let mut keys = vec![addr.clone()];
    if let Some(d) = &domain {
        keys.extend(host_keys(d));
    }
    keys.push(format!("{user}@"));
    for key in keys {
        if let Some(v) = get(map, tag, &key)? {
            return Ok(stop_on_skip(parse_value(&v)));
        }
    }
    Ok(None)
}

fn stop_on_skip(a: Action) -> Option<Action> {
    (a != Action::Skip).then_some(a)
}

fn get(map: &dyn Map, tag: Tag, key: &str) -> Result<Option<String>, MapError> {
    let k = format!("{}{key}", tag.prefix());
    Ok(maps::lookup(map, k.as_bytes())?.map(|v| String::from_utf8_lossy(&v).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::maps::text::TextMap;
    use crate::testutil::oracle_conf_dir;

    fn lab_access() -> TextMap {
        let text = std::fs::read_to_string(oracle_conf_dir().join("access")).unwrap();
        let folded: String = text
            .lines()
            .map(|l| match l.split_once(char::is_whitespace) {
                Some((k, v)) if !l.starts_with('#') => format!("{} {v}\n", k.to_lowercase()),
                _ => format!("{l}\n"),
            })
            .collect();
        TextMap::parse(folded.as_bytes())
    }

    #[test]
    fn lab_connect_entries() {
        let m = lab_access();
        assert_eq!(lookup_host(&m, Tag::Connect, "127.0.0.1").unwrap(), Some(Action::Ok));
        assert_eq!(lookup_host(&m, Tag::Connect, "127.0.0.3").unwrap(), Some(Action::Reject));
        let e = lookup_host(&m, Tag::Connect, "[127.0.0.4]").unwrap().unwrap();
        assert_eq!(e.reply().unwrap(), "421 4.3.2 Connections from 127.0.0.4 are refused for now");
        assert_eq!(lookup_host(&m, Tag::Connect, "127.0.0.9").unwrap(), None);
    }

    #[test]
    fn lab_from_and_to_entries() {
        let m = lab_access();
        let a = lookup_address(&m, Tag::From, "x@Sub.Spammer.Example").unwrap();
        assert_eq!(a, Some(Action::Reject));
        let e = lookup_address(&m, Tag::From, "<a@tempfail.example>").unwrap().unwrap();
        assert_eq!(e.reply().unwrap(), "451 4.7.1 Sender domain tempfail.example:try again later");
        assert_eq!(
            lookup_address(&m, Tag::To, "u@x.relayok.example").unwrap(),
            Some(Action::Relay)
        );
        assert_eq!(
            lookup_address(&m, Tag::To, "blocked@lab.example").unwrap(),
            Some(Action::Reject)
        );
        assert_eq!(
            lookup_address(&m, Tag::From, "discardme.example").unwrap(),
            Some(Action::Discard)
        );
    }

    #[test]
    fn values_and_walks() {
        assert_eq!(parse_value("skip"), Action::Skip);
        assert_eq!(parse_value("550 Spam not accepted").reply().unwrap(), "550 Spam not accepted");
        assert_eq!(parse_value("frobnicate"), Action::Other("frobnicate".into()));
        assert_eq!(host_keys("10.1.2.3"), vec!["10.1.2.3", "10.1.2", "10.1", "10"]);
        assert_eq!(host_keys("a.b.example"), vec!["a.b.example", "b.example", "example"]);
        let m = TextMap::parse(b"from:spammer@ SKIP\nfrom:example REJECT\nfrom:me@ OK\n");
        assert_eq!(lookup_address(&m, Tag::From, "me@nowhere").unwrap(), Some(Action::Ok));
        assert_eq!(lookup_address(&m, Tag::From, "u@x.example").unwrap(), Some(Action::Reject));
    }
}
