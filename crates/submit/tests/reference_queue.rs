//! submit writes the same queue files as sendmail's MSP for the same input
//! (`tests/reference/queue/01..07`): the same line types, flags and headers,
//! differing only in queue IDs, times and the version string.

mod common;

use common::Lab;
use testkit::oracle::skip;
use testkit::paths;

/// Masks what differs between runs: the ID, times, dates and software version.
fn normalize(qf: &str) -> String {
    let id = qf
        .lines()
        .find_map(|l| l.split(" id ").nth(1))
        .map(|r| r.trim_end_matches(';').split(['\n', ';']).next().unwrap().to_string());
    let mut text = qf.to_string();
    if let Some(id) = id {
        text = text.replace(&id, "QID");
    }
    text = text.replace("8.17.1.9/8.17.1.9/Submit", "VERSION/Submit");
    text =
        text.replace(concat!("ferrymail-", env!("CARGO_PKG_VERSION"), "/Submit"), "VERSION/Submit");
    text.lines().map(mask_line).collect::<Vec<_>>().join("\n")
}

fn mask_line(line: &str) -> String {
    if line.starts_with('T') && line[1..].chars().all(|c| c.is_ascii_digit()) {
        return "T<time>".into();
    }
    let mut out = line.to_string();
    if let Some(at) = out.find(" GMT") {
        // "Tue, 24 Nov 2026 23:31:36 GMT": the date starts at the weekday before it.
        if let Some(start) = out[..at]
            .rfind(", ")
            .and_then(|comma| out[..comma].rfind([' ', '\t']).or(Some(comma.saturating_sub(4))))
        {
            out.replace_range(start + 1..at + 4, "<date>");
        }
    }
    if let Some(at) = out.find("Message-Id: <") {
        out.replace_range(at + 13..at + 25, "<stamp>");
    }
    out
}

fn case(folder: &str, args: &[&str], input: &[u8]) {
    if !common::is_root() {
        skip(format!("{folder}: the reference submissions ran as root"));
        return;
    }
    let lab = Lab::new();
    let mut all = vec!["-odq"];
    all.extend_from_slice(args);
    let out = lab.submit(&all, input);
    assert!(out.status.success(), "{folder}: {}", String::from_utf8_lossy(&out.stderr));
    let ours = lab.messages();
    let theirs =
        common::files(&paths::reference().join("queue").join(folder).join("files/clientmqueue"));
    assert_eq!(ours.len(), 1, "{folder}");
    // Compared as bytes (through a lossless text): sendmail's 0x81 macro byte counts.
    let (ours_qf, theirs_qf) = (common::escaped(&ours[0].0), common::escaped(&theirs[0].0));
    assert_eq!(normalize(&ours_qf), normalize(&theirs_qf), "{folder}: qf differs");
    assert_eq!(ours[0].1, theirs[0].1, "{folder}: df differs");
}

#[test]
fn simple_submission() {
    case(
        "01-submit-simple",
        &["root"],
        b"Subject: simple queued submission\n\nHello root,\nthis is a one-line-ish test body.\n",
    );
}

#[test]
fn dash_t_with_to_cc_bcc() {
    let msg = b"From: root\nTo: root, daemon@mail.lab.example\nCc: Mail Account <mail@mail.lab.example>, someone@sink.example\nBcc: nobody@mail.lab.example\nSubject: -t with To, Cc and Bcc\n\nBody of the -t message.\n";
    case("02-submit-t-to-cc-bcc", &["-t"], msg);
}

#[test]
fn remote_sender_drops_the_full_name() {
    let msg = b"Subject: with -f and -F\n\nSent with an explicit envelope sender and full name.\n";
    case("03-submit-f-F", &["-f", "alice@example.org", "-F", "Alice Q. Example", "root"], msg);
}

#[test]
fn local_sender_keeps_the_full_name_quoted() {
    let msg =
        b"Subject: with -f daemon and -F\n\nExplicit local envelope sender plus a full name.\n";
    case("03b-submit-f-local-F", &["-f", "daemon", "-F", "Daemon Q. Example", "root"], msg);
}

#[test]
fn dsn_flags() {
    let msg = b"Subject: DSN flags\n\nNotify me on success and failure, return headers only.\n";
    case(
        "04-submit-dsn",
        &["-N", "success,failure", "-R", "hdrs", "-V", "QENV-04-0001", "root"],
        msg,
    );
}

#[test]
fn declared_eight_bit_body() {
    let msg = "Subject: 8-bit body\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nGrüße aus Köln — naïve café, ¢5.\n";
    case("05-submit-8bit", &["-B8BITMIME", "root"], msg.as_bytes());
}

#[test]
fn undeclared_eight_bit_body() {
    case(
        "05b-submit-8bit-undeclared",
        &["root"],
        "Subject: undeclared 8-bit body\n\nGrüße, été € 5\n".as_bytes(),
    );
}

#[test]
fn long_headers() {
    let subject: Vec<String> = (0..125).map(|i| format!("word{i:03}")).collect();
    let unfolded: String = (0..3000).map(|i| (b'a' + (i % 26) as u8) as char).collect();
    let refs: Vec<String> =
        (0..40).map(|i| format!("<ref{i:02}.1795560000@host{i:02}.example>")).collect();
    let msg = format!(
        "Subject: {}\nX-Long-Unfolded: {unfolded}\nReferences: {}\n\nBody after very long headers.\n",
        subject.join(" "),
        refs.join("\n\t")
    );
    case("06-submit-long-header", &["root"], msg.as_bytes());
}

#[test]
fn twenty_recipients() {
    let mut args = vec!["root", "daemon", "mail", "nobody"];
    let users: Vec<String> = (1..=16).map(|i| format!("user{i:02}@sink.example")).collect();
    args.extend(users.iter().map(String::as_str));
    case(
        "07-submit-20-rcpts",
        &args,
        b"Subject: twenty recipients\n\nOne message, twenty envelope recipients.\n",
    );
}

#[test]
fn escaping_keeps_every_byte_apart() {
    use common::escaped;
    assert_eq!(escaped(b"H?P?Return-Path: <\x81g>\n"), "H?P?Return-Path: <\\x81g>\n");
    assert_ne!(escaped(b"\x80"), escaped(b"\x81"));
    assert_ne!(escaped(b"\\x81"), escaped(b"\x81"));
    assert_eq!(escaped(b"a\tb\r\0"), "a\tb\\x0d\\x00");
}
