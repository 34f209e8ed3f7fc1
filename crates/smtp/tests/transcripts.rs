//! Replays every `tests/reference/smtp/*.transcript` (real sendmail 8.17.1.9) against
//! the session with the lab's policy and compares the replies byte for byte, with the
//! greeting date, queue IDs and SASL challenges masked, and the `@timing` delays.
//!
//! # What it proves
//! The SMTP engine's framing, as sendmail frames it: command and argument parsing, the
//! replies the session writes itself (codes, enhanced status codes, texts, multi-line
//! replies), the order of its checks, pipelining, DATA with dot-stuffing, bare LF and
//! its limits, the delays, and where the connection is closed.
//!
//! # What it does not prove
//! That ferrymail answers as sendmail about users, aliases, access, relaying, VRFY or
//! EXPN. Every such answer comes from `LabPolicy` (`common/mod.rs`): its local users,
//! access-map entries, relaying rule, mailertable error, sender-domain check,
//! duplicate-recipient spelling and VRFY/EXPN replies were written by hand from the
//! recordings, so a transcript that needs them matches because the test wrote those
//! answers, not because ferrymail's maps or rules gave them. Nor does it prove the
//! configuration: the greeting text, privacy flags, limits and AUTH mechanisms are
//! `lab_settings`, also written by hand, not read from the lab's `.cf` by `spool`.
//! smtpd's replay of the same transcripts against the real maps and `spool`'s policy
//! is what will prove those.
//!
//! # Transcripts that depend on LabPolicy's hand-written answers
//! Each transcript that used an answer of `LabPolicy`, with the kinds it used; a
//! transcript not listed uses none. The test computes this table from the replay and
//! fails when it differs, so it stays exact.
//! * a line whose text `LabPolicy` wrote: `connect reply` (access `Connect:`, refuse
//!   or reject commands), `MAIL reply` (access `From:`, sender domain), `RCPT reply`
//!   (User unknown, access `To:`, Relaying denied, Host unknown), `VRFY reply`,
//!   `EXPN reply`, `RCPT ok as` (the first spelling of a duplicate recipient);
//! * a decision of `LabPolicy` in a reply the session wrote: `MAIL ok` and `RCPT ok`
//!   (sender or recipient accepted: a known user, a relaying client or domain),
//!   `AUTH result` (535), `no space` (452 for a SIZE=), `queued` (250 with a queue ID).
//!
//! ```text
//! access-from                MAIL ok, MAIL reply, RCPT ok
//! access-to                  MAIL ok, RCPT ok, RCPT reply
//! access-to-nonlocal         MAIL ok, RCPT ok, RCPT reply
//! auth                       AUTH result, MAIL ok
//! auth-required              AUTH result, MAIL ok, RCPT ok
//! auth-sasldb                AUTH result, MAIL ok, RCPT ok, RCPT reply
//! bad-rcpt-throttle          MAIL ok, RCPT ok, RCPT reply
//! bare-lf-commands           MAIL ok, RCPT ok
//! bare-lf-dot-lf             MAIL ok, RCPT ok
//! bare-lf-in-data            MAIL ok, RCPT ok
//! big-header                 MAIL ok, RCPT ok
//! big-header-many-lines      MAIL ok, RCPT ok
//! connect-error-421          connect reply
//! connect-reject             connect reply
//! data-rejected-recipients   MAIL ok, RCPT ok, RCPT reply, queued
//! discard-sender-message     MAIL ok, RCPT ok, queued
//! dot-stuffing               MAIL ok, RCPT ok, queued
//! dsn-params                 MAIL ok, RCPT ok, queued
//! dsn-params-errors          MAIL ok, RCPT ok, RCPT ok as
//! eightbit-data              MAIL ok, RCPT ok, queued
//! eof-after-rcpt             MAIL ok, RCPT ok
//! local-recipients           MAIL ok, RCPT ok, RCPT ok as, RCPT reply
//! long-lines                 MAIL ok, RCPT ok, queued
//! mail-before-helo           MAIL ok
//! mail-before-helo-open      MAIL ok, RCPT ok
//! mail-params                MAIL ok, no space
//! mail-syntax                MAIL ok, MAIL reply
//! max-rcpts                  MAIL ok, RCPT ok, queued
//! message-accepted           MAIL ok, RCPT ok, queued
//! minimal-message            MAIL ok, RCPT ok, queued
//! noop-rset                  MAIL ok, RCPT ok
//! null-sender                MAIL ok, RCPT ok, queued
//! pipelining                 MAIL ok, RCPT ok, RCPT reply, queued
//! rcpt-syntax                MAIL ok, RCPT ok, RCPT ok as, RCPT reply
//! relay-denied               MAIL ok, RCPT ok, RCPT ok as, RCPT reply
//! relay-from-localhost       MAIL ok, RCPT ok, RCPT reply
//! sequence-errors            MAIL ok, RCPT ok, RCPT reply
//! to-discard-entry-ignored   MAIL ok, RCPT ok, queued
//! vrfy-expn-open             EXPN reply, VRFY reply
//! ```

mod common;

use common::{lab_client, lab_settings_on, LabPolicy, MemSink};
use smtp::server::{
    Action, AuthStep, ClientInfo, CommitError, Connect, Decision, Envelope, Event, Policy,
    PolicySession, Recipient, Reply, Sender,
};
use std::collections::{BTreeMap, BTreeSet};
use testkit::smtp_session::{mask, parse, Session as Recorded, Step};

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

/// One kind of answer [`LabPolicy`] wrote by hand, as the session used it.
type Answer = &'static str;

/// [`LabPolicy`], noting each kind of answer of its own that the session used: a
/// reply whose text it wrote, or a decision (accept, authenticate, queue) whose reply
/// the session wrote.
struct Traced {
    lab: LabPolicy,
    used: BTreeSet<Answer>,
}

impl Traced {
    fn note(&mut self, answer: Answer) {
        self.used.insert(answer);
    }

    fn decision(&mut self, decision: Decision, verb: &str) -> Decision {
        self.note(match (&decision, verb) {
            (Decision::Reject(_), "MAIL") => "MAIL reply",
            (Decision::Reject(_), _) => "RCPT reply",
            (Decision::AcceptAs(_), _) => "RCPT ok as",
            (Decision::Accept, "MAIL") => "MAIL ok",
            (Decision::Accept, _) => "RCPT ok",
        });
        decision
    }

    fn auth(&mut self, step: AuthStep) -> AuthStep {
        if !matches!(step, AuthStep::Challenge(_)) {
            self.note("AUTH result");
        }
        step
    }
}

impl Policy for Traced {
    type Sink = MemSink;

    fn connect(&mut self, client: &ClientInfo) -> Connect {
        let answer = self.lab.connect(client);
        if answer != Connect::Accept {
            self.note("connect reply");
        }
        answer
    }

    fn mail_from(&mut self, sender: &Sender, envelope: &Envelope) -> Decision {
        let decision = self.lab.mail_from(sender, envelope);
        self.decision(decision, "MAIL")
    }

    fn rcpt_to(&mut self, recipient: &Recipient, envelope: &Envelope) -> Decision {
        let decision = self.lab.rcpt_to(recipient, envelope);
        self.decision(decision, "RCPT")
    }

    fn vrfy(&mut self, argument: &str) -> Reply {
        self.note("VRFY reply");
        self.lab.vrfy(argument)
    }

    fn expn(&mut self, argument: &str) -> Reply {
        self.note("EXPN reply");
        self.lab.expn(argument)
    }

    fn etrn(&mut self, node: &str) -> Reply {
        self.note("ETRN reply");
        self.lab.etrn(node)
    }

    fn enough_space(&mut self, size: u64) -> bool {
        let room = self.lab.enough_space(size);
        if !room {
            self.note("no space");
        }
        room
    }

    fn auth_start(&mut self, mechanism: &str, initial: Option<&[u8]>) -> AuthStep {
        let step = self.lab.auth_start(mechanism, initial);
        self.auth(step)
    }

    fn auth_continue(&mut self, response: &[u8]) -> AuthStep {
        let step = self.lab.auth_continue(response);
        self.auth(step)
    }

    fn data(&mut self, envelope: &Envelope) -> Result<MemSink, Reply> {
        let sink = self.lab.data(envelope);
        if sink.is_err() {
            self.note("DATA reply");
        }
        sink
    }

    fn commit(&mut self, envelope: &Envelope, sink: MemSink) -> Result<String, CommitError> {
        let result = self.lab.commit(envelope, sink);
        self.note(if result.is_ok() { "queued" } else { "commit reply" });
        result
    }

    fn abort(&mut self, sink: MemSink) {
        self.lab.abort(sink);
    }

    fn event(&mut self, event: Event) {
        self.lab.event(event);
    }
}

/// Replay one recorded session; the differences, if any, and the kinds of
/// [`LabPolicy`] answer it used.
fn replay(rec: &Recorded) -> (Vec<String>, BTreeSet<Answer>) {
    let policy = Traced { lab: LabPolicy::default(), used: BTreeSet::new() };
    let settings = lab_settings_on(rec.port);
    let mut session = PolicySession::new(settings, lab_client(&rec.source), policy);
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
    (diffs, std::mem::take(&mut session.policy_mut().used))
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
    let mut used: BTreeMap<String, Vec<Answer>> = BTreeMap::new();
    for path in &names {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let mut diffs = Vec::new();
        let mut answers = BTreeSet::new();
        for (d, a) in parse(&text).iter().map(replay) {
            diffs.extend(d);
            answers.extend(a);
        }
        if !diffs.is_empty() {
            eprintln!("== {name}\n{}", diffs.join("\n"));
            failed.push(name.clone());
        }
        if !answers.is_empty() {
            used.insert(name, answers.into_iter().collect());
        }
    }
    eprintln!("{} of {} transcripts match", names.len() - failed.len(), names.len());
    assert!(failed.is_empty(), "transcripts that differ: {failed:?}");
    let table = |m: &BTreeMap<String, Vec<String>>| {
        m.iter().map(|(n, a)| format!("{n:<26} {}\n", a.join(", "))).collect::<String>()
    };
    let used: BTreeMap<String, Vec<String>> = used
        .into_iter()
        .map(|(name, answers)| (name, answers.into_iter().map(String::from).collect()))
        .collect();
    let (documented, replayed) = (table(&documented_dependencies()), table(&used));
    let only = |a: &str, b: &str| {
        a.lines().filter(|l| !b.lines().any(|m| m == *l)).collect::<Vec<_>>().join("\n")
    };
    assert!(
        documented == replayed,
        "the module doc's table of transcripts that depend on LabPolicy is not what the \
         replay used\n-- only in the doc:\n{}\n-- only in the replay:\n{}",
        only(&documented, &replayed),
        only(&replayed, &documented)
    );
}

/// The table of the module doc: transcript -> kinds of `LabPolicy` answer it uses.
fn documented_dependencies() -> BTreeMap<String, Vec<String>> {
    let source = include_str!("transcripts.rs");
    let (_, rest) = source
        .split_once("//! # Transcripts that depend on LabPolicy's hand-written answers")
        .expect("the module doc's heading");
    let (_, rest) = rest.split_once("//! ```text\n").expect("the table's opening fence");
    let (body, _) = rest.split_once("//! ```\n").expect("the table's closing fence");
    body.lines()
        .map(|line| {
            let line = line.strip_prefix("//! ").expect("a doc line");
            let (name, answers) = line.split_once(' ').expect("name and answers");
            (name.to_string(), answers.trim().split(", ").map(String::from).collect())
        })
        .collect()
}
