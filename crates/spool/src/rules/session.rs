//! One SMTP connection's side of the rules: what sendmail keeps per session.
//!
//! A [`Conversation`] remembers what earlier answers decided: a `DISCARD` from
//! `check_relay` (every message of the connection is thrown away), the SASL
//! mechanism the client authenticated with, and for the current transaction the
//! sender (`$f`), a `DISCARD` or `QUARANTINE` from `check_mail` or `check_rcpt`, and
//! the recipients accepted so far, so that a duplicate is answered with the first
//! spelling, as sendmail's send queue does.
//!
//! # Order of calls
//! [`Conversation::connect`] once, then for each transaction
//! [`Conversation::mail`] (which starts it) and [`Conversation::rcpt`] per
//! recipient; [`Conversation::reset`] on RSET, HELO/EHLO and after the message.
//! Before queueing the message, [`Conversation::discarding`] and
//! [`Conversation::quarantine`] tell what the checks asked for.
//!
//! # Errors
//! [`NeedLookup`]: a host name to look up before asking again; nothing in the
//! conversation changed.

use super::canon::Lookups;
use super::facts::{Client, NeedLookup, Resolver};
use super::rcpt::{Rcpt, RcptCtx};
use super::verdict::{Check, ConnectVerdict, Verdict};
use super::{Delay, Rules};

/// The current transaction.
#[derive(Debug, Clone, Default)]
struct Transaction {
    /// `$f`.
    sender: String,
    discard: bool,
    quarantine: Option<String>,
    /// The recipients accepted: their `sameaddr` key and the spelling shown.
    accepted: Vec<((String, String, String), String)>,
}

/// The rules' state for one SMTP connection.
#[derive(Debug, Clone)]
pub struct Conversation {
    client: Client,
    auth: Option<String>,
    discard: bool,
    quarantine: Option<String>,
    tx: Option<Transaction>,
}

impl Conversation {
    /// A new connection from `client`.
    pub fn new(client: Client) -> Conversation {
        Conversation { client, auth: None, discard: false, quarantine: None, tx: None }
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// `check_relay`: greet, refuse, or greet and refuse every command. A local
    /// submission (`sendmail -bs`) is not checked, as in sendmail.
    pub fn connect(&mut self, rules: &Rules) -> ConnectVerdict {
        if self.client.address.is_none() {
            return ConnectVerdict::Accept;
        }
        let controls = rules.client_controls(&self.client, true);
        let check = match controls {
            Check::Pass if rules.features.delay != Delay::Off => return ConnectVerdict::Accept,
            Check::Pass => rules.check_relay(&self.client, None),
            refused => refused,
        };
        match check {
            Check::Pass | Check::Accept => ConnectVerdict::Accept,
            Check::Discard => {
                self.discard = true;
                ConnectVerdict::Accept
            }
            Check::Quarantine(why) => {
                self.quarantine = Some(why);
                ConnectVerdict::Accept
            }
            Check::Error(status) if status.code == 421 => ConnectVerdict::Refuse(status),
            Check::Error(status) => ConnectVerdict::RejectCommands(status),
        }
    }

    /// The client authenticated with SASL `mechanism` (`${auth_type}`).
    pub fn authenticated(&mut self, mechanism: &str) {
        self.auth = Some(mechanism.to_string());
    }

    /// MAIL FROM with the address `raw` as the client gave it (`<a@b>`): starts a
    /// new transaction when accepted.
    pub fn mail(
        &mut self,
        rules: &Rules,
        raw: &str,
        resolver: &dyn Resolver,
    ) -> Result<Verdict, NeedLookup> {
        let l = self.lookups(resolver);
        let sender = match rules.sender(raw, &l)? {
            Ok(f) => f,
            Err(status) => {
                self.tx = None;
                return Ok(Verdict::Reject(status));
            }
        };
        let mut tx = Transaction { sender, ..Transaction::default() };
        if rules.features.delay == Delay::Off {
            match rules.check_mail(&self.client, raw, &tx.sender, raw, &l)? {
                Check::Error(status) => {
                    self.tx = None;
                    return Ok(Verdict::Reject(status));
                }
                Check::Discard => tx.discard = true,
                Check::Quarantine(why) => tx.quarantine = Some(why),
                Check::Pass | Check::Accept => {}
            }
        }
        self.tx = Some(tx);
        Ok(Verdict::Accept)
    }

    /// RCPT TO with the address `raw` as the client gave it.
    pub fn rcpt(
        &mut self,
        rules: &Rules,
        raw: &str,
        resolver: &dyn Resolver,
    ) -> Result<Verdict, NeedLookup> {
        let tx = self.tx.get_or_insert_with(Transaction::default);
        let ctx = RcptCtx {
            client: &self.client,
            sender: &tx.sender,
            auth: self.auth.as_deref(),
            discarding: self.discard || tx.discard,
            lookups: Lookups { resolver, no_canonify: self.client.has_flag('C') },
        };
        let (target, check) = match rules.recipient(&ctx, raw)? {
            Rcpt::Refused(status) => return Ok(Verdict::Reject(status)),
            Rcpt::Accepted(target, check) => (target, check),
        };
        match check {
            Check::Discard => tx.discard = true,
            Check::Quarantine(why) => tx.quarantine = Some(why),
            _ => {}
        }
        let key = target.key();
        if let Some((_, first)) = tx.accepted.iter().find(|(k, _)| *k == key) {
            return Ok(Verdict::AcceptAs(first.clone()));
        }
        tx.accepted.push((key, raw.to_string()));
        Ok(Verdict::Accept)
    }

    /// Ends the transaction (RSET, HELO/EHLO, after the message).
    pub fn reset(&mut self) {
        self.tx = None;
    }

    /// True when the current message must be accepted and thrown away.
    pub fn discarding(&self) -> bool {
        self.discard || self.tx.as_ref().is_some_and(|t| t.discard)
    }

    /// The reason to quarantine the current message with, if any.
    pub fn quarantine(&self) -> Option<&str> {
        let tx = self.tx.as_ref().and_then(|t| t.quarantine.as_deref());
        tx.or(self.quarantine.as_deref())
    }

    fn lookups<'a>(&self, resolver: &'a dyn Resolver) -> Lookups<'a> {
        Lookups { resolver, no_canonify: self.client.has_flag('C') }
    }
}

#[cfg(test)]
mod tests;
