//! Where an address goes: sendmail's `parseaddr`, i.e. rulesets 3 and 0 (`Parse0`,
//! `Parse1`) and the mailer triple `buildaddr` makes of their result.
//!
//! # Order
//! 1. An address literal that is not this host goes to the smart host (or `esmtp`).
//! 2. `FEATURE(virtusertable)`: a local or virtual domain is looked up; `error:`
//!    values refuse, anything else is parsed again in its place.
//! 3. A local domain (class `w`, canonical) is the `local` mailer.
//! 4. `FEATURE(mailertable)`: the domain, `.parent` domains, then `.`; `error:`
//!    refuses, `local:` delivers locally, `mailer:host` routes.
//! 5. The smart host (`SMART_HOST`), else `esmtp` to the domain.
//! 6. No domain: the `local` mailer.
//!
//! A local user is folded to lower case (the local mailer has no `u` flag); one that
//! starts with `|`, `/` or `:include:` is a program, a file or an include list.
//!
//! # Errors
//! [`Fail`]: a host name to look up first, or the error triple of an `error:` route.

use super::canon::{Canon, Canonified, Fail, Lookups};
use super::token::tokenize;
use super::Rules;
use crate::mailertable::{self, Route};
use crate::status::strip_quotes;
use crate::virtusertable;

/// A mailer triple: what delivers to this address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// The local mailer, this user (lower case, quotes kept).
    Local(String),
    /// A program named in an alias (`|...`).
    Program(String),
    /// A file named in an alias (`/...`).
    File(String),
    /// An `:include:` list.
    Include(String),
    /// A network mailer.
    Remote {
        /// The mailer (`relay`, `esmtp`, `smtp`, ...).
        mailer: String,
        /// The host, lower case.
        host: String,
        /// The address as the mailer gets it.
        user: String,
    },
}

impl Target {
    /// sendmail's `sameaddr` key: mailer, host and user.
    pub fn key(&self) -> (String, String, String) {
        match self {
            Target::Local(u) => ("local".into(), String::new(), u.clone()),
            Target::Program(u) => ("prog".into(), String::new(), u.clone()),
            Target::File(u) => ("*file*".into(), String::new(), u.clone()),
            Target::Include(u) => ("*include*".into(), String::new(), u.clone()),
            Target::Remote { mailer, host, user } => (mailer.clone(), host.clone(), user.clone()),
        }
    }

    /// The user part (`q_user`).
    pub fn user(&self) -> &str {
        match self {
            Target::Local(u) | Target::Program(u) | Target::File(u) | Target::Include(u) => u,
            Target::Remote { user, .. } => user,
        }
    }
}

impl Rules {
    /// `parseaddr`: the target of `raw`; `None` for the null address `<>`.
    pub(crate) fn parse_address(&self, raw: &str, l: &Lookups) -> Result<Option<Target>, Fail> {
        match self.canon_addr(raw, l)? {
            Some(c) => self.parse1(c, l, 0).map(Some),
            None => Ok(None),
        }
    }

    /// `Parse1` on a canonical address; `depth` bounds virtusertable recursion.
    pub(crate) fn parse1(&self, c: Canon, l: &Lookups, depth: usize) -> Result<Target, Fail> {
        let Some(domain) = c.domain.clone() else { return Ok(local_target(&c.local_text())) };
        let name = domain.name.clone();
        if name.starts_with('[') && !self.names.w.contains(&name) {
            return Ok(self.smart_host_or(&c, &name, true));
        }
        let local = domain.canonical && self.names.w.contains(&name);
        if let Some(target) = self.virtual_user(&c, local, l, depth)? {
            return Ok(target);
        }
        if local {
            return Ok(local_target(&c.local_text()));
        }
        if let Some(map) = &self.mailertable {
            let route = mailertable::lookup(map.as_ref(), &name).unwrap_or(None);
            if let Some(route) = route {
                return mailer_to_triple(route, &c);
            }
        }
        Ok(self.smart_host_or(&c, &name, false))
    }

    /// `$S`, else `esmtp` to `host`.
    fn smart_host_or(&self, c: &Canon, host: &str, literal: bool) -> Target {
        let user = remote_user(c);
        let (mailer, host) = match self.smart_host.as_deref() {
            Some(sh) => match sh.split_once(':') {
                Some((m, h)) if !m.starts_with('[') => (m.to_string(), h.to_string()),
                _ if literal => ("esmtp".to_string(), sh.to_string()),
                _ => ("relay".to_string(), sh.to_string()),
            },
            None => ("esmtp".to_string(), host.to_string()),
        };
        Target::Remote { mailer, host: host.to_ascii_lowercase(), user }
    }

    /// The virtusertable's answer for a local or virtual domain, if any.
    fn virtual_user(
        &self,
        c: &Canon,
        local: bool,
        l: &Lookups,
        depth: usize,
    ) -> Result<Option<Target>, Fail> {
        let (Some(map), Some(domain)) = (&self.virtuser, &c.domain) else { return Ok(None) };
        let virt = &self.names.virt_hosts;
        let hosted = virt.contains(&domain.name)
            || (self.features.virtuser_entire_domain
                && virt.contains_domain_or_parent(&domain.name));
        if !(domain.canonical && (local || hosted)) || depth > 10 {
            return Ok(None);
        }
        let value =
            virtusertable::lookup(map.as_ref(), &c.local_text(), &domain.name).unwrap_or(None);
        let Some(value) = value else { return Ok(None) };
        if let Some(rest) = value.strip_prefix("error:") {
            return Err(error_route(rest));
        }
        match self.canonify(tokenize(&value), l)? {
            Canonified::Address(inner) => {
                let inner = self.parse0(inner, l, 0)?;
                self.parse1(inner, l, depth + 1).map(Some)
            }
            _ => Err(Fail::Error(Some("5.1.3".into()), "553 User address required".into())),
        }
    }
}

/// `MailerToTriple` for a mailertable route.
fn mailer_to_triple(route: Route, c: &Canon) -> Result<Target, Fail> {
    match route {
        Route::Error { status, code, text } => {
            let text = match code {
                Some(code) => format!("{code} {text}"),
                None => text,
            };
            Err(Fail::Error(Some(status), text))
        }
        Route::Local(Some(user)) => Ok(local_target(user.split('@').next().unwrap_or(&user))),
        Route::Local(None) => Ok(local_target(&c.local_text())),
        Route::Mailer { mailer, host } => {
            let (user, host) = match host.split_once('@') {
                Some((u, h)) => (format!("{u}@{h}"), h.to_string()),
                None => (remote_user(c), host),
            };
            Ok(Target::Remote { mailer, host: host.to_ascii_lowercase(), user })
        }
    }
}

/// An `error:` value of the virtusertable: `d.s.n:text` or `name text`.
fn error_route(rest: &str) -> Fail {
    let (dsn, text) = crate::access::split_dsn(rest);
    match dsn {
        Some(d) => Fail::Error(Some(d), text.to_string()),
        None => {
            let (host, text) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
            Fail::Error(Some(strip_quotes(host)), text.trim().to_string())
        }
    }
}

/// The local mailer's user, or the program, file or include list it names.
pub(crate) fn local_target(user: &str) -> Target {
    let bare = user.strip_prefix('"').unwrap_or(user);
    if bare.starts_with('|') {
        return Target::Program(user.to_string());
    }
    if bare.starts_with('/') {
        return Target::File(user.to_string());
    }
    let unquoted = strip_quotes(user);
    if unquoted.to_ascii_lowercase().starts_with(":include:") {
        return Target::Include(unquoted[9..].to_string());
    }
    Target::Local(user.to_ascii_lowercase())
}

/// The address a network mailer gets: `local@domain`, a `.UUCP` domain as a bang
/// path (`host!user`).
fn remote_user(c: &Canon) -> String {
    let local = c.local_text();
    match &c.domain {
        Some(d) if d.name.to_ascii_uppercase().ends_with(".UUCP") && d.name.len() > 5 => {
            format!("{}!{local}", &d.name[..d.name.len() - 5])
        }
        Some(d) => format!("{local}@{}", d.name),
        None => local,
    }
}

#[cfg(test)]
mod tests {
    //! Checked against `sendmail -bt` (`/parse address`) and SMTP replies of the lab.

    use super::super::testlab::lab;
    use super::*;

    fn route(raw: &str) -> Result<Option<Target>, Fail> {
        let lab = lab();
        let l = Lookups { resolver: &lab.hosts, no_canonify: false };
        lab.rules.parse_address(raw, &l)
    }

    fn remote(mailer: &str, host: &str, user: &str) -> Option<Target> {
        Some(Target::Remote { mailer: mailer.into(), host: host.into(), user: user.into() })
    }

    #[test]
    fn local_users_programs_files_and_includes() {
        assert_eq!(route("<Root@LAB.example>").unwrap(), Some(Target::Local("root".into())));
        assert_eq!(route("<root@vm>").unwrap(), Some(Target::Local("root".into())));
        assert_eq!(
            route("<root+tag@lab.example>").unwrap(),
            Some(Target::Local("root+tag".into()))
        );
        assert_eq!(route("<\\root>").unwrap(), Some(Target::Local("\\root".into())));
        let pipe = "\"|/bin/sh -c 'cat >> /x'\"";
        assert_eq!(route(pipe).unwrap(), Some(Target::Program(pipe.into())));
        assert_eq!(route("/Dev/Null").unwrap(), Some(Target::File("/Dev/Null".into())));
        assert_eq!(route(":include:/etc/list").unwrap(), Some(Target::Include("/etc/list".into())));
        assert_eq!(route("<>").unwrap(), None);
    }

    #[test]
    fn mailertable_routes_and_errors() {
        let err = route("<user@nosuchhost.example>").unwrap_err();
        assert_eq!(err, Fail::Error(Some("5.1.2".into()), "550 Host unknown".into()));
        assert_eq!(
            route("<u@sub.closed.example>").unwrap(),
            remote("smtp", "[127.0.0.1]", "u@sub.closed.example")
        );
        assert_eq!(
            route("<someone@Sink.Example>").unwrap(),
            remote("relay", "[127.0.0.1]", "someone@Sink.Example")
        );
    }

    #[test]
    fn everything_else_goes_to_the_smart_host() {
        assert_eq!(
            route("<User@Elsewhere.Example>").unwrap(),
            remote("relay", "[127.0.0.1]", "User@Elsewhere.Example")
        );
        assert_eq!(
            route("<user@[127.0.0.9]>").unwrap(),
            remote("relay", "[127.0.0.1]", "user@[127.0.0.9]")
        );
        assert_eq!(
            route("elsewhere!user").unwrap(),
            remote("relay", "[127.0.0.1]", "elsewhere!user")
        );
    }

    #[test]
    fn without_a_smart_host_esmtp_delivers() {
        let lab = super::super::testlab::lab_with("undefine(`SMART_HOST')dnl\n", "");
        let l = Lookups { resolver: &lab.hosts, no_canonify: false };
        let t = lab.rules.parse_address("<u@Elsewhere.Example>", &l).unwrap();
        assert_eq!(t, remote("esmtp", "elsewhere.example", "u@Elsewhere.Example"));
        let lit = lab.rules.parse_address("<u@[10.0.0.1]>", &l).unwrap();
        assert_eq!(lit, remote("esmtp", "[10.0.0.1]", "u@[10.0.0.1]"));
    }

    #[test]
    fn the_virtusertable_answers_for_local_and_virtual_domains() {
        let mc = "FEATURE(`virtusertable', `text @SMLAB@/etc/virtusertable')dnl\nVIRTUSER_DOMAIN(`virt.example')dnl\n";
        let vt = "info@virt.example root\n@virt.example someone@sink.example\nbad@lab.example error:nouser User unknown\n";
        let lab = super::super::testlab::lab_files(mc, "", &[("virtusertable", vt)]);
        // {VirtHost} domains are canonical without a lookup.
        let l = Lookups { resolver: &lab.hosts, no_canonify: false };
        let p = |raw: &str| lab.rules.parse_address(raw, &l);
        assert_eq!(p("<info@virt.example>").unwrap(), Some(Target::Local("root".into())));
        assert_eq!(
            p("<x@virt.example>").unwrap(),
            remote("relay", "[127.0.0.1]", "someone@sink.example")
        );
        assert_eq!(
            p("<bad@lab.example>").unwrap_err(),
            Fail::Error(Some("nouser".into()), "User unknown".into())
        );
        assert_eq!(p("<root@lab.example>").unwrap(), Some(Target::Local("root".into())));
    }
}
