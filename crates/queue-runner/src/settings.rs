//! The command line and the configuration, resolved once into what a queue run needs.
//!
//! ```text
//! run mode      -q (detached unless -v) | -qf | -q<interval>
//! queues        QueueDirectory (mqueue), the MSP queue (ClientQueueDirectory or the
//!               submit.mc beside the config), QueueFileMode, the MSP's RunAsUser and
//!               QueueFileMode (what a client queue file must look like)
//! delivery      $j, class w, aliases, mailertable, SMART_HOST, ForwardPath,
//!               DefaultUser, DontBlameSendmail, MaxHopCount, MaxAliasRecursion,
//!               the local, prog and *file* mailers
//! retries       MinQueueAge, Timeout.queuewarn, Timeout.queuereturn, RetryFactor,
//!               RecipientFactor, DoubleBounceAddress
//! limits        MaxQueueChildren (jobs at once), MaxHostDeliveries (per destination)
//! ```
//!
//! # Errors
//! A configuration that cannot be read (`EX_NOINPUT`, `EX_CONFIG`), a bad `-O`/`-o`
//! option (`EX_USAGE`), an unknown user in `RunAsUser` of the MSP (`EX_NOUSER`).

use crate::expand::Directory;
use crate::flags::{Filter, Flags, Run};
use crate::senders::Senders;
use anyhow::{Context, Result};
use spool::config::Config;
use spool::settings::Mailers;
use spool::sysexits::{Exit, EX_NOUSER, EX_USAGE};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Jobs worked at once when `MaxQueueChildren` is not set.
const DEFAULT_WORKERS: usize = 16;

/// What a client queue file must look like to be picked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientFiles {
    /// The owner the MSP writes as (`RunAsUser` of submit.mc), if known.
    pub uid: Option<u32>,
    /// Its group.
    pub gid: Option<u32>,
    /// The most permissive mode allowed (`QueueFileMode` of submit.mc, 0660).
    pub mode: u32,
}

/// The retry schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `MinQueueAge`: a message tried more recently is left alone.
    pub min_queue_age: Duration,
    /// `Timeout.queuewarn` (4h): a delay warning after this long.
    pub queuewarn: Duration,
    /// `Timeout.queuereturn` (5d): give up and bounce after this long.
    pub queuereturn: Duration,
}

/// `-Q[reason]`: change the quarantine of the selected jobs instead of running them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantine {
    /// The reason to quarantine for; `None` releases.
    pub reason: Option<String>,
    /// `-qQ`: the jobs are the quarantined ones (hf), else the queued ones (qf).
    pub of_quarantined: bool,
}

/// Everything a queue run needs.
pub struct Settings {
    /// `-Q[reason]`, if given.
    pub quarantine: Option<Quarantine>,
    /// How to run.
    pub run: Run,
    /// `-q` or `-q<interval>` without `-v`: detach from the terminal first.
    pub detach: bool,
    /// `-Ac`: work the client queue.
    pub client: bool,
    /// `-v`.
    pub verbose: bool,
    /// `-q[!]I|R|S` selections.
    pub filters: Vec<Filter>,
    /// `QueueSortOrder` (priority).
    pub sort_order: spool::queue::scan::SortOrder,
    /// The MTA's queue.
    pub queue_dir: PathBuf,
    /// The MSP's queue.
    pub client_queue_dir: PathBuf,
    /// `QueueFileMode` of the MTA's queue.
    pub queue_file_mode: u32,
    /// What client queue files must look like.
    pub client_files: ClientFiles,
    /// `$j`.
    pub host: String,
    /// Aliases, users, routes: what recipients expand through.
    pub directory: Directory,
    /// The local mailers.
    pub mailers: Mailers,
    /// Retries.
    pub timeouts: Timeouts,
    /// `RetryFactor` (90000): added to the priority at each attempt.
    pub retry_factor: i64,
    /// `RecipientFactor` (30000): priority per recipient of a new message.
    pub recipient_factor: i64,
    /// `DoubleBounceAddress` (`postmaster`; empty: double bounces are dropped).
    pub double_bounce: String,
    /// `MaxHopCount` (25).
    pub max_hops: usize,
    /// `MaxMessageSize` (0: no limit), applied at pickup.
    pub max_message_size: u64,
    /// `MaxHeadersLength` (32768), applied at pickup.
    pub max_headers_length: usize,
    /// `MaxQueueChildren`: jobs worked at once.
    pub workers: usize,
    /// `MaxHostDeliveries`: deliveries to one destination at once.
    pub per_destination: usize,
    /// `LogFile` (ferrymail's): log lines to a file instead of syslog.
    pub log_file: Option<PathBuf>,
    /// `-L tag`: the syslog identifier (`sendmail`).
    pub log_tag: String,
    /// The program run as the file agent (this executable).
    pub agent: PathBuf,
    /// Host and MX lookups for remote delivery (`ServiceSwitchFile`, `HostsFile`,
    /// `ResolverNameserver`).
    pub resolver: dns::Resolver,
    /// `FEATURE(authinfo)`'s map: SMTP AUTH credentials per remote host.
    pub authinfo: Option<std::sync::Arc<dyn spool::maps::Map>>,
    /// Sender rewriting: `FEATURE(genericstable)`, masquerading.
    pub senders: Senders,
    /// The milters (`INPUT_MAIL_FILTER`) picked-up mail passes, in order.
    pub milters: Vec<spool::settings::Milter>,
    /// The macros each milter stage sends (`confMILTER_MACROS_*`).
    pub milter_macros: [Vec<String>; 7],
}

/// Resolves the command line with the configuration it names.
///
/// # Errors
/// See the module documentation.
pub fn resolve(flags: Flags) -> Result<Settings> {
    let mut config = match &flags.config {
        Some(path) => Config::load(path)?,
        None => Config::load_default()?,
    };
    for option in &flags.options {
        config.set_option(option).map_err(|e| Exit { code: EX_USAGE, message: e.to_string() })?;
    }
    for option in &flags.short_options {
        config
            .set_short_option(option)
            .map_err(|e| Exit { code: EX_USAGE, message: e.to_string() })?;
    }
    let run = flags.run.expect("parse requires a -q flag");
    if flags.quarantined && flags.quarantine.is_none() {
        return Err(Exit {
            code: spool::sysexits::EX_UNAVAILABLE,
            message: "-qQ: quarantined jobs are not run; release them with -Q -qQ -qI<id>".into(),
        }
        .into());
    }
    let typed = spool::settings::Settings::from_config(&config);
    let queue = &typed.queue;
    let agent = std::env::current_exe().context("cannot find this program's own path")?;
    let directory = Directory::load(&typed);
    let host = spool::host::canonical_name(&typed.names);
    let senders = Senders::new(
        &typed.masquerade,
        open_map(typed.maps.genericstable.as_ref()),
        directory.local_names.clone(),
        &host,
    );
    Ok(Settings {
        run,
        detach: run != Run::Foreground && !flags.verbose && flags.quarantine.is_none(),
        quarantine: flags.quarantine.map(|reason| Quarantine {
            reason: Some(reason).filter(|r| !r.is_empty()),
            of_quarantined: flags.quarantined,
        }),
        client: flags.client,
        verbose: flags.verbose,
        filters: flags.filters,
        sort_order: queue.sort_order,
        queue_dir: absolute(queue.dir.clone()),
        client_queue_dir: absolute(queue.client_dir.clone()),
        queue_file_mode: queue.file_mode,
        client_files: client_files(&queue.client_writer)?,
        host,
        directory,
        mailers: typed.delivery.mailers.clone(),
        timeouts: Timeouts {
            min_queue_age: queue.min_queue_age,
            queuewarn: queue.queue_warn,
            queuereturn: queue.queue_return,
        },
        retry_factor: queue.retry_factor,
        recipient_factor: queue.recipient_factor,
        double_bounce: typed.delivery.double_bounce.clone(),
        max_hops: typed.delivery.max_hop_count,
        max_message_size: typed.limits.max_message_size,
        max_headers_length: typed.limits.max_headers_length,
        workers: queue.max_children.unwrap_or(DEFAULT_WORKERS),
        per_destination: queue.max_host_deliveries,
        log_file: typed.files.log_file.clone(),
        log_tag: flags.tag.unwrap_or_else(|| "sendmail".into()),
        agent,
        resolver: resolver(&typed.files)?,
        authinfo: open_map(typed.maps.authinfo.as_ref()),
        senders,
        milters: typed.milters.clone(),
        milter_macros: typed.milter_macros.clone(),
    })
}

/// A feature's map, opened; `None` when the feature is off or the map cannot be
/// opened (sendmail's `-o` maps).
fn open_map(spec: Option<&spool::settings::MapSpec>) -> Option<Arc<dyn spool::maps::Map>> {
    spec.and_then(|spec| spec.open().ok().flatten()).map(Arc::from)
}

/// The resolver the configuration asks for, as smtpd builds it (`ServiceSwitchFile`,
/// `HostsFile`, `ResolverNameserver`).
fn resolver(files: &spool::settings::Files) -> Result<dns::Resolver> {
    let switch = dns::HostSwitch::read(&files.service_switch_file).unwrap_or_default();
    let hosts = dns::HostsFile::read(&files.hosts_file);
    let servers = match &files.resolver_nameserver {
        Some(value) => dns::servers::parse_servers(value)
            .map_err(|e| Exit { code: spool::sysexits::EX_CONFIG, message: e.to_string() })?,
        None => Vec::new(),
    };
    let server_config = dns::ServerConfig { servers, ..dns::ServerConfig::default() };
    Ok(dns::Resolver::new(&switch, hosts.clone(), &server_config)
        .unwrap_or_else(|_| dns::Resolver::files_only(hosts)))
}

/// A queue path made absolute, so that detaching (which changes to `/`) keeps it.
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// The MSP's `RunAsUser` and `QueueFileMode`: whom client queue files belong to.
fn client_files(writer: &spool::settings::QueueWriter) -> Result<ClientFiles> {
    let mode = writer.file_mode.unwrap_or(0o660);
    let Some(spec) = writer.run_as.as_deref() else {
        return Ok(ClientFiles { uid: None, gid: None, mode });
    };
    let (user, group) = spec.split_once(':').unwrap_or((spec, ""));
    let unknown =
        |what: &str| Exit { code: EX_NOUSER, message: format!("RunAsUser: unknown {what}") };
    let (uid, user_gid) = match user.parse::<u32>() {
        Ok(n) => (n, None),
        Err(_) => {
            let u =
                nix::unistd::User::from_name(user).ok().flatten().ok_or_else(|| unknown(user))?;
            (u.uid.as_raw(), Some(u.gid.as_raw()))
        }
    };
    let gid = match group {
        "" => user_gid,
        g => Some(match g.parse::<u32>() {
            Ok(n) => n,
            Err(_) => nix::unistd::Group::from_name(g)
                .ok()
                .flatten()
                .ok_or_else(|| unknown(g))?
                .gid
                .as_raw(),
        }),
    };
    Ok(ClientFiles { uid: Some(uid), gid, mode })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(mc: &str, args: &str) -> Settings {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sendmail.mc");
        std::fs::write(&path, mc).unwrap();
        let mut words: Vec<String> = args.split_whitespace().map(String::from).collect();
        words.extend(["-C".into(), path.display().to_string()]);
        resolve(crate::flags::parse(words).unwrap()).unwrap()
    }

    #[test]
    fn defaults_are_sendmails() {
        let s = settings("", "-q");
        assert!(s.detach);
        assert_eq!(s.queue_dir, PathBuf::from("/var/spool/mqueue"));
        assert_eq!(s.timeouts.queuewarn, Duration::from_secs(4 * 3600));
        assert_eq!(s.timeouts.queuereturn, Duration::from_secs(5 * 86400));
        assert_eq!(s.timeouts.min_queue_age, Duration::ZERO);
        assert_eq!((s.retry_factor, s.recipient_factor, s.max_hops), (90000, 30000, 25));
        assert_eq!(s.double_bounce, "postmaster");
        assert_eq!(s.client_files, ClientFiles { uid: None, gid: None, mode: 0o660 });
        assert!(!settings("", "-q -v").detach && !settings("", "-qf").detach);
        assert!(settings("", "-q30m").detach && !settings("", "-v -q30m").detach);
    }

    #[test]
    fn the_mc_and_options_override() {
        let mc = "define(`QUEUE_DIR', `/q')dnl\ndefine(`confTO_QUEUEWARN', `1h')dnl\ndefine(`confDOUBLE_BOUNCE_ADDRESS', `dev-null')dnl\ndefine(`confMAX_HOP', `7')dnl\n";
        let s = settings(mc, "-qf -O MinQueueAge=30m -O MaxQueueChildren=3 -L runner");
        assert_eq!(s.queue_dir, PathBuf::from("/q"));
        assert_eq!(s.timeouts.queuewarn, Duration::from_secs(3600));
        assert_eq!(s.timeouts.min_queue_age, Duration::from_secs(1800));
        assert_eq!((s.double_bounce.as_str(), s.max_hops, s.workers), ("dev-null", 7, 3));
        assert_eq!(s.log_tag, "runner");
        let msp = settings(
            "FEATURE(`msp')dnl\ndefine(`confRUN_AS_USER', `0:0')dnl\ndefine(`confQUEUE_FILE_MODE', `0640')dnl\n",
            "-q",
        );
        assert_eq!(msp.client_files, ClientFiles { uid: Some(0), gid: Some(0), mode: 0o640 });
    }
}
