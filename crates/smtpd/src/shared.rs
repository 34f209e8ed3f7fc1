//! What every session of the daemon shares: settings, queue, log, policy tables and
//! TLS, loaded together and replaced together on SIGHUP (sessions in flight keep the
//! generation they started with).
//!
//! # Errors
//! A certificate or key that cannot be loaded, a `Sendmail.conf` that cannot be read; an unreadable map named by the
//! configuration is logged and left out, as sendmail does with `-o` maps.

use crate::auth::AuthConfig;
use crate::checks::Checks;
use crate::settings::Settings;
use anyhow::Result;
use spool::log::{Severity, Syslog};
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
    /// AUTH: mechanisms, options, trusted mechanisms, the password checker.
    pub auth: AuthConfig,
    /// The STARTTLS acceptor, when certificate and key are configured.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Host names of addresses, from the hosts file (`confSERVICE_SWITCH_FILE`'s
    /// `hosts files`).
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
        let full_version = match settings.config.macro_value("confCF_VERSION") {
            Some(cf) => format!("{VERSION}/{cf}"),
            None => VERSION.to_string(),
        };
        let macros =
            smtp::server::Macros { version: VERSION, full_version: &full_version, date: &date };
        let auth = AuthConfig::resolve(&settings.config, &server.host_name, server.timeouts.auth)?;
        for warning in &auth.warnings {
            syslog.log(Severity::Warning, &format!("AUTH: {warning}"));
        }
        let mut engine = smtp::server::Settings::from_server(server, &macros);
        engine.tls_available = tls.is_some();
        engine.auth_mechanisms = auth.offered.clone();
        engine.auth_plaintext_needs_tls = auth.plaintext_needs_tls;
        engine.auth_param_always = true;
        let queue = Queue::open(&server.queue_dir).with_file_mode(server.queue_file_mode);
        let checks = Checks::load(&settings.config, &syslog);
        let hosts = read_hosts(Path::new("/etc/hosts"));
        Ok(Shared { settings, engine, queue, syslog, checks, auth, tls, hosts })
    }

    /// The greeting's date is taken per session; the rest is fixed for a generation.
    pub fn greeting(&self) -> String {
        let date =
            spool::message::added::arpadate(jiff::Timestamp::now(), &jiff::tz::TimeZone::system());
        let full_version = match self.settings.config.macro_value("confCF_VERSION") {
            Some(cf) => format!("{VERSION}/{cf}"),
            None => VERSION.to_string(),
        };
        let macros =
            smtp::server::Macros { version: VERSION, full_version: &full_version, date: &date };
        smtp::server::greeting(
            &self.settings.server.greeting,
            &self.settings.server.host_name,
            &macros,
        )
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
