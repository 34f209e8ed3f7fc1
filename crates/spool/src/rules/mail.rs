//! The sender: `setsender` (parse, `$f`) and `check_mail`.
//!
//! # Parsing
//! The address is parsed as any address (`Parse0` errors, a mailertable `error:`
//! route); a program, file or `:include:` sender is `553 5.1.7 Invalid sender
//! address`. `$f` is the address after `canonify` and `final` (no angle brackets, no
//! source route, the canonical domain without its trailing dot).
//!
//! # check_mail (in this order)
//! 1. `<>` is always fine.
//! 2. Unless `FEATURE(accept_unqualified_senders)`: `user@localhost`,
//!    `user@[127.0.0.1]` and the like from a client that is not one of our names:
//!    `553 5.5.4 Real domain name required for sender address`.
//! 3. The domain must resolve (its canonical name, or `$j`, or a name ending in a
//!    dot), unless `FEATURE(accept_unresolvable_domains)`: otherwise `553 5.1.8 ...
//!    Domain of sender address x does not exist`, or `451 4.1.8 ... does not resolve`
//!    when the lookup failed for now.
//! 4. The access map under `From:` (`user@domain`, `user@`, the domain walk), each
//!    tagged then bare; a value found replaces the result of 3.
//! 5. An address without a domain from a network client: `553 5.5.4 Domain name
//!    required for sender address x` (unless `Modifiers=u` or the feature above).

use super::canon::{Canonified, Fail, Lookups};
use super::facts::{ask, Client, NeedLookup};
use super::route::Target;
use super::token::{join, tokenize, Tok};
use super::verdict::Check;
use super::Rules;
use crate::access::{Action, Tag};
use crate::hosts::HostLookup;
use crate::maps::MapError;
use crate::status::DeliveryStatus;

/// The mark `check_mail` gives a sender's domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// No domain.
    Unqualified,
    /// `OKR`: the domain is fine.
    Resolves,
    /// `PERM`: it does not exist.
    Missing,
    /// `TEMP`: the lookup failed for now.
    TempFail,
}

/// The names a sender is `@localhost` under.
const LOCALHOSTS: [&str; 4] = ["localhost", "[127.0.0.1]", "[ipv6:0:0:0:0:0:0:0:1]", "[ipv6:::1]"];

impl Rules {
    /// `setsender`: `$f` of `raw`, or the reply refusing it.
    pub(crate) fn sender(
        &self,
        raw: &str,
        l: &Lookups,
    ) -> Result<Result<String, DeliveryStatus>, NeedLookup> {
        let refuse = |host: Option<String>, text: String| {
            Ok(Err(DeliveryStatus::error_mailer(host.as_deref(), &text, Some(raw))))
        };
        match self.parse_address(raw, l) {
            Err(Fail::Lookup(n)) => return Err(n),
            Err(Fail::Error(host, text)) => return refuse(host, text),
            Ok(Some(Target::Program(_) | Target::File(_) | Target::Include(_))) => {
                return Ok(Err(DeliveryStatus::usrerr(
                    Some("5.1.7"),
                    "553 Invalid sender address",
                    Some(raw),
                )));
            }
            Ok(_) => {}
        }
        Ok(Ok(match self.canonify(tokenize(raw), l)? {
            Canonified::Address(c) => {
                final_text(&join(&unescaped(&c.local), "."), c.domain.map(|d| d.name))
            }
            _ => "<>".to_string(),
        }))
    }

    /// `Basic_check_mail` for the sender `raw` whose `$f` is `f`; replies are about
    /// `to` (the sender at MAIL, the recipient when `delay_checks` runs it at RCPT).
    pub(crate) fn check_mail(
        &self,
        client: &Client,
        raw: &str,
        f: &str,
        to: &str,
        l: &Lookups,
    ) -> Result<Check, NeedLookup> {
        let bare = raw.trim().trim_start_matches('<').trim_end_matches('>');
        if bare.is_empty() || bare == "<>" {
            return Ok(Check::Pass);
        }
        let to = Some(to);
        if !self.features.accept_unqualified_senders {
            if let Some(refused) = self.localhost_sender(client, bare, to) {
                return Ok(refused);
            }
        }
        let canon = match self.canon_addr(raw, l) {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(Check::Pass),
            Err(Fail::Lookup(n)) => return Err(n),
            Err(Fail::Error(host, text)) => {
                return Ok(Check::Error(DeliveryStatus::error_mailer(host.as_deref(), &text, to)))
            }
        };
        let domain = canon.domain.as_ref().map(|d| d.name.clone());
        let mark = match &domain {
            None => Mark::Unqualified,
            Some(d) => self.mark(d, l)?,
        };
        let found = self.sender_entry(&canon.local_text(), domain.as_deref());
        Ok(match found {
            Err(_) => Check::Error(DeliveryStatus::tempfail()),
            Ok(Some(action)) => self.sender_action(&action, to),
            Ok(None) => self.marked(mark, client, f, to),
        })
    }

    /// Rule 2: `@localhost` senders from clients that are not ours.
    fn localhost_sender(&self, client: &Client, bare: &str, to: Option<&str>) -> Option<Check> {
        let (_, domain) = bare.rsplit_once('@')?;
        let d = domain.to_ascii_lowercase();
        let local = LOCALHOSTS.contains(&d.as_str())
            || d == "localhost.uucp"
            || self.m.as_ref().is_some_and(|m| d == format!("localhost.{m}"));
        let forced = client.has_flag('f') && !domain.contains(['.', '[']);
        let checked = (local && !client.has_flag('u')) || forced;
        if checked && !self.names.w.contains(&client.name_macro()) {
            let text = "553 Real domain name required for sender address";
            return Some(Check::Error(DeliveryStatus::usrerr(Some("5.5.4"), text, to)));
        }
        None
    }

    /// Rule 3: does the sender's domain resolve?
    fn mark(&self, domain: &str, l: &Lookups) -> Result<Mark, NeedLookup> {
        if domain.eq_ignore_ascii_case(&self.j) || self.features.accept_unresolvable_domains {
            return Ok(Mark::Resolves);
        }
        Ok(match ask(l.resolver, domain)? {
            HostLookup::Found(_) => Mark::Resolves,
            HostLookup::NotFound => Mark::Missing,
            HostLookup::TempFail => Mark::TempFail,
        })
    }

    /// Rule 4: `From:` entries for `local@domain`, `local@`, then the domain.
    fn sender_entry(&self, local: &str, domain: Option<&str>) -> Result<Option<Action>, MapError> {
        let Some(access) = self.access_db() else { return Ok(None) };
        if let Some(d) = domain {
            if let Some(found) = access.full(Tag::From, true, &format!("{local}@{d}"))? {
                return Ok(Some(found));
            }
        }
        if let Some(found) = access.user(Tag::From, true, &format!("{local}@"))? {
            return Ok(Some(found));
        }
        match domain {
            Some(d) => access.domain(Tag::From, true, d),
            None => Ok(None),
        }
    }

    fn sender_action(&self, action: &Action, to: Option<&str>) -> Check {
        match action {
            Action::Ok | Action::Relay => Check::Accept,
            Action::Reject => Check::Error(self.reject(to)),
            other => super::relay::refusal(other, to),
        }
    }

    /// Rules 3 and 5: the reply for the domain's mark.
    fn marked(&self, mark: Mark, client: &Client, f: &str, to: Option<&str>) -> Check {
        // The ruleset's `$#error` text, `$&f` in it: buildaddr strips every quote.
        let error = |dsn: &str, text: String| {
            Check::Error(DeliveryStatus::error_mailer(Some(dsn), &text, to))
        };
        match mark {
            Mark::Resolves => Check::Pass,
            Mark::Missing => {
                error("5.1.8", format!("553 Domain of sender address {f} does not exist"))
            }
            Mark::TempFail => {
                error("4.1.8", format!("451 Domain of sender address {f} does not resolve"))
            }
            Mark::Unqualified => {
                let unqualified_ok = self.features.accept_unqualified_senders
                    || client.has_flag('u')
                    || client.addr_macro().is_empty();
                if unqualified_ok {
                    Check::Pass
                } else {
                    error("5.5.4", format!("553 Domain name required for sender address {f}"))
                }
            }
        }
    }
}

/// The tokens in sendmail's external form: `\x` escapes in atoms become `x`.
fn unescaped(toks: &[Tok]) -> Vec<Tok> {
    let plain = |s: &str| {
        let mut out = String::new();
        let mut chars = s.chars();
        while let Some(c) = chars.next() {
            out.extend(if c == '\\' { chars.next() } else { Some(c) });
        }
        out
    };
    toks.iter()
        .map(|t| if let Tok::Atom(a) = t { Tok::Atom(plain(a)) } else { t.clone() })
        .collect()
}

/// Ruleset 4's text of a canonified address: a `.UUCP` domain as a bang path.
fn final_text(local: &str, domain: Option<String>) -> String {
    match domain {
        Some(d) if d.to_ascii_uppercase().ends_with(".UUCP") && d.len() > 5 => {
            format!("{}!{local}", &d[..d.len() - 5])
        }
        Some(d) => format!("{local}@{d}"),
        None => local.to_string(),
    }
}

#[cfg(test)]
mod tests;
