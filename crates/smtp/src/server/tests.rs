//! Fast in-memory tests of the session, one group per verb family.

use super::*;
use std::cell::RefCell;
use std::rc::Rc;

/// A small policy: users `root` and `postmaster` (by their parsed local part),
/// anything else unknown; AUTH PLAIN as `alice` with password `secret1` (at once or
/// after an empty challenge).
pub(crate) struct TestPolicy {
    pub(crate) stored: Store,
    /// The commit fails with this error.
    pub(crate) fail_commit: Option<fn() -> CommitError>,
    /// Storing body text fails with this kind of I/O error.
    pub(crate) fail_body: Option<std::io::ErrorKind>,
    /// The events the session reported.
    pub(crate) events: Vec<Event>,
}

/// The PLAIN response of alice, password secret1.
pub(crate) const ALICE_PLAIN: &[u8] = b"\0alice\0secret1";

/// The message text, how many header lines came through `header`, and the error
/// body text gets.
pub(crate) struct MemSink(Vec<u8>, usize, Option<std::io::ErrorKind>);

impl BodySink for MemSink {
    fn header(&mut self, line: &[u8]) -> std::io::Result<()> {
        self.0.extend_from_slice(line);
        self.0.push(b'\n');
        self.1 += 1;
        Ok(())
    }
    fn body(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        if let Some(kind) = self.2 {
            return Err(std::io::Error::new(kind, "injected"));
        }
        self.0.extend_from_slice(chunk);
        Ok(())
    }
}

impl Policy for TestPolicy {
    type Sink = MemSink;
    fn mail_from(&mut self, _s: &Sender, _e: &Envelope) -> Decision {
        Decision::Accept
    }
    fn rcpt_to(&mut self, r: &Recipient, _e: &Envelope) -> Decision {
        match (r.parsed.local.as_str(), &r.parsed.domain) {
            ("root" | "postmaster", None) => Decision::Accept,
            _ => Decision::Reject(Reply::about(550, "5.1.1", &r.raw, "User unknown")),
        }
    }
    fn auth_start(&mut self, mechanism: &str, initial: Option<&[u8]>) -> AuthStep {
        match (mechanism, initial) {
            ("PLAIN", None) => AuthStep::Challenge(Vec::new()),
            ("PLAIN", Some(response)) => self.auth_continue(response),
            _ => AuthStep::Failure,
        }
    }
    fn auth_continue(&mut self, response: &[u8]) -> AuthStep {
        match response {
            ALICE_PLAIN => AuthStep::Success("alice".into()),
            _ => AuthStep::Failure,
        }
    }
    fn event(&mut self, event: Event) {
        self.events.push(event);
    }
    fn data(&mut self, _e: &Envelope) -> Result<MemSink, Reply> {
        Ok(MemSink(Vec::new(), 0, self.fail_body))
    }
    fn commit(&mut self, e: &Envelope, sink: MemSink) -> Result<String, CommitError> {
        if let Some(error) = self.fail_commit {
            return Err(error());
        }
        self.stored.borrow_mut().push((e.clone(), sink.0, sink.1));
        Ok("QID0001".to_string())
    }
}

/// What the in-memory policy stored: envelope, message text, header line count.
pub(crate) type Store = Rc<RefCell<Vec<(Envelope, Vec<u8>, usize)>>>;

/// A session and its store.
pub(crate) type Started = (PolicySession<TestPolicy>, Store);

pub(crate) fn session(settings: Settings) -> Started {
    let stored = Rc::new(RefCell::new(Vec::new()));
    let policy = TestPolicy {
        stored: stored.clone(),
        fail_commit: None,
        fail_body: None,
        events: Vec::new(),
    };
    let client = ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost"));
    (PolicySession::new(settings, client, policy), stored)
}

/// Everything sent, as text, with sleeps shown as `[sleep N]` lines.
pub(crate) fn text(actions: &[Action]) -> String {
    let mut out = String::new();
    for a in actions {
        match a {
            Action::Send(b) => out.push_str(&String::from_utf8_lossy(b)),
            Action::Sleep(d) => out.push_str(&format!("[sleep {}]\r\n", d.as_secs())),
            Action::StartTls => out.push_str("[starttls]\r\n"),
            Action::Close => out.push_str("[close]\r\n"),
            other => out.push_str(&format!("[{other:?}]\r\n")),
        }
    }
    out
}

pub(crate) fn lab() -> Settings {
    let mut s = Settings::new("mail.example");
    s.greeting = "mail.example ESMTP test".into();
    s.limits.max_recipients = 3;
    s.limits.bad_rcpt_throttle = 2;
    s.limits.max_headers_length = 100;
    s
}

pub(crate) fn started(settings: Settings) -> Started {
    let (mut s, st) = session(settings);
    s.start();
    (s, st)
}

pub(crate) fn say(s: &mut PolicySession<TestPolicy>, input: &str) -> String {
    text(&s.feed(input.as_bytes(), false))
}
