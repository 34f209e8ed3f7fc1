//! The `-C` file and the map types makemap knows.
//!
//! sendmail's makemap reads its `.cf` (default `/etc/mail/sendmail.cf`) before doing
//! anything, and fails with exit 66 when it is missing. ferrymail is configured by the
//! admin's `sendmail.mc` (default `/etc/mail/sendmail.mc`); makemap checks it can read
//! it in the same way. The pseudo types `cf` and `CF` take the map's type from a
//! `sendmail.cf` K line (`Kaccess hash -o /etc/mail/access`): `cf` matches the K line's
//! file by full path, `CF` by its last path component. A `.mc` has no K lines, so
//! there those types need `-i type`, or fail with a message that says so.
//!
//! # Errors
//! [`read_config`] returns the system's message for an unreadable file.

use spool::maps::MapType;
use std::path::Path;

/// The configuration file used without `-C`.
pub const DEFAULT_CONFIG: &str = "/etc/mail/sendmail.mc";

/// A map type as makemap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    /// The storage format.
    pub map: MapType,
    /// `implicit`: written as hash, read as hash or else btree.
    pub implicit: bool,
}

/// Types in `-l` order, with the extension `-x` prints.
pub const TYPES: [(&str, &str); 4] =
    [("hash", "db"), ("btree", "db"), ("cdb", "cdb"), ("implicit", "")];

/// Parses a type name makemap accepts on its command line (not `cf`/`CF`).
pub fn kind(name: &str) -> Option<Kind> {
    let map = match name {
        "hash" | "implicit" => MapType::Hash,
        "btree" => MapType::Btree,
        "cdb" => MapType::Cdb,
        _ => return None,
    };
    Some(Kind { map, implicit: name == "implicit" })
}

/// The text of the configuration file, or the system's reason it cannot be read.
pub fn read_config(path: &str) -> Result<String, String> {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| crate::app::strerror(&e))
}

/// The type of map `name` according to the K lines of `cf_text`; `by_base` compares
/// only the last path component (`CF`), else the whole path (`cf`).
pub fn type_from_k_lines(cf_text: &str, name: &str, by_base: bool) -> Option<String> {
    let base = |p: &str| Path::new(p).file_name().map(|s| s.to_string_lossy().into_owned());
    for line in cf_text.lines().filter(|l| l.starts_with('K')) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (Some(ty), Some(file)) = (words.get(1), words[2.min(words.len())..].last()) else {
            continue;
        };
        let matches = if by_base { base(file) == base(name) } else { *file == name };
        if matches && !file.starts_with('-') {
            return Some(ty.to_string());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const CF: &str = "Kresolve host -a<OKR> -T<TEMP>\nKaccess hash -T<TMPF> -o /etc/mail/access\n";

    #[test]
    fn k_lines_by_path_and_by_base_name() {
        assert_eq!(type_from_k_lines(CF, "access", true).as_deref(), Some("hash"));
        assert_eq!(type_from_k_lines(CF, "access", false), None);
        assert_eq!(type_from_k_lines(CF, "/etc/mail/access", false).as_deref(), Some("hash"));
        assert_eq!(type_from_k_lines(CF, "resolve", true), None);
    }
}
