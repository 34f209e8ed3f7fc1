//! The reference command transcripts: `$ command` lines and what each printed.
//!
//! # Format
//! The files under `reference/makemap`, `reference/aliases` and `reference/cli` record
//! commands run against the real sendmail. Lines before the first command (`# ` notes) are
//! passed over. Each command is a line `$ <command line>`, then sections, each opened by a
//! header line:
//!
//! ```text
//! $ makemap -C /tmp/smlab/etc/sendmail.cf foo map < /dev/null; echo "rc=$?"
//! [stdout]
//! rc=73
//! [stderr]
//! makemap: error opening type foo map map: Unknown database type
//! [exit 0]
//! [syslog] (none)
//! ```
//!
//! `[stdout]` and `[stderr]` hold the lines that follow, up to the next header;
//! `[stdout] (empty)` says there were none; `[stdout: no final newline]`, after the output,
//! says its last line had no newline. `[exit N]` is the exit status. Other headers
//! (`[syslog]`) open sections this reader passes over, as it does lines outside a section.
//! A header is `[tag]` alone on its line or followed by ` (note)`; any other line is output.
//!
//! [`Case::stdout`] and [`Case::stderr`] are the recorded bytes, each line followed by
//! `\n`; a command with no `[exit N]` has `exit == -1`.
//!
//! # Panics
//! [`parse`] on an `[exit N]` whose N is not a number; [`find`] when no command matches.

/// One recorded command and what it printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The command line, without the `$ `.
    pub command: String,
    /// Its standard output.
    pub stdout: String,
    /// Its standard error.
    pub stderr: String,
    /// Its exit status, or -1 if none was recorded.
    pub exit: i32,
}

impl Case {
    /// The standard output as lines, without their newlines.
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lines().map(str::to_string).collect()
    }
}

/// The section a line of a transcript belongs to.
#[derive(Clone, Copy, PartialEq)]
enum Section {
    Stdout,
    Stderr,
    Other,
}

/// Every command of a transcript, in order.
///
/// # Panics
/// On an `[exit N]` whose N is not a number: the recording is broken.
pub fn parse(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut section = Section::Other;
    let mut cur: Option<Case> = None;
    for line in text.lines() {
        if let Some(cmd) = line.strip_prefix("$ ") {
            cases.extend(cur.take());
            let (stdout, stderr) = (String::new(), String::new());
            cur = Some(Case { command: cmd.into(), stdout, stderr, exit: -1 });
            section = Section::Other;
            continue;
        }
        let Some(case) = cur.as_mut() else { continue };
        if let Some(tag) = header(line) {
            section = match tag {
                "stdout" => Section::Stdout,
                "stderr" => Section::Stderr,
                _ => Section::Other,
            };
            if tag == "stdout: no final newline" && case.stdout.ends_with('\n') {
                case.stdout.pop();
            } else if let Some(n) = tag.strip_prefix("exit ") {
                case.exit = n.parse().unwrap_or_else(|_| panic!("bad exit status: {line:?}"));
            }
            continue;
        }
        let out = match section {
            Section::Stdout => &mut case.stdout,
            Section::Stderr => &mut case.stderr,
            Section::Other => continue,
        };
        out.push_str(line);
        out.push('\n');
    }
    cases.extend(cur);
    cases
}

/// The tag of a section header line: `[tag]`, or `[tag] (note)`.
fn header(line: &str) -> Option<&str> {
    let (tag, rest) = line.strip_prefix('[')?.split_once(']')?;
    (rest.is_empty() || (rest.starts_with(" (") && rest.ends_with(')'))).then_some(tag)
}

/// The first case whose command line contains `command`.
///
/// # Panics
/// When there is none, naming what was looked for.
pub fn find<'a>(cases: &'a [Case], command: &str) -> &'a Case {
    cases
        .iter()
        .find(|c| c.command.contains(command))
        .unwrap_or_else(|| panic!("no `$ ` line containing {command:?} in the transcript"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# notes\n# format: ...\n\n\
        $ makemap foo map; echo rc=$?\n[stdout]\nrc=73\n[stderr]\nmakemap: bad\n[exit 0]\n\n\
        $ cat -A x\n[stdout]\na$\n\nb$\n[stderr] (empty)\n[exit 64]\n[syslog]\n<18>x\n\n\
        $ true\n[stdout] (empty)\n[stderr] (empty)\n[exit 0]\n[syslog] (none)\n\n\
        $ printf '> '\n[stdout]\n> \n[stdout: no final newline]\n[stderr] (empty)\n";

    #[test]
    fn sections_and_exit_status_of_each_command() {
        let cases = parse(TEXT);
        assert_eq!(cases.len(), 4);
        assert_eq!(cases[0].command, "makemap foo map; echo rc=$?");
        assert_eq!(
            (cases[0].stdout.as_str(), cases[0].stderr.as_str()),
            ("rc=73\n", "makemap: bad\n")
        );
        assert_eq!(cases[0].exit, 0);
        assert_eq!(cases[1].stdout, "a$\n\nb$\n", "blank lines inside output are kept");
        assert_eq!((cases[1].stderr.as_str(), cases[1].exit), ("", 64));
        assert_eq!(cases[2].stdout_lines(), Vec::<String>::new());
        assert_eq!((cases[3].stdout.as_str(), cases[3].exit), ("> ", -1));
    }

    #[test]
    fn output_that_looks_like_a_header_but_is_not_stays_output() {
        let cases = parse("$ x\n[stdout]\n[127.0.0.1] ok\n[x]y\n[exit 1]\n");
        assert_eq!(cases[0].stdout, "[127.0.0.1] ok\n[x]y\n");
        assert_eq!(cases[0].exit, 1);
    }

    #[test]
    fn find_takes_the_first_command_containing_the_text() {
        let cases = parse(TEXT);
        assert_eq!(find(&cases, "cat -A").exit, 64);
        assert_eq!(find(&cases, "r").command, "makemap foo map; echo rc=$?");
    }

    #[test]
    #[should_panic(expected = "no `$ ` line containing \"nosuch\"")]
    fn find_names_what_is_missing() {
        find(&parse(TEXT), "nosuch");
    }
}
