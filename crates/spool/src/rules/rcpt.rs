//! The recipient: `parseaddr`, `check_rcpt` (`Rcpt_ok`, `ParseRecipient`,
//! `Relay_ok`, `FEATURE(delay_checks)`), then the local user check.
//!
//! # Order
//! 1. Parse: `Parse0` errors and a mailertable or virtusertable `error:` answer
//!    come first, before any relaying decision.
//! 2. `Rcpt_ok`: with `FEATURE(blocklist_recipients)`, `To:` entries refuse
//!    (`REJECT`: `550 5.2.1 Mailbox disabled for this recipient`), discard or
//!    quarantine; then a SASL mechanism in `TRUST_AUTH_MECH` relays; then anything
//!    ending here relays: a local domain, a `$=R` domain (or subdomain), a
//!    `To:domain RELAY` entry, a local user. `ParseRecipient` first unwraps a local
//!    part that still routes (`user%host@relayok.example`) once its domain is
//!    ours to relay for, so the host inside is checked too.
//! 3. `Relay_ok` for everything else; otherwise `550 5.7.1 Relaying denied` (or
//!    `confRELAY_MSG`).
//! 4. With `delay_checks`, the sender's and the client's checks follow here.
//! 5. Local users must exist, unless the transaction is being discarded.

use super::canon::{Canon, Fail, Lookups};
use super::facts::{Client, NeedLookup};
use super::relay::{refusal, RelayOk};
use super::route::Target;
use super::token::{dequote, has_routing, join};
use super::verdict::Check;
use super::{Delay, Rules};
use crate::access::{Action, Tag};
use crate::status::DeliveryStatus;

/// What a RCPT check needs to know about the session.
pub(crate) struct RcptCtx<'a> {
    pub client: &'a Client,
    /// `$f`.
    pub sender: &'a str,
    /// The SASL mechanism the client authenticated with.
    pub auth: Option<&'a str>,
    /// True once the transaction is being discarded (no user checks).
    pub discarding: bool,
    pub lookups: Lookups<'a>,
}

/// The outcome of a RCPT check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rcpt {
    /// Refused with this reply.
    Refused(DeliveryStatus),
    /// Accepted: where it goes, and what the checks said (pass, discard, ...).
    Accepted(Target, Check),
}

impl Rules {
    /// The RCPT TO of `raw` (the address as given).
    pub(crate) fn recipient(&self, ctx: &RcptCtx, raw: &str) -> Result<Rcpt, NeedLookup> {
        let target = match self.parse_address(raw, &ctx.lookups) {
            Ok(Some(t)) => t,
            Ok(None) => {
                return Ok(Rcpt::Refused(DeliveryStatus::error_mailer(
                    Some("nouser"),
                    "553 User address required",
                    Some(raw),
                )))
            }
            Err(Fail::Lookup(n)) => return Err(n),
            Err(Fail::Error(host, text)) => {
                return Ok(Rcpt::Refused(DeliveryStatus::error_mailer(
                    host.as_deref(),
                    &text,
                    Some(raw),
                )))
            }
        };
        let check = self.check_rcpt(ctx, raw)?;
        if let Check::Error(status) = check {
            return Ok(Rcpt::Refused(status));
        }
        if !ctx.discarding && check != Check::Discard {
            if let Err(status) = self.verify_target(&target, raw) {
                return Ok(Rcpt::Refused(status));
            }
        }
        Ok(Rcpt::Accepted(target, check))
    }

    /// `check_rcpt`, with the checks `delay_checks` moves here.
    fn check_rcpt(&self, ctx: &RcptCtx, raw: &str) -> Result<Check, NeedLookup> {
        let first = self.basic_check_rcpt(ctx, raw)?;
        let delay = self.features.delay;
        if delay == Delay::Off || first != Check::Pass {
            return Ok(first);
        }
        if let Some(stop) = self.spam_preference(raw, &ctx.lookups, delay)? {
            return Ok(stop);
        }
        let sender = format!("<{}>", ctx.sender);
        let mail = self.check_mail(ctx.client, &sender, ctx.sender, raw, &ctx.lookups)?;
        if mail != Check::Pass {
            return Ok(mail);
        }
        Ok(self.check_relay(ctx.client, Some(raw)))
    }

    /// `Basic_check_rcpt`: `Rcpt_ok`, else `Relay_ok`, else relaying is denied.
    fn basic_check_rcpt(&self, ctx: &RcptCtx, raw: &str) -> Result<Check, NeedLookup> {
        let temp = match self.rcpt_ok(ctx, raw)? {
            RcptOk::Relay => return Ok(Check::Pass),
            RcptOk::Stop(check) => return Ok(check),
            RcptOk::Temp(status) => Some(status),
            RcptOk::Other => None,
        };
        if self.features.promiscuous_relay {
            return Ok(Check::Pass);
        }
        match self.relay_ok(ctx.client, ctx.sender, raw, &ctx.lookups)? {
            RelayOk::Relay => Ok(Check::Pass),
            RelayOk::Error(status) => Ok(Check::Error(status)),
            RelayOk::No => Ok(Check::Error(temp.unwrap_or_else(|| {
                DeliveryStatus::error_mailer(Some("5.7.1"), &self.relay_msg, Some(raw))
            }))),
        }
    }

    /// `Rcpt_ok`: is the recipient ours (or ours to relay for)?
    fn rcpt_ok(&self, ctx: &RcptCtx, raw: &str) -> Result<RcptOk, NeedLookup> {
        let parsed = if self.features.loose_relay_check {
            self.canon_addr(raw, &ctx.lookups)
        } else {
            self.parse_recipient(raw, &ctx.lookups, 0)
        };
        let c = match parsed {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(RcptOk::Relay),
            Err(Fail::Lookup(n)) => return Err(n),
            Err(Fail::Error(host, text)) => {
                return Ok(RcptOk::Stop(Check::Error(DeliveryStatus::error_mailer(
                    host.as_deref(),
                    &text,
                    Some(raw),
                ))))
            }
        };
        if self.features.blocklist_recipients {
            if let Some(stop) = self.blocklisted(&c, raw) {
                return Ok(RcptOk::Stop(stop));
            }
        }
        if self.features.promiscuous_relay {
            return Ok(RcptOk::Relay);
        }
        if ctx.auth.is_some_and(|m| self.names.trust_auth.iter().any(|t| t.eq_ignore_ascii_case(m)))
        {
            return Ok(RcptOk::Stop(Check::Accept));
        }
        let Some(domain) = &c.domain else { return Ok(RcptOk::Relay) };
        Ok(self.relay_domain(&domain.name))
    }

    /// Whether mail to `domain` is ours to take: local, `$=R`, `To: RELAY`.
    fn relay_domain(&self, domain: &str) -> RcptOk {
        let f = &self.features;
        if (f.relay_entire_domain && self.in_local_domain(domain)) || self.names.w.contains(domain)
        {
            return RcptOk::Relay;
        }
        let in_r = if f.relay_hosts_only {
            self.names.r.contains(domain)
        } else {
            self.names.r.contains_domain_or_parent(domain)
        };
        if in_r {
            return RcptOk::Relay;
        }
        let Some(access) = self.access_db() else { return RcptOk::Other };
        let found = if f.relay_hosts_only {
            access.exact(Tag::To, true, domain)
        } else {
            access.domain(Tag::To, true, domain)
        };
        match found {
            Ok(Some(Action::Relay)) => RcptOk::Relay,
            Err(_) => RcptOk::Temp(DeliveryStatus::tempfail()),
            Ok(_) => RcptOk::Other,
        }
    }

    /// `ParseRecipient`: the canonical address, with a routing local part of a
    /// domain we relay for unwrapped and checked in its turn.
    fn parse_recipient(&self, raw: &str, l: &Lookups, depth: usize) -> Result<Option<Canon>, Fail> {
        let Some(mut c) = self.canon_addr(raw, l)? else { return Ok(None) };
        let single = c.local.len() == 1;
        let local = dequote(&c.local);
        if single {
            c.local = local.clone();
        }
        let Some(domain) = c.domain.as_ref().filter(|_| has_routing(&local)) else {
            return Ok(Some(c));
        };
        if matches!(self.relay_domain(&domain.name), RcptOk::Relay) && depth < 10 {
            return self.parse_recipient(&join(&local, "."), l, depth + 1);
        }
        Ok(Some(c))
    }

    /// `FEATURE(blocklist_recipients)`: `To:` entries for the recipient.
    fn blocklisted(&self, c: &Canon, raw: &str) -> Option<Check> {
        let access = self.access_db()?;
        let local = c.local_text();
        let found = (|| {
            let Some(d) = &c.domain else {
                return access.user(Tag::To, true, &format!("{local}@"));
            };
            if let Some(f) = access.full(Tag::To, true, &format!("{local}@{}", d.name))? {
                return Ok(Some(f));
            }
            if self.names.w.contains(&d.name) {
                if let Some(f) = access.user(Tag::To, true, &format!("{local}@"))? {
                    return Ok(Some(f));
                }
            }
            access.domain(Tag::To, true, &d.name)
        })();
        match found {
            Err(_) => Some(Check::Error(DeliveryStatus::tempfail())),
            Ok(None | Some(Action::Ok | Action::Relay)) => None,
            Ok(Some(Action::Skip)) if self.features.access_skip => None,
            Ok(Some(Action::Reject)) => Some(Check::Error(DeliveryStatus::error_mailer(
                Some("5.2.1"),
                &self.rcpt_reject_msg,
                Some(raw),
            ))),
            Ok(Some(other)) => Some(refusal(&other, Some(raw))),
        }
    }

    /// `delay_checks` with `friend` or `hater`: `Spam:` entries decide whether the
    /// sender and client checks run (`Some(Pass)`: they do not).
    fn spam_preference(
        &self,
        raw: &str,
        l: &Lookups,
        delay: Delay,
    ) -> Result<Option<Check>, NeedLookup> {
        if !matches!(delay, Delay::Friend | Delay::Hater) {
            return Ok(None);
        }
        let c = match self.canon_addr(raw, l) {
            Ok(c) => c,
            Err(Fail::Lookup(n)) => return Err(n),
            Err(Fail::Error(..)) => None,
        };
        let value = c.and_then(|c| self.spam_entry(&c));
        let tag = |v: &Option<Action>, want: &str| matches!(v, Some(Action::Other(x)) if x.eq_ignore_ascii_case(want));
        Ok(match delay {
            Delay::Friend if tag(&value, "FRIEND") => Some(Check::Pass),
            Delay::Hater if !tag(&value, "HATER") => Some(Check::Pass),
            _ => None,
        })
    }

    fn spam_entry(&self, c: &Canon) -> Option<Action> {
        let access = self.access_db()?;
        let domain = c.domain.as_ref().map(|d| d.name.clone()).unwrap_or_else(|| self.j.clone());
        let local = c.local_text();
        let full = access.full(Tag::Spam, false, &format!("{local}@{domain}")).ok()?;
        let dom = || access.domain(Tag::Spam, false, &domain).ok().flatten();
        let user = || access.user(Tag::Spam, false, &format!("{local}@")).ok().flatten();
        full.or_else(dom).or_else(|| if self.names.w.contains(&domain) { user() } else { None })
    }
}

/// What `Rcpt_ok` found.
enum RcptOk {
    /// Ours, or ours to relay for.
    Relay,
    /// A decision that ends the check.
    Stop(Check),
    /// A map failed; `Relay_ok` may still allow relaying.
    Temp(DeliveryStatus),
    /// Not ours: ask `Relay_ok`.
    Other,
}

#[cfg(test)]
mod tests;
