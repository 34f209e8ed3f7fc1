//! Mail addresses as sendmail reads them: RFC 5321 paths and RFC 5322 addresses.
//!
//! # Synopsis
//! [`parse`] turns one address (`root`, `<alice@example.org>`, `Alice <a@b> (c)`,
//! `<@relay1,@relay2:alice@example.org>`, `"a b"@host`) into an [`Address`]: the route,
//! the local part and the domain. [`split_list`] cuts a recipient list (an alias value,
//! a command line) into addresses, and [`scan_to`] finds where an address ends before a
//! delimiter, honouring quotes, comments and angle brackets as sendmail's `prescan` does.
//! [`path`] scans the argument of SMTP's `MAIL FROM:` and `RCPT TO:` by the same rules.
//!
//! # Rules
//! * Comments `(...)` are dropped; a quoted string keeps its quotes; `\x` quotes `x`.
//! * With angle brackets, only the part inside the first `<...>` counts (`<<a@b>>` is
//!   `a@b`); what is outside is a display name.
//! * Blanks between two words of a local part become the BlankSub character `.`
//!   (`bad addr` is `bad.addr`), as sendmail does with `BlankSub=.`.
//! * An unbalanced `<`, `>`, `"`, `(` or `)` is reported and repaired (the missing
//!   closer is added, a stray closer dropped), and parsing goes on, as in sendmail.
//!   The reports come from one scan (`balance`) in sendmail's order; over SMTP the
//!   first is an error instead ([`path::parse_path`]).
//!
//! # Errors
//! [`AddrError`] carries sendmail's own texts (`Unbalanced '<'`, `Hostname required`,
//! `Invalid route address`, `User address required`), the sysexits code sendmail
//! sets for each ([`AddrError::exit_code`]) and the enhanced status code of its SMTP
//! reply ([`AddrError::enhanced_code`]). Parsing never panics on any input.

use crate::status::EnhancedCode;
use crate::sysexits;
use lex::{tokenize, Tok};

mod balance;
mod lex;
pub mod path;

/// What is wrong with an address, worded as sendmail words it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddrError {
    /// An opening `<`, `"` or `(` without its closer.
    #[error("Unbalanced '{0}'")]
    Unbalanced(char),
    /// `user@` with nothing after the `@`.
    #[error("Hostname required")]
    HostnameRequired,
    /// More than one `@` outside a route, or a comma outside a route.
    #[error("Invalid route address")]
    InvalidRoute,
    /// `@host` (or a route) with no local part.
    #[error("User address required")]
    UserAddressRequired,
    /// The null path `<>` given as a recipient (sendmail's `check_rcpt` refusal).
    #[error("User address required")]
    NullRecipient,
}

impl AddrError {
    /// True for the errors sendmail repairs and goes on with (unbalanced brackets).
    pub fn is_repaired(&self) -> bool {
        matches!(self, AddrError::Unbalanced(_))
    }

    /// The sysexits code sendmail sets for this error (all are usage errors).
    pub fn exit_code(&self) -> i32 {
        sysexits::EX_USAGE
    }

    /// The enhanced status code of sendmail's `553` reply: `5.0.0` for brackets and
    /// the null recipient, `5.1.3` (bad destination syntax) for the rest.
    pub fn enhanced_code(&self) -> EnhancedCode {
        let (subject, detail) = match self {
            AddrError::Unbalanced(_) | AddrError::NullRecipient => (0, 0),
            _ => (1, 3),
        };
        EnhancedCode::new(5, subject, detail).expect("5.0.0 and 5.1.3 are codes")
    }
}

/// One parsed address.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Source route hosts (`@relay1,@relay2:`), without the `@`.
    pub route: Vec<String>,
    /// The local part, quotes kept, blanks between words replaced by `.`.
    pub local: String,
    /// The domain after the last `@`, if any.
    pub domain: Option<String>,
}

impl Address {
    /// True for the null path `<>`.
    pub fn is_null(&self) -> bool {
        self.local.is_empty() && self.domain.is_none() && self.route.is_empty()
    }

    /// True for `user%host` (the percent hack) in the local part.
    pub fn is_percent_hack(&self) -> bool {
        self.local.contains('%') && !self.local.starts_with('"')
    }

    /// True for a UUCP bang path `host!user` in the local part.
    pub fn is_bang_path(&self) -> bool {
        self.local.contains('!') && !self.local.starts_with('"')
    }

    /// True when a source route (`@relay:`) is present.
    pub fn has_route(&self) -> bool {
        !self.route.is_empty()
    }

    /// The local part without surrounding quotes and without `\` escapes.
    pub fn local_unquoted(&self) -> String {
        unquote(&self.local)
    }

    /// `local@domain` (or just `local`), without the route.
    pub fn to_addr_spec(&self) -> String {
        match &self.domain {
            Some(d) => format!("{}@{}", self.local, d),
            None => self.local.clone(),
        }
    }
}

/// The outcome of [`parse`]: the address and the repaired errors met on the way.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parsed {
    /// The address.
    pub address: Address,
    /// Errors sendmail reports but repairs (unbalanced brackets), in order.
    pub repaired: Vec<AddrError>,
}

/// Keeps only the part inside the first `<...>` (recursively), dropping stray brackets.
fn strip_angles(toks: Vec<Tok>) -> Vec<Tok> {
    let Some(open) = toks.iter().position(|t| *t == Tok::Special('<')) else {
        return toks.into_iter().filter(|t| *t != Tok::Special('>')).collect();
    };
    let mut depth = 0usize;
    let mut close = None;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t {
            Tok::Special('<') => depth += 1,
            Tok::Special('>') => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let inner = match close {
        Some(c) => toks[open + 1..c].to_vec(),
        None => toks[open + 1..].to_vec(),
    };
    if inner.contains(&Tok::Special('<')) {
        return strip_angles(inner);
    }
    inner
}

/// Joins tokens into text; a blank between two words becomes the BlankSub `.`.
fn join(toks: &[Tok]) -> String {
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        match t {
            Tok::Word(s) | Tok::Quoted(s) | Tok::Literal(s) => out.push_str(s),
            Tok::Special(c) => out.push(*c),
            Tok::Blank => {
                let word = |t: Option<&Tok>| matches!(t, Some(Tok::Word(_) | Tok::Quoted(_)));
                if i > 0 && word(toks.get(i - 1)) && word(toks.get(i + 1)) {
                    out.push('.');
                }
            }
        }
    }
    out
}

/// Splits a leading source route `@a,@b:` off the tokens.
fn split_route(toks: &[Tok]) -> Result<(Vec<String>, &[Tok]), AddrError> {
    if toks.first() != Some(&Tok::Special('@')) {
        return Ok((Vec::new(), toks));
    }
    let Some(colon) = toks.iter().position(|t| *t == Tok::Special(':')) else {
        return Err(AddrError::UserAddressRequired);
    };
    let route = toks[..colon]
        .split(|t| *t == Tok::Special(','))
        .map(|hop| join(hop).trim_start_matches('@').to_string())
        .collect();
    Ok((route, &toks[colon + 1..]))
}

/// Parses one address; see the module documentation for the rules.
///
/// # Errors
/// The first error sendmail does not repair; repaired ones are in [`Parsed::repaired`].
pub fn parse(input: &str) -> Result<Parsed, AddrError> {
    let repaired = balance::errors(input);
    let toks = strip_angles(tokenize(input));
    let (route, rest) = split_route(&toks)?;
    let rest: Vec<Tok> = rest.to_vec();
    if rest.contains(&Tok::Special(',')) {
        return Err(AddrError::InvalidRoute);
    }
    let ats: Vec<usize> = (0..rest.len()).filter(|&i| rest[i] == Tok::Special('@')).collect();
    let address = match ats.as_slice() {
        [] => Address { route, local: join(&rest), domain: None },
        [at] => {
            let local = join(&rest[..*at]);
            let domain: String = join(&rest[at + 1..]).chars().filter(|c| *c != ' ').collect();
            if domain.is_empty() {
                return Err(AddrError::HostnameRequired);
            }
            if local.is_empty() {
                return Err(AddrError::UserAddressRequired);
            }
            Address { route, local, domain: Some(domain) }
        }
        _ => return Err(AddrError::InvalidRoute),
    };
    if !route_ok(&address) {
        return Err(AddrError::UserAddressRequired);
    }
    Ok(Parsed { address, repaired })
}

/// A route needs something after it.
fn route_ok(a: &Address) -> bool {
    a.route.is_empty() || !a.local.is_empty()
}

/// Byte length of the address at the start of `input` up to an unprotected `delim`
/// (outside quotes, comments and angle brackets), or the whole input if none.
pub fn scan_to(input: &str, delim: char) -> usize {
    let (mut quoted, mut paren, mut angle, mut escaped) = (false, 0usize, 0usize, false);
    for (i, c) in input.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if paren == 0 => quoted = !quoted,
            '(' if !quoted => paren += 1,
            ')' if !quoted && paren > 0 => paren -= 1,
            '<' if !quoted && paren == 0 => angle += 1,
            '>' if !quoted && paren == 0 && angle > 0 => angle -= 1,
            _ if c == delim && !quoted && paren == 0 && angle == 0 => return i,
            _ => {}
        }
    }
    input.len()
}

/// Splits a recipient list into addresses as sendmail's `sendtolist` does: at commas
/// outside quotes, comments and brackets, or at blanks when the list has no comma.
/// Empty items are dropped.
pub fn split_list(list: &str) -> Vec<String> {
    let delim = if has_unprotected(list, ',') { ',' } else { ' ' };
    let normalized: String;
    let list = if delim == ' ' {
        normalized = list.replace(['\t', '\r', '\n'], " ");
        normalized.as_str()
    } else {
        list
    };
    let mut out = Vec::new();
    let mut rest = list;
    loop {
        let n = scan_to(rest, delim);
        let item = rest[..n].trim();
        if !item.is_empty() {
            out.push(item.to_string());
        }
        if n >= rest.len() {
            break;
        }
        rest = &rest[n + delim.len_utf8()..];
    }
    out
}

/// True when `c` occurs in `s` outside quotes, comments and angle brackets.
fn has_unprotected(s: &str, c: char) -> bool {
    let mut rest = s;
    while !rest.is_empty() {
        let n = scan_to(rest, c);
        if n < rest.len() {
            return true;
        }
        rest = "";
    }
    false
}

/// Removes surrounding double quotes and `\` escapes from a local part.
pub fn unquote(s: &str) -> String {
    let mut out = String::new();
    let mut escaped = false;
    for c in s.chars() {
        if escaped {
            out.push(c);
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c != '"' {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
