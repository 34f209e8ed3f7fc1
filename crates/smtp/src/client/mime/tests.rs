//! The converter against what the real sendmail sent to a server without 8BITMIME
//! (recorded with the oracle: `EightBitMode=pass`, `esmtp` flags, `L=990`).

use super::*;

/// Runs `headers` + `body` through scan, converter and encoder.
fn convert(headers: &str, body: &[u8]) -> (Plan, String) {
    let mut scan = Scan::default();
    scan.feed(body);
    let mut c = Converter::new(headers.as_bytes(), scan, "mail.lab.example", "QID");
    let mut enc = DataEncoder::new(990);
    let mut out = Vec::new();
    c.headers(&mut enc, &mut out);
    for chunk in body.chunks(7) {
        c.body(chunk, &mut enc, &mut out);
    }
    c.finish(&mut enc, &mut out);
    enc.finish(&mut out);
    (c.plan().clone(), String::from_utf8(out).unwrap())
}

fn crlf(lines: &[&str]) -> String {
    lines.iter().map(|l| format!("{l}\r\n")).collect()
}

#[test]
fn base64_as_recorded() {
    let body = format!("{}\nline two \u{e9}\u{e9}\u{e9}\n\nlast\n", "\u{e9}".repeat(30));
    let (plan, out) = convert("Subject: b64\nMIME-Version: 1.0\n", body.as_bytes());
    assert_eq!(plan, Plan::Base64);
    assert_eq!(
        out,
        crlf(&[
            "Subject: b64",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=unknown-8bit",
            "Content-Transfer-Encoding: base64",
            "X-MIME-Autoconverted: from 8bit to base64 by mail.lab.example id QID",
            "",
            "w6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOpw6nDqcOp",
            "w6nDqcOpDQpsaW5lIHR3byDDqcOpw6kNCg0KbGFzdA0K",
            ".",
        ])
    );
}

#[test]
fn base64_of_the_first_recording_drops_the_old_encoding() {
    let headers = "Subject: t\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
                   Content-Transfer-Encoding: 8bit\n";
    let (plan, out) = convert(headers, "Gr\u{fc}\u{df}e line one\nplain line\n".as_bytes());
    assert_eq!(plan, Plan::Base64);
    assert!(!out.contains("8bit\r\n"), "{out}");
    assert!(
        out.ends_with(
            "by mail.lab.example id QID\r\n\r\nR3LDvMOfZSBsaW5lIG9uZQ0KcGxhaW4gbGluZQ0K\r\n.\r\n"
        ),
        "{out}"
    );
}

#[test]
fn quoted_printable_as_recorded() {
    let body = [
        "Gr\u{fc}\u{df}e aus K\u{f6}ln, this line is mostly ASCII text and long enough to need a soft break somewhere",
        "trailing space ",
        "tab\t",
        ".",
        "..dots",
        "a=b",
        "From me",
        &format!("{}.y", "x".repeat(74)),
        &format!("{}..z", "y".repeat(73)),
        &format!("{}. .", "w".repeat(71)),
        "cr\rhere",
        "end",
    ]
    .join("\n")
        + "\n";
    let headers = "Subject: qp\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
                   Content-Transfer-Encoding: 8bit\n";
    let (plan, out) = convert(headers, body.as_bytes());
    assert_eq!(plan, Plan::QuotedPrintable);
    let x = format!("{}=", "x".repeat(73));
    let y = format!("{}=", "y".repeat(73));
    let w = format!("{}. .", "w".repeat(71));
    assert_eq!(
        out,
        crlf(&[
            "Subject: qp",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "X-MIME-Autoconverted: from 8bit to quoted-printable by mail.lab.example id QID",
            "",
            "Gr=C3=BC=C3=9Fe aus K=C3=B6ln, this line is mostly ASCII text and long en=",
            "ough to need a soft break somewhere",
            "trailing space=20",
            "tab=09",
            "=2E",
            "...dots",
            "a=3Db",
            "From me",
            &x,
            "x.y",
            &y,
            "...z",
            &w,
            "cr=0Dhere",
            "end",
            ".",
        ])
    );
}

#[test]
fn an_encoded_body_is_copied_with_its_encoding() {
    let headers = "Subject: copy\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\
                   Content-Transfer-Encoding: quoted-printable\n";
    let (plan, out) = convert(headers, "Gr\u{fc}=C3=9Fe\n".as_bytes());
    assert_eq!(plan, Plan::Copy(Some("quoted-printable".into())));
    assert_eq!(
        out,
        crlf(&[
            "Subject: copy",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Gr\u{fc}=C3=9Fe",
            ".",
        ])
    );
}

#[test]
fn multipart_passes_untouched() {
    let headers = "MIME-Version: 1.0\nContent-Type: multipart/mixed;\n boundary=\"b\"\nContent-Transfer-Encoding: 8bit\n";
    let body = "--b\nContent-Type: text/plain\n\n\u{e9}\n--b--\n";
    let (plan, out) = convert(headers, body.as_bytes());
    assert_eq!(plan, Plan::Pass);
    assert_eq!(
        out,
        format!("{}\r\n{}.\r\n", headers.replace('\n', "\r\n"), body.replace('\n', "\r\n"))
    );
}

#[test]
fn the_scan_stops_as_sendmails_heuristic_does() {
    let mut scan = Scan::default();
    scan.feed(&[0xe9; 5000]);
    // Pieces of 2047 bytes: after the second (4094 bytes) the count is not yet 4096;
    // the third piece is not complete.
    assert!(!scan.is_done());
    scan.feed(&[0xe9; 2000]);
    // After the third piece (6141 bytes, all 8-bit) the scan stops counting.
    assert!(scan.is_done());
    assert_eq!((scan.size, scan.high), (6141, 6141));
    let mut scan = Scan::default();
    scan.feed(&[b'a'; 10000]);
    assert!(!scan.is_done());
    assert_eq!(scan.high, 0);
}

#[test]
fn comments_and_case_in_the_headers() {
    let headers = "Content-Type: TEXT/plain (the usual); charset=utf-8\nContent-Transfer-Encoding: 8Bit (raw)\n";
    let (plan, out) = convert(headers, b"\xe9\xe9\xe9\n");
    assert_eq!(plan, Plan::Base64);
    assert!(
        out.starts_with(
            "Content-Type: TEXT/plain (the usual); charset=utf-8\r\nMIME-Version: 1.0\r\n"
        ),
        "{out}"
    );
}
