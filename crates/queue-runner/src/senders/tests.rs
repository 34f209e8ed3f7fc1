//! Each expectation is the answer of sendmail 8.17 (`sendmail -bt`, `/tryflags HS`
//! or `ES`, `/try esmtp|local ADDRESS`) with the oracle lab's `sendmail.mc` plus the
//! lines given, `$j` = mail.lab.example, class w = localhost, mail.lab.example.

use super::*;
use spool::maps::text::TextMap;

const TABLE: &[u8] =
    b"web1_user1 user1@lab.example\nroot@mail.lab.example admin@lab.example\nbare localonly\n";

fn senders(mc: &str) -> Senders {
    let config = spool::config::Config::from_str(std::path::Path::new("t.mc"), mc).unwrap();
    let masq = Masquerade::from_config(&config);
    let generics: Option<Arc<dyn Map>> =
        config.feature("genericstable").map(|_| Arc::new(TextMap::parse(TABLE)) as Arc<dyn Map>);
    Senders::new(
        &masq,
        generics,
        Class::from_names(["localhost", "mail.lab.example"]),
        "mail.lab.example",
    )
}

/// `(address, header esmtp, header local, envelope esmtp, envelope local)`.
type Row = (&'static str, &'static str, &'static str, &'static str, &'static str);

fn check(s: &Senders, rows: &[Row]) {
    for &(addr, hs, hl, es, el) in rows {
        let got = [
            s.rewrite(addr, Side::Header, Kind::Smtp),
            s.rewrite(addr, Side::Header, Kind::Local),
            s.rewrite(addr, Side::Envelope, Kind::Smtp),
            s.rewrite(addr, Side::Envelope, Kind::Local),
        ];
        assert_eq!(got, [hs, hl, es, el], "{addr}");
    }
}

/// The tips' recipe: genericstable, generics_entire_domain, masquerade_envelope,
/// GENERICS_DOMAIN(lab.example).
#[test]
fn the_tips_recipe_rewrites_headers_and_envelope() {
    let s = senders("FEATURE(`genericstable')dnl\nFEATURE(`generics_entire_domain')dnl\nFEATURE(`masquerade_envelope')dnl\nGENERICS_DOMAIN(`lab.example')dnl\n");
    let u1 = "user1@lab.example";
    check(
        &s,
        &[
            ("web1_user1@mail.lab.example", u1, u1, u1, u1),
            ("web1_user1", u1, "web1_user1", u1, "web1_user1"),
            (
                "root@mail.lab.example",
                "admin@lab.example",
                "admin@lab.example",
                "admin@lab.example",
                "admin@lab.example",
            ),
            (
                "bare@mail.lab.example",
                "localonly@mail.lab.example",
                "localonly@mail.lab.example",
                "localonly@mail.lab.example",
                "localonly@mail.lab.example",
            ),
            (
                "other@elsewhere.example",
                "other@elsewhere.example",
                "other@elsewhere.example",
                "other@elsewhere.example",
                "other@elsewhere.example",
            ),
        ],
    );
}

/// Without masquerade_envelope the envelope keeps its domain; MASQUERADE_AS rewrites
/// class w in the header; generics only for GENERICS_DOMAIN itself.
#[test]
fn headers_only_without_masquerade_envelope() {
    let s = senders("FEATURE(`genericstable')dnl\nGENERICS_DOMAIN(`mail.lab.example')dnl\nMASQUERADE_AS(`lab.example')dnl\n");
    let j = "web1_user1@mail.lab.example";
    check(
        &s,
        &[
            (j, "user1@lab.example", "user1@lab.example", j, j),
            ("web1_user1", "user1@lab.example", "web1_user1", j, "web1_user1"),
            ("root", "admin@lab.example", "root", "root@mail.lab.example", "root"),
            (
                "x@localhost",
                "x@lab.example",
                "x@lab.example",
                "x@mail.lab.example",
                "x@mail.lab.example",
            ),
            (
                "y@sub.mail.lab.example",
                "y@sub.mail.lab.example",
                "y@sub.mail.lab.example",
                "y@sub.mail.lab.example",
                "y@sub.mail.lab.example",
            ),
        ],
    );
}

/// MASQUERADE_DOMAIN with masquerade_entire_domain, EXPOSED_USER, envelope too.
#[test]
fn masquerade_domains_and_exposed_users() {
    let s = senders("MASQUERADE_AS(`lab.example')dnl\nMASQUERADE_DOMAIN(`other.example')dnl\nFEATURE(`masquerade_entire_domain')dnl\nEXPOSED_USER(`root')dnl\nFEATURE(`masquerade_envelope')dnl\n");
    for (addr, want) in [
        ("web1_user1@mail.lab.example", "web1_user1@lab.example"),
        ("web1_user1", "web1_user1@lab.example"),
        ("root@mail.lab.example", "root@mail.lab.example"),
        ("root", "root@mail.lab.example"),
        ("z@host.other.example", "z@lab.example"),
        ("z@other.example", "z@lab.example"),
        ("w@elsewhere.example", "w@elsewhere.example"),
    ] {
        assert_eq!(s.rewrite(addr, Side::Header, Kind::Smtp), want, "{addr}");
        assert_eq!(s.rewrite(addr, Side::Envelope, Kind::Smtp), want, "{addr}");
    }
}

/// limited_masquerade leaves class w alone; local_no_masquerade the local mailer.
#[test]
fn limited_and_local_no_masquerade() {
    let s = senders("MASQUERADE_AS(`lab.example')dnl\nMASQUERADE_DOMAIN(`other.example')dnl\nFEATURE(`limited_masquerade')dnl\nFEATURE(`local_no_masquerade')dnl\n");
    for (addr, smtp) in [
        ("web1_user1@mail.lab.example", "web1_user1@mail.lab.example"),
        ("root", "root@lab.example"),
        ("x@localhost", "x@mail.lab.example"),
        ("z@host.other.example", "z@host.other.example"),
        ("z@other.example", "z@lab.example"),
    ] {
        assert_eq!(s.rewrite(addr, Side::Header, Kind::Smtp), smtp, "{addr}");
        let local = if addr.contains('@') {
            addr.replace("localhost", "mail.lab.example")
        } else {
            addr.into()
        };
        assert_eq!(s.rewrite(addr, Side::Header, Kind::Local), local, "{addr}");
    }
}

#[test]
fn a_header_keeps_the_display_name() {
    let s = senders("FEATURE(`genericstable')dnl\nFEATURE(`generics_entire_domain')dnl\nGENERICS_DOMAIN(`lab.example')dnl\n");
    let h = s.header(b"From: Full Name <web1_user1@mail.lab.example>", Kind::Smtp);
    assert_eq!(String::from_utf8(h).unwrap(), "From: Full Name <user1@lab.example>");
    let h = s.header(b"To: web1_user1@mail.lab.example, root", Kind::Smtp);
    assert_eq!(
        String::from_utf8(h).unwrap(),
        "To: web1_user1@mail.lab.example, root@mail.lab.example"
    );
}

/// Recipient fields: qualified for SMTP, masqueraded only with allmasquerade
/// (sendmail's `/tryflags HR` answers).
#[test]
fn recipient_fields() {
    let plain = senders("MASQUERADE_AS(`lab.example')dnl\n");
    let all = senders("MASQUERADE_AS(`lab.example')dnl\nFEATURE(`allmasquerade')dnl\n");
    for (addr, smtp, local, smtp_all, local_all) in [
        (
            "web1_user1@mail.lab.example",
            "web1_user1@mail.lab.example",
            "web1_user1@mail.lab.example",
            "web1_user1@lab.example",
            "web1_user1@lab.example",
        ),
        ("root", "root@mail.lab.example", "root", "root@lab.example", "root"),
        (
            "x@localhost",
            "x@mail.lab.example",
            "x@mail.lab.example",
            "x@lab.example",
            "x@lab.example",
        ),
        (
            "w@elsewhere.example",
            "w@elsewhere.example",
            "w@elsewhere.example",
            "w@elsewhere.example",
            "w@elsewhere.example",
        ),
    ] {
        let got = [
            plain.recipient(addr, Kind::Smtp),
            plain.recipient(addr, Kind::Local),
            all.recipient(addr, Kind::Smtp),
            all.recipient(addr, Kind::Local),
        ];
        assert_eq!(got, [smtp, local, smtp_all, local_all], "{addr}");
    }
}
