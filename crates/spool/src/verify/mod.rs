//! Address verification: what `sendmail -bv` prints, rendered from a typed
//! expansion ([`crate::expand::Expansion`]).
//!
//! # Synopsis
//! [`verify`] takes the command line's recipient arguments and an expansion
//! [`Context`] and returns the lines sendmail 8.17 prints and its exit status
//! ([`Outcome`]). [`render`] does the printing for an expansion made elsewhere.
//!
//! # Output
//! Each argument is a recipient list, expanded by [`crate::expand`]. Errors
//! (`nosuchuser... User unknown`, `user@host... Host unknown`,
//! `aliasing/forwarding loop broken`) and a map that could not be opened are printed
//! as they happen; with `-v` also the `aliased to`, `including file`, `sending to`,
//! `forwarding to`, `duplicate suppressed` and `forward: FILE: REASON` lines. A line
//! printed while a file's line is expanded starts with `FILE: line N: `. Then the send
//! list, in sendmail's order (by host, so the local mailers come first):
//! `root... deliverable: mailer local, user root`,
//! `a@b... deliverable: mailer relay, host [127.0.0.1], user a@b`.
//! The exit status is that of the first error (64 usage, 67 unknown user, 68 unknown
//! host, 71 a map that cannot be opened, 75 a temporary failure), else 0. Without any
//! argument: `Recipient names must be specified`, 64.
//!
//! # Errors
//! None: failures are lines and an exit status.

use crate::expand::{Context, Delivery, Event, Expansion, Trace};

/// What `sendmail -bv` prints and how it exits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Lines of standard output, in order.
    pub lines: Vec<String>,
    /// The exit status.
    pub exit_code: i32,
}

/// Verifies the recipient arguments `args` as `sendmail -bv args...` would; with
/// `verbose` (`-v`), also how each address was expanded.
pub fn verify(ctx: &Context, args: &[String], verbose: bool) -> Outcome {
    if args.is_empty() {
        return Outcome {
            lines: vec!["Recipient names must be specified".into()],
            exit_code: crate::sysexits::EX_USAGE,
        };
    }
    render(&ctx.expand(args), verbose)
}

/// The `-bv` output of `expansion`.
pub fn render(expansion: &Expansion, verbose: bool) -> Outcome {
    let mut lines: Vec<String> =
        expansion.trace.iter().filter(|t| t.event.is_shown(verbose)).map(trace_line).collect();
    lines.extend(expansion.sorted_deliveries().into_iter().map(deliverable));
    Outcome { lines, exit_code: expansion.exit_code }
}

/// One event as sendmail prints it, after `FILE: line N: ` inside a file.
fn trace_line(t: &Trace) -> String {
    let text = match &t.event {
        Event::Aliased { address, value } => format!("{address}... aliased to {value}"),
        Event::Including { address, path } => format!("{address}... including file {path}"),
        Event::SendingTo(line) => format!("sending to {line}"),
        Event::ForwardingTo(line) => format!("forwarding to {line}"),
        Event::Duplicate(address) => format!("{address}... duplicate suppressed"),
        Event::AlreadyListed(address) => format!("{address}... already listed"),
        Event::ForwardRefused { address, path, reason } => {
            format!("{address}... forward: {}: {reason}", path.display())
        }
        Event::MapProblem(problem) => problem.clone(),
        Event::Failed(f) => match &f.address {
            Some(address) => format!("{address}... {}", f.status.text),
            None => f.status.text.clone(),
        },
    };
    match &t.at {
        Some((path, n)) => format!("{path}: line {n}: {text}"),
        None => text,
    }
}

/// `addr... deliverable: mailer M, [host H, ]user U`.
fn deliverable(d: &Delivery) -> String {
    let host = d.target.host();
    let host = if host.is_empty() { String::new() } else { format!("host {host}, ") };
    format!("{}... deliverable: mailer {}, {host}user {}", d.address, d.mailer(), d.target.user())
}

#[cfg(test)]
mod tests;
