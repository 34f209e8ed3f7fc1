//! Finds `confDH_PARAMETERS` in the admin's `sendmail.mc`.
//!
//! SYNOPSIS: `dh_parameters(Path::new("/etc/mail/sendmail.mc"))`
//!
//! The `.mc` is m4 input. This module understands just enough m4 to find what
//! `define(`confDH_PARAMETERS', `/etc/mail/dh.pem')dnl` sets, and is kept private and
//! in one place so it can be replaced by `spool::config` once that exists:
//!
//! - quotes `` ` `` and `'`, nested; one level is stripped from macro arguments;
//! - `dnl` discards the rest of its line; `#` starts a comment m4 copies through
//!   unexpanded, so a `define` after `#` does nothing (as in m4);
//! - `define` and `undefine`; the last definition wins;
//! - macros defined earlier are expanded in the value, as m4 does when sendmail's
//!   `proto.m4` uses it: `define(`confDH_PARAMETERS', `CERT_DIR/dh.param')` with
//!   `CERT_DIR` defined gives the full path;
//! - `include` and `sinclude` are followed (relative names against the including
//!   file's directory), except sendmail's own `cf.m4` library, which sets no
//!   `confDH_PARAMETERS`;
//! - any other macro call (`FEATURE(...)`, `ifdef(...)`) is skipped whole.
//!
//! Input is bounded: files up to 1 MiB, includes nested 8 deep, expansions 32 deep
//! and 64 KiB long.
//!
//! # Errors
//! [`Error::NoInput`] when the `.mc` or an `include`d file cannot be read;
//! [`Error::Config`] with file and line for an unterminated quote or argument list,
//! includes nested too deep, or an expansion that does not end.

use crate::error::Error;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The m4 name of sendmail's `DHParameters` option.
pub const NAME: &str = "confDH_PARAMETERS";

const MAX_FILE: u64 = 1024 * 1024;
const MAX_INCLUDE_DEPTH: usize = 8;
const MAX_EXPANSION_DEPTH: usize = 32;
const MAX_EXPANSION_LEN: usize = 64 * 1024;

/// What `confDH_PARAMETERS` is set to in the `.mc` at `path`, if anything.
pub fn dh_parameters(path: &Path) -> Result<Option<String>, Error> {
    let mut macros = Macros::default();
    process_file(path, 0, &mut macros)?;
    let Some(raw) = macros.defs.get(NAME).cloned() else { return Ok(None) };
    let value = rescan(&raw, &macros, 0).map_err(|message| Error::Config {
        path: path.to_path_buf(),
        line: macros.defined_at.1,
        message,
    })?;
    Ok(Some(value.trim().to_string()))
}

/// The macro table, plus where `confDH_PARAMETERS` was last defined (for messages).
#[derive(Default)]
struct Macros {
    defs: HashMap<String, String>,
    defined_at: (PathBuf, usize),
}

fn read_bounded(path: &Path) -> Result<String, Error> {
    let no_input = |source| Error::NoInput { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(no_input)?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1).read_to_end(&mut bytes).map_err(no_input)?;
    if bytes.len() as u64 > MAX_FILE {
        let message = format!("file larger than {MAX_FILE} bytes");
        return Err(Error::Config { path: path.to_path_buf(), line: 1, message });
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn process_file(path: &Path, depth: usize, macros: &mut Macros) -> Result<(), Error> {
    let text = read_bounded(path)?;
    let mut scanner = Scanner { chars: text.chars().collect(), pos: 0, line: 1 };
    scanner.top_level(path, depth, macros)
}

/// Whether an include names sendmail's own m4 library rather than the admin's files.
fn is_sendmail_library(name: &str) -> bool {
    name.ends_with("/cf.m4") || name == "cf.m4" || name.contains("/cf/m4/")
}

struct Scanner {
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

fn is_word_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

impl Scanner {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    /// Consumes through the end of the line, returning what was consumed.
    fn rest_of_line(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.bump() {
            out.push(c);
            if c == '\n' {
                break;
            }
        }
        out
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(is_word_char) {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// Reads a quoted string (the opening quote is next) and returns its inside.
    fn quoted(&mut self) -> Result<String, String> {
        let start_line = self.line;
        self.bump();
        let mut depth = 1;
        let mut out = String::new();
        while let Some(c) = self.bump() {
            match c {
                '`' => depth += 1,
                '\'' => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(out);
                    }
                }
                _ => {}
            }
            out.push(c);
        }
        Err(format!("quote opened on line {start_line} is never closed"))
    }

    fn top_level(&mut self, path: &Path, depth: usize, macros: &mut Macros) -> Result<(), Error> {
        let config_error =
            |line, message| Error::Config { path: path.to_path_buf(), line, message };
        while let Some(c) = self.peek() {
            let line = self.line;
            match c {
                '`' => {
                    self.quoted().map_err(|m| config_error(line, m))?;
                }
                '#' => {
                    self.rest_of_line();
                }
                c if is_word_start(c) => {
                    let word = self.word();
                    if word == "dnl" {
                        self.rest_of_line();
                    } else if self.peek() == Some('(') {
                        let args = self.arguments(macros).map_err(|m| config_error(line, m))?;
                        apply(&word, &args, (path, line), depth, macros)?;
                    }
                }
                _ => {
                    self.bump();
                }
            }
        }
        Ok(())
    }

    /// Reads a parenthesised argument list (the `(` is next), m4 style.
    fn arguments(&mut self, macros: &Macros) -> Result<Vec<String>, String> {
        let start_line = self.line;
        self.bump();
        let mut args = Vec::new();
        let mut current = String::new();
        let mut depth = 0;
        let mut at_start = true;
        loop {
            let Some(c) = self.peek() else {
                return Err(format!("argument list opened on line {start_line} is never closed"));
            };
            if at_start && c.is_whitespace() {
                self.bump();
                continue;
            }
            at_start = false;
            match c {
                '`' => current.push_str(&self.quoted()?),
                '#' => current.push_str(&self.rest_of_line()),
                '(' => {
                    depth += 1;
                    current.push(c);
                    self.bump();
                }
                ')' | ',' if depth == 0 => {
                    self.bump();
                    args.push(std::mem::take(&mut current));
                    if c == ')' {
                        return Ok(args);
                    }
                    at_start = true;
                }
                ')' => {
                    depth -= 1;
                    current.push(c);
                    self.bump();
                }
                c if is_word_start(c) => {
                    let word = self.word();
                    match macros.defs.get(&word) {
                        Some(body) if self.peek() != Some('(') => {
                            current.push_str(&rescan(body, macros, 0)?)
                        }
                        _ => current.push_str(&word),
                    }
                }
                c => {
                    current.push(c);
                    self.bump();
                }
            }
        }
    }
}

/// Carries out one macro call at top level.
fn apply(
    word: &str,
    args: &[String],
    (path, line): (&Path, usize),
    depth: usize,
    macros: &mut Macros,
) -> Result<(), Error> {
    let first = args.first().map(String::as_str).unwrap_or("");
    match word {
        "define" if !first.is_empty() => {
            let body = args.get(1).cloned().unwrap_or_default();
            if first == NAME {
                macros.defined_at = (path.to_path_buf(), line);
            }
            macros.defs.insert(first.to_string(), body);
        }
        "undefine" => {
            macros.defs.remove(first);
        }
        "include" | "sinclude" if !first.is_empty() && !is_sendmail_library(first) => {
            if depth >= MAX_INCLUDE_DEPTH {
                let message = format!("includes nested more than {MAX_INCLUDE_DEPTH} deep");
                return Err(Error::Config { path: path.to_path_buf(), line, message });
            }
            let target = path.parent().unwrap_or(Path::new(".")).join(first);
            match process_file(&target, depth + 1, macros) {
                Err(Error::NoInput { .. }) if word == "sinclude" => {}
                other => other?,
            }
        }
        _ => {}
    }
    Ok(())
}

/// Expands defined macro names in `text` and strips one level of quotes, as m4 does
/// when it rescans a macro's body.
fn rescan(text: &str, macros: &Macros, depth: usize) -> Result<String, String> {
    if depth > MAX_EXPANSION_DEPTH {
        return Err(format!("macro expansion nested more than {MAX_EXPANSION_DEPTH} deep"));
    }
    let mut scanner = Scanner { chars: text.chars().collect(), pos: 0, line: 1 };
    let mut out = String::new();
    while let Some(c) = scanner.peek() {
        match c {
            '`' => out.push_str(&scanner.quoted()?),
            c if is_word_start(c) => {
                let word = scanner.word();
                match macros.defs.get(&word) {
                    Some(body) => out.push_str(&rescan(body, macros, depth + 1)?),
                    None => out.push_str(&word),
                }
            }
            c => {
                out.push(c);
                scanner.bump();
            }
        }
        if out.len() > MAX_EXPANSION_LEN {
            return Err(format!("macro expansion longer than {MAX_EXPANSION_LEN} bytes"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn value_of(mc: &str) -> Result<Option<String>, Error> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sendmail.mc");
        fs::write(&path, mc).unwrap();
        dh_parameters(&path)
    }

    fn value(mc: &str) -> Option<String> {
        value_of(mc).unwrap()
    }

    #[test]
    fn the_usual_line() {
        let mc = "divert(-1)dnl\ninclude(`/usr/share/sendmail/cf/m4/cf.m4')dnl\n\
                  define(`confDH_PARAMETERS', `/etc/mail/dh.pem')dnl\nMAILER(smtp)dnl\n";
        assert_eq!(value(mc).as_deref(), Some("/etc/mail/dh.pem"));
    }

    #[test]
    fn unset_and_commented_out() {
        assert_eq!(value("define(`confMAX_DAEMON_CHILDREN', `10')dnl\n"), None);
        assert_eq!(value("dnl define(`confDH_PARAMETERS', `/x')\n"), None);
        assert_eq!(value("# define(`confDH_PARAMETERS', `/x')dnl\n"), None);
        assert_eq!(value("`define(`confDH_PARAMETERS', `/x')'\n"), None);
    }

    #[test]
    fn last_definition_wins_and_undefine_clears() {
        let mc = "define(`confDH_PARAMETERS', `/a')dnl\ndefine(`confDH_PARAMETERS',`/b')dnl\n";
        assert_eq!(value(mc).as_deref(), Some("/b"));
        let mc = "define(`confDH_PARAMETERS', `/a')dnl\nundefine(`confDH_PARAMETERS')dnl\n";
        assert_eq!(value(mc), None);
    }

    #[test]
    fn macros_in_the_value_are_expanded() {
        let mc = "define(`CERT_DIR', `/etc/mail/certs')dnl\n\
                  define(`confDH_PARAMETERS', `CERT_DIR/dh.param')dnl\n";
        assert_eq!(value(mc).as_deref(), Some("/etc/mail/certs/dh.param"));
        let mc = "define(`D', `/d')define(confDH_PARAMETERS, D/dh.pem)";
        assert_eq!(value(mc).as_deref(), Some("/d/dh.pem"));
    }

    #[test]
    fn whitespace_nesting_and_comments_after() {
        let mc = "define(\n  `confDH_PARAMETERS',\n\t`/etc/mail/tls/dh.pem'  )dnl   # <= EDIT\n";
        assert_eq!(value(mc).as_deref(), Some("/etc/mail/tls/dh.pem"));
        let mc = "FEATURE(`x', `define(`confDH_PARAMETERS', `/no')')dnl\n";
        assert_eq!(value(mc), None);
        let mc = "define(`confDH_PARAMETERS', `2')dnl\n";
        assert_eq!(value(mc).as_deref(), Some("2"));
    }

    #[test]
    fn includes_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir(dir.path().join("tls")).unwrap();
        fs::write(
            dir.path().join("tls/starttls.m4"),
            "define(`confDH_PARAMETERS', `/etc/mail/tls/sendmail-common.prm')dnl\n",
        )
        .unwrap();
        let mc = dir.path().join("sendmail.mc");
        fs::write(&mc, "include(`tls/starttls.m4')dnl\nsinclude(`missing.m4')dnl\n").unwrap();
        assert_eq!(
            dh_parameters(&mc).unwrap().as_deref(),
            Some("/etc/mail/tls/sendmail-common.prm")
        );
        fs::write(&mc, "include(`missing.m4')dnl\n").unwrap();
        assert!(matches!(dh_parameters(&mc), Err(Error::NoInput { .. })));
    }

    #[test]
    fn self_include_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let mc = dir.path().join("sendmail.mc");
        fs::write(&mc, "include(`sendmail.mc')\n").unwrap();
        assert!(matches!(dh_parameters(&mc), Err(Error::Config { .. })));
    }

    #[test]
    fn recursive_macros_are_bounded() {
        let mc = "define(`A', `A')define(`confDH_PARAMETERS', `A')";
        assert!(matches!(value_of(mc), Err(Error::Config { .. })));
        let mc = "define(`A', `A A')define(`confDH_PARAMETERS', `A')";
        assert!(matches!(value_of(mc), Err(Error::Config { .. })));
        let mc = format!("define(`B', `{}')define(`confDH_PARAMETERS', `B')", "x".repeat(70_000));
        assert!(matches!(value_of(&mc), Err(Error::Config { .. })));
    }

    #[test]
    fn unterminated_input_names_the_line() {
        match value_of("dnl\ndefine(`confDH_PARAMETERS', `/x)dnl\n") {
            Err(Error::Config { line: 2, message, .. }) => assert!(message.contains("line 2")),
            other => panic!("{other:?}"),
        }
        assert!(matches!(value_of("define(`confDH_PARAMETERS'"), Err(Error::Config { .. })));
    }
}
