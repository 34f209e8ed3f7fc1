//! AUTH as the `.mc` sets it up: which mechanisms to offer, `AuthOptions`, and the
//! password checker of `Sendmail.conf` ([`crate::sasl`]).
//!
//! # Mechanisms
//! sendmail offers the mechanisms that are both in `AuthMechanisms`
//! (`confAUTH_MECHANISMS`, in its order; default `EXTERNAL GSSAPI KERBEROS_V4
//! DIGEST-MD5 CRAM-MD5`) and available from the SASL library (`Sendmail.conf`'s
//! `mech_list`, when set, narrows those). smtpd implements PLAIN and LOGIN, so with
//! the default list it offers none and AUTH is `503 5.3.3 AUTH not available`.
//!
//! # AuthOptions
//! The letters that concern a server, for mechanisms that send the password in the
//! clear, as Cyrus SASL applies them:
//!
//! ```text
//! p   PLAIN and LOGIN only after STARTTLS (not offered, not accepted before)
//! a   no mechanism open to active attacks      -> no PLAIN, no LOGIN
//! d   no mechanism open to dictionary attacks  -> no PLAIN, no LOGIN
//! f   forward secrecy required                 -> no PLAIN, no LOGIN
//! m   mutual authentication required           -> no PLAIN, no LOGIN
//! c   mechanisms that pass credentials: PLAIN and LOGIN do
//! y   no anonymous login: PLAIN and LOGIN are not anonymous
//! A   client side (AUTH= only after a successful AUTH): queue-runner's business
//! ```
//!
//! # TRUST_AUTH_MECH
//! Whether a client that authenticated may relay is the rules' decision
//! (`spool::rules`, told the mechanism as `${auth_type}`): only with a mechanism of
//! `TRUST_AUTH_MECH`, as in sendmail.
//!
//! # Errors
//! A `Sendmail.conf` that cannot be read ([`crate::sasl::conf`]).

use crate::sasl::conf::{search_path, SaslConf};
use crate::sasl::mech::Mechanism;
use crate::sasl::Verifier;
use anyhow::{Context, Result};
use spool::settings::Auth;
use std::time::Duration;

/// The AUTH part of a configuration.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// The mechanisms offered, in `AuthMechanisms`' order (upper case).
    pub offered: Vec<String>,
    /// `AuthOptions` `p`.
    pub plaintext_needs_tls: bool,
    /// Checks passwords.
    pub verifier: Verifier,
    /// What the configuration asks that smtpd cannot do, for the log.
    pub warnings: Vec<String>,
}

impl AuthConfig {
    /// The AUTH settings `auth` give; `host_name` (`$j`) is the realm when `AuthRealm`
    /// is not set, `timeout` bounds a saslauthd round trip.
    ///
    /// # Errors
    /// See the module documentation.
    pub fn resolve(auth: &Auth, host_name: &str, timeout: Duration) -> Result<AuthConfig> {
        let explicit = auth.sasl_config_file.as_deref();
        let sasl = SaslConf::load(explicit, &search_path()).context("SASL configuration")?;
        let options = auth.options.as_str();
        let listed = auth.mechanisms.join(" ");
        let offered = offered(&listed, sasl.mech_list.as_deref(), options);
        let realm = auth.realm.as_deref().unwrap_or(host_name);
        Ok(AuthConfig {
            offered,
            plaintext_needs_tls: options.contains('p'),
            verifier: sasl.verifier(realm, timeout),
            warnings: sasl.warnings(),
        })
    }
}

/// `listed` mechanisms smtpd implements, allowed by `mech_list` and the options.
fn offered(listed: &str, mech_list: Option<&[String]>, options: &str) -> Vec<String> {
    if options.contains(['a', 'd', 'f', 'm']) {
        return Vec::new();
    }
    let allowed =
        |name: &str| mech_list.is_none_or(|l| l.iter().any(|m| m.eq_ignore_ascii_case(name)));
    let mut out: Vec<String> = Vec::new();
    for word in listed.split(|c: char| c.is_whitespace() || c == ',') {
        let Some(mechanism) = Mechanism::from_name(word) else { continue };
        let name = mechanism.name();
        if allowed(name) && !out.iter().any(|m| m == name) {
            out.push(name.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(mc: &str) -> Auth {
        let config = spool::config::Config::from_str(std::path::Path::new("t.mc"), mc).unwrap();
        spool::settings::Settings::from_config(&config).auth
    }

    #[test]
    fn offered_is_listed_and_implemented_and_in_mech_list() {
        assert!(offered("EXTERNAL GSSAPI KERBEROS_V4 DIGEST-MD5 CRAM-MD5", None, "").is_empty());
        assert_eq!(offered("LOGIN CRAM-MD5 plain", None, ""), ["LOGIN", "PLAIN"]);
        assert_eq!(offered("PLAIN,LOGIN PLAIN", None, ""), ["PLAIN", "LOGIN"]);
        let mech_list = ["plain".to_string(), "CRAM-MD5".into()];
        assert_eq!(offered("LOGIN PLAIN", Some(&mech_list), ""), ["PLAIN"]);
        for option in ["a", "d", "f", "m", "p,d"] {
            assert!(offered("PLAIN LOGIN", None, option).is_empty(), "{option}");
        }
        for option in ["c", "y", "A", "p", "u"] {
            assert_eq!(offered("PLAIN LOGIN", None, option).len(), 2, "{option}");
        }
    }

    #[test]
    fn from_the_mc() {
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("Sendmail.conf");
        std::fs::write(&conf, "pwcheck_method: saslauthd\nmech_list: LOGIN\n").unwrap();
        let c = config(&format!(
            "define(`confAUTH_MECHANISMS', `DIGEST-MD5 PLAIN LOGIN')dnl\n\
             define(`confAUTH_OPTIONS', `p,y')dnl\n\
             define(`confSASL_CONFIG_FILE', `{}')dnl\n",
            conf.display()
        ));
        let auth = AuthConfig::resolve(&c, "mail.test.example", Duration::from_secs(3)).unwrap();
        assert_eq!(auth.offered, ["LOGIN"]);
        assert!(auth.plaintext_needs_tls);
        assert_eq!(auth.verifier.realm, "mail.test.example");
        assert_eq!(auth.verifier.methods, [crate::sasl::Method::Saslauthd]);
    }

    #[test]
    fn auth_realm_and_a_missing_sasl_file() {
        let c = config(
            "define(`confAUTH_REALM', `other.example')dnl\n\
                        define(`confSASL_CONFIG_FILE', `/nonexistent/Sendmail.conf')dnl\n",
        );
        let err = AuthConfig::resolve(&c, "h", Duration::from_secs(1)).unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/Sendmail.conf"), "{err:#}");
        let c = config("define(`confAUTH_REALM', `other.example')dnl\n");
        let auth = AuthConfig::resolve(&c, "h", Duration::from_secs(1)).unwrap();
        assert_eq!(auth.verifier.realm, "other.example");
        assert!(auth.offered.is_empty());
    }
}
