//! # Name
//! transcript - what happens on a connection, for `-v` and the logs
//!
//! # Description
//! The client reports every step as an [`Event`] to an [`Observer`] while it
//! happens: connecting, each command sent, each line received (garbage too), each
//! recipient's status the moment it is known, TLS and AUTH results, closing.
//! [`Verbose`] turns events into the lines `sendmail -v -q` prints, exactly:
//!
//! ```text
//! <a@b.example>... Connecting to [127.0.0.1] port 2537 via relay...
//! 220 sink.lab.example ESMTP smlab-sink
//! >>> EHLO mail.lab.example
//! 250-sink.lab.example
//! ...
//! <reject1@sink.example>... User unknown
//! <a@b.example>... Sent (Ok: queued as SINK0002)
//! Service unavailable
//! >>> RSET
//! <a@b.example>... Using cached ESMTP connection to [127.0.0.1] via relay...
//! Closing connection to [127.0.0.1]
//! ```
//!
//! A status line names its recipients (`<rcpt>,<rcpt>... `) only when sendmail's
//! code for it is one that `fmtmsg()` prefixes ([`Prefix::shown`]): deferrals and
//! `Sent` always, `User unknown` for the one recipient, `Service unavailable` never.

use super::status::Prefix;

/// Which recipients a status is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every recipient of the delivery.
    All,
    /// These, by index into the delivery's recipients.
    These(Vec<usize>),
}

/// The outcome of certificate verification (sendmail's `${verify}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// The chain verified against the configured CAs.
    Ok,
    /// It did not; the certificate was accepted anyway (opportunistic TLS).
    Fail(String),
}

impl Verify {
    /// `OK` or `FAIL`, as the `verify=` of sendmail's log line.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verify::Ok => "OK",
            Verify::Fail(_) => "FAIL",
        }
    }
}

/// What a TLS session negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsInfo {
    /// `TLSv1.3`, `TLSv1.2`.
    pub version: String,
    /// The cipher as OpenSSL names it (`TLS_AES_256_GCM_SHA384`,
    /// `ECDHE-RSA-AES128-GCM-SHA256`).
    pub cipher: String,
    /// The cipher's key bits.
    pub bits: u16,
    /// Whether the server's certificate verified.
    pub verify: Verify,
    /// Whether the certificate names the host (checked, but not required).
    pub name_matches: bool,
}

/// One step on a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// About to connect to `host` on `port`.
    Connecting {
        /// The host as named.
        host: String,
        /// The port.
        port: u16,
        /// The recipients this delivery is for.
        to: Scope,
    },
    /// A cached connection answered its check and is used again.
    Reusing {
        /// The host as named.
        host: String,
        /// It was opened with EHLO.
        esmtp: bool,
        /// The recipients this delivery is for.
        to: Scope,
    },
    /// A command line sent (without its line end); `.` ends the message text.
    Sent(String),
    /// A line received (without its line end), reply line or not.
    Received(String),
    /// A status message, as sendmail prints it.
    Status {
        /// The recipients it is about.
        to: Scope,
        /// sendmail's code for the message (50 for `message()`), which decides
        /// whether the recipients are named.
        code: u16,
        /// The message.
        text: String,
    },
    /// STARTTLS succeeded.
    TlsStarted(TlsInfo),
    /// The TLS handshake failed (sendmail logs `STARTTLS=client, error: ...`).
    TlsFailed(String),
    /// AUTH succeeded with this mechanism.
    Authenticated(&'static str),
    /// The connection is being closed (`Closing connection to ...`).
    Closing {
        /// The host as named.
        host: String,
    },
}

/// Receives events as they happen.
pub trait Observer {
    /// One event.
    fn event(&mut self, event: &Event);
}

impl<F: FnMut(&Event)> Observer for F {
    fn event(&mut self, event: &Event) {
        self(event)
    }
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {
    fn event(&mut self, _event: &Event) {}
}

/// sendmail `-v` lines for the events of one delivery.
#[derive(Debug, Clone)]
pub struct Verbose {
    /// The mailer's name (`esmtp`, `relay`).
    pub mailer: String,
    /// Whether `Connecting to` names the port (the mailer gave one: `A=TCP $h 2537`).
    pub show_port: bool,
    /// The recipients of the delivery as sendmail names them (`q_paddr`), in order.
    pub recipients: Vec<String>,
}

impl Verbose {
    /// The line for `event`, if sendmail prints one.
    pub fn line(&self, event: &Event) -> Option<String> {
        match event {
            Event::Connecting { host, port, to } if self.show_port => Some(format!(
                "{}... Connecting to {host} port {port} via {}...",
                self.list(to),
                self.mailer
            )),
            Event::Connecting { host, to, .. } => {
                Some(format!("{}... Connecting to {host} via {}...", self.list(to), self.mailer))
            }
            Event::Reusing { host, esmtp, to } => Some(format!(
                "{}... Using cached {}MTP connection to {host} via {}...",
                self.list(to),
                if *esmtp { "ES" } else { "S" },
                self.mailer
            )),
            Event::Sent(line) => Some(format!(">>> {line}")),
            Event::Received(line) => Some(line.clone()),
            Event::Status { to, code, text } => {
                let list = self.list(to);
                if Prefix::shown(*code) && !list.is_empty() {
                    Some(format!("{list}... {text}"))
                } else {
                    Some(text.clone())
                }
            }
            Event::Closing { host } => Some(format!("Closing connection to {host}")),
            Event::TlsStarted(_) | Event::TlsFailed(_) | Event::Authenticated(_) => None,
        }
    }

    fn list(&self, scope: &Scope) -> String {
        match scope {
            Scope::All => self.recipients.join(","),
            Scope::These(which) => which
                .iter()
                .filter_map(|&i| self.recipients.get(i).map(String::as_str))
                .collect::<Vec<_>>()
                .join(","),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verbose() -> Verbose {
        Verbose {
            mailer: "relay".into(),
            show_port: true,
            recipients: vec!["<reject1@sink.example>".into(), "tempfail2@sink.example".into()],
        }
    }

    #[test]
    fn lines_as_sendmail_prints_them() {
        let v = verbose();
        let connecting =
            Event::Connecting { host: "[127.0.0.1]".into(), port: 2537, to: Scope::All };
        assert_eq!(
            v.line(&connecting).unwrap(),
            "<reject1@sink.example>,tempfail2@sink.example... Connecting to [127.0.0.1] port 2537 via relay..."
        );
        let reusing =
            Event::Reusing { host: "[127.0.0.1]".into(), esmtp: true, to: Scope::These(vec![1]) };
        assert_eq!(
            v.line(&reusing).unwrap(),
            "tempfail2@sink.example... Using cached ESMTP connection to [127.0.0.1] via relay..."
        );
        assert_eq!(v.line(&Event::Sent("RSET".into())).unwrap(), ">>> RSET");
        let unknown =
            Event::Status { to: Scope::These(vec![0]), code: 550, text: "User unknown".into() };
        assert_eq!(v.line(&unknown).unwrap(), "<reject1@sink.example>... User unknown");
        let unavailable =
            Event::Status { to: Scope::All, code: 554, text: "Service unavailable".into() };
        assert_eq!(v.line(&unavailable).unwrap(), "Service unavailable");
        assert_eq!(
            v.line(&Event::Closing { host: "[127.0.0.1]".into() }).unwrap(),
            "Closing connection to [127.0.0.1]"
        );
        assert_eq!(v.line(&Event::Authenticated("PLAIN")), None);
    }

    #[test]
    fn closures_observe() {
        let mut seen = Vec::new();
        let mut record = |e: &Event| seen.push(e.clone());
        record.event(&Event::Sent("QUIT".into()));
        assert_eq!(seen, [Event::Sent("QUIT".into())]);
    }
}
