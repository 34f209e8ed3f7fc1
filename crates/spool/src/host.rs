//! This host's names, as sendmail knows them: `$w` (the host name), `$j` (the
//! canonical name the mail system uses) and class `w` (every name mail is local for).
//!
//! `$j` is `confDOMAIN_NAME` when the configuration sets it, else `$w`. Class `w` holds
//! `$j`, `$w`, `localhost`, and the class file (`confCW_FILE`, default
//! `/etc/mail/local-host-names`) when `FEATURE(use_cw_file)` or `confCW_FILE` asks for
//! it; a missing class file is not an error (sendmail's `-o`).

use crate::classfile::Class;
use crate::config::Config;
use std::path::Path;

/// The default class `w` file.
pub const DEFAULT_CW_FILE: &str = "/etc/mail/local-host-names";

/// `$w`: this machine's host name (`localhost` if it cannot be read).
pub fn system_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// `$j`: the canonical name of this mail system.
pub fn canonical_name(config: &Config) -> String {
    config.macro_value("confDOMAIN_NAME").map(str::to_string).unwrap_or_else(system_name)
}

/// Class `w`: the names mail is delivered locally for.
pub fn local_names(config: &Config) -> Class {
    local_names_for(config, &system_name())
}

/// Class `w` of a machine called `host_name` (`$w`): `$j`, `$w`, `localhost`, the
/// class file and the `LOCAL_DOMAIN(...)` names.
pub fn local_names_for(config: &Config, host_name: &str) -> Class {
    let mut names = Class::default();
    let j = config.macro_value("confDOMAIN_NAME").unwrap_or(host_name);
    for name in [j, host_name, "localhost"] {
        names.insert(name);
    }
    config.local_domains().iter().for_each(|d| names.insert(d));
    let cw_file =
        config.macro_value("confCW_FILE").map(|f| f.trim_start_matches("-o").trim().to_string());
    let wanted = cw_file.is_some() || config.feature("use_cw_file").is_some();
    if wanted {
        let file = cw_file.unwrap_or_else(|| DEFAULT_CW_FILE.to_string());
        if let Ok(class) = Class::read(Path::new(&file), true) {
            class.names().iter().for_each(|n| names.insert(n));
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_name_and_class_w_from_the_config() {
        let dir = tempfile::tempdir().unwrap();
        let cw = dir.path().join("w");
        std::fs::write(&cw, "lab.example\n# comment\nother.example\n").unwrap();
        let mc = format!(
            "define(`confDOMAIN_NAME', `mail.lab.example')dnl\ndefine(`confCW_FILE', `-o {}')dnl\n",
            cw.display()
        );
        let config = Config::from_str(&dir.path().join("s.mc"), &mc).unwrap();
        assert_eq!(canonical_name(&config), "mail.lab.example");
        let w = local_names(&config);
        for name in
            ["mail.lab.example", "lab.example", "other.example", "localhost", &system_name()]
        {
            assert!(w.contains(name), "{name}");
        }
        assert!(!local_names(&Config::defaults()).contains("lab.example"));
        let other =
            Config::from_str(Path::new("o.mc"), "LOCAL_DOMAIN(`extra.example')dnl\n").unwrap();
        let w = local_names_for(&other, "box");
        assert!(w.contains("box") && w.contains("extra.example") && w.contains("localhost"));
    }
}
