use super::*;
use crate::maps::text::TextMap;
use crate::safefile::Identity;
use crate::status::DeliveryStatus;
use crate::sysexits::*;
use crate::testutil::lab::Lab;
use std::path::{Path, PathBuf};

/// A mailertable of `class` that could not be opened because it is missing.
pub(crate) fn missing_mailertable(class: &str) -> crate::lookup::MapProblem {
    let source = std::io::Error::from_raw_os_error(libc::ENOENT);
    crate::lookup::MapProblem {
        feature: Some(crate::settings::MapFeature::Mailertable),
        name: "mailertable".into(),
        class: class.into(),
        error: crate::maps::MapError::Io { path: "/x/mt.db".into(), source },
    }
}

fn local_users(e: &Expansion) -> Vec<String> {
    e.deliveries.iter().map(|d| d.target.user()).collect()
}

#[test]
fn an_alias_expands_into_local_users_controlled_by_the_alias() {
    let lab = Lab::new();
    let mut ctx = lab.context();
    ctx.default_user = Identity { uid: 4321, gid: 77, user: None };
    let e = ctx.expand(&["staff"]);
    assert_eq!(local_users(&e), ["mail", "daemon", "root"]);
    let me = Identity::process();
    for d in &e.deliveries {
        assert_eq!(d.mailer(), "local");
        let Target::Local { uid, gid, home, detail, no_alias, .. } = &d.target else { panic!() };
        assert_eq!((*uid, *gid, detail, *no_alias), (me.uid, me.gid, &None, false));
        assert!(home.ends_with(Path::new("home").join(d.target.user())));
        // sendmail -bv -d25.1 staff: ctladdr staff, uid DefaultUser's, gid 0.
        let c = d.controller.as_ref().unwrap();
        assert_eq!(
            (c.kind.clone(), c.address.as_str(), c.user.as_ref()),
            (ControllerKind::Alias, "staff", None)
        );
        assert_eq!((c.uid, c.gid), (4321, 0));
    }
    assert_eq!(e.exit_code, 0);
    assert_eq!(e.failures().count(), 0);
}

#[test]
fn programs_files_and_remote_targets_are_typed() {
    let lab = Lab::new();
    let e = lab.context().expand(&["pipe", "mixed"]);
    let prog = e.deliveries.iter().find(|d| d.mailer() == "prog").unwrap();
    let Target::Program { command } = &prog.target else { panic!() };
    assert!(command.starts_with("/bin/sh -c 'cat >> ") && command.ends_with("pipe.out'"));
    assert!(prog.target.user().starts_with("\"|/bin/sh"));
    let file = e.deliveries.iter().find(|d| d.mailer() == "*file*").unwrap();
    assert_eq!(
        file.target,
        Target::File { path: PathBuf::from(lab.root()).join("mail/mixed.mbox") }
    );
    assert_eq!(file.origin, 1);
    let remote = e.deliveries.iter().find(|d| d.mailer() == "relay").unwrap();
    let Target::Remote { hosts, port, user, .. } = &remote.target else { panic!() };
    assert_eq!(
        (hosts.as_slice(), *port, user.as_str()),
        (&[RelayHost { name: "127.0.0.1".into(), mx: false }][..], 25, "someone@sink.example")
    );
    assert_eq!(remote.controller.as_ref().unwrap().address, "mixed");
}

#[test]
fn mailertable_routes_smart_host_ports_and_errors() {
    let lab = Lab::new();
    let mut ctx = lab.context();
    ctx.mailers.ports.push(("relay".into(), 2527));
    let e = ctx.expand(&["a@closed.example", "b@far.example", "c@nosuchhost.example"]);
    let smtp = &e.deliveries[0];
    assert_eq!((smtp.mailer(), smtp.target.host()), ("smtp", "[127.0.0.1]".to_string()));
    let Target::Remote { port, .. } = &e.deliveries[1].target else { panic!() };
    assert_eq!((e.deliveries[1].mailer(), *port), ("relay", 2527));
    let failure = e.failures().next().unwrap();
    assert_eq!(
        failure.status.reply_about("<c@nosuchhost.example>"),
        "550 5.1.2 <c@nosuchhost.example>... Host unknown"
    );
    assert_eq!((failure.exit_code, failure.origin, e.exit_code), (EX_NOHOST, 2, EX_NOHOST));
    assert!(smtp.controller.is_none(), "a recipient given directly has no controller");
}

#[test]
fn failures_carry_delivery_statuses() {
    let lab = Lab::new();
    let e = lab.context().expand(&["loop1", "nosuchuser", "\"|/bin/true\""]);
    let statuses: Vec<String> = e.failures().map(|f| f.status.line()).collect();
    assert_eq!(
        statuses,
        [
            "554 5.4.6 aliasing/forwarding loop broken",
            "550 5.1.1 User unknown",
            "550 5.7.1 Cannot mail directly to programs"
        ]
    );
    let exits: Vec<i32> = e.failures().map(|f| f.exit_code).collect();
    assert_eq!(exits, [EX_USAGE, EX_NOUSER, EX_USAGE]);
    assert_eq!(e.failures().map(|f| f.origin).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(e.deliveries.is_empty());
}

#[test]
fn duplicates_across_lists_are_delivered_once() {
    let lab = Lab::new();
    let e = lab.context().expand(&["root", "postmaster", "staff"]);
    assert_eq!(e.deliveries.iter().filter(|d| d.target.user() == "root").count(), 1);
    assert_eq!(e.deliveries[0].origin, 0);
    // root given again through postmaster: suppressed without a word (sendmail -bv -v
    // root postmaster abuse prints no `duplicate suppressed`), but on the trace.
    assert!(e.trace.iter().any(|t| t.event == Event::AlreadyListed("root".into())));
    let e = lab.context().expand(&["staff", "mixed"]);
    assert!(e.trace.iter().any(|t| t.event == Event::Duplicate("root".into())));
    assert_eq!(e.deliveries.iter().filter(|d| d.target.user() == "root").count(), 1);
}

#[test]
fn a_forward_controls_what_it_names() {
    let lab = Lab::new();
    let fwd = Path::new(&lab.root()).join("forward/daemon");
    std::fs::write(&fwd, "\\daemon, \"|/usr/bin/logger x\"\n").unwrap();
    let e = lab.context().expand(&["daemon"]);
    assert_eq!(local_users(&e), ["\"|/usr/bin/logger x\"", "\\daemon"]);
    let c = e.deliveries[0].controller.as_ref().unwrap();
    assert_eq!(c.kind, ControllerKind::Forward(fwd));
    assert_eq!(
        (c.user.as_deref(), c.home.as_deref()),
        (Some("daemon"), Some(Path::new(&lab.root()).join("home/daemon").as_path()))
    );
    let Target::Local { no_alias, .. } = &e.deliveries[1].target else { panic!() };
    assert!(*no_alias);
    let at = e.trace.iter().find(|t| matches!(t.event, Event::ForwardingTo(_))).unwrap();
    assert_eq!(at.at.as_ref().unwrap().1, 1);
}

#[test]
fn an_include_is_controlled_by_its_owner() {
    let lab = Lab::new();
    let mut ctx = lab.context();
    let me = Identity::process();
    // An alias's controller has DefaultUser's uid: make it differ from the file's
    // owner (the test's user), so the owner is named, as sendmail names it.
    ctx.default_user = Identity { uid: me.uid.wrapping_add(4321), gid: 77, user: None };
    let e = ctx.expand(&["listinc"]);
    let root = e.deliveries.iter().find(|d| d.target.user() == "root").unwrap();
    let c = root.controller.as_ref().unwrap();
    let list = PathBuf::from(lab.root()).join("etc/list.inc");
    assert_eq!((c.kind.clone(), c.uid, c.gid), (ControllerKind::Include(list), me.uid, me.gid));
    let name = nix::unistd::User::from_uid(me.uid.into()).unwrap().map(|u| u.name);
    assert_eq!(c.user, name);
    // With the same uid as the alias's controller the owner is not named.
    let e = lab.context().expand(&["listinc"]);
    assert_eq!(e.deliveries[0].controller.as_ref().unwrap().user, None);
}

#[test]
fn credentials_never_run_a_mailer_as_root() {
    let default = Identity { uid: 8, gid: 8, user: Some("mail".into()) };
    let c = |uid, gid| Controller {
        kind: ControllerKind::Alias,
        address: "x".into(),
        user: None,
        uid,
        gid,
        home: None,
    };
    // Observed: an alias's `|id` runs as mail:mail (DefaultUser), as does a root-owned
    // :include:'s; a .forward's as its user.
    assert_eq!(c(8, 0).credentials(&default), (8, 8));
    assert_eq!(c(0, 0).credentials(&default), (8, 8));
    assert_eq!(c(1, 1).credentials(&default), (1, 1));
}

#[test]
fn the_send_list_is_ordered_by_host() {
    let lab = Lab::new();
    let e = lab.context().expand(&["root+zzz", "a@far.example", "mail", "root+aaa"]);
    let order: Vec<&str> = e.sorted_deliveries().iter().map(|d| d.address.as_str()).collect();
    // sendmail -bv root+zzz a@a.example mail root+aaa z@z.example root+b (live oracle):
    // by host, `[` before letters, the local mailers without a host first.
    assert_eq!(order, ["mail", "a@far.example", "root+aaa", "root+zzz"]);
}

#[test]
fn mailertable_hosts_are_lower_case_and_may_name_a_user() {
    let lab = Lab::new();
    let mt = TextMap::parse(
        b"upper.example smtp:[Mail.Example]\nuserhost.example smtp:postmaster@mailhub.example\nmulti.example esmtp:[10.0.0.1]:[IPv6:::1]:mx.example\n",
    );
    let mut ctx = lab.context();
    ctx.mailertable = Some(&mt);
    let e = ctx.expand(&["x@upper.example", "bob@userhost.example", "joe@multi.example"]);
    let shown: Vec<(String, String)> =
        e.deliveries.iter().map(|d| (d.target.host(), d.target.user())).collect();
    // As sendmail 8.17 -bv prints them with this mailertable.
    assert_eq!(
        shown,
        [
            ("[mail.example]".to_string(), "x@upper.example".to_string()),
            ("mailhub.example".to_string(), "postmaster@mailhub.example".to_string()),
            ("[10.0.0.1]:[ipv6:::1]:mx.example".to_string(), "joe@multi.example".to_string())
        ]
    );
}

#[test]
fn a_mailertable_that_could_not_be_opened_is_reported_once() {
    let lab = Lab::new();
    let problem = missing_mailertable("hash");
    let mut ctx = lab.context();
    ctx.mailertable = None;
    ctx.mailertable_problem = Some(&problem);
    let e = ctx.expand(&["a@x.example", "b@y.example", "root"]);
    let problems = e.trace.iter().filter(|t| matches!(t.event, Event::MapProblem(_))).count();
    assert_eq!((problems, e.deliveries.len(), e.exit_code), (1, 3, EX_OSERR));
    let text = missing_mailertable("text");
    ctx.mailertable_problem = Some(&text);
    assert_eq!(ctx.expand(&["a@x.example"]).exit_code, EX_SOFTWARE);
    assert_eq!(DeliveryStatus::user_unknown().exit_code(), EX_NOUSER);
}
