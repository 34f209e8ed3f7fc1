//! The values the cf macros record: features, daemon options, alias files, filters.

use std::path::PathBuf;

/// `FEATURE(`name', `arg1', ...)`: the name and its arguments, trimmed, in order.
///
/// An empty argument stays in its place: Debian's `FEATURE(`access_db', , `skip')`
/// gives the arguments `["", "skip"]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// The feature, e.g. `access_db`.
    pub name: String,
    /// Its arguments after the name.
    pub args: Vec<String>,
}

impl Feature {
    /// The `n`th argument after the name, if given and not empty.
    pub fn arg(&self, n: usize) -> Option<&str> {
        self.args.get(n).map(String::as_str).filter(|a| !a.is_empty())
    }
}

/// `DAEMON_OPTIONS(`Port=smtp, Addr=127.0.0.1, Name=MTA')` as key/value pairs in order.
///
/// Keys are kept as written; [`DaemonOptions::get`] compares them without case, as
/// sendmail does. sendmail also accepts the first letter alone (`P=`, `A=`, `N=`), so
/// [`DaemonOptions::port`] and friends look for both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaemonOptions {
    /// The `Key=value` pairs, trimmed.
    pub pairs: Vec<(String, String)>,
}

impl DaemonOptions {
    /// Splits a `Key=value, Key=value` list. Items without `=` are returned apart,
    /// for the caller to warn about.
    pub fn parse(spec: &str) -> (DaemonOptions, Vec<String>) {
        let mut options = DaemonOptions::default();
        let mut bad = Vec::new();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            match item.split_once('=') {
                Some((key, value)) => {
                    options.pairs.push((key.trim().to_string(), value.trim().to_string()));
                }
                None => bad.push(item.to_string()),
            }
        }
        (options, bad)
    }

    /// The value of `key`, compared without case.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    fn get_long_or_short(&self, long: &str) -> Option<&str> {
        self.get(long).or_else(|| self.get(&long[..1]))
    }

    /// `Name=` (or `N=`): the daemon's name, e.g. `MTA`.
    pub fn name(&self) -> Option<&str> {
        self.get_long_or_short("Name")
    }

    /// `Port=` (or `P=`): a number or a service name such as `smtp`.
    pub fn port(&self) -> Option<&str> {
        self.get_long_or_short("Port")
    }

    /// `Addr=` (or `A=`): the address to bind.
    pub fn addr(&self) -> Option<&str> {
        self.get_long_or_short("Addr")
    }

    /// `Family=` (or `F=`): `inet`, `inet6`, `local`.
    pub fn family(&self) -> Option<&str> {
        self.get_long_or_short("Family")
    }

    /// `M=` / `Modifiers=`: per-daemon flags such as `Ea`.
    pub fn modifiers(&self) -> Option<&str> {
        self.get("Modifiers").or_else(|| self.get("M"))
    }
}

/// One entry of `AliasFile` (`ALIAS_FILE`): a map type and a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AliasFileSpec {
    /// `hash`, `cdb`, `text`, ... from a `type:` prefix; `hash` when there is none.
    pub map_type: String,
    /// Whether the type came from a prefix rather than the default.
    pub explicit_type: bool,
    /// The alias file (the source text; a `hash` map adds `.db` to it).
    pub path: PathBuf,
}

impl AliasFileSpec {
    /// Parses a comma-separated `AliasFile` value; empty items are skipped.
    pub fn parse_list(value: &str) -> Vec<AliasFileSpec> {
        value.split(',').map(str::trim).filter(|i| !i.is_empty()).map(Self::parse_one).collect()
    }

    fn parse_one(item: &str) -> AliasFileSpec {
        match item.split_once(':') {
            Some((kind, path))
                if !kind.is_empty() && kind.chars().all(|c| c.is_ascii_alphanumeric()) =>
            {
                AliasFileSpec {
                    map_type: kind.to_ascii_lowercase(),
                    explicit_type: true,
                    path: PathBuf::from(path.trim()),
                }
            }
            _ => AliasFileSpec {
                map_type: "hash".to_string(),
                explicit_type: false,
                path: PathBuf::from(item),
            },
        }
    }
}

/// `INPUT_MAIL_FILTER(`name', `S=...')` or `MAIL_FILTER(...)`: a milter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailFilter {
    /// The filter's name.
    pub name: String,
    /// Its `S=socket, F=flags, T=timeouts` specification.
    pub spec: String,
    /// `true` for `INPUT_MAIL_FILTER` (used on every connection).
    pub input: bool,
}

/// Raw sendmail.cf text after `LOCAL_CONFIG`, `LOCAL_RULESETS`, `LOCAL_RULE_n`,
/// `MAILER_DEFINITIONS`, ...: kept, not interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawSection {
    /// The macro that opened it, e.g. `LOCAL_CONFIG`.
    pub name: String,
    /// The file it is in.
    pub file: PathBuf,
    /// Line of the macro.
    pub line: usize,
    /// The text, one `\n`-terminated line per line of output.
    pub text: String,
}

/// Any other cf macro call that ferrymail records without acting on it
/// (`QUEUE_GROUP`, `MODIFY_MAILER_FLAGS`, `CANONIFY_DOMAIN`, `*_FILE` classes, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MacroCall {
    /// The macro name.
    pub name: String,
    /// Its arguments, trimmed.
    pub args: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn daemon_options_split_and_lookup() {
        let (d, bad) = DaemonOptions::parse("Family=inet,  Name=MSP-v4, Port=submission, M=Ea, x");
        assert_eq!(d.name(), Some("MSP-v4"));
        assert_eq!(d.port(), Some("submission"));
        assert_eq!(d.family(), Some("inet"));
        assert_eq!(d.modifiers(), Some("Ea"));
        assert_eq!(d.addr(), None);
        assert_eq!(bad, vec!["x"]);
        let (short, _) = DaemonOptions::parse("P=2525, A=127.0.0.1");
        assert_eq!((short.port(), short.addr()), (Some("2525"), Some("127.0.0.1")));
    }

    #[test]
    fn alias_files_with_and_without_type() {
        let list = AliasFileSpec::parse_list("/etc/mail/aliases, cdb:/x/a,text:/y ,");
        assert_eq!(list.len(), 3);
        assert_eq!((list[0].map_type.as_str(), list[0].explicit_type), ("hash", false));
        assert_eq!(list[1].map_type, "cdb");
        assert_eq!(list[1].path, PathBuf::from("/x/a"));
        assert_eq!(list[2].map_type, "text");
    }
}
