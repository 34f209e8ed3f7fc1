//! The cf macros of sendmail's `cf.m4`, as far as a reader of `.mc` files needs them.
//!
//! Each call is recorded ([`McData`]); none generates sendmail.cf text. `include` of
//! `.../m4/cf.m4` is a no-op: the m4 library is not executed, its effects are the
//! defaults in the option table. `OSTYPE` and `DOMAIN` are recorded by name; of their
//! files only Debian's (`OSTYPE(debian)`, `DOMAIN(debian-mta)`, `DOMAIN(debian-msp)`)
//! are applied, from [`super::presets`]. `FEATURE(msp)` applies what `feature/msp.m4`
//! defines, so a `submit.mc` reports its MSP queue and options.
//!
//! Output text (what m4 would copy into sendmail.cf) outside `divert(-1)` is checked
//! line by line: blank lines and `#` comments are fine; any other line earns a warning
//! with its file and line, unless it is inside a raw section (`LOCAL_CONFIG`,
//! `LOCAL_RULESETS`, `LOCAL_RULE_n`, `MAILER_DEFINITIONS`, ...), whose text is kept
//! in [`RawSection`]s without comment until the next section or `divert`.
//!
//! A missing `include` file is an error, except under `/etc/mail/m4/`: Debian's stock
//! sendmail.mc includes `/etc/mail/m4/dialup.m4` and `provider.m4`, stubs that
//! `sendmailconfig` creates and that are empty unless the admin filled them; an admin
//! who copies that .mc to a machine without them expects it to work, so a missing one
//! is a warning. `sinclude` of a missing file is silent, as in m4.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{io_reason, ConfigError, Pos, Warning};
use super::m4::{Arg, Engine};
use super::reader::check_garbled;
use super::types::{DaemonOptions, Feature, MacroCall, MailFilter, RawSection};

/// Macros that open a raw section of sendmail.cf text.
const SECTIONS: &[&str] = &[
    "LOCAL_CONFIG",
    "LOCAL_RULESETS",
    "LOCAL_RULE_0",
    "LOCAL_RULE_1",
    "LOCAL_RULE_2",
    "LOCAL_RULE_3",
    "LOCAL_NET_CONFIG",
    "LOCAL_SRV_FEATURES",
    "LOCAL_TRY_TLS",
    "LOCAL_TLS_CLIENT",
    "LOCAL_TLS_RCPT",
    "LOCAL_TLS_SERVER",
    "MAILER_DEFINITIONS",
];

/// cf macros that take arguments and are recorded in [`McData::calls`] as they are.
const RECORDED: &[&str] = &[
    "HACK",
    "SITECONFIG",
    "SITE",
    "UUCPSMTP",
    "GENERICS_DOMAIN_FILE",
    "MASQUERADE_DOMAIN_FILE",
    "MASQUERADE_EXCEPTION",
    "MASQUERADE_EXCEPTION_FILE",
    "EXPOSED_USER_FILE",
    "RELAY_DOMAIN_FILE",
    "CANONIFY_DOMAIN",
    "CANONIFY_DOMAIN_FILE",
    "VIRTUSER_DOMAIN",
    "VIRTUSER_DOMAIN_FILE",
    "LDAPROUTE_DOMAIN",
    "LDAPROUTE_DOMAIN_FILE",
    "LDAPROUTE_EQUIVALENT",
    "LDAPROUTE_EQUIVALENT_FILE",
    "TRUST_AUTH_MECH",
    "QUEUE_GROUP",
    "MODIFY_MAILER_FLAGS",
];

/// The cf macros handled in [`Engine::cf_macro`] besides [`RECORDED`] and [`SECTIONS`].
const HANDLED: &[&str] = &[
    "VERSIONID",
    "OSTYPE",
    "DOMAIN",
    "FEATURE",
    "MAILER",
    "DAEMON_OPTIONS",
    "CLIENT_OPTIONS",
    "GENERICS_DOMAIN",
    "MASQUERADE_AS",
    "MASQUERADE_DOMAIN",
    "EXPOSED_USER",
    "LOCAL_USER",
    "LOCAL_DOMAIN",
    "RELAY_DOMAIN",
    "INPUT_MAIL_FILTER",
    "MAIL_FILTER",
];

/// Whether `name` is a cf macro: sections always, the others only with arguments.
pub(crate) fn is_cf_macro(name: &str, has_args: bool) -> bool {
    SECTIONS.contains(&name) || (has_args && (HANDLED.contains(&name) || RECORDED.contains(&name)))
}

/// Everything the cf macros recorded, in the order of the file.
#[derive(Debug, Default)]
pub(crate) struct McData {
    pub features: Vec<Feature>,
    pub mailers: Vec<String>,
    pub daemon_options: Vec<DaemonOptions>,
    pub client_options: Vec<DaemonOptions>,
    pub generics_domains: Vec<String>,
    pub masquerade_as: Option<String>,
    pub masquerade_domains: Vec<String>,
    pub exposed_users: Vec<String>,
    pub local_users: Vec<String>,
    pub local_domains: Vec<String>,
    pub relay_domains: Vec<String>,
    pub mail_filters: Vec<MailFilter>,
    pub calls: Vec<MacroCall>,
    pub ostype: Option<String>,
    pub domain: Option<String>,
}

/// m4's output, checked line by line.
#[derive(Debug, Default)]
pub(crate) struct Output {
    line: String,
    start: Option<Pos>,
    in_section: bool,
    pub raw: Vec<RawSection>,
}

impl Output {
    pub fn push(&mut self, c: char, pos: &Pos, warnings: &mut Vec<Warning>) {
        if c == '\n' {
            self.line.push('\n');
            self.flush(warnings);
            return;
        }
        if self.start.is_none() && !c.is_whitespace() {
            self.start = Some(pos.clone());
        }
        if self.line.len() < 4096 {
            self.line.push(c);
        }
    }

    pub fn flush(&mut self, warnings: &mut Vec<Warning>) {
        let line = std::mem::take(&mut self.line);
        let start = self.start.take();
        let text = line.trim();
        match self.raw.last_mut() {
            Some(section) if self.in_section => {
                if !(section.text.is_empty() && text.is_empty()) {
                    section.text.push_str(line.trim_end_matches('\n'));
                    section.text.push('\n');
                }
            }
            _ if text.is_empty() || text.starts_with('#') => {}
            _ => {
                let shown: String = text.chars().take(80).collect();
                if let Some(pos) = start {
                    warnings.push(Warning::at(&pos, format!("unrecognised line ignored: {shown}")));
                }
            }
        }
    }

    fn start_section(&mut self, name: &str, pos: &Pos) {
        self.in_section = true;
        let file = pos.file.to_path_buf();
        self.raw.push(RawSection { name: name.into(), file, line: pos.line, text: String::new() });
    }

    pub fn end_section(&mut self) {
        self.in_section = false;
    }
}

fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split_whitespace().map(str::to_string)
}

impl Engine {
    /// Runs cf macro `name`; returns the text it expands to (always empty here).
    pub(crate) fn cf_macro(
        &mut self,
        name: &str,
        args: &[Arg],
        pos: &Pos,
    ) -> Result<String, ConfigError> {
        let first = args.first().map_or("", |a| a.text.trim()).to_string();
        let mc = &mut self.mc;
        match name {
            "VERSIONID" => {}
            "OSTYPE" => {
                mc.ostype = Some(first.clone());
                super::presets::apply(self, "ostype", &first, pos);
            }
            "DOMAIN" => {
                mc.domain = Some(first.clone());
                super::presets::apply(self, "domain", &first, pos);
            }
            "FEATURE" => self.feature(args, pos),
            "MAILER" if !first.is_empty() && !mc.mailers.contains(&first) => mc.mailers.push(first),
            "MAILER" => {}
            "DAEMON_OPTIONS" | "CLIENT_OPTIONS" => self.daemon_options(name, &first, pos),
            "GENERICS_DOMAIN" => mc.generics_domains.extend(words(&first)),
            "MASQUERADE_AS" => mc.masquerade_as = Some(first).filter(|m| !m.is_empty()),
            "MASQUERADE_DOMAIN" => mc.masquerade_domains.extend(words(&first)),
            "EXPOSED_USER" => mc.exposed_users.extend(words(&first)),
            "LOCAL_USER" => mc.local_users.extend(words(&first)),
            "LOCAL_DOMAIN" => mc.local_domains.extend(words(&first)),
            "RELAY_DOMAIN" => mc.relay_domains.extend(words(&first)),
            "INPUT_MAIL_FILTER" | "MAIL_FILTER" => {
                let spec = args.get(1).map_or("", |a| a.text.trim()).to_string();
                let input = name == "INPUT_MAIL_FILTER";
                mc.mail_filters.push(MailFilter { name: first, spec, input });
            }
            _ if SECTIONS.contains(&name) => {
                self.flush_output();
                self.divert = self.divert.max(0);
                self.out.start_section(name, pos);
            }
            _ => {
                let args = args.iter().map(|a| a.text.trim().to_string()).collect();
                mc.calls.push(MacroCall { name: name.to_string(), args });
            }
        }
        Ok(String::new())
    }

    fn daemon_options(&mut self, name: &str, spec: &str, pos: &Pos) {
        let (options, bad) = DaemonOptions::parse(spec);
        for item in bad {
            let message = format!("{name}: `{item}' is not Key=value; ignored");
            self.warnings.push(Warning::at(pos, message));
        }
        if name == "DAEMON_OPTIONS" {
            self.mc.daemon_options.push(options);
        } else {
            self.mc.client_options.push(options);
        }
    }

    fn feature(&mut self, args: &[Arg], pos: &Pos) {
        let name = args.first().map_or("", |a| a.text.trim()).to_string();
        if !super::presets::FEATURES.contains(&name.as_str()) {
            let message = format!("unknown FEATURE({name}) recorded but not understood");
            self.warnings.push(Warning::at(pos, message));
        }
        let rest = args.iter().skip(1).map(|a| a.text.trim().to_string()).collect();
        self.mc.features.push(Feature { name: name.clone(), args: rest });
        if name == "msp" {
            super::presets::msp(self, pos);
        }
    }

    /// `include(file)`: reads `file` in place; see the module docs for what is skipped.
    pub(crate) fn include(
        &mut self,
        target: &str,
        pos: &Pos,
        silent: bool,
    ) -> Result<String, ConfigError> {
        let target = PathBuf::from(target.trim());
        if target.as_os_str().is_empty() || is_cf_m4(&target) {
            return Ok(String::new());
        }
        let path = match pos.file.parent() {
            Some(dir) if target.is_relative() => dir.join(&target),
            _ => target.clone(),
        };
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(_) if silent => return Ok(String::new()),
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && path.starts_with("/etc/mail/m4") =>
            {
                let message = format!("include {}: no such file; skipped", path.display());
                self.warnings.push(Warning::at(pos, message));
                return Ok(String::new());
            }
            Err(e) => {
                return Err(ConfigError::Include {
                    path: pos.file.to_path_buf(),
                    line: pos.line,
                    col: pos.col,
                    target,
                    reason: io_reason(&e),
                })
            }
        };
        let text = String::from_utf8_lossy(&bytes);
        let file: Arc<Path> = Arc::from(path.as_path());
        check_garbled(&file, &text)?;
        self.reader.push_file(file, &text);
        Ok(String::new())
    }
}

/// `.../m4/cf.m4`, the library every .mc includes first.
fn is_cf_m4(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "cf.m4")
        && path.parent().and_then(Path::file_name).is_some_and(|n| n == "m4")
}
