use super::*;

fn at() -> Timestamp {
    "2026-12-04T17:30:56Z".parse().unwrap()
}

/// The probe of a local mailer exiting 75 and 77 (sendmail's log lines:
/// `dsn=4.0.0, stat=Deferred: local mailer (/.../local.sh) exited with EX_TEMPFAIL` and
/// `dsn=5.0.0, stat=Insufficient permission`; the DSN said `Status: 5.3.0`,
/// `Diagnostic-Code: X-Unix; 77`, `(reason: Insufficient permission)`).
#[test]
fn local_mailer_exit_statuses() {
    let sent = mailer_exit("local", "/usr/bin/procmail", 0, at(), at());
    assert_eq!((sent.state, sent.dsn.as_str(), sent.stat.as_str()), (State::Sent, "2.0.0", "Sent"));
    let deferred = mailer_exit("local", "/x/local.sh", EX_TEMPFAIL, at(), at());
    assert_eq!(deferred.state, State::Deferred);
    assert_eq!(deferred.dsn, "4.0.0");
    assert_eq!(deferred.stat, "Deferred: local mailer (/x/local.sh) exited with EX_TEMPFAIL");
    assert_eq!(deferred.message, None, "sendmail writes no M line for it");
    let failed = mailer_exit("local", "/x/local.sh", EX_NOPERM, at(), at());
    assert_eq!(
        (failed.state, failed.dsn.as_str(), failed.stat.as_str()),
        (State::Failed, "5.0.0", "Insufficient permission")
    );
    assert_eq!(failed.status, "5.3.0");
    assert_eq!(failed.diagnostic, Some(("X-Unix".into(), "77".into())));
    assert_eq!(reason(&failed).as_deref(), Some("Insufficient permission"));
    assert_eq!(exit_reply(&failed), ("550", "5.0.0"));
    assert_eq!(mailer_exit("prog", "/bin/sh", 3, at(), at()).stat, "unknown mailer error 3");
}

fn reply(code: u16, enhanced: Option<&str>, text: &str) -> RcptResult {
    RcptResult::Replied {
        reply: Reply { code, enhanced: enhanced.map(str::to_string), text: text.into() },
        relay: "[127.0.0.1] [127.0.0.1]".into(),
        remote_mta: "[127.0.0.1]".into(),
    }
}

/// Scenario 20's remote outcomes, as logged.
#[test]
fn remote_replies_as_sendmail_words_them() {
    let sent = remote(&reply(250, Some("2.0.0"), "250 2.0.0 Ok: queued as SINK0002"), at());
    assert_eq!((sent.dsn.as_str(), sent.stat.as_str()), ("2.0.0", "Sent (Ok: queued as SINK0002)"));
    let text = "451 4.2.0 <tempfail1@sink.example>... mailbox busy, try later (sink)";
    let deferred = remote(&reply(451, Some("4.2.0"), text), at());
    assert_eq!(deferred.stat, format!("Deferred: {text}"));
    assert_eq!(deferred.message.as_deref(), Some(deferred.stat.as_str()));
    assert_eq!(deferred.reply.as_deref(), Some(text));
    let text = "550 5.1.1 <reject1@sink.example>... User unknown (sink)";
    let failed = remote(&reply(550, Some("5.1.1"), text), at());
    assert_eq!(
        (failed.state, failed.stat.as_str(), failed.status.as_str()),
        (State::Failed, "User unknown", "5.1.1")
    );
    assert_eq!(failed.diagnostic, Some(("SMTP".into(), text.into())));
    assert_eq!(reason(&failed).as_deref(), Some(text));
    assert_eq!(failed.remote_mta, Some(("DNS".into(), "[127.0.0.1]".into())));
    let no_enhanced = remote(&reply(554, None, "554 go away"), at());
    assert_eq!(
        (no_enhanced.stat.as_str(), no_enhanced.dsn.as_str()),
        ("Service unavailable", "5.0.0")
    );
    let refused = RcptResult::Unreachable {
        temporary: true,
        text: "Connection refused by [127.0.0.1]".into(),
        relay: None,
    };
    assert_eq!(remote(&refused, at()).stat, "Deferred: Connection refused by [127.0.0.1]");
}

#[test]
fn intervals_codes_and_mappings() {
    assert_eq!(interval(39, true), "00:00:39");
    assert_eq!(interval(93784, true), "1+02:03:04");
    assert_eq!(interval(4 * 3600, false), "4 hours");
    assert_eq!(interval(5 * 86400, false), "5 days");
    assert_eq!(interval(3661, false), "1 hour, 1 minute, 1 second");
    assert_eq!(dsn_to_exit("5.1.1"), EX_NOUSER);
    assert_eq!(dsn_to_exit("5.7.1"), EX_DATAERR);
    assert_eq!(dsn_to_exit("4.2.0"), EX_TEMPFAIL);
    assert_eq!(smtp_to_dsn(451), "4.3.0");
    assert_eq!(exit_name(EX_TEMPFAIL), "EX_TEMPFAIL");
}
