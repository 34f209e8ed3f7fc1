//! What every session of the daemon shares: settings, queue, log, policy tables and
//! TLS, loaded together and replaced together on SIGHUP (sessions in flight keep the
//! generation they started with).
//!
//! # Errors
//! A certificate or key that cannot be loaded; an unreadable map named by the
//! configuration is logged and left out, as sendmail does with `-o` maps.

use crate::checks::Checks;
use crate::settings::Settings;
use anyhow::Result;
use spool::log::Syslog;
use spool::queue::Queue;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::{Arc, RwLock};

/// One generation of the daemon's configuration.
pub struct Shared {
    /// The settings it was built from.
    pub settings: Settings,
    /// The session settings every session starts from.
    pub engine: smtp::server::Settings,
    /// The queue (mqueue), with `QueueFileMode`.
    pub queue: Queue,
    /// Where log lines go.
    pub syslog: Syslog,
    /// The policy tables.
    pub checks: Checks,
    /// The STARTTLS acceptor, when certificate and key are configured.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Host names of addresses, from the hosts file (`HostsFile`).
    pub hosts: HashMap<IpAddr, String>,
}

/// `$v`: the version in greetings and HELP.
pub const VERSION: &str = concat!("ferrymail-", env!("CARGO_PKG_VERSION"));

impl Shared {
    /// Loads everything `settings` names.
    ///
    /// # Errors
    /// See the module documentation.
    pub fn load(settings: Settings) -> Result<Shared> {
        let syslog = Syslog::from_option(&settings.tag, settings.log_file.as_deref())?;
        let server = &settings.server;
        let tls = match &server.tls_files {
            Some((cert, key)) => Some(crate::tls::acceptor(cert, key)?),
            None => None,
        };
        let date =
            spool::message::added::arpadate(jiff::Timestamp::now(), &jiff::tz::TimeZone::system());
        let full_version = full_version(&settings);
        let macros =
            smtp::server::Macros { version: VERSION, full_version: &full_version, date: &date };
        let mut engine = smtp::server::Settings::from_server(server, &macros);
        engine.tls_available = tls.is_some();
        let queue = Queue::open(&server.queue_dir).with_file_mode(server.queue_file_mode);
        let checks = Checks::load(&settings.resolved, &syslog);
        let hosts = read_hosts(&settings.resolved.files.hosts_file);
        Ok(Shared { settings, engine, queue, syslog, checks, tls, hosts })
    }

    /// The greeting's date is taken per session; the rest is fixed for a generation.
    pub fn greeting(&self) -> String {
        let date =
            spool::message::added::arpadate(jiff::Timestamp::now(), &jiff::tz::TimeZone::system());
        let full_version = full_version(&self.settings);
        let macros =
            smtp::server::Macros { version: VERSION, full_version: &full_version, date: &date };
        smtp::server::greeting(
            &self.settings.server.greeting,
            &self.settings.server.host_name,
            &macros,
        )
    }
}

/// `$Z`: the version, with `confCF_VERSION` after a slash when set.
fn full_version(settings: &Settings) -> String {
    match &settings.resolved.names.cf_version {
        Some(cf) => format!("{VERSION}/{cf}"),
        None => VERSION.to_string(),
    }
}

/// The current generation, swapped whole on reload.
pub type Current = Arc<RwLock<Arc<Shared>>>;

/// The generation sessions starting now use.
pub fn current(shared: &Current) -> Arc<Shared> {
    shared.read().map(|s| s.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

/// Address-to-name entries of a hosts file (the first name of each line).
fn read_hosts(path: &Path) -> HashMap<IpAddr, String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut map = HashMap::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        if let (Some(addr), Some(name)) = (words.next(), words.next()) {
            if let Ok(ip) = addr.parse() {
                map.entry(ip).or_insert_with(|| name.to_string());
            }
        }
    }
    map
}
