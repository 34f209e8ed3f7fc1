//! smtpd's settings: the command line resolved with the configuration.
//!
//! The configuration is `-C file`, else `/etc/mail/sendmail.mc`, else sendmail's
//! defaults; `-O`/`-o` override its options. [`spool::settings::Settings`] gives the
//! typed values (maps, names, queue, files) and [`spool::settings::Server`] the
//! daemon's (listeners, limits, timeouts, privacy, TLS files); the `LogFile` option
//! (ferrymail's own) sends the log to a file or standard error instead of syslog, for
//! tests and sites without a syslog daemon.
//!
//! # Errors
//! An unreadable or invalid configuration (`EX_CONFIG`/`EX_NOINPUT`), a bad `-O`
//! (`EX_USAGE`), a listener that cannot be resolved (`EX_CONFIG`).

use crate::flags::Flags;
use anyhow::{Context, Result};
use spool::config::Config;
use spool::settings::Server;
use spool::sysexits::{Exit, EX_CONFIG};
use std::path::PathBuf;

/// Everything smtpd runs with; rebuilt on SIGHUP.
#[derive(Debug)]
pub struct Settings {
    /// The command line.
    pub flags: Flags,
    /// The configuration, with `-O` applied: its features and macro calls, which the
    /// rules and the blocklists read.
    pub config: Config,
    /// Its options resolved into typed values.
    pub resolved: spool::settings::Settings,
    /// The daemon's typed values.
    pub server: Server,
    /// `LogFile`: a file, `-` for standard error, `None` for syslog.
    pub log_file: Option<PathBuf>,
    /// The syslog ident: `-L tag`, else `sm-mta` as Debian's MTA.
    pub tag: String,
    /// sendmail's `$w`, the system's own name (`X-Authentication-Warning:` lines).
    pub system_name: String,
}

/// Resolves `flags` with the configuration they name.
///
/// # Errors
/// See the module documentation.
pub fn resolve(flags: Flags) -> Result<Settings> {
    let mut config = match &flags.config {
        Some(path) => Config::load(path)?,
        None => Config::load_default()?,
    };
    for option in &flags.options {
        config.set_option(option).map_err(|e| Exit::usage(e.to_string()))?;
    }
    let server = Server::from_config(&config)
        .map_err(|e| Exit { code: EX_CONFIG, message: e.to_string() })
        .context("listeners")?;
    let resolved = spool::settings::Settings::from_config(&config);
    let log_file = resolved.files.log_file.clone();
    let tag = flags.tag.clone().unwrap_or_else(|| "sm-mta".to_string());
    let system_name = spool::host::system_name();
    Ok(Settings { flags, config, resolved, server, log_file, tag, system_name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_override_the_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let mc = dir.path().join("sendmail.mc");
        std::fs::write(&mc, "DAEMON_OPTIONS(`Port=2525, Addr=127.0.0.1, Name=MTA')dnl\n").unwrap();
        let flags = Flags {
            config: Some(mc),
            options: vec!["QueueDirectory=/q".into(), "LogFile=-".into()],
            ..Flags::default()
        };
        let s = resolve(flags).unwrap();
        assert_eq!(s.server.queue_dir, PathBuf::from("/q"));
        assert_eq!(s.server.listeners[0].addr, "127.0.0.1:2525".parse().unwrap());
        assert_eq!(s.log_file, Some(PathBuf::from("-")));
        assert_eq!(s.tag, "sm-mta");
    }

    #[test]
    fn a_bad_option_is_a_usage_error() {
        let flags = Flags { options: vec!["NoSuchOption=1".into()], ..Flags::default() };
        let err = resolve(flags).unwrap_err();
        assert_eq!(spool::sysexits::exit_code(err.as_ref()), 64);
    }
}
