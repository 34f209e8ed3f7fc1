//! # Name
//! settings - the configuration resolved once into typed values
//!
//! # Description
//! [`crate::config::Config`] keeps every option as sendmail's text and looks options
//! up by name; that lookup is private to `spool::config` and this module. Everything
//! else reads one [`Settings`] value, resolved once with sendmail's defaults, so that
//! no binary looks an option up by name, parses its text again or misspells a name:
//!
//! ```text
//! Settings.names     $j, class w/R/t sources, $Z             (delivery.rs: Names)
//! Settings.delivery  AliasFile, ForwardPath, DefaultUser, TrustedUser,
//!                    DontBlameSendmail, SMART_HOST, DeliveryMode, IgnoreDots,
//!                    MaxAliasRecursion, MaxHopCount, the mailers  (Delivery)
//! Settings.queue     directories, writers, factors, ages, sort order,
//!                    queuereturn/queuewarn, QUEUE_GROUPs          (queue.rs)
//! Settings.maps      one MapSpec per map FEATURE: access_db, mailertable,
//!                    genericstable, virtusertable, authinfo, ... (maps.rs)
//! Settings.masquerade  GENERICS_DOMAIN, MASQUERADE_AS, masquerade_envelope,
//!                    ... (masquerade.rs)
//! Settings.milters   INPUT_MAIL_FILTERs in InputMailFilters order  (milter.rs)
//! Settings.privacy   PrivacyOptions, goaway expanded              (privacy.rs)
//! Settings.limits    MaxRecipientsPerMessage, BadRcptThrottle, MaxHeadersLength,
//!                    MaxMessageSize, MinFreeBlocks                 (server.rs)
//! Settings.tls       ServerCertFile, ServerKeyFile, DHParameters, CA files
//! Settings.auth      AuthMechanisms, AuthOptions, AuthRealm, SaslConfigFile
//! Settings.files     LogFile, HostsFile, ServiceSwitchFile, PidFile,
//!                    ResolverNameserver
//! Server             the daemon: the above plus DAEMON_OPTIONS listeners
//!                    (listener.rs), greeting, children and rate limits
//! ```
//!
//! # Errors
//! [`Settings::from_config`] cannot fail: values were validated when the configuration
//! was read. A `DaemonPortOptions` that names an unknown port service or an
//! unparsable address is a [`ListenerError`] of [`Server::from_config`].

mod delivery;
mod listener;
mod mailers;
mod maps;
mod masquerade;
mod milter;
mod privacy;
mod queue;
mod server;

pub use delivery::{Delivery, Names, RuleMessages};
pub use listener::{Listener, ListenerError, Modifiers};
pub use mailers::{Local, Mailers, Program};
pub use maps::{ClassFileSpec, MapFeature, MapSpec};
pub use masquerade::Masquerade;
pub use milter::{macro_lists, Milter, MilterSocket, MilterTimeouts, OnFailure};
pub use privacy::Privacy;
pub use queue::{DeliveryMode, QueueGroup, QueueSettings, QueueWriter};
pub use server::{Server, ServerTimeouts, SmtpLimits};

use crate::config::Config;
use std::path::PathBuf;

/// The maps the configuration's features name; `None` where the feature is off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MapSpecs {
    /// `FEATURE(access_db)`.
    pub access: Option<MapSpec>,
    /// `FEATURE(mailertable)`.
    pub mailertable: Option<MapSpec>,
    /// `FEATURE(genericstable)`.
    pub genericstable: Option<MapSpec>,
    /// `FEATURE(virtusertable)`.
    pub virtusertable: Option<MapSpec>,
    /// `FEATURE(authinfo)`.
    pub authinfo: Option<MapSpec>,
    /// `FEATURE(domaintable)`.
    pub domaintable: Option<MapSpec>,
    /// `FEATURE(bitdomain)`.
    pub bitdomain: Option<MapSpec>,
    /// `FEATURE(uucpdomain)`.
    pub uucpdomain: Option<MapSpec>,
}

impl MapSpecs {
    /// The map specs of `config`'s features.
    pub fn from_config(config: &Config) -> MapSpecs {
        let spec = |f: MapFeature| f.spec_in(config.features());
        MapSpecs {
            access: spec(MapFeature::Access),
            mailertable: spec(MapFeature::Mailertable),
            genericstable: spec(MapFeature::Genericstable),
            virtusertable: spec(MapFeature::Virtusertable),
            authinfo: spec(MapFeature::Authinfo),
            domaintable: spec(MapFeature::Domaintable),
            bitdomain: spec(MapFeature::Bitdomain),
            uucpdomain: spec(MapFeature::Uucpdomain),
        }
    }
}

/// TLS files and parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tls {
    /// `ServerCertFile` and `ServerKeyFile`, when both are set.
    pub server: Option<(PathBuf, PathBuf)>,
    /// `ClientCertFile` and `ClientKeyFile`, when both are set.
    pub client: Option<(PathBuf, PathBuf)>,
    /// `CACertFile`.
    pub ca_file: Option<PathBuf>,
    /// `CACertPath`.
    pub ca_path: Option<PathBuf>,
    /// `DHParameters`: a PEM file or `none`, `1`, `2`, `5`, `i`, when set.
    pub dh_parameters: Option<String>,
}

/// SMTP AUTH as the server offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Auth {
    /// `AuthMechanisms`, in order, as written (`EXTERNAL GSSAPI ...` by default).
    pub mechanisms: Vec<String>,
    /// `AuthOptions` letters (`p`: plain-text mechanisms only over TLS; `a`, `d`,
    /// `f`, `m`: what sendmail's Cyrus SASL cannot offer without them).
    pub options: String,
    /// `AuthRealm`, if set.
    pub realm: Option<String>,
    /// `SaslConfigFile` (ferrymail's): the Cyrus SASL application file to read.
    pub sasl_config_file: Option<PathBuf>,
}

impl Auth {
    /// The AUTH settings of `config`.
    pub fn from_config(config: &Config) -> Auth {
        let words = |name: &str| -> Vec<String> {
            let value = config.option(name).unwrap_or("");
            let split = value.split(|c: char| c.is_whitespace() || c == ',');
            split.filter(|w| !w.is_empty()).map(str::to_string).collect()
        };
        Auth {
            mechanisms: words("AuthMechanisms"),
            options: words("AuthOptions").concat(),
            realm: config
                .option("AuthRealm")
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(String::from),
            sasl_config_file: path_option(config, "SaslConfigFile"),
        }
    }
}

/// Files the programs write or read besides maps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// `LogFile` (ferrymail's): log to this file, `-` for standard error; `None`:
    /// syslog.
    pub log_file: Option<PathBuf>,
    /// `HostsFile` (`/etc/hosts`).
    pub hosts_file: PathBuf,
    /// `ServiceSwitchFile` (`/etc/mail/service.switch`).
    pub service_switch_file: PathBuf,
    /// `PidFile`.
    pub pid_file: Option<PathBuf>,
    /// `ResolverNameserver` (ferrymail's): name servers to ask instead of
    /// `/etc/resolv.conf`'s, as written.
    pub resolver_nameserver: Option<String>,
}

/// The whole configuration, typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// This host's names and class files.
    pub names: Names,
    /// Expansion and delivery.
    pub delivery: Delivery,
    /// The queue.
    pub queue: QueueSettings,
    /// The feature maps.
    pub maps: MapSpecs,
    /// Sender rewriting: genericstable's domains, masquerading.
    pub masquerade: Masquerade,
    /// The milters used on input, in order.
    pub milters: Vec<Milter>,
    /// The macros sent to milters at each stage (`confMILTER_MACROS_*`), see
    /// [`macro_lists`].
    pub milter_macros: [Vec<String>; 7],
    /// `confMILTER_LOG_LEVEL` (`Milter.LogLevel`), when set.
    pub milter_log_level: Option<i64>,
    /// `PrivacyOptions`.
    pub privacy: Privacy,
    /// The SMTP limits.
    pub limits: SmtpLimits,
    /// The server's read and handshake timeouts.
    pub timeouts: ServerTimeouts,
    /// TLS.
    pub tls: Tls,
    /// SMTP AUTH.
    pub auth: Auth,
    /// Other files.
    pub files: Files,
}

impl Settings {
    /// Resolves `config` (see the module docs).
    pub fn from_config(config: &Config) -> Settings {
        let path = |name: &str| path_option(config, name);
        Settings {
            names: Names::from_config(config),
            delivery: Delivery::from_config(config),
            queue: QueueSettings::from_config(config),
            maps: MapSpecs::from_config(config),
            masquerade: Masquerade::from_config(config),
            milters: Milter::input_filters(
                config.mail_filters(),
                config.option("InputMailFilters"),
            ),
            milter_macros: macro_lists(config),
            milter_log_level: config.option_int("Milter.LogLevel"),
            privacy: Privacy::from_config(config),
            limits: SmtpLimits::from_config(config),
            timeouts: ServerTimeouts::from_config(config),
            tls: Tls {
                server: path("ServerCertFile").zip(path("ServerKeyFile")),
                client: path("ClientCertFile").zip(path("ClientKeyFile")),
                ca_file: path("CACertFile"),
                ca_path: path("CACertPath"),
                dh_parameters: config
                    .is_set("DHParameters")
                    .then(|| config.option("DHParameters").map(str::trim).map(str::to_string))
                    .flatten()
                    .filter(|v| !v.is_empty()),
            },
            auth: Auth::from_config(config),
            files: Files {
                log_file: path("LogFile"),
                hosts_file: path("HostsFile").unwrap_or_else(|| "/etc/hosts".into()),
                service_switch_file: path("ServiceSwitchFile")
                    .unwrap_or_else(|| "/etc/mail/service.switch".into()),
                pid_file: path("PidFile"),
                resolver_nameserver: config
                    .option("ResolverNameserver")
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string),
            },
        }
    }
}

/// A path option, `None` when unset or empty.
pub(crate) fn path_option(config: &Config, name: &str) -> Option<PathBuf> {
    config.option(name).map(str::trim).filter(|v| !v.is_empty()).map(PathBuf::from)
}

#[cfg(test)]
mod tests;
