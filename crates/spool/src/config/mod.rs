//! The admin's `sendmail.mc`, read the way sendmail's m4 macros read it.
//!
//! # Synopsis
//! ```no_run
//! # use spool::config::{Config, ConfigError};
//! # fn main() -> Result<(), ConfigError> {
//! let mut config = Config::load_default()?;          // /etc/mail/sendmail.mc or defaults
//! config.set_option("MaxRecipientsPerMessage=50")?;   // -O, as sendmail
//! for warning in config.warnings() {
//!     eprintln!("{warning}");                         // file:line: message
//! }
//! let queue = config.queue_directory();
//! # Ok(()) }
//! ```
//!
//! # Description
//! sendmail is configured in m4: an `.mc` file of `define(`confX', `value')`,
//! `FEATURE(...)`, `MAILER(...)` and friends, expanded through cf.m4 into sendmail.cf.
//! ferrymail reads the `.mc` itself, with a small m4 ([`m4`](self) internals: quotes,
//! comments, `dnl`, `divert`, `define`/`undefine`/`ifdef`/`ifelse`, user macros,
//! `include`) and the cf macros as records ([`Feature`], [`DaemonOptions`], ...), but
//! without executing the m4 library: `include(`.../m4/cf.m4')` is a no-op and what
//! the library would default is in one table, [`OPTIONS`] (define, cf name, type,
//! default, doc). Debian's `OSTYPE(debian)`/`DOMAIN(debian-mta|debian-msp)` and
//! `FEATURE(msp)` are applied from a table of what their files define.
//!
//! Options are looked up by their sendmail.cf name (`Config::option`, private to
//! `spool::config` and [`crate::settings`], which resolves them once into typed
//! values for everyone else); the value is the `.mc` define expanded as proto.m4
//! would expand it (`MAIL_SETTINGS_DIR`, the admin's own macros), else the default.
//! `-O Name=value` overrides both, and takes the cf name in any case, as sendmail
//! does; `-O Name` alone sets an empty value.
//!
//! # The MSP queue
//! sendmail picks the MSP's config with `-Ac` (submit.cf). ferrymail's binaries ask
//! [`Config::client_queue_directory`]: `-O ClientQueueDirectory=` or `MSP_QUEUE_DIR` in
//! the loaded file; else, if the loaded file has `FEATURE(msp)` (it is a submit.mc),
//! its own queue; else the queue of a `submit.mc` beside the loaded file; else
//! `/var/spool/clientmqueue`, msp.m4's default. The options of the program that
//! writes that queue (`RunAsUser`, `QueueFileMode`, `UseMSP`) come the same way: they
//! are read from that `submit.mc` when the loaded file is an MTA's, as sendmail reads
//! submit.cf to queue a submission ([`crate::settings::QueueSettings::client_writer`]).
//!
//! # Diagnostics
//! Not understood but harmless (unknown `conf*` defines, unknown `FEATURE`s, text that
//! m4 would copy into sendmail.cf outside a `LOCAL_*` section, a missing include
//! under `/etc/mail/m4`): a [`Warning`] with file and line, and the file still loads.
//!
//! # Errors
//! [`ConfigError`]: an explicit file that cannot be opened; text pasted from a web page
//! (HTML entities such as `&#039;`), NUL bytes, unbalanced quotes or parentheses, and
//! runaway macros, with file, line and column; a known option with a value of the wrong
//! type; an unknown `-O` option (`readcf: unknown option name Foo`, sendmail's words).
//! Nothing in an input file can make this module panic.

mod error;
mod m4;
mod mc;
mod options;
mod presets;
mod reader;
mod short;
mod table;
mod types;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use error::{ConfigError, Warning};
pub use options::KNOWN_MACROS;
pub use options::{by_define, by_name, parse_bool, parse_duration, validate, ValueType};
pub use table::{OptionSpec, OPTIONS};
pub use types::{AliasFileSpec, DaemonOptions, Feature, MacroCall, MailFilter, RawSection};

use error::{io_reason, Pos};
use m4::Engine;
use mc::McData;

/// Where sendmail's admin configuration lives.
pub const DEFAULT_CONFIG: &str = "/etc/mail/sendmail.mc";

/// A loaded configuration: the `.mc`'s settings over sendmail's defaults, plus `-O`.
#[derive(Debug, Default)]
pub struct Config {
    source: Option<PathBuf>,
    /// Expanded value of each option the `.mc` defines, by index into [`OPTIONS`].
    values: BTreeMap<usize, String>,
    /// `-O` settings, by index into [`OPTIONS`].
    overrides: BTreeMap<usize, String>,
    /// Every macro the `.mc` left defined, expanded.
    macros: BTreeMap<String, String>,
    mc: McData,
    raw: Vec<RawSection>,
    warnings: Vec<Warning>,
    /// The submit.mc beside the loaded file (an MTA's), read as the MSP's configuration.
    sibling_msp: Option<Box<Config>>,
    /// `-O DaemonPortOptions=...` listeners, in order.
    daemon_port_overrides: Vec<DaemonOptions>,
}

impl Config {
    /// sendmail's defaults, as if there were no configuration file.
    pub fn defaults() -> Config {
        Config::default()
    }

    /// Reads `path`, which must exist (`-C FILE`).
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bytes = std::fs::read(path)
            .map_err(|e| ConfigError::Open { path: path.to_path_buf(), reason: io_reason(&e) })?;
        let mut config = Config::from_str(path, &String::from_utf8_lossy(&bytes))?;
        config.find_sibling_submit(path);
        Ok(config)
    }

    /// Reads [`DEFAULT_CONFIG`] if it exists, else returns [`Config::defaults`].
    pub fn load_default() -> Result<Config, ConfigError> {
        let path = Path::new(DEFAULT_CONFIG);
        if path.exists() {
            Config::load(path)
        } else {
            Ok(Config::defaults())
        }
    }

    /// Reads `.mc` text as if from file `name` (relative includes resolve beside it).
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(name: &Path, text: &str) -> Result<Config, ConfigError> {
        let file: Arc<Path> = Arc::from(name);
        let mut engine = Engine::new();
        engine.run_file(file.clone(), text)?;
        let values = option_values(&mut engine, &file)?;
        let mut macros = BTreeMap::new();
        let mut names: Vec<(String, String)> = engine.macros.clone().into_iter().collect();
        names.sort();
        for (name, body) in names {
            let pos = engine.def_pos.get(&name).cloned().unwrap_or(Pos::start(file.clone()));
            let value = engine.expand_value(&pos, &body).unwrap_or(body);
            macros.insert(name, value.trim().to_string());
        }
        let mut warnings = std::mem::take(&mut engine.warnings);
        warnings.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Ok(Config {
            source: Some(name.to_path_buf()),
            values,
            macros,
            raw: std::mem::take(&mut engine.out.raw),
            warnings,
            mc: engine.mc,
            ..Config::default()
        })
    }

    fn find_sibling_submit(&mut self, path: &Path) {
        if self.feature("msp").is_some() || path.file_name().is_some_and(|n| n == "submit.mc") {
            return;
        }
        let Some(submit) = path.parent().map(|d| d.join("submit.mc")) else { return };
        if !submit.is_file() {
            return;
        }
        match Config::load(&submit) {
            Ok(msp) => self.sibling_msp = Some(Box::new(msp)),
            Err(e) => self.warnings.push(Warning {
                file: submit,
                line: 0,
                message: format!("not used for the MSP queue: {e}"),
            }),
        }
    }

    /// The file this configuration was read from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// What the reader did not understand but could do without.
    pub fn warnings(&self) -> &[Warning] {
        &self.warnings
    }

    /// `-O Name=value`: sets an option by its cf name (any case) over the `.mc`.
    /// `DaemonPortOptions` is a list, as in sendmail.cf: each one adds a listener (see
    /// [`Config::daemon_port_overrides`]).
    pub fn set_option(&mut self, assignment: &str) -> Result<(), ConfigError> {
        let (name, value) = assignment.split_once('=').unwrap_or((assignment, ""));
        if name.trim().eq_ignore_ascii_case("DaemonPortOptions") {
            self.daemon_port_overrides.push(DaemonOptions::parse(value).0);
            return Ok(());
        }
        let Some(index) = OPTIONS.iter().position(|o| o.name.eq_ignore_ascii_case(name.trim()))
        else {
            return Err(ConfigError::UnknownOption { name: name.to_string() });
        };
        let spec = &OPTIONS[index];
        validate(spec.ty, value).map_err(|reason| ConfigError::BadOption {
            option: spec.name,
            value: value.to_string(),
            reason,
        })?;
        self.overrides.insert(index, value.trim().to_string());
        Ok(())
    }

    fn value_at(&self, index: usize) -> Option<&str> {
        self.overrides
            .get(&index)
            .or_else(|| self.values.get(&index))
            .map(String::as_str)
            .or(OPTIONS[index].default)
    }

    /// The effective value of option `cf_name` (`-O`, else the `.mc`, else the default);
    /// `None` for an unset option or an unknown name.
    ///
    /// Only `spool::config` and `spool::settings` look options up by name; a name that
    /// is not in [`OPTIONS`] is a bug in them (a debug build panics).
    pub(crate) fn option(&self, cf_name: &str) -> Option<&str> {
        let index = index_of(cf_name)?;
        self.value_at(index)
    }

    /// Whether `-O` or the `.mc` set option `cf_name` (rather than its default).
    pub(crate) fn is_set(&self, cf_name: &str) -> bool {
        index_of(cf_name)
            .is_some_and(|i| self.overrides.contains_key(&i) || self.values.contains_key(&i))
    }

    /// An integer option; `None` if unset (values were validated on load).
    pub(crate) fn option_int(&self, cf_name: &str) -> Option<i64> {
        self.option(cf_name)?.trim().parse().ok()
    }

    /// A True/False option; `None` if unset.
    pub(crate) fn option_bool(&self, cf_name: &str) -> Option<bool> {
        parse_bool(self.option(cf_name)?)
    }

    /// A time option, a bare number counting in `default_unit` (`s`, `m`, `h`, `d`).
    pub(crate) fn option_duration(
        &self,
        cf_name: &str,
        default_unit: char,
    ) -> Option<std::time::Duration> {
        parse_duration(self.option(cf_name)?, default_unit)
    }

    /// `QueueDirectory` (`QUEUE_DIR`; a submit.mc's `MSP_QUEUE_DIR`).
    pub fn queue_directory(&self) -> PathBuf {
        PathBuf::from(self.option("QueueDirectory").unwrap_or("/var/spool/mqueue"))
    }

    /// The MSP queue (clientmqueue); see the module docs for where it comes from.
    pub fn client_queue_directory(&self) -> PathBuf {
        if self.is_set("ClientQueueDirectory") {
            return PathBuf::from(self.option("ClientQueueDirectory").unwrap_or_default());
        }
        if self.feature("msp").is_some() {
            return self.queue_directory();
        }
        match &self.sibling_msp {
            Some(msp) => msp.queue_directory(),
            None => "/var/spool/clientmqueue".into(),
        }
    }

    /// Option `cf_name` as the MSP that writes the client queue has it: `-O`, else the
    /// `submit.mc` beside the loaded file when that file is an MTA's (sendmail would
    /// run with submit.cf), else the loaded file's value or the default.
    pub(crate) fn client_option(&self, cf_name: &str) -> Option<&str> {
        let index = index_of(cf_name)?;
        if let Some(value) = self.overrides.get(&index) {
            return Some(value);
        }
        match &self.sibling_msp {
            Some(msp) => msp.value_at(index),
            None => self.value_at(index),
        }
    }

    /// Whether `-O` or the MSP's file (see [`Config::client_option`]) set `cf_name`.
    pub(crate) fn client_is_set(&self, cf_name: &str) -> bool {
        match &self.sibling_msp {
            Some(msp) => {
                let index = index_of(cf_name);
                index.is_some_and(|i| self.overrides.contains_key(&i)) || msp.is_set(cf_name)
            }
            None => self.is_set(cf_name),
        }
    }

    /// `DontBlameSendmail` (`confDONT_BLAME_SENDMAIL`): the file-safety checks relaxed.
    pub fn dont_blame_sendmail(&self) -> crate::safefile::DontBlameSet {
        // Validated on load and by -O, so a value that does not parse cannot be here.
        crate::safefile::DontBlameSet::parse(self.option("DontBlameSendmail").unwrap_or_default())
            .unwrap_or_default()
    }

    /// `AliasFile` (`ALIAS_FILE`), one entry per comma-separated file.
    pub fn alias_files(&self) -> Vec<AliasFileSpec> {
        AliasFileSpec::parse_list(self.option("AliasFile").unwrap_or_default())
    }

    /// The listeners given with `-O DaemonPortOptions=...`, in order.
    pub fn daemon_port_overrides(&self) -> &[DaemonOptions] {
        &self.daemon_port_overrides
    }

    /// Every `FEATURE(...)`, in order.
    pub fn features(&self) -> &[Feature] {
        &self.mc.features
    }

    /// The first `FEATURE(name, ...)` with this name.
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.mc.features.iter().find(|f| f.name == name)
    }

    /// `MAILER(...)` names, in order, without repeats.
    pub fn mailers(&self) -> &[String] {
        &self.mc.mailers
    }

    /// Every `DAEMON_OPTIONS(...)`, in order.
    pub fn daemon_options(&self) -> &[DaemonOptions] {
        &self.mc.daemon_options
    }

    /// Every `CLIENT_OPTIONS(...)`, in order.
    pub fn client_options(&self) -> &[DaemonOptions] {
        &self.mc.client_options
    }

    /// Any macro the `.mc` left defined, expanded: `SMART_HOST`, `MAIL_HUB`,
    /// `LOCAL_RELAY`, `confDOMAIN_NAME` ($j), option defines too.
    pub(crate) fn macro_value(&self, name: &str) -> Option<&str> {
        self.macros.get(name).map(String::as_str)
    }

    /// `SMART_HOST`, e.g. `relay:[127.0.0.1]`; `None` if unset or empty.
    pub fn smart_host(&self) -> Option<&str> {
        self.macro_value("SMART_HOST").filter(|s| !s.is_empty())
    }

    /// `GENERICS_DOMAIN(...)` words, in order.
    pub fn generics_domains(&self) -> &[String] {
        &self.mc.generics_domains
    }

    /// `MASQUERADE_AS(...)`.
    pub fn masquerade_as(&self) -> Option<&str> {
        self.mc.masquerade_as.as_deref()
    }

    /// `MASQUERADE_DOMAIN(...)` words, in order.
    pub fn masquerade_domains(&self) -> &[String] {
        &self.mc.masquerade_domains
    }

    /// `EXPOSED_USER(...)` words, in order.
    pub fn exposed_users(&self) -> &[String] {
        &self.mc.exposed_users
    }

    /// `LOCAL_USER(...)` words, in order.
    pub fn local_users(&self) -> &[String] {
        &self.mc.local_users
    }

    /// `LOCAL_DOMAIN(...)` words (class w additions), in order.
    pub fn local_domains(&self) -> &[String] {
        &self.mc.local_domains
    }

    /// `RELAY_DOMAIN(...)` words (class R additions), in order.
    pub fn relay_domains(&self) -> &[String] {
        &self.mc.relay_domains
    }

    /// `INPUT_MAIL_FILTER` and `MAIL_FILTER` milters, in order.
    pub fn mail_filters(&self) -> &[MailFilter] {
        &self.mc.mail_filters
    }

    /// Other cf macro calls recorded as they are (`QUEUE_GROUP`, `*_FILE`, ...).
    pub fn other_calls(&self) -> &[MacroCall] {
        &self.mc.calls
    }

    /// Raw sendmail.cf text of `LOCAL_CONFIG`, `LOCAL_RULESETS`, ... sections.
    pub fn raw_sections(&self) -> &[RawSection] {
        &self.raw
    }

    /// `OSTYPE(...)`, if given.
    pub fn ostype(&self) -> Option<&str> {
        self.mc.ostype.as_deref()
    }

    /// `DOMAIN(...)`, if given.
    pub fn domain(&self) -> Option<&str> {
        self.mc.domain.as_deref()
    }
}

/// The index of option `cf_name` in [`OPTIONS`] (any case). A name that is not there
/// is a misspelling in spool's own code: a debug build panics, a release build answers
/// `None`, as for an unset option.
fn index_of(cf_name: &str) -> Option<usize> {
    let index = OPTIONS.iter().position(|o| o.name.eq_ignore_ascii_case(cf_name));
    debug_assert!(index.is_some(), "no option is called {cf_name}");
    index
}

/// Each option the `.mc` defines, expanded as proto.m4 would and checked by type.
fn option_values(
    engine: &mut Engine,
    file: &Arc<Path>,
) -> Result<BTreeMap<usize, String>, ConfigError> {
    let mut values = BTreeMap::new();
    for (index, spec) in OPTIONS.iter().enumerate() {
        let Some(body) = engine.macros.get(spec.define).cloned() else { continue };
        let pos = engine.def_pos.get(spec.define).cloned().unwrap_or(Pos::start(file.clone()));
        let value = engine.expand_value(&pos, &body)?.trim().to_string();
        validate(spec.ty, &value).map_err(|reason| ConfigError::BadValue {
            path: pos.file.to_path_buf(),
            line: pos.line,
            col: pos.col,
            define: spec.define.to_string(),
            option: spec.name,
            reason,
        })?;
        if let Some(value) = as_proto_writes(spec, value) {
            values.insert(index, value);
        }
    }
    Ok(values)
}

/// The few values proto.m4 rewrites on the way into sendmail.cf: `confTIME_ZONE`
/// `USE_SYSTEM` leaves `TimeZoneSpec` unset and `USE_TZ` sets it empty.
fn as_proto_writes(spec: &OptionSpec, value: String) -> Option<String> {
    match (spec.name, value.as_str()) {
        ("TimeZoneSpec", "USE_SYSTEM") => None,
        ("TimeZoneSpec", "USE_TZ") => Some(String::new()),
        _ => Some(value),
    }
}

#[cfg(test)]
mod tests;
