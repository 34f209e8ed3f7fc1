//! # Name
//! settings - how the client talks: the mailer's flags and sendmail's `Timeout.*`
//!
//! # Description
//! [`Settings`] are per mailer (`esmtp`, `smtp`, `relay`, ...): queue-runner fills
//! them from the configuration. The defaults are sendmail 8.17's for the `esmtp`
//! mailer (`F=mDFMuXa`, `L=990`) with its default options.
//!
//! [`Timeouts`] are sendmail's client-side `Timeout.*` options, one per phase of the
//! dialogue; each read waits at most the timeout of the reply it waits for, each
//! write of message text at most `datablock`.
//!
//! [`Target`] is one host to try: the name sendmail shows (`[127.0.0.1]`,
//! `mx1.example.org`), the address and port to connect to, and the authinfo
//! credentials for this host, if any.

use super::auth::Credentials;
use super::envelope::EightBitMode;
use std::net::IpAddr;
use std::time::Duration;

/// sendmail's client-side timeouts (`Timeout.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `Timeout.connect`: the TCP connection.
    pub connect: Duration,
    /// `Timeout.initial`: the 220 greeting.
    pub initial: Duration,
    /// `Timeout.helo`: the reply to EHLO/HELO.
    pub helo: Duration,
    /// `Timeout.starttls`: the reply to STARTTLS and the handshake.
    pub starttls: Duration,
    /// `Timeout.auth`: each reply of the AUTH exchange.
    pub auth: Duration,
    /// `Timeout.mail`: the reply to MAIL.
    pub mail: Duration,
    /// `Timeout.rcpt`: the reply to each RCPT.
    pub rcpt: Duration,
    /// `Timeout.datainit`: the reply to DATA.
    pub datainit: Duration,
    /// `Timeout.datablock`: each write of message text.
    pub datablock: Duration,
    /// `Timeout.datafinal`: the reply to the final dot.
    pub datafinal: Duration,
    /// `Timeout.rset`: the reply to RSET after a failed transaction.
    pub rset: Duration,
    /// `Timeout.quit`: the reply to QUIT.
    pub quit: Duration,
    /// `Timeout.misc`: the reply to the RSET that checks a cached connection.
    pub misc: Duration,
    /// `Timeout.hoststatus`: how long a host that failed is not tried again.
    pub hoststatus: Duration,
}

const MINUTE: u64 = 60;

impl Default for Timeouts {
    fn default() -> Timeouts {
        let m = |n: u64| Duration::from_secs(n * MINUTE);
        Timeouts {
            connect: m(5),
            initial: m(5),
            helo: m(5),
            starttls: m(60),
            auth: m(10),
            mail: m(10),
            rcpt: m(60),
            datainit: m(5),
            datablock: m(60),
            datafinal: m(60),
            rset: m(5),
            quit: m(2),
            misc: m(2),
            hoststatus: m(30),
        }
    }
}

/// How the client talks to the servers of one mailer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The name in EHLO/HELO (`$j`, or the mailer's `HeloName`).
    pub helo_name: String,
    /// The mailer's `a` flag: always start with EHLO (`esmtp`, `relay`); without it
    /// EHLO is sent only when the greeting says `ESMTP` (`smtp`).
    pub esmtp: bool,
    /// The mailer's `L=`: the longest line sent (0: no limit).
    pub line_limit: usize,
    /// The mailer's `8` flag: 8-bit data needs no conversion (`relay`, `smtp8`).
    pub mailer_8bit: bool,
    /// `EightBitMode`.
    pub eight_bit_mode: EightBitMode,
    /// Whether a reply to EHLO naming us ends the connection (`mail loops back to
    /// me`; off with the mailer's `k` flag).
    pub loop_check: bool,
    /// Whether STARTTLS is used when offered (sendmail's default; off for hosts
    /// `Try_TLS:` says NO to).
    pub starttls: bool,
    /// `TLSFallbacktoClear`: after a failed TLS handshake, connect again at once
    /// without STARTTLS (sendmail's default is false: the message is deferred).
    pub tls_fallback_to_clear: bool,
    /// `AuthMechanisms`: the mechanisms used with credentials that name none.
    pub auth_mechanisms: Vec<String>,
    /// The client timeouts.
    pub timeouts: Timeouts,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            helo_name: "localhost".to_string(),
            esmtp: true,
            line_limit: 990,
            mailer_8bit: false,
            eight_bit_mode: EightBitMode::Pass,
            loop_check: true,
            starttls: true,
            tls_fallback_to_clear: false,
            auth_mechanisms: ["EXTERNAL", "GSSAPI", "KERBEROS_V4", "DIGEST-MD5", "CRAM-MD5"]
                .map(String::from)
                .to_vec(),
            timeouts: Timeouts::default(),
        }
    }
}

/// One host to deliver to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The host as sendmail names it in messages (`[127.0.0.1]`, `mx1.example.org`).
    pub host: String,
    /// The address to connect to.
    pub ip: IpAddr,
    /// The port (25, or the mailer's `A=TCP $h port`).
    pub port: u16,
    /// The authinfo credentials for this host.
    pub credentials: Option<Credentials>,
}

impl Target {
    /// A target for `ip` on `port`, named `[ip]` as sendmail names a bracketed host.
    pub fn ip(ip: IpAddr, port: u16) -> Target {
        Target { host: format!("[{ip}]"), ip, port, credentials: None }
    }

    /// The name to verify a certificate against: the host without brackets or a
    /// trailing dot.
    pub fn tls_name(&self) -> String {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        host.trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_sendmails() {
        let t = Timeouts::default();
        assert_eq!(
            (t.initial, t.rcpt, t.quit),
            (Duration::from_secs(300), Duration::from_secs(3600), Duration::from_secs(120))
        );
        let s = Settings::default();
        assert_eq!((s.line_limit, s.esmtp, s.tls_fallback_to_clear), (990, true, false));
    }

    #[test]
    fn targets_name_themselves_as_sendmail_does() {
        let t = Target::ip("127.0.0.1".parse().unwrap(), 2525);
        assert_eq!((t.host.as_str(), t.tls_name().as_str()), ("[127.0.0.1]", "127.0.0.1"));
        let mx = Target { host: "mx1.example.org.".into(), ..t };
        assert_eq!(mx.tls_name(), "mx1.example.org");
    }
}
