//! # Name
//! auth - SMTP AUTH as a client: PLAIN and LOGIN with authinfo credentials
//!
//! # Description
//! [`Credentials`] are one host's authinfo entry (`AuthInfo:host "U:user" "P:secret"
//! "M:PLAIN"`, parsed by `spool::authinfo`). As in sendmail, `U:` is the
//! authorization id and `I:` the authentication id, each defaulting to the other;
//! without a password, or without either id, there is nothing to authenticate with.
//!
//! The mechanisms tried are those the credentials list (`M:`, else the
//! `AuthMechanisms` option) that the server offers, PLAIN before LOGIN (the order
//! Cyrus SASL picks them in for sendmail). A mechanism refused (5xx) or failing
//! (4xx) gives way to the next; as sendmail does, when none is left a temporary
//! failure defers the delivery (`Deferred: Temporary AUTH failure`) while a refusal
//! lets it go on unauthenticated.
//!
//! ```text
//! AUTH PLAIN base64(authzid NUL authid NUL password)      -> 235
//! AUTH LOGIN -> 334 -> base64(authid) -> 334 -> base64(password) -> 235
//! ```
//! A `334` after the last response is answered with `*` (the exchange is given up).
//!
//! # Security
//! The credentials go out as the mechanisms define them (base64, not encrypted); the
//! transcript shows the commands as sent, as `sendmail -v` does.

use spool::authinfo::AuthInfo;
use spool::base64;

/// SASL credentials for one host.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The authorization id (`U:`).
    pub authzid: String,
    /// The authentication id (`I:`).
    pub authid: String,
    /// The password.
    pub password: Vec<u8>,
    /// The mechanisms to use (`M:`), upper case; empty: the `AuthMechanisms` option.
    pub mechanisms: Vec<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("authzid", &self.authzid)
            .field("authid", &self.authid)
            .field("password", &"<hidden>")
            .field("mechanisms", &self.mechanisms)
            .finish()
    }
}

impl Credentials {
    /// Credentials from an authinfo entry, or None when it lacks a password or both
    /// ids (sendmail's `getauth()` checks).
    pub fn from_authinfo(info: &AuthInfo) -> Option<Credentials> {
        let authzid = info.user.clone().filter(|s| !s.is_empty());
        let authid = info.authid.clone().filter(|s| !s.is_empty());
        let password = info.password.clone().filter(|p| !p.is_empty())?;
        let (authzid, authid) = match (authzid, authid) {
            (Some(u), Some(i)) => (u, i),
            (Some(u), None) => (u.clone(), u),
            (None, Some(i)) => (i.clone(), i),
            (None, None) => return None,
        };
        let mechanisms = info.mechanisms.iter().map(|m| m.to_ascii_uppercase()).collect();
        Some(Credentials { authzid, authid, password, mechanisms })
    }
}

/// A mechanism this client speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// RFC 4616 PLAIN.
    Plain,
    /// The LOGIN mechanism (draft-murchison-sasl-login).
    Login,
}

impl Mechanism {
    /// The name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
        }
    }

    /// The mechanisms to try, in order: those `allowed` (the credentials' list, else
    /// `defaults`) that the server `offered`.
    pub fn candidates(
        credentials: &Credentials,
        defaults: &[String],
        offered: &[String],
    ) -> Vec<Mechanism> {
        let allowed =
            if credentials.mechanisms.is_empty() { defaults } else { &credentials.mechanisms };
        let has = |list: &[String], name: &str| list.iter().any(|m| m.eq_ignore_ascii_case(name));
        [Mechanism::Plain, Mechanism::Login]
            .into_iter()
            .filter(|m| has(allowed, m.name()) && has(offered, m.name()))
            .collect()
    }

    /// The AUTH command that starts this mechanism.
    pub fn start(self, c: &Credentials) -> String {
        match self {
            Mechanism::Plain => {
                let mut message = c.authzid.as_bytes().to_vec();
                message.push(0);
                message.extend_from_slice(c.authid.as_bytes());
                message.push(0);
                message.extend_from_slice(&c.password);
                format!("AUTH PLAIN {}", base64::encode(&message))
            }
            Mechanism::Login => "AUTH LOGIN".to_string(),
        }
    }

    /// The response to the `step`th `334` challenge (from 0), or None when the
    /// mechanism has nothing more to say (the client then sends `*`).
    pub fn respond(self, step: usize, c: &Credentials) -> Option<String> {
        match (self, step) {
            (Mechanism::Login, 0) => Some(base64::encode(c.authid.as_bytes())),
            (Mechanism::Login, 1) => Some(base64::encode(&c.password)),
            _ => None,
        }
    }
}

/// How one mechanism's exchange ended (sendmail's `attemptauth()` results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthResult {
    /// 235: authenticated.
    Ok,
    /// 5xx: refused (`EX_NOPERM`).
    Refused,
    /// Anything else: a temporary failure (`EX_TEMPFAIL`).
    TempFail,
}

impl AuthResult {
    /// The result of a final (non-334) reply code.
    pub fn of(code: u16) -> AuthResult {
        match code {
            235 => AuthResult::Ok,
            500..=599 => AuthResult::Refused,
            _ => AuthResult::TempFail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(value: &str) -> AuthInfo {
        spool::authinfo::parse_value(value).unwrap()
    }

    #[test]
    fn ids_default_to_each_other_as_sendmail_does() {
        let c = Credentials::from_authinfo(&info(r#""U:myuser" "P:secret" "M:PLAIN""#)).unwrap();
        assert_eq!(
            (c.authzid.as_str(), c.authid.as_str(), c.mechanisms.as_slice()),
            ("myuser", "myuser", &["PLAIN".to_string()][..])
        );
        let c = Credentials::from_authinfo(&info(r#""I:auth" "P:x""#)).unwrap();
        assert_eq!((c.authzid.as_str(), c.authid.as_str()), ("auth", "auth"));
        assert!(Credentials::from_authinfo(&info(r#""U:u""#)).is_none());
        assert!(Credentials::from_authinfo(&info(r#""P:x""#)).is_none());
        assert!(!format!("{:?}", Credentials::from_authinfo(&info(r#""U:u" "P:hunter2""#)))
            .contains("hunter2"));
    }

    /// What the real sendmail sent for `"U:myuser" "P:secret"`: `myuser\0myuser\0secret`.
    #[test]
    fn plain_is_what_sendmail_sends() {
        let c = Credentials::from_authinfo(&info(r#""U:myuser" "P:secret" "M:PLAIN""#)).unwrap();
        assert_eq!(Mechanism::Plain.start(&c), "AUTH PLAIN bXl1c2VyAG15dXNlcgBzZWNyZXQ=");
        assert_eq!(Mechanism::Plain.respond(0, &c), None);
    }

    #[test]
    fn login_answers_two_challenges() {
        let c = Credentials::from_authinfo(&info(r#""U:myuser" "P:secret""#)).unwrap();
        assert_eq!(Mechanism::Login.start(&c), "AUTH LOGIN");
        assert_eq!(Mechanism::Login.respond(0, &c).as_deref(), Some("bXl1c2Vy"));
        assert_eq!(Mechanism::Login.respond(1, &c).as_deref(), Some("c2VjcmV0"));
        assert_eq!(Mechanism::Login.respond(2, &c), None);
    }

    #[test]
    fn candidates_plain_first_and_only_what_both_sides_allow() {
        let c = Credentials::from_authinfo(&info(r#""U:u" "P:p" "M:LOGIN PLAIN""#)).unwrap();
        let offered = ["LOGIN".to_string(), "PLAIN".to_string(), "CRAM-MD5".to_string()];
        assert_eq!(Mechanism::candidates(&c, &[], &offered), [Mechanism::Plain, Mechanism::Login]);
        assert_eq!(Mechanism::candidates(&c, &[], &offered[..1]), [Mechanism::Login]);
        let defaults = ["CRAM-MD5".to_string()];
        let c = Credentials { mechanisms: vec![], ..c };
        assert!(Mechanism::candidates(&c, &defaults, &offered).is_empty());
    }

    #[test]
    fn results_of_final_replies() {
        assert_eq!(AuthResult::of(235), AuthResult::Ok);
        assert_eq!(AuthResult::of(535), AuthResult::Refused);
        assert_eq!(AuthResult::of(454), AuthResult::TempFail);
        assert_eq!(AuthResult::of(250), AuthResult::TempFail);
    }
}
