//! The envelope recipients of a submission and the checks sendmail makes on them.
//!
//! Order as sendmail 8.17 keeps them (reference queue 02, cli/dash-t): command-line
//! recipients first, in order; then with `-t` the `To:`, `Cc:` and `Bcc:` fields (the
//! `Resent-` ones instead when the message has any), field by field, each field's
//! addresses in reverse order. A recipient already present is not added again.
//! An argument may hold several addresses (`"a, b"`); empty ones are skipped.

use spool::address;
use spool::message::Header;

/// One recipient and the problems sendmail reported about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rcpt {
    /// The address as given.
    pub address: String,
}

/// The recipients of a submission, plus the messages to print (`addr... error`).
#[derive(Debug, Default)]
pub struct Recipients {
    /// Recipients in envelope order.
    pub list: Vec<Rcpt>,
    /// `addr... error` lines, printed on stdout; each makes the exit code 64.
    pub errors: Vec<String>,
}

impl Recipients {
    /// Adds the addresses of one argument or header field, in the given order.
    fn add_all(&mut self, addresses: impl IntoIterator<Item = String>) {
        for a in addresses {
            let a = a.trim().to_string();
            if a.is_empty() || self.list.iter().any(|r| same(&r.address, &a)) {
                continue;
            }
            if a.chars().any(|c| c.is_ascii_control() && c != '\t') {
                self.errors
                    .push(format!("{}... Invalid control character in address", a.escape_debug()));
                continue;
            }
            match address::parse(&a) {
                Ok(parsed) => {
                    self.errors.extend(parsed.repaired.iter().map(|e| format!("{a}... {e}")));
                    self.list.push(Rcpt { address: a });
                }
                Err(e) => self.errors.push(format!("{a}... {e}")),
            }
        }
    }
}

/// Collects recipients from the arguments and, with `-t`, the header.
pub fn collect(args: &[String], header: Option<&Header>) -> Recipients {
    let mut rcpts = Recipients::default();
    for arg in args {
        rcpts.add_all(address::split_list(arg));
    }
    if let Some(header) = header {
        let resent =
            header.fields.iter().any(|f| f.name.to_ascii_lowercase().starts_with("resent-"));
        let names: &[&str] =
            if resent { &["Resent-To", "Resent-Cc", "Resent-Bcc"] } else { &["To", "Cc", "Bcc"] };
        for field in header.fields.iter().filter(|f| names.iter().any(|n| f.is(n))) {
            let mut list = address::split_list(&field.unfolded());
            list.reverse();
            rcpts.add_all(list);
        }
    }
    rcpts
}

/// Whether two recipients are the same (case-insensitive, as sendmail compares them).
fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The address as the `r` (DSN final recipient) line writes it: qualified with `host`
/// when it has no domain.
pub fn qualified(address: &str, host: &str) -> String {
    if address.contains('@') {
        address.to_string()
    } else {
        format!("{address}@{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spool::message::read_header;

    fn header(text: &str) -> Header {
        read_header(&mut std::io::Cursor::new(text.as_bytes().to_vec()), 32000, false).unwrap().0
    }

    #[test]
    fn reference_02_order() {
        let h = header("From: root\nTo: root, daemon@mail.lab.example\nCc: Mail Account <mail@mail.lab.example>, someone@sink.example\nBcc: nobody@mail.lab.example\n\n");
        let r = collect(&[], Some(&h));
        let got: Vec<&str> = r.list.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            got,
            [
                "daemon@mail.lab.example",
                "root",
                "someone@sink.example",
                "Mail Account <mail@mail.lab.example>",
                "nobody@mail.lab.example"
            ]
        );
    }

    #[test]
    fn arguments_first_and_duplicates_dropped() {
        let h =
            header("To: root, postmaster@lab.example\nCc: staff\nBcc: someone@sink.example\n\n");
        let r = collect(&["abuse".into(), "Root".into()], Some(&h));
        let got: Vec<&str> = r.list.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            got,
            ["abuse", "Root", "postmaster@lab.example", "staff", "someone@sink.example"]
        );
    }

    #[test]
    fn bad_addresses_are_reported_and_empty_ones_skipped() {
        let r = collect(&["<root".into(), "".into()], None);
        assert_eq!(r.list.len(), 1);
        assert_eq!(r.errors, vec!["<root... Unbalanced '<'"]);
        assert!(collect(&["".into()], None).list.is_empty());
        assert_eq!(qualified("root", "h.example"), "root@h.example");
        assert_eq!(qualified("a@b", "h"), "a@b");
    }
}
