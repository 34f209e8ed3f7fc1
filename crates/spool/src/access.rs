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
//! 127.0.0.9                OK               (no tag: matches for every tag)
//! ```
//! The value is one of `OK`, `RELAY`, `REJECT`, `DISCARD`, `SKIP`, `QUARANTINE:why`,
//! `ERROR:[d.s.n:]code text` or a bare `code text`. Keys are looked up in lower case,
//! as makemap stores them.
//!
//! # Lookups
//! [`Access`] does the lookups of sendmail's rulesets, each trying a key with its tag
//! and then, where the ruleset says `<+ Tag>`, without it ([`Access::domain`]: a host
//! name and each parent domain, or `[10.1.2.3]`, `[10.1.2]`, ...; [`Access::ip`]: an
//! address and each shorter prefix; [`Access::full`]: `user+detail@domain`,
//! `user+*@domain`, `user@domain`; [`Access::user`]: `user+detail@`, `user+*@`,
//! `user@`). With `FEATURE(access_db, ..., skip)` a `SKIP` value ends a domain or
//! address walk as if nothing matched.
//!
//! # Errors
//! Only a failing map read is an error ([`MapError`]); an unknown value is
//! [`Action::Other`], never a panic.

use crate::maps::{self, Map, MapError};

/// The tags of an access key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// The connecting client (`Connect:`).
    Connect,
    /// The envelope sender (`From:`).
    From,
    /// The envelope recipient (`To:`).
    To,
    /// A recipient's spam preference under `FEATURE(delay_checks, friend|hater)`.
    Spam,
    /// The pause before the greeting under `FEATURE(greet_pause)`, in milliseconds
    /// (`GreetPause:`).
    GreetPause,
    /// The most connections a client may make within `ConnectionRateWindowSize`
    /// under `FEATURE(ratecontrol)` (`ClientRate:`).
    ClientRate,
    /// The most connections a client may hold open under `FEATURE(conncontrol)`
    /// (`ClientConn:`).
    ClientConn,
}

impl Tag {
    /// The key prefix as makemap stores it (folded to lower case).
    pub fn prefix(self) -> &'static str {
        match self {
            Tag::Connect => "connect:",
            Tag::From => "from:",
            Tag::To => "to:",
            Tag::Spam => "spam:",
            Tag::GreetPause => "greetpause:",
            Tag::ClientRate => "clientrate:",
            Tag::ClientConn => "clientconn:",
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
    /// Accept and quarantine the message for this reason.
    Quarantine(String),
    /// Refuse with this reply.
    Error {
        /// The enhanced status code, if given.
        dsn: Option<String>,
        /// The SMTP reply code (or the first word of the text when there is none).
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
    if let Some(why) = strip_prefix_ci(&v, "quarantine:") {
        return Action::Quarantine(why.to_string());
    }
    let rest = match strip_prefix_ci(&v, "error:") {
        Some(rest) => rest,
        None if v.starts_with(|c: char| c.is_ascii_digit()) => v.as_str(),
        None => return Action::Other(value.to_string()),
    };
    let (dsn, rest) = split_dsn(rest);
    let (code, text) = rest.split_once(' ').unwrap_or((rest, ""));
    Action::Error { dsn, code: code.to_string(), text: text.to_string() }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    match s.get(..prefix.len()) {
        Some(p) if p.eq_ignore_ascii_case(prefix) => Some(&s[prefix.len()..]),
        _ => None,
    }
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

/// Characters next to which sendmail's tokenizer keeps no blank when it joins the
/// tokens again: its `OperatorChars` and the specials.
const GLUE: &str = ".:%@!^/[]+<>,;\"";

/// The text as sendmail's tokenizer leaves it: RFC 822 comments removed, runs of
/// blanks made one, and no blank next to an operator character (`.:%@!^/[]+`), a
/// special (`<>,;`) or a quoted string, whose inside is kept as it is.
pub fn clean_text(s: &str) -> String {
    let mut out = String::new();
    let (mut depth, mut quoted, mut blank) = (0usize, false, false);
    for c in s.chars() {
        if quoted {
            out.push(c);
            quoted = c != '"';
            continue;
        }
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            ' ' | '\t' => blank = true,
            _ => {
                let glued = GLUE.contains(c) || out.ends_with(|p| GLUE.contains(p));
                if blank && !glued && !out.is_empty() {
                    out.push(' ');
                }
                blank = false;
                quoted = c == '"';
                out.push(c);
            }
        }
    }
    out
}

/// The access map with the options that change its lookups.
pub struct Access<'a> {
    map: &'a dyn Map,
    skip: bool,
    dot_domains: bool,
}

impl<'a> Access<'a> {
    /// Lookups in `map`; `skip` for `FEATURE(access_db, ..., skip)`, `dot_domains` for
    /// `FEATURE(lookupdotdomain)` (a `.domain` key matches every subdomain).
    pub fn new(map: &'a dyn Map, skip: bool, dot_domains: bool) -> Access<'a> {
        Access { map, skip, dot_domains }
    }

    /// One key with its tag, then (with `bare`) without it.
    fn pair(&self, tag: Tag, bare: bool, key: &str) -> Result<Option<Action>, MapError> {
        let key = key.to_ascii_lowercase();
        if let Some(v) = get(self.map, &format!("{}{key}", tag.prefix()))? {
            return Ok(Some(v));
        }
        if bare {
            return get(self.map, &key);
        }
        Ok(None)
    }

    fn stops(&self, found: Option<Action>) -> Walk {
        match found {
            Some(Action::Skip) if self.skip => Walk::Stop(None),
            Some(a) => Walk::Stop(Some(a)),
            None => Walk::Next,
        }
    }

    /// sendmail's `LookUpDomain`: the name, then each parent domain; a bracketed
    /// address `[10.1.2.3]` walks `[10.1.2]`, `[10.1]`, `[10]`.
    pub fn domain(&self, tag: Tag, bare: bool, name: &str) -> Result<Option<Action>, MapError> {
        let mut name = name.to_string();
        loop {
            if let Walk::Stop(found) = self.stops(self.pair(tag, bare, &name)?) {
                return Ok(found);
            }
            if let Some((_, rest)) = name.split_once('.').filter(|_| self.dot_domains) {
                if let Walk::Stop(found) = self.stops(self.pair(tag, bare, &format!(".{rest}"))?) {
                    return Ok(found);
                }
            }
            let next = match name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
                Some(inner) => shorter_address(inner).map(|s| format!("[{s}]")),
                None => name.split_once('.').map(|(_, rest)| rest.to_string()),
            };
            match next {
                Some(n) if !n.is_empty() => name = n,
                _ => return Ok(None),
            }
        }
    }

    /// sendmail's `LookUpAddress`: the address (`10.1.2.3`, `IPv6:...`), then each
    /// shorter prefix.
    pub fn ip(&self, tag: Tag, bare: bool, address: &str) -> Result<Option<Action>, MapError> {
        let mut key = address.to_string();
        loop {
            if let Walk::Stop(found) = self.stops(self.pair(tag, bare, &key)?) {
                return Ok(found);
            }
            match shorter_address(&key) {
                Some(k) => key = k,
                None => return Ok(None),
            }
        }
    }

    /// sendmail's `LookUpExact`: exactly `key`, with its tag, then (with `bare`)
    /// without it.
    pub fn exact(&self, tag: Tag, bare: bool, key: &str) -> Result<Option<Action>, MapError> {
        self.pair(tag, bare, key)
    }

    /// sendmail's `LookUpFull`: `user+detail@domain`, `user+*@domain`, `user@domain`.
    pub fn full(&self, tag: Tag, bare: bool, address: &str) -> Result<Option<Action>, MapError> {
        self.with_details(tag, bare, address)
    }

    /// sendmail's `LookUpUser` for `user@` keys: `user+detail@`, `user+*@`, `user@`.
    pub fn user(&self, tag: Tag, bare: bool, user_at: &str) -> Result<Option<Action>, MapError> {
        self.with_details(tag, bare, user_at)
    }

    fn with_details(&self, tag: Tag, bare: bool, key: &str) -> Result<Option<Action>, MapError> {
        if let Some(found) = self.pair(tag, bare, key)? {
            return Ok(Some(found));
        }
        let Some((user, domain)) = key.rsplit_once('@') else { return Ok(None) };
        let Some((base, _)) = user.split_once('+') else { return Ok(None) };
        if let Some(found) = self.pair(tag, bare, &format!("{base}+*@{domain}"))? {
            return Ok(Some(found));
        }
        self.pair(tag, bare, &format!("{base}@{domain}"))
    }
}

enum Walk {
    Stop(Option<Action>),
    Next,
}

/// An address with its last component removed (`10.1.2` for `10.1.2.3`, `IPv6:1:2`
/// for `IPv6:1:2::3`), or `None` when nothing is left to remove.
fn shorter_address(address: &str) -> Option<String> {
    let cut = address.rfind(['.', ':'])?;
    let head = address[..cut].trim_end_matches(':');
    (!head.is_empty() && !head.eq_ignore_ascii_case("IPv6")).then(|| head.to_string())
}

fn get(map: &dyn Map, key: &str) -> Result<Option<Action>, MapError> {
    Ok(maps::lookup(map, key.as_bytes())?.map(|v| parse_value(&String::from_utf8_lossy(&v))))
}

/// The keys to try for a host name or IP address, most specific first.
pub fn host_keys(host: &str) -> Vec<String> {
    let h = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    let is_ip = !h.is_empty() && h.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let mut keys = vec![h.clone()];
    let mut rest = h.as_str();
    loop {
        let next = if is_ip {
            rest.rsplit_once('.').map(|(head, _)| head)
        } else {
            rest.split_once('.').map(|(_, tail)| tail)
        };
        match next.filter(|n| !n.is_empty()) {
            Some(n) => {
                keys.push(n.to_string());
                rest = n;
            }
            None => return keys,
        }
    }
}

/// Looks a client host name or address up under `tag` (tagged keys only), walking as
/// sendmail does; `SKIP` ends the walk.
pub fn lookup_host(map: &dyn Map, tag: Tag, host: &str) -> Result<Option<Action>, MapError> {
    let access = Access::new(map, true, false);
    let h = host.trim_start_matches('[').trim_end_matches(']');
    if h.parse::<std::net::IpAddr>().is_ok() {
        access.ip(tag, false, h)
    } else {
        access.domain(tag, false, h)
    }
}

/// Looks an address (`user@domain` or `user`) up under `tag` (tagged keys only) in
/// sendmail's `check_mail` order: the whole address, `user@`, then the domain walk.
pub fn lookup_address(map: &dyn Map, tag: Tag, addr: &str) -> Result<Option<Action>, MapError> {
    let access = Access::new(map, true, false);
    let addr = addr.trim_start_matches('<').trim_end_matches('>');
    let (user, domain) = addr.rsplit_once('@').unwrap_or((addr, ""));
    if !domain.is_empty() {
        if let Some(found) = access.full(tag, false, addr)? {
            return Ok(Some(found));
        }
    }
    if let Some(found) = access.user(tag, false, &format!("{user}@"))? {
        return Ok(Some(found));
    }
    if domain.is_empty() {
        return Ok(None);
    }
    access.domain(tag, false, domain)
}

#[cfg(test)]
mod tests;
