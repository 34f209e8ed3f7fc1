//! This host's names, as sendmail knows them: `$w` (the host name), `$j` (the
//! canonical name the mail system uses) and class `w` (every name mail is local for).
//!
//! `$j` is `confDOMAIN_NAME` when the configuration sets it, else `$w`. Class `w` holds
//! `$j`, `$w`, `localhost`, the `LOCAL_DOMAIN` names and the class file (`confCW_FILE`, default
//! `/etc/mail/local-host-names`) when `FEATURE(use_cw_file)` or `confCW_FILE` asks for
//! it; a missing class file is not an error (sendmail's `-o`).

use crate::classfile::Class;
use crate::settings::Names;

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
pub fn canonical_name(names: &Names) -> String {
    names.domain_name.clone().unwrap_or_else(system_name)
}

/// Class `w`: the names mail is delivered locally for.
pub fn local_names(names: &Names) -> Class {
    local_names_for(names, &system_name())
}

/// Class `w` of a machine called `host_name` (`$w`): `$j`, `$w`, `localhost`, the
/// `LOCAL_DOMAIN(...)` names and the class file. The class file is read as optional
/// whatever its spec says: a missing one is no extra name.
pub fn local_names_for(names: &Names, host_name: &str) -> Class {
    let mut class = Class::default();
    let j = names.domain_name.as_deref().unwrap_or(host_name);
    for name in [j, host_name, "localhost"] {
        class.insert(name);
    }
    names.local_domains.iter().for_each(|d| class.insert(d));
    if let Some(file) = &names.cw_file {
        if let Ok(read) = Class::read(&file.path, true) {
            read.names().iter().for_each(|n| class.insert(n));
        }
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::path::Path;

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
        let names = Names::from_config(&config);
        assert_eq!(canonical_name(&names), "mail.lab.example");
        let w = local_names(&names);
        for name in
            ["mail.lab.example", "lab.example", "other.example", "localhost", &system_name()]
        {
            assert!(w.contains(name), "{name}");
        }
        assert!(!local_names(&Names::from_config(&Config::defaults())).contains("lab.example"));
        let other =
            Config::from_str(Path::new("o.mc"), "LOCAL_DOMAIN(`extra.example')dnl\n").unwrap();
        let w = local_names_for(&Names::from_config(&other), "box");
        assert!(w.contains("box") && w.contains("extra.example") && w.contains("localhost"));
    }
}
