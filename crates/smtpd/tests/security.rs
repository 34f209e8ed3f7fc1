//! The "security enhancements" block of the sendmail tips (issue 10), loaded from a
//! .mc and seen acting over a real socket: `confPRIVACY_FLAGS`,
//! `confSMTP_LOGIN_MSG` (`$j Sendmail; $b`), `confMIN_FREE_BLOCKS` on a real small
//! file system, `confMAX_HEADERS_LENGTH`, `confMAX_MIME_HEADER_LENGTH` and
//! `confMAX_RCPTS_PER_MESSAGE`; plus `authwarnings` (sendmail's default privacy flag)
//! without HELO. The replies are the oracle's (tests/reference/smtp/mail-before-helo,
//! vrfy-expn-main, max-rcpts, big-header record them with these settings).
//!
//! The tips' `FEATURE(dnsbl)` lines and `delay_checks` are tested against the test's
//! own DNS server in `tests/dns.rs`; `confDOUBLE_BOUNCE_ADDRESS` acts only when a
//! bounce bounces, which is queue-runner's (its `tests/end_to_end.rs`); `restrictqrun`
//! restricts `-q`, which the SMTP daemon does not offer.

mod common;

use common::{python_session, Client, Daemon};

/// The block as the tips page prints it, with the page's mangled closing quotes
/// (`�39;`, `&#039;`) restored to `'` (as printed, m4 would leave a quote open).
const TIPS_BLOCK: &str = "dnl #
dnl #start security mods
define(`confPRIVACY_FLAGS', `authwarnings,novrfy,noexpn,restrictqrun,needmailhelo')dnl
define(`confSMTP_LOGIN_MSG',$j Sendmail; $b)dnl
define(`confMIN_FREE_BLOCKS', `4000')dnl
define(`confMAX_HEADERS_LENGTH', `32000')dnl
define(`confMAX_MIME_HEADER_LENGTH', `1024')dnl
define(`confMAX_RCPTS_PER_MESSAGE', `10')
dnl #end security mods
dnl #
";

/// A daemon with the tips' block after the minimal configuration (whose own
/// `confMIN_FREE_BLOCKS` of 0 the block's 4000 overrides).
fn tips_daemon() -> Daemon {
    Daemon::start(TIPS_BLOCK)
}

/// Everything but the reply lines' text after the code: `code enhanced`.
fn codes(out: &str) -> Vec<String> {
    out.lines().map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect()
}

#[test]
fn the_greeting_is_the_tips_login_message_with_the_date() {
    let daemon = tips_daemon();
    let mut c = Client::connect(daemon.addr);
    let greeting = c.reply();
    let date = greeting
        .strip_prefix("220 mail.test.example ESMTP Sendmail; ")
        .and_then(|g| g.strip_suffix("\r\n"))
        .unwrap_or_else(|| panic!("{greeting}"));
    let when = jiff::fmt::rfc2822::parse(date).unwrap_or_else(|e| panic!("{date}: {e}"));
    let age = jiff::Timestamp::now().duration_since(when.timestamp());
    assert!(age.as_secs().abs() < 60, "$b is the time of the connection: {date}");
}

#[test]
fn the_privacy_flags_refuse_vrfy_expn_and_mail_before_helo() {
    let daemon = tips_daemon();
    let out = python_session(
        daemon.addr,
        "127.0.0.1",
        &["MAIL FROM:<a@example.org>", "VRFY root", "EXPN staff", "EHLO c.example", "QUIT"],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[1], "503 5.0.0 Polite people say HELO first", "{out}");
    let vrfy = "252 2.5.2 Cannot VRFY user; try RCPT to attempt delivery (or try finger)";
    assert_eq!(lines[2], vrfy, "{out}");
    assert_eq!(lines[3], "502 5.7.0 Sorry, we do not allow this operation", "{out}");
    assert!(!out.contains("250-EXPN") && !out.contains("250-VERB"), "{out}");
    assert!(out.contains("250-ETRN"), "the block leaves ETRN alone: {out}");
    let log = common::wait_for(|| Some(daemon.log()).filter(|l| l.contains("[rejected]")));
    assert!(log.contains(": localhost [127.0.0.1]: VRFY root [rejected]"), "{log}");
    assert!(log.contains(": localhost [127.0.0.1]: EXPN staff [rejected]"), "{log}");
}

#[test]
fn goaway_also_refuses_etrn_and_hides_dsn() {
    let daemon = Daemon::start("define(`confPRIVACY_FLAGS', `goaway')dnl\n");
    let out = python_session(daemon.addr, "127.0.0.1", &["EHLO c.example", "ETRN x", "QUIT"]);
    assert!(!out.contains("250-ETRN") && !out.contains("250-DSN"), "{out}");
    assert!(out.contains("502 5.7.0 Sorry, we do not allow this operation\r\n"), "{out}");
}

#[test]
fn the_eleventh_recipient_gets_452_and_ten_are_queued() {
    let daemon = tips_daemon();
    let mut lines = vec!["EHLO c.example".to_string(), "MAIL FROM:<a@example.org>".to_string()];
    lines.extend((1..=11).map(|n| format!("RCPT TO:<root+{n}@mail.test.example>")));
    lines.extend(["DATA", "Subject: many\r\n\r\nhi\r\n.", "QUIT"].map(String::from));
    let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
    let out = python_session(daemon.addr, "127.0.0.1", &refs);
    let got = codes(&out);
    let rcpts: Vec<&str> =
        got.iter().map(String::as_str).filter(|c| c.contains(" 4.5.3")).collect();
    assert_eq!(rcpts, ["452 4.5.3"], "{out}");
    assert!(out.contains("452 4.5.3 Too many recipients\r\n"), "{out}");
    assert_eq!(got.iter().filter(|c| *c == "250 2.1.5").count(), 10, "{out}");
    let queued = daemon.queued();
    assert_eq!(queued.len(), 1, "{out}");
    let qf = qf_text(&daemon);
    assert_eq!(qf.lines().filter(|l| l.starts_with("RPFD:<root+")).count(), 10, "{qf}");
}

/// The first qf of the queue, as text (its `$g` byte, 0x81, shown as U+FFFD).
fn qf_text(daemon: &Daemon) -> String {
    let bytes = std::fs::read(daemon.path("mqueue").join(&daemon.queued()[0])).unwrap();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Sends one message whose header is `header` and returns the final reply.
fn send_with_header(daemon: &Daemon, header: &str) -> String {
    let mut c = common::open_data(daemon);
    c.send(header);
    c.send("\r\nbody\r\n");
    c.say(".")
}

#[test]
fn headers_past_32000_bytes_get_552_and_nothing_is_queued() {
    let daemon = tips_daemon();
    let line = format!("X-Filler: {}\r\n", "y".repeat(68));
    let under = line.repeat(31_000 / line.len());
    assert!(send_with_header(&daemon, &under).starts_with("250 2.0.0 "));
    let over = line.repeat(33_000 / line.len());
    assert_eq!(send_with_header(&daemon, &over), "552 5.6.0 Headers too large (32000 max)\r\n");
    assert_eq!(daemon.queued().len(), 1, "only the first message");
}

/// sendmail cuts MIME headers past `MaxMimeHeaderLength` when it delivers
/// (`putheader`), not when it queues: the oracle's qf keeps a 2,000-byte
/// Content-Type whole with this setting. So does smtpd.
#[test]
fn a_long_mime_header_is_queued_whole_as_sendmail_queues_it() {
    let daemon = tips_daemon();
    let value = format!("text/plain; name=\"{}\"", "a".repeat(2000));
    let reply = send_with_header(&daemon, &format!("Content-Type: {value}\r\nSubject: x\r\n"));
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
    let qf = qf_text(&daemon);
    assert!(qf.contains(&format!("\nH??Content-Type: {value}\n")), "{qf}");
}

/// The tips' 4,000 blocks, on a real 8 MiB tmpfs (2,048 blocks of 4 KiB) under the
/// queue: MAIL gets sendmail's `452 4.4.5`. The same block on the test machine's
/// own file system (far more free) takes the message.
#[test]
fn below_4000_free_blocks_mail_gets_452() {
    let dir = common::minimal(TIPS_BLOCK);
    let queue = dir.path().join("mqueue");
    let Some(_tmpfs) = testkit::tmpfs::Tmpfs::mount(&queue, "8m", 0o700) else { return };
    let daemon = Daemon::run(dir, &[]);
    let out = python_session(
        daemon.addr,
        "127.0.0.1",
        &["EHLO c.example", "MAIL FROM:<a@example.org>", "QUIT"],
    );
    assert!(out.contains("452 4.4.5 Insufficient disk space; try again later\r\n"), "{out}");
    drop(daemon);
    let roomy = tips_daemon();
    let reply = send_with_header(&roomy, "Subject: fits\r\n");
    assert!(reply.starts_with("250 2.0.0 "), "{reply}");
}

/// sendmail's default privacy flag: a transaction without HELO gets
/// `X-Authentication-Warning: $w: <client> didn't use HELO protocol` after the
/// fields sendmail adds, and `$s` is the client's name (as the oracle's qf shows).
#[test]
fn authwarnings_marks_a_message_sent_without_helo() {
    let daemon = Daemon::start("");
    let out = python_session(
        daemon.addr,
        "127.0.0.1",
        &[
            "MAIL FROM:<a@example.org>",
            "RCPT TO:<root>",
            "DATA",
            "Subject: x\r\n\r\nhi\r\n.",
            "QUIT",
        ],
    );
    assert!(out.contains("250 2.0.0 "), "{out}");
    let qf = qf_text(&daemon);
    let w = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let warning = format!(
        "\nH??X-Authentication-Warning: {}: localhost [127.0.0.1] didn't use HELO protocol\nH??Subject: x\n",
        w.trim()
    );
    assert!(qf.contains(&warning), "{qf}");
    assert!(qf.contains("\n$slocalhost\n") && qf.contains("Received: from localhost ("), "{qf}");
    // With EHLO, no warning.
    let quiet = Daemon::start("");
    assert!(send_with_header(&quiet, "Subject: y\r\n").starts_with("250 2.0.0 "));
    let qf = qf_text(&quiet);
    assert!(!qf.contains("X-Authentication-Warning"), "{qf}");
}
