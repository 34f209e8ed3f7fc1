//! `sendmail -bs` through the blocking driver, against `cli/bs-mode.txt`: piped input
//! is traffic before response; the same commands paced one per read are served.

mod common;

use common::{lab_settings, LabPolicy};
use smtp::server::{serve_blocking, ClientInfo, PolicySession};
use std::io::Read;
use testkit::{paths, transcript};

/// The `[stdout]` of each command of the file up to its `rc=` line, `^M` turned back
/// into CR.
fn stdout_blocks(text: &str) -> Vec<String> {
    let block = |stdout: &str| {
        let lines = stdout.lines().take_while(|l| !l.starts_with("rc="));
        lines.map(|l| format!("{}\n", l.replace("^M", "\r"))).collect()
    };
    transcript::parse(text).iter().map(|case| block(&case.stdout)).collect()
}

fn mask_greeting(text: &str) -> String {
    let start = text.find("; ").unwrap();
    let end = text.find(" (smlab oracle)").unwrap();
    format!("{}; DATE{}", &text[..start], &text[end..])
}

/// A reader that hands out one line per read, like a client that waits for replies.
struct Paced(Vec<Vec<u8>>);

impl Read for Paced {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Ok(0);
        }
        let line = self.0.remove(0);
        buf[..line.len()].copy_from_slice(&line);
        Ok(line.len())
    }
}

fn run(input: impl Read) -> String {
    let mut session =
        PolicySession::new(lab_settings(false), ClientInfo::local("root"), LabPolicy::default());
    let mut out = Vec::new();
    serve_blocking(&mut session, input, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const COMMANDS: [&str; 6] = [
    "EHLO client.lab.example",
    "MAIL FROM:<alice@mail.lab.example>",
    "RCPT TO:<nosuchuser>",
    "RCPT TO:<root>",
    "RSET",
    "QUIT",
];

#[test]
fn piped_input_is_traffic_before_response() {
    let text = std::fs::read_to_string(paths::reference().join("cli/bs-mode.txt")).unwrap();
    let want = &stdout_blocks(&text)[0];
    let input = "EHLO client.lab.example\r\nMAIL FROM:<alice@mail.lab.example>\r\nRCPT TO:<nosuchuser>\r\nQUIT\r\n";
    assert_eq!(mask_greeting(&run(input.as_bytes())), mask_greeting(want));
}

#[test]
fn paced_input_is_served() {
    let text = std::fs::read_to_string(paths::reference().join("cli/bs-mode.txt")).unwrap();
    let want = &stdout_blocks(&text)[1];
    let lines = COMMANDS.iter().map(|c| format!("{c}\r\n").into_bytes()).collect();
    assert_eq!(mask_greeting(&run(Paced(lines))), mask_greeting(want));
}

#[test]
fn end_of_input_without_quit() {
    let out = run("EHLO c.example\r\n".as_bytes());
    assert!(
        out.ends_with("421 4.4.1 mail.lab.example Lost input channel from root@localhost\r\n"),
        "{out}"
    );
}
