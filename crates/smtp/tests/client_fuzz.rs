//! Fuzz-style loops over the client's handling of untrusted input (what servers
//! send) and of message text: thousands of random and mutated inputs, split at
//! random points. Nothing may panic, every reply read must be well-formed, every
//! session must end, and message text must come out as valid SMTP data.

use smtp::client::{
    Action, Body, Converter, DataEncoder, Envelope, Input, IoFailure, Plan, Recipient, ReplyReader,
    Scan, Session, Settings, Target, TlsInfo, Verify, MAX_LINES,
};
use testkit::rng::Rng;

const REPLIES: &[&str] = &[
    "220 mx.example ESMTP\r\n",
    "220-mx.example\r\n",
    "250-mx.example\r\n",
    "250-PIPELINING\r\n",
    "250-STARTTLS\r\n",
    "250-AUTH PLAIN LOGIN\r\n",
    "250-SIZE 1000\r\n",
    "250-8BITMIME\r\n",
    "250-DSN\r\n",
    "250-ENHANCEDSTATUSCODES\r\n",
    "250 SMTPUTF8\r\n",
    "250 2.0.0 Ok\r\n",
    "250 2.1.5 Ok\r\n",
    "354 go\r\n",
    "220 2.0.0 Ready to start TLS\r\n",
    "334 VXNlcm5hbWU6\r\n",
    "235 2.7.0 ok\r\n",
    "421 4.3.2 bye\r\n",
    "451 4.2.0 busy\r\n",
    "452 4.5.3 Too many recipients\r\n",
    "500 what\r\n",
    "503 5.5.1 No valid recipients\r\n",
    "535 5.7.8 no\r\n",
    "550 5.1.1 nope\r\n",
    "554 5.7.1 no\r\n",
    "221 2.0.0 Bye\r\n",
    "050 note\r\n",
    "garbage line\r\n",
    "250\r\n",
    "\r\n",
    "\n",
    "\0",
    "2",
    "25",
    "250-",
    "999 x\r\n",
    "100 x\r\n",
];

fn server_bytes(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..rng.below(60) {
        match rng.below(12) {
            0 => out.extend((0..rng.below(40)).map(|_| rng.next() as u8)),
            1 => out.extend(std::iter::repeat_n(b'x', rng.below(5000))),
            2 => {
                let seed = REPLIES[rng.below(REPLIES.len())].as_bytes();
                out.extend(rng.mutate(seed));
            }
            _ => out.extend_from_slice(REPLIES[rng.below(REPLIES.len())].as_bytes()),
        }
    }
    out
}

#[test]
fn the_reply_reader_takes_anything() {
    let mut rng = Rng::new(0x5eed_c11e);
    for _ in 0..3000 {
        let input = server_bytes(&mut rng);
        let mut reader = ReplyReader::new();
        let mut at = 0;
        while at < input.len() {
            let step = 1 + rng.below(700);
            let end = (at + step).min(input.len());
            reader.push(&input[at..end]);
            at = end;
            while let Some(item) = reader.next_input() {
                match item {
                    Input::Line(line) => assert!(!line.contains(['\r', '\n', '\0']), "{line:?}"),
                    Input::Reply(reply) => {
                        assert!((100..1000).contains(&reply.code()), "{reply:?}");
                        assert!(reply.lines().len() <= MAX_LINES);
                        assert!(reply.lines().iter().all(|l| !l.contains(['\r', '\n', '\0'])));
                        assert!(reply.first_line().starts_with(&reply.first_line()[..3]));
                        let _ = (reply.enhanced(), reply.text(true), reply.text(false));
                    }
                }
            }
        }
    }
}

fn envelope(rng: &mut Rng) -> Envelope {
    let n = 1 + rng.below(4);
    Envelope {
        id: "QID".into(),
        sender: if rng.below(4) == 0 { String::new() } else { "alice@example.org".into() },
        recipients: (0..n).map(|i| Recipient::new(&format!("r{i}@x.example"))).collect(),
        size: rng.below(5000) as u64,
        body: Body { has_8bit: rng.below(2) == 0, is_mime: rng.below(2) == 0, ..Body::default() },
        ..Envelope::default()
    }
}

fn tls_info() -> TlsInfo {
    TlsInfo {
        version: "TLSv1.3".into(),
        cipher: "TLS_AES_128_GCM_SHA256".into(),
        bits: 128,
        verify: Verify::Fail("x".into()),
        name_matches: false,
    }
}

/// A session fed random server output, with random timeouts, ends of input, TLS
/// results and transactions, never panics, writes only CRLF-terminated lines, and
/// ends once the input does.
#[test]
fn sessions_survive_any_server() {
    let mut rng = Rng::new(0xc0ff_ee11);
    let target = Target::ip("127.0.0.1".parse().unwrap(), 25);
    for round in 0..1200 {
        let settings = Settings { helo_name: "client.example".into(), ..Settings::default() };
        let mut s = Session::new(settings, &target);
        let input = server_bytes(&mut rng);
        let mut todo = s.connected();
        let mut at = 0;
        let mut transactions = 0;
        let mut closed = false;
        for _ in 0..10_000 {
            for action in std::mem::take(&mut todo) {
                match action {
                    Action::Send(bytes) => {
                        assert!(bytes.ends_with(b"\r\n"), "round {round}: {bytes:?}");
                        let bare_lf = bytes.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r');
                        assert!(!bare_lf && bytes[0] != b'\n', "round {round}: {bytes:?}");
                    }
                    Action::StartTls if rng.below(2) == 0 => todo.extend(s.tls_started(tls_info())),
                    Action::StartTls => todo.extend(s.tls_failed("fuzz")),
                    Action::SendData { .. } if rng.below(8) == 0 => {
                        todo.extend(s.data_failed(IoFailure::Reset))
                    }
                    Action::SendData { .. } => todo.extend(s.data_sent()),
                    Action::Ready | Action::Done(_) if s.is_idle() && transactions < 3 => {
                        transactions += 1;
                        let env = envelope(&mut rng);
                        todo.extend(s.begin(&env));
                    }
                    Action::Ready | Action::Done(_) if s.is_idle() => todo.extend(s.quit()),
                    Action::Close => closed = true,
                    _ => {}
                }
            }
            if !todo.is_empty() {
                continue;
            }
            if closed || s.read_timeout().is_none() {
                break;
            }
            todo = match rng.below(30) {
                0 => s.timed_out(),
                _ if at >= input.len() => s.eof(),
                _ => {
                    let end = (at + 1 + rng.below(300)).min(input.len());
                    let piece = &input[at..end];
                    at = end;
                    s.feed(piece)
                }
            };
        }
        assert!(closed || s.read_timeout().is_none(), "round {round}: the session did not end");
    }
}

/// Message text comes out with CRLF only, dot-stuffed, ending in `.`; without a
/// line limit, undoing CRLF and dot-stuffing gives the input back.
#[test]
fn message_text_is_valid_smtp_data() {
    let mut rng = Rng::new(0xda7a_0001);
    let alphabet = b"ab.\n\r \xe9=-\t";
    for _ in 0..1500 {
        let body = rng.bytes_from(alphabet, 4000);
        let limit = [0, 3, 76, 990, 2040][rng.below(5)];
        let mut enc = DataEncoder::new(limit);
        let mut out = Vec::new();
        enc.headers(b"Subject: fuzz\n", &mut out);
        let mut at = 0;
        while at < body.len() {
            let end = (at + 1 + rng.below(3000)).min(body.len());
            enc.body(&body[at..end], &mut out);
            at = end;
        }
        enc.finish(&mut out);
        assert!(out.ends_with(b"\r\n.\r\n"));
        let text = &out[..out.len() - 3];
        assert!(!text.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'), "bare LF");
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        assert!(!lines.contains(&&b".\r"[..]), "a lone dot before the end");
        if limit == 0 && !body.contains(&b'\r') {
            let mut back: Vec<u8> = Vec::new();
            for line in text.strip_suffix(b"\r\n").unwrap_or(text).split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                back.extend_from_slice(line.strip_prefix(b".").unwrap_or(line));
                back.push(b'\n');
            }
            let mut expected = b"Subject: fuzz\n\n".to_vec();
            expected.extend_from_slice(&body);
            if !body.is_empty() && !body.ends_with(b"\n") {
                expected.push(b'\n');
            }
            assert_eq!(back, expected);
        }
    }
}

/// A converted body is 7-bit, and its base64 decodes to the body with CRLF.
#[test]
fn converted_bodies_are_seven_bit() {
    let mut rng = Rng::new(0x8b17_0007);
    for _ in 0..600 {
        let body = rng.bytes_from(b"ab. \n\t=\xe9\xfc\r", 3000);
        let mut scan = Scan::default();
        scan.feed(&body);
        let mut c = Converter::new(b"MIME-Version: 1.0\n", scan, "h", "id");
        let mut enc = DataEncoder::new(990);
        let mut out = Vec::new();
        c.headers(&mut enc, &mut out);
        let start = out.len();
        for chunk in body.chunks(1 + rng.below(500)) {
            c.body(chunk, &mut enc, &mut out);
        }
        c.finish(&mut enc, &mut out);
        enc.finish(&mut out);
        match c.plan() {
            Plan::Base64 | Plan::QuotedPrintable => assert!(out.is_ascii(), "{:?}", c.plan()),
            _ => assert!(scan.high == 0),
        }
        if *c.plan() == Plan::Base64 {
            let encoded: Vec<u8> = out[start..out.len() - 3]
                .iter()
                .copied()
                .filter(|b| !b"\r\n".contains(b))
                .collect();
            let expected: Vec<u8> = body
                .iter()
                .flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] })
                .collect();
            assert_eq!(decode64(&encoded), expected);
        }
    }
}

fn decode64(text: &[u8]) -> Vec<u8> {
    let value = |c: u8| {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
            .iter()
            .position(|&a| a == c)
    };
    let mut out = Vec::new();
    for quad in text.chunks(4) {
        let digits: Vec<usize> = quad.iter().filter_map(|&c| value(c)).collect();
        let n = digits.iter().fold(0usize, |n, d| n << 6 | d) << (6 * (4 - digits.len()));
        out.extend_from_slice(
            &[(n >> 16) as u8, (n >> 8) as u8, n as u8][..digits.len().saturating_sub(1)],
        );
    }
    out
}
