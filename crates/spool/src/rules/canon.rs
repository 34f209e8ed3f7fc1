//! Addresses made canonical: sendmail's rulesets 3 (`canonify`), 96 (`Canonify2`) and
//! `Parse0`, which every check starts with (`CanonAddr`) and which decide what is local.
//!
//! # What happens to an address
//! * Angle brackets: what is after the last `<` and before the next `>` counts.
//! * Without brackets, a leading `group:` is dropped; a trailing `;` too.
//! * A source route `@a,@b:user@d` is dropped: `user@d` counts.
//! * The domain is what follows the last `@`; without `@`, `host!user` is
//!   `user@host.UUCP` (`a.b!user` is `user@a.b`), and `user%host` is `user@host` (the
//!   last `%`).
//! * The domain: `localhost` (and `localhost.$m`, `localhost.UUCP`) and an address
//!   literal of this host become `$j`; a trailing dot, `$=w`, `$=M` and (with the
//!   virtusertable) `{VirtHost}` mark it canonical; otherwise it is looked up (`$[
//!   $]`) and a found name replaces it. With `FEATURE(nocanonify)` or the daemon's
//!   `C` flag nothing is looked up and a name with a dot counts as canonical.
//! * `Parse0` then refuses what cannot be an address (`Invalid route address`,
//!   `Hostname required`, `Colon illegal in host name part`, ...), dequotes a quoted
//!   local part of a local domain and starts again with a local part that still
//!   routes (`user%elsewhere@here`, `"user@elsewhere"@here`, `host!user@here`).
//!
//! # Errors
//! [`Fail::Lookup`]: a host name the caller must look up first; [`Fail::Error`]: the
//! error triple sendmail's rulesets return.

use super::facts::{ask, NeedLookup, Resolver};
use super::token::{dequote, has_routing, join, tokenize, Tok};
use super::Rules;
use crate::hosts::HostLookup;

/// An address in canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Canon {
    /// The local part.
    pub local: Vec<Tok>,
    /// The domain, if any.
    pub domain: Option<Domain>,
}

/// The domain of a canonical address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Domain {
    /// The name, without a trailing dot.
    pub name: String,
    /// sendmail's trailing dot: local, canonical, or marked so by a trailing dot.
    pub canonical: bool,
}

impl Canon {
    /// `local@domain` (or `local`), local part atoms joined with `BlankSub`.
    pub fn text(&self) -> String {
        let local = join(&self.local, ".");
        match &self.domain {
            Some(d) => format!("{local}@{}", d.name),
            None => local,
        }
    }

    /// The local part as one string.
    pub fn local_text(&self) -> String {
        join(&self.local, ".")
    }
}

/// The outcome of canonification before `Parse0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Canonified {
    /// The null address `<>`.
    Null,
    /// `group:;` list syntax.
    List,
    /// An address.
    Address(Canon),
}

/// Why an address was not made canonical.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fail {
    /// The caller must look this name up and ask again.
    Lookup(NeedLookup),
    /// `$#error $@ host $: text`.
    Error(Option<String>, String),
}

impl From<NeedLookup> for Fail {
    fn from(n: NeedLookup) -> Fail {
        Fail::Lookup(n)
    }
}

fn error(dsn: &str, text: &str) -> Fail {
    Fail::Error(Some(dsn.to_string()), text.to_string())
}

/// How host names are looked up while canonifying.
pub(crate) struct Lookups<'a> {
    pub resolver: &'a dyn Resolver,
    /// The daemon's `C` flag (`Modifiers=C`): no `$[ $]` lookups.
    pub no_canonify: bool,
}

impl Rules {
    /// sendmail's `CanonAddr`: `Parse0` of `canonify` of `raw`.
    pub(crate) fn canon_addr(&self, raw: &str, l: &Lookups) -> Result<Option<Canon>, Fail> {
        match self.canonify(tokenize(raw), l)? {
            Canonified::Null => Ok(None),
            Canonified::List => {
                Err(error("5.1.3", "553 List:; syntax illegal for recipient addresses"))
            }
            Canonified::Address(c) => self.parse0(c, l, 0).map(Some),
        }
    }

    /// Rulesets 3 and 96 on the tokens of one address.
    pub(crate) fn canonify(&self, toks: Vec<Tok>, l: &Lookups) -> Result<Canonified, NeedLookup> {
        let Some(toks) = focus(toks) else { return Ok(Canonified::List) };
        if toks.is_empty() {
            return Ok(Canonified::Null);
        }
        let toks = strip_route(toks);
        let (local, domain) = split_domain(toks);
        let domain = match domain {
            Some((d, uucp)) => Some(self.canonify_domain(d, uucp, l)?),
            None => None,
        };
        Ok(Canonified::Address(Canon { local, domain }))
    }

    /// Ruleset 96 for the domain tokens (`uucp`: `.UUCP` was added for a bang path).
    fn canonify_domain(
        &self,
        toks: Vec<Tok>,
        uucp: bool,
        l: &Lookups,
    ) -> Result<Domain, NeedLookup> {
        let dotted = toks.last().is_some_and(|t| t.is('.'));
        let text = join(&toks, ".");
        if toks.first().is_some_and(|t| t.is('[')) && !is_literal(&toks) {
            // `[1.2.3.4]x`, `[1.2.3.4].`: kept whole for Parse0's "Invalid address".
            return Ok(Domain { name: text, canonical: false });
        }
        let name = match text.trim_end_matches('.') {
            "" if !text.is_empty() => ".".to_string(),
            trimmed => trimmed.to_string(),
        };
        let lower = name.to_ascii_lowercase();
        let local = |n: &str| self.names.w.contains(n);
        if lower == "localhost"
            || lower == "localhost.uucp"
            || self.m.as_ref().is_some_and(|m| lower == format!("localhost.{m}"))
        {
            return Ok(Domain { name: self.j.clone(), canonical: true });
        }
        if is_literal(&toks) {
            let canonical = Domain { name: self.j.clone(), canonical: true };
            return Ok(if local(&name) { canonical } else { Domain { name, canonical: false } });
        }
        if uucp {
            return Ok(match self.lookup(&name[..name.len() - 5], l)? {
                Some(found) => Domain { name: found, canonical: true },
                None => Domain { name, canonical: true },
            });
        }
        let no_lookups = l.no_canonify || self.no_canonify;
        if dotted || (no_lookups && name.contains('.')) || self.virtual_domain(&name) {
            return Ok(Domain { name, canonical: true });
        }
        Ok(match self.lookup(&name, l)? {
            Some(found) => Domain { name: found, canonical: true },
            None => {
                let canonical = local(&name) || self.names.masquerade.contains(&name);
                Domain { name, canonical }
            }
        })
    }

    /// A `{VirtHost}` domain (or, with `virtuser_entire_domain`, a subdomain of
    /// one) is canonical when `FEATURE(virtusertable)` is on.
    fn virtual_domain(&self, name: &str) -> bool {
        let v = &self.names.virt_hosts;
        self.virtuser.is_some()
            && (v.contains(name)
                || (self.features.virtuser_entire_domain && v.contains_domain_or_parent(name)))
    }

    /// `$[ name $]`: the canonical name found, `None` when not found.
    fn lookup(&self, name: &str, l: &Lookups) -> Result<Option<String>, NeedLookup> {
        if l.no_canonify || self.no_canonify {
            return Ok(None);
        }
        Ok(match ask(l.resolver, name)? {
            HostLookup::Found(c) => Some(self.qualify(&c)),
            HostLookup::NotFound | HostLookup::TempFail => None,
        })
    }

    /// A found name without a dot gets `.$m`, as `getcanonname` qualifies it.
    pub(crate) fn qualify(&self, name: &str) -> String {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        match &self.m {
            Some(m) if !name.contains('.') => format!("{name}.{m}"),
            _ => name,
        }
    }
}

/// Brackets, group syntax and list syntax: the tokens that form the address, or
/// `None` for `list:;`.
fn focus(toks: Vec<Tok>) -> Option<Vec<Tok>> {
    if let Some(open) = toks.iter().rposition(|t| t.is('<')) {
        let rest = &toks[open + 1..];
        let close = rest.iter().position(|t| t.is('>')).unwrap_or(rest.len());
        let mut inner = rest[..close].to_vec();
        let n = inner.len();
        if n >= 3 && inner[n - 2].is(':') && inner[n - 1].is(';') {
            return None;
        }
        if inner.last().is_some_and(|t| t.is(';')) {
            inner.pop();
        }
        return Some(inner);
    }
    let mut toks = strip_group(toks);
    let had = !toks.is_empty();
    while toks.last().is_some_and(|t| t.is(';')) {
        toks.pop();
    }
    (!had || !toks.is_empty()).then_some(toks)
}

/// Without angle brackets, `group: rest` is `rest` (not for `@route:`, `::`,
/// `:include:` or an `[IPv6:...]` literal).
fn strip_group(mut toks: Vec<Tok>) -> Vec<Tok> {
    let group = toks.first().is_some_and(|t| !t.is('@'))
        && !join(&toks, "").to_ascii_lowercase().starts_with(":include:")
        && !toks.windows(2).any(|w| w[0].is(':') && w[1].is(':'))
        && !toks.windows(2).any(|w| {
            w[0].is('[') && matches!(&w[1], Tok::Atom(a) if a.eq_ignore_ascii_case("IPv6"))
        });
    match toks.iter().position(|t| t.is(':')) {
        Some(colon) if group => toks.split_off(colon + 1),
        _ => toks,
    }
}

/// `@a,@b:rest` is `rest`.
fn strip_route(mut toks: Vec<Tok>) -> Vec<Tok> {
    while toks.first().is_some_and(|t| t.is('@')) {
        let cut = match toks.iter().position(|t| t.is(',')) {
            Some(comma) => comma,
            None => match toks.iter().position(|t| t.is(':')) {
                Some(colon) => colon,
                None => return toks,
            },
        };
        if cut + 1 >= toks.len() {
            return toks;
        }
        toks = toks.split_off(cut + 1);
    }
    toks
}

/// The local part and the domain tokens (with whether `.UUCP` was added).
fn split_domain(toks: Vec<Tok>) -> (Vec<Tok>, Option<(Vec<Tok>, bool)>) {
    if let Some(at) = toks.iter().rposition(|t| t.is('@')) {
        return (toks[..at].to_vec(), Some((toks[at + 1..].to_vec(), false)));
    }
    if let Some(bang) = toks.iter().position(|t| t.is('!')).filter(|&b| b > 0 && b + 1 < toks.len())
    {
        let head = toks[..bang].to_vec();
        let local = toks[bang + 1..].to_vec();
        let dotted = head.len() >= 3 && head[head.len() - 2].is('.');
        if dotted {
            return (local, Some((head, false)));
        }
        let mut domain = head;
        domain.extend(tokenize(".UUCP"));
        return (local, Some((domain, true)));
    }
    if let Some(pct) = toks.iter().rposition(|t| t.is('%')) {
        return (toks[..pct].to_vec(), Some((toks[pct + 1..].to_vec(), false)));
    }
    (toks, None)
}

/// True for a domain that is exactly one address literal `[...]`.
fn is_literal(toks: &[Tok]) -> bool {
    toks.len() >= 2
        && toks[0].is('[')
        && toks.last().is_some_and(|t| t.is(']'))
        && !toks[1..toks.len() - 1].iter().any(|t| t.is('[') || t.is(']'))
}

impl Rules {
    /// `Parse0` on a canonified address; `depth` bounds its recursion.
    pub(crate) fn parse0(&self, c: Canon, l: &Lookups, depth: usize) -> Result<Canon, Fail> {
        check_syntax(&c)?;
        let local_domain =
            c.domain.as_ref().is_some_and(|d| d.canonical && self.names.w.contains(&d.name));
        if local_domain || c.domain.is_none() {
            let local = dequote(&c.local);
            if local.is_empty() {
                return Err(error("5.1.3", "553 User address required"));
            }
            if has_routing(&local) && depth < 10 {
                return match self.canonify(local, l)? {
                    Canonified::Address(inner) => self.parse0(inner, l, depth + 1),
                    _ => Err(error("5.1.3", "553 User address required")),
                };
            }
            let single = c.local.len() == 1;
            return Ok(Canon { local: if single { local } else { c.local }, domain: c.domain });
        }
        Ok(c)
    }
}

/// The refusals of `Parse0`, in its order.
fn check_syntax(c: &Canon) -> Result<(), Fail> {
    let Some(domain) = &c.domain else { return Ok(()) };
    if c.local.is_empty() {
        return Err(error("5.1.3", "553 User address required"));
    }
    let d = domain.name.as_str();
    if d.is_empty() {
        return Err(error("5.1.3", "553 Hostname required"));
    }
    if d.starts_with('[') && !d.ends_with(']') && !d.contains("]:") && !d.contains("],") {
        return Err(error("5.1.2", "553 Invalid address"));
    }
    if !d.starts_with('[') && d.contains(':') {
        return Err(error("5.1.3", "553 Colon illegal in host name part"));
    }
    if d.starts_with('.') || d.contains("..") {
        return Err(error("5.1.2", "553 Invalid host name"));
    }
    if c.local.iter().any(|t| t.is('@')) || d.contains(',') {
        return Err(error("5.1.3", "553 Invalid route address"));
    }
    let comma =
        c.local.windows(2).any(|w| w[0].is(',') && !matches!(w[1], Tok::Op('@' | '%' | '!')));
    if comma {
        return Err(error("5.1.3", "553 Invalid route address"));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
