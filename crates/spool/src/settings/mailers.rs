//! The mailers, as the `.mc` defines them: `local`, `prog` and `*file*`, and the
//! port of each TCP mailer.
//!
//! sendmail.cf's `Mlocal`, `Mprog` and its built-in `*file*` mailer are built by
//! cf/mailer/local.m4 from a handful of defines; this module applies the same rules to
//! the admin's `.mc`:
//!
//! | mailer | program | arguments | flags |
//! |---|---|---|---|
//! | `local` | `LOCAL_MAILER_PATH`, or procmail with `FEATURE(local_procmail)` / `OSTYPE(linux)`, else ferrymail's own mailbox delivery | `LOCAL_MAILER_ARGS` (`mail -d $u`; procmail: `procmail -a $h -d $u`) | `lsDFMAw5:/\|@q` + `LOCAL_MAILER_FLAGS` (`Prmn9`; procmail `SPfhn9`) |
//! | `prog` | `LOCAL_SHELL_PATH` (`/bin/sh`; smrsh with `FEATURE(smrsh)`) | `LOCAL_SHELL_ARGS` (`sh -c $u`) | `lsDFMoq` + `LOCAL_SHELL_FLAGS` (`eu9`) |
//! | `*file*` | ferrymail's file agent | | `lsDFMPEouq9` |
//!
//! `MODIFY_MAILER_FLAGS(`LOCAL'|`SHELL', `+X'|`-X'|`XYZ')` then adds, removes or
//! replaces flags. The flags that change what is written are: `n` (no `From ` line),
//! `P` (`Return-Path:`), `E` (`>From ` quoting), `D`, `F`, `M`, `x` (which
//! conditional headers are written), `S` (run as the queue runner rather than the
//! recipient) and `o` (run as the controlling user).
//!
//! The TCP mailers (`smtp`, `esmtp`, `smtp8`, `dsmtp`, `relay`) connect to the port
//! their `*_MAILER_ARGS` name (`TCP $h 2527`), else 25 ([`Mailers::port`]).

use crate::config::{Config, Feature};
use std::path::PathBuf;

/// Flags every local mailer has.
const LOCAL_BASE: &str = "lsDFMAw5:/|@q";
/// Flags every program mailer has.
const SHELL_BASE: &str = "lsDFMoq";
/// The file mailer's flags (sendmail's compiled-in `*file*`).
const FILE_FLAGS: &str = "lsDFMPEouq9";

/// One mailer run as a program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// sendmail's name for the mailer (`local`, `prog`).
    pub name: &'static str,
    /// The program (`P=`).
    pub path: PathBuf,
    /// Its arguments (`A=`), `$u`, `$h`, `$g` and `$z` unexpanded; the first is argv[0].
    pub argv: Vec<String>,
    /// Its flags (`F=`).
    pub flags: String,
}

impl Program {
    /// Whether the mailer has flag `c`.
    pub fn has(&self, c: char) -> bool {
        self.flags.contains(c)
    }
}

/// How local users' mail is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Local {
    /// By a program (procmail, mail.local, ...).
    Program(Program),
    /// By ferrymail itself into an mbox (mail.local's format and locking).
    Builtin {
        /// The directory of the mailboxes (`MailboxDirectory`, `/var/mail`).
        dir: PathBuf,
    },
}

/// The mailers of a configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailers {
    /// `local`.
    pub local: Local,
    /// `prog`.
    pub prog: Program,
    /// The flags of `*file*`.
    pub file_flags: String,
    /// The port of each TCP mailer whose `*_MAILER_ARGS` names one.
    pub ports: Vec<(String, u16)>,
}

impl Mailers {
    /// The mailers `config` defines.
    pub fn from_config(config: &Config) -> Mailers {
        Mailers {
            local: local(config),
            prog: prog(config),
            file_flags: FILE_FLAGS.into(),
            ports: ports(config),
        }
    }

    /// The port the TCP mailer `mailer` connects to (25 unless its arguments say).
    pub fn port(&self, mailer: &str) -> u16 {
        self.ports.iter().find(|(m, _)| m.eq_ignore_ascii_case(mailer)).map_or(25, |(_, p)| *p)
    }

    /// The flags of the local mailer (the built-in one has those of mail.local's cf).
    pub fn local_flags(&self) -> String {
        match &self.local {
            Local::Program(p) => p.flags.clone(),
            Local::Builtin { .. } => format!("{LOCAL_BASE}Prmn9"),
        }
    }
}

fn local(config: &Config) -> Local {
    let procmail = config.feature("local_procmail").cloned().or_else(|| {
        (config.ostype() == Some("linux"))
            .then(|| Feature { name: "local_procmail".into(), args: vec![] })
    });
    let explicit = config.macro_value("LOCAL_MAILER_PATH").filter(|p| !p.is_empty());
    let (path, args, flags) = match (explicit, &procmail) {
        (Some(path), _) => (
            path.to_string(),
            config.macro_value("LOCAL_MAILER_ARGS").unwrap_or("mail -d $u").to_string(),
            procmail_flags(&procmail, config),
        ),
        (None, Some(feature)) => (
            feature
                .arg(0)
                .or(config.macro_value("PROCMAIL_MAILER_PATH"))
                .unwrap_or("/usr/bin/procmail")
                .to_string(),
            feature.arg(1).unwrap_or("procmail -a $h -d $u").to_string(),
            procmail_flags(&procmail, config),
        ),
        (None, None) => {
            let dir = config.option("MailboxDirectory").unwrap_or("/var/mail");
            return Local::Builtin { dir: PathBuf::from(dir) };
        }
    };
    let flags = modify_flags(config, "LOCAL", &format!("{LOCAL_BASE}{flags}"));
    Local::Program(Program { name: "local", path: path.into(), argv: words(&args), flags })
}

/// `LOCAL_MAILER_FLAGS`, else what `FEATURE(local_procmail)` sets, else `Prmn9`.
fn procmail_flags(procmail: &Option<Feature>, config: &Config) -> String {
    if let Some(flags) = config.macro_value("LOCAL_MAILER_FLAGS") {
        return flags.to_string();
    }
    match procmail {
        Some(f) => f.arg(2).unwrap_or("SPfhn9").to_string(),
        None => "Prmn9".to_string(),
    }
}

fn prog(config: &Config) -> Program {
    let smrsh = config.feature("smrsh");
    let path = match (config.macro_value("LOCAL_SHELL_PATH"), smrsh) {
        (Some(p), _) => p.to_string(),
        (None, Some(f)) => f.arg(0).unwrap_or("/usr/libexec/smrsh").to_string(),
        (None, None) => "/bin/sh".to_string(),
    };
    let default_args = if smrsh.is_some() { "smrsh -c $u" } else { "sh -c $u" };
    let args = config.macro_value("LOCAL_SHELL_ARGS").unwrap_or(default_args);
    let extra = config.macro_value("LOCAL_SHELL_FLAGS").unwrap_or("eu9");
    let flags = modify_flags(config, "SHELL", &format!("{SHELL_BASE}{extra}"));
    Program { name: "prog", path: path.into(), argv: words(args), flags }
}

/// Applies every `MODIFY_MAILER_FLAGS(`mailer', `change')` for `mailer` in order.
fn modify_flags(config: &Config, mailer: &str, flags: &str) -> String {
    let mut flags = flags.to_string();
    let changes = config.other_calls().iter().filter(|c| {
        c.name == "MODIFY_MAILER_FLAGS" && c.args.first().map(String::as_str) == Some(mailer)
    });
    for call in changes {
        let change = call.args.get(1).map(String::as_str).unwrap_or_default();
        flags = match change.split_at_checked(1) {
            Some(("+", add)) => {
                let mut out = flags.clone();
                out.extend(add.chars().filter(|c| !flags.contains(*c)));
                out
            }
            Some(("-", remove)) => flags.chars().filter(|c| !remove.contains(*c)).collect(),
            _ => change.to_string(),
        };
    }
    flags
}

/// The ports of the TCP mailers: the third word of `*_MAILER_ARGS` (`TCP $h 2527`).
fn ports(config: &Config) -> Vec<(String, u16)> {
    let mut ports = Vec::new();
    for (mailer, define) in [
        ("smtp", "SMTP_MAILER_ARGS"),
        ("esmtp", "ESMTP_MAILER_ARGS"),
        ("smtp8", "SMTP8_MAILER_ARGS"),
        ("dsmtp", "DSMTP_MAILER_ARGS"),
        ("relay", "RELAY_MAILER_ARGS"),
    ] {
        let args = config.macro_value(define);
        if let Some(port) = args.and_then(|a| a.split_whitespace().nth(2)?.parse().ok()) {
            ports.push((mailer.to_string(), port));
        }
    }
    ports
}

/// A mailer's `A=` split into words, as sendmail splits it (at blanks).
fn words(args: &str) -> Vec<String> {
    args.split_whitespace().map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn config(mc: &str) -> Config {
        Config::from_str(Path::new("/etc/mail/sendmail.mc"), mc).unwrap()
    }

    /// The oracle's sendmail.mc: procmail in `-m` mode, with `+S -r -m`. sendmail.cf has
    /// `Mlocal, P=.../procmail, F=lsDFMAw5:/|@qSPfhn9, ... A=procmail -Y -f $g -m ...`.
    #[test]
    fn the_oracles_local_mailer_is_sendmails() {
        let mc = std::fs::read_to_string(crate::testutil::oracle_conf_dir().join("sendmail.mc.in"))
            .unwrap()
            .replace("@SMROOT@", "/r")
            .replace("@SMLAB@", "/l");
        let m = Mailers::from_config(&config(&mc));
        assert_eq!((m.port("relay"), m.port("esmtp")), (2527, 25));
        let Local::Program(local) = m.local else { panic!("procmail expected") };
        assert_eq!(local.path, Path::new("/r/usr/bin/procmail"));
        assert_eq!(local.argv.join(" "), "procmail -Y -f $g -m SMLAB_USER=$u /l/etc/procmailrc");
        assert_eq!(local.flags, "lsDFMAw5:/|@qSPfhn9");
        assert_eq!(
            (m.prog.path.as_path(), m.prog.flags.as_str()),
            (Path::new("/bin/sh"), "lsDFMoqeu9")
        );
        assert_eq!(m.prog.argv, ["sh", "-c", "$u"]);
    }

    #[test]
    fn without_a_local_mailer_ferrymail_delivers_itself() {
        let m = Mailers::from_config(&config("MAILER(`local')dnl\n"));
        assert_eq!(m.local, Local::Builtin { dir: PathBuf::from("/var/mail") });
        let m = Mailers::from_config(&config("define(`confMAILBOX_DIR', `/tmp/mb')dnl\n"));
        assert_eq!(m.local, Local::Builtin { dir: PathBuf::from("/tmp/mb") });
        assert_eq!(m.local_flags(), "lsDFMAw5:/|@qPrmn9");
    }

    #[test]
    fn local_procmail_smrsh_and_flag_changes() {
        let m = Mailers::from_config(&config(
            "FEATURE(`local_procmail', `/usr/bin/procmail')dnl\nFEATURE(`smrsh')dnl\nMODIFY_MAILER_FLAGS(`SHELL', `-u')dnl\nMODIFY_MAILER_FLAGS(`LOCAL', `+E')dnl\n",
        ));
        let Local::Program(local) = m.local else { panic!() };
        assert_eq!(local.argv.join(" "), "procmail -a $h -d $u");
        assert_eq!(local.flags, "lsDFMAw5:/|@qSPfhn9E");
        assert_eq!(m.prog.flags, "lsDFMoqe9");
        assert_eq!(m.prog.argv, ["smrsh", "-c", "$u"]);
        let linux = Mailers::from_config(&config("OSTYPE(`linux')dnl\n"));
        assert!(
            matches!(linux.local, Local::Program(p) if p.path == Path::new("/usr/bin/procmail"))
        );
        let replaced =
            modify_flags(&config("MODIFY_MAILER_FLAGS(`LOCAL', `Pn')dnl\n"), "LOCAL", "abc");
        assert_eq!(replaced, "Pn");
    }
}
