//! Resolves the command line and the configuration into what newaliases needs.
//!
//! The configuration is the `.mc` (`-C`, default `/etc/mail/sendmail.mc`, sendmail's
//! defaults without one) with `-O`/`-o` applied, resolved into
//! [`spool::settings::Settings`]; the alias files are its `AliasFile` (`ALIAS_FILE`
//! in the `.mc`, `-O AliasFile=`, `-oA`; default `/etc/mail/aliases`). The local
//! host names (for alias names like `user@host`) are class `w`
//! ([`spool::host::local_names`]). The file-safety checks are those of the
//! configuration's `DontBlameSendmail` and `TrustedUser` ([`Checker::from_settings`]).

use anyhow::Context;
use spool::aliases::AliasSpec;
use spool::classfile::Class;
use spool::config::Config;
use spool::safefile::Checker;
use std::path::Path;

/// What newaliases works with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The alias files to rebuild, in order.
    pub alias_files: Vec<AliasSpec>,
    /// Class w.
    pub local_names: Class,
    /// The file-safety checks.
    pub checker: Checker,
}

/// Builds the settings from the flags and the configuration.
pub fn resolve(flags: &crate::flags::Flags) -> anyhow::Result<Settings> {
    let mut config = match flags.config.as_deref() {
        Some(file) => Config::load(Path::new(file))?,
        None => Config::load_default()?,
    };
    for (name, value) in &flags.options {
        if name.chars().count() == 1 {
            config.set_short_option(&format!("{name}{value}"))?;
        } else {
            config.set_option(&format!("{name}={value}"))?;
        }
    }
    let resolved = spool::settings::Settings::from_config(&config);
    let delivery = &resolved.delivery;
    let alias_files: Result<Vec<AliasSpec>, _> =
        delivery.alias_files.iter().map(AliasSpec::from_spec).collect();
    Ok(Settings {
        alias_files: alias_files.context("AliasFile option")?,
        local_names: spool::host::local_names(&resolved.names),
        checker: Checker::from_settings(delivery),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_beats_config_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let mc = dir.path().join("s.mc");
        std::fs::write(&mc, "define(`ALIAS_FILE', `/from/mc')dnl\n").unwrap();
        let mut flags = crate::flags::Flags {
            config: Some(mc.to_string_lossy().into_owned()),
            ..Default::default()
        };
        assert_eq!(resolve(&flags).unwrap().alias_files[0].path, Path::new("/from/mc"));
        flags.options.push(("AliasFile".into(), "/from/option".into()));
        assert_eq!(resolve(&flags).unwrap().alias_files[0].path, Path::new("/from/option"));
        flags.options.push(("A".into(), "/from/short".into()));
        assert_eq!(resolve(&flags).unwrap().alias_files[0].path, Path::new("/from/short"));
        std::fs::write(&mc, "dnl nothing\n").unwrap();
        flags.options.clear();
        assert_eq!(resolve(&flags).unwrap().alias_files[0].path, Path::new("/etc/mail/aliases"));
    }
}
