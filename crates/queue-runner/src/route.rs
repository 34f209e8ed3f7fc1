//! Where a remote address goes: the mailertable, then `SMART_HOST`, then the domain.
//!
//! ```text
//! mailertable   sink.example      relay:[127.0.0.1]     -> relay to [127.0.0.1]
//!               lab.example       local:postmaster      -> local user postmaster
//!               bad.example       error:5.1.2:550 ...   -> refused
//! SMART_HOST    relay:[127.0.0.1] | [host] | smtp:host | {host} | [host]:port
//! otherwise     esmtp to the domain (MX lookup)
//! ```
//!
//! A host in brackets is used as it is, without an MX lookup ([`Destination::mx`]
//! false). The port is the `RELAY_MAILER_ARGS`/`SMTP_MAILER_ARGS` `TCP $h PORT` of the
//! mailer, or a `:port` after the host, else 25.
//!
//! # Errors
//! None: a mailertable that cannot be read routes the address to a temporary failure.

use spool::mailertable::{self, Route};
use spool::maps::Map;
use spool::settings::Settings;

/// A remote destination: the mailer and the host, as sendmail's `$h` has it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Destination {
    /// The mailer (`esmtp`, `smtp`, `relay`, `smtp8`, `dsmtp`).
    pub mailer: String,
    /// The host without brackets or port (`127.0.0.1`, `mx.example`, `example.org`).
    pub host: String,
    /// Whether MX records are looked up for `host` (not for `[host]`).
    pub mx: bool,
    /// The TCP port.
    pub port: u16,
}

impl Destination {
    /// The host as sendmail prints it: `[127.0.0.1]` when it was bracketed.
    pub fn printable(&self) -> String {
        if self.mx {
            self.host.clone()
        } else {
            format!("[{}]", self.host)
        }
    }
}

/// The decision for one remote domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Deliver there.
    Remote(Destination),
    /// Deliver locally, to this user (`None`: the address's own local part).
    Local(Option<String>),
    /// Refuse: the enhanced status, the SMTP code if given, and the text.
    Error {
        /// `5.1.2`, `nohost`, ...
        status: String,
        /// The reply code, if the entry gave one.
        code: Option<String>,
        /// The text.
        text: String,
    },
    /// The mailertable could not be read: try again later.
    Unavailable(String),
}

/// The routing tables of a configuration.
pub struct Router {
    mailertable: Option<Box<dyn Map>>,
    smart_host: Option<String>,
    ports: Vec<(String, u16)>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router").field("smart_host", &self.smart_host).finish_non_exhaustive()
    }
}

impl Router {
    /// The router of `settings`: the mailertable opened from `FEATURE(mailertable)`'s
    /// spec (by `spool::lookup`), `SMART_HOST`, the mailers' ports.
    pub fn from_settings(settings: &Settings, mailertable: Option<Box<dyn Map>>) -> Router {
        Router {
            mailertable,
            smart_host: settings.delivery.smart_host.clone(),
            ports: settings.delivery.mailers.ports.clone(),
        }
    }

    /// A router with these tables (tests, and callers that load maps themselves).
    pub fn new(mailertable: Option<Box<dyn Map>>, smart_host: Option<String>) -> Router {
        Router { mailertable, smart_host, ports: Vec::new() }
    }

    /// Routes `domain`.
    pub fn route(&self, domain: &str) -> Decision {
        if let Some(map) = &self.mailertable {
            match mailertable::lookup(map.as_ref(), domain) {
                Ok(Some(Route::Mailer { mailer, host })) => {
                    return Decision::Remote(self.destination(&mailer, &host, domain));
                }
                Ok(Some(Route::Local(user))) => return Decision::Local(user),
                Ok(Some(Route::Error { status, code, text })) => {
                    return Decision::Error { status, code, text };
                }
                Ok(None) => {}
                Err(e) => return Decision::Unavailable(e.to_string()),
            }
        }
        match &self.smart_host {
            Some(sh) => {
                let (mailer, host) = match sh.split_once(':') {
                    Some((m, h)) if !m.starts_with(['[', '{']) => (m, h),
                    _ => ("relay", sh.as_str()),
                };
                Decision::Remote(self.destination(mailer, host, domain))
            }
            None => Decision::Remote(self.destination("esmtp", domain, domain)),
        }
    }

    fn destination(&self, mailer: &str, host: &str, domain: &str) -> Destination {
        let host = host.trim().trim_start_matches('{').trim_end_matches('}');
        let host = if host.is_empty() { domain } else { host };
        let (name, explicit_port) = split_port(host);
        let bracketed = name.starts_with('[') && name.ends_with(']');
        let name = name.trim_start_matches('[').trim_end_matches(']');
        let default =
            self.ports.iter().find(|(m, _)| m.eq_ignore_ascii_case(mailer)).map_or(25, |(_, p)| *p);
        Destination {
            mailer: mailer.to_ascii_lowercase(),
            host: name.to_ascii_lowercase(),
            mx: !bracketed,
            port: explicit_port.unwrap_or(default),
        }
    }
}

/// `[host]:port` or `host:port` into the host and the port.
fn split_port(host: &str) -> (&str, Option<u16>) {
    let after = host.rfind(']').map_or(0, |i| i + 1);
    match host[after..].rfind(':') {
        Some(colon) => {
            let at = after + colon;
            match host[at + 1..].parse() {
                Ok(port) => (&host[..at], Some(port)),
                Err(_) => (host, None),
            }
        }
        None => (host, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spool::maps::text::TextMap;

    fn router(mailertable: &str, smart: Option<&str>) -> Router {
        let map = TextMap::parse(mailertable.as_bytes());
        Router::new(Some(Box::new(map)), smart.map(str::to_string))
    }

    fn remote(mailer: &str, host: &str, mx: bool, port: u16) -> Decision {
        Decision::Remote(Destination { mailer: mailer.into(), host: host.into(), mx, port })
    }

    /// The oracle's mailertable, as `-bv` reports it (tests/reference/aliases/bv-routes).
    #[test]
    fn the_lab_mailertable() {
        let conf =
            std::fs::read_to_string(testkit::paths::oracle_conf().join("mailertable")).unwrap();
        let r = router(&conf, Some("relay:[127.0.0.1]"));
        assert_eq!(r.route("sink.example"), remote("relay", "127.0.0.1", false, 25));
        assert_eq!(r.route("x.closed.example"), remote("smtp", "127.0.0.1", false, 25));
        assert_eq!(r.route("elsewhere.example"), remote("relay", "127.0.0.1", false, 25));
        assert!(
            matches!(r.route("nosuchhost.example"), Decision::Error { status, .. } if status == "5.1.2")
        );
    }

    #[test]
    fn smart_host_forms_and_the_domain() {
        let none = Router::new(None, None);
        assert_eq!(none.route("Example.ORG"), remote("esmtp", "example.org", true, 25));
        for (smart, want) in [
            ("[mail.isp.example]", remote("relay", "mail.isp.example", false, 25)),
            ("smtp:mail.isp.example", remote("smtp", "mail.isp.example", true, 25)),
            ("{mail.isp.example}", remote("relay", "mail.isp.example", true, 25)),
            ("[10.0.0.1]:587", remote("relay", "10.0.0.1", false, 587)),
            ("relay:[127.0.0.1]", remote("relay", "127.0.0.1", false, 25)),
        ] {
            assert_eq!(Router::new(None, Some(smart.into())).route("a.example"), want, "{smart}");
        }
        let local = router("lab.example local:postmaster\n", None);
        assert_eq!(local.route("lab.example"), Decision::Local(Some("postmaster".into())));
        assert_eq!(
            Destination { mailer: "relay".into(), host: "h".into(), mx: false, port: 25 }
                .printable(),
            "[h]"
        );
    }
}
