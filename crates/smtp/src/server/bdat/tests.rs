//! BDAT: chunks, their refusals, and what cannot be smuggled through them.

use super::super::tests::{lab, say, started, Started};
use super::super::Settings;

fn chunking() -> Settings {
    let mut s = lab();
    s.extensions.chunking = true;
    s
}

fn in_transaction(settings: Settings) -> Started {
    let (mut s, stored) = started(settings);
    say(&mut s, "EHLO c.example\r\n");
    say(&mut s, "MAIL FROM:<a@b.example>\r\n");
    say(&mut s, "RCPT TO:<root>\r\n");
    (s, stored)
}

#[test]
fn offered_only_when_configured() {
    let (mut s, _) = started(lab());
    assert!(!say(&mut s, "EHLO c.example\r\n").contains("CHUNKING"));
    let r = say(&mut s, "BDAT 3 LAST\r\n");
    assert_eq!(r, "500 5.5.1 Command unrecognized: \"BDAT 3 LAST\"\r\n");
    let (mut s, _) = started(chunking());
    assert!(say(&mut s, "EHLO c.example\r\n").contains("250-CHUNKING\r\n"));
}

#[test]
fn chunks_make_one_message_with_lf_line_ends_and_no_unstuffing() {
    let (mut s, stored) = in_transaction(chunking());
    let first = "Subject: chunked\r\n\r\n.leading dot\r\nsplit li";
    let r = say(&mut s, &format!("BDAT {}\r\n{first}", first.len()));
    assert_eq!(r, format!("250 2.0.0 {} bytes received\r\n", first.len()));
    let rest = "ne\r\n.\r\nQUIT\r\nbare\rCR\r\n";
    let r = say(&mut s, &format!("BDAT {} LAST\r\n{rest}", rest.len()));
    assert_eq!(r, "250 2.0.0 QID0001 Message accepted for delivery\r\n");
    let stored = stored.borrow();
    let body = ".leading dot\nsplit line\n.\nQUIT\nbare\rCR\n";
    assert_eq!(String::from_utf8_lossy(&stored[0].1), format!("Subject: chunked\n{body}"));
    assert_eq!(stored[0].2, 1, "one header line");
    assert_eq!(say(&mut s, "NOOP\r\n"), "250 2.0.0 OK\r\n", "in step after the chunks");
}

#[test]
fn a_chunk_may_arrive_in_pieces_and_bdat_0_last_ends() {
    let (mut s, stored) = in_transaction(chunking());
    assert_eq!(say(&mut s, "BDAT 12\r\nSubject"), "");
    assert_eq!(say(&mut s, ": x\r\n"), "250 2.0.0 12 bytes received\r\n");
    assert_eq!(say(&mut s, "BDAT 6\r\n\r\nbody"), "250 2.0.0 6 bytes received\r\n");
    let r = say(&mut s, "BDAT 0 LAST\r\n");
    assert_eq!(r, "250 2.0.0 QID0001 Message accepted for delivery\r\n");
    assert_eq!(stored.borrow()[0].1, b"Subject: x\nbody\n", "the last line ended for it");
}

#[test]
fn refused_chunks_are_read_before_the_reply() {
    let (mut s, stored) = started(chunking());
    say(&mut s, "EHLO c.example\r\n");
    let smuggled = "MAIL FROM:<evil@x.example>\r\n";
    let r = say(&mut s, &format!("BDAT {} LAST\r\n{smuggled}", smuggled.len()));
    assert_eq!(r, "503 5.0.0 Need MAIL command\r\n");
    say(&mut s, "MAIL FROM:<a@b.example>\r\n");
    let r = say(&mut s, &format!("BDAT {}\r\n{smuggled}", smuggled.len()));
    assert_eq!(r, "503 5.0.0 Need RCPT (recipient)\r\n");
    assert!(stored.borrow().is_empty());
}

#[test]
fn data_after_bdat_rset_and_bad_sizes() {
    let (mut s, stored) = in_transaction(chunking());
    say(&mut s, "BDAT 4\r\nA: b");
    assert_eq!(say(&mut s, "DATA\r\n"), "503 5.5.1 DATA not allowed after BDAT\r\n");
    assert_eq!(say(&mut s, "RSET\r\n"), "250 2.0.0 Reset state\r\n");
    assert!(stored.borrow().is_empty());
    let (mut s, _) = in_transaction(chunking());
    let r = say(&mut s, "BDAT -1\r\n");
    assert_eq!(r, "501 5.5.4 Syntax error in parameters\r\n[close]\r\n");
    let (mut s, _) = in_transaction(chunking());
    assert!(say(&mut s, "BDAT 3 NOTLAST\r\n").starts_with("501 5.5.4 "));
}

#[test]
fn limits_hold_for_chunks() {
    let (mut s, stored) = in_transaction(chunking());
    let header = "X-Long: ".to_string() + &"y".repeat(200) + "\r\n\r\nbody\r\n";
    let r = say(&mut s, &format!("BDAT {} LAST\r\n{header}", header.len()));
    assert_eq!(r, "552 5.6.0 Headers too large (100 max)\r\n");
    assert!(stored.borrow().is_empty());
    // A line far longer than what is held at once goes through in pieces.
    let (mut s, stored) = in_transaction(chunking());
    let body = format!("Subject: big\r\n\r\n{}\r\n", "z".repeat(200_000));
    let r = say(&mut s, &format!("BDAT {} LAST\r\n{body}", body.len()));
    assert!(r.ends_with("Message accepted for delivery\r\n"), "{r}");
    assert_eq!(stored.borrow()[0].1.len(), "Subject: big\n".len() + 200_001);
}
