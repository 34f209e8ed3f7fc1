use super::*;
use envelope::{Envelope, Header, Recipient};

const SIMPLE: &[u8] = b"V8\nT1795563096\nK0\nN0\nP30081\nFs\n$_root@localhost\n${daemon_flags}c u\nSroot\nAroot@mail.lab.example\nC:root\nrRFC822; root@mail.lab.example\nRPFD:root\nH?P?Return-Path: <\x81g>\nH??Received: (from root@localhost)\n\tby mail.lab.example id 6AONVaU4019530\n\tfor root; Tue, 24 Nov 2026 23:31:36 GMT\nH??Subject: simple\n.\n";

fn kind(bytes: &[u8]) -> QfErrorKind {
    parse(Path::new("qfX"), bytes).unwrap_err().kind
}

#[test]
fn round_trips_with_continuations_and_macro_byte() {
    let qf = parse(Path::new("qf"), SIMPLE).unwrap();
    assert_eq!(qf.to_bytes(), SIMPLE);
    assert!(qf.is_complete());
    let received = qf.values(Code::Header).nth(1).unwrap();
    assert!(received.starts_with(b"??Received: (from root@localhost)\n\tby"));
    assert_eq!(qf.first(Code::Header).unwrap(), b"?P?Return-Path: <\x81g>");
}

#[test]
fn envelope_reads_and_writes_in_sendmail_order() {
    let qf = parse(Path::new("qf"), SIMPLE).unwrap();
    let env = Envelope::from_queue_file(Path::new("qf"), &qf).unwrap();
    assert_eq!(env.created, 1795563096);
    assert_eq!(env.priority, 30081);
    assert_eq!(env.sender, b"root");
    assert_eq!(env.macros[1], ("{daemon_flags}".to_string(), b"c u".to_vec()));
    assert_eq!(
        env.recipients,
        vec![Recipient {
            flags: "PFD".into(),
            address: b"root".to_vec(),
            controller: Some(b":root".to_vec()),
            final_recipient: Some(b"RFC822; root@mail.lab.example".to_vec()),
            ..Recipient::default()
        }]
    );
    assert_eq!(
        env.headers[0],
        Header { condition: b"P".to_vec(), text: b"Return-Path: <\x81g>".to_vec() }
    );
    assert_eq!(env.to_queue_file().to_bytes(), SIMPLE);
}

#[test]
fn bare_controller_line_ends_the_previous_one() {
    let text = b"V8\nT1\nK0\nN0\nP1\nFs\nS<a@b>\nCx:8:0:<x@y>\nRFDA:t2@s\nC\nRPFD:<t1@s>\n.\n";
    let qf = parse(Path::new("qf"), text).unwrap();
    let env = Envelope::from_queue_file(Path::new("qf"), &qf).unwrap();
    assert_eq!(env.recipients[0].controller.as_deref(), Some(&b"x:8:0:<x@y>"[..]));
    assert_eq!(env.recipients[1].controller, None);
    assert_eq!(env.to_queue_file().to_bytes(), text);
}

/// Issue 16 item 6: a number that does not parse was read as 0, which a rewrite
/// would then have stored; it is an error naming the file and the physical line.
#[test]
fn unparseable_numbers_are_errors_naming_the_line() {
    let envelope = |text: &[u8]| {
        let qf = parse_listing(Path::new("/q/qfA"), text).unwrap();
        Envelope::from_queue_file(Path::new("/q/qfA"), &qf)
    };
    let err = envelope(b"V8\nT1\nKabc\nN0\nP1\n.\n").unwrap_err();
    assert_eq!(err.to_string(), "/q/qfA: line 3: bad number in line \"Kabc\"");
    let err = envelope(b"V8\nH??X: a\n\tb\nP12x\n.\n").unwrap_err();
    assert_eq!((err.line, err.kind), (4, QfErrorKind::BadNumber("P12x".into())));
    for bad in [&b"N-1"[..], b"N 5", b"N+5", b"N", b"N4294967296", b"T99999999999999999999"] {
        let text = [&b"V8\n"[..], bad, b"\n.\n"].concat();
        assert!(envelope(&text).is_err(), "{}", String::from_utf8_lossy(bad));
    }
    let env = envelope(b"V8\nT1795563096\nK0\nN4294967295\nP-5\n.\n").unwrap();
    assert_eq!((env.created, env.attempts, env.priority), (1795563096, u32::MAX, -5));
}

/// Issue 16 item 6: `d`, `I` and `!` lines were dropped by a typed rewrite; they are
/// kept, in sendmail's places (`d I` after `P`, `!` after `A`; the `!` mode byte is
/// raw, 0x02 for `BY=...;R` as the oracle writes it).
#[test]
fn data_dir_inode_and_deliver_by_lines_survive_a_rewrite() {
    let text = b"V8\nT1\nK0\nN0\nP1\nd/var/spool/mqueue/df\nI254/0/10013123\nFs\nS<a@b>\nZabc\nAx@y\n!\x02 86400\nRPFD:<t@s>\nH??Subject: x\n.\n";
    let qf = parse(Path::new("qf"), text).unwrap();
    let env = Envelope::from_queue_file(Path::new("qf"), &qf).unwrap();
    assert_eq!(env.data_dir.as_deref(), Some(&b"/var/spool/mqueue/df"[..]));
    assert_eq!(env.data_inode.as_deref(), Some(&b"254/0/10013123"[..]));
    assert_eq!(env.deliver_by.as_deref(), Some(&b"\x02 86400"[..]));
    assert_eq!(env.to_queue_file().to_bytes(), text);
}

#[test]
fn missing_version_is_an_error() {
    assert_eq!(kind(b"T1\n.\n"), QfErrorKind::MissingVersion);
}

#[test]
fn version_above_8_is_an_error() {
    assert_eq!(kind(b"V9\n.\n"), QfErrorKind::BadVersion("9".into()));
    assert_eq!(kind(b"Vx\n.\n"), QfErrorKind::BadVersion("x".into()));
}

#[test]
fn data_after_end_is_an_error_with_its_line() {
    let err = parse(Path::new("/q/qfA"), b"V8\n.\nSroot\n").unwrap_err();
    assert_eq!(err.kind, QfErrorKind::DataAfterEnd);
    assert_eq!(err.line, 3);
    assert_eq!(err.to_string(), "/q/qfA: line 3: bogus data after the final \".\"");
}

#[test]
fn nul_byte_is_an_error() {
    assert_eq!(kind(b"V8\nSro\0ot\n.\n"), QfErrorKind::Nul);
}

#[test]
fn over_long_line_is_an_error() {
    let mut text = b"V8\nH??Subject: ".to_vec();
    text.extend(std::iter::repeat_n(b'x', MAX_LINE));
    text.extend_from_slice(b"\n.\n");
    assert_eq!(kind(&text), QfErrorKind::LineTooLong);
}

#[test]
fn unknown_letter_is_an_error_in_delivery_but_kept_in_listing() {
    let text = b"V8\nT1\nXbogus line\n.\n";
    assert_eq!(kind(text), QfErrorKind::UnknownLetter("Xbogus line".into()));
    let qf = parse_listing(Path::new("qf"), text).unwrap();
    assert_eq!(qf.lines[2].letter, b'X');
    assert_eq!(qf.to_bytes(), text);
}

#[test]
fn missing_final_dot_is_incomplete_for_delivery_only() {
    assert_eq!(kind(b"V8\nT1\n"), QfErrorKind::Incomplete);
    let qf = parse_listing(Path::new("qf"), b"V8\nT1\n").unwrap();
    assert!(!qf.is_complete());
}

#[test]
fn stray_continuation_and_empty_file() {
    assert_eq!(kind(b"\tby x\n"), QfErrorKind::StrayContinuation);
    assert_eq!(kind(b""), QfErrorKind::Incomplete);
    assert_eq!(kind(b"V8\n\n.\n"), QfErrorKind::EmptyLine);
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for round in 0..20_000 {
        let mut bytes = SIMPLE.to_vec();
        for _ in 0..(round % 7 + 1) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % bytes.len();
            match seed % 3 {
                0 => bytes[at] = (seed >> 8) as u8,
                1 => bytes.truncate(at),
                _ => bytes.insert(at, b"\n\t.V9\0\x81"[(seed >> 16) as usize % 7]),
            }
            if bytes.is_empty() {
                break;
            }
        }
        let results = [parse(Path::new("f"), &bytes), parse_listing(Path::new("f"), &bytes)];
        for qf in results.into_iter().flatten() {
            {
                let _ = Envelope::from_queue_file(Path::new("f"), &qf);
                let mut terminated = bytes.clone();
                if !terminated.is_empty() && terminated.last() != Some(&b'\n') {
                    terminated.push(b'\n');
                }
                assert_eq!(qf.to_bytes(), terminated);
            }
        }
    }
}

#[test]
fn records_skip_continuations_and_stop_at_the_end() {
    let letters: Vec<u8> = records(SIMPLE).map(|(l, _)| l).collect();
    assert_eq!(letters, b"VTKNPF$$SACrRHHH");
    assert_eq!(records(SIMPLE).nth(8), Some((b'S', &b"root"[..])));
    assert_eq!(records(b"V8\n.\nX\n").count(), 1);
}

#[test]
fn check_refuses_values_that_would_add_records() {
    let mut qf = parse(Path::new("qf"), SIMPLE).unwrap();
    assert!(qf.check(Path::new("qf")).is_ok());
    qf.push(Code::Macro, "rx\nRPFD:injected@evil.example");
    let err = qf.check(Path::new("qfX")).unwrap_err();
    assert!(matches!(err.kind, QfErrorKind::Unwritable(_)), "{err}");
    let mut qf = QueueFile::new();
    qf.push(Code::Sender, "a\0b");
    assert!(qf.check(Path::new("q")).is_err());
    let mut qf = QueueFile::new();
    qf.push(Code::Header, "??Received: x\n\tby y");
    assert!(qf.check(Path::new("q")).is_ok());
}
