//! # Name
//! mech - the PLAIN and LOGIN mechanisms, server side, as Cyrus SASL 2.1.28 runs them
//!
//! # Description
//! An [`Exchange`] turns the client's decoded responses into either a challenge, the
//! credentials to check, or a failure with Cyrus's own detail text (which sendmail
//! logs and fail2ban reads):
//!
//! ```text
//! PLAIN  authzid NUL authcid NUL password   (RFC 4616; an empty initial response is
//!                                            parsed like any other)
//!        no NUL        bad protocol  "Can only find author (no password)"
//!        one NUL       bad protocol  "Can only find author/en (no password)"
//!        three or more bad protocol  "Got more data than we were expecting in the PLAIN plugin<LF>"
//! LOGIN  334 "Username:" (unless the initial response is the user name),
//!        334 "Password:"
//!        over 1024     bad protocol  "username too long (>1024 characters)" /
//!                                    "clientinlen is > 1024 characters in LOGIN plugin"
//! both   blank user    generic failure "All-whitespace username."
//! ```
//!
//! The authentication identity is trimmed of white space (Cyrus's canonicalisation).
//! A PLAIN authorization identity other than the user's is accepted and not used, as
//! sendmail's proxy policy accepts any: the session's identity is the one the
//! password proved. The `user=` of sendmail's log line is `authzid/authcid` when an
//! authorization identity is given, else the user name.

use super::SaslError;

/// A supported mechanism.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// RFC 4616.
    Plain,
    /// The de-facto LOGIN mechanism (draft-murchison-sasl-login).
    Login,
}

impl Mechanism {
    /// The mechanisms smtpd implements, by their SASL names.
    pub const ALL: [Mechanism; 2] = [Mechanism::Plain, Mechanism::Login];

    /// The mechanism named `name` (any case).
    pub fn from_name(name: &str) -> Option<Mechanism> {
        Mechanism::ALL.into_iter().find(|m| m.name().eq_ignore_ascii_case(name))
    }

    /// Its SASL name.
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
        }
    }

    /// The detail Cyrus gives when the password check fails.
    pub fn check_failed(self) -> &'static str {
        match self {
            Mechanism::Plain => "Password verification failed",
            Mechanism::Login => "checkpass failed",
        }
    }
}

/// What collected credentials are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The authentication identity, trimmed.
    pub authcid: Vec<u8>,
    /// The password.
    pub password: Vec<u8>,
    /// The `user=` of sendmail's log line.
    pub log_user: String,
}

/// A refused exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The Cyrus result.
    pub error: SaslError,
    /// Cyrus's detail text.
    pub detail: &'static str,
    /// The `user=` of sendmail's log line.
    pub log_user: String,
}

/// The next thing to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Send this challenge.
    Challenge(Vec<u8>),
    /// Check these credentials.
    Check(Credentials),
    /// The exchange failed.
    Fail(Failure),
}

/// One AUTH exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    /// LOGIN waiting for the user name.
    LoginUser,
    /// LOGIN waiting for the password of this user name.
    LoginPassword(Vec<u8>),
    /// Nothing more to read (PLAIN always, LOGIN after the password).
    Done,
}

/// Longest LOGIN user name or password Cyrus takes.
const LOGIN_MAX: usize = 1024;

impl Exchange {
    /// AUTH `mechanism` with its initial response, if any.
    pub fn start(mechanism: Mechanism, initial: Option<&[u8]>) -> (Exchange, Step) {
        match (mechanism, initial) {
            (Mechanism::Plain, None) => (Exchange::Done, Step::Challenge(Vec::new())),
            (Mechanism::Plain, Some(response)) => (Exchange::Done, plain(response)),
            (Mechanism::Login, None | Some(b"")) => {
                (Exchange::LoginUser, Step::Challenge(b"Username:".to_vec()))
            }
            (Mechanism::Login, Some(user)) => Exchange::LoginUser.next(user),
        }
    }

    /// The client's answer to the last challenge of `mechanism`.
    pub fn respond(self, mechanism: Mechanism, response: &[u8]) -> (Exchange, Step) {
        match mechanism {
            Mechanism::Plain => (Exchange::Done, plain(response)),
            Mechanism::Login => self.next(response),
        }
    }

    fn next(self, response: &[u8]) -> (Exchange, Step) {
        match self {
            Exchange::LoginUser if response.len() > LOGIN_MAX => {
                let fail = failure(SaslError::BadProt, "username too long (>1024 characters)");
                (Exchange::Done, fail(lossy(response)))
            }
            Exchange::LoginUser => {
                (Exchange::LoginPassword(response.to_vec()), Step::Challenge(b"Password:".to_vec()))
            }
            Exchange::LoginPassword(user) if response.len() > LOGIN_MAX => {
                let detail = "clientinlen is > 1024 characters in LOGIN plugin";
                (Exchange::Done, failure(SaslError::BadProt, detail)(lossy(&user)))
            }
            Exchange::LoginPassword(user) => {
                (Exchange::Done, check(&user, response.to_vec(), lossy(&user)))
            }
            Exchange::Done => (Exchange::Done, failure(SaslError::BadProt, "")(String::new())),
        }
    }
}

/// A PLAIN response.
fn plain(response: &[u8]) -> Step {
    let parts: Vec<&[u8]> = response.split(|&b| b == 0).collect();
    let log_user = match parts.as_slice() {
        [only] => lossy(only),
        [[], authcid, ..] => lossy(authcid),
        [authzid, authcid, ..] => format!("{}/{}", lossy(authzid), lossy(authcid)),
        [] => String::new(),
    };
    match parts.as_slice() {
        [_, authcid, password] => check(authcid, password.to_vec(), log_user),
        [_] => failure(SaslError::BadProt, "Can only find author (no password)")(log_user),
        [_, _] => failure(SaslError::BadProt, "Can only find author/en (no password)")(log_user),
        _ => {
            let detail = "Got more data than we were expecting in the PLAIN plugin\n";
            failure(SaslError::BadProt, detail)(log_user)
        }
    }
}

/// The credentials to check, once the user name is canonical (trimmed, not blank).
fn check(authcid: &[u8], password: Vec<u8>, log_user: String) -> Step {
    let authcid = authcid.trim_ascii();
    if authcid.is_empty() {
        return failure(SaslError::Fail, "All-whitespace username.")(log_user);
    }
    Step::Check(Credentials { authcid: authcid.to_vec(), password, log_user })
}

fn failure(error: SaslError, detail: &'static str) -> impl Fn(String) -> Step {
    move |log_user| Step::Fail(Failure { error, detail, log_user })
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(authcid: &str, password: &str, log_user: &str) -> Step {
        Step::Check(Credentials {
            authcid: authcid.into(),
            password: password.into(),
            log_user: log_user.into(),
        })
    }

    fn failed(error: SaslError, detail: &'static str, log_user: &str) -> Step {
        Step::Fail(Failure { error, detail, log_user: log_user.into() })
    }

    #[test]
    fn plain_responses_as_cyrus_parses_them() {
        let run = |r: &[u8]| Exchange::start(Mechanism::Plain, Some(r)).1;
        assert_eq!(run(b"\0alice\0secret1"), checked("alice", "secret1", "alice"));
        assert_eq!(run(b"bob\0alice\0secret1"), checked("alice", "secret1", "bob/alice"));
        assert_eq!(run(b"\0 alice \0pw"), checked("alice", "pw", " alice "));
        let bad = SaslError::BadProt;
        assert_eq!(
            run(b"alicesecret1"),
            failed(bad, "Can only find author (no password)", "alicesecret1")
        );
        assert_eq!(run(b""), failed(bad, "Can only find author (no password)", ""));
        assert_eq!(
            run(b"bob\0alice"),
            failed(bad, "Can only find author/en (no password)", "bob/alice")
        );
        let more = "Got more data than we were expecting in the PLAIN plugin\n";
        assert_eq!(run(b"\0alice\0secret1\0"), failed(bad, more, "alice"));
        let blank = failed(SaslError::Fail, "All-whitespace username.", "bob/");
        assert_eq!(run(b"bob\0\0pw"), blank);
    }

    #[test]
    fn plain_without_initial_response_gets_an_empty_challenge() {
        let (exchange, step) = Exchange::start(Mechanism::Plain, None);
        assert_eq!(step, Step::Challenge(Vec::new()));
        let (_, step) = exchange.respond(Mechanism::Plain, b"\0alice\0pw");
        assert_eq!(step, checked("alice", "pw", "alice"));
    }

    #[test]
    fn login_asks_for_what_it_lacks() {
        for initial in [None, Some(&b""[..])] {
            let (exchange, step) = Exchange::start(Mechanism::Login, initial);
            assert_eq!(step, Step::Challenge(b"Username:".to_vec()));
            let (exchange, step) = exchange.respond(Mechanism::Login, b"alice");
            assert_eq!(step, Step::Challenge(b"Password:".to_vec()));
            let (_, step) = exchange.respond(Mechanism::Login, b"secret1");
            assert_eq!(step, checked("alice", "secret1", "alice"));
        }
        let (exchange, step) = Exchange::start(Mechanism::Login, Some(b"alice"));
        assert_eq!(step, Step::Challenge(b"Password:".to_vec()));
        assert_eq!(exchange, Exchange::LoginPassword(b"alice".to_vec()));
    }

    #[test]
    fn login_limits() {
        let long = vec![b'u'; 1025];
        let (_, step) = Exchange::start(Mechanism::Login, Some(&long));
        let Step::Fail(f) = step else { panic!("{step:?}") };
        assert_eq!(
            (f.error, f.detail),
            (SaslError::BadProt, "username too long (>1024 characters)")
        );
        let (exchange, _) = Exchange::start(Mechanism::Login, Some(b"alice"));
        let (_, step) = exchange.respond(Mechanism::Login, &long);
        let detail = "clientinlen is > 1024 characters in LOGIN plugin";
        assert_eq!(step, failed(SaslError::BadProt, detail, "alice"));
        let (exchange, _) = Exchange::start(Mechanism::Login, Some(b"  "));
        let (_, step) = exchange.respond(Mechanism::Login, b"pw");
        assert_eq!(step, failed(SaslError::Fail, "All-whitespace username.", "  "));
    }

    #[test]
    fn names() {
        assert_eq!(Mechanism::from_name("login"), Some(Mechanism::Login));
        assert_eq!(Mechanism::from_name("CRAM-MD5"), None);
        assert_eq!(Mechanism::Plain.name(), "PLAIN");
    }
}
