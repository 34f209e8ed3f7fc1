//! Building the rules from the configuration, once: maps opened, classes read.
//!
//! What comes from where:
//!
//! ```text
//! $j, class w      confDOMAIN_NAME, the host name and its names, [its addresses],
//!                  localhost, local-host-names (use_cw_file), LOCAL_DOMAIN
//! $m               the domain of the host's canonical name
//! class R          confCR_FILE (default -o /etc/mail/relay-domains), RELAY_DOMAIN,
//!                  RELAY_DOMAIN_FILE
//! class M         MASQUERADE_DOMAIN
//! access           FEATURE(access_db, `type [-o] path', skip|lookupdotdomain)
//! mailertable      FEATURE(mailertable, `type [-o] path')
//! virtusertable    FEATURE(virtusertable, `type [-o] path'); VIRTUSER_DOMAIN and
//!                  VIRTUSER_DOMAIN_FILE name its domains (canonical, and in class R)
//! aliases          AliasFile (hash by default; `text:` read as an aliases file)
//! users            the passwd file of the System
//! ```
//!
//! The configuration is resolved by [`crate::settings::Settings`] (the map specs of
//! the features, the class files, `ForwardPath`, ...) and the maps are opened by
//! [`crate::lookup::Maps`], as for `-bv` and the queue runner. A map spec's default is
//! `hash /etc/mail/<name>`. A map flagged `-o` may be missing (it then has no
//! entries), as in sendmail.
//!
//! # Errors
//! [`RulesError`]: a map, class file, alias file or passwd file that must exist
//! cannot be read, or a map type this build does not read.

use super::{Features, Names, Rules};
use crate::aliases::AliasError;
use crate::classfile::{Class, ClassError};
use crate::config::Config;
use crate::forward::{ForwardError, Passwd, StaticUsers};
use crate::hosts::{Hosts, ServiceSwitch};
use crate::lookup::Maps;
use crate::maps::MapError;
use crate::settings::{ClassFileSpec, Settings};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

/// Why the rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A map could not be opened.
    #[error("{what}: {source}")]
    Map {
        /// Which map (`access`, `mailertable`, ...).
        what: String,
        /// The underlying error.
        source: MapError,
    },
    /// A class file (`relay-domains`, ...) could not be read.
    #[error(transparent)]
    Class(#[from] ClassError),
    /// The passwd file could not be read.
    #[error(transparent)]
    Passwd(#[from] ForwardError),
    /// An aliases file could not be read.
    #[error(transparent)]
    Alias(#[from] AliasError),
}

/// The machine the rules run on: its host name (`$w`), its names and addresses (all
/// in class `w`) and where its users are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct System {
    /// `$w`, the host name.
    pub host_name: String,
    /// The host's canonical name and aliases, canonical name first.
    pub host_names: Vec<String>,
    /// The host's addresses.
    pub addresses: Vec<IpAddr>,
    /// The passwd file.
    pub passwd: PathBuf,
}

impl System {
    /// A machine called `host_name` whose names and addresses come from `hosts`.
    pub fn from_hosts(host_name: &str, hosts: &Hosts, passwd: &Path) -> System {
        System {
            host_name: host_name.to_string(),
            host_names: hosts.names_of(host_name),
            addresses: hosts.addresses(host_name),
            passwd: passwd.to_path_buf(),
        }
    }

    /// This machine: the kernel's host name, its names and addresses from the hosts
    /// file (`HostsFile`) when the service switch lists `files` for hosts, and
    /// `/etc/passwd`.
    pub fn detect(settings: &Settings) -> System {
        let switch = ServiceSwitch::read(&settings.files.service_switch_file);
        let hosts = if switch.hosts().iter().any(|s| s == "files") {
            Hosts::read(&settings.files.hosts_file).unwrap_or_default()
        } else {
            Hosts::default()
        };
        System::from_hosts(&crate::host::system_name(), &hosts, Path::new("/etc/passwd"))
    }
}

/// True when `FEATURE(access_db, ...)` has `word` among its further arguments.
pub(super) fn access_option(config: &Config, word: &str) -> bool {
    config
        .feature("access_db")
        .is_some_and(|f| f.args.iter().skip(1).any(|a| a.trim().eq_ignore_ascii_case(word)))
}

/// Class `w` of `system`.
pub(super) fn class_w(settings: &Settings, system: &System) -> Class {
    let mut w = crate::host::local_names_for(&settings.names, &system.host_name);
    system.host_names.iter().for_each(|n| w.insert(n));
    for a in &system.addresses {
        match a {
            IpAddr::V4(v4) => w.insert(&format!("[{v4}]")),
            IpAddr::V6(v6) => w.insert(&format!("[IPv6:{v6}]")),
        }
    }
    w
}

/// `$j`: `confDOMAIN_NAME`, else the host's canonical name.
pub(super) fn canonical_name(settings: &Settings, system: &System) -> String {
    let dotted = system.host_names.iter().find(|n| n.contains('.'));
    settings
        .names
        .domain_name
        .clone()
        .or_else(|| dotted.cloned())
        .unwrap_or_else(|| system.host_name.clone())
}

/// `$m`: the domain of the host's canonical name, if it has one.
pub(super) fn local_domain(system: &System) -> Option<String> {
    let canonical = system.host_names.first()?;
    canonical.split_once('.').map(|(_, d)| d.to_ascii_lowercase()).filter(|d| !d.is_empty())
}

/// Class `R`: `RELAY_DOMAIN`, the relay-domains file and `RELAY_DOMAIN_FILE`s.
pub(super) fn class_r(settings: &Settings) -> Result<Class, RulesError> {
    let names = &settings.names;
    let mut r = Class::from_names(names.relay_domains.iter().cloned());
    for file in names.cr_file.iter().chain(&names.relay_domain_files) {
        file.read()?.names().iter().for_each(|n| r.insert(n));
    }
    Ok(r)
}

/// `{VirtHost}`: `VIRTUSER_DOMAIN` and `VIRTUSER_DOMAIN_FILE`.
pub(super) fn class_virt_hosts(config: &Config) -> Result<Class, RulesError> {
    let mut v = Class::from_names(call_words(config, "VIRTUSER_DOMAIN"));
    let calls = config.other_calls().iter().filter(|c| c.name == "VIRTUSER_DOMAIN_FILE");
    for spec in calls.filter_map(|c| ClassFileSpec::parse(c.args.first()?)) {
        spec.read()?.names().iter().for_each(|n| v.insert(n));
    }
    Ok(v)
}

/// The words of every `NAME(...)` call of the configuration.
pub(super) fn call_words(config: &Config, name: &str) -> Vec<String> {
    let calls = config.other_calls().iter().filter(|c| c.name == name);
    calls
        .flat_map(|c| {
            c.args
                .first()
                .map(|a| a.split_whitespace().map(str::to_string).collect::<Vec<_>>())
                .unwrap_or_default()
        })
        .collect()
}

/// The passwd file of `system`.
pub(super) fn users(system: &System) -> Result<Passwd, RulesError> {
    Ok(Passwd::read(&system.passwd)?)
}

/// The maps of `settings`, opened by [`Maps`]; the first that cannot be opened is an
/// error.
fn open_maps(settings: &Settings) -> Result<Maps, RulesError> {
    let mut maps = Maps::open_with_users(settings, Box::new(StaticUsers::default()));
    let first = std::mem::take(&mut maps.problems).into_iter().next();
    match first {
        Some(problem) => Err(RulesError::Map { what: problem.name, source: problem.error }),
        None => Ok(maps),
    }
}

/// The queue group names ETRN `#group` accepts: `mqueue` and every `QUEUE_GROUP`.
fn queue_groups(settings: &Settings) -> Vec<String> {
    let mut groups = vec!["mqueue".to_string()];
    groups.extend(settings.queue.groups.iter().map(|g| g.name.clone()));
    groups
}

impl Rules {
    /// The rules of `config` on `system`, with every map opened and class read.
    ///
    /// # Errors
    /// [`RulesError`] when a map, class, alias or passwd file cannot be read.
    pub fn load(config: &Config, system: &System) -> Result<Rules, RulesError> {
        let settings = Settings::from_config(config);
        let w = class_w(&settings, system);
        let trust_auth = call_words(config, "TRUST_AUTH_MECH");
        let default_relay = if trust_auth.is_empty() {
            "550 Relaying denied"
        } else {
            "550 Relaying denied. Proper authentication required."
        };
        let texts = &settings.names.rule_messages;
        let message = |text: &Option<String>, default: Option<&str>| {
            text.as_deref().map(|m| m.trim_matches('"').to_string()).or(default.map(str::to_string))
        };
        let virt_hosts = class_virt_hosts(config)?;
        let mut r = class_r(&settings)?;
        // cfhead.m4: VIRTUSER_DOMAIN(_FILE) puts its domains in class R too.
        virt_hosts.names().iter().for_each(|n| r.insert(n));
        let names = Names {
            r,
            masquerade: Class::from_names(config.masquerade_domains().iter().cloned()),
            virt_hosts,
            trust_auth,
            w,
        };
        let maps = open_maps(&settings)?;
        let delivery = &settings.delivery;
        Ok(Rules {
            j: canonical_name(&settings, system),
            host_name: system.host_name.clone(),
            m: local_domain(system),
            access: maps.access,
            mailertable: maps.mailertable,
            virtuser: maps.virtusertable,
            aliases: maps.aliases,
            users: users(system)?,
            smart_host: delivery.smart_host.clone(),
            forward_path: delivery.forward_path.clone(),
            checker: crate::safefile::Checker::from_settings(delivery),
            queue_groups: queue_groups(&settings),
            features: Features::of(config),
            no_canonify: config.feature("nocanonify").is_some(),
            relay_msg: message(&texts.relay, Some(default_relay)).unwrap_or_default(),
            reject_msg: message(&texts.reject, None),
            rcpt_reject_msg: message(
                &texts.rcpt_reject,
                Some("550 Mailbox disabled for this recipient"),
            )
            .unwrap_or_default(),
            names,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_maps_open_from_their_specs() {
        let mc = |text: &str| {
            let config = Config::from_str(Path::new("t.mc"), text).unwrap();
            open_maps(&Settings::from_config(&config))
        };
        let optional = mc("FEATURE(`access_db', `hash -T<TMPF> -o /nonexistent/access')dnl\n");
        assert!(optional.unwrap().access.is_none());
        let required = mc("FEATURE(`mailertable', `hash /nonexistent/m')dnl\n");
        let Err(RulesError::Map { what, .. }) = required else { panic!("a required map") };
        assert_eq!(what, "mailertable");
        assert!(mc("FEATURE(`virtusertable', `ldap /x')dnl\n").is_err());
    }

    #[test]
    fn names_of_the_machine() {
        let hosts = Hosts::parse("127.0.0.1 localhost\n127.0.0.1 vm.lab.example vm\n");
        let sys = System::from_hosts("vm", &hosts, Path::new("/etc/passwd"));
        assert_eq!(local_domain(&sys).as_deref(), Some("lab.example"));
        let config = Settings::from_config(&Config::defaults());
        assert_eq!(canonical_name(&config, &sys), "vm.lab.example");
        let w = class_w(&config, &sys);
        assert!(
            w.contains("vm.lab.example") && w.contains("[127.0.0.1]") && w.contains("localhost")
        );
        let old = System::from_hosts(
            "vm",
            &Hosts::parse("127.0.0.1 localhost runsc vm\n"),
            Path::new("/p"),
        );
        assert_eq!((local_domain(&old), canonical_name(&config, &old)), (None, "vm".to_string()));
    }
}
