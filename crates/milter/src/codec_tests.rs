//! The codec against bytes captured from Debian's libmilter (python3-milter 1.0.5):
//! a filter answering a scripted MTA, each packet recorded as it arrived.

use super::*;
use crate::consts::{action, step};

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn response(s: &str) -> Response {
    let bytes = hex(s);
    let (r, used) = Response::decode(&bytes).unwrap().unwrap();
    assert_eq!(used, bytes.len());
    assert_eq!(r.encode(), bytes, "{r:?} encodes back to the captured bytes");
    r
}

#[test]
fn libmilter_negotiation_reply() {
    let r = response("0000000d4f00000006000001ff000007db");
    let Response::OptNeg { version, actions, protocol, macros } = r else { panic!("{r:?}") };
    assert_eq!((version, actions, macros), (6, action::ALL, vec![]));
    assert_ne!(protocol & step::NR_HDR, 0, "the filter's header callback is @noreply");
    assert_eq!(protocol & step::NR_BODY, 0);
}

#[test]
fn libmilter_end_of_body_actions() {
    let b = |s: &str| s.as_bytes().to_vec();
    let cases = [
        ("0000000163", Response::Continue),
        (
            "0000000d68582d41646465640079657300",
            Response::AddHeader { name: b("X-Added"), value: b("yes") },
        ),
        (
            "000000156d000000015375626a656374006368616e67656400",
            Response::ChangeHeader { index: 1, name: b("Subject"), value: b("changed") },
        ),
        (
            "000000132b3c6e6577406578616d706c652e6f72673e00",
            Response::AddRcpt(b("<new@example.org>")),
        ),
        (
            "000000132d3c6f6c64406578616d706c652e6f72673e00",
            Response::DelRcpt(b("<old@example.org>")),
        ),
        (
            "00000011653c73406578616d706c652e6f72673e00",
            Response::ChangeFrom { from: b("<s@example.org>"), args: vec![] },
        ),
        ("0000000b626e657720626f64790d0a", Response::ReplaceBody(b("new body\r\n"))),
        ("000000067168656c6400", Response::Quarantine(b("held"))),
        (
            "000000157935353020352e372e31206e6f207468616e6b7300",
            Response::ReplyCode(b("550 5.7.1 no thanks")),
        ),
    ];
    for (bytes, expected) in cases {
        assert_eq!(response(bytes), expected);
    }
}

#[test]
fn commands_as_libmilter_reads_them() {
    // The packets the capture's MTA side sent, which libmilter accepted.
    let connect = Command::Connect {
        host: b"client.example".to_vec(),
        family: Family::Inet(12345, b"127.0.0.2".to_vec()),
    };
    assert_eq!(
        connect.encode(),
        hex("0000001d43636c69656e742e6578616d706c65003430393132372e302e302e3200")
    );
    let neg = Command::OptNeg { version: 6, actions: action::ALL, protocol: step::ALL };
    assert_eq!(neg.encode(), hex("0000000d4f00000006000001ff001fffff"));
    let mail = Command::Mail(vec![b"<a@b.example>".to_vec(), b"SIZE=10".to_vec()]);
    assert_eq!(mail.encode(), hex("000000174d3c6140622e6578616d706c653e0053495a453d313000"));
    assert_eq!(Command::Data.encode(), hex("0000000154"));
}

#[test]
fn every_command_and_response_round_trips() {
    let s = |x: &str| x.as_bytes().to_vec();
    let commands = [
        Command::Macros {
            code: b'C',
            pairs: vec![(s("j"), s("mx")), (s("{daemon_name}"), s("MTA"))],
        },
        Command::Connect { host: s("h"), family: Family::Unknown },
        Command::Connect { host: s("h"), family: Family::Inet6(25, s("::1")) },
        Command::Connect { host: s("localhost"), family: Family::Unix(s("/s")) },
        Command::Helo(s("x")),
        Command::Rcpt(vec![s("<r@x>")]),
        Command::Header { name: s("To"), value: s("a,\r\n\tb") },
        Command::EndOfHeaders,
        Command::Body(s("line\r\n")),
        Command::EndOfBody,
        Command::Abort,
        Command::Quit,
        Command::QuitNc,
        Command::Unknown(s("XFOO bar")),
    ];
    for c in commands {
        let mut bytes = c.encode();
        assert_eq!(Command::decode(&bytes[..bytes.len() - 1]).unwrap(), None, "partial {c:?}");
        bytes.extend_from_slice(b"trailing");
        let (back, used) = Command::decode(&bytes).unwrap().unwrap();
        assert_eq!((back, used), (c, bytes.len() - 8));
    }
    let responses = [
        Response::OptNeg {
            version: 6,
            actions: 1,
            protocol: 2,
            macros: vec![(5, s("{msg_id} i"))],
        },
        Response::InsertHeader { index: 0, name: s("X-First"), value: s("1") },
        Response::AddRcptPar { rcpt: s("<a@b>"), args: s("NOTIFY=NEVER") },
        Response::ChangeFrom { from: s("<a@b>"), args: s("SIZE=1") },
        Response::SetSymList { stage: 2, macros: s("i") },
        Response::Accept,
        Response::Discard,
        Response::Reject,
        Response::Tempfail,
        Response::Shutdown,
        Response::ConnFail,
        Response::Progress,
        Response::Skip,
    ];
    for r in responses {
        assert_eq!(Response::decode(&r.encode()).unwrap().map(|(r, _)| r), Some(r));
    }
}

#[test]
fn bad_packets_are_errors_not_panics() {
    assert_eq!(Response::decode(&hex("00000000")), Err(CodecError::Length(0)));
    assert_eq!(Response::decode(&hex("7fffffff63")), Err(CodecError::Length(0x7fffffff)));
    assert_eq!(Response::decode(&hex("000000015a")), Err(CodecError::Code(b'Z')));
    assert_eq!(Response::decode(&hex("000000037978")).unwrap(), None);
    assert_eq!(Response::decode(&hex("00000003797878")), Err(CodecError::Malformed(b'y')));
    assert_eq!(Response::decode(&hex("0000000263ff")), Err(CodecError::Malformed(b'c')));
    assert_eq!(Command::decode(&hex("000000024300")), Err(CodecError::Malformed(b'C')));
    assert_eq!(Command::decode(&hex("0000000444006100")), Err(CodecError::Malformed(b'D')));
    assert_eq!(Command::decode(&hex("00")).unwrap(), None);
}
