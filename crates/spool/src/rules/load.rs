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
//! A map spec's default is `hash /etc/mail/<name>`. A map flagged `-o` may be
//! missing (it then has no entries), as in sendmail.
//!
//! # Errors
//! [`RulesError`]: a map, class file, alias file or passwd file that must exist
//! cannot be read, or a map type this build does not read.

use super::{Features, Names, Rules};
use crate::aliases::{AliasError, AliasFile};
use crate::classfile::{Class, ClassError};
use crate::config::Config;
use crate::forward::{ForwardError, Passwd, DEFAULT_FORWARD_PATH};
use crate::hosts::{Hosts, ServiceSwitch};
use crate::maps::{self, Map, MapError, MapType};
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
    pub fn detect(config: &Config) -> System {
        let switch =
            ServiceSwitch::read(Path::new(config.option("ServiceSwitchFile").unwrap_or("")));
        let hosts = if switch.hosts().iter().any(|s| s == "files") {
            Hosts::read(Path::new(config.option("HostsFile").unwrap_or("/etc/hosts")))
                .unwrap_or_default()
        } else {
            Hosts::default()
        };
        System::from_hosts(&crate::host::system_name(), &hosts, Path::new("/etc/passwd"))
    }
}

/// A map named in a `FEATURE`: its type, path and whether it may be missing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MapSpec {
    kind: String,
    path: PathBuf,
    optional: bool,
}

impl MapSpec {
    /// Parses `type [-flags] path`; `default` names the file under `/etc/mail`.
    fn parse(spec: Option<&str>, default: &str) -> MapSpec {
        let mut kind = "hash".to_string();
        let mut path = PathBuf::from(format!("/etc/mail/{default}"));
        let mut optional = false;
        for (i, word) in spec.unwrap_or("").split_whitespace().enumerate() {
            match word {
                "-o" => optional = true,
                w if w.starts_with('-') => {}
                w if i == 0 && !w.starts_with('/') => kind = w.to_string(),
                w => path = PathBuf::from(w),
            }
        }
        MapSpec { kind, path, optional }
    }

    fn open(&self, what: &str) -> Result<Option<Box<dyn Map>>, RulesError> {
        let err = |source| RulesError::Map { what: what.to_string(), source };
        let kind = MapType::from_name(&self.kind).map_err(err)?;
        match maps::open(kind, &self.path) {
            Ok(map) => Ok(Some(map)),
            Err(MapError::Io { source, .. })
                if self.optional && source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(err(e)),
        }
    }
}

/// The map of `FEATURE(name, spec)`, if the feature is on.
pub(super) fn feature_map(config: &Config, name: &str) -> Result<Option<Box<dyn Map>>, RulesError> {
    match config.feature(name) {
        Some(f) => MapSpec::parse(f.arg(0), name).open(name),
        None => Ok(None),
    }
}

/// True when `FEATURE(access_db, ...)` has `word` among its further arguments.
pub(super) fn access_option(config: &Config, word: &str) -> bool {
    config
        .feature("access_db")
        .is_some_and(|f| f.args.iter().skip(1).any(|a| a.trim().eq_ignore_ascii_case(word)))
}

/// Class `w` of `system`.
pub(super) fn class_w(config: &Config, system: &System) -> Class {
    let mut w = crate::host::local_names_for(config, &system.host_name);
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
pub(super) fn canonical_name(config: &Config, system: &System) -> String {
    let dotted = system.host_names.iter().find(|n| n.contains('.'));
    config
        .macro_value("confDOMAIN_NAME")
        .map(str::to_string)
        .or_else(|| dotted.cloned())
        .unwrap_or_else(|| system.host_name.clone())
}

/// `$m`: the domain of the host's canonical name, if it has one.
pub(super) fn local_domain(system: &System) -> Option<String> {
    let canonical = system.host_names.first()?;
    canonical.split_once('.').map(|(_, d)| d.to_ascii_lowercase()).filter(|d| !d.is_empty())
}

/// Class `R`: the relay-domains file, `RELAY_DOMAIN` and `RELAY_DOMAIN_FILE`.
pub(super) fn class_r(config: &Config) -> Result<Class, RulesError> {
    let mut r = Class::from_names(config.relay_domains().iter().cloned());
    let cr = config.macro_value("confCR_FILE").unwrap_or("-o /etc/mail/relay-domains");
    class_files(&mut r, config, cr, "RELAY_DOMAIN_FILE")?;
    Ok(r)
}

/// `{VirtHost}`: `VIRTUSER_DOMAIN` and `VIRTUSER_DOMAIN_FILE`.
pub(super) fn class_virt_hosts(config: &Config) -> Result<Class, RulesError> {
    let mut v = Class::from_names(call_words(config, "VIRTUSER_DOMAIN"));
    class_files(&mut v, config, "", "VIRTUSER_DOMAIN_FILE")?;
    Ok(v)
}

/// Adds to `class` the names of `first` and of every `call(...)` file (`-o`: may be
/// missing; a `%[^#]` scanf format after the path is ignored).
fn class_files(
    class: &mut Class,
    config: &Config,
    first: &str,
    call: &str,
) -> Result<(), RulesError> {
    let mut files = vec![first.to_string()];
    let calls = config.other_calls().iter().filter(|c| c.name == call);
    files.extend(calls.filter_map(|c| c.args.first().cloned()));
    for file in files {
        let spec = file.trim_start();
        let optional = spec.starts_with("-o");
        let path = spec.trim_start_matches("-o").split_whitespace().next().unwrap_or("");
        if !path.is_empty() {
            Class::read(Path::new(path), optional)?.names().iter().for_each(|n| class.insert(n));
        }
    }
    Ok(())
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

/// The alias maps of `AliasFile`, in order.
pub(super) fn alias_maps(config: &Config, w: &Class) -> Result<Vec<Box<dyn Map>>, RulesError> {
    let mut out: Vec<Box<dyn Map>> = Vec::new();
    for spec in config.alias_files() {
        let kind = MapType::from_name(&spec.map_type)
            .map_err(|source| RulesError::Map { what: "aliases".into(), source })?;
        if kind == MapType::Text {
            out.push(Box::new(AliasFile::read(&spec.path, &|d| w.contains(d))?));
            continue;
        }
        let map = maps::open(kind, &spec.path)
            .map_err(|source| RulesError::Map { what: "aliases".into(), source })?;
        out.push(map);
    }
    Ok(out)
}

/// The passwd file of `system`.
pub(super) fn users(system: &System) -> Result<Passwd, RulesError> {
    Ok(Passwd::read(&system.passwd)?)
}

/// The queue group names ETRN `#group` accepts: `mqueue` and every `QUEUE_GROUP`.
fn queue_groups(config: &Config) -> Vec<String> {
    let mut groups = vec!["mqueue".to_string()];
    let calls = config.other_calls().iter().filter(|c| c.name == "QUEUE_GROUP");
    groups.extend(calls.filter_map(|c| c.args.first().map(|a| a.trim().to_string())));
    groups
}

/// `ForwardPath`.
pub(super) fn forward_path(config: &Config) -> String {
    config.option("ForwardPath").unwrap_or(DEFAULT_FORWARD_PATH).to_string()
}

impl Rules {
    /// The rules of `config` on `system`, with every map opened and class read.
    ///
    /// # Errors
    /// [`RulesError`] when a map, class, alias or passwd file cannot be read.
    pub fn load(config: &Config, system: &System) -> Result<Rules, RulesError> {
        let w = class_w(config, system);
        let trust_auth = call_words(config, "TRUST_AUTH_MECH");
        let default_relay = if trust_auth.is_empty() {
            "550 Relaying denied"
        } else {
            "550 Relaying denied. Proper authentication required."
        };
        let message = |name: &str, default: Option<&str>| {
            config
                .macro_value(name)
                .map(|m| m.trim_matches('"').to_string())
                .or(default.map(str::to_string))
        };
        let virt_hosts = class_virt_hosts(config)?;
        let mut r = class_r(config)?;
        // cfhead.m4: VIRTUSER_DOMAIN(_FILE) puts its domains in class R too.
        virt_hosts.names().iter().for_each(|n| r.insert(n));
        let names = Names {
            r,
            masquerade: Class::from_names(config.masquerade_domains().iter().cloned()),
            virt_hosts,
            trust_auth,
            w,
        };
        Ok(Rules {
            j: canonical_name(config, system),
            host_name: system.host_name.clone(),
            m: local_domain(system),
            access: feature_map(config, "access_db")?,
            mailertable: feature_map(config, "mailertable")?,
            virtuser: feature_map(config, "virtusertable")?,
            aliases: alias_maps(config, &names.w)?,
            users: users(system)?,
            smart_host: config.smart_host().map(str::to_string),
            forward_path: forward_path(config),
            checker: crate::safefile::Checker::from_config(config),
            queue_groups: queue_groups(config),
            features: Features::of(config),
            no_canonify: config.feature("nocanonify").is_some(),
            relay_msg: message("confRELAY_MSG", Some(default_relay)).unwrap_or_default(),
            reject_msg: message("confREJECT_MSG", None),
            rcpt_reject_msg: message(
                "confRCPTREJ_MSG",
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
    fn map_specs() {
        let s = MapSpec::parse(Some("hash -T<TMPF> -o /tmp/lab/etc/access"), "access");
        assert_eq!(
            s,
            MapSpec { kind: "hash".into(), path: "/tmp/lab/etc/access".into(), optional: true }
        );
        let d = MapSpec::parse(None, "mailertable");
        assert_eq!(
            d,
            MapSpec { kind: "hash".into(), path: "/etc/mail/mailertable".into(), optional: false }
        );
        let t = MapSpec::parse(Some("text /x/vt"), "virtusertable");
        assert_eq!(t.kind, "text");
        assert!(MapSpec::parse(Some("hash -o /nonexistent/m"), "m").open("m").unwrap().is_none());
        assert!(MapSpec::parse(Some("hash /nonexistent/m"), "m").open("m").is_err());
        assert!(MapSpec::parse(Some("ldap /x"), "m").open("m").is_err());
    }

    #[test]
    fn names_of_the_machine() {
        let hosts = Hosts::parse("127.0.0.1 localhost\n127.0.0.1 vm.lab.example vm\n");
        let sys = System::from_hosts("vm", &hosts, Path::new("/etc/passwd"));
        assert_eq!(local_domain(&sys).as_deref(), Some("lab.example"));
        let config = Config::defaults();
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
