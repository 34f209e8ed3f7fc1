//! Sender rewriting at delivery: genericstable and masquerading, per mailer, as the
//! rulesets of sendmail's cf write the sender for each mailer.
//!
//! ```text
//! mailer       envelope sender ($g, MAIL FROM)        header senders (From:, ...)
//! esmtp/relay  EnvFromSMTP: qualify, then MasqEnv       HdrFromSMTP: qualify, MasqHdr
//! local, prog  EnvFromL: AddDomain, then MasqEnv       HdrFromL: AddDomain, MasqHdr
//! *file*       not rewritten                           not rewritten
//!
//! MasqEnv      MasqHdr with FEATURE(masquerade_envelope), else *LOCAL* -> $j
//! MasqHdr      1. genericstable, for *LOCAL* and class G domains (subdomains with
//!                 generics_entire_domain): a qualified answer is final, an
//!                 unqualified one goes on as user@*LOCAL*
//!              2. class N (MASQUERADE_EXCEPTION) domains are left alone
//!              3. with MASQUERADE_AS ($M): class E users keep their domain
//!                 (*LOCAL* -> $j); class M domains (subdomains with
//!                 masquerade_entire_domain), class w (unless limited_masquerade)
//!                 and *LOCAL* become $M
//!              4. *LOCAL* -> $j
//! ```
//!
//! Recipient fields (`To:`, `Cc:`, ...) are only qualified (SMTP mailers: `user` ->
//! `user@$j`), unless `FEATURE(allmasquerade)` masquerades them as senders.
//!
//! "Qualify" turns an unqualified `user` into `user@*LOCAL*`; the local mailers do
//! that only with `FEATURE(always_add_domain)`, so an unqualified sender stays as it
//! is there. `localhost` is `$j` (ruleset canonify). Verified against sendmail 8.17's
//! `-bt` `/try` output (the tests below are its answers).
//!
//! # Errors
//! A genericstable that cannot be read leaves the address as it is (sendmail's
//! `-o` map); a class file that cannot be read is an empty class.

mod header;

use spool::classfile::Class;
use spool::maps::Map;
use spool::settings::{ClassFileSpec, Masquerade};
use std::sync::Arc;

/// Which of a mailer's two sender rulesets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The envelope sender (`S=Env...`).
    Envelope,
    /// Sender addresses in the header (`S=.../Hdr...`).
    Header,
}

/// The rulesets of a mailer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `esmtp`, `smtp`, `relay`, ...: `EnvFromSMTP/HdrFromSMTP`.
    Smtp,
    /// `local` and `prog`: `EnvFromL/HdrFromL`.
    Local,
}

/// An address's domain, as the rulesets see it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Domain {
    /// No domain and no qualification.
    Bare,
    /// `*LOCAL*`: this host, written `$j` in the end.
    Local,
    /// A domain.
    Host(String),
}

/// The sender rewriting of a configuration, ready to apply.
pub struct Senders {
    generics: Option<Arc<dyn Map>>,
    generics_domains: Class,
    generics_entire: bool,
    masquerade_as: Option<String>,
    masquerade_domains: Class,
    masquerade_entire: bool,
    exceptions: Class,
    exposed: Class,
    local_names: Class,
    limited: bool,
    envelope: bool,
    local_no_masquerade: bool,
    always_add_domain: Option<String>,
    all: bool,
    host: String,
}

impl std::fmt::Debug for Senders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Senders")
            .field("generics", &self.generics.is_some())
            .field("generics_domains", &self.generics_domains)
            .field("masquerade_as", &self.masquerade_as)
            .field("envelope", &self.envelope)
            .finish_non_exhaustive()
    }
}

/// Names and the files' names, as one class.
fn class(names: &[String], files: &[ClassFileSpec]) -> Class {
    let mut class = Class::from_names(names.iter().cloned());
    for name in files.iter().filter_map(|f| f.read().ok()).flat_map(|c| c.names().to_vec()) {
        class.insert(&name);
    }
    class
}

/// Whether `domain` is in `class`, or a subdomain of one of its names when `entire`.
fn in_class(class: &Class, domain: &str, entire: bool) -> bool {
    if entire {
        class.contains_domain_or_parent(domain)
    } else {
        class.contains(domain)
    }
}

impl Senders {
    /// The rewriting of `masq`, with the genericstable `generics`, class `w` and `$j`.
    pub fn new(
        masq: &Masquerade,
        generics: Option<Arc<dyn Map>>,
        local_names: Class,
        host: &str,
    ) -> Senders {
        Senders {
            generics,
            generics_domains: class(&masq.generics_domains, &masq.generics_domain_files),
            generics_entire: masq.generics_entire_domain,
            masquerade_as: masq.masquerade_as.clone().filter(|m| !m.is_empty()),
            masquerade_domains: class(&masq.masquerade_domains, &masq.masquerade_domain_files),
            masquerade_entire: masq.masquerade_entire_domain,
            exceptions: class(&masq.exceptions, &masq.exception_files),
            exposed: class(&masq.exposed_users, &masq.exposed_user_files),
            local_names,
            limited: masq.limited,
            envelope: masq.envelope,
            local_no_masquerade: masq.local_no_masquerade,
            always_add_domain: masq.always_add_domain.clone(),
            all: masq.all,
            host: host.to_string(),
        }
    }

    /// `addr` (`user` or `user@domain`, no brackets, not null) as mailer `kind`
    /// writes it on `side`.
    pub fn rewrite(&self, addr: &str, side: Side, kind: Kind) -> String {
        let (user, domain) = self.qualified(addr, kind);
        let masquerade = match (side, kind) {
            (_, Kind::Local) if self.local_no_masquerade => false,
            (Side::Envelope, _) => self.envelope,
            (Side::Header, _) => true,
        };
        let (user, domain) = if masquerade { self.masq_hdr(user, domain) } else { (user, domain) };
        self.external(&user, &domain)
    }

    /// A recipient field's address as mailer `kind` writes it: qualified (`EnvToSMTP`,
    /// `HdrToL`), masqueraded as a sender with `FEATURE(allmasquerade)`.
    pub fn recipient(&self, addr: &str, kind: Kind) -> String {
        let (user, domain) = self.qualified(addr, kind);
        let masquerade = self.all && !(kind == Kind::Local && self.local_no_masquerade);
        let (user, domain) = if masquerade { self.masq_hdr(user, domain) } else { (user, domain) };
        self.external(&user, &domain)
    }

    /// `addr` canonified and qualified as mailer `kind` qualifies: the SMTP mailers
    /// always (`MasqSMTP`), the local ones with `FEATURE(always_add_domain)`.
    fn qualified(&self, addr: &str, kind: Kind) -> (String, Domain) {
        let (user, domain) = self.canonify(addr);
        let domain = match (domain, kind) {
            (Domain::Bare, Kind::Smtp) => Domain::Local,
            (Domain::Bare, Kind::Local) => match self.always_add_domain.as_deref() {
                Some("") => Domain::Local,
                Some(d) => Domain::Host(d.to_string()),
                None => Domain::Bare,
            },
            (d, _) => d,
        };
        (user, domain)
    }

    /// Splits `addr` and maps `localhost` to `$j`, as ruleset canonify does.
    fn canonify(&self, addr: &str) -> (String, Domain) {
        match addr.rsplit_once('@') {
            Some((user, host)) => {
                let host = host.trim_end_matches('.');
                let host = if host.eq_ignore_ascii_case("localhost") { &self.host } else { host };
                (user.to_string(), Domain::Host(host.to_string()))
            }
            None => (addr.to_string(), Domain::Bare),
        }
    }

    /// The address as ruleset final writes it.
    fn external(&self, user: &str, domain: &Domain) -> String {
        match domain {
            Domain::Bare => user.to_string(),
            Domain::Local => format!("{user}@{}", self.host),
            Domain::Host(h) => format!("{user}@{h}"),
        }
    }

    /// Ruleset `MasqHdr` (93).
    fn masq_hdr(&self, user: String, domain: Domain) -> (String, Domain) {
        let (user, domain) = match self.generics(&user, &domain) {
            Some(found) => match found.rsplit_once('@') {
                Some(_) => return self.canonify(&found),
                None => (found, Domain::Local),
            },
            None => (user, domain),
        };
        if let Domain::Host(h) = &domain {
            if self.exceptions.contains_domain_or_parent(h) {
                return (user, domain);
            }
        }
        let Some(masq) = &self.masquerade_as else {
            return (user, domain);
        };
        let masqueraded = match &domain {
            Domain::Bare => false,
            Domain::Local => true,
            Domain::Host(h) => {
                in_class(&self.masquerade_domains, h, self.masquerade_entire)
                    || (!self.limited && self.local_names.contains(h))
            }
        };
        if !masqueraded || self.exposed.contains(&user) {
            return (user, domain);
        }
        (user, Domain::Host(masq.clone()))
    }

    /// The genericstable's answer, where the address is one it applies to.
    fn generics(&self, user: &str, domain: &Domain) -> Option<String> {
        let map = self.generics.as_deref()?;
        let (host, canonical) = match domain {
            Domain::Bare => return None,
            Domain::Local => (self.host.as_str(), false),
            Domain::Host(h) => {
                if !in_class(&self.generics_domains, h, self.generics_entire) {
                    return None;
                }
                (h.as_str(), true)
            }
        };
        spool::genericstable::masq_lookup(map, user, host, canonical).ok().flatten()
    }

    /// One header line (`Name: value`, folded lines kept) as mailer `kind` writes it:
    /// the addresses of the originator and recipient fields rewritten, other fields
    /// as they are.
    pub fn header(&self, text: &[u8], kind: Kind) -> Vec<u8> {
        header::rewrite(text, |addr, field| match field {
            header::Field::Originator => self.rewrite(addr, Side::Header, kind),
            header::Field::Recipient => self.recipient(addr, kind),
        })
    }
}

#[cfg(test)]
mod tests;
