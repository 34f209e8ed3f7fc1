use super::*;
use crate::access::parse_value;
use crate::sysexits::*;

#[test]
fn replies_parse_with_and_without_enhanced_codes() {
    let s = DeliveryStatus::parse_reply("451 4.2.0 <a@b>... mailbox busy\r\n").unwrap();
    assert_eq!(s.line(), "451 4.2.0 <a@b>... mailbox busy");
    assert!(s.is_temporary() && !s.is_permanent() && s.is_error());
    let bare = DeliveryStatus::parse_reply("550 no such user").unwrap();
    assert_eq!((bare.line(), bare.enhanced), ("550 no such user".to_string(), None));
    assert_eq!(bare.enhanced_or_generic().to_string(), "5.0.0");
    // An enhanced code of another class than the reply code is text.
    let odd = DeliveryStatus::parse_reply("550 4.1.1 odd").unwrap();
    assert_eq!((odd.enhanced, odd.text.as_str()), (None, "4.1.1 odd"));
    assert_eq!(DeliveryStatus::parse_reply("354 go ahead"), None);
    assert_eq!(DeliveryStatus::parse_reply("hello"), None);
    assert_eq!(DeliveryStatus::new(550, "5.0.0", "a\r\nb").text, "a  b");
}

#[test]
fn the_address_goes_only_on_some_codes() {
    let s = DeliveryStatus::usrerr(Some("5.7.1"), "550 Access denied", Some("<a@b>"));
    assert_eq!(s.line(), "550 5.7.1 <a@b>... Access denied");
    let t = DeliveryStatus::usrerr(
        Some("4.1.8"),
        "451 Domain of sender address a@b does not resolve",
        Some("<a@b>"),
    );
    assert_eq!(t.line(), "451 4.1.8 Domain of sender address a@b does not resolve");
    assert!(t.is_temporary() && t.is_error());
    assert_eq!(DeliveryStatus::user_unknown().reply_about("<x>"), "550 5.1.1 <x>... User unknown");
}

#[test]
fn enhanced_codes_from_the_text_the_caller_or_the_class() {
    assert_eq!(DeliveryStatus::usrerr(Some("5.7.1"), "550 5.1.1 x", None).line(), "550 5.1.1 x");
    assert_eq!(
        DeliveryStatus::usrerr(None, "553 User address required", None).line(),
        "553 5.0.0 User address required"
    );
    assert_eq!(DeliveryStatus::usrerr(None, "421 closing", None).line(), "421 4.0.0 closing");
    assert_eq!(DeliveryStatus::usrerr(None, "no code", Some("x")).line(), "550 x... no code");
}

#[test]
fn error_mailer_triples_as_sendmail_builds_them() {
    let m = DeliveryStatus::error_mailer(Some("5.1.2"), "550 Host unknown", Some("<u@h>"));
    assert_eq!(m.line(), "550 5.1.2 <u@h>... Host unknown");
    let r = DeliveryStatus::error_mailer(
        Some("5.7.1"),
        "\"550 Relaying denied. IP name lookup failed \"[127.0.0.2]",
        Some("<u@h>"),
    );
    assert_eq!(r.line(), "550 5.7.1 <u@h>... Relaying denied. IP name lookup failed [127.0.0.2]");
    let named = DeliveryStatus::error_mailer(Some("nouser"), "User unknown", Some("u"));
    assert_eq!(named.line(), "553 5.3.0 u... User unknown");
    let plain = DeliveryStatus::error_mailer(Some("nohost"), "550 mail to x is prohibited", None);
    assert_eq!(plain.line(), "550 5.0.0 mail to x is prohibited");
    let in_text = DeliveryStatus::error_mailer(Some("5.1.2"), "550 5.7.1 \"go\" away", None);
    assert_eq!(in_text.line(), "550 5.7.1 go away");
    assert_eq!(strip_quotes(r#""a b"\"c"#), "a b\"c");
}

#[test]
fn access_values_become_replies() {
    let v = parse_value("ERROR:4.3.2:421 Connections from 127.0.0.4 are refused for now (smlab)");
    assert_eq!(
        DeliveryStatus::from_access(&v, None).line(),
        "421 4.3.2 Connections from 127.0.0.4 are refused for now"
    );
    let bare = parse_value("550 Go away");
    assert_eq!(
        DeliveryStatus::from_access(&bare, Some("<a@b>")).line(),
        "550 5.0.0 <a@b>... Go away"
    );
    let other = parse_value("frobnicate");
    assert_eq!(DeliveryStatus::from_access(&other, None).line(), "553 5.3.0 frobnicate");
    let reject = DeliveryStatus::from_access(&parse_value("REJECT"), None);
    assert_eq!(reject.line(), "550 5.7.1 Access denied");
    assert_eq!(
        DeliveryStatus::tempfail().line(),
        "451 4.3.0 Temporary system failure. Please try again later."
    );
}

#[test]
fn queue_lines_dsn_fields_and_exit_codes() {
    let busy = DeliveryStatus::parse_reply("451 4.2.0 <t@sink.example>... mailbox busy").unwrap();
    // The per-recipient M line of tests/reference/queue/21-second-queue-run.
    assert_eq!(busy.queue_message(), "Deferred: 451 4.2.0 <t@sink.example>... mailbox busy");
    assert_eq!(DeliveryStatus::parse_queue_message(&busy.queue_message()), Some(busy.clone()));
    assert_eq!(DeliveryStatus::user_unknown().queue_message(), "User unknown");
    assert_eq!(DeliveryStatus::parse_queue_message("User unknown"), None);
    let unknown = DeliveryStatus::user_unknown();
    assert_eq!((unknown.dsn_action(), busy.dsn_action()), ("failed", "delayed"));
    // The DSN fields of the oracle's bounce for an unknown local user.
    assert_eq!(unknown.diagnostic_code(Diagnostic::Unix), "X-Unix; 550 5.1.1 User unknown");
    assert_eq!(
        DeliveryStatus::loop_broken().diagnostic_code(Diagnostic::Smtp),
        "SMTP; 554 5.4.6 aliasing/forwarding loop broken"
    );
    assert_eq!(unknown.exit_code(), EX_NOUSER);
    assert_eq!(busy.exit_code(), EX_TEMPFAIL);
    assert_eq!(DeliveryStatus::error_mailer(Some("5.1.2"), "550 x", None).exit_code(), EX_NOHOST);
    assert_eq!(DeliveryStatus::refused("x").exit_code(), EX_NOPERM);
    assert_eq!(DeliveryStatus::bare(550, "x").exit_code(), EX_UNAVAILABLE);
}
