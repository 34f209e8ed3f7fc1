//! `confDH_PARAMETERS` from the admin's `sendmail.mc`, read with `spool::config`.
//!
//! sendmail's `DHParameters` option: a PEM file path, or `none`, `1`, `2`, `5`, `i`
//! for its built-in choices. Only a value the `.mc` (or its includes) actually sets is
//! returned: an unset option means sendmail's built-in default.

use crate::error::Error;
use spool::config::Config;
use std::path::Path;

/// The m4 name of sendmail's `DHParameters` option.
pub const NAME: &str = "confDH_PARAMETERS";

/// What `confDH_PARAMETERS` is set to in the `.mc` at `path`, if anything
/// ([`spool::settings::Tls::dh_parameters`]).
pub fn dh_parameters(path: &Path) -> Result<Option<String>, Error> {
    let config = Config::load(path)?;
    Ok(spool::settings::Settings::from_config(&config).tls.dh_parameters)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mc(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sendmail.mc");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_the_define_with_quotes_comments_and_macros() {
        let (_d, p) = mc("dnl # comment\ndefine(`CERT_DIR', `/etc/mail/tls')dnl\ndefine(`confDH_PARAMETERS', `CERT_DIR/dh.pem')dnl\n");
        assert_eq!(dh_parameters(&p).unwrap().as_deref(), Some("/etc/mail/tls/dh.pem"));
        let (_d, p) = mc("define(`confDH_PARAMETERS', `2')dnl\n");
        assert_eq!(dh_parameters(&p).unwrap().as_deref(), Some("2"));
    }

    #[test]
    fn unset_missing_and_garbled() {
        let (_d, p) = mc("define(`confDOMAIN_NAME', `x.example')dnl\n");
        assert_eq!(dh_parameters(&p).unwrap(), None);
        assert!(matches!(dh_parameters(Path::new("/nonexistent.mc")), Err(Error::Config(_))));
        let (_d, p) = mc("define(&#039;confDH_PARAMETERS&#039;, &#039;/x&#039;)dnl\n");
        let err = dh_parameters(&p).unwrap_err().to_string();
        assert!(err.contains("line 1") && err.contains("&#039;"), "{err}");
    }
}
