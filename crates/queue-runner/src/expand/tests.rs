use super::*;
use crate::route::Destination;
use crate::route::Router;
use spool::classfile::Class;
use spool::forward::StaticUsers;
use spool::safefile::Checker;
use spool::safefile::{DontBlame, DontBlameSet};

const HOST: &str = "mail.lab.example";

fn user(name: &str, uid: u32, home: &Path) -> User {
    User { name: name.into(), home: home.to_path_buf(), uid, gid: uid }
}

/// The lab: its aliases (tests/oracle/conf/aliases plus scenario 20's deferlist),
/// users root, daemon, mail, ann; SMART_HOST relay:[127.0.0.1].
fn lab(home: &Path, extra_aliases: &str) -> Directory {
    let text = std::fs::read_to_string(testkit::paths::oracle_conf().join("aliases"))
        .unwrap()
        .replace("@SMLAB@", &home.display().to_string());
    let text = format!("{text}deferlist: root, tempfail2@sink.example\n{extra_aliases}");
    let local_names = Class::from_names([HOST, "localhost"]);
    let names = local_names.clone();
    let aliases = spool::aliases::parse_text(&text, &move |d| names.contains(d));
    let me = Identity::process();
    let users = StaticUsers(vec![
        user("root", 0, Path::new("/root")),
        user("daemon", 1, Path::new("/usr/sbin")),
        user("mail", 8, Path::new("/var/mail")),
        User { name: "ann".into(), home: home.join("ann"), uid: me.uid, gid: me.gid },
    ]);
    Directory {
        aliases: vec![Box::new(aliases)],
        local_names,
        router: Router::new(None, Some("relay:[127.0.0.1]".into())),
        users: Box::new(users),
        forward_path: format!("{}/forward/$u", home.display()),
        host: HOST.into(),
        checker: Checker::new(DontBlameSet::SAFE.with(DontBlame::TrustStickyBit)),
        default_user: Identity { uid: 8, gid: 8, user: Some("mail".into()) },
        max_depth: 10,
    }
}

fn rcpt(address: &str) -> Recipient {
    let bare = address.trim_start_matches('<').trim_end_matches('>');
    Recipient {
        flags: "PFD".into(),
        address: address.as_bytes().to_vec(),
        final_recipient: Some(format!("RFC822; {bare}").into_bytes()),
        ..Recipient::default()
    }
}

fn paddrs(e: &Expansion) -> Vec<&str> {
    e.targets.iter().map(|t| t.paddr.as_str()).collect()
}

fn relay() -> Destination {
    Destination { mailer: "relay".into(), host: "127.0.0.1".into(), mx: false, port: 25 }
}

/// Scenario 12's recipients expand in the order sendmail delivered them in 20: the
/// local ones as they come, the alias members last first, duplicates dropped.
#[test]
fn scenario_12_expands_in_sendmails_order() {
    let home = tempfile::tempdir().unwrap();
    let dir = lab(home.path(), "");
    let rcpts: Vec<Recipient> = [
        "root",
        "staff",
        "deferlist",
        "someone@sink.example",
        "tempfail1@sink.example",
        "reject1@sink.example",
    ]
    .iter()
    .map(|a| {
        rcpt(&format!("<{}>", if a.contains('@') { a.to_string() } else { format!("{a}@{HOST}") }))
    })
    .collect();
    let e = expand(&dir, &rcpts);
    assert_eq!(
        paddrs(&e),
        [
            "<root@mail.lab.example>",
            "mail",
            "daemon",
            "tempfail2@sink.example",
            "<someone@sink.example>",
            "<tempfail1@sink.example>",
            "<reject1@sink.example>"
        ]
    );
    assert_eq!(
        e.verbose,
        [
            "<staff@mail.lab.example>... aliased to root, daemon, mail",
            "<deferlist@mail.lab.example>... aliased to root, tempfail2@sink.example"
        ]
    );
    let tempfail2 = &e.targets[3];
    assert_eq!(tempfail2.qf_flags(), "FDA");
    assert_eq!(
        tempfail2.ctl.as_ref().unwrap().qf_value(),
        b"deferlist:8:0:<deferlist@mail.lab.example>"
    );
    assert_eq!(tempfail2.final_rcpt, b"RFC822; deferlist@mail.lab.example");
    assert_eq!(
        tempfail2.dest,
        Ok(Dest::Remote { dest: relay(), address: "tempfail2@sink.example".into() })
    );
    assert_eq!(e.targets[0].qf_flags(), "PFD");
    assert!(e.targets[0].ctl.is_none());
    assert!(matches!(&e.targets[1].dest, Ok(Dest::Mailbox { user, .. }) if user.name == "mail"));
}

/// `loop1: loop2`, `loop2: loop1`: what `sendmail -v -q` printed, and a 5.4.6 failure.
#[test]
fn an_alias_loop_is_broken_as_sendmail_breaks_it() {
    let home = tempfile::tempdir().unwrap();
    let e = expand(&lab(home.path(), ""), &[rcpt("loop1")]);
    assert_eq!(
        e.verbose,
        [
            "loop1... aliased to loop2",
            "loop2... aliased to loop1",
            "loop1... aliased to loop2",
            "loop2... duplicate suppressed",
            "aliasing/forwarding loop broken"
        ]
    );
    assert_eq!(paddrs(&e), ["loop1"]);
    let failure = e.targets[0].dest.clone().unwrap_err();
    assert_eq!(
        (failure.status.as_str(), failure.transcript.as_str()),
        ("5.4.6", "554 5.4.6 aliasing/forwarding loop broken")
    );
    assert!(!failure.logged && failure.reply.is_none());
}

#[test]
fn unknown_users_and_programs_not_from_an_alias_fail() {
    let home = tempfile::tempdir().unwrap();
    let dir = lab(home.path(), "");
    let e = expand(&dir, &[rcpt("nosuchuser"), rcpt("\"|/bin/true\""), rcpt("/etc/motd")]);
    let failures: Vec<Failure> = e.targets.iter().map(|t| t.dest.clone().unwrap_err()).collect();
    assert_eq!(failures[0].transcript, "550 5.1.1 nosuchuser... User unknown");
    assert_eq!(failures[0].reply.as_deref(), Some("550 5.1.1 User unknown"));
    assert_eq!(failures[1].text, "Cannot mail directly to programs");
    assert_eq!(failures[2].text, "Cannot mail directly to files");
    // A qf recipient an alias produced (A) may be a program or a file.
    let mut from_alias = rcpt("\"|/bin/true\"");
    from_alias.flags = "FDA".into();
    let e = expand(&dir, &[from_alias]);
    assert_eq!(e.targets[0].dest, Ok(Dest::Program("/bin/true".into())));
}

/// The lab's `pipe`, `archive`, `devnull`, `listinc` aliases: a program, a file,
/// /dev/null and an include file, controlled by the alias (DefaultUser's uid, gid 0).
#[test]
fn programs_files_and_includes_from_aliases() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("etc")).unwrap();
    std::fs::write(home.path().join("etc/list.inc"), "# members\ndaemon, ann\n").unwrap();
    let dir = lab(home.path(), "");
    let e = expand(&dir, &[rcpt("pipe"), rcpt("archive"), rcpt("devnull"), rcpt("listinc")]);
    let cmd = format!("/bin/sh -c 'cat >> {}/mail/pipe.out'", home.path().display());
    assert_eq!(e.targets[0].dest, Ok(Dest::Program(cmd)));
    assert_eq!(e.targets[0].ctl.as_ref().unwrap().log(), "pipe (8/0)");
    assert_eq!(e.targets[1].dest, Ok(Dest::File(home.path().join("mail/archive.mbox"))));
    assert_eq!(e.targets[2].dest, Ok(Dest::File("/dev/null".into())));
    assert_eq!(paddrs(&e)[3..], ["ann", "daemon"], "include members, last first");
    let inc = format!("{}/etc/list.inc", home.path().display());
    assert!(e.verbose.contains(&format!(":include:{inc}... including file {inc}")));
    assert!(e.verbose.contains(&format!("{inc}: line 2: sending to daemon, ann")));
}

/// `.forward` with `\ann, ann@elsewhere`: a copy for ann's own mailbox without
/// looping, and the remote copy; both controlled by ann.
#[test]
fn a_forward_file_with_backslash_user() {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir(home.path().join("forward")).unwrap();
    std::fs::write(home.path().join("forward/ann"), "\\ann, ann@elsewhere.example\n").unwrap();
    let dir = lab(home.path(), "");
    let e = expand(&dir, &[rcpt("ann")]);
    assert_eq!(paddrs(&e), ["ann@elsewhere.example", "\\ann"]);
    assert!(matches!(&e.targets[1].dest, Ok(Dest::Mailbox { user, .. }) if user.name == "ann"));
    assert_eq!(e.targets[1].ctl.as_ref().unwrap().user.as_deref(), Some("ann"));
    assert_eq!(e.targets[1].qf_flags(), "FDA");
    assert_eq!(e.targets[0].expanded_from.as_deref(), Some("ann"));
}

#[test]
fn mailertable_errors_and_ctl_lines() {
    let home = tempfile::tempdir().unwrap();
    let mut dir = lab(home.path(), "");
    let map = spool::maps::text::TextMap::parse(
        b"nosuchhost.example error:5.1.2:550 Host unknown (smlab mailertable)\n",
    );
    dir.router = Router::new(Some(Box::new(map)), None);
    let e = expand(&dir, &[rcpt("a@nosuchhost.example"), rcpt("b@example.org")]);
    let failure = e.targets[0].dest.clone().unwrap_err();
    assert_eq!(
        failure.transcript, "550 5.1.2 a@nosuchhost.example... Host unknown",
        "comments dropped, as sendmail (reference smtp/relay-from-localhost)"
    );
    let esmtp =
        Destination { mailer: "esmtp".into(), host: "example.org".into(), mx: true, port: 25 };
    assert_eq!(
        e.targets[1].dest,
        Ok(Dest::Remote { dest: esmtp, address: "b@example.org".into() })
    );
    assert_eq!(parse_ctl(b":root").unwrap().qf_value(), b":root");
    assert_eq!(parse_ctl(b"deferlist:8:0:<d@h>").unwrap().log(), "<d@h> (8/0)");
    assert_eq!(parse_ctl(b"x:y:0:z"), None);
}

/// A `.forward` anyone in its group can change, or in a directory they can, is
/// passed over as sendmail's safefile checks pass it over (issue 14's hostile
/// input): the mail goes to the user's own mailbox, never where the file says.
#[test]
fn an_unsafe_forward_file_is_passed_over() {
    use std::os::unix::fs::PermissionsExt;
    for (file_mode, dir_mode, followed) in
        [(0o644, 0o755, true), (0o664, 0o755, false), (0o644, 0o775, false)]
    {
        let home = tempfile::tempdir().unwrap();
        let forward = home.path().join("forward");
        std::fs::create_dir(&forward).unwrap();
        std::fs::write(forward.join("ann"), "ann@elsewhere.example\n").unwrap();
        std::fs::set_permissions(forward.join("ann"), PermissionsExt::from_mode(file_mode))
            .unwrap();
        std::fs::set_permissions(&forward, PermissionsExt::from_mode(dir_mode)).unwrap();
        let dir = lab(home.path(), "");
        let e = expand(&dir, &[rcpt("ann")]);
        let modes = format!("file {file_mode:o}, directory {dir_mode:o}");
        if followed {
            assert_eq!(paddrs(&e), ["ann@elsewhere.example"], "{modes}: safe, followed");
            continue;
        }
        assert_eq!(paddrs(&e), ["ann"], "{modes}");
        assert!(matches!(&e.targets[0].dest, Ok(Dest::Mailbox { user, .. }) if user.name == "ann"));
    }
}
