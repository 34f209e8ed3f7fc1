//! The maps and class files a configuration names, as typed specifications.
//!
//! # Map specifications
//! A `FEATURE` that uses a map takes its definition as the first argument, the text
//! of a sendmail.cf `K` line after the map name: `type [flags] path`.
//!
//! ```text
//! FEATURE(`access_db', `hash -T<TMPF> -o /etc/mail/access')
//! FEATURE(`mailertable', `hash -o /etc/mail/mailertable')
//! FEATURE(`virtusertable')                      hash /etc/mail/virtusertable
//! ```
//!
//! Flags kept: `-o` (the map may be missing: then it has no entries) and `-T<tag>`
//! (a temporary lookup failure answers the tag, `<TMPF>` in the cf, which the rules
//! turn into a 4xx); any other flag is kept as written in [`MapSpec::flags`]. With no
//! argument each feature has sendmail 8.17's default ([`MapFeature::default_spec`]):
//! `hash /etc/mail/<file>`, plus `-T<TMPF>` for the access map. A lone path takes the
//! type `hash`.
//!
//! # Class files
//! `confCW_FILE`, `confCR_FILE` and `confCT_FILE` are sendmail.cf `F` lines:
//! `[-o] path [scanf format]` ([`ClassFileSpec`]); Debian's `ostype` appends the
//! format `%[^\#]`, which reads what the class reader reads anyway.

use crate::classfile::{Class, ClassError};
use crate::config::Feature;
use crate::maps::{self, Map, MapError, MapType};
use std::path::PathBuf;

/// The cf features that name a map, with the map file they default to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MapFeature {
    /// `FEATURE(access_db)`: `/etc/mail/access`, with `-T<TMPF>`.
    Access,
    /// `FEATURE(mailertable)`: `/etc/mail/mailertable`.
    Mailertable,
    /// `FEATURE(genericstable)`: `/etc/mail/genericstable`.
    Genericstable,
    /// `FEATURE(virtusertable)`: `/etc/mail/virtusertable`.
    Virtusertable,
    /// `FEATURE(authinfo)`: `/etc/mail/authinfo`.
    Authinfo,
    /// `FEATURE(domaintable)`: `/etc/mail/domaintable`.
    Domaintable,
    /// `FEATURE(bitdomain)`: `/etc/mail/bitdomain`.
    Bitdomain,
    /// `FEATURE(uucpdomain)`: `/etc/mail/uudomain`.
    Uucpdomain,
}

impl MapFeature {
    /// Every map feature.
    pub const ALL: [MapFeature; 8] = [
        MapFeature::Access,
        MapFeature::Mailertable,
        MapFeature::Genericstable,
        MapFeature::Virtusertable,
        MapFeature::Authinfo,
        MapFeature::Domaintable,
        MapFeature::Bitdomain,
        MapFeature::Uucpdomain,
    ];

    /// The `FEATURE` name.
    pub fn feature_name(self) -> &'static str {
        match self {
            MapFeature::Access => "access_db",
            MapFeature::Mailertable => "mailertable",
            MapFeature::Genericstable => "genericstable",
            MapFeature::Virtusertable => "virtusertable",
            MapFeature::Authinfo => "authinfo",
            MapFeature::Domaintable => "domaintable",
            MapFeature::Bitdomain => "bitdomain",
            MapFeature::Uucpdomain => "uucpdomain",
        }
    }

    /// sendmail's definition when the feature has no argument.
    pub fn default_spec(self) -> MapSpec {
        let file = match self {
            MapFeature::Access => "access",
            MapFeature::Uucpdomain => "uudomain",
            other => other.feature_name(),
        };
        let tempfail = (self == MapFeature::Access).then(|| "<TMPF>".to_string());
        MapSpec {
            map_type: "hash".into(),
            path: PathBuf::from(format!("/etc/mail/{file}")),
            optional: false,
            tempfail,
            flags: Vec::new(),
        }
    }

    /// The map this feature of `features` defines, if the feature is on.
    pub fn spec_in(self, features: &[Feature]) -> Option<MapSpec> {
        let feature = features.iter().find(|f| f.name == self.feature_name())?;
        Some(match feature.arg(0) {
            Some(arg) => MapSpec::parse(arg, &self.default_spec()),
            None => self.default_spec(),
        })
    }
}

/// A map definition: `type [flags] path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapSpec {
    /// The map class as written (`hash`, `btree`, `cdb`, `text`, `ldap`, ...).
    pub map_type: String,
    /// The map's name: the file without the extension its type adds.
    pub path: PathBuf,
    /// `-o`: a missing map is empty rather than an error.
    pub optional: bool,
    /// `-T<tag>`: what a temporary lookup failure answers (`<TMPF>`).
    pub tempfail: Option<String>,
    /// Other flags, as written (`-N`, `-m`, `-a.FOUND`, ...).
    pub flags: Vec<String>,
}

impl MapSpec {
    /// Parses `type [flags] path`; what is not given comes from `default`.
    pub fn parse(text: &str, default: &MapSpec) -> MapSpec {
        let mut spec = MapSpec { optional: false, tempfail: None, ..default.clone() };
        let mut words = text.split_whitespace().peekable();
        if let Some(first) = words.peek() {
            if !first.starts_with(['-', '/']) {
                spec.map_type = first.to_string();
                words.next();
            }
        }
        for word in words {
            match word {
                "-o" => spec.optional = true,
                w if w.starts_with("-T") => spec.tempfail = Some(w[2..].to_string()),
                w if w.starts_with('-') => spec.flags.push(w.to_string()),
                w => spec.path = PathBuf::from(w),
            }
        }
        spec
    }

    /// The storage format, if this build reads it.
    ///
    /// # Errors
    /// [`MapError::UnknownType`] for `ldap`, `nis` and other classes.
    pub fn kind(&self) -> Result<MapType, MapError> {
        MapType::from_name(&self.map_type)
    }

    /// Opens the map; `Ok(None)` when it is `-o` and missing.
    ///
    /// # Errors
    /// [`MapError`] when the type is unknown or the file cannot be opened or read.
    pub fn open(&self) -> Result<Option<Box<dyn Map>>, MapError> {
        match maps::open(self.kind()?, &self.path) {
            Ok(map) => Ok(Some(map)),
            Err(MapError::Io { source, .. })
                if self.optional && source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// A class file: `[-o] path [format]` (`confCW_FILE`, `confCR_FILE`, `confCT_FILE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassFileSpec {
    /// The file.
    pub path: PathBuf,
    /// `-o`: a missing file is an empty class.
    pub optional: bool,
}

impl ClassFileSpec {
    /// Parses an `F` line's argument; `None` when it names no file.
    pub fn parse(text: &str) -> Option<ClassFileSpec> {
        let mut optional = false;
        let mut words = text.split_whitespace();
        let mut path = words.next()?;
        if path == "-o" {
            optional = true;
            path = words.next()?;
        } else if let Some(rest) = path.strip_prefix("-o") {
            optional = true;
            path = rest;
        }
        Some(ClassFileSpec { path: PathBuf::from(path), optional })
    }

    /// Reads the class.
    ///
    /// # Errors
    /// [`ClassError`] when a file that is not `-o` cannot be read.
    pub fn read(&self) -> Result<Class, ClassError> {
        Class::read(&self.path, self.optional)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(name: &str, args: &[&str]) -> Feature {
        Feature { name: name.into(), args: args.iter().map(|a| a.to_string()).collect() }
    }

    #[test]
    fn feature_arguments_are_parsed_into_specs() {
        let lab = [feature("access_db", &["hash -T<TMPF> -o /tmp/smlab/etc/access"])];
        let access = MapFeature::Access.spec_in(&lab).unwrap();
        assert_eq!(access.map_type, "hash");
        assert_eq!(access.path, PathBuf::from("/tmp/smlab/etc/access"));
        assert!(access.optional);
        assert_eq!(access.tempfail.as_deref(), Some("<TMPF>"));
        assert_eq!(MapFeature::Mailertable.spec_in(&lab), None);
        let mt = [feature("mailertable", &["btree -N -o /m/mt"])];
        let mt = MapFeature::Mailertable.spec_in(&mt).unwrap();
        assert_eq!((mt.kind().unwrap(), mt.flags.as_slice()), (MapType::Btree, &["-N".into()][..]));
        assert_eq!(MapSpec::parse("/x/y", &mt).map_type, "btree", "a lone path keeps the type");
        let ldap = MapFeature::Virtusertable.spec_in(&[feature("virtusertable", &["LDAP"])]);
        assert!(ldap.unwrap().kind().is_err());
    }

    #[test]
    fn features_without_arguments_take_sendmails_defaults() {
        // What cf.m4 writes for FEATURE(x) with no argument (checked with m4 on
        // sendmail 8.17.1.9's cf tree: `Kaccess hash -T<TMPF> /etc/mail/access`, ...).
        let debian = [feature("access_db", &["", "skip"]), feature("uucpdomain", &[])];
        let access = MapFeature::Access.spec_in(&debian).unwrap();
        assert_eq!(access, MapFeature::Access.default_spec());
        assert_eq!(access.path, PathBuf::from("/etc/mail/access"));
        assert_eq!((access.optional, access.tempfail.as_deref()), (false, Some("<TMPF>")));
        let uu = MapFeature::Uucpdomain.spec_in(&debian).unwrap();
        assert_eq!(uu.path, PathBuf::from("/etc/mail/uudomain"));
        for f in MapFeature::ALL {
            assert_eq!(f.default_spec().map_type, "hash");
            assert!(f.default_spec().path.starts_with("/etc/mail"));
        }
    }

    #[test]
    fn missing_maps_are_empty_only_with_dash_o() {
        let dir = tempfile::tempdir().unwrap();
        let base = MapFeature::Mailertable.default_spec();
        let missing = dir.path().join("mt");
        let optional = MapSpec::parse(&format!("text -o {}", missing.display()), &base);
        assert!(optional.open().unwrap().is_none());
        let required = MapSpec::parse(&format!("text {}", missing.display()), &base);
        assert!(required.open().is_err());
        std::fs::write(&missing, "a.example smtp:[b]\n").unwrap();
        let map = required.open().unwrap().unwrap();
        assert_eq!(maps::lookup(map.as_ref(), b"a.example").unwrap(), Some(b"smtp:[b]".to_vec()));
    }

    #[test]
    fn class_file_lines() {
        let lab = ClassFileSpec::parse("-o /tmp/smlab/etc/relay-domains").unwrap();
        assert_eq!((lab.path.to_str(), lab.optional), (Some("/tmp/smlab/etc/relay-domains"), true));
        let debian = ClassFileSpec::parse("/etc/mail/local-host-names %[^\\#]").unwrap();
        assert_eq!(
            (debian.path.to_str(), debian.optional),
            (Some("/etc/mail/local-host-names"), false)
        );
        assert!(ClassFileSpec::parse("-o/x").unwrap().optional);
        assert_eq!(ClassFileSpec::parse("  "), None);
        assert!(ClassFileSpec::parse("-o /nonexistent/x")
            .unwrap()
            .read()
            .unwrap()
            .names()
            .is_empty());
        assert!(ClassFileSpec::parse("/nonexistent/x").unwrap().read().is_err());
    }
}
