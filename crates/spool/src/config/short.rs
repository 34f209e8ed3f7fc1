//! sendmail's one-letter option names, as `-oXvalue` still uses them (`-oi`, `-odq`,
//! `-oem`, `-oQ/var/spool/mqueue`), mapped to the long names of the option table.

use super::{Config, ConfigError};

/// (letter, long option name), from sendmail 8.17's `OptionTab`. Left out: `D`
/// (AutoRebuildAliases, gone in 8.12), `O` (daemon options: `DAEMON_OPTIONS` in the
/// .mc), `v` (use `-v`); `T` is the old name of `Timeout.queuereturn`.
const LETTERS: &[(char, &str)] = &[
    ('7', "SevenBitInput"),
    ('8', "EightBitMode"),
    ('A', "AliasFile"),
    ('a', "AliasWait"),
    ('B', "BlankSub"),
    ('b', "MinFreeBlocks"),
    ('C', "CheckpointInterval"),
    ('c', "HoldExpensive"),
    ('d', "DeliveryMode"),
    ('E', "ErrorHeader"),
    ('e', "ErrorMode"),
    ('f', "SaveFromLine"),
    ('F', "TempFileMode"),
    ('G', "MatchGECOS"),
    ('H', "HelpFile"),
    ('h', "MaxHopCount"),
    ('i', "IgnoreDots"),
    ('j', "SendMimeErrors"),
    ('J', "ForwardPath"),
    ('k', "ConnectionCacheSize"),
    ('K', "ConnectionCacheTimeout"),
    ('L', "LogLevel"),
    ('l', "UseErrorsTo"),
    ('m', "MeToo"),
    ('n', "CheckAliases"),
    ('o', "OldStyleHeaders"),
    ('P', "PostmasterCopy"),
    ('p', "PrivacyOptions"),
    ('Q', "QueueDirectory"),
    ('q', "QueueFactor"),
    ('R', "DontPruneRoutes"),
    ('S', "StatusFile"),
    ('s', "SuperSafe"),
    ('T', "Timeout.queuereturn"),
    ('t', "TimeZoneSpec"),
    ('u', "DefaultUser"),
    ('U', "UserDatabaseSpec"),
    ('V', "FallbackMXhost"),
    ('w', "TryNullMXList"),
    ('x', "QueueLA"),
    ('X', "RefuseLA"),
    ('Y', "ForkEachJob"),
    ('y', "RecipientFactor"),
    ('z', "ClassFactor"),
    ('Z', "RetryFactor"),
];

/// Boolean one-letter options given with no value mean `True` (`-oi`, `-om`).
const BOOLEANS: &str = "7cfGijmnoRswY";

/// The long name of one-letter option `letter`.
pub fn long_name(letter: char) -> Option<&'static str> {
    LETTERS.iter().find(|(l, _)| *l == letter).map(|(_, name)| *name)
}

impl Config {
    /// Applies `-o<letter><value>` (`-oi`, `-odq`, `-oQ/dir`) as sendmail does.
    pub fn set_short_option(&mut self, text: &str) -> Result<(), ConfigError> {
        let mut chars = text.chars();
        let letter = chars.next().unwrap_or(' ');
        let value = chars.as_str().trim_start();
        let Some(name) = long_name(letter) else {
            return Err(ConfigError::UnknownOption { name: text.to_string() });
        };
        let value = if value.is_empty() && BOOLEANS.contains(letter) { "True" } else { value };
        self.set_option(&format!("{name}={value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_map_to_table_options() {
        let mut config = Config::defaults();
        for (letter, name) in LETTERS {
            assert!(super::super::OPTIONS.iter().any(|o| o.name == *name), "{letter} {name}");
        }
        config.set_short_option("Q/tmp/q").unwrap();
        assert_eq!(config.queue_directory(), std::path::PathBuf::from("/tmp/q"));
        config.set_short_option("dq").unwrap();
        assert_eq!(config.option("DeliveryMode"), Some("q"));
        config.set_short_option("i").unwrap();
        assert_eq!(config.option("IgnoreDots"), Some("True"));
        assert!(config.set_short_option("#x").is_err());
    }
}
