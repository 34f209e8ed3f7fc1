//! Thousands of random and mutated command streams, split at random points: the
//! session must never panic, every reply must be CRLF-terminated lines with a
//! three-digit code, and nothing may follow a close.

mod common;

use common::{lab_client, lab_settings, LabPolicy};
use smtp::server::{Action, PolicySession};
use testkit::rng::Rng;

const PIECES: &[&str] = &[
    "EHLO client.lab.example\r\n",
    "HELO x\r\n",
    "HELO\r\n",
    "MAIL FROM:<alice@mail.lab.example>\r\n",
    "MAIL FROM:<> SIZE=10 BODY=8BITMIME RET=HDRS ENVID=x+2B\r\n",
    "MAIL FROM:<a@b",
    "RCPT TO:<root>\r\n",
    "RCPT TO:<root> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a\r\n",
    "RCPT TO:<nosuchuser>\r\n",
    "RCPT TO:<@x:y@z>\r\n",
    "DATA\r\n",
    "Subject: s\r\n",
    "\r\n",
    "body\r\n",
    "..dot\r\n",
    ".\r\n",
    "\n",
    "\r",
    "RSET\r\n",
    "NOOP\r\n",
    "VRFY root\r\n",
    "EXPN staff\r\n",
    "VERB\r\n",
    "ETRN x\r\n",
    "HELP\r\n",
    "HELP mail\r\n",
    "AUTH CRAM-MD5\r\n",
    "AUTH PLAIN dGVzdA==\r\n",
    "*\r\n",
    "STARTTLS\r\n",
    "QUIT\r\n",
    "BOGUS\r\n",
    "\0",
    "(comment) <<>> \"\\",
    "\u{e9}\u{fffd}",
    "=",
    ";",
    ":",
    "MAIL FROM:",
    "RCPT TO:",
];

fn stream(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(40) {
        match rng.below(10) {
            0 => out.extend((0..rng.below(64)).map(|_| rng.next() as u8)),
            1 => out.extend(std::iter::repeat_n(b'x', rng.below(5000))),
            _ => out.extend_from_slice(PIECES[rng.below(PIECES.len())].as_bytes()),
        }
    }
    // Mutations: flip, drop or duplicate a few bytes.
    for _ in 0..rng.below(4) {
        if out.is_empty() {
            break;
        }
        let i = rng.below(out.len());
        match rng.below(3) {
            0 => out[i] ^= 1 << rng.below(8),
            1 => {
                out.remove(i);
            }
            _ => out.insert(i, out[i]),
        }
    }
    out
}

fn check(actions: &[Action], closed: &mut bool) {
    for action in actions {
        assert!(!*closed, "action after close: {action:?}");
        match action {
            Action::Send(bytes) => {
                let text = String::from_utf8(bytes.clone()).expect("replies are UTF-8");
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

#[test]
fn random_streams_never_panic() {
    let mut rng = Rng::new(0x9e37_79b9_7f4a_7c15);
    for round in 0..5000 {
        let ip = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"][round % 5];
        let mut settings = lab_settings(round % 2 == 0);
        settings.tls_available = round % 3 == 0;
        let mut session = PolicySession::new(settings, lab_client(ip), LabPolicy::default());
        let mut closed = false;
        check(&session.start(), &mut closed);
        let input = stream(&mut rng);
        let mut rest = &input[..];
        while !rest.is_empty() {
            let n = 1 + rng.below(rest.len().min(300));
            let actions = session.feed(&rest[..n], rng.below(4) == 0);
            check(&actions, &mut closed);
            if actions.contains(&Action::StartTls) {
                session.tls_started();
            }
            rest = &rest[n..];
        }
        check(&session.eof(), &mut closed);
    }
}
