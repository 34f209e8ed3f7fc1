//! What the SMTP daemon reads from the configuration: limits, timeouts, privacy,
//! listeners and its own options.

use super::{Listener, ListenerError, Privacy};
use crate::config::Config;
use std::path::PathBuf;
use std::time::Duration;

/// The limits the SMTP server enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmtpLimits {
    /// `MaxRecipientsPerMessage` (0: unlimited).
    pub max_recipients: usize,
    /// `BadRcptThrottle` (0: off).
    pub bad_rcpt_throttle: u32,
    /// `MaxHeadersLength` in bytes (sendmail's default 32768; 0: unlimited).
    pub max_headers_length: usize,
    /// `MaxMessageSize` in bytes (0: unlimited).
    pub max_message_size: u64,
    /// `MinFreeBlocks`: free blocks the queue's file system must keep (default 100).
    pub min_free_blocks: u64,
}

impl SmtpLimits {
    /// The limits of `config`.
    pub fn from_config(config: &Config) -> SmtpLimits {
        let number = |name: &str| config.option_int(name).unwrap_or(0).max(0) as u64;
        SmtpLimits {
            max_recipients: number("MaxRecipientsPerMessage") as usize,
            bad_rcpt_throttle: number("BadRcptThrottle") as u32,
            max_headers_length: number("MaxHeadersLength") as usize,
            max_message_size: number("MaxMessageSize"),
            min_free_blocks: number("MinFreeBlocks"),
        }
    }
}

/// The server side of sendmail's `Timeout.*` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerTimeouts {
    /// `Timeout.command` (1h): waiting for the next command.
    pub command: Duration,
    /// `Timeout.datablock` (1h): each read of message text.
    pub datablock: Duration,
    /// `Timeout.auth` (10m): an AUTH dialogue.
    pub auth: Duration,
    /// `Timeout.starttls` (1h): a TLS handshake.
    pub starttls: Duration,
}

impl ServerTimeouts {
    /// The timeouts of `config`.
    pub fn from_config(config: &Config) -> ServerTimeouts {
        let time = |name: &str, default: u64| {
            config.option_duration(name, 'm').unwrap_or(Duration::from_secs(default))
        };
        ServerTimeouts {
            command: time("Timeout.command", 3600),
            datablock: time("Timeout.datablock", 3600),
            auth: time("Timeout.auth", 600),
            starttls: time("Timeout.starttls", 3600),
        }
    }
}

/// Everything the SMTP daemon needs from the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    /// `$j`, the canonical host name.
    pub host_name: String,
    /// `SmtpGreetingMessage`, unexpanded (`$j Sendmail $v/$Z; $b`).
    pub greeting: String,
    /// `PrivacyOptions`.
    pub privacy: Privacy,
    /// The SMTP limits.
    pub limits: SmtpLimits,
    /// The read and handshake timeouts.
    pub timeouts: ServerTimeouts,
    /// Where to listen.
    pub listeners: Vec<Listener>,
    /// `QueueDirectory`.
    pub queue_dir: PathBuf,
    /// `QueueFileMode` (default 0600).
    pub queue_file_mode: u32,
    /// `PidFile`.
    pub pid_file: Option<PathBuf>,
    /// `RunAsUser` (`user[:group]`), if set.
    pub run_as: Option<String>,
    /// `MaxDaemonChildren` (0: no limit): sessions served at once.
    pub max_children: usize,
    /// `ConnectionRateThrottle` (0: no limit): connections per window.
    pub rate_throttle: usize,
    /// `ConnectionRateWindowSize` (60s).
    pub rate_window: Duration,
    /// `ServerCertFile` and `ServerKeyFile`, when both are set.
    pub tls_files: Option<(PathBuf, PathBuf)>,
    /// `DoubleBounceAddress`.
    pub double_bounce: String,
    /// `Chunking` (ferrymail's, off by default as sendmail has none): offer BDAT.
    pub chunking: bool,
    /// `SMTPUTF8` (sendmail 8.17's, default False): offer SMTPUTF8.
    pub smtputf8: bool,
}

impl Server {
    /// The daemon's settings from `config`.
    ///
    /// # Errors
    /// A listener that cannot be resolved.
    pub fn from_config(config: &Config) -> Result<Server, ListenerError> {
        let path = |name: &str| config.option(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let number = |name: &str| config.option_int(name).unwrap_or(0).max(0) as usize;
        Ok(Server {
            host_name: crate::host::canonical_name(&super::Names::from_config(config)),
            greeting: config
                .option("SmtpGreetingMessage")
                .unwrap_or("$j Sendmail $v/$Z; $b")
                .into(),
            privacy: Privacy::from_config(config),
            limits: SmtpLimits::from_config(config),
            timeouts: ServerTimeouts::from_config(config),
            listeners: Listener::from_config(config)?,
            queue_dir: config.queue_directory(),
            queue_file_mode: config
                .option("QueueFileMode")
                .and_then(|m| u32::from_str_radix(m.trim(), 8).ok())
                .unwrap_or(0o600),
            pid_file: path("PidFile"),
            run_as: config.option("RunAsUser").filter(|v| !v.is_empty()).map(str::to_string),
            max_children: number("MaxDaemonChildren"),
            rate_throttle: number("ConnectionRateThrottle"),
            rate_window: config
                .option_duration("ConnectionRateWindowSize", 's')
                .unwrap_or(Duration::from_secs(60)),
            tls_files: path("ServerCertFile").zip(path("ServerKeyFile")),
            double_bounce: config.option("DoubleBounceAddress").unwrap_or("postmaster").into(),
            chunking: config.option_bool("Chunking").unwrap_or(false),
            smtputf8: config.option_bool("SMTPUTF8").unwrap_or(false),
        })
    }
}
