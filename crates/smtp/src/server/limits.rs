//! # Name
//! limits - sendmail's per-session flood counters
//!
//! # Description
//! sendmail counts HELO/EHLO, NOOP, VRFY+EXPN, ETRN and AUTH (whose threshold is
//! the number of mechanisms offered plus one) per connection. From the
//! command that brings a counter to its threshold on, each such command is answered
//! late: 1 s, then 2, 4, 8 ... (capped at `max_delay`), and `possible SMTP attack`
//! is logged once. With `MaxDaemonChildren=0` (the lab, and ferrymail) the client
//! is slowed down, never disconnected.
//!
//! Rejected RCPTs count separately per transaction: from `BadRcptThrottle` on,
//! every RCPT waits 1 s. Unknown commands count towards MAXBADCOMMANDS (see
//! `Session::bad_command`).
//!
//! Delays are [`Action::Sleep`]s placed before the reply: the session never sleeps.

use super::{Action, Event, Session};
use std::time::Duration;

/// The counters of one connection (`bad_rcpts`: of the current transaction).
#[derive(Debug, Default, Clone)]
pub(super) struct Counters {
    pub(super) bad_commands: u32,
    pub(super) helo: u32,
    pub(super) noop: u32,
    pub(super) vrfy: u32,
    pub(super) etrn: u32,
    pub(super) auth: u32,
    pub(super) bad_rcpts: u32,
}

/// Which flood counter a command feeds.
#[derive(Debug, Clone, Copy)]
pub(super) enum Flood {
    Helo,
    Noop,
    Vrfy,
    Etrn,
    /// AUTH, against a threshold the caller computes.
    Auth {
        max: u32,
    },
}

/// The delay for the `count`th command against threshold `max` (None: no delay).
pub(super) fn slow_down(count: u32, max: u32, cap: Duration) -> Option<Duration> {
    if max == 0 || count < max {
        return None;
    }
    let shift = count - max;
    let secs = if shift >= 31 { u64::MAX } else { 1u64 << shift };
    Some(Duration::from_secs(secs).min(cap))
}

impl Session {
    /// Count one command of `kind` and emit its delay, if any.
    pub(super) fn flood(&mut self, kind: Flood, name: &'static str) {
        let limits = &self.settings.limits;
        let (counter, max) = match kind {
            Flood::Helo => (&mut self.counters.helo, limits.max_helo),
            Flood::Noop => (&mut self.counters.noop, limits.max_noop),
            Flood::Vrfy => (&mut self.counters.vrfy, limits.max_vrfy),
            Flood::Etrn => (&mut self.counters.etrn, limits.max_etrn),
            Flood::Auth { max } => (&mut self.counters.auth, max),
        };
        *counter = counter.saturating_add(1);
        let count = *counter;
        if let Some(delay) = slow_down(count, max, limits.max_delay) {
            if count == max {
                self.event(Event::PossibleAttack { command: name, count });
            }
            self.out.push(Action::Sleep(delay));
        }
    }

    /// The 1 s RCPT delay once the transaction has too many rejected recipients.
    pub(super) fn rcpt_throttle(&mut self) {
        let limit = self.settings.limits.bad_rcpt_throttle;
        if limit == 0 || self.counters.bad_rcpts < limit {
            return;
        }
        if self.counters.bad_rcpts == limit {
            self.event(Event::RcptFlood);
        }
        self.out.push(Action::Sleep(Duration::from_secs(1)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, started};
    use super::*;

    #[test]
    fn delays_double_from_the_threshold() {
        let cap = Duration::from_secs(240);
        assert_eq!(slow_down(19, 20, cap), None);
        assert_eq!(slow_down(20, 20, cap), Some(Duration::from_secs(1)));
        assert_eq!(slow_down(23, 20, cap), Some(Duration::from_secs(8)));
        assert_eq!(slow_down(400, 20, cap), Some(cap));
        assert_eq!(slow_down(5, 0, cap), None);
    }

    #[test]
    fn noop_flood_sleeps_before_the_reply() {
        let (mut s, _) = started(lab());
        for _ in 0..19 {
            assert_eq!(say(&mut s, "NOOP\r\n"), "250 2.0.0 OK\r\n");
        }
        assert_eq!(say(&mut s, "NOOP\r\n"), "[sleep 1]\r\n250 2.0.0 OK\r\n");
        assert_eq!(say(&mut s, "NOOP\r\n"), "[sleep 2]\r\n250 2.0.0 OK\r\n");
    }

    #[test]
    fn bad_rcpt_throttle_resets_with_mail() {
        let (mut s, _) = started(lab());
        say(&mut s, "EHLO c.example\r\n");
        say(&mut s, "MAIL FROM:<a@b.example>\r\n");
        say(&mut s, "RCPT TO:<x>\r\n");
        say(&mut s, "RCPT TO:<y>\r\n");
        assert!(say(&mut s, "RCPT TO:<root>\r\n").starts_with("[sleep 1]\r\n250 2.1.5"));
        say(&mut s, "RSET\r\nMAIL FROM:<a@b.example>\r\n");
        assert!(say(&mut s, "RCPT TO:<root>\r\n").starts_with("250 2.1.5"));
    }

    #[test]
    fn twenty_sixth_unknown_command_closes() {
        let (mut s, _) = started(lab());
        for i in 0..25 {
            assert!(say(&mut s, &format!("BOGUS{i}\r\n")).starts_with("500 5.5.1"));
        }
        assert_eq!(
            say(&mut s, "BOGUS\r\n"),
            "421 4.7.0 mail.example Too many bad commands; closing connection\r\n[close]\r\n"
        );
        assert!(s.is_closed());
        assert_eq!(say(&mut s, "NOOP\r\n"), "");
    }
}
