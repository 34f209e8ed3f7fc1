//! Replays every `shared/reference/smtp/*.transcript` (real sendmail 8.17.1.9) against
//! the session with the lab's policy and compares the replies byte for byte, with the
//! greeting date, queue IDs and SASL challenges masked, and the `@timing` delays.

mod common;

use common::{lab_client, lab_settings, LabPolicy};
use smtp::server::{Action, PolicySession};
use testkit::smtp_session::{mask, parse, Session, Step};

/// Reply lines and total delay of a batch of actions.
fn render(actions: &[Action]) -> (Vec<String>, u64) {
    let mut bytes = Vec::new();
    let mut delay = 0;
    for action in actions {
        match action {
            Action::Send(b) => bytes.extend_from_slice(b),
            Action::Sleep(d) => delay += d.as_secs(),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.is_empty() || text.ends_with("\r\n"), "reply not CRLF-terminated: {text:?}");
    let lines = text.split_terminator("\r\n").map(mask).collect();
    (lines, delay)
}

/// Replay one recorded session; the differences, if any.
fn replay(rec: &Session) -> Vec<String> {
    let open = rec.port == 2526;
    let mut session =
        PolicySession::new(lab_settings(open), lab_client(&rec.source), LabPolicy::default());
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
