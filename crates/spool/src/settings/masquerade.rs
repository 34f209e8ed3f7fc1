//! # Name
//! masquerade - the sender rewriting the `.mc` asks for, resolved once
//!
//! # Description
//! What sendmail's rulesets `MasqHdr` (93) and `MasqEnv` (94) and the mailers'
//! sender rulesets read, from these `.mc` macros and features:
//!
//! ```text
//! FEATURE(genericstable)             the map (Settings.maps.genericstable)
//! GENERICS_DOMAIN(d...), _FILE(f)    class G: domains whose users the map rewrites
//! FEATURE(generics_entire_domain)    class G matches subdomains too
//! MASQUERADE_AS(d)                   $M
//! MASQUERADE_DOMAIN(d...), _FILE(f)  class M: domains masqueraded besides class w
//! FEATURE(masquerade_entire_domain)  class M matches subdomains too
//! MASQUERADE_EXCEPTION(d...), _FILE  class N: never masqueraded
//! EXPOSED_USER(u...), _FILE(f)       class E: users never masqueraded
//! FEATURE(limited_masquerade)        class w is not masqueraded, only class M
//! FEATURE(masquerade_envelope)       the envelope sender is rewritten too
//! FEATURE(local_no_masquerade)       nothing is rewritten for the local mailers
//! FEATURE(always_add_domain)         the local mailers qualify unqualified names
//! FEATURE(allmasquerade)             recipient fields are masqueraded as senders
//! ```
//!
//! # Errors
//! None: class files are read by [`ClassFileSpec::read`] where they are used.

use super::maps::ClassFileSpec;
use crate::config::Config;

/// The sender rewriting of a configuration.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Masquerade {
    /// Class G names (`GENERICS_DOMAIN`).
    pub generics_domains: Vec<String>,
    /// Class G files (`GENERICS_DOMAIN_FILE`).
    pub generics_domain_files: Vec<ClassFileSpec>,
    /// `FEATURE(generics_entire_domain)`.
    pub generics_entire_domain: bool,
    /// `MASQUERADE_AS`: `$M`.
    pub masquerade_as: Option<String>,
    /// Class M names (`MASQUERADE_DOMAIN`).
    pub masquerade_domains: Vec<String>,
    /// Class M files (`MASQUERADE_DOMAIN_FILE`).
    pub masquerade_domain_files: Vec<ClassFileSpec>,
    /// `FEATURE(masquerade_entire_domain)`.
    pub masquerade_entire_domain: bool,
    /// Class N names (`MASQUERADE_EXCEPTION`).
    pub exceptions: Vec<String>,
    /// Class N files (`MASQUERADE_EXCEPTION_FILE`).
    pub exception_files: Vec<ClassFileSpec>,
    /// Class E names (`EXPOSED_USER`).
    pub exposed_users: Vec<String>,
    /// Class E files (`EXPOSED_USER_FILE`).
    pub exposed_user_files: Vec<ClassFileSpec>,
    /// `FEATURE(limited_masquerade)`.
    pub limited: bool,
    /// `FEATURE(masquerade_envelope)`.
    pub envelope: bool,
    /// `FEATURE(local_no_masquerade)`.
    pub local_no_masquerade: bool,
    /// `FEATURE(always_add_domain)`: `Some("")` for `$j`, else the domain given.
    pub always_add_domain: Option<String>,
    /// `FEATURE(allmasquerade)`.
    pub all: bool,
}

impl Masquerade {
    /// The sender rewriting of `config`.
    pub fn from_config(config: &Config) -> Masquerade {
        let on = |name: &str| config.feature(name).is_some();
        let words = |name: &str| -> Vec<String> {
            let calls = config.other_calls().iter().filter(|c| c.name == name);
            calls
                .flat_map(|c| c.args.iter().flat_map(|a| a.split_whitespace()))
                .map(String::from)
                .collect()
        };
        let files = |name: &str| -> Vec<ClassFileSpec> {
            let calls = config.other_calls().iter().filter(|c| c.name == name);
            calls.filter_map(|c| c.args.first().and_then(|a| ClassFileSpec::parse(a))).collect()
        };
        Masquerade {
            generics_domains: config.generics_domains().to_vec(),
            generics_domain_files: files("GENERICS_DOMAIN_FILE"),
            generics_entire_domain: on("generics_entire_domain"),
            masquerade_as: config.masquerade_as().map(String::from),
            masquerade_domains: config.masquerade_domains().to_vec(),
            masquerade_domain_files: files("MASQUERADE_DOMAIN_FILE"),
            masquerade_entire_domain: on("masquerade_entire_domain"),
            exceptions: words("MASQUERADE_EXCEPTION"),
            exception_files: files("MASQUERADE_EXCEPTION_FILE"),
            exposed_users: config.exposed_users().to_vec(),
            exposed_user_files: files("EXPOSED_USER_FILE"),
            limited: on("limited_masquerade"),
            envelope: on("masquerade_envelope"),
            local_no_masquerade: on("local_no_masquerade"),
            always_add_domain: config
                .feature("always_add_domain")
                .map(|f| f.arg(0).unwrap_or_default().to_string()),
            all: on("allmasquerade"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tips_recipe() {
        let mc = "FEATURE(`genericstable', `hash -o /etc/mail/genericstable')dnl\nFEATURE(`generics_entire_domain')dnl\nFEATURE(`masquerade_envelope')dnl\nGENERICS_DOMAIN(`domain.tld')dnl\nGENERICS_DOMAIN_FILE(`-o /etc/mail/generics-domains')dnl\nMASQUERADE_EXCEPTION(`a.example b.example')dnl\nFEATURE(`always_add_domain')dnl\n";
        let m =
            Masquerade::from_config(&Config::from_str(std::path::Path::new("t.mc"), mc).unwrap());
        assert_eq!(m.generics_domains, ["domain.tld"]);
        assert!(m.generics_entire_domain && m.envelope && !m.limited);
        let file = ClassFileSpec { path: "/etc/mail/generics-domains".into(), optional: true };
        assert_eq!(m.generics_domain_files, [file]);
        assert_eq!(m.exceptions, ["a.example", "b.example"]);
        assert_eq!(m.always_add_domain.as_deref(), Some(""));
        assert_eq!(m.masquerade_as, None);
    }
}
