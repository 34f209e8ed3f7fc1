//! The sendmail command line: the calls real programs make, sendmail's messages and
//! exit codes for bad ones (reference cli/*.txt and the oracle), hostile input.

mod common;

use common::Lab;
use testkit::oracle::skip;

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn qf_lines(qf: &str, letter: char) -> Vec<&str> {
    qf.lines().filter(|l| l.starts_with(letter)).collect()
}

#[test]
fn cron_call() {
    let lab = Lab::new();
    let out = lab.submit(
        &["-odq", "-i", "-FCronDaemon", "-B8BITMIME", "-oem", "root"],
        b"Subject: Cron <root@host> run-parts\n\nok\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let msgs = lab.messages();
    assert_eq!(msgs.len(), 1);
    let qf = &common::escaped(&msgs[0].0);
    assert!(qf.contains("\nB8BITMIME\n"), "{qf}");
    assert!(qf.contains("\nH?F?From: CronDaemon <"), "{qf}");
    assert!(qf.contains("\nH?x?Full-Name: CronDaemon\n"), "{qf}");
    assert_eq!(msgs[0].1, b"ok\n");
}

#[test]
fn php_mail_call_takes_recipients_from_the_header_and_keeps_dots() {
    let lab = Lab::new();
    let msg = b"To: someone@example.net\nSubject: php\nBcc: hidden@example.net\n\nline\n.\nafter the dot\n";
    let out = lab.submit(&["-odq", "-t", "-i"], msg);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (qf, df) = &lab.messages()[0];
    let qf = &common::escaped(qf);
    assert_eq!(qf_lines(qf, 'R'), ["RPFD:someone@example.net", "RPFD:hidden@example.net"]);
    assert!(qf.contains("\nFbs\n"), "-t sets the delete-Bcc flag: {qf}");
    assert_eq!(df, b"line\n.\nafter the dot\n");
}

#[test]
fn mutt_call_with_double_dash() {
    let lab = Lab::new();
    let out = lab.submit(
        &["-odq", "-oem", "-oi", "--", "a@example.org", "b@example.org"],
        b"Subject: m\n\nbody\n",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        qf_lines(&common::escaped(&lab.messages()[0].0), 'R'),
        ["RPFD:a@example.org", "RPFD:b@example.org"]
    );
}

#[test]
fn git_send_email_call() {
    let lab = Lab::new();
    let msg = b"From: Dev <dev@example.org>\nTo: list@example.org\nMessage-Id: <patch-1@example.org>\nDate: Tue, 24 Nov 2026 23:00:00 +0000\nSubject: [PATCH] x\n\n---\n.\n";
    let out = lab.submit(&["-odq", "-i", "list@example.org"], msg);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (qf, df) = &lab.messages()[0];
    let qf = &common::escaped(qf);
    assert!(!qf.contains("H?D?Date"), "the message's own Date is kept alone: {qf}");
    assert!(!qf.contains("H?M?Message-Id") && !qf.contains("H?F?From"), "{qf}");
    assert!(qf.contains("\nH??Message-Id: <patch-1@example.org>\n"));
    assert_eq!(df, b"---\n.\n");
}

#[test]
fn client_queue_files_are_group_readable_and_mta_queue_files_private() {
    use std::os::unix::fs::PermissionsExt;
    let lab = Lab::new();
    assert!(lab.submit(&["-odq", "root"], b"x\n").status.success());
    for entry in std::fs::read_dir(&lab.queue).unwrap() {
        assert_eq!(entry.unwrap().metadata().unwrap().permissions().mode() & 0o777, 0o660);
    }
    let lab = Lab::with_mc("define(`confQUEUE_FILE_MODE', `0640')dnl\n");
    assert!(lab.submit(&["-odq", "root"], b"x\n").status.success());
    for entry in std::fs::read_dir(&lab.queue).unwrap() {
        assert_eq!(entry.unwrap().metadata().unwrap().permissions().mode() & 0o777, 0o640);
    }
}

#[test]
fn without_dash_i_a_lone_dot_ends_the_message() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "root"], b"Subject: x\n\nbody\n.\nnot part of it\n");
    assert!(out.status.success());
    assert_eq!(lab.messages()[0].1, b"body\n");
}

#[test]
fn crlf_input_is_stored_with_lf_and_the_size_counts_it_so() {
    let lab = Lab::new();
    let out = lab.submit(
        &["-odq", "root"],
        b"Subject: crlf\r\nX-A: b\r\n\r\nline1\r\nline2 bare\nnul\0byte\n",
    );
    assert!(out.status.success());
    let (qf, df) = &lab.messages()[0];
    let qf = &common::escaped(qf);
    assert_eq!(df, b"line1\nline2 bare\nnul\0byte\n");
    // sendmail: P30048 for the same input (size 48).
    assert!(qf.contains("\nP30048\n"), "{qf}");
}

/// Descriptors 0-2 closed by the caller: what submit prints still goes nowhere harmful
/// and the exit code is the one for the run (Rust's runtime opens `/dev/null` on closed
/// standard descriptors before `main`; submit's privileges module relies on it).
#[test]
fn closed_standard_descriptors_are_reopened_on_dev_null() {
    let lab = Lab::new();
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"exec "$0" -C "$1" -odq -h abc root <&- >&- 2>&-"#)
        .arg(env!("CARGO_BIN_EXE_submit"))
        .arg(&lab.mc)
        .status()
        .unwrap();
    // "Bad hop count (abc)" was written to stdout: 64, not a failed write.
    assert_eq!(status.code(), Some(64));
    let msgs = lab.messages();
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].1.is_empty(), "stdin read as an empty message");
    spool::qf::parse(std::path::Path::new("qf"), &msgs[0].0).unwrap();
}

#[test]
fn no_recipients_at_all_is_a_usage_error() {
    let out = Lab::new().submit(&["-odq"], b"");
    assert_eq!(
        (stdout(&out).as_str(), out.status.code()),
        ("Recipient names must be specified\n", Some(64))
    );
}

#[test]
fn dash_t_without_recipients_says_so_and_queues_nothing() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "-t"], b"Subject: none\n\nx\n");
    assert_eq!(
        (stdout(&out).as_str(), out.status.code()),
        ("No recipient addresses found in header\n", Some(0))
    );
    assert!(lab.messages().is_empty());
}

#[test]
fn a_bad_sender_is_reported_twice_and_the_message_queued_anyway() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "-f", "<bad", "root"], b"Subject: dash-f test\n\nbody\n");
    assert_eq!(stdout(&out), "<bad... Unbalanced '<'\n<bad... Unbalanced '<'\n");
    assert_eq!(out.status.code(), Some(64));
    let qf = &common::escaped(&lab.messages()[0].0);
    assert!(qf.contains("\nS<bad\n") && qf.contains("\nP30027\n"), "{qf}");
}

#[test]
fn a_bad_recipient_is_reported_once_and_queued_and_an_empty_one_skipped() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "<root"], b"Subject: bad rcpt\n\nbody\n");
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("<root... Unbalanced '<'\n", Some(64)));
    assert_eq!(qf_lines(&common::escaped(&lab.messages()[0].0), 'R'), ["RPFD:<root"]);
    let lab = Lab::new();
    let out = lab.submit(&["-odq", ""], b"Subject: bad rcpt\n\nbody\n");
    assert_eq!(out.status.code(), Some(0));
    assert!(lab.messages().is_empty());
}

#[test]
fn null_sender_and_empty_message() {
    let lab = Lab::new();
    assert!(lab.submit(&["-odq", "-f", "", "root"], b"Subject: n\n\nb\n").status.success());
    assert!(common::escaped(&lab.messages()[0].0).contains("\nS<>\n"));
    let lab = Lab::new();
    assert!(lab.submit(&["-odq", "root"], b"").status.success());
    let (qf, df) = &lab.messages()[0];
    let qf = &common::escaped(qf);
    assert!(qf.contains("\nP30000\n") && df.is_empty(), "{qf}");
}

#[test]
fn sendmails_usage_messages_and_exit_codes() {
    let lab = Lab::new();
    let cases: &[(&[&str], &str)] = &[
        (&["-Z"], "illegal option -- Z"),
        (&["-X"], "option requires an argument -- X"),
        (&["-bz"], "Frozen configurations unsupported"),
        (&["-bo", "root"], "Invalid operation mode o"),
        (&["-N", "bogus", "root"], "Invalid -N argument"),
        (&["-R", "bogus", "root"], "Invalid -R value"),
        (&["-B", "foo", "root"], "Illegal body type foo"),
        (&["-qZ"], "Invalid time unit `Z'"),
    ];
    for (args, message) in cases {
        let out = lab.submit(args, b"");
        assert_eq!(out.status.code(), Some(64), "{args:?}");
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    assert!(lab.messages().is_empty());
}

#[test]
fn a_bad_hop_count_is_reported_but_the_message_queued() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "-h", "abc", "root"], b"x\n");
    assert_eq!((stdout(&out).as_str(), out.status.code()), ("Bad hop count (abc)\n", Some(64)));
    assert_eq!(lab.messages().len(), 1);
}

#[test]
fn address_test_mode_and_host_status_say_they_are_not_provided() {
    let lab = Lab::new();
    for args in [&["-bt"][..], &["-bh"][..]] {
        let out = lab.submit(args, b"");
        assert_eq!(out.status.code(), Some(69), "{args:?}");
        assert!(stderr(&out).starts_with("submit: "), "{}", stderr(&out));
    }
}

#[test]
fn version_information() {
    let out = Lab::new().submit(&["-d0.1", "-bv", "root"], b"");
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "Version ferrymail {}\n Compiled with: ",
            env!("CARGO_PKG_VERSION")
        )),
        "{text}"
    );
    assert!(text.contains("  (canonical domain name) $j = mail.lab.example\n"), "{text}");
}

#[test]
fn dsn_envid_protocol_and_macros() {
    let lab = Lab::new();
    let out = lab.submit(
        &["-odq", "-N", "never", "-V", "ENV1", "-R", "full", "-pUUCP:gateway.example", "root"],
        b"x\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let qf = &common::escaped(&lab.messages()[0].0);
    assert!(
        qf.contains("\nFds\n") && qf.contains("\nZENV1\n") && qf.contains("\nRPN:root\n"),
        "{qf}"
    );
    assert!(qf.contains("\n$rUUCP\n$sgateway.example\n"), "{qf}");
}

#[test]
fn transcript_file_records_the_input() {
    let lab = Lab::new();
    let log = lab.dir.path().join("x.log");
    let out = lab.submit(&["-odq", "-X", log.to_str().unwrap(), "root"], b"Subject: t\n\nb\n");
    assert!(out.status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().all(|l| l.contains(" <<< ")) && text.contains("<<< Subject: t"), "{text}");
}

#[test]
fn hostile_sender_with_a_line_break_is_refused_and_nothing_queued() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "-f", "a@b\r\nRPFD:evil", "root"], b"x\n");
    assert_eq!(out.status.code(), Some(64));
    assert!(lab.messages().is_empty());
    let out = lab.submit(&["-odq", "-F", "Evil\nH??X-Injected: 1", "root"], b"x\n");
    assert!(out.status.success());
    let raw = &lab.messages()[0].0;
    let qf = &common::escaped(raw);
    assert!(!qf.contains("\nH??X-Injected"), "{qf}");
    spool::qf::parse(std::path::Path::new("qf"), raw).unwrap();
}

#[test]
fn a_huge_header_line_is_refused_without_reading_everything() {
    let lab = Lab::new();
    let mut input = b"Subject: ".to_vec();
    input.extend(std::iter::repeat_n(b'x', 1 << 20));
    let out = lab.submit(&["-odq", "root"], &input);
    assert_eq!(out.status.code(), Some(65));
    assert!(stderr(&out).contains("Headers too large (32768 max)"), "{}", stderr(&out));
    assert!(lab.messages().is_empty());
    assert!(std::fs::read_dir(&lab.queue).unwrap().next().is_none(), "no df left behind");
}

#[test]
fn a_gigabyte_of_input_with_no_newline_is_refused_early() {
    let lab = Lab::new();
    let input = vec![b'A'; 1 << 30];
    let out = lab.submit(&["-odq", "root"], &input);
    assert_eq!(out.status.code(), Some(65));
    assert!(lab.messages().is_empty());
}

#[test]
fn a_long_body_line_and_nul_bytes_are_kept() {
    let lab = Lab::new();
    let mut input = b"Subject: big\n\n".to_vec();
    input.extend(std::iter::repeat_n(b'y', 16 << 20));
    input.extend_from_slice(b"\0end");
    let out = lab.submit(&["-odq", "root"], &input);
    assert!(out.status.success(), "{}", stderr(&out));
    let df = &lab.messages()[0].1;
    assert_eq!(df.len(), (16 << 20) + 4);
    assert!(df.ends_with(b"\0end"));
}

#[test]
fn nul_in_a_header_is_refused() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "root"], b"Subject: a\0b\n\nx\n");
    assert_eq!(out.status.code(), Some(65));
    assert!(lab.messages().is_empty());
}

/// Issue 16 item 0, on stdin: sendmail 8.17.1.9 (`-odq`, oracle) keeps the three
/// fields, stores `X-Foo<TAB>: bar` as `H??X-Foo: bar`, keeps the bytes after a colon
/// as written (`X-A:bar`), and the df holds only the body.
#[test]
fn blanks_before_the_colon_keep_every_header_field() {
    let lab = Lab::new();
    let text = b"Subject: one\nX-Foo\t: bar\nX-A:bar\nX-After: kept?\n\nbody\n";
    let out = lab.submit(&["-odq", "root"], text);
    assert!(out.status.success(), "{}", stderr(&out));
    let (raw, df) = &lab.messages()[0];
    let qf = common::escaped(raw);
    assert!(
        qf.contains("\nH??Subject: one\nH??X-Foo: bar\nH??X-A:bar\nH??X-After: kept?\n.\n"),
        "{qf}"
    );
    assert_eq!(df, b"body\n");
}

/// sendmail answers a DEL in a field name with `553 5.3.0 header syntax error`; on
/// stdin it then mails the message back and exits 70. submit queues no bounces, so
/// it refuses the message and says why, as it does for an oversized header (65).
#[test]
fn del_in_a_field_name_is_refused() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "root"], b"Subject: one\nX-A\x7f: bar\n\nbody\n");
    assert_eq!(out.status.code(), Some(65));
    assert!(
        stderr(&out).contains("header syntax error, line \"X-A\x7f: bar\""),
        "{}",
        stderr(&out)
    );
    assert!(std::fs::read_dir(&lab.queue).unwrap().next().is_none(), "nothing left behind");
}

#[test]
fn ten_thousand_recipients() {
    let lab = Lab::new();
    let rcpts: Vec<String> = (0..10_000).map(|i| format!("user{i}@example.org")).collect();
    let mut args = vec!["-odq"];
    args.extend(rcpts.iter().map(String::as_str));
    let out = lab.submit(&args, b"Subject: many\n\nx\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let raw = &lab.messages()[0].0;
    assert_eq!(qf_lines(&common::escaped(raw), 'R').len(), 10_000);
    spool::qf::parse(std::path::Path::new("qf"), raw).unwrap();
}

#[test]
fn verify_mode_uses_the_aliases() {
    let lab = Lab::with_mc("");
    let aliases = lab.dir.path().join("aliases");
    std::fs::write(&aliases, "postmaster: root\nstaff: root, daemon\n").unwrap();
    let mc = std::fs::read_to_string(&lab.mc).unwrap()
        + &format!("define(`ALIAS_FILE', `text:{}')dnl\n", aliases.display());
    std::fs::write(&lab.mc, mc).unwrap();
    let out = lab.submit(&["-bv", "postmaster", "nosuchuser"], b"");
    // sendmail prints the failures first (reference aliases/bv-multi.txt).
    assert_eq!(
        stdout(&out),
        "nosuchuser... User unknown\nroot... deliverable: mailer local, user root\n"
    );
    assert_eq!(out.status.code(), Some(67));
}

/// The mailertable is the one `FEATURE(mailertable)` names, not /etc/mail/mailertable
/// (issue 16 item 4); one that is named but missing is reported as sendmail reports it
/// (`sendmail -bv` on the oracle with `Kmailertable text /missing`: `text map
/// "mailertable": unsafe map file /missing`, routing without it, exit 70).
#[test]
fn verify_mode_routes_with_the_configured_mailertable() {
    let dir = tempfile::tempdir().unwrap();
    let mt = dir.path().join("mt");
    std::fs::write(&mt, "closed.example smtp:[127.0.0.1]\n").unwrap();
    let lab = Lab::with_mc(&format!(
        "FEATURE(`mailertable', `text {}')dnl\ndefine(`SMART_HOST', `relay:[127.0.0.2]')dnl\n",
        mt.display()
    ));
    let out = lab.submit(&["-bv", "a@closed.example", "b@far.example"], b"");
    assert_eq!(
        stdout(&out),
        "a@closed.example... deliverable: mailer smtp, host [127.0.0.1], user a@closed.example\n\
         b@far.example... deliverable: mailer relay, host [127.0.0.2], user b@far.example\n"
    );
    assert_eq!(out.status.code(), Some(0));
    std::fs::remove_file(&mt).unwrap();
    let out = lab.submit(&["-bv", "a@closed.example"], b"");
    assert_eq!(
        stdout(&out),
        format!(
            "text map \"mailertable\": unsafe map file {}\n\
             a@closed.example... deliverable: mailer relay, host [127.0.0.2], user a@closed.example\n",
            mt.display()
        )
    );
    assert_eq!(out.status.code(), Some(70));
}

/// A copy of submit alone in a directory of its own runs `-q` and `-bd` by the programs
/// beside it, and says which is missing when one is not there. (The build directory
/// may hold a real queue-runner or smtpd, so the test never looks there.)
#[test]
fn the_queue_runner_and_daemon_are_found_beside_or_reported_missing() {
    let lab = Lab::new();
    let bin = lab.dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_submit"), bin.join("submit")).unwrap();
    let run = |flag: &str| {
        let mut cmd = std::process::Command::new(bin.join("submit"));
        cmd.arg("-C").arg(&lab.mc).arg(flag).stdin(std::process::Stdio::null());
        // The copy was just written: a child another test forks meanwhile may still
        // hold it open for writing ("Text file busy") until that child execs.
        for _ in 0..50 {
            match cmd.output() {
                Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                result => return result.unwrap(),
            }
        }
        panic!("{} stayed busy", bin.join("submit").display())
    };
    for (flag, program) in [("-q", "queue-runner"), ("-bd", "smtpd")] {
        if std::path::Path::new("/usr/lib/ferrymail").join(program).exists() {
            skip(format!("/usr/lib/ferrymail/{program} is installed: it is never missing here"));
            return;
        }
        let out = run(flag);
        assert_eq!(out.status.code(), Some(69), "{flag}: {}", stderr(&out));
        assert!(stderr(&out).contains(&format!("needs the {program} program")), "{}", stderr(&out));
        // echo stands in for the program: it shows the command line it was given.
        std::os::unix::fs::symlink("/bin/echo", bin.join(program)).unwrap();
        let out = run(flag);
        assert_eq!(out.status.code(), Some(0), "{flag}: {}", stderr(&out));
        assert!(stdout(&out).contains(flag), "{flag}: {}", stdout(&out));
    }
}

#[test]
fn bp_and_bi_run_mailq_and_newaliases() {
    let lab = Lab::new();
    lab.submit(&["-odq", "root"], b"x\n");
    let out = lab.submit(&["-bp", "-Ac"], b"");
    assert!(stdout(&out).contains("(1 request)"), "{}{}", stdout(&out), stderr(&out));
    let aliases = lab.dir.path().join("aliases");
    std::fs::write(&aliases, "postmaster: root\n").unwrap();
    let out = lab.submit(&["-bi", "-O", &format!("AliasFile={}", aliases.display())], b"");
    assert!(stdout(&out).contains("1 aliases"), "{}{}", stdout(&out), stderr(&out));
    assert!(lab.dir.path().join("aliases.db").exists());
}

#[test]
fn called_as_mailq_or_hoststat() {
    let lab = Lab::new();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_submit"));
    let link = lab.dir.path().join("hoststat");
    std::os::unix::fs::symlink(bin, &link).unwrap();
    let out = std::process::Command::new(&link).output().unwrap();
    assert_eq!(out.status.code(), Some(69));
    assert!(stderr(&out).contains("not supported"), "{}", stderr(&out));
}

#[test]
fn flags_that_change_nothing_in_a_queued_message_are_accepted() {
    // -G (gateway), -U (initial submission), -n (no aliasing: done at delivery),
    // -v (verbose: nothing to show with -odq), -L tag (syslog ident), -Ms (macro).
    let lab = Lab::new();
    let out = lab
        .submit(&["-odq", "-G", "-U", "-n", "-v", "-L", "mytag", "-Msgw.example", "root"], b"x\n");
    assert!(out.status.success(), "{}", stderr(&out));
    let qf = &common::escaped(&lab.messages()[0].0);
    assert!(qf.contains("\n$sgw.example\n") && qf.contains("\nRPFD:root\n"), "{qf}");
}

#[test]
fn am_writes_to_the_mta_queue_privately() {
    use std::os::unix::fs::PermissionsExt;
    let lab = Lab::new();
    let mqueue = lab.dir.path().join("mqueue");
    std::fs::create_dir(&mqueue).unwrap();
    let mc = std::fs::read_to_string(&lab.mc).unwrap()
        + &format!("define(`QUEUE_DIR', `{}')dnl\n", mqueue.display());
    std::fs::write(&lab.mc, mc).unwrap();
    assert!(lab.submit(&["-Am", "-odq", "root"], b"x\n").status.success());
    assert!(lab.messages().is_empty(), "nothing in the client queue");
    let files: Vec<_> = std::fs::read_dir(&mqueue).unwrap().map(|e| e.unwrap()).collect();
    assert_eq!(files.len(), 2);
    for f in files {
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    }
}

/// As sendmail's MSP for an untrusted caller (checked on the oracle: nobody running
/// `sendmail -C submit.cf -O QueueDirectory=... -f bob@example.org`): a warning for
/// the sender set with -f, no A line, warnings for the moved queue and config.
#[test]
fn an_untrusted_caller_gets_authentication_warnings() {
    if !common::is_root() || !std::path::Path::new("/usr/bin/setpriv").exists() {
        skip("needs root and setpriv to run as nobody");
        return;
    }
    let lab = Lab::new();
    for path in [lab.dir.path(), lab.queue.as_path()] {
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .unwrap();
    }
    std::fs::set_permissions(&lab.mc, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_submit"))
        .arg("-C")
        .arg(&lab.mc)
        .args(["-odq", "-f", "bob@example.org", "root"])
        .stdin(std::fs::File::open("/dev/null").unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let qf = &common::escaped(&lab.messages()[0].0);
    let w = spool::host::system_name();
    assert!(qf.contains("\nSbob@example.org\n") && !qf.contains("\nA"), "{qf}");
    assert!(
        qf.contains(&format!(
            "\nH??X-Authentication-Warning: {w}: nobody set sender to bob@example.org using -f\n"
        )),
        "{qf}"
    );
    assert!(
        qf.contains(&format!(
            "\nH??X-Authentication-Warning: {w}: Processed by nobody with -C {}\n",
            lab.mc.display()
        )),
        "{qf}"
    );
    assert!(qf.contains("$_nobody@localhost"), "{qf}");
    assert!(!qf.contains("Processed from queue"), "the queue was not moved: {qf}");
}

#[test]
fn macro_and_protocol_values_cannot_add_queue_file_lines() {
    let lab = Lab::new();
    for args in
        [&["-Mrx\nRPFD:injected@evil.example", "root"][..], &["-px\nRPFD:i@e:host", "root"][..]]
    {
        let mut all = vec!["-odq"];
        all.extend_from_slice(args);
        let out = lab.submit(&all, b"x\n");
        assert_eq!(out.status.code(), Some(64), "{args:?}");
    }
    assert!(lab.messages().is_empty());
}

#[test]
fn a_control_character_in_a_header_recipient_is_reported_and_left_out() {
    let lab = Lab::new();
    let out = lab.submit(&["-odq", "-t"], b"To: good@example.org, bad\x01x@example.org\n\nx\n");
    assert_eq!(out.status.code(), Some(64));
    assert!(stdout(&out).contains("Invalid control character in address"), "{}", stdout(&out));
    assert_eq!(qf_lines(&common::escaped(&lab.messages()[0].0), 'R'), ["RPFD:good@example.org"]);
}

#[test]
fn an_unwritable_queue_is_a_temporary_failure_and_leaves_nothing() {
    // A file where the queue directory should be: unwritable even for root.
    let lab = Lab::new();
    std::fs::remove_dir(&lab.queue).unwrap();
    std::fs::write(&lab.queue, b"not a directory").unwrap();
    let out = lab.submit(&["-odq", "root"], b"x\n");
    assert_eq!(out.status.code(), Some(75), "{}", stderr(&out));
    assert!(stderr(&out).starts_with("submit: cannot queue in "), "{}", stderr(&out));
    assert_eq!(stderr(&out).matches("Not a directory").count(), 1, "{}", stderr(&out));
}

/// The (real, effective) gid of process `pid`, from `/proc/<pid>/status`.
fn gids(pid: u32) -> (u32, u32) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find_map(|l| l.strip_prefix("Gid:")).unwrap();
    let ids: Vec<u32> = line.split_whitespace().map(|n| n.parse().unwrap()).collect();
    (ids[0], ids[1])
}

/// Runs `copy` as nobody:nogroup in `-bs` mode with `args` first; returns its (real,
/// effective) gid, read while it waits for a command after its greeting.
fn gids_as_nobody(copy: &std::path::Path, args: &[&str]) -> (u32, u32) {
    use std::io::{BufRead, Write};
    let mut child = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(copy)
        .args(args)
        .arg("-bs")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut greeting = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut greeting).unwrap();
    assert!(greeting.starts_with("220 "), "{args:?}: {greeting}");
    // setpriv execs the copy: the child's pid is the copy's.
    let ids = gids(child.id());
    child.stdin.take().unwrap().write_all(b"QUIT\r\n").unwrap();
    child.wait().unwrap();
    ids
}

/// The hole sendmail closes by dropping privileges on -C: a config that include()s a
/// file only the queue group may read must not show it to an unprivileged caller of a
/// setgid submit. The copy's effective gid is read from /proc: the queue group without
/// -C (so the copy really runs setgid here), the caller's own with -C.
#[test]
fn a_non_root_caller_with_c_loses_the_queue_group_before_reading_it() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    if !common::is_root() || !std::path::Path::new("/usr/bin/setpriv").exists() {
        skip("needs root and setpriv");
        return;
    }
    let lab = Lab::new();
    std::fs::set_permissions(lab.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let secret = lab.dir.path().join("secret");
    std::fs::write(&secret, "TOP-SECRET-BODY").unwrap();
    let copy = lab.dir.path().join("submit");
    std::fs::copy(env!("CARGO_BIN_EXE_submit"), &copy).unwrap();
    for (path, mode) in [(&secret, 0o640), (&copy, 0o2755)] {
        assert!(std::process::Command::new("chgrp")
            .arg("mail")
            .arg(path)
            .status()
            .unwrap()
            .success());
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::set_permissions(&lab.mc, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mail = std::fs::metadata(&copy).unwrap().gid();
    let (nogroup, effective) = gids_as_nobody(&copy, &[]);
    assert_ne!(nogroup, mail);
    assert_eq!(effective, mail, "without -C the copy keeps the queue group");
    let benign = ["-C", lab.mc.to_str().unwrap()];
    assert_eq!(gids_as_nobody(&copy, &benign), (nogroup, nogroup), "-C: the group is gone");
    let evil = lab.dir.path().join("evil.mc");
    std::fs::write(
        &evil,
        format!("define(`confDOMAIN_NAME', include(`{}'))dnl\n", secret.display()),
    )
    .unwrap();
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(&copy)
        .args(["-C", evil.to_str().unwrap(), "-d0.1", "-bv", "root"])
        .output()
        .unwrap();
    let all = format!("{}{}", stdout(&out), stderr(&out));
    assert!(!all.contains("TOP-SECRET-BODY"), "the secret leaked: {all}");
    // A configuration that cannot be read is a configuration error: EX_CONFIG.
    assert_eq!(
        (stdout(&out).as_str(), stderr(&out), out.status.code()),
        (
            "",
            format!(
                "submit: {}: line 1, column 27: cannot include {}: Permission denied\n",
                evil.display(),
                secret.display()
            ),
            Some(78)
        )
    );
}
