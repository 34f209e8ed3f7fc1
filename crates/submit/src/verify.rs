//! `-bv`: verify addresses through aliases, .forward and routing (spool::verify),
//! printing what sendmail prints and exiting as it does; also the "is this a local
//! user?" check that `-bs` answers RCPT with. `.forward` and `:include:` files are
//! checked as sendmail checks them, with the config's `DontBlameSendmail`,
//! `TrustedUser` and `DefaultUser`.

use crate::settings::Settings;
use anyhow::Result;
use spool::aliases::AliasFile;
use spool::classfile::Class;
use spool::forward::Passwd;
use spool::maps::{self, Map, MapType};
use spool::safefile::{Checker, Identity};
use spool::sysexits::EX_NOUSER;
use std::io::Write;
use std::path::Path;

/// The maps and names verification reads, loaded once.
pub struct Verifier {
    aliases: Vec<Box<dyn Map>>,
    mailertable: Option<Box<dyn Map>>,
    local_names: Class,
    users: Passwd,
    smart_host: Option<String>,
    forward_path: String,
    host: String,
    checker: Checker,
    default_user: Identity,
    verbose: bool,
}

impl Verifier {
    /// Loads what the configuration names (maps that cannot be read are skipped).
    pub fn load(settings: &Settings) -> Result<Verifier> {
        let config = &settings.config;
        let host = crate::enqueue::host_name(settings);
        let local_names = spool::host::local_names(config);
        let mut aliases: Vec<Box<dyn Map>> = Vec::new();
        for spec in config.alias_files() {
            let kind = if spec.explicit_type {
                MapType::from_name(&spec.map_type)?
            } else {
                implicit_type(&spec.path)
            };
            // A text alias file is alias syntax (`name: value`), read as newaliases reads it.
            let map: Option<Box<dyn Map>> = match kind {
                MapType::Text => AliasFile::read(&spec.path, &|d| local_names.contains(d))
                    .ok()
                    .map(|a| Box::new(a) as Box<dyn Map>),
                _ => maps::open(kind, &spec.path).ok(),
            };
            aliases.extend(map);
        }
        let mailertable = config
            .feature("mailertable")
            .and_then(|_| maps::open(MapType::Hash, Path::new("/etc/mail/mailertable")).ok());
        Ok(Verifier {
            aliases,
            mailertable,
            local_names,
            users: Passwd::read(Path::new("/etc/passwd")).unwrap_or_else(|_| Passwd::parse("")),
            smart_host: config.smart_host().map(str::to_string),
            forward_path: config.option("ForwardPath").unwrap_or("$z/.forward").to_string(),
            host,
            checker: Checker::from_config(config),
            default_user: Identity::default_user(config),
            verbose: settings.verbose,
        })
    }

    /// `sendmail -bv args`.
    pub fn verify(&self, args: &[String]) -> spool::verify::Outcome {
        let settings = spool::verify::Settings {
            aliases: self.aliases.iter().map(|m| m.as_ref()).collect(),
            local_names: self.local_names.clone(),
            mailertable: self.mailertable.as_deref(),
            smart_host: self.smart_host.clone(),
            users: &self.users,
            forward_path: self.forward_path.clone(),
            host_name: self.host.clone(),
            checker: self.checker,
            default_user: self.default_user.clone(),
            verbose: self.verbose,
        };
        spool::verify::verify(&settings, args)
    }

    /// Whether `address` is on this host but names no user or alias.
    pub fn local_user_unknown(&self, address: &str) -> bool {
        let local = match address.rsplit_once('@') {
            Some((_, domain)) => self.local_names.contains(domain),
            None => true,
        };
        local && self.verify(&[address.to_string()]).exit_code == EX_NOUSER
    }
}

/// Runs `-bv` for the settings' recipients; returns the exit code.
pub fn run(settings: &Settings, out: &mut dyn Write) -> Result<i32> {
    let outcome = Verifier::load(settings)?.verify(&settings.recipients);
    for line in &outcome.lines {
        writeln!(out, "{line}")?;
    }
    Ok(outcome.exit_code)
}

/// sendmail's "implicit" alias map: the hash database if built, else the text file.
fn implicit_type(path: &Path) -> MapType {
    if MapType::Hash.file_for(path).exists() {
        MapType::Hash
    } else {
        MapType::Text
    }
}
