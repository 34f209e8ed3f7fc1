//! Turns [`Flags`] (and the `.mc`, when needed) into what to do.
//!
//! Generation writes to `-out FILE`; without `-out` but with `-C mc`, to the file the
//! `.mc`'s `confDH_PARAMETERS` names; with neither, to standard output, as
//! `openssl dhparam` does. BITS defaults to 2048 and must lie in 512..=10000 (OpenSSL
//! 3 refuses smaller; OpenSSL will not use larger). The generator is 2 unless `-5`;
//! `-dsaparam` takes no generator, as in openssl.
//!
//! An audit checks the FILEs and the `-starttls` server. With neither, it checks what
//! the `.mc` (`-C`, default `/etc/mail/sendmail.mc`) sets `confDH_PARAMETERS` to: a
//! file, one of sendmail's built-in choices, or nothing (sendmail's default). With no
//! `.mc` at the default path either, there is nothing to audit: a usage error.
//!
//! # Errors
//! [`Error::Usage`] for contradictions and bad numbers; errors of [`crate::mc`].

use crate::audit::MAX_BITS;
use crate::error::Error;
use crate::flags::Flags;
use crate::mc;
use std::path::{Path, PathBuf};

/// The `.mc` consulted when `-C` is not given.
pub const DEFAULT_MC: &str = "/etc/mail/sendmail.mc";
/// Bits generated when none are given.
pub const DEFAULT_BITS: u32 = 2048;
/// The fewest bits OpenSSL 3 will generate.
pub const MIN_GEN_BITS: u32 = 512;

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settings {
    /// Print the usage text.
    Help,
    /// Generate parameters.
    Generate(Generate),
    /// Audit parameters.
    Audit(Audit),
}

/// Where generated parameters go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
}

/// How to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generate {
    /// Bits of p.
    pub bits: u32,
    /// 2 or 5; ignored with `dsaparam`.
    pub generator: u32,
    /// DSA-style parameters (p, q, g) instead of a safe prime.
    pub dsaparam: bool,
    /// No progress on standard error.
    pub quiet: bool,
    /// Where to write.
    pub output: Output,
}

/// One thing to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A PEM file.
    File(PathBuf),
    /// A `confDH_PARAMETERS` value that is not a file (`2`, `i`, `none`, ...).
    Builtin(String),
    /// `confDH_PARAMETERS` unset in this `.mc`: sendmail's default.
    Unset(PathBuf),
    /// A server, audited over SMTP STARTTLS.
    StartTls(String),
}

/// How to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// What, in command-line order (files, then the server).
    pub targets: Vec<Target>,
    /// JSON instead of lines.
    pub json: bool,
    /// Allow `-starttls` to a non-loopback address.
    pub allow_remote: bool,
}

fn usage(message: impl Into<String>) -> Error {
    Error::Usage(message.into())
}

/// Resolves the flags.
pub fn resolve(flags: Flags) -> Result<Settings, Error> {
    if flags.help {
        return Ok(Settings::Help);
    }
    if flags.audit {
        resolve_audit(flags).map(Settings::Audit)
    } else {
        resolve_generate(flags).map(Settings::Generate)
    }
}

fn resolve_generate(flags: Flags) -> Result<Generate, Error> {
    if flags.json || flags.starttls.is_some() || flags.allow_remote {
        return Err(usage("--json, -starttls and --allow-remote go with --audit"));
    }
    if flags.dsaparam && flags.generator.is_some() {
        return Err(usage("generator may not be chosen for DSA parameters"));
    }
    let bits = match flags.operands.as_slice() {
        [] => DEFAULT_BITS,
        [bits] => parse_bits(bits)?,
        [_, extra, ..] => return Err(usage(format!("unexpected argument {extra}"))),
    };
    let output = match (&flags.out, &flags.config) {
        (Some(out), _) => Output::File(PathBuf::from(out)),
        (None, Some(config)) => Output::File(file_from_mc(Path::new(config))?),
        (None, None) => Output::Stdout,
    };
    let generator = flags.generator.unwrap_or(2);
    Ok(Generate { bits, generator, dsaparam: flags.dsaparam, quiet: flags.quiet, output })
}

fn parse_bits(text: &str) -> Result<u32, Error> {
    let max = MAX_BITS as u32;
    match text.parse::<u32>() {
        Ok(bits) if (MIN_GEN_BITS..=max).contains(&bits) => Ok(bits),
        Ok(_) => Err(usage(format!("BITS must be between {MIN_GEN_BITS} and {max}, not {text}"))),
        Err(_) => Err(usage(format!("BITS must be a number, not {text}"))),
    }
}

/// The file the `.mc` names, for writing generated parameters to.
fn file_from_mc(config: &Path) -> Result<PathBuf, Error> {
    let shown = config.display();
    match mc::dh_parameters(config)? {
        Some(value) if value.starts_with('/') => Ok(PathBuf::from(value)),
        Some(value) => {
            Err(usage(format!("{shown}: {} is `{value}', not a file; give -out FILE", mc::NAME)))
        }
        None => Err(usage(format!("{shown} does not define {}; give -out FILE", mc::NAME))),
    }
}

fn resolve_audit(flags: Flags) -> Result<Audit, Error> {
    if flags.out.is_some() || flags.generator.is_some() || flags.dsaparam {
        return Err(usage("-out, -2, -5 and -dsaparam do not go with --audit"));
    }
    if flags.allow_remote && flags.starttls.is_none() {
        return Err(usage("--allow-remote goes with -starttls"));
    }
    let mut targets: Vec<Target> =
        flags.operands.iter().map(|f| Target::File(PathBuf::from(f))).collect();
    targets.extend(flags.starttls.clone().map(Target::StartTls));
    if targets.is_empty() {
        targets.push(target_from_mc(flags.config.as_deref())?);
    }
    Ok(Audit { targets, json: flags.json, allow_remote: flags.allow_remote })
}

/// What `confDH_PARAMETERS` in the `.mc` says to audit.
fn target_from_mc(config: Option<&str>) -> Result<Target, Error> {
    let path = PathBuf::from(config.unwrap_or(DEFAULT_MC));
    if config.is_none() && !path.exists() {
        return Err(usage(format!("no FILE given and no {DEFAULT_MC} to take {} from", mc::NAME)));
    }
    Ok(match mc::dh_parameters(&path)? {
        Some(value) if value.starts_with('/') => Target::File(PathBuf::from(value)),
        Some(value) => Target::Builtin(value),
        None => Target::Unset(path),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve_line(line: &str) -> Result<Settings, Error> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        resolve(crate::flags::parse(&args)?)
    }

    fn generate(line: &str) -> Generate {
        match resolve_line(line).unwrap() {
            Settings::Generate(g) => g,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn defaults_are_openssls() {
        let g = generate("");
        assert_eq!((g.bits, g.generator, g.dsaparam, g.output), (2048, 2, false, Output::Stdout));
        assert_eq!(generate("-5 512").generator, 5);
    }

    #[test]
    fn bad_generation_lines() {
        for line in
            ["511", "10001", "abc", "-1", "2048 x", "-dsaparam -2", "--json", "-starttls h:1"]
        {
            assert!(matches!(resolve_line(line), Err(Error::Usage(_))), "{line}");
        }
    }

    #[test]
    fn config_names_the_output() {
        let dir = tempfile::tempdir().unwrap();
        let mc = dir.path().join("s.mc");
        std::fs::write(&mc, "define(`confDH_PARAMETERS', `/etc/mail/dh.pem')dnl\n").unwrap();
        let g = generate(&format!("-C {}", mc.display()));
        assert_eq!(g.output, Output::File("/etc/mail/dh.pem".into()));
        let g = generate(&format!("-C {} -out /tmp/x", mc.display()));
        assert_eq!(g.output, Output::File("/tmp/x".into()));
        std::fs::write(&mc, "define(`confDH_PARAMETERS', `2')dnl\n").unwrap();
        assert!(matches!(resolve_line(&format!("-C {}", mc.display())), Err(Error::Usage(_))));
    }

    #[test]
    fn audit_targets() {
        let dir = tempfile::tempdir().unwrap();
        let mc = dir.path().join("s.mc");
        std::fs::write(&mc, "define(`confDH_PARAMETERS', `i')dnl\n").unwrap();
        let Settings::Audit(a) = resolve_line(&format!("--audit -C {}", mc.display())).unwrap()
        else {
            panic!()
        };
        assert_eq!(a.targets, vec![Target::Builtin("i".into())]);
        std::fs::write(&mc, "dnl nothing\n").unwrap();
        let Settings::Audit(a) = resolve_line(&format!("--audit -C {}", mc.display())).unwrap()
        else {
            panic!()
        };
        assert_eq!(a.targets, vec![Target::Unset(mc.clone())]);
        let Settings::Audit(a) = resolve_line("--audit -starttls 127.0.0.1:25 a b").unwrap() else {
            panic!()
        };
        assert_eq!(a.targets.len(), 3);
        assert!(matches!(resolve_line("--audit -out x f"), Err(Error::Usage(_))));
        assert!(matches!(resolve_line("--audit --allow-remote f"), Err(Error::Usage(_))));
    }
}
