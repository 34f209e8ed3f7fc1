//! # Name
//! settings - what a session is told before the first byte
//!
//! # Description
//! [`Settings`] holds sendmail's options that shape the dialogue: the host name
//! (`$j`), the greeting text (`SmtpGreetingMessage`, already expanded), the
//! `PrivacyOptions` the session itself enforces, the limits and compiled-in counters,
//! and which ESMTP extensions to offer. Defaults are sendmail 8.17's.
//!
//! The caller resolves these from its configuration; this crate reads no files.

use std::time::Duration;

/// Everything the session needs to know about its server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `$j`: the host name in the greeting, HELO, QUIT and 421 replies.
    pub host_name: String,
    /// The greeting text after `220 ` (sendmail's expanded `SmtpGreetingMessage`).
    pub greeting: String,
    /// `$v`, shown by HELP (`This is sendmail version ...`).
    pub version: String,
    /// The `PrivacyOptions` the session enforces.
    pub privacy: Privacy,
    /// Limits and compiled-in counters.
    pub limits: Limits,
    /// Which ESMTP extensions the EHLO reply offers.
    pub extensions: Extensions,
    /// SASL mechanisms to offer (`AUTH ...`), in order; empty: no AUTH.
    pub auth_mechanisms: Vec<String>,
    /// `AuthOptions` `p`: the mechanisms that send the password in the clear (PLAIN,
    /// LOGIN) are neither offered nor accepted before STARTTLS.
    pub auth_plaintext_needs_tls: bool,
    /// A listener's `M=a`: MAIL before a successful AUTH gets `530 5.7.0
    /// Authentication required`.
    pub auth_required: bool,
    /// Take `AUTH=` on MAIL even when no mechanism is offered, as a sendmail built with
    /// SASL does (else `555 5.5.4 AUTH parameter unrecognized` without mechanisms).
    pub auth_param_always: bool,
    /// True when the driver can run a TLS handshake (STARTTLS offered).
    pub tls_available: bool,
    /// How long the driver waits for the client.
    pub timeouts: Timeouts,
}

impl Settings {
    /// sendmail's defaults for a server called `host_name`.
    pub fn new(host_name: &str) -> Settings {
        Settings {
            host_name: host_name.to_string(),
            greeting: format!("{host_name} ESMTP ferrymail"),
            version: "8.17.1.9".to_string(),
            privacy: Privacy::default(),
            limits: Limits::default(),
            extensions: Extensions::default(),
            auth_mechanisms: Vec::new(),
            auth_plaintext_needs_tls: false,
            auth_required: false,
            auth_param_always: false,
            tls_available: false,
            timeouts: Timeouts::default(),
        }
    }
}

/// sendmail's server-side `Timeout.*` options, enforced by the drivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `Timeout.command`: waiting for the next command (default 1 hour).
    pub command: Duration,
    /// `Timeout.datablock`: waiting for message text after `354` (default 1 hour).
    pub datablock: Duration,
    /// `Timeout.auth`: waiting for the client's answer to a `334` (default 10 minutes).
    pub auth: Duration,
    /// `Timeout.starttls`: the TLS handshake (default 1 hour).
    pub starttls: Duration,
}

impl Default for Timeouts {
    fn default() -> Timeouts {
        let hour = Duration::from_secs(3600);
        Timeouts { command: hour, datablock: hour, auth: Duration::from_secs(600), starttls: hour }
    }
}

/// The `PrivacyOptions` flags that change the dialogue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Privacy {
    /// `novrfy`: VRFY gets `252 2.5.2 Cannot VRFY user...`.
    pub novrfy: bool,
    /// `noexpn`: EXPN gets `502 5.7.0 Sorry, we do not allow this operation`; implies
    /// `noverb` (as in sendmail, VERB is then refused too).
    pub noexpn: bool,
    /// `noverb`: VERB gets `502 5.7.0 Verbose unavailable`.
    pub noverb: bool,
    /// `needmailhelo`: MAIL before HELO gets `503 5.0.0 Polite people say HELO first`.
    pub needmailhelo: bool,
    /// `noetrn`: ETRN is refused and not offered.
    pub noetrn: bool,
    /// `noreceipts`: DSN is not offered and its parameters are unknown.
    pub noreceipts: bool,
}

impl Privacy {
    /// True when VERB is allowed.
    pub fn verb_allowed(&self) -> bool {
        !self.noverb && !self.noexpn
    }
}

/// Limits and sendmail's compiled-in flood counters.
#[derive(Debug, Clone)]
pub struct Limits {
    /// `MaxRecipientsPerMessage` (0: unlimited).
    pub max_recipients: usize,
    /// `BadRcptThrottle` (0: off): after this many rejected RCPTs each RCPT waits 1 s.
    pub bad_rcpt_throttle: u32,
    /// `MaxHeadersLength` in bytes (0: unlimited).
    pub max_headers_length: usize,
    /// `MaxMessageSize` in bytes (0: unlimited, `SIZE` offered without a number).
    pub max_message_size: u64,
    /// MAXBADCOMMANDS: the next unknown command gets 421 and the session ends.
    pub max_bad_commands: u32,
    /// MAXHELOCOMMANDS: slow-down threshold for HELO/EHLO.
    pub max_helo: u32,
    /// MAXNOOPCOMMANDS: slow-down threshold for NOOP.
    pub max_noop: u32,
    /// MAXVRFYCOMMANDS: slow-down threshold for VRFY and EXPN together.
    pub max_vrfy: u32,
    /// MAXETRNCOMMANDS: slow-down threshold for ETRN.
    pub max_etrn: u32,
    /// Longest command line, without its line ending; longer gets 421 and a close.
    pub max_command_line: usize,
    /// Upper bound of one slow-down delay.
    pub max_delay: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_recipients: 0,
            bad_rcpt_throttle: 0,
            max_headers_length: 0,
            max_message_size: 0,
            max_bad_commands: 25,
            max_helo: 3,
            max_noop: 20,
            max_vrfy: 6,
            max_etrn: 8,
            max_command_line: 2046,
            max_delay: Duration::from_secs(240),
        }
    }
}

/// ESMTP extensions to offer (EXPN, VERB, ETRN and DSN also follow [`Privacy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extensions {
    /// `PIPELINING`.
    pub pipelining: bool,
    /// `8BITMIME`.
    pub eight_bit_mime: bool,
    /// `SIZE`.
    pub size: bool,
    /// `DSN`.
    pub dsn: bool,
    /// `ETRN`.
    pub etrn: bool,
    /// `DELIVERBY`.
    pub deliver_by: bool,
    /// `CHUNKING` (BDAT, RFC 3030): beyond sendmail, off unless configured.
    pub chunking: bool,
    /// `SMTPUTF8` (RFC 6531): sendmail's `SMTPUTF8` option, off by default.
    pub smtputf8: bool,
}

impl Default for Extensions {
    fn default() -> Extensions {
        Extensions {
            pipelining: true,
            eight_bit_mime: true,
            size: true,
            dsn: true,
            etrn: true,
            deliver_by: true,
            chunking: false,
            smtputf8: false,
        }
    }
}
