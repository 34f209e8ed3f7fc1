//! Replays every `tests/reference/smtp/*.transcript` (real sendmail 8.17.1.9) against
//! the session with the lab's policy and compares the replies byte for byte, with the
//! greeting date, queue IDs and SASL challenges masked, and the `@timing` delays.

mod common;

use common::{lab_client, lab_settings, LabPolicy};
use smtp::server::{Action, Session};

/// One thing in a transcript session.
#[derive(Debug)]
enum Step {
    Client(Vec<u8>),
    Server(String),
    Timing(f64),
}

struct Recorded {
    port: u16,
    source: String,
    steps: Vec<Step>,
}

/// A Python bytes literal `b'...'` as written by smtpchat.py.
fn python_bytes(text: &str) -> Vec<u8> {
    let inner = &text[2..text.len() - 1];
    let mut out = Vec::new();
    let mut chars = inner.bytes();
    while let Some(c) = chars.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'0') => out.push(0),
            Some(b'x') => {
                let hex: Vec<u8> = chars.by_ref().take(2).collect();
                let s = String::from_utf8(hex).unwrap();
                out.push(u8::from_str_radix(&s, 16).unwrap());
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn client_line(text: &str) -> Vec<u8> {
    if text.starts_with("b'") || text.starts_with("b\"") {
        let literal = text.split("   # raw bytes").next().unwrap().trim_end();
        return python_bytes(literal);
    }
    if let Some(head) = text.strip_suffix(" x's in total)") {
        let (prefix, count) = head.rsplit_once("...(").unwrap();
        let name = prefix.trim_end_matches('x');
        let mut line = name.to_string();
        line.push_str(&"x".repeat(count.parse().unwrap()));
        return format!("{line}\r\n").into_bytes();
    }
    format!("{text}\r\n").into_bytes()
}

fn parse(text: &str) -> Vec<Recorded> {
    let mut sessions: Vec<Recorded> = Vec::new();
    for line in text.lines() {
        if line.starts_with("# syslog")
            || line.starts_with("# relayed")
            || line.starts_with("# local delivery")
        {
            break;
        }
        if let Some(rest) = line.strip_prefix("# connect ") {
            let (target, source) = rest.split_once(" from ").unwrap();
            let port = target.rsplit(':').next().unwrap().parse().unwrap();
            sessions.push(Recorded { port, source: source.trim().to_string(), steps: Vec::new() });
            continue;
        }
        let Some(current) = sessions.last_mut() else { continue };
        if let Some(c) = line.strip_prefix("C: ") {
            current.steps.push(Step::Client(client_line(c)));
        } else if line == "C:" {
            current.steps.push(Step::Client(b"\r\n".to_vec()));
        } else if let Some(s) = line.strip_prefix("S: ") {
            current.steps.push(Step::Server(s.to_string()));
        } else if let Some(t) = line.strip_prefix("# (+").and_then(|t| t.strip_suffix("s)")) {
            current.steps.push(Step::Timing(t.parse().unwrap()));
        }
    }
    sessions
}

/// Replace what differs on every run.
fn mask(line: &str) -> String {
    if line.starts_with("220 mail.lab.example ESMTP Sendmail") {
        if let (Some(a), Some(b)) = (line.find("; "), line.find(" (smlab oracle)")) {
            return format!("{}; DATE{}", &line[..a], &line[b..]);
        }
    }
    if line.starts_with("334 ") {
        return "334 CHALLENGE".to_string();
    }
    if let Some(rest) = line.strip_prefix("250 2.0.0 ") {
        if let Some((_, tail)) = rest.split_once(' ') {
            if tail == "Message accepted for delivery" {
                return "250 2.0.0 QID Message accepted for delivery".to_string();
            }
        }
    }
    line.to_string()
}

/// Reply lines and total delay of a batch of actions.
fn render(actions: &[Action]) -> (Vec<String>, u64) {
    let mut bytes = Vec::new();
    let mut delay = 0;
    for action in actions {
        match action {
            Action::Send(b) => bytes.extend_from_slice(b),
            Action::Sleep(d) => delay += d.as_secs(),
            Action::StartTls | Action::Close => {}
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.is_empty() || text.ends_with("\r\n"), "reply not CRLF-terminated: {text:?}");
    let lines = text.split_terminator("\r\n").map(mask).collect();
    (lines, delay)
}

/// Replay one recorded session; the differences, if any.
fn replay(rec: &Recorded) -> Vec<String> {
    let open = rec.port == 2526;
    let mut session =
        Session::new(lab_settings(open), lab_client(&rec.source), LabPolicy::default());
    let (mut got, mut delay) = render(&session.start());
    let mut want: Vec<String> = Vec::new();
    let mut timing: Option<f64> = None;
    let mut diffs = Vec::new();
    let mut last_input = String::from("(greeting)");
    let mut check =
        |got: &[String], want: &[String], delay: u64, timing: Option<f64>, input: &str| {
            let want: Vec<String> = want.iter().map(|w| mask(w)).collect();
            if got != want.as_slice() {
                diffs.push(format!("after {input:?}:\n  want {want:?}\n  got  {got:?}"));
            }
            // The lab's 60 s wait for its own host name is not sendmail behaviour.
            if let Some(t) = timing.filter(|t| *t < 59.0) {
                if (t.round() as u64) != delay {
                    diffs.push(format!("after {input:?}: delay want {t}s got {delay}s"));
                }
            }
        };
    for step in &rec.steps {
        match step {
            Step::Server(line) => want.push(line.clone()),
            Step::Timing(t) => timing = Some(*t),
            Step::Client(bytes) => {
                check(&got, &want, delay, timing.take(), &last_input);
                want.clear();
                (got, delay) = render(&session.feed(bytes, false));
                last_input = String::from_utf8_lossy(bytes).chars().take(60).collect();
            }
        }
    }
    check(&got, &want, delay, timing, &last_input);
    session.eof();
    diffs
}

#[test]
fn reference_transcripts() {
    let dir = testkit::paths::reference().join("smtp");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "transcript"))
        .collect();
    names.sort();
    assert!(names.len() >= 40, "expected the reference transcripts in {}", dir.display());
    let mut failed = Vec::new();
    for path in &names {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let diffs: Vec<String> = parse(&text).iter().flat_map(replay).collect();
        if !diffs.is_empty() {
            eprintln!("== {name}\n{}", diffs.join("\n"));
            failed.push(name);
        }
    }
    eprintln!("{} of {} transcripts match", names.len() - failed.len(), names.len());
    assert!(failed.is_empty(), "transcripts that differ: {failed:?}");
}
