//! Option types, validation and lookup over [`OPTIONS`].
//!
//! Values are checked by type when a `.mc` is loaded and when `-O` sets them, and a
//! bad one is an error: sendmail would take `atoi("abc")` as 0 and carry on, which
//! silently turns a limit off. Option names are compared without case, as sendmail
//! does (`-O maxhopcount=7` works).

use super::table::{OptionSpec, OPTIONS};

/// The kind of value an option takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    /// Free text.
    Str,
    /// A file or directory.
    Path,
    /// A decimal integer (`-1` allowed).
    Int,
    /// `True`/`False` (also `yes`/`no`, `t`/`f`, `y`/`n`, any case).
    Bool,
    /// A time: numbers each with an optional unit `s`, `m`, `h`, `d`, `w` (`1h30m`).
    Duration,
    /// A byte count.
    Size,
    /// A comma- or space-separated list.
    List,
    /// An octal file mode such as `0600`.
    Octal,
    /// `DontBlameSendmail` names ([`crate::safefile::DontBlameSet`]).
    DontBlame,
}

/// `.mc` defines named `conf*` that are not options but are known to cf.m4: macros
/// (`$j`, `$Z`, `$n`), classes and their files, mailer choices, header templates.
pub const KNOWN_MACROS: &[(&str, &str)] = &[
    ("confDOMAIN_NAME", "$j, the canonical host name"),
    ("confCF_VERSION", "$Z, appended to the version in the greeting"),
    ("confMAILER_NAME", "$n, the sender name of bounces (MAILER-DAEMON)"),
    ("confCW_FILE", "file of class w, local host names (use_cw_file)"),
    ("confCT_FILE", "file of class t, trusted users (use_ct_file)"),
    ("confCR_FILE", "file of class R, relay domains"),
    ("confTRUSTED_USERS", "class t: trusted users, space-separated"),
    ("confFROM_HEADER", "template of the From: header"),
    ("confRECEIVED_HEADER", "template of the Received: header"),
    ("confMESSAGEID_HEADER", "template of the Message-Id: header"),
    ("confLOCAL_MAILER", "mailer for local delivery"),
    ("confRELAY_MAILER", "mailer for relaying"),
    ("confSMTP_MAILER", "mailer for SMTP delivery"),
    ("confUUCP_MAILER", "mailer for UUCP"),
    ("confEBINDIR", "directory of smrsh and mail.local"),
    ("confDEF_GROUP_ID", "group of DefaultUser (old form)"),
    ("confDAEMON_OPTIONS", "obsolete: use DAEMON_OPTIONS"),
    ("confCLIENT_OPTIONS", "obsolete: use CLIENT_OPTIONS"),
    ("confDEQUOTE_OPTS", "arguments of the dequote map"),
    ("confAUTO_REBUILD", "obsolete: automatic alias rebuild"),
    ("confLDAP_CLUSTER", "${sendmailMTACluster} for LDAP"),
    ("confRCPTREJ_MSG", "reply for rejected recipients"),
    ("confREJECT_MSG", "reply for rejected messages"),
    ("confRELAY_MSG", "reply for refused relaying"),
    ("confMESSAGE_TIMEOUT", "obsolete: use confTO_QUEUERETURN"),
    ("confREAD_TIMEOUT", "obsolete: use confTO_* timeouts"),
];

/// The option with cf name `name`, compared without case.
pub fn by_name(name: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.name.eq_ignore_ascii_case(name))
}

/// The option set by `.mc` define `define` (exact case, as m4 names are).
pub fn by_define(define: &str) -> Option<&'static OptionSpec> {
    OPTIONS.iter().find(|o| o.define == define)
}

/// Whether a `conf*` define is an option or a known non-option macro.
pub(crate) fn is_known_define(define: &str) -> bool {
    by_define(define).is_some() || KNOWN_MACROS.iter().any(|(name, _)| *name == define)
}

/// Checks `value` against type `ty`; the error says why it does not fit.
pub fn validate(ty: ValueType, value: &str) -> Result<(), String> {
    let v = value.trim();
    if ty == ValueType::DontBlame {
        return crate::safefile::DontBlameSet::parse(v).map(|_| ()).map_err(|e| e.to_string());
    }
    let ok = match ty {
        ValueType::Str | ValueType::Path | ValueType::List | ValueType::DontBlame => true,
        ValueType::Int => v.strip_prefix('-').unwrap_or(v).parse::<u64>().is_ok(),
        ValueType::Size => v.parse::<u64>().is_ok(),
        ValueType::Octal => !v.is_empty() && v.chars().all(|c| ('0'..='7').contains(&c)),
        ValueType::Bool => parse_bool(v).is_some(),
        ValueType::Duration => parse_duration(v, 's').is_some(),
    };
    if ok || (v.is_empty() && !matches!(ty, ValueType::Octal)) {
        return Ok(());
    }
    let expected = match ty {
        ValueType::Int => "a number",
        ValueType::Size => "a size in bytes",
        ValueType::Octal => "an octal mode such as 0600",
        ValueType::Bool => "True or False",
        ValueType::Duration => "a time such as 30s, 5m, 1h30m or 4d",
        _ => "valid",
    };
    Err(format!("`{v}' is not {expected}"))
}

/// sendmail's truth values; `None` for anything else. Empty means true, as in sendmail.
pub fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "true" | "t" | "yes" | "y" => Some(true),
        "false" | "f" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Parses a sendmail time (`1h30m`, `5d`, `0`); a number without a unit is in
/// `default_unit` (one of `s`, `m`, `h`, `d`, `w`). `None` if malformed or too large.
pub fn parse_duration(value: &str, default_unit: char) -> Option<std::time::Duration> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut chars = value.chars().peekable();
    while chars.peek().is_some() {
        let mut number: u64 = 0;
        let mut digits = 0;
        while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
            number = number.checked_mul(10)?.checked_add(u64::from(d))?;
            digits += 1;
            chars.next();
        }
        if digits == 0 {
            return None;
        }
        let unit = match chars.peek() {
            Some(c) if c.is_ascii_alphabetic() => chars.next()?,
            _ => default_unit,
        };
        let seconds = match unit.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 604_800,
            _ => return None,
        };
        total = total.checked_add(number.checked_mul(seconds)?)?;
    }
    Some(std::time::Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn names_are_unique_and_defaults_valid() {
        for (i, a) in OPTIONS.iter().enumerate() {
            for b in &OPTIONS[i + 1..] {
                assert!(!a.name.eq_ignore_ascii_case(b.name), "{}", a.name);
                assert_ne!(a.define, b.define);
            }
            if let Some(d) = a.default {
                assert_eq!(validate(a.ty, d), Ok(()), "{}", a.name);
            }
        }
    }

    #[test]
    fn lookup_ignores_case_of_cf_names_only() {
        assert_eq!(by_name("maxhopcount").map(|o| o.define), Some("confMAX_HOP"));
        assert_eq!(by_define("confMAX_RCPTS_PER_MESSAGE").unwrap().name, "MaxRecipientsPerMessage");
        assert!(by_define("confmax_hop").is_none());
        assert!(is_known_define("confDOMAIN_NAME"));
        assert!(!is_known_define("confNO_SUCH_THING"));
    }

    #[test]
    fn durations_and_bools() {
        assert_eq!(parse_duration("1h30m", 's'), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("10", 'm'), Some(Duration::from_secs(600)));
        assert_eq!(parse_duration("0", 's'), Some(Duration::ZERO));
        assert_eq!(parse_duration("5x", 's'), None);
        assert_eq!(parse_duration("m", 's'), None);
        assert_eq!(parse_duration("99999999999999999999d", 's'), None);
        assert_eq!(parse_bool("TRUE"), Some(true));
        assert_eq!(parse_bool("off"), None);
        assert!(validate(ValueType::Int, "12a").is_err());
        assert!(validate(ValueType::Octal, "0689").is_err());
        assert!(validate(ValueType::DontBlame, "safe, TrustStickyBit").is_ok());
        let bad = validate(ValueType::DontBlame, "TrustStickyBit,Bogus");
        assert_eq!(bad, Err("readcf: DontBlameSendmail option: Bogus unrecognized".into()));
    }
}
