//! # Name
//! transaction - MAIL, RCPT, DATA and the final reply for one message
//!
//! # Description
//! One transaction as sendmail 8.17 runs it (`deliver()` with `smtpmailfrom()`,
//! `smtprcpt()`, `smtprcptstat()`, `smtpdata()`):
//!
//! ```text
//! (used before)  RSET             not 2xx: QUIT, Stale (connect again)
//! MAIL           2xx: RCPTs       4xx: Deferred       501/553: Data format error
//!                421: QUIT, Deferred                  other 5xx: Service unavailable
//! RCPT (each)    2xx: accepted    4xx: Deferred: <reply>      550/551/553: User unknown
//!                other 5xx: Service unavailable       421: QUIT, the rest Deferred
//! DATA           354: the text    4xx: QUIT, Deferred  5xx: RSET, Service unavailable
//! final reply    2xx: Sent (<text>)   4xx: Deferred   55x: Service unavailable
//!                other: Remote protocol error
//! ```
//!
//! With PIPELINING the RCPTs and DATA go out in one write (at most
//! [`MAX_PIPELINED`] RCPTs at a time) and the replies are matched in order; without
//! it each RCPT waits for its reply, and DATA is sent only when one was accepted
//! (else RSET). With PIPELINING and no recipient accepted, the DATA that went out
//! draws an error and a RSET. After 354 with no recipient accepted (a broken
//! server) only the dot is sent. What a RCPT reply says is the recipient's own
//! status; what happens to the transaction after it is the status of every accepted
//! recipient, printed once for all of them.

use super::envelope::{mail_command, rcpt_command, EightBit, Envelope, Offered};
use super::outcome::{Outcome, RcptOutcome};
use super::reply::Reply;
use super::session::{Action, AfterQuit, IoFailure, Phase, Session};
use super::status::{smtp_to_dsn, Exit, Status};
use super::transcript::{Event, Scope};
use std::collections::VecDeque;

/// The most RCPT commands sent before their replies are read.
pub const MAX_PIPELINED: usize = 100;

/// How a transaction starts: MAIL, or a refusal without any command.
#[derive(Debug)]
enum Start {
    Mail(String),
    Refuse(String, &'static str),
}

/// The transaction in progress.
#[derive(Debug, Default)]
pub(super) struct Tx {
    rcpts: Vec<String>,
    results: Vec<Option<RcptOutcome>>,
    pending: VecDeque<usize>,
    next: usize,
    accepted: Vec<usize>,
    retry_rcpt: bool,
    data_sent: bool,
    after_mail: bool,
    convert: bool,
    /// What starts the transaction once a cached connection answered its check.
    start: Option<Start>,
    /// Status events held until a QUIT exchange is over.
    later: Vec<Event>,
    /// What became of the transaction (for every recipient without its own status).
    status: Option<Status>,
    statmsg: Option<String>,
}

impl Session {
    pub(super) fn start_transaction(&mut self, env: &Envelope) {
        let mut tx = Tx { results: vec![None; env.recipients.len()], ..Tx::default() };
        if let Err(bad) = env.check() {
            tx.status =
                Some(Status::new(Exit::DataErr, "5.6.0", None, None).with_note(bad.to_string()));
            self.tx = Some(tx);
            return self.finish_transaction();
        }
        let offered = Offered {
            size: self.ext.size.is_some(),
            dsn: self.ext.dsn,
            auth: !self.ext.auth.is_empty(),
            smtputf8: self.ext.smtputf8,
        };
        tx.rcpts = env.recipients.iter().map(|r| rcpt_command(r, offered)).collect();
        let eight_bit = EightBit::decide(
            self.settings.eight_bit_mode,
            &env.body,
            self.ext.eight_bit_mime,
            self.settings.mailer_8bit,
            self.greeting.eight_bit_ok,
        );
        let start = match eight_bit {
            EightBit::Refuse => {
                Start::Refuse(format!("{} does not support 8BITMIME", self.host), "5.6.3")
            }
            _ if env.needs_smtputf8() && !self.ext.smtputf8 => {
                Start::Refuse("SMTPUTF8 required but not offered".to_string(), "5.6.7")
            }
            EightBit::Convert => {
                tx.convert = true;
                Start::Mail(mail_command(env, offered, None))
            }
            EightBit::Pass(body) => Start::Mail(mail_command(env, offered, body)),
        };
        self.tx = Some(tx);
        if env.recipients.is_empty() {
            self.finish_transaction();
        } else if self.used {
            self.send("RSET".to_string());
            self.phase = Phase::Probe;
            self.tx.as_mut().expect("tx").start = Some(start);
        } else {
            self.start(start);
        }
    }

    fn start(&mut self, start: Start) {
        match start {
            Start::Mail(command) => self.mail(command),
            Start::Refuse(why, dsn) => self.refuse(&why, dsn),
        }
    }

    /// The message cannot go to this server at all (`usrerr`, then `Data format
    /// error`); nothing is sent.
    fn refuse(&mut self, why: &str, dsn: &str) {
        self.event(Event::Status { to: Scope::All, code: 550, text: why.to_string() });
        let status = Status::new(Exit::DataErr, dsn, None, None).with_note(why);
        self.tx.as_mut().expect("tx").status = Some(status);
        self.finish_transaction();
    }

    fn mail(&mut self, command: String) {
        self.send(command);
        self.phase = Phase::Mail;
    }

    pub(super) fn transaction_reply(&mut self, reply: Reply) {
        match std::mem::replace(&mut self.phase, Phase::Busy) {
            Phase::Probe => self.probed(&reply),
            Phase::Mail => self.mail_reply(&reply),
            Phase::Rcpt => self.rcpt_reply(&reply),
            Phase::Data => self.data_reply(&reply),
            Phase::Final => self.final_reply(&reply),
            Phase::Rset if reply.code() == 421 => self.send_quit(AfterQuit::Transaction),
            Phase::Rset => self.finish_transaction(),
            other => self.phase = other,
        }
    }

    fn probed(&mut self, reply: &Reply) {
        if reply.class() != 2 {
            return self.send_quit(AfterQuit::Stale);
        }
        self.event(Event::Reusing { host: self.host.clone(), esmtp: self.esmtp, to: Scope::All });
        match self.tx.as_mut().expect("tx").start.take() {
            Some(start) => self.start(start),
            None => self.finish_transaction(),
        }
    }

    fn mail_reply(&mut self, reply: &Reply) {
        let code = reply.code();
        let line = reply.first_line();
        let (exit, dsn) = match code {
            200..=299 => {
                self.tx.as_mut().expect("tx").after_mail = true;
                return self.send_rcpts();
            }
            400..=499 => (Exit::TempFail, smtp_to_dsn(code)),
            501 => (Exit::DataErr, "5.5.2"),
            553 => (Exit::DataErr, "5.1.3"),
            552 => (Exit::Unavailable, "5.3.4"),
            500..=599 => (Exit::Unavailable, "5.0.0"),
            _ => (Exit::Protocol, "5.5.1"),
        };
        let dsn = self.dsn_of(reply, dsn);
        let status = Status::new(exit, &dsn, Some(line), Some(&self.smtp_error));
        self.tx.as_mut().expect("tx").status = Some(status);
        if code == 421 || exit == Exit::Protocol {
            self.send_quit(AfterQuit::Transaction);
        } else {
            self.finish_transaction();
        }
    }

    /// The next RCPT (without PIPELINING) or the next batch of them, with DATA
    /// after the last when pipelining.
    fn send_rcpts(&mut self) {
        let pipelining = self.ext.pipelining;
        let tx = self.tx.as_mut().expect("tx");
        let count = if pipelining { MAX_PIPELINED } else { 1 };
        let end = (tx.next + count).min(tx.rcpts.len());
        let batch: Vec<(usize, String)> =
            (tx.next..end).map(|i| (i, tx.rcpts[i].clone())).collect();
        tx.next = end;
        let all_sent = end == tx.rcpts.len();
        for (i, command) in batch {
            self.tx.as_mut().expect("tx").pending.push_back(i);
            self.send(command);
        }
        if pipelining && all_sent {
            self.tx.as_mut().expect("tx").data_sent = true;
            self.send("DATA".to_string());
        }
        self.phase = Phase::Rcpt;
    }

    fn rcpt_reply(&mut self, reply: &Reply) {
        let code = reply.code();
        let Some(i) = self.tx.as_mut().expect("tx").pending.pop_front() else { return };
        let line = reply.first_line().to_string();
        let (exit, default) = match code {
            200..=299 => {
                self.tx.as_mut().expect("tx").accepted.push(i);
                return self.rcpts_read();
            }
            400..=499 => (Exit::TempFail, smtp_to_dsn(code)),
            550 => (Exit::NoUser, "5.1.1"),
            551 => (Exit::NoUser, "5.1.6"),
            553 => (Exit::NoUser, "5.1.3"),
            500..=599 => (Exit::Unavailable, smtp_to_dsn(code)),
            _ => (Exit::Protocol, "5.5.1"),
        };
        let dsn = self.dsn_of(reply, default);
        let status = Status::new(exit, &dsn, Some(&line), Some(&self.smtp_error));
        if exit == Exit::TempFail {
            self.tx.as_mut().expect("tx").retry_rcpt = true;
        }
        if code == 421 {
            self.rcpt_status(i, status, true);
            self.rest_deferred();
            return self.send_quit(AfterQuit::Transaction);
        }
        self.rcpt_status(i, status, false);
        self.rcpts_read();
    }

    /// A recipient's own status, printed now or after a QUIT exchange.
    fn rcpt_status(&mut self, i: usize, status: Status, later: bool) {
        let event = Event::Status {
            to: Scope::These(vec![i]),
            code: status.code,
            text: status.text.clone(),
        };
        let tx = self.tx.as_mut().expect("tx");
        tx.results[i] = Some(RcptOutcome { status, own_message: true });
        if later {
            tx.later.push(event);
        } else {
            self.event(event);
        }
    }

    /// After a 421: every recipient whose reply will never come is deferred with
    /// the last 4xx reply.
    fn rest_deferred(&mut self) {
        let tx = self.tx.as_mut().expect("tx");
        let rest: Vec<usize> = tx.pending.drain(..).chain(tx.next..tx.rcpts.len()).collect();
        tx.next = tx.rcpts.len();
        let last = self.smtp_error.clone();
        for i in rest {
            let status = Status::new(Exit::TempFail, smtp_to_dsn(421), None, Some(&last));
            self.rcpt_status(i, status, true);
        }
        let tx = self.tx.as_mut().expect("tx");
        tx.status = Some(Status::new(Exit::TempFail, smtp_to_dsn(421), None, Some(&last)));
    }

    /// One RCPT reply handled: wait for more, send more, or go on to DATA.
    fn rcpts_read(&mut self) {
        let tx = self.tx.as_ref().expect("tx");
        if !tx.pending.is_empty() {
            self.phase = Phase::Rcpt;
        } else if tx.next < tx.rcpts.len() {
            self.send_rcpts();
        } else if tx.data_sent {
            self.phase = Phase::Data;
        } else if !tx.accepted.is_empty() {
            self.send("DATA".to_string());
            self.phase = Phase::Data;
        } else {
            self.send("RSET".to_string());
            self.phase = Phase::Rset;
        }
    }

    fn data_reply(&mut self, reply: &Reply) {
        let tx = self.tx.as_ref().expect("tx");
        let nothing_accepted = tx.accepted.is_empty();
        let tempfailed_only = nothing_accepted && tx.retry_rcpt;
        let code = reply.code();
        match reply.class() {
            3 if nothing_accepted => {
                self.event(Event::Sent(".".to_string()));
                self.out.push(Action::Send(b".\r\n".to_vec()));
                self.phase = Phase::Final;
            }
            3 => {
                self.phase = Phase::Sending;
                self.out.push(Action::SendData { convert: tx.convert });
            }
            4 => {
                let dsn = self.dsn_of(reply, smtp_to_dsn(code));
                let status = Status::new(
                    Exit::TempFail,
                    &dsn,
                    Some(reply.first_line()),
                    Some(&self.smtp_error),
                );
                self.tx.as_mut().expect("tx").status = Some(status);
                self.send_quit(AfterQuit::Transaction);
            }
            class => {
                let exit = match (tempfailed_only, class) {
                    (true, _) => Exit::TempFail,
                    (false, 5) => Exit::Unavailable,
                    (false, _) => Exit::Protocol,
                };
                let default = if class == 5 { smtp_to_dsn(code) } else { "5.5.1" };
                let dsn = self.dsn_of(reply, default);
                let status =
                    Status::new(exit, &dsn, Some(reply.first_line()), Some(&self.smtp_error));
                self.tx.as_mut().expect("tx").status = Some(status);
                self.send("RSET".to_string());
                self.phase = Phase::Rset;
            }
        }
    }

    fn final_reply(&mut self, reply: &Reply) {
        let code = reply.code();
        let exit = match code {
            400..=499 => Exit::TempFail,
            200..=299 => Exit::Ok,
            _ if (code / 10) % 10 != 5 => Exit::Protocol,
            500..=599 => Exit::Unavailable,
            _ => Exit::Protocol,
        };
        let statmsg = reply.text(self.ext.enhanced_status_codes).to_string();
        let dsn = self.dsn_of(reply, smtp_to_dsn(code));
        let why = match exit {
            Exit::Ok => statmsg.clone(),
            _ => self.smtp_error.clone(),
        };
        let status = Status::new(exit, &dsn, Some(reply.first_line()), Some(&why));
        let tx = self.tx.as_mut().expect("tx");
        tx.statmsg = Some(statmsg);
        tx.status = Some(status);
        self.finish_transaction();
    }

    /// The connection broke during the transaction (`old` is where it was). As in
    /// sendmail 8.17, the reply that failed is worded without `errno` after MAIL,
    /// RCPT and the final dot (`Deferred`), with it while waiting for 354 or
    /// writing the text; whatever comes after the first failed read (the other
    /// pending RCPTs, the accepted recipients) has `errno` back
    /// (`Deferred: Connection reset by <host>`).
    pub(super) fn transaction_lost(&mut self, old: Phase, failure: IoFailure) {
        let errno_kept = matches!(old, Phase::Data | Phase::Sending);
        let mut status = self.io_status(failure, errno_kept);
        if matches!(old, Phase::Sending) {
            status = status.with_note(format!("timeout writing message to {}", self.host));
        }
        let after = self.io_status(failure, true);
        if matches!(old, Phase::Rcpt) {
            let tx = self.tx.as_mut().expect("tx");
            let rest: Vec<usize> = tx.pending.drain(..).chain(tx.next..tx.rcpts.len()).collect();
            tx.next = tx.rcpts.len();
            for (n, i) in rest.into_iter().enumerate() {
                let status = if n == 0 { status.clone() } else { after.clone() };
                self.rcpt_status(i, status, false);
            }
            status = after;
        }
        let tx = self.tx.as_mut().expect("tx");
        if !matches!(old, Phase::Rset) || tx.status.is_none() {
            tx.status = Some(status);
        }
        self.finish_transaction();
    }

    /// Every recipient without its own status gets the transaction's; its message
    /// is printed for the accepted recipients (all of them when MAIL failed).
    pub(super) fn finish_transaction(&mut self) {
        let Some(mut tx) = self.tx.take() else { return };
        for event in std::mem::take(&mut tx.later) {
            self.event(event);
        }
        if let Some(status) = &tx.status {
            let scope: Vec<usize> = if tx.after_mail {
                tx.accepted.clone()
            } else {
                (0..tx.results.len()).filter(|&i| tx.results[i].is_none()).collect()
            };
            if !scope.is_empty() {
                let to = if tx.after_mail { Scope::These(scope) } else { Scope::All };
                self.event(Event::Status { to, code: status.code, text: status.text.clone() });
            }
        }
        let fallback =
            tx.status.clone().unwrap_or_else(|| Status::new(Exit::TempFail, "4.0.0", None, None));
        let recipients = tx
            .results
            .into_iter()
            .map(|r| {
                r.unwrap_or_else(|| RcptOutcome { status: fallback.clone(), own_message: false })
            })
            .collect();
        self.used = true;
        if matches!(self.phase, Phase::Busy) {
            self.phase = Phase::Idle;
        }
        let accepted = tx.accepted.len();
        self.out.push(Action::Done(Box::new(Outcome {
            recipients,
            statmsg: tx.statmsg,
            accepted,
        })));
    }
}
