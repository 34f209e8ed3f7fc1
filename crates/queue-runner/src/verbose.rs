//! What `-v` prints on standard output while the queue runs, as `sendmail -v -q`:
//!
//! ```text
//!
//! Running /var/spool/mqueue/6AONWNWH022987 (sequence 5 of 5)
//! <staff@mail.lab.example>... aliased to root, daemon, mail
//! <root@mail.lab.example>... Connecting to local...
//! <root@mail.lab.example>... Sent
//! ```
//!
//! Without `-v` nothing is printed.

use std::io::Write;
use std::path::Path;

/// The `-v` printer (off unless `-v`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Verbose {
    on: bool,
}

impl Verbose {
    /// A printer that prints when `on`.
    pub fn new(on: bool) -> Verbose {
        Verbose { on }
    }

    /// One line.
    pub fn line(&self, line: &str) {
        if self.on {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{line}");
            let _ = out.flush();
        }
    }

    /// Text that already has its line ends (an SMTP dialogue).
    pub fn raw(&self, text: &str) {
        if self.on && !text.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            let _ = out.flush();
        }
    }

    /// The heading of one job.
    pub fn running(&self, queue: &Path, id: &impl std::fmt::Display, seq: Option<(usize, usize)>) {
        if let Some((n, total)) = seq {
            self.line(&format!("\nRunning {}/{id} (sequence {n} of {total})", queue.display()));
        }
    }
}
