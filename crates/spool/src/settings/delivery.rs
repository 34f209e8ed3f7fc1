//! What address expansion and delivery read from the configuration: this host's
//! names, the trusted users, the alias and `.forward` rules, the mailers.
//!
//! ```text
//! Names     confDOMAIN_NAME ($j), class w file (use_cw_file, confCW_FILE), LOCAL_DOMAIN,
//!           class R (RELAY_DOMAIN, confCR_FILE, default -o /etc/mail/relay-domains),
//!           class t (root, daemon, uucp, confTRUSTED_USERS, use_ct_file +
//!           confCT_FILE), confCF_VERSION ($Z), confRELAY_MSG, confREJECT_MSG,
//!           confRCPTREJ_MSG
//! Delivery  AliasFile, ForwardPath, DefaultUser, TrustedUser, DontBlameSendmail,
//!           SMART_HOST, MaxAliasRecursion, MaxHopCount, DeliveryMode, IgnoreDots,
//!           DoubleBounceAddress, DeadLetterDrop, SafeFileEnvironment
//! Mailers   local, prog and *file* (mailers.rs), the port of each TCP mailer
//! ```

use super::mailers::Mailers;
use super::maps::ClassFileSpec;
use super::queue::DeliveryMode;
use crate::config::{AliasFileSpec, Config};
use crate::safefile::DontBlameSet;
use std::path::PathBuf;

/// This host's names and the classes sendmail reads from files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// `confDOMAIN_NAME`: `$j` when set (else the host's own name).
    pub domain_name: Option<String>,
    /// The class `w` file, when `FEATURE(use_cw_file)` or `confCW_FILE` asks for it.
    pub cw_file: Option<ClassFileSpec>,
    /// `LOCAL_DOMAIN(...)` names (class `w`).
    pub local_domains: Vec<String>,
    /// `RELAY_DOMAIN(...)` names (class `R`).
    pub relay_domains: Vec<String>,
    /// The class `R` file: `confCR_FILE` (default `-o /etc/mail/relay-domains`).
    pub cr_file: Option<ClassFileSpec>,
    /// `RELAY_DOMAIN_FILE(...)`: more class `R` files, in order.
    pub relay_domain_files: Vec<ClassFileSpec>,
    /// Class `t`: root, daemon, uucp (unless `FEATURE(nouucp)`), `confTRUSTED_USERS`.
    pub trusted_users: Vec<String>,
    /// The class `t` file, with `FEATURE(use_ct_file)` (`confCT_FILE`, default
    /// `/etc/mail/trusted-users`).
    pub ct_file: Option<ClassFileSpec>,
    /// `confCF_VERSION`: `$Z`, the configuration's version after sendmail's.
    pub cf_version: Option<String>,
    /// The rulesets' texts the `.mc` sets.
    pub rule_messages: RuleMessages,
}

/// The texts of the SMTP-time rules, as the `.mc` defines them (quotes kept).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RuleMessages {
    /// `confRELAY_MSG`: the refusal of relaying.
    pub relay: Option<String>,
    /// `confREJECT_MSG`: the refusal of an access `REJECT`.
    pub reject: Option<String>,
    /// `confRCPTREJ_MSG`: the refusal of a recipient.
    pub rcpt_reject: Option<String>,
}

impl Names {
    /// The names of `config`.
    pub fn from_config(config: &Config) -> Names {
        let cw = config.macro_value("confCW_FILE");
        let cw_file = match cw {
            Some(file) => ClassFileSpec::parse(file),
            None if config.feature("use_cw_file").is_some() => {
                ClassFileSpec::parse(crate::host::DEFAULT_CW_FILE)
            }
            None => None,
        };
        let cr = config.macro_value("confCR_FILE").unwrap_or("-o /etc/mail/relay-domains");
        let mut trusted: Vec<String> = vec!["root".into(), "daemon".into()];
        if config.feature("nouucp").is_none() {
            trusted.push("uucp".into());
        }
        let extra = config.macro_value("confTRUSTED_USERS").unwrap_or("");
        trusted.extend(extra.split([',', ' ', '\t']).filter(|u| !u.is_empty()).map(String::from));
        let ct_file = config.feature("use_ct_file").and_then(|_| {
            ClassFileSpec::parse(
                config.macro_value("confCT_FILE").unwrap_or("/etc/mail/trusted-users"),
            )
        });
        Names {
            domain_name: config.macro_value("confDOMAIN_NAME").map(str::to_string),
            cw_file,
            local_domains: config.local_domains().to_vec(),
            relay_domains: config.relay_domains().to_vec(),
            cr_file: ClassFileSpec::parse(cr),
            relay_domain_files: config
                .other_calls()
                .iter()
                .filter(|c| c.name == "RELAY_DOMAIN_FILE")
                .filter_map(|c| ClassFileSpec::parse(c.args.first()?))
                .collect(),
            trusted_users: trusted,
            ct_file,
            cf_version: config.macro_value("confCF_VERSION").map(str::to_string),
            rule_messages: RuleMessages {
                relay: config.macro_value("confRELAY_MSG").map(str::to_string),
                reject: config.macro_value("confREJECT_MSG").map(str::to_string),
                rcpt_reject: config.macro_value("confRCPTREJ_MSG").map(str::to_string),
            },
        }
    }
}

/// How addresses are expanded and mail is handed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// `AliasFile`, one entry per file, in order.
    pub alias_files: Vec<AliasFileSpec>,
    /// `ForwardPath` (`$z/.forward.$w:$z/.forward`).
    pub forward_path: String,
    /// `DefaultUser` (`user[:group]`, names or numbers; default `mailnull`).
    pub default_user: String,
    /// `TrustedUser` (default `root`).
    pub trusted_user: Option<String>,
    /// `DontBlameSendmail`.
    pub dont_blame: DontBlameSet,
    /// `SMART_HOST`, as written (`relay:[127.0.0.1]`).
    pub smart_host: Option<String>,
    /// `MaxAliasRecursion` (10).
    pub max_alias_recursion: usize,
    /// `MaxHopCount` (25).
    pub max_hop_count: usize,
    /// `DeliveryMode` (background).
    pub mode: DeliveryMode,
    /// `IgnoreDots`.
    pub ignore_dots: bool,
    /// `DoubleBounceAddress` (postmaster).
    pub double_bounce: String,
    /// `DeadLetterDrop`, if set.
    pub dead_letter_drop: Option<PathBuf>,
    /// `SafeFileEnvironment`, if set.
    pub safe_file_environment: Option<PathBuf>,
    /// The mailers.
    pub mailers: Mailers,
}

impl Delivery {
    /// The delivery settings of `config`.
    pub fn from_config(config: &Config) -> Delivery {
        let text = |name: &str| config.option(name).map(str::trim).filter(|v| !v.is_empty());
        let number =
            |name: &str, default: i64| config.option_int(name).unwrap_or(default).max(0) as usize;
        Delivery {
            alias_files: config.alias_files(),
            forward_path: config.option("ForwardPath").unwrap_or_default().to_string(),
            default_user: text("DefaultUser").unwrap_or("mailnull").to_string(),
            trusted_user: text("TrustedUser").map(str::to_string),
            dont_blame: config.dont_blame_sendmail(),
            smart_host: config.smart_host().map(str::to_string),
            max_alias_recursion: number("MaxAliasRecursion", 10),
            max_hop_count: number("MaxHopCount", 25),
            mode: text("DeliveryMode").and_then(DeliveryMode::parse).unwrap_or_default(),
            ignore_dots: config.option_bool("IgnoreDots") == Some(true),
            double_bounce: text("DoubleBounceAddress").unwrap_or("postmaster").to_string(),
            dead_letter_drop: text("DeadLetterDrop").map(PathBuf::from),
            safe_file_environment: text("SafeFileEnvironment").map(PathBuf::from),
            mailers: Mailers::from_config(config),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(mc: &str) -> Config {
        Config::from_str(Path::new("t.mc"), mc).unwrap()
    }

    #[test]
    fn names_and_classes_with_sendmails_defaults() {
        let n = Names::from_config(&Config::defaults());
        assert_eq!(
            (n.domain_name.as_deref(), n.cw_file.as_ref(), n.ct_file.as_ref()),
            (None, None, None)
        );
        let cr = n.cr_file.unwrap();
        assert_eq!((cr.path.to_str(), cr.optional), (Some("/etc/mail/relay-domains"), true));
        assert_eq!(n.trusted_users, ["root", "daemon", "uucp"]);
        let n = Names::from_config(&config(
            "define(`confDOMAIN_NAME', `mail.lab.example')dnl\nFEATURE(`use_cw_file')dnl\n\
             FEATURE(`use_ct_file')dnl\nFEATURE(`nouucp', `reject')dnl\n\
             define(`confTRUSTED_USERS', `smmsp www-data')dnl\ndefine(`confCF_VERSION', `smlab')dnl\n\
             RELAY_DOMAIN_FILE(`-o /etc/mail/more-relay')dnl\n",
        ));
        assert_eq!(n.domain_name.as_deref(), Some("mail.lab.example"));
        assert_eq!(n.cw_file.unwrap().path, PathBuf::from("/etc/mail/local-host-names"));
        assert_eq!(n.ct_file.unwrap().path, PathBuf::from("/etc/mail/trusted-users"));
        assert_eq!(n.trusted_users, ["root", "daemon", "smmsp", "www-data"]);
        assert_eq!(n.cf_version.as_deref(), Some("smlab"));
        assert_eq!(n.relay_domain_files[0].path, PathBuf::from("/etc/mail/more-relay"));
    }

    #[test]
    fn delivery_values_are_typed() {
        let d = Delivery::from_config(&Config::defaults());
        assert_eq!(d.forward_path, "$z/.forward.$w:$z/.forward");
        assert_eq!(
            (d.default_user.as_str(), d.trusted_user.as_deref()),
            ("mailnull", Some("root"))
        );
        assert_eq!((d.max_alias_recursion, d.max_hop_count), (10, 25));
        assert_eq!((d.mode, d.ignore_dots), (DeliveryMode::Background, false));
        assert_eq!(d.alias_files[0].path, PathBuf::from("/etc/mail/aliases"));
        assert_eq!(d.mailers.prog.argv, ["sh", "-c", "$u"]);
        assert_eq!(d.mailers.port("relay"), 25);
        let d = Delivery::from_config(&config(
            "OSTYPE(`linux')dnl\ndefine(`confIGNORE_DOTS', `true')dnl\n\
             define(`confDELIVERY_MODE', `queue')dnl\ndefine(`SMART_HOST', `relay:[127.0.0.1]')dnl\n\
             define(`RELAY_MAILER_ARGS', `TCP $h 2527')dnl\n",
        ));
        assert!(d.ignore_dots, "any spelling of true, not only `True'");
        assert_eq!(d.mode, DeliveryMode::Queue);
        assert_eq!(d.smart_host.as_deref(), Some("relay:[127.0.0.1]"));
        assert_eq!((d.mailers.port("relay"), d.mailers.port("esmtp")), (2527, 25));
        let crate::settings::Local::Program(local) = &d.mailers.local else { panic!() };
        assert_eq!(local.argv, ["procmail", "-a", "$h", "-d", "$u"]);
    }
}
