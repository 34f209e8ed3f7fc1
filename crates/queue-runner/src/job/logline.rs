//! The log line of a delivery, in sendmail's words and order:
//!
//! ```text
//! ID: to=<a@b>, ctladdr=<root@h> (0/0), delay=00:00:39, xdelay=00:00:00, mailer=relay,
//!     pri=270437, relay=[127.0.0.1] [127.0.0.1], dsn=5.1.1, reply=550 5.1.1 ..., stat=User unknown
//! ```
//!
//! `ctladdr` is written when there is one, `xdelay` when a mailer was started,
//! `relay` for remote deliveries, `reply` for a failure or deferral with a reply.

use super::model::{Ctl, Outcome};
use super::status::interval;
use jiff::Timestamp;

/// The facts of one log line.
pub struct Line<'a> {
    /// The queue ID.
    pub id: &'a str,
    /// `to=`.
    pub to: &'a str,
    /// `ctladdr=`.
    pub ctl: Option<&'a Ctl>,
    /// The message's arrival (the qf's `T`), for `delay=`.
    pub created: i64,
    /// `mailer=`.
    pub mailer: &'a str,
    /// `pri=`.
    pub priority: i64,
    /// What happened.
    pub outcome: &'a Outcome,
}

impl Line<'_> {
    /// The line, without the syslog prefix.
    pub fn render(&self, now: Timestamp) -> String {
        let o = self.outcome;
        let mut line = format!("{}: to={}", self.id, self.to);
        if let Some(ctl) = self.ctl {
            line.push_str(&format!(", ctladdr={}", ctl.log()));
        }
        line.push_str(&format!(", delay={}", interval(now.as_second() - self.created, true)));
        if let Some(started) = o.started {
            let xdelay = interval(now.as_second() - started.as_second(), true);
            line.push_str(&format!(", xdelay={xdelay}"));
        }
        line.push_str(&format!(", mailer={}, pri={}", self.mailer, self.priority));
        if let Some(relay) = &o.relay {
            line.push_str(&format!(", relay={relay}"));
        }
        line.push_str(&format!(", dsn={}", o.dsn));
        if let Some(reply) = o.reply.as_ref().filter(|_| o.state != super::model::State::Sent) {
            line.push_str(&format!(", reply={reply}"));
        }
        line.push_str(&format!(", stat={}", o.stat));
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::model::State;

    /// Scenario 20's log line for reject1 (maillog-queue-run-pid25639.txt).
    #[test]
    fn a_remote_failure_as_sendmail_logged_it() {
        let now: Timestamp = "2026-11-24T23:33:02Z".parse().unwrap();
        let outcome = Outcome {
            state: State::Failed,
            dsn: "5.1.1".into(),
            stat: "User unknown".into(),
            reply: Some("550 5.1.1 <reject1@sink.example>... User unknown (sink)".into()),
            status: "5.1.1".into(),
            diagnostic: None,
            remote_mta: None,
            relay: Some("[127.0.0.1] [127.0.0.1]".into()),
            message: None,
            started: Some(now),
            at: now,
        };
        let ctl = Ctl { user: None, uid: 0, gid: 0, paddr: "<root@mail.lab.example>".into() };
        let line = Line {
            id: "6AONWNWH022987",
            to: "<reject1@sink.example>",
            ctl: Some(&ctl),
            created: 1795563143,
            mailer: "relay",
            priority: 270437,
            outcome: &outcome,
        };
        assert_eq!(
            line.render(now),
            "6AONWNWH022987: to=<reject1@sink.example>, ctladdr=<root@mail.lab.example> (0/0), delay=00:00:39, xdelay=00:00:00, mailer=relay, pri=270437, relay=[127.0.0.1] [127.0.0.1], dsn=5.1.1, reply=550 5.1.1 <reject1@sink.example>... User unknown (sink), stat=User unknown"
        );
    }
}
