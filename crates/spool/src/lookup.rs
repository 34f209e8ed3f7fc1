//! # Name
//! lookup - the maps and classes a configuration names, opened once
//!
//! # Description
//! [`Maps::open`] opens what [`Settings`] names, the same way for every program that
//! expands or routes addresses (`submit -bv` and `-bs`, smtpd, queue-runner):
//!
//! ```text
//! aliases        AliasFile, in order: `text:` read as an aliases file; no type:
//!                the hash database if it is built, else the text (sendmail's
//!                implicit class); hash, btree, cdb as given
//! access         FEATURE(access_db)      } MapSpec of the feature: a missing -o map
//! mailertable    FEATURE(mailertable)    } is empty; another map that cannot be
//! virtusertable  FEATURE(virtusertable)  } opened is a MapProblem and answers
//! genericstable  FEATURE(genericstable)  } nothing
//! authinfo       FEATURE(authinfo)       }
//! class w        $j, $w, localhost and the class file (host::local_names)
//! class R        RELAY_DOMAIN, confCR_FILE, RELAY_DOMAIN_FILE
//! users          the system's user database (getpwnam), as MailboxDatabase=pw
//! ```
//!
//! Maps are `Send + Sync`: one `Maps` serves every session of a daemon.
//!
//! # Errors
//! None from [`Maps::open`] itself: what cannot be opened is left out and listed in
//! [`Maps::problems`], each worded as sendmail words it (`hash map "mailertable":
//! missing map file /etc/mail/mailertable.db: No such file or directory`, `text map
//! "mailertable": unsafe map file /etc/mail/mailertable`, `Cannot open hash database
//! /etc/mail/mailertable.db: Invalid argument`) with sendmail's exit status
//! ([`MapProblem::exit_code`]), for the caller to log or print when the map is
//! consulted.

use crate::aliases::AliasFile;
use crate::classfile::Class;
use crate::config::AliasFileSpec;
use crate::forward::{SystemUsers, UserDb};
use crate::maps::{self, Map, MapError, MapType};
use crate::settings::{MapFeature, MapSpec, Settings};
use std::fmt;
use std::path::Path;

/// A map or class file named by the configuration that could not be opened.
#[derive(Debug)]
pub struct MapProblem {
    /// Which feature map; `None` for an alias or class file.
    pub feature: Option<MapFeature>,
    /// The map's name as sendmail calls it (`mailertable`, `access`, `Alias0`,
    /// `relay-domains`).
    pub name: String,
    /// The map class (`hash`) or `class` for a class file.
    pub class: String,
    /// What went wrong.
    pub error: MapError,
}

impl MapProblem {
    /// The exit status sendmail ends with after reporting it: 70 for a missing text
    /// map (sendmail calls it unsafe), 71 otherwise.
    pub fn exit_code(&self) -> i32 {
        if self.class == "text" && self.missing() {
            crate::sysexits::EX_SOFTWARE
        } else {
            crate::sysexits::EX_OSERR
        }
    }

    fn missing(&self) -> bool {
        matches!(&self.error, MapError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

impl fmt::Display for MapProblem {
    /// sendmail 8.17's words (`sendmail -bv` with each kind of broken `K` line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (class, name) = (&self.class, &self.name);
        match &self.error {
            MapError::Io { path, .. } if self.missing() && class == "text" => {
                write!(f, "text map \"{name}\": unsafe map file {}", path.display())
            }
            MapError::Io { path, source } if self.missing() => {
                let why = crate::safefile::Unsafe::from_io(source);
                write!(f, "{class} map \"{name}\": missing map file {}: {why}", path.display())
            }
            MapError::Corrupt { path, .. } => {
                write!(f, "Cannot open {class} database {}: Invalid argument", path.display())
            }
            other => write!(f, "{class} map \"{name}\": {other}"),
        }
    }
}

/// Everything expansion, routing and the SMTP checks look up.
pub struct Maps {
    /// The alias maps, in `AliasFile` order.
    pub aliases: Vec<Box<dyn Map>>,
    /// `FEATURE(access_db)`.
    pub access: Option<Box<dyn Map>>,
    /// `FEATURE(mailertable)`.
    pub mailertable: Option<Box<dyn Map>>,
    /// `FEATURE(virtusertable)`.
    pub virtusertable: Option<Box<dyn Map>>,
    /// `FEATURE(genericstable)`.
    pub genericstable: Option<Box<dyn Map>>,
    /// `FEATURE(authinfo)`.
    pub authinfo: Option<Box<dyn Map>>,
    /// Class `w`: the names mail is local for.
    pub local_names: Class,
    /// Class `R`: the domains this host relays for.
    pub relay_domains: Class,
    /// Local users.
    pub users: Box<dyn UserDb>,
    /// What could not be opened, in the order above.
    pub problems: Vec<MapProblem>,
}

impl Maps {
    /// Opens what `settings` names, with the system's user database.
    pub fn open(settings: &Settings) -> Maps {
        Maps::open_with_users(settings, Box::new(SystemUsers))
    }

    /// Opens what `settings` names, with `users` as the user database (tests, or a
    /// caller with its own).
    pub fn open_with_users(settings: &Settings, users: Box<dyn UserDb>) -> Maps {
        let mut problems = Vec::new();
        let local_names = crate::host::local_names(&settings.names);
        let aliases = alias_maps(&settings.delivery.alias_files, &local_names, &mut problems);
        let mut feature = |f: MapFeature, spec: &Option<MapSpec>| {
            spec.as_ref().and_then(|s| open_feature(f, s, &mut problems))
        };
        let m = &settings.maps;
        let access = feature(MapFeature::Access, &m.access);
        let mailertable = feature(MapFeature::Mailertable, &m.mailertable);
        let virtusertable = feature(MapFeature::Virtusertable, &m.virtusertable);
        let genericstable = feature(MapFeature::Genericstable, &m.genericstable);
        let authinfo = feature(MapFeature::Authinfo, &m.authinfo);
        let relay_domains = relay_domains(settings, &mut problems);
        Maps {
            aliases,
            access,
            mailertable,
            virtusertable,
            genericstable,
            authinfo,
            local_names,
            relay_domains,
            users,
            problems,
        }
    }

    /// The problem opening feature map `feature`, if there was one.
    pub fn problem(&self, feature: MapFeature) -> Option<&MapProblem> {
        self.problems.iter().find(|p| p.feature == Some(feature))
    }
}

fn open_feature(
    feature: MapFeature,
    spec: &MapSpec,
    problems: &mut Vec<MapProblem>,
) -> Option<Box<dyn Map>> {
    let name = match feature {
        MapFeature::Access => "access",
        MapFeature::Genericstable => "generics",
        MapFeature::Virtusertable => "virtuser",
        MapFeature::Uucpdomain => "uudomain",
        other => other.feature_name(),
    };
    match spec.open() {
        Ok(map) => map,
        Err(error) => {
            let error = with_file(error, spec);
            let class = spec.map_type.clone();
            problems.push(MapProblem { feature: Some(feature), name: name.into(), class, error });
            None
        }
    }
}

/// The error naming the file sendmail names: the map with its type's extension.
fn with_file(error: MapError, spec: &MapSpec) -> MapError {
    match (error, spec.kind()) {
        (MapError::Io { source, .. }, Ok(kind)) => {
            MapError::Io { path: kind.file_for(&spec.path), source }
        }
        (other, _) => other,
    }
}

fn alias_maps(
    specs: &[AliasFileSpec],
    local: &Class,
    problems: &mut Vec<MapProblem>,
) -> Vec<Box<dyn Map>> {
    let mut out: Vec<Box<dyn Map>> = Vec::new();
    for (n, spec) in specs.iter().enumerate() {
        let kind = if spec.explicit_type {
            MapType::from_name(&spec.map_type)
        } else {
            Ok(implicit_type(&spec.path))
        };
        let opened = kind.and_then(|kind| match kind {
            // A text alias file is alias syntax (`name: value`), read as newaliases does.
            MapType::Text => AliasFile::read(&spec.path, &|d| local.contains(d))
                .map(|a| Box::new(a) as Box<dyn Map>)
                .map_err(|e| match e {
                    crate::aliases::AliasError::Io { path, source } => {
                        MapError::Io { path, source }
                    }
                    other => MapError::UnknownType(other.to_string()),
                }),
            kind => maps::open(kind, &spec.path),
        });
        match opened {
            Ok(map) => out.push(map),
            // A missing implicit alias file is no aliases, silently, as in sendmail.
            Err(MapError::Io { source, .. })
                if !spec.explicit_type && source.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => problems.push(MapProblem {
                feature: None,
                name: format!("Alias{n}"),
                class: spec.map_type.clone(),
                error,
            }),
        }
    }
    out
}

/// sendmail's implicit alias class: the hash database if built, else the text file.
fn implicit_type(path: &Path) -> MapType {
    if MapType::Hash.file_for(path).exists() {
        MapType::Hash
    } else {
        MapType::Text
    }
}

fn relay_domains(settings: &Settings, problems: &mut Vec<MapProblem>) -> Class {
    let names = &settings.names;
    let mut class = Class::from_names(names.relay_domains.iter().cloned());
    for file in names.cr_file.iter().chain(&names.relay_domain_files) {
        match file.read() {
            Ok(read) => read.names().iter().for_each(|n| class.insert(n)),
            Err(e) => problems.push(MapProblem {
                feature: None,
                name: "R".into(),
                class: "class".into(),
                error: MapError::Io { path: e.path, source: e.source },
            }),
        }
    }
    class
}

#[cfg(test)]
mod tests;
