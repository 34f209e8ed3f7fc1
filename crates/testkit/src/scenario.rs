//! Replaying a transcript's commands in a scratch directory, against either sendmail.
//!
//! A [`Scenario`] runs each `$ ` line of a transcript with `bash -c` in its directory,
//! with a folder of program wrappers first on `PATH` (`makemap`, `newaliases`,
//! `sendmail`: the real ones through `smns`, or ferrymail's), `LC_ALL=C`, `umask 022`,
//! and `DIR` set to the scratch directory. In what the commands print, the scratch
//! directory's path becomes `@DIR@`, so one recording fits every run.
//!
//! The same replay records a fixture from the oracle ([`render`]), compares
//! ferrymail's output with a fixture, and compares both live.
//!
//! # Panics
//! When `bash` cannot be started or a wrapper cannot be written: the test environment
//! is broken.

use crate::transcript::Case;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The placeholder for the scratch directory in recordings.
pub const DIR: &str = "@DIR@";

/// The words that run a program as `nobody` (put before it in [`Scenario::program`]).
pub const AS_NOBODY: [&str; 4] = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"];

/// A scratch directory and the programs its commands run.
#[derive(Debug, Clone)]
pub struct Scenario {
    dir: PathBuf,
    bin: PathBuf,
    env: Vec<(String, OsString)>,
}

impl Scenario {
    /// Commands run in `dir`; wrappers are written to `bin` (outside `dir`).
    pub fn new(dir: &Path, bin: &Path) -> Scenario {
        std::fs::create_dir_all(bin).expect("wrapper folder");
        Scenario { dir: dir.to_path_buf(), bin: bin.to_path_buf(), env: Vec::new() }
    }

    /// The scratch directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes `name` run `argv` followed by the command's own arguments.
    pub fn program(&mut self, name: &str, argv: &[&Path]) {
        let words: Vec<String> = argv.iter().map(|a| quote(&a.to_string_lossy())).collect();
        let script = format!("#!/bin/sh\nexec {} \"$@\"\n", words.join(" "));
        let path = self.bin.join(name);
        std::fs::write(&path, script).expect("wrapper");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// Sets an environment variable for every command (`CF`, ...).
    pub fn env(&mut self, name: &str, value: impl Into<OsString>) {
        self.env.push((name.to_string(), value.into()));
    }

    /// Runs one command line; the scratch path in its output reads `@DIR@`.
    pub fn run(&self, command: &str) -> Case {
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![self.bin.clone()];
        paths.extend(std::env::split_paths(&path));
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!("umask 022; {command}"))
            .current_dir(&self.dir)
            .env("PATH", std::env::join_paths(paths).expect("PATH"))
            .env("LC_ALL", "C")
            .env("DIR", &self.dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .output()
            .expect("bash");
        let dir = self.dir.to_string_lossy().into_owned();
        let text = |b: &[u8]| String::from_utf8_lossy(b).replace(&dir, DIR);
        Case {
            command: command.to_string(),
            stdout: text(&out.stdout),
            stderr: text(&out.stderr),
            exit: out.status.code().unwrap_or(-1),
        }
    }

    /// Runs the commands of `cases` in order.
    pub fn replay(&self, cases: &[Case]) -> Vec<Case> {
        cases.iter().map(|c| self.run(&c.command)).collect()
    }
}

/// Asserts that `got` printed what `want` did, case by case, naming the command and
/// `what` was compared (a recording, the live oracle) on a difference.
///
/// # Panics
/// On the first difference in standard output, standard error or exit status.
pub fn assert_same(want: &[Case], got: &[Case], what: &str) {
    assert_eq!(want.len(), got.len(), "{what}: number of commands");
    for (w, g) in want.iter().zip(got) {
        assert_eq!(g.stdout, w.stdout, "stdout of `{}` ({what})", w.command);
        assert_eq!(g.stderr, w.stderr, "stderr of `{}` ({what})", w.command);
        assert_eq!(g.exit, w.exit, "exit of `{}` ({what})", w.command);
    }
}

/// A transcript file: `header` (its `# ` lines) and each case in the reader's format.
pub fn render(header: &str, cases: &[Case]) -> String {
    let mut out = String::from(header);
    for case in cases {
        out.push_str(&format!("\n$ {}\n", case.command));
        section(&mut out, "stdout", &case.stdout);
        section(&mut out, "stderr", &case.stderr);
        out.push_str(&format!("[exit {}]\n", case.exit));
    }
    out
}

fn section(out: &mut String, name: &str, text: &str) {
    if text.is_empty() {
        out.push_str(&format!("[{name}] (empty)\n"));
        return;
    }
    out.push_str(&format!("[{name}]\n{text}"));
    if !text.ends_with('\n') {
        out.push_str(&format!("\n[{name}: no final newline]\n"));
    }
}

/// The leading comment lines of a transcript (up to its first command, without the
/// blank lines before it).
pub fn header(text: &str) -> String {
    let lines: Vec<&str> = text.lines().take_while(|l| !l.starts_with("$ ")).collect();
    let kept = lines.len() - lines.iter().rev().take_while(|l| l.trim().is_empty()).count();
    lines[..kept].iter().map(|l| format!("{l}\n")).collect()
}

/// Whether the tests run as root (`id -u` prints 0).
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transcript;

    fn scratch(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("testkit-scenario-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("work")).unwrap();
        d
    }

    #[test]
    fn commands_run_in_the_directory_with_wrappers_first() {
        let d = scratch("run");
        let mut s = Scenario::new(&d.join("work"), &d.join("bin"));
        s.program("greet", &[Path::new("/bin/echo"), Path::new("it's")]);
        s.env("WHO", "me");
        let case = s.run("greet \"$WHO\" in \"$DIR\"; pwd; echo oops >&2; exit 3");
        assert_eq!(case.stdout, "it's me in @DIR@\n@DIR@\n");
        assert_eq!((case.stderr.as_str(), case.exit), ("oops\n", 3));
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn render_reads_back_as_the_same_cases() {
        let cases = vec![
            Case { command: "a".into(), stdout: "x\n\ny\n".into(), stderr: String::new(), exit: 0 },
            Case { command: "b".into(), stdout: "> ".into(), stderr: "e\n".into(), exit: 65 },
        ];
        let text = render("# recorded\n", &cases);
        assert_eq!(header(&text), "# recorded\n");
        assert_eq!(transcript::parse(&text), cases);
    }

    #[test]
    #[should_panic(expected = "stderr of `b` (live)")]
    fn assert_same_names_the_command_that_differs() {
        let case = |c: &str, err: &str| Case {
            command: c.into(),
            stdout: String::new(),
            stderr: err.into(),
            exit: 0,
        };
        let want = [case("a", ""), case("b", "x\n")];
        assert_same(&want, &want.clone(), "same");
        assert_same(&want, &[case("a", ""), case("b", "y\n")], "live");
    }
}
