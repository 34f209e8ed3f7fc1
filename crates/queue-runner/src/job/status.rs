//! What sendmail says about a delivery: its status texts, codes and their mappings.
//!
//! One table, [`sysexits_reply`], gives sendmail's reply for each `<sysexits.h>` code
//! (`550 5.1.1 User unknown`, `450 4.0.0 Deferred`, ...); the rest turns a mailer's exit
//! status, a remote reply or an expansion error into an [`Outcome`] worded as
//! sendmail's `giveresponse`, `markfailure` and `logdelivery` word it:
//!
//! ```text
//! local mailer exit 0        dsn=2.0.0, stat=Sent
//! local mailer exit 75       dsn=4.0.0, stat=Deferred: local mailer (/usr/bin/procmail) exited with EX_TEMPFAIL
//! local mailer exit 77       dsn=5.0.0, stat=Insufficient permission   (DSN Status 5.3.0, X-Unix; 77)
//! remote 250 2.0.0 Ok: id    dsn=2.0.0, stat=Sent (Ok: id)
//! remote 451 4.2.0 busy      dsn=4.2.0, reply=451 4.2.0 busy, stat=Deferred: 451 4.2.0 busy
//! remote 550 5.1.1 unknown   dsn=5.1.1, reply=550 5.1.1 unknown, stat=User unknown
//! ```

use super::model::{Failure, Outcome, State};
use crate::transport::{RcptResult, Reply};
use jiff::Timestamp;
use spool::sysexits::*;

/// sendmail's reply for a mailer exit status: code, enhanced code, text.
pub fn sysexits_reply(exit: i32) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match exit {
        EX_USAGE => ("500", "5.0.0", "Command line usage error"),
        EX_DATAERR => ("501", "5.6.0", "Data format error"),
        EX_NOINPUT => ("550", "5.3.0", "Cannot open input"),
        EX_NOUSER => ("550", "5.1.1", "User unknown"),
        EX_NOHOST => ("550", "5.1.2", "Host unknown"),
        EX_UNAVAILABLE => ("554", "5.0.0", "Service unavailable"),
        EX_SOFTWARE => ("554", "5.3.0", "Internal error"),
        EX_OSERR => ("451", "4.0.0", "Operating system error"),
        EX_OSFILE => ("554", "5.3.5", "System file missing"),
        EX_CANTCREAT => ("550", "5.0.0", "Can't create output"),
        EX_IOERR => ("451", "4.0.0", "I/O error"),
        EX_TEMPFAIL => ("450", "4.0.0", "Deferred"),
        EX_PROTOCOL => ("554", "5.5.0", "Remote protocol error"),
        EX_NOPERM => ("550", "5.0.0", "Insufficient permission"),
        EX_CONFIG => ("554", "5.3.5", "Local configuration error"),
        _ => return None,
    })
}

/// The `<sysexits.h>` name of an exit status (`EX_TEMPFAIL`).
pub fn exit_name(exit: i32) -> String {
    let name = match exit {
        EX_USAGE => "EX_USAGE",
        EX_DATAERR => "EX_DATAERR",
        EX_NOINPUT => "EX_NOINPUT",
        EX_NOUSER => "EX_NOUSER",
        EX_NOHOST => "EX_NOHOST",
        EX_UNAVAILABLE => "EX_UNAVAILABLE",
        EX_SOFTWARE => "EX_SOFTWARE",
        EX_OSERR => "EX_OSERR",
        EX_OSFILE => "EX_OSFILE",
        EX_CANTCREAT => "EX_CANTCREAT",
        EX_IOERR => "EX_IOERR",
        EX_TEMPFAIL => "EX_TEMPFAIL",
        EX_PROTOCOL => "EX_PROTOCOL",
        EX_NOPERM => "EX_NOPERM",
        EX_CONFIG => "EX_CONFIG",
        n => return format!("stat {n}"),
    };
    name.to_string()
}

/// markfailure's DSN status for a mailer exit status.
fn exit_status(exit: i32) -> &'static str {
    match exit {
        EX_USAGE => "5.5.4",
        EX_DATAERR => "5.5.2",
        EX_NOUSER => "5.1.1",
        EX_NOHOST => "5.1.2",
        EX_NOINPUT | EX_CANTCREAT | EX_NOPERM => "5.3.0",
        EX_OSERR | EX_IOERR => "4.5.0",
        EX_TEMPFAIL => "4.2.0",
        _ => "5.5.0",
    }
}

/// sendmail's `dsntoexitstat`: the exit status an enhanced status code stands for.
pub fn dsn_to_exit(dsn: &str) -> i32 {
    let parts: Vec<&str> = dsn.split('.').collect();
    let (class, sub, detail) = match parts.as_slice() {
        [c, s, d] => (*c, s.parse().unwrap_or(-1), d.parse().unwrap_or(-1)),
        _ => return EX_CONFIG,
    };
    match (class, sub, detail) {
        ("2", _, _) => EX_OK,
        ("4", _, _) => EX_TEMPFAIL,
        (_, 0, _) => EX_UNAVAILABLE,
        (_, 1, 0) => EX_DATAERR,
        (_, 1, 1 | 6) => EX_NOUSER,
        (_, 1, 2 | 8) => EX_NOHOST,
        (_, 1, 3 | 7) => EX_USAGE,
        (_, 1, 4) => EX_UNAVAILABLE,
        (_, 1, 5) => EX_OK,
        (_, 2, 0 | 1 | 2 | 4) => EX_UNAVAILABLE,
        (_, 2, 3) => EX_DATAERR,
        (_, 3, _) => EX_OSERR,
        (_, 4, 0 | 2) => EX_IOERR,
        (_, 4, 1 | 3 | 5) => EX_TEMPFAIL,
        (_, 4, 4) => EX_PROTOCOL,
        (_, 4, 6) => EX_CONFIG,
        (_, 4, 7) => EX_UNAVAILABLE,
        (_, 5, _) => EX_PROTOCOL,
        (_, 6, _) => EX_UNAVAILABLE,
        (_, 7, _) => EX_DATAERR,
        _ => EX_CONFIG,
    }
}

/// sendmail's `smtptodsn`: the enhanced status of a reply that gave none.
pub fn smtp_to_dsn(code: u16) -> &'static str {
    match code {
        450 => "4.2.0",
        451 => "4.3.0",
        452 => "4.3.1",
        500 => "5.5.2",
        501 | 504 => "5.5.4",
        502 | 503 => "5.5.1",
        550 => "5.2.0",
        551 => "5.1.6",
        552 => "5.2.2",
        553 => "5.1.0",
        554 => "5.0.0",
        c if c / 100 == 2 => "2.0.0",
        c if c / 100 == 4 => "4.0.0",
        _ => "5.0.0",
    }
}

fn blank(at: Timestamp) -> Outcome {
    Outcome {
        state: State::Sent,
        dsn: "2.0.0".into(),
        stat: "Sent".into(),
        reply: None,
        status: "2.0.0".into(),
        diagnostic: None,
        remote_mta: None,
        relay: None,
        message: None,
        started: None,
        at,
    }
}

/// The outcome of a local mailer (`local`, `prog`, `*file*`) that exited with `exit`.
/// `path` is the program named in sendmail's deferral text.
pub fn mailer_exit(
    mailer: &str,
    path: &str,
    exit: i32,
    started: Timestamp,
    at: Timestamp,
) -> Outcome {
    let mut out = Outcome { started: Some(started), ..blank(at) };
    if exit == EX_OK {
        return out;
    }
    let (_, dsn, text) = sysexits_reply(exit).unwrap_or(("554", "5.3.0", "unknown mailer error"));
    out.status = exit_status(exit).into();
    out.diagnostic = Some(("X-Unix".into(), exit.to_string()));
    if matches!(exit, EX_TEMPFAIL | EX_OSERR | EX_IOERR) {
        out.state = State::Deferred;
        out.dsn = "4.0.0".into();
        out.stat = format!("Deferred: {mailer} mailer ({path}) exited with {}", exit_name(exit));
        return out;
    }
    if sysexits_reply(exit).is_none() {
        out.stat = format!("unknown mailer error {exit}");
        out.dsn = "5.3.0".into();
    } else {
        out.stat = text.into();
        out.dsn = dsn.into();
    }
    out.state = State::Failed;
    out
}

/// The outcome of a failure found while expanding.
pub fn expansion(failure: &Failure, at: Timestamp) -> Outcome {
    Outcome {
        state: if failure.temporary { State::Deferred } else { State::Failed },
        dsn: failure.status.clone(),
        stat: match failure.temporary {
            true => format!("Deferred: {}", failure.text),
            false => failure.text.clone(),
        },
        reply: failure.reply.clone(),
        status: failure.status.clone(),
        diagnostic: failure.reply.clone().map(|r| ("X-Unix".to_string(), r)),
        message: failure.temporary.then(|| failure.text.clone()),
        ..blank(at)
    }
}

/// The outcome of a remote recipient.
pub fn remote(result: &RcptResult, at: Timestamp) -> Outcome {
    match result {
        RcptResult::Replied { reply, relay, remote_mta } => {
            let mut out = replied(reply, at);
            out.relay = Some(relay.clone());
            out.remote_mta = Some(("DNS".into(), remote_mta.clone()));
            out
        }
        RcptResult::Unreachable { temporary, text, relay } => {
            let state = if *temporary { State::Deferred } else { State::Failed };
            let stat = if *temporary { format!("Deferred: {text}") } else { text.clone() };
            let dsn = if *temporary { "4.0.0" } else { "5.0.0" };
            Outcome {
                state,
                dsn: dsn.into(),
                status: dsn.into(),
                message: temporary.then(|| stat.clone()),
                stat,
                relay: relay.clone(),
                ..blank(at)
            }
        }
    }
}

fn replied(reply: &Reply, at: Timestamp) -> Outcome {
    let dsn = reply.enhanced.clone().unwrap_or_else(|| smtp_to_dsn(reply.code).into());
    let after_codes = reply_text(reply);
    let diagnostic = Some(("SMTP".to_string(), reply.text.clone()));
    match reply.code / 100 {
        2 => Outcome {
            dsn: dsn.clone(),
            status: dsn,
            stat: format!("Sent ({after_codes})"),
            ..blank(at)
        },
        4 => {
            let stat = format!("Deferred: {}", reply.text);
            Outcome {
                state: State::Deferred,
                dsn: dsn.clone(),
                status: dsn,
                reply: Some(reply.text.clone()),
                message: Some(stat.clone()),
                stat,
                diagnostic,
                ..blank(at)
            }
        }
        _ => {
            let exit = match (&reply.enhanced, reply.code) {
                (Some(e), _) if e.starts_with('5') => dsn_to_exit(e),
                (_, 550 | 551 | 553) => EX_NOUSER,
                (_, 552 | 554) => EX_UNAVAILABLE,
                _ => EX_PROTOCOL,
            };
            let text = sysexits_reply(exit).map_or("Remote protocol error", |(_, _, t)| t);
            Outcome {
                state: State::Failed,
                dsn: dsn.clone(),
                status: dsn,
                reply: Some(reply.text.clone()),
                stat: text.into(),
                diagnostic,
                ..blank(at)
            }
        }
    }
}

/// The text of a reply after its code and enhanced code.
fn reply_text(reply: &Reply) -> String {
    let rest = reply.text.get(3..).unwrap_or_default().trim_start();
    match &reply.enhanced {
        Some(e) => rest.strip_prefix(e.as_str()).unwrap_or(rest).trim_start().to_string(),
        None => rest.to_string(),
    }
}

/// The code and enhanced code sendmail puts before a failed recipient in the
/// transcript (`550 5.1.1`): those of the exit status the failure maps to.
pub fn exit_reply(outcome: &Outcome) -> (&'static str, &'static str) {
    let (code, dsn, _) = sysexits_reply(exit_of(outcome)).unwrap_or(("554", "5.0.0", ""));
    (code, dsn)
}

/// The `<sysexits.h>` code of a failure, found from its text (`User unknown` is
/// `EX_NOUSER`); `EX_UNAVAILABLE` for a text of no exit status.
pub fn exit_of(outcome: &Outcome) -> i32 {
    (EX_USAGE..=EX_CONFIG)
        .find(|e| sysexits_reply(*e).is_some_and(|(_, _, t)| t == outcome.stat))
        .unwrap_or(EX_UNAVAILABLE)
}

/// The `(reason: ...)` of a bounce: the reply, or for a mailer's exit status its text.
pub fn reason(outcome: &Outcome) -> Option<String> {
    match &outcome.diagnostic {
        Some((kind, text)) if kind == "X-Unix" => match text.parse::<i32>() {
            Ok(exit) => sysexits_reply(exit).map(|(_, _, t)| t.to_string()),
            Err(_) => Some(text.clone()),
        },
        _ => outcome.reply.clone(),
    }
}

/// sendmail's `pintvl`: `00:00:39`, `1+02:03:04` (brief) or `4 hours`, `5 days`.
pub fn interval(seconds: i64, brief: bool) -> String {
    let s = seconds.max(0);
    let (days, hours, minutes, secs) = (s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
    if brief {
        let day = if days > 0 { format!("{days}+") } else { String::new() };
        return format!("{day}{hours:02}:{minutes:02}:{secs:02}");
    }
    let parts: Vec<String> =
        [(days, "day"), (hours, "hour"), (minutes, "minute"), (secs, "second")]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, unit)| format!("{n} {unit}{}", if *n == 1 { "" } else { "s" }))
            .collect();
    if parts.is_empty() {
        "0 seconds".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests;
