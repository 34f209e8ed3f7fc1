//! The aliases file reader: physical lines to entries and diagnostics.
//!
//! One entry starts on a line that does not begin with a blank; a line ending in `\`
//! is joined to the next one (the `\` removed), and every following line that starts
//! with a space or tab is appended as it is (newline removed). A `#` line or an empty
//! line ends an entry. The name, up to the first `:` outside quotes, comments and
//! angle brackets, is parsed as an address that must be local; the value is the rest
//! after the first `:`, leading blanks removed, trailing blanks kept.

use super::{AliasFile, Diagnostic, Entry};
use crate::address;
use crate::sysexits::{EX_SOFTWARE, EX_USAGE};

/// Decides whether a domain is one of ours (sendmail's class `w`).
pub type IsLocal<'a> = &'a dyn Fn(&str) -> bool;

/// Cursor over the physical lines of the file.
struct Lines<'t> {
    lines: Vec<&'t str>,
    next: usize,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let mut lines: Vec<&str> = text.split('\n').collect();
        if lines.last() == Some(&"") {
            lines.pop();
        }
        Lines { lines, next: 0 }
    }

    /// The next line, with `\`-newline joins done; its line number is `self.next`.
    fn take(&mut self) -> Option<String> {
        let mut line = self.lines.get(self.next)?.to_string();
        self.next += 1;
        while line.ends_with('\\') && self.next < self.lines.len() {
            line.pop();
            line.push_str(self.lines[self.next]);
            self.next += 1;
        }
        Some(line)
    }

    /// The next line if it is a continuation (starts with a blank).
    fn continuation(&mut self) -> Option<String> {
        let peek = self.lines.get(self.next)?;
        if peek.starts_with([' ', '\t']) {
            self.take()
        } else {
            None
        }
    }
}

/// Parses the text of an aliases file.
pub fn parse_text(text: &str, is_local: IsLocal) -> AliasFile {
    let mut out = AliasFile::default();
    let mut lines = Lines::new(text);
    while let Some(line) = lines.take() {
        let lineno = lines.next;
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            out.syserr(lineno, "Non-continuation line starts with space".into());
            continue;
        }
        let Some(colon) = line.find(':') else {
            out.syserr(lineno, "missing colon".into());
            continue;
        };
        let Some((key, paddr)) = parse_name(&line, lineno, is_local, &mut out) else {
            continue;
        };
        let mut rhs = line[colon + 1..].to_string();
        let mut whole = line.clone();
        while let Some(more) = lines.continuation() {
            rhs.push_str(&more);
            whole.push_str(&more);
        }
        let value = rhs.trim_start_matches([' ', '\t']).to_string();
        let last = lines.next;
        if value.is_empty() {
            out.syserr(last, format!("{whole}... missing value for alias"));
            continue;
        }
        out.store(Entry { name: key, value, line: lineno }, &paddr, last);
    }
    out
}

/// Parses the name part of `line`; reports and returns `None` when it is unusable.
fn parse_name(
    line: &str,
    lineno: usize,
    is_local: IsLocal,
    out: &mut AliasFile,
) -> Option<(String, String)> {
    let paddr = line[..address::scan_to(line, ':')].trim_end().to_string();
    if paddr.trim().is_empty() {
        out.syserr(lineno, format!("{line}... illegal alias name"));
        return None;
    }
    let parsed = match address::parse(&paddr) {
        Ok(p) => p,
        Err(e) => {
            out.usrerr(lineno, format!("{paddr}... {e}"), e.exit_code());
            out.syserr(lineno, format!("{paddr}... cannot alias non-local names"));
            return None;
        }
    };
    for e in &parsed.repaired {
        out.note(lineno, format!("{paddr}... {e}"));
    }
    let a = parsed.address;
    if a.local.is_empty() {
        out.syserr(lineno, format!("{line}... illegal alias name"));
        return None;
    }
    let remote = a.domain.as_deref().is_some_and(|d| !is_local(d));
    let special = a.local.starts_with(['|', '/']) || a.local.starts_with(":include:");
    if remote || a.has_route() || a.is_percent_hack() || a.is_bang_path() || special {
        out.syserr(lineno, format!("{paddr}... cannot alias non-local names"));
        return None;
    }
    Some((a.local.to_ascii_lowercase(), paddr))
}

impl AliasFile {
    /// Records a diagnostic that sets the exit status to 70 (sendmail's `syserr`).
    fn syserr(&mut self, line: usize, message: String) {
        self.push(line, message, Some(EX_SOFTWARE));
    }

    /// Records a diagnostic with its own status (sendmail's `usrerr` with a status).
    fn usrerr(&mut self, line: usize, message: String, status: i32) {
        debug_assert!(status == EX_USAGE);
        self.push(line, message, Some(status));
    }

    /// Records a diagnostic that leaves the exit status alone.
    fn note(&mut self, line: usize, message: String) {
        self.push(line, message, None);
    }

    fn push(&mut self, line: usize, message: String, status: Option<i32>) {
        self.diagnostics.push(Diagnostic { line: Some(line), message, status });
    }

    /// Stores an entry, the last of a duplicate name winning, and counts it.
    fn store(&mut self, entry: Entry, paddr: &str, last_line: usize) {
        self.count += 1;
        self.bytes += entry.name.len() + entry.value.len();
        self.longest = self.longest.max(entry.value.len());
        match self.index.get(&entry.name).copied() {
            Some(i) => {
                let name = &entry.name;
                self.note(last_line, format!("{paddr}... Warning: duplicate alias name {name}"));
                self.entries[i] = entry;
            }
            None => {
                self.index.insert(entry.name.clone(), self.entries.len());
                self.entries.push(entry);
            }
        }
    }
}
