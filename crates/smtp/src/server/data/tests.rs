//! DATA: message text, its limits and the commit's answer.

use super::super::tests::{lab, say, session, started};
use super::super::{CommitError, Settings};

/// `ENOSPC` on Linux: the OS's own report of a full disk.
const ENOSPC: i32 = 28;

fn in_data(settings: Settings) -> super::super::tests::Started {
    let (mut s, stored) = started(settings);
    say(&mut s, "EHLO c.example\r\n");
    say(&mut s, "MAIL FROM:<a@b.example>\r\n");
    say(&mut s, "RCPT TO:<root>\r\n");
    assert_eq!(say(&mut s, "DATA\r\n"), "354 End data with <CR><LF>.<CR><LF>\r\n");
    (s, stored)
}

#[test]
fn sequence_errors() {
    let (mut s, _) = started(lab());
    assert_eq!(say(&mut s, "DATA\r\n"), "503 5.0.0 Need MAIL command\r\n");
    say(&mut s, "MAIL FROM:<a@b.example>\r\n");
    say(&mut s, "RCPT TO:<nobody>\r\n");
    assert_eq!(say(&mut s, "DATA\r\n"), "503 5.0.0 Need RCPT (recipient)\r\n");
}

#[test]
fn dots_are_unstuffed_and_headers_split() {
    let (mut s, stored) = in_data(lab());
    let r = say(&mut s, "Subject: x\r\n  cont\r\n\r\n..\r\n..x\r\n. y\r\n.\r\n");
    assert_eq!(r, "250 2.0.0 QID0001 Message accepted for delivery\r\n");
    let stored = stored.borrow();
    assert_eq!(stored[0].1, b"Subject: x\n  cont\n.\n.x\n y\n");
    assert_eq!(stored[0].0.message_size, 27);
    assert_eq!(stored[0].0.recipients[0].address, "root");
}

#[test]
fn first_non_header_line_starts_the_body() {
    let (mut s, stored) = in_data(lab());
    say(&mut s, "just a body line\r\nSubject: not a header\r\n.\r\n");
    assert_eq!(stored.borrow()[0].1, b"just a body line\nSubject: not a header\n");
}

/// Issue 16 item 0: blanks before the colon (SP, HT, VT, FF) still make a field,
/// and the header goes on after it, as sendmail 8.17 reads it.
#[test]
fn blanks_before_the_colon_keep_the_header_going() {
    let (mut s, stored) = in_data(lab());
    say(&mut s, "Subject: one\r\nX-Foo\t: bar\r\nX-V\x0b: w\r\nX-After: kept?\r\n\r\nbody\r\n");
    say(&mut s, ".\r\n");
    let stored = stored.borrow();
    let text = "Subject: one\nX-Foo\t: bar\nX-V\x0b: w\nX-After: kept?\nbody\n";
    assert_eq!(String::from_utf8_lossy(&stored[0].1), text);
    assert_eq!(stored[0].2, 4, "four header lines");
}

#[test]
fn boundaries_and_long_names_start_the_body() {
    let (mut s, stored) = in_data(lab());
    let long = "X".repeat(101);
    say(&mut s, &format!("Subject: one\r\n{long}: v\r\nX-After: b\r\n.\r\n"));
    assert_eq!(stored.borrow()[0].2, 1);
    let (mut s, stored) = in_data(lab());
    say(&mut s, "Subject: one\r\n--X: v\r\n.\r\n");
    assert_eq!(stored.borrow()[0].2, 1);
}

#[test]
fn del_in_a_field_name_is_553_after_the_dot() {
    let (mut s, stored) = in_data(lab());
    assert_eq!(say(&mut s, "Subject: one\r\nX-A\x7f: bar\r\n\r\nbody\r\n"), "");
    let r = say(&mut s, ".\r\n");
    assert_eq!(r, "553 5.3.0 header syntax error, line \"X-A?: bar\"\r\n");
    assert!(stored.borrow().is_empty());
}

#[test]
fn bare_lf_closes_at_once() {
    let (mut s, stored) = in_data(lab());
    let r = say(&mut s, "Subject: x\r\n\r\nbody\n");
    assert_eq!(r, "421 4.5.0 Bare linefeed (LF) not allowed\r\n[close]\r\n");
    assert!(stored.borrow().is_empty());
    let (mut s, _) = in_data(lab());
    let r = say(&mut s, "body\r\n.\n");
    assert!(r.starts_with("421 4.5.0"));
}

#[test]
fn headers_too_large_after_the_dot() {
    let (mut s, stored) = in_data(lab());
    assert_eq!(say(&mut s, &format!("X-Big: {}\r\n\r\nbody\r\n", "x".repeat(200))), "");
    let r = say(&mut s, ".\r\n");
    assert_eq!(r, "552 5.6.0 Headers too large (100 max)\r\n");
    assert!(stored.borrow().is_empty());
    assert_eq!(say(&mut s, "RCPT TO:<root>\r\n"), "503 5.0.0 Need MAIL before RCPT\r\n");
}

#[test]
fn message_size_limit() {
    let mut settings = lab();
    settings.limits.max_message_size = 10;
    let (mut s, _) = in_data(settings);
    let r = say(&mut s, "\r\n0123456789\r\n.\r\n");
    assert_eq!(r, "552 5.2.3 Message exceeds maximum fixed size (10)\r\n");
}

#[test]
fn long_lines_stream_in_pieces() {
    let (mut s, stored) = in_data(lab());
    say(&mut s, "\r\n");
    let line = "y".repeat(200_000);
    for chunk in line.as_bytes().chunks(30_000) {
        assert_eq!(super::super::tests::text(&s.feed(chunk, false)), "");
    }
    say(&mut s, "\r\n.\r\n");
    let body = &stored.borrow()[0].1;
    assert_eq!(body.len(), 200_001);
    assert!(body.ends_with(b"y\n"));
}

/// The reply to the final dot when the commit fails with `error`.
fn commit_failing_with(error: fn() -> CommitError) -> String {
    let (mut s, stored) = session(lab());
    s.policy_mut().fail_commit = Some(error);
    s.start();
    say(&mut s, "EHLO c.example\r\n");
    say(&mut s, "MAIL FROM:<a@b.example>\r\n");
    say(&mut s, "RCPT TO:<root>\r\n");
    say(&mut s, "DATA\r\n");
    let r = say(&mut s, "body\r\n.\r\n");
    assert!(stored.borrow().is_empty());
    r
}

#[test]
fn failed_commit_is_never_250() {
    let r = commit_failing_with(|| CommitError::Io(std::io::Error::other("fsync failed")));
    assert_eq!(r, "451 4.3.0 Temporary system failure\r\n");
}

/// A full disk is answered as sendmail 8.17.1.9 answers it (the oracle, as `-bs`
/// and as a daemon, its queue on a full tmpfs): `421 4.3.1`, and the session ends.
#[test]
fn a_full_disk_is_421_and_the_end() {
    let r = commit_failing_with(|| CommitError::NoSpace);
    assert_eq!(r, "421 4.3.1 Out of disk space for temp file\r\n[close]\r\n");
    let r = commit_failing_with(|| CommitError::from(std::io::Error::from_raw_os_error(ENOSPC)));
    assert!(r.starts_with("421 4.3.1 "), "{r}");
}

/// A body sink that fails keeps its error's kind: ENOSPC / EDQUOT as `421 4.3.1`.
#[test]
fn a_sink_on_a_full_disk_is_421() {
    for (kind, wanted) in [
        (std::io::ErrorKind::StorageFull, "421 4.3.1 Out of disk space for temp file\r\n"),
        (std::io::ErrorKind::QuotaExceeded, "421 4.3.1 Out of disk space for temp file\r\n"),
        (std::io::ErrorKind::Other, "451 4.3.0 Temporary system failure\r\n"),
    ] {
        let (mut s, stored) = session(lab());
        s.policy_mut().fail_body = Some(kind);
        s.start();
        for command in ["HELO c\r\n", "MAIL FROM:<a@b>\r\n", "RCPT TO:<root>\r\n", "DATA\r\n"] {
            say(&mut s, command);
        }
        let r = say(&mut s, "Subject: x\r\n\r\nbody\r\n.\r\n");
        assert!(r.starts_with(wanted), "{kind:?}: {r}");
        assert!(stored.borrow().is_empty());
    }
}

#[test]
fn lost_input_during_data_aborts() {
    let (mut s, stored) = in_data(lab());
    say(&mut s, "half a message\r\n");
    let r = super::super::tests::text(&s.eof());
    assert!(r.starts_with("421 4.4.1 mail.example Lost input channel from localhost [127.0.0.1]"));
    assert!(stored.borrow().is_empty());
}
