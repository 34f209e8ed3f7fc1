//! Fuzzes whole SMTP sessions through the sans-IO server engine: the input is the
//! client's byte stream, cut into reads at places the first bytes choose, against a
//! policy that accepts, refuses and commits. Every reply must be CRLF-terminated lines
//! with a three-digit code and no CR, LF or NUL inside, and nothing may follow a close.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run smtp_session fuzz/corpus/smtp_session
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp::server::{
    Action, BodySink, ClientInfo, CommitError, Decision, Envelope, Policy, PolicySession, Privacy,
    Recipient, Reply, Sender, Settings,
};

/// Accepts senders, refuses recipients whose local part starts with `no`, keeps the
/// message in memory.
struct Fuzzing;

struct Memory(usize);

impl BodySink for Memory {
    fn header(&mut self, line: &[u8]) -> std::io::Result<()> {
        self.0 += line.len();
        Ok(())
    }
    fn body(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.0 += chunk.len();
        Ok(())
    }
}

impl Policy for Fuzzing {
    type Sink = Memory;
    fn mail_from(&mut self, _sender: &Sender, _envelope: &Envelope) -> Decision {
        Decision::Accept
    }
    fn rcpt_to(&mut self, recipient: &Recipient, envelope: &Envelope) -> Decision {
        if format!("{recipient:?}").contains("<no") || envelope.recipients.len() > 50 {
            Decision::Reject(Reply::new(550, "5.1.1", "User unknown"))
        } else {
            Decision::Accept
        }
    }
    fn data(&mut self, _envelope: &Envelope) -> Result<Memory, Reply> {
        Ok(Memory(0))
    }
    fn commit(&mut self, _envelope: &Envelope, sink: Memory) -> Result<String, CommitError> {
        if sink.0 % 7 == 3 {
            Err(CommitError::NoSpace)
        } else {
            Ok("6B5FUZZ000001".into())
        }
    }
}

fn check(actions: &[Action], closed: &mut bool) {
    for action in actions {
        assert!(!*closed, "action after close: {action:?}");
        match action {
            Action::Send(bytes) => {
                let text = std::str::from_utf8(bytes).expect("replies are UTF-8");
                assert!(text.ends_with("\r\n"), "{text:?}");
                for line in text.split_terminator("\r\n") {
                    assert!(
                        line.len() >= 3 && line[..3].bytes().all(|b| b.is_ascii_digit()),
                        "{line:?}"
                    );
                    assert!(!line.contains(['\r', '\n', '\0']), "{line:?}");
                }
            }
            Action::Close => *closed = true,
            _ => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else { return };
    let mut settings = Settings::new("mail.fuzz.example");
    settings.tls_available = control & 1 != 0;
    if control & 2 != 0 {
        settings.privacy =
            Privacy { novrfy: true, noexpn: true, needmailhelo: true, ..Privacy::default() };
    }
    settings.limits.max_recipients = 10;
    settings.limits.max_headers_length = 2000;
    let client = ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost"));
    let mut session = PolicySession::new(settings, client, Fuzzing);
    let mut closed = false;
    check(&session.start(), &mut closed);
    let step = 1 + usize::from(control >> 2);
    for piece in input.chunks(step) {
        let actions = session.feed(piece, false);
        check(&actions, &mut closed);
        if actions.contains(&Action::StartTls) {
            session.tls_started();
        }
    }
    check(&session.eof(), &mut closed);
});
