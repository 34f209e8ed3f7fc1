//! Where a non-local address goes: mailertable, then smart host, then the domain.

use super::Settings;
use crate::mailertable::{self, Route};
use crate::sysexits::*;

/// The decision for one remote address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Deliver with this mailer to this host.
    Deliver {
        /// Mailer name.
        mailer: String,
        /// Host as sendmail prints it.
        host: String,
    },
    /// Deliver locally to this user (`local:` in the mailertable).
    Local(Option<String>),
    /// Refuse, with this text and exit status.
    Error {
        /// The text printed after `addr... `.
        text: String,
        /// The exit status.
        status: i32,
    },
}

/// Routes `domain`.
pub fn route(settings: &Settings, domain: &str) -> Decision {
    if let Some(mt) = settings.mailertable {
        match mailertable::lookup(mt, domain) {
            Ok(Some(Route::Mailer { mailer, host })) => return Decision::Deliver { mailer, host },
            Ok(Some(Route::Local(user))) => return Decision::Local(user),
            Ok(Some(Route::Error { status, text, .. })) => {
                return Decision::Error { status: status_exit(&status), text };
            }
            Ok(None) => {}
            Err(e) => return Decision::Error { text: e.to_string(), status: EX_TEMPFAIL },
        }
    }
    match &settings.smart_host {
        Some(sh) => {
            let (mailer, host) = match sh.split_once(':') {
                Some((m, h)) if !m.starts_with('[') => (m.to_string(), h.to_string()),
                _ => ("relay".to_string(), sh.clone()),
            };
            Decision::Deliver { mailer, host }
        }
        None => Decision::Deliver { mailer: "esmtp".into(), host: domain.to_string() },
    }
}

/// The exit status for an `error:` mailer host part: a DSN (`5.1.2`) or a name.
pub fn status_exit(status: &str) -> i32 {
    let named = match status.to_ascii_lowercase().as_str() {
        "nouser" => Some(EX_NOUSER),
        "nohost" => Some(EX_NOHOST),
        "unavailable" => Some(EX_UNAVAILABLE),
        "tempfail" => Some(EX_TEMPFAIL),
        "usage" => Some(EX_USAGE),
        "dataerr" => Some(EX_DATAERR),
        "software" => Some(EX_SOFTWARE),
        "protocol" => Some(EX_PROTOCOL),
        "noperm" => Some(EX_NOPERM),
        "config" => Some(EX_CONFIG),
        _ => None,
    };
    if let Some(n) = named {
        return n;
    }
    let parts: Vec<&str> = status.split('.').collect();
    match parts.as_slice() {
        ["2", ..] => EX_OK,
        ["4", ..] => EX_TEMPFAIL,
        [_, "1", "1"] | [_, "1", "0"] => EX_NOUSER,
        [_, "1", "2"] => EX_NOHOST,
        [_, "1", "3"] => EX_USAGE,
        [_, "5", _] => EX_PROTOCOL,
        [_, "7", _] => EX_NOPERM,
        _ => EX_UNAVAILABLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_statuses() {
        assert_eq!(status_exit("5.1.2"), EX_NOHOST);
        assert_eq!(status_exit("5.1.1"), EX_NOUSER);
        assert_eq!(status_exit("nohost"), EX_NOHOST);
        assert_eq!(status_exit("4.7.1"), EX_TEMPFAIL);
        assert_eq!(status_exit("5.7.1"), EX_NOPERM);
        assert_eq!(status_exit("junk"), EX_UNAVAILABLE);
    }
}
