//! DNS blocklists: `FEATURE(dnsbl)` and `FEATURE(enhdnsbl)` as cf/feature/dnsbl.m4
//! and enhdnsbl.m4 of sendmail 8.17 build them, and their verdict on a client.
//!
//! # Arguments
//! ```text
//! FEATURE(`dnsbl', `zone', `message', `tempfail')
//! FEATURE(`enhdnsbl', `zone', `message', `tempfail', `match'[, `match'...])
//! ```
//! * `zone`: the list; the client `a.b.c.d` is looked up as `d.c.b.a.zone` (A).
//!   An empty zone (as the three lines of the sendmail tips have it) is an error of
//!   m4 (`missing argument`) that still builds a rule, whose lookup never happens:
//!   the feature loads and does nothing, with a warning.
//! * `message`: the reject text, a sendmail rule's right-hand side: quoted strings and
//!   macros (`$&{client_addr}`, `$&{client_name}`) run together, a space only between
//!   two bare words. Default: `"550 Rejected: " $&{client_addr} " listed at zone"`.
//!   `quarantine` and `discard` instead quarantine (not supported: logged, accepted)
//!   or discard the client's mail.
//! * `tempfail`: empty: a lookup that fails for now passes (sendmail's `TMPOK`); `t`:
//!   `451 4.4.3 Temporary lookup failure of <addr> at <zone>`; anything else: that
//!   message.
//! * `match` (enhdnsbl only): which answers count, sendmail patterns against the
//!   answer with a dot appended (`127.0.0.2.`, `127.0.0.$-.`); default `$+`, any.
//!
//! A listed client is refused with `5.7.1` and the message's own reply code (default
//! 550). Only IPv4 clients are looked up, as the features' rules match `$-.$-.$-.$-`.
//! An unbalanced quote in a message ends at the end of the text, with a warning.
//!
//! # Errors
//! Never: a bad argument is a warning ([`Blocklist::from_feature`]) and the list
//! still loads.

use crate::resolver::{Failure, Resolver};
use std::net::{IpAddr, Ipv4Addr};

/// Which feature a list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// `FEATURE(dnsbl)`: any answer lists.
    Dnsbl,
    /// `FEATURE(enhdnsbl)`: answers matching the patterns list.
    Enhanced,
}

/// What a listing does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Refuse with this message (rule text).
    Reject(String),
    /// Accept and discard the client's mail.
    Discard,
    /// Quarantine (sendmail's `$#error $@ quarantine`).
    Quarantine,
}

/// One configured blocklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocklist {
    /// The feature.
    pub flavour: Flavour,
    /// The zone, without a final dot (empty: never looked up).
    pub zone: String,
    /// What a listing does.
    pub action: Action,
    /// The message for a temporary failure; `None`: pass.
    pub tempfail: Option<String>,
    /// enhdnsbl's patterns; empty for dnsbl.
    pub patterns: Vec<String>,
}

/// A blocklist's verdict on a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The zone that listed the client (or failed).
    pub zone: String,
    /// The list's answer (`127.0.0.2`); `None` for a temporary failure.
    pub answer: Option<Ipv4Addr>,
    /// What to do.
    pub outcome: Outcome,
}

/// What a verdict asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Refuse: reply code, enhanced status, text.
    Reject {
        /// `554`.
        code: u16,
        /// `5.7.1`.
        status: String,
        /// The text after the status.
        text: String,
    },
    /// Discard the client's mail.
    Discard,
    /// Quarantine (not supported by ferrymail: the caller logs and accepts).
    Quarantine,
}

impl Blocklist {
    /// The list `FEATURE(name, args...)` configures, with warnings for bad arguments;
    /// `None` for a feature that is not a blocklist.
    pub fn from_feature(name: &str, args: &[String]) -> Option<(Blocklist, Vec<String>)> {
        let flavour = match name {
            "dnsbl" => Flavour::Dnsbl,
            "enhdnsbl" => Flavour::Enhanced,
            _ => return None,
        };
        let arg = |n: usize| args.get(n).map(String::as_str).unwrap_or("");
        let zone = arg(0).trim_end_matches('.').to_string();
        let mut warnings = Vec::new();
        if zone.is_empty() {
            warnings.push(format!(
                "missing argument for FEATURE(`{name}'): the list is never looked up"
            ));
        }
        let action = match arg(1) {
            "" => Action::Reject(format!(
                "\"550 Rejected: \" $&{{client_addr}} \" listed at {zone}\""
            )),
            "quarantine" => Action::Quarantine,
            "discard" => Action::Discard,
            text => Action::Reject(text.to_string()),
        };
        let tempfail = match arg(2) {
            "" => None,
            "t" => Some(format!(
                "\"451 Temporary lookup failure of \" $&{{client_addr}} \" at {zone}\""
            )),
            text => Some(text.to_string()),
        };
        let mut patterns = Vec::new();
        if flavour == Flavour::Enhanced {
            patterns.push(if arg(3).is_empty() { "$+".to_string() } else { arg(3).to_string() });
            patterns.extend(args.iter().skip(4).take(5).filter(|a| !a.is_empty()).cloned());
        }
        for text in [arg(1), arg(2)] {
            if text.matches('"').count() % 2 == 1 {
                warnings.push(format!("FEATURE(`{name}', `{zone}'): unbalanced '\"' in {text}"));
            }
        }
        Some((Blocklist { flavour, zone, action, tempfail, patterns }, warnings))
    }

    /// Whether `answer` lists the client.
    fn lists(&self, answer: Ipv4Addr) -> bool {
        let value = format!("{answer}.");
        self.flavour == Flavour::Dnsbl || self.patterns.iter().any(|p| pattern_matches(p, &value))
    }

    /// This list's verdict on `client` (`None`: pass); `client_name` for messages that
    /// name it.
    pub async fn check(
        &self,
        resolver: &Resolver,
        client: IpAddr,
        client_name: &str,
    ) -> Option<Verdict> {
        let IpAddr::V4(v4) = client.to_canonical() else { return None };
        if self.zone.is_empty() {
            return None;
        }
        let macros = |name: &str| match name {
            "client_addr" => Some(v4.to_string()),
            "client_name" => Some(client_name.to_string()),
            _ => None,
        };
        match resolver.dnsbl(v4, &self.zone).await {
            Ok(answer) if self.lists(answer) => {
                let outcome = match &self.action {
                    Action::Reject(message) => reject("5.7.1", &expand(message, macros)),
                    Action::Discard => Outcome::Discard,
                    Action::Quarantine => Outcome::Quarantine,
                };
                Some(Verdict { zone: self.zone.clone(), answer: Some(answer), outcome })
            }
            Ok(_) | Err(Failure::NotFound) => None,
            Err(Failure::TempFail) => {
                let message = self.tempfail.as_ref()?;
                let outcome = reject("4.4.3", &expand(message, macros));
                Some(Verdict { zone: self.zone.clone(), answer: None, outcome })
            }
        }
    }
}

/// The reply for `$#error $@ status $: text`: the text's own code, else 550 (451 for
/// a 4.x.x status); the text's own status after the code overrides `status`.
fn reject(status: &str, text: &str) -> Outcome {
    let (code, rest) = match text.get(..3).and_then(|c| c.parse::<u16>().ok()) {
        Some(code) if (400..600).contains(&code) && text[3..].starts_with([' ', '-']) => {
            (code, text[4..].to_string())
        }
        _ => (if status.starts_with('4') { 451 } else { 550 }, text.to_string()),
    };
    let own = rest.split(' ').next().filter(|w| {
        let parts: Vec<&str> = w.split('.').collect();
        parts.len() == 3
            && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    });
    match own {
        Some(dsn) => {
            let text = rest[dsn.len()..].trim_start().to_string();
            Outcome::Reject { code, status: dsn.to_string(), text }
        }
        None => Outcome::Reject { code, status: status.to_string(), text: rest },
    }
}

/// A piece of a rule's right-hand side.
enum Piece {
    Quoted(String),
    Word(String),
}

/// Expands a rule right-hand side into text (see the module documentation).
pub fn expand(text: &str, macros: impl Fn(&str) -> Option<String>) -> String {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = rest.trim_start();
        } else if let Some(quoted) = rest.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            pieces.push(Piece::Quoted(expand_macros(&quoted[..end], &macros)));
            rest = quoted.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(rest.len());
            pieces.push(Piece::Word(expand_macros(&rest[..end], &macros)));
            rest = &rest[end..];
        }
    }
    let mut out = String::new();
    let mut last_word = false;
    for piece in pieces {
        match piece {
            Piece::Quoted(s) => {
                out.push_str(&s);
                last_word = false;
            }
            Piece::Word(w) if w.is_empty() => {}
            Piece::Word(w) => {
                if last_word {
                    out.push(' ');
                }
                out.push_str(&w);
                last_word = true;
            }
        }
    }
    out
}

/// Replaces `$&{name}`, `${name}`, `$&x` and `$x` with the macros' values.
fn expand_macros(text: &str, macros: &impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = rest[at + 1..].strip_prefix('&').unwrap_or(&rest[at + 1..]);
        let (name, next) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}').unwrap_or(braced.len());
            (&braced[..end], braced.get(end + 1..).unwrap_or(""))
        } else {
            let len = after.chars().next().map_or(0, char::len_utf8);
            (&after[..len], &after[len..])
        };
        out.push_str(&macros(name).unwrap_or_default());
        rest = next;
    }
    out.push_str(rest);
    out
}

/// sendmail's left-hand-side match of `pattern` against `value`, token by token
/// (tokens: runs of characters other than `.`, and each `.`): `$-` one token, `$+`
/// one or more, `$*` zero or more; other tokens compare case-insensitively.
pub fn pattern_matches(pattern: &str, value: &str) -> bool {
    let p = tokens(pattern);
    let v = tokens(value);
    match_from(&p, &v)
}

fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '.' {
            if start < i {
                out.push(&s[start..i]);
            }
            out.push(".");
            start = i + 1;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn match_from(p: &[&str], v: &[&str]) -> bool {
    let Some((first, rest)) = p.split_first() else { return v.is_empty() };
    match *first {
        "$-" => !v.is_empty() && match_from(rest, &v[1..]),
        "$+" => (1..=v.len()).any(|n| match_from(rest, &v[n..])),
        "$*" => (0..=v.len()).any(|n| match_from(rest, &v[n..])),
        literal => {
            v.first().is_some_and(|t| t.eq_ignore_ascii_case(literal)) && match_from(rest, &v[1..])
        }
    }
}

#[cfg(test)]
mod tests;
