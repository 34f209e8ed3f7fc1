//! Resolves the command line and the configuration into what newaliases needs.
//!
//! The alias files come from, in order of precedence: `-O AliasFile=` / `-oA` (the
//! last one given), the config's `define(`ALIAS_FILE', `...')`, then
//! `/etc/mail/aliases`. The local host names (for alias names like `user@host`) are
//! the config's `confCW_FILE` (default `/etc/mail/local-host-names`, optional), plus
//! this machine's host name and `localhost`.
//!
//! Only those two `define`s are read from the `.mc`, by a tiny private reader meant to
//! be replaced by `spool::config` once it exists.

use anyhow::Context;
use spool::aliases::{parse_alias_files, AliasSpec};
use spool::classfile::Class;
use std::path::Path;

/// The default configuration file.
const DEFAULT_MC: &str = "/etc/mail/sendmail.mc";
/// The default alias file.
const DEFAULT_ALIASES: &str = "/etc/mail/aliases";
/// The default class w file.
const DEFAULT_CW: &str = "/etc/mail/local-host-names";

/// What newaliases works with.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The alias files to rebuild, in order.
    pub alias_files: Vec<AliasSpec>,
    /// Class w.
    pub local_names: Class,
}

/// A configuration file named with `-C` that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("cannot open {path}: {reason}")]
pub struct NoConfig {
    /// The file.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// Builds the settings from the flags and the configuration.
pub fn resolve(flags: &crate::flags::Flags) -> anyhow::Result<Settings> {
    let mc = read_mc(flags.config.as_deref())?;
    let option = flags.options.iter().rev().find(|(k, _)| k == "AliasFile").map(|(_, v)| v.clone());
    let alias_option = option
        .or_else(|| mc_define(&mc, "ALIAS_FILE"))
        .unwrap_or_else(|| DEFAULT_ALIASES.to_string());
    let alias_files = parse_alias_files(&alias_option).context("AliasFile option")?;
    let cw = mc_define(&mc, "confCW_FILE").unwrap_or_else(|| DEFAULT_CW.to_string());
    let cw = cw.trim_start_matches("-o").trim();
    let mut local_names = Class::read(Path::new(cw), true).unwrap_or_default();
    local_names.insert("localhost");
    if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
        local_names.insert(h.trim());
    }
    Ok(Settings { alias_files, local_names })
}

/// The text of the `.mc` (empty when the default one does not exist).
fn read_mc(path: Option<&str>) -> anyhow::Result<String> {
    match path {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| NoConfig { path: p.to_string(), reason: crate::app::strerror(&e) }.into()),
        None => Ok(std::fs::read_to_string(DEFAULT_MC).unwrap_or_default()),
    }
}

/// The value of the last `define(`NAME', `value')` in `mc`, m4 quotes removed.
fn mc_define(mc: &str, name: &str) -> Option<String> {
    let head = format!("define(`{name}'");
    mc.lines()
        .filter_map(|l| {
            let rest = l.trim_start().strip_prefix(&head)?.trim_start().strip_prefix(',')?;
            let rest = rest.trim_start();
            let rest = rest.strip_prefix('`').unwrap_or(rest);
            let end = rest.find('\'')?;
            Some(rest[..end].to_string())
        })
        .next_back()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_defines_from_mc() {
        let mc = "dnl x\ndefine(`ALIAS_FILE', `/a/aliases,cdb:/b/more')dnl\ndefine(`confCW_FILE', `-o /x/w')dnl\n";
        assert_eq!(mc_define(mc, "ALIAS_FILE").as_deref(), Some("/a/aliases,cdb:/b/more"));
        assert_eq!(mc_define(mc, "confCW_FILE").as_deref(), Some("-o /x/w"));
        assert_eq!(mc_define(mc, "QUEUE_DIR"), None);
    }

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
        std::fs::write(&mc, "dnl nothing\n").unwrap();
        flags.options.clear();
        assert_eq!(resolve(&flags).unwrap().alias_files[0].path, Path::new(DEFAULT_ALIASES));
    }
}
