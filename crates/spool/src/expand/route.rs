//! Where a non-local address goes: the mailertable, then `SMART_HOST`, then `esmtp`
//! to the domain.
//!
//! The host part of a route is a colon-separated list of hosts tried in order, each
//! MX-expanded unless bracketed (`esmtp:[10.0.0.1]:mx.example`); sendmail shows it in
//! lower case. A mailertable value `mailer:user@host` also replaces the user. The port
//! is the mailer's ([`Mailers::port`]).

use super::Context;
use crate::mailertable::{self, Route as TableRoute};
use crate::settings::Mailers;
use crate::status::DeliveryStatus;
use crate::sysexits::EX_TEMPFAIL;
use std::fmt;

/// One host of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayHost {
    /// The name or address, lower case, without brackets.
    pub name: String,
    /// Whether its MX records are looked up (false for `[bracketed]` hosts).
    pub mx: bool,
}

impl RelayHost {
    /// Parses `h1:[h2]:h3` (colons inside brackets, as in `[IPv6:::1]`, stay).
    pub fn parse_list(hosts: &str) -> Vec<RelayHost> {
        let mut out = Vec::new();
        let (mut depth, mut start) = (0usize, 0usize);
        let bytes = hosts.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            match b {
                b'[' => depth += 1,
                b']' => depth = depth.saturating_sub(1),
                b':' if depth == 0 => {
                    out.extend(RelayHost::parse_one(&hosts[start..i]));
                    start = i + 1;
                }
                _ => {}
            }
        }
        out.extend(RelayHost::parse_one(&hosts[start..]));
        out
    }

    fn parse_one(host: &str) -> Option<RelayHost> {
        let host = host.trim().to_ascii_lowercase();
        if host.is_empty() {
            return None;
        }
        match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) => Some(RelayHost { name: inner.to_string(), mx: false }),
            None => Some(RelayHost { name: host, mx: true }),
        }
    }
}

impl fmt::Display for RelayHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mx {
            f.write_str(&self.name)
        } else {
            write!(f, "[{}]", self.name)
        }
    }
}

/// The decision for one remote address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Deliver with this mailer.
    Remote {
        /// The mailer name.
        mailer: String,
        /// The hosts, in order.
        hosts: Vec<RelayHost>,
        /// The mailer's port.
        port: u16,
        /// A user given by the route (`mailer:user@host`), replacing the address's.
        user: Option<String>,
    },
    /// Deliver locally to this user, or to the address's own (`local:` routes).
    Local(Option<String>),
    /// Refuse, with this status and exit code.
    Error(DeliveryStatus, i32),
}

/// Routes `domain` (a domain, or the first hop of a source route) with `ctx`'s
/// mailertable and smart host.
pub fn route(ctx: &Context, domain: &str) -> Route {
    if let Some(mt) = ctx.mailertable {
        match mailertable::lookup(mt, domain) {
            Ok(Some(TableRoute::Mailer { mailer, host })) => {
                return remote(&mailer, &host, &ctx.mailers);
            }
            Ok(Some(TableRoute::Local(user))) => return Route::Local(user),
            Ok(Some(ref error @ TableRoute::Error { ref status, .. })) => {
                if let Some(refusal) = error.delivery_status() {
                    return Route::Error(refusal, status_exit(status));
                }
            }
            Ok(None) => {}
            Err(e) => return Route::Error(DeliveryStatus::temporary(e.to_string()), EX_TEMPFAIL),
        }
    }
    match &ctx.smart_host {
        Some(sh) => match sh.split_once(':') {
            Some((m, h)) if !m.starts_with('[') => remote(m, h, &ctx.mailers),
            _ => remote("relay", sh, &ctx.mailers),
        },
        None => remote("esmtp", domain, &ctx.mailers),
    }
}

fn remote(mailer: &str, host: &str, mailers: &Mailers) -> Route {
    let (user, host) = match host.rsplit_once('@') {
        Some((user, hosts)) => (Some(format!("{user}@{hosts}")), hosts),
        None => (None, host),
    };
    Route::Remote {
        mailer: mailer.to_string(),
        hosts: RelayHost::parse_list(host),
        port: mailers.port(mailer),
        user,
    }
}

/// The exit status for an `error:` route's status: a DSN (`5.1.2`) or an error name
/// (`nohost`).
pub fn status_exit(status: &str) -> i32 {
    use crate::sysexits::*;
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
    match (named, crate::status::EnhancedCode::parse(status)) {
        (Some(n), _) => n,
        (None, Some(e)) => {
            let code = match e.class() {
                2 => 250,
                4 => 451,
                _ => 550,
            };
            DeliveryStatus { code, enhanced: Some(e), text: String::new() }.exit_code()
        }
        (None, None) => EX_UNAVAILABLE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sysexits::*;

    #[test]
    fn host_lists_brackets_and_case() {
        let hosts = RelayHost::parse_list("[10.0.0.1]:[IPv6:::1]:MX.Example");
        let shown: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        // As sendmail -bv prints `esmtp:[10.0.0.1]:[IPv6:::1]:mx.example`.
        assert_eq!(shown, ["[10.0.0.1]", "[ipv6:::1]", "mx.example"]);
        assert_eq!((hosts[0].mx, hosts[2].mx), (false, true));
        assert!(RelayHost::parse_list("").is_empty());
    }

    #[test]
    fn routes_take_the_user_and_the_port() {
        let mut mailers = Mailers::from_config(&crate::config::Config::defaults());
        mailers.ports = vec![("relay".into(), 2527)];
        let Route::Remote { user, hosts, port, .. } =
            remote("smtp", "postmaster@mailhub.example", &mailers)
        else {
            panic!()
        };
        assert_eq!(
            (user.as_deref(), hosts[0].name.as_str(), port),
            (Some("postmaster@mailhub.example"), "mailhub.example", 25)
        );
        let Route::Remote { port, user, .. } = remote("relay", "[127.0.0.1]", &mailers) else {
            panic!()
        };
        assert_eq!((port, user), (2527, None));
    }

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
