//! `FEATURE(ratecontrol)` and `FEATURE(conncontrol)` as Debian's default sendmail.mc
//! sets them (`nodelay`, `terminate`, with `delay_checks`), against the oracle's
//! answers: with `ClientRate:127.0.0.1 3` sendmail 8.17.1.9 served three
//! connections and greeted the fourth and fifth with `421 4.3.2 Connection rate
//! limit exceeded.`; with `ClientConn:127.0.0.2 2` it greeted the third connection
//! open at once with `421 4.3.2 Too many open connections.`, and took a new one once
//! two had closed. It logs `ruleset=check_relay, arg1=localhost, arg2=127.0.0.1,
//! relay=localhost [127.0.0.1], reject=421 4.3.2 Connection rate limit exceeded.`,
//! a line fail2ban's `sendmail-reject` filter counts.

mod common;

use common::{Client, Daemon};

const FEATURES: &str = "FEATURE(`delay_checks')dnl\n\
                        FEATURE(`ratecontrol', `nodelay', `terminate')dnl\n\
                        FEATURE(`conncontrol', `nodelay', `terminate')dnl\n";

/// A daemon with the features and a text access map holding `access`.
fn daemon(access: &str) -> Daemon {
    let dir = tempfile::tempdir().unwrap();
    let map = dir.path().join("access");
    std::fs::write(&map, access).unwrap();
    let mc = format!("FEATURE(`access_db', `text {}')dnl\n{FEATURES}", map.display());
    Daemon::start_in(dir, &mc, &[])
}

#[test]
fn the_fourth_connection_in_the_window_is_refused() {
    let daemon = daemon("ClientRate:127.0.0.1\t3\n");
    for n in 1..=3 {
        let mut c = Client::connect(daemon.addr);
        assert!(c.reply().starts_with("220 "), "connection {n}");
        assert!(c.say("QUIT").starts_with("221 "));
    }
    for n in 4..=5 {
        let mut c = Client::connect(daemon.addr);
        assert_eq!(c.reply(), "421 4.3.2 Connection rate limit exceeded.\r\n", "connection {n}");
        assert_eq!(c.rest(), "", "closed");
    }
    let line = "ruleset=check_relay, arg1=localhost, arg2=127.0.0.1, relay=localhost [127.0.0.1], \
                reject=421 4.3.2 Connection rate limit exceeded.";
    let log = common::wait_for(|| Some(daemon.log()).filter(|l| l.matches(line).count() == 2));
    assert!(log.contains(line), "{log}");
    fail2ban_counts(&daemon.path("maillog"), 2);
}

#[test]
fn the_third_open_connection_is_refused_until_one_closes() {
    let daemon = daemon("ClientConn:127.0.0.1\t2\n");
    let mut first = Client::connect(daemon.addr);
    let mut second = Client::connect(daemon.addr);
    assert!(first.reply().starts_with("220 ") && second.reply().starts_with("220 "));
    let mut third = Client::connect(daemon.addr);
    assert_eq!(third.reply(), "421 4.3.2 Too many open connections.\r\n");
    assert!(first.say("QUIT").starts_with("221 "));
    assert_eq!(first.rest(), "");
    // The daemon counts the first out when its session ends, a moment after QUIT.
    let mut fourth = common::wait_for(|| {
        let mut c = Client::connect(daemon.addr);
        c.reply().starts_with("220 ").then_some(c)
    });
    assert!(fourth.say("QUIT").starts_with("221 "));
    assert!(second.say("NOOP").starts_with("250 "), "the others were never disturbed");
}

#[test]
fn zero_and_no_entry_mean_no_limit() {
    let daemon = daemon("ClientRate:127.0.0\t0\n");
    for n in 1..=6 {
        let mut c = Client::connect(daemon.addr);
        assert!(c.reply().starts_with("220 "), "connection {n}");
    }
}

/// Debian's fail2ban `sendmail-reject` filter finds `n` failures in `log`.
fn fail2ban_counts(log: &std::path::Path, n: usize) {
    if !testkit::oracle::on_path("fail2ban-regex") {
        testkit::oracle::skip("fail2ban-regex is not installed (Debian's fail2ban)");
        return;
    }
    let out = std::process::Command::new("fail2ban-regex")
        .arg(log)
        .arg("/etc/fail2ban/filter.d/sendmail-reject.conf")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("Failregex: {n} total")), "{text}");
}
