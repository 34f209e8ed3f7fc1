//! The DNS blocklists of the configuration (`FEATURE(dnsbl)`, `FEATURE(enhdnsbl)`, in
//! the order of the .mc) and how their verdict reaches the client, as sendmail's
//! `check_relay` gives it (recorded in `tests/reference/dns/`):
//!
//! * without `delay_checks`, at connect: the greeting is normal, then every command
//!   but HELO/EHLO/NOOP/RSET/QUIT gets the list's reply (EHLO offers no extensions),
//!   and the line logged (no queue ID) is
//!   `ruleset=check_relay, arg1=<client_name>, arg2=<answer>, relay=<client>, reject=<reply>`;
//! * with `delay_checks`, at each RCPT after the relay check:
//!   `QID: ruleset=check_rcpt, arg1=<rcpt>, relay=<client>, reject=<reply>`.
//!
//! The first list that gives a verdict decides; an access `Connect:` entry for the
//! client (`OK`, `RELAY`, `REJECT`, ...) is looked at first and skips the lists. The
//! lookups are awaited on the session's task, never blocking a runtime thread.
//!
//! # Errors
//! None: a bad feature argument is a warning logged when the configuration loads.

use dns::{Blocklist, ClientName, Outcome, Resolver, Verdict};
use smtp::server::Reply;
use spool::config::Config;
use spool::log::{Outcome as Logged, Record, Severity, Syslog};

/// The configured lists.
#[derive(Debug, Default)]
pub struct Blocklists {
    lists: Vec<Blocklist>,
    /// `FEATURE(delay_checks)`: the verdict is given at RCPT.
    pub delayed: bool,
}

impl Blocklists {
    /// The lists `config` names; bad arguments are logged.
    pub fn load(config: &Config, syslog: &Syslog) -> Blocklists {
        let mut lists = Vec::new();
        for feature in config.features() {
            let Some((list, warnings)) = Blocklist::from_feature(&feature.name, &feature.args)
            else {
                continue;
            };
            for warning in warnings {
                syslog.log(Severity::Warning, &format!("NOQUEUE: SYSERR: {warning}"));
            }
            lists.push(list);
        }
        Blocklists { lists, delayed: config.feature("delay_checks").is_some() }
    }

    /// Whether any list is configured.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The first verdict of the lists on `client`, if any.
    pub async fn verdict(&self, resolver: &Resolver, client: &ClientName) -> Option<Verdict> {
        let name = client.macro_name();
        for list in &self.lists {
            if let Some(verdict) = list.check(resolver, client.addr, &name).await {
                return Some(verdict);
            }
        }
        None
    }
}

/// The reply a refusing verdict gives; `None` for discard and quarantine.
pub fn reply(verdict: &Verdict) -> Option<Reply> {
    match &verdict.outcome {
        Outcome::Reject { code, status, text } => Some(Reply::new(*code, status, text.clone())),
        Outcome::Discard | Outcome::Quarantine => None,
    }
}

/// What sendmail logs after `relay=` for a verdict: `reject=<reply>`, `discard`, or
/// `quarantine=<zone>`.
fn outcome(verdict: &Verdict) -> Logged {
    match reply(verdict) {
        Some(r) => Logged::Reject(String::from_utf8_lossy(&r.to_bytes()).trim_end().to_string()),
        None if verdict.outcome == Outcome::Discard => Logged::Discard,
        None => Logged::Quarantine(verdict.zone.clone()),
    }
}

/// The `check_relay` record of a verdict given at connect.
pub fn relay_record(client: &ClientName, verdict: &Verdict) -> Record {
    let arg2 = verdict.answer.map(|a| a.to_string()).unwrap_or_else(|| client.addr.to_string());
    Record::Ruleset {
        ruleset: "check_relay".into(),
        arg: client.macro_name(),
        arg2: Some(arg2),
        relay: client.description(),
        outcome: outcome(verdict),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use dns::Resolve;

    #[test]
    fn log_lines_read_as_sendmails() {
        let client = ClientName {
            addr: "127.0.0.22".parse().unwrap(),
            name: Some("forged.client.test".into()),
            resolve: Resolve::Forged,
        };
        let verdict = Verdict {
            zone: "bl.test".into(),
            answer: Some("127.0.0.4".parse().unwrap()),
            outcome: Outcome::Reject {
                code: 550,
                status: "5.7.1".into(),
                text: "Rejected: 127.0.0.22 listed at bl.test".into(),
            },
        };
        assert_eq!(
            relay_record(&client, &verdict).line(None),
            "ruleset=check_relay, arg1=[127.0.0.22], arg2=127.0.0.4, relay=forged.client.test \
             [127.0.0.22] (may be forged), reject=550 5.7.1 Rejected: 127.0.0.22 listed at bl.test"
        );
        let temp = Verdict { answer: None, ..verdict };
        assert!(relay_record(&client, &temp).text().contains("arg2=127.0.0.22,"));
    }
}
