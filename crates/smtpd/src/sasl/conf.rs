//! # Name
//! conf - `Sendmail.conf`, the Cyrus SASL application file sendmail's AUTH reads
//!
//! # Format
//! One `key: value` per line; blank lines and lines starting with `#` are ignored.
//! The keys read here (others, such as `auto_transition`, are ignored):
//!
//! ```text
//! pwcheck_method: auxprop          methods tried in order: auxprop, saslauthd
//! auxprop_plugin: sasldb           the auxprop plugin (only sasldb is supported)
//! sasldb_path:    /etc/sasldb2     the sasldb2 file
//! saslauthd_path: /var/run/saslauthd/mux   saslauthd's socket
//! mech_list:      PLAIN LOGIN      mechanisms the library may offer at all
//! ```
//!
//! # Files
//! The first `Sendmail.conf` found in libsasl2's configuration path, `/etc/sasl2`,
//! `/etc/sasl`, `/usr/lib/<arch>-linux-gnu/sasl2`, `/usr/lib/sasl2` (Debian's sendmail
//! links `/usr/lib/sasl2/Sendmail.conf` to `/etc/mail/sasl/Sendmail.conf.2`), or the
//! file ferrymail's `SaslConfigFile` option names. None at all: Cyrus's defaults
//! (`auxprop` on `/etc/sasldb2`).
//!
//! # Errors
//! A `SaslConfigFile` that cannot be read; a file found on the path that cannot be
//! read. Unknown methods and plugins are warnings ([`SaslConf::warnings`]).

use super::{Method, Verifier};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Cyrus's default sasldb2.
pub const SASLDB: &str = "/etc/sasldb2";
/// Cyrus's default saslauthd socket (Debian's `PATH_SASLAUTHD_RUNDIR/mux`).
pub const SASLAUTHD: &str = "/var/run/saslauthd/mux";

/// What `Sendmail.conf` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaslConf {
    /// The file read, if any.
    pub path: Option<PathBuf>,
    /// `pwcheck_method`, as words.
    pub pwcheck: Vec<String>,
    /// `auxprop_plugin`, if set.
    pub auxprop_plugin: Option<String>,
    /// `sasldb_path`.
    pub sasldb: PathBuf,
    /// `saslauthd_path`.
    pub saslauthd: PathBuf,
    /// `mech_list`, if set: the only mechanisms the library offers.
    pub mech_list: Option<Vec<String>>,
}

impl Default for SaslConf {
    fn default() -> SaslConf {
        SaslConf {
            path: None,
            pwcheck: vec!["auxprop".into()],
            auxprop_plugin: None,
            sasldb: SASLDB.into(),
            saslauthd: SASLAUTHD.into(),
            mech_list: None,
        }
    }
}

/// Where libsasl2 looks for `Sendmail.conf`, in order.
pub fn search_path() -> Vec<PathBuf> {
    let multiarch = format!("/usr/lib/{}-linux-gnu/sasl2", std::env::consts::ARCH);
    ["/etc/sasl2", "/etc/sasl", multiarch.as_str(), "/usr/lib/sasl2"]
        .iter()
        .map(|dir| Path::new(dir).join("Sendmail.conf"))
        .collect()
}

impl SaslConf {
    /// `explicit` if given, else the first file of `search` that exists, else the
    /// defaults.
    ///
    /// # Errors
    /// See the module documentation.
    pub fn load(explicit: Option<&Path>, search: &[PathBuf]) -> std::io::Result<SaslConf> {
        let path = match explicit {
            Some(path) => path.to_path_buf(),
            None => match search.iter().find(|p| p.exists()) {
                Some(found) => found.clone(),
                None => return Ok(SaslConf::default()),
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        Ok(SaslConf { path: Some(path), ..SaslConf::parse(&text) })
    }

    /// The settings of a file's text.
    pub fn parse(text: &str) -> SaslConf {
        let mut conf = SaslConf::default();
        for line in text.lines() {
            let line = line.trim_start();
            if line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once(':') else { continue };
            let value = value.trim();
            let words = || value.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            match key.trim() {
                "pwcheck_method" => conf.pwcheck = words(),
                "auxprop_plugin" => conf.auxprop_plugin = Some(value.to_string()),
                "sasldb_path" => conf.sasldb = value.into(),
                "saslauthd_path" => conf.saslauthd = value.into(),
                "mech_list" => conf.mech_list = Some(words()),
                _ => {}
            }
        }
        conf
    }

    /// The password checker, with the realm of bare user names and the saslauthd
    /// time limit.
    pub fn verifier(&self, realm: &str, timeout: Duration) -> Verifier {
        let sasldb_usable = self.auxprop_plugin.as_deref().is_none_or(|p| p == "sasldb");
        let methods = self
            .pwcheck
            .iter()
            .filter_map(|m| match m.as_str() {
                "auxprop" if sasldb_usable => Some(Method::Sasldb),
                "saslauthd" => Some(Method::Saslauthd),
                _ => None,
            })
            .collect();
        Verifier {
            methods,
            sasldb: self.sasldb.clone(),
            saslauthd: self.saslauthd.clone(),
            realm: realm.to_string(),
            timeout,
        }
    }

    /// What this file asks that smtpd cannot do, one line each.
    pub fn warnings(&self) -> Vec<String> {
        let name = self.path.as_ref().map_or("Sendmail.conf".into(), |p| p.display().to_string());
        let mut out = Vec::new();
        for method in &self.pwcheck {
            if !["auxprop", "saslauthd"].contains(&method.as_str()) {
                out.push(format!("{name}: pwcheck_method {method} is not supported, skipped"));
            }
        }
        if let Some(plugin) = self.auxprop_plugin.as_deref().filter(|p| *p != "sasldb") {
            out.push(format!("{name}: auxprop_plugin {plugin} is not supported, auxprop skipped"));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debians_example_file() {
        let text = "#pwcheck_method: PAM\npwcheck_method: saslauthd\n#\n\
                    allowanonymouslogin: 0\nallowplaintext: 1\n\
                    mech_list: EXTERNAL DIGEST-MD5 CRAM-MD5 LOGIN PLAIN\n";
        let conf = SaslConf::parse(text);
        assert_eq!(conf.pwcheck, ["saslauthd"]);
        assert_eq!(conf.sasldb, Path::new("/etc/sasldb2"));
        assert_eq!(conf.saslauthd, Path::new("/var/run/saslauthd/mux"));
        let mechs = conf.mech_list.clone().unwrap();
        assert_eq!(mechs, ["EXTERNAL", "DIGEST-MD5", "CRAM-MD5", "LOGIN", "PLAIN"]);
        let v = conf.verifier("mail.example", Duration::from_secs(1));
        assert_eq!(v.methods, [Method::Saslauthd]);
        assert!(conf.warnings().is_empty());
    }

    #[test]
    fn auxprop_sasldb_with_paths_and_unsupported_parts() {
        let conf = SaslConf::parse(
            "pwcheck_method: auxprop saslauthd pam\nauxprop_plugin: sasldb\n\
             sasldb_path: /tmp/x/sasldb2\nsaslauthd_path:/tmp/x/mux\n",
        );
        let v = conf.verifier("r", Duration::from_secs(1));
        assert_eq!(v.methods, [Method::Sasldb, Method::Saslauthd]);
        assert_eq!(
            (v.sasldb.as_path(), v.saslauthd.as_path()),
            (Path::new("/tmp/x/sasldb2"), Path::new("/tmp/x/mux"))
        );
        assert_eq!(
            conf.warnings(),
            ["Sendmail.conf: pwcheck_method pam is not supported, skipped"]
        );
        let sql = SaslConf::parse("auxprop_plugin: sql\n");
        assert!(sql.verifier("r", Duration::from_secs(1)).methods.is_empty());
        assert_eq!(sql.warnings().len(), 1);
    }

    #[test]
    fn the_first_file_on_the_path_or_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.conf"), dir.path().join("b.conf"));
        std::fs::write(&b, "pwcheck_method: saslauthd\n").unwrap();
        let conf = SaslConf::load(None, &[a.clone(), b.clone()]).unwrap();
        assert_eq!(
            (conf.path.as_deref(), conf.pwcheck.as_slice()),
            (Some(b.as_path()), &["saslauthd".to_string()][..])
        );
        assert_eq!(SaslConf::load(None, std::slice::from_ref(&a)).unwrap(), SaslConf::default());
        let err = SaslConf::load(Some(&a), &[]).unwrap_err();
        assert!(err.to_string().contains("a.conf"), "{err}");
        assert!(search_path()[0].ends_with("sasl2/Sendmail.conf"));
    }
}
