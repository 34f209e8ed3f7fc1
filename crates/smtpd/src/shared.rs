//! What every session of the daemon shares: settings, queue, log, policy tables, the
//! resolver and TLS, loaded together and replaced together on SIGHUP (sessions in
//! flight keep the generation they started with).
//!
//! The resolver follows the `hosts` line of `ServiceSwitchFile` (`files`: the
//! `HostsFile` alone, no name server asked for host lookups) and asks the name servers
//! of `ResolverNameserver` when set, else those of `/etc/resolv.conf`.
//!
//! # Errors
//! A certificate or key that cannot be loaded; a `ResolverNameserver` that is not a
//! list of addresses; a `Sendmail.conf` that cannot be read. An unreadable map named
//! by the configuration is logged and left out, as sendmail does with `-o` maps; name
//! servers that cannot be set up (no resolv.conf) are logged, and host lookups use the
//! hosts file alone.

use crate::auth::AuthConfig;
use crate::blocklists::Blocklists;
use crate::settings::Settings;
use anyhow::Result;
use dns::{HostSwitch, HostsFile, Resolver, ServerConfig};
use spool::log::{Severity, Syslog};
use spool::queue::Queue;
use spool::sysexits::{Exit, EX_CONFIG};
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
    /// sendmail's SMTP-time rules, from the configuration and maps.
    pub rules: spool::rules::Rules,
    /// AUTH: mechanisms, options, the password checker.
    pub auth: AuthConfig,
    /// The STARTTLS acceptor, when certificate and key are configured.
    pub tls: Option<tokio_rustls::TlsAcceptor>,
    /// Host and DNS lookups.
    pub resolver: Resolver,
    /// `FEATURE(dnsbl)` and `FEATURE(enhdnsbl)`.
    pub blocklists: Blocklists,
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
        let auth =
            AuthConfig::resolve(&settings.resolved.auth, &server.host_name, server.timeouts.auth)?;
        for warning in &auth.warnings {
            syslog.log(Severity::Warning, &format!("AUTH: {warning}"));
        }
        let mut engine = smtp::server::Settings::from_server(server, &macros);
        engine.tls_available = tls.is_some();
        engine.auth_mechanisms = auth.offered.clone();
        engine.auth_plaintext_needs_tls = auth.plaintext_needs_tls;
        engine.auth_param_always = true;
        let queue = Queue::open(&server.queue_dir).with_file_mode(server.queue_file_mode);
        let system = spool::rules::System::detect(&settings.resolved);
        let rules = spool::rules::Rules::load(&settings.config, &system).map_err(|e| {
            spool::sysexits::Exit { code: spool::sysexits::EX_CONFIG, message: e.to_string() }
        })?;
        let resolver = resolver(&settings.resolved.files, &syslog)?;
        let blocklists = Blocklists::load(&settings.config, &syslog);
        Ok(Shared { settings, engine, queue, syslog, rules, auth, tls, resolver, blocklists })
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

/// The current generation, swapped whole on reload.
pub type Current = Arc<RwLock<Arc<Shared>>>;

/// The generation sessions starting now use.
pub fn current(shared: &Current) -> Arc<Shared> {
    shared.read().map(|s| s.clone()).unwrap_or_else(|poisoned| poisoned.into_inner().clone())
}

/// `$Z`: the version, with `confCF_VERSION` after a slash when set.
fn full_version(settings: &Settings) -> String {
    match &settings.resolved.names.cf_version {
        Some(cf) => format!("{VERSION}/{cf}"),
        None => VERSION.to_string(),
    }
}

/// The resolver the configuration asks for (see the module documentation).
fn resolver(files: &spool::settings::Files, syslog: &Syslog) -> Result<Resolver> {
    let switch_file = &files.service_switch_file;
    let switch = HostSwitch::read(switch_file).unwrap_or_else(|e| {
        syslog.log(Severity::Err, &format!("NOQUEUE: SYSERR: {e}"));
        HostSwitch::default()
    });
    for source in &switch.ignored {
        let file = switch_file.display();
        let line = format!("NOQUEUE: {file}: hosts source {source} not available, ignored");
        syslog.log(Severity::Warning, &line);
    }
    let hosts = HostsFile::read(&files.hosts_file);
    let servers = match &files.resolver_nameserver {
        Some(value) => dns::servers::parse_servers(value)
            .map_err(|e| Exit { code: EX_CONFIG, message: e.to_string() })?,
        None => Vec::new(),
    };
    let server_config = ServerConfig { servers, ..ServerConfig::default() };
    Ok(Resolver::new(&switch, hosts.clone(), &server_config).unwrap_or_else(|e| {
        syslog.log(Severity::Warning, &format!("NOQUEUE: name servers unavailable: {e}"));
        Resolver::files_only(hosts)
    }))
}
