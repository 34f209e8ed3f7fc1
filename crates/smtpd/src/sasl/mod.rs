//! # Name
//! sasl - SMTP AUTH passwords checked where sendmail's Cyrus SASL checks them
//!
//! # Description
//! sendmail hands AUTH to Cyrus SASL, which reads the application file
//! `Sendmail.conf` ([`conf`]) and checks a password in the way its `pwcheck_method`
//! says: `auxprop` with the `sasldb` plugin reads the Berkeley DB file `sasldb_path`
//! (default `/etc/sasldb2`, [`sasldb`]); `saslauthd` asks the daemon on the Unix
//! socket `saslauthd_path` (default `/var/run/saslauthd/mux`, [`saslauthd`]). A list
//! of methods is tried in order until one says yes. The mechanisms themselves, PLAIN
//! and LOGIN, are in [`mech`]; a [`Verifier`] checks what they collect.
//!
//! Why here and not in spool: only the server checks passwords. queue-runner's AUTH is
//! the client side, whose credentials come from the authinfo map
//! (`spool::authinfo`) and which shares nothing with sasldb2 or saslauthd; and the
//! saslauthd round trip is asynchronous (tokio), which spool does not depend on.
//!
//! # Realms
//! As with sendmail, which gives Cyrus no user realm and `AuthRealm` (else `$j`) as
//! the server's name: for sasldb2 an identity `user@realm` (split at the first `@`)
//! is looked up in that realm and a bare `user` in `AuthRealm`/`$j`; saslauthd is
//! sent `user` and `realm` split at the last `@`, or an empty realm (saslauthd then
//! uses its own host name).
//!
//! # Errors
//! A check never fails as a call: an unreadable sasldb2 counts as "user not found"
//! and an unreachable saslauthd as a generic failure, as in Cyrus, and the problem
//! comes back in [`Verdict::problem`] for the log.

pub mod conf;
pub mod mech;
pub mod saslauthd;
pub mod sasldb;

use std::path::PathBuf;
use std::time::Duration;

/// A Cyrus SASL result other than success, as sendmail logs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaslError {
    /// `SASL_FAIL` (-1): a generic failure (saslauthd unreachable, empty user name).
    Fail,
    /// `SASL_BADPROT` (-5): the client's response is malformed.
    BadProt,
    /// `SASL_BADAUTH` (-13): the password is wrong.
    BadAuth,
    /// `SASL_NOUSER` (-20): no such user in the database.
    NoUser,
}

impl SaslError {
    /// sendmail's `sasl_errstring (code) sasl_errdetail-prefix` as Cyrus 2.1.28 gives
    /// them, e.g. `authentication failure (-13) SASL(-13): authentication failure`.
    pub fn describe(self) -> &'static str {
        match self {
            SaslError::Fail => "generic failure (-1) SASL(-1): generic failure",
            SaslError::BadProt => "bad protocol / cancel (-5) SASL(-5): bad protocol / cancel",
            SaslError::BadAuth => "authentication failure (-13) SASL(-13): authentication failure",
            SaslError::NoUser => "user not found (-20) SASL(-13): user not found",
        }
    }
}

/// How passwords are checked (`pwcheck_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `auxprop` with the `sasldb` plugin.
    Sasldb,
    /// `saslauthd`.
    Saslauthd,
}

/// The outcome of one password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Ok` when the password is right, else the Cyrus result.
    pub result: Result<(), SaslError>,
    /// A broken environment worth a log line (unreadable database, saslauthd down).
    pub problem: Option<String>,
}

/// Checks user names and passwords the way `Sendmail.conf` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    /// The methods, tried in order until one succeeds.
    pub methods: Vec<Method>,
    /// `sasldb_path`.
    pub sasldb: PathBuf,
    /// `saslauthd_path`: the socket.
    pub saslauthd: PathBuf,
    /// The realm of a bare user name in sasldb2: `AuthRealm`, else `$j`.
    pub realm: String,
    /// How long a saslauthd round trip may take (`Timeout.auth`).
    pub timeout: Duration,
}

impl Verifier {
    /// Checks `password` for `authcid` (already canonical: trimmed, not empty).
    pub async fn check(&self, authcid: &[u8], password: &[u8]) -> Verdict {
        let mut last = Verdict {
            result: Err(SaslError::Fail),
            problem: Some("no supported pwcheck_method".into()),
        };
        for method in &self.methods {
            last = match method {
                Method::Sasldb => self.check_sasldb(authcid, password).await,
                Method::Saslauthd => self.check_saslauthd(authcid, password).await,
            };
            if last.result.is_ok() {
                break;
            }
        }
        last
    }

    async fn check_sasldb(&self, authcid: &[u8], password: &[u8]) -> Verdict {
        let (user, realm) = match authcid.iter().position(|&b| b == b'@') {
            Some(at) => (authcid[..at].to_vec(), authcid[at + 1..].to_vec()),
            None => (authcid.to_vec(), self.realm.clone().into_bytes()),
        };
        let path = self.sasldb.clone();
        let found =
            tokio::task::spawn_blocking(move || sasldb::user_password(&path, &user, &realm)).await;
        match found {
            Ok(Ok(Some(stored))) if stored == password => Verdict { result: Ok(()), problem: None },
            Ok(Ok(Some(_))) => Verdict { result: Err(SaslError::BadAuth), problem: None },
            Ok(Ok(None)) => Verdict { result: Err(SaslError::NoUser), problem: None },
            Ok(Err(e)) => {
                Verdict { result: Err(SaslError::NoUser), problem: Some(format!("sasldb: {e}")) }
            }
            Err(e) => Verdict { result: Err(SaslError::Fail), problem: Some(e.to_string()) },
        }
    }

    async fn check_saslauthd(&self, authcid: &[u8], password: &[u8]) -> Verdict {
        let (login, realm) = match authcid.iter().rposition(|&b| b == b'@') {
            Some(at) => (&authcid[..at], &authcid[at + 1..]),
            None => (authcid, &b""[..]),
        };
        let request = saslauthd::Request { login, password, service: b"smtp", realm };
        match saslauthd::ask(&self.saslauthd, &request, self.timeout).await {
            Ok(true) => Verdict { result: Ok(()), problem: None },
            Ok(false) => Verdict { result: Err(SaslError::BadAuth), problem: None },
            Err(e) => Verdict {
                result: Err(SaslError::Fail),
                problem: Some(format!("saslauthd {}: {e}", self.saslauthd.display())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(dir: &std::path::Path, methods: Vec<Method>) -> Verifier {
        Verifier {
            methods,
            sasldb: dir.join("sasldb2"),
            saslauthd: dir.join("mux"),
            realm: "mail.test.example".into(),
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn realms_and_outcomes_against_a_sasldb() {
        let dir = tempfile::tempdir().unwrap();
        sasldb::tests::write(
            &dir.path().join("sasldb2"),
            &[("alice", "mail.test.example", "secret1"), ("bob", "other.example", "pw2")],
        );
        let v = verifier(dir.path(), vec![Method::Sasldb]);
        assert_eq!(v.check(b"alice", b"secret1").await.result, Ok(()));
        assert_eq!(v.check(b"alice@mail.test.example", b"secret1").await.result, Ok(()));
        assert_eq!(v.check(b"alice", b"secret").await.result, Err(SaslError::BadAuth));
        assert_eq!(v.check(b"bob", b"pw2").await.result, Err(SaslError::NoUser));
        assert_eq!(v.check(b"bob@other.example", b"pw2").await.result, Ok(()));
    }

    #[tokio::test]
    async fn a_missing_database_is_no_user_with_a_problem_and_methods_fall_through() {
        let dir = tempfile::tempdir().unwrap();
        let v = verifier(dir.path(), vec![Method::Sasldb]);
        let verdict = v.check(b"alice", b"secret1").await;
        assert_eq!(verdict.result, Err(SaslError::NoUser));
        assert!(verdict.problem.unwrap().contains("sasldb2"));
        let v = verifier(dir.path(), vec![Method::Sasldb, Method::Saslauthd]);
        let verdict = v.check(b"alice", b"secret1").await;
        assert_eq!(verdict.result, Err(SaslError::Fail), "the last method's result");
        assert!(verdict.problem.unwrap().starts_with("saslauthd "));
        let none = verifier(dir.path(), Vec::new()).check(b"alice", b"x").await;
        assert_eq!(none.result, Err(SaslError::Fail));
    }
}
