use super::*;
use crate::aliases::parse_text;
use crate::testutil::lab::{default_mailers, lab_checker, Lab};
use crate::testutil::reference_dir;
use std::path::Path;
use testkit::transcript;

impl Lab {
    fn run(&self, args: &[&str], verbose: bool) -> Outcome {
        let ctx = self.context();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = verify(&ctx, &args, verbose);
        for l in &mut out.lines {
            *l = l.replace(&self.root(), "/tmp/smlab");
        }
        out
    }
}

/// Splits a recorded command line into words (single quotes only, as recorded).
fn words(cmd: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut quoted, mut any) = (false, false);
    for c in cmd.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any || !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                any = false;
            }
            _ => cur.push(c),
        }
    }
    if any || !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Runs every `sendmail ... -bv` command of a reference file against the lab.
fn check_reference(name: &str) -> usize {
    let text = std::fs::read_to_string(reference_dir().join("aliases").join(name)).unwrap();
    let lab = Lab::new();
    let mut checked = 0;
    for case in transcript::parse(&text) {
        let Some(cmd) = case.command.strip_prefix("sendmail ") else { continue };
        let w = words(cmd);
        let verbose = w.iter().any(|a| a == "-v");
        let args: Vec<&str> = w
            .iter()
            .skip_while(|a| *a != "-bv")
            .skip(1)
            .filter(|a| *a != "-v")
            .map(String::as_str)
            .collect();
        let got = lab.run(&args, verbose);
        assert_eq!(got.lines, case.stdout_lines(), "{name}: {cmd}");
        assert_eq!(got.exit_code, case.exit, "{name}: {cmd}");
        checked += 1;
    }
    assert!(checked > 0, "{name}: no -bv command found");
    checked
}

#[test]
fn reference_bv_local() {
    assert_eq!(check_reference("bv-local.txt"), 3);
}

#[test]
fn reference_bv_lists() {
    assert_eq!(check_reference("bv-lists.txt"), 3);
}

#[test]
fn reference_bv_remote() {
    assert_eq!(check_reference("bv-remote.txt"), 3);
}

#[test]
fn reference_bv_unknown() {
    assert_eq!(check_reference("bv-unknown.txt"), 2);
}

#[test]
fn reference_bv_routes() {
    assert_eq!(check_reference("bv-routes.txt"), 2);
}

#[test]
fn reference_bv_malformed2() {
    assert_eq!(check_reference("bv-malformed2.txt"), 3);
}

#[test]
fn reference_bv_multi() {
    assert_eq!(check_reference("bv-multi.txt"), 2);
}

/// Cases settled with the live oracle (`lab-sendmail -bv`), not in the reference files.
#[test]
fn oracle_settled_cases() {
    let lab = Lab::new();
    let one = |args: &[&str], v| lab.run(args, v);
    let o = one(&["b@x.example", "a@sink.example", "root"], false);
    assert_eq!(o.lines[0], "root... deliverable: mailer local, user root");
    assert!(o.lines[1].starts_with("b@x.example... deliverable: mailer relay"));
    let o = one(&["/tmp/x", "root"], false);
    assert_eq!(o.lines[0], "/tmp/x... Cannot mail directly to files");
    assert_eq!(o.exit_code, 64);
    assert_eq!(
        one(&["root+foo"], false).lines,
        ["root+foo... deliverable: mailer local, host foo, user root"]
    );
    assert_eq!(one(&["\\root"], false).lines, ["\\root... deliverable: mailer local, user \\root"]);
    assert_eq!(one(&["Root"], false).lines, ["Root... deliverable: mailer local, user root"]);
    assert_eq!(
        one(&["a%b@lab.example"], false).lines,
        ["a%b@lab.example... deliverable: mailer relay, host [127.0.0.1], user a@b"]
    );
    let o = one(&["<root"], false);
    assert_eq!(
        o.lines,
        ["<root... Unbalanced '<'", "<root... deliverable: mailer local, user root"]
    );
    assert_eq!(one(&["a b"], false).lines, ["b... User unknown", "a... User unknown"]);
    assert_eq!(
        one(&["root, mail"], false).lines[0],
        "mail... deliverable: mailer local, user mail"
    );
    assert_eq!(one(&[""], false), Outcome { lines: vec![], exit_code: 0 });
    let o = one(&[], true);
    assert_eq!(o.lines, ["Recipient names must be specified"]);
    assert_eq!(o.exit_code, 64);
}

#[test]
fn verbose_loop_and_postmaster() {
    let lab = Lab::new();
    assert_eq!(
        lab.run(&["loop1"], true).lines,
        [
            "loop1... aliased to loop2",
            "loop2... aliased to loop1",
            "loop1... aliased to loop2",
            "loop2... duplicate suppressed",
            "aliasing/forwarding loop broken"
        ]
    );
    assert_eq!(
        lab.run(&["root", "postmaster", "abuse"], true).lines,
        [
            "postmaster... aliased to root",
            "abuse... aliased to root",
            "root... deliverable: mailer local, user root"
        ]
    );
    let o = lab.run(&["loop1", "root"], false);
    assert_eq!(
        o.lines,
        ["aliasing/forwarding loop broken", "root... deliverable: mailer local, user root"]
    );
    assert_eq!(o.exit_code, 64);
}

#[test]
fn verbose_include_and_forward() {
    let lab = Lab::new();
    let o = lab.run(&["listinc"], true);
    assert_eq!(
        o.lines[1],
        ":include:/tmp/smlab/etc/list.inc... including file /tmp/smlab/etc/list.inc"
    );
    assert_eq!(o.lines[2], "/tmp/smlab/etc/list.inc: line 2: sending to root");
    let fwd = Path::new(&lab.root()).join("forward/daemon");
    std::fs::write(&fwd, "\\daemon, root\n").unwrap();
    assert_eq!(
        lab.run(&["daemon"], true).lines,
        [
            "/tmp/smlab/forward/daemon: line 1: forwarding to \\daemon, root",
            "root... deliverable: mailer local, user root",
            "\\daemon... deliverable: mailer local, user \\daemon"
        ]
    );
}

/// Settled with the live oracle: every message while a file's line is expanded carries
/// `FILE: line N: `, nested messages included.
#[test]
fn messages_inside_a_file_name_its_line() {
    let lab = Lab::new();
    let list = Path::new(&lab.root()).join("etc/list.inc");
    std::fs::write(&list, "root\nnosuchuserx\n").unwrap();
    let o = lab.run(&["listinc"], false);
    assert_eq!(o.lines[0], "/tmp/smlab/etc/list.inc: line 2: nosuchuserx... User unknown");
    assert_eq!(o.exit_code, 67);
    let fwd = Path::new(&lab.root()).join("forward/daemon");
    std::fs::write(&fwd, format!(":include:{}\n", list.display())).unwrap();
    let o = lab.run(&["daemon"], true);
    assert_eq!(
        o.lines[1],
        "/tmp/smlab/forward/daemon: line 1: :include:/tmp/smlab/etc/list.inc... \
         including file /tmp/smlab/etc/list.inc"
    );
}

/// An unsafe `:include:` is an error, an unsafe `.forward` is passed over (sendmail's
/// safety checks, spool::safefile).
#[test]
fn unsafe_include_and_forward_files() {
    use std::os::unix::fs::PermissionsExt;
    let lab = Lab::new();
    let list = Path::new(&lab.root()).join("etc/list.inc");
    std::fs::set_permissions(&list, std::fs::Permissions::from_mode(0o664)).unwrap();
    let o = lab.run(&["listinc"], false);
    assert_eq!(
        o.lines,
        [":include:/tmp/smlab/etc/list.inc... Cannot open /tmp/smlab/etc/list.inc: \
          Group writable file"]
    );
    assert_eq!(o.exit_code, 64);
    let fwd = Path::new(&lab.root()).join("forward/daemon");
    std::fs::write(&fwd, "root\n").unwrap();
    std::fs::set_permissions(&fwd, std::fs::Permissions::from_mode(0o646)).unwrap();
    assert_eq!(
        lab.run(&["daemon"], true).lines,
        [
            "daemon... forward: /tmp/smlab/forward/daemon: World writable file",
            "daemon... deliverable: mailer local, user daemon"
        ]
    );
}

#[test]
fn self_referencing_alias_matches_sendmail() {
    let lab = Lab::new();
    let is_local = |d: &str| lab.local.contains(d);
    let aliases = parse_text("self: self, root\n", &is_local);
    let ctx = Context {
        aliases: vec![&aliases],
        local_names: lab.local.clone(),
        mailertable: None,
        mailertable_problem: None,
        smart_host: None,
        users: &lab.users,
        forward_path: String::new(),
        host_name: "h".into(),
        checker: lab_checker(),
        default_user: crate::safefile::Identity::process(),
        mailers: default_mailers(),
        max_depth: 10,
    };
    let o = verify(&ctx, &["self".to_string()], true);
    assert_eq!(
        o.lines,
        [
            "self... aliased to self, root",
            "self... aliased to self, root",
            "root... duplicate suppressed",
            "self... duplicate suppressed",
            "self... User unknown",
            "self... User unknown",
            "root... deliverable: mailer local, user root"
        ]
    );
    assert_eq!(o.exit_code, 67);
    let o = verify(&ctx, &["x@far.example".to_string()], false);
    assert_eq!(
        o.lines,
        ["x@far.example... deliverable: mailer esmtp, host far.example, user x@far.example"]
    );
}

/// `-bv -v staff mixed` on the live oracle: root from the second alias is a duplicate.
#[test]
fn verbose_duplicate_across_arguments() {
    let lab = Lab::new();
    assert_eq!(
        lab.run(&["staff", "mixed"], true).lines,
        [
            "staff... aliased to root, daemon, mail",
            "mixed... aliased to root, someone@sink.example, /tmp/smlab/mail/mixed.mbox",
            "root... duplicate suppressed",
            "mail... deliverable: mailer local, user mail",
            "daemon... deliverable: mailer local, user daemon",
            "root... deliverable: mailer local, user root",
            "/tmp/smlab/mail/mixed.mbox... deliverable: mailer *file*, user /tmp/smlab/mail/mixed.mbox",
            "someone@sink.example... deliverable: mailer relay, host [127.0.0.1], user someone@sink.example"
        ]
    );
}

#[test]
fn never_panics_on_random_addresses() {
    let lab = Lab::new();
    let mut rng = crate::testutil::Rng::new(0xb7);
    let alphabet = b"rootlp12@<>()\",;:\\[]. %!|/+-";
    for _ in 0..3000 {
        let bytes = rng.bytes_from(alphabet, 30);
        let arg = String::from_utf8_lossy(&bytes).into_owned();
        let out = lab.run(&[arg.as_str(), "loop1"], rng.below(2) == 1);
        assert!(!out.lines.is_empty(), "{arg:?}");
    }
}

/// Settled with the live oracle: the send list is printed in order of host (a local
/// user's `+detail` is its host), so `[127.0.0.1]` comes before `aaa`; a mailertable
/// that cannot be opened is one line and exit 71, and routing goes on without it.
#[test]
fn deliverables_in_host_order_and_a_missing_mailertable() {
    let lab = Lab::new();
    assert_eq!(
        lab.run(&["root+zzz", "a@far.example", "mail", "root+aaa"], false).lines,
        [
            "mail... deliverable: mailer local, user mail",
            "a@far.example... deliverable: mailer relay, host [127.0.0.1], user a@far.example",
            "root+aaa... deliverable: mailer local, host aaa, user root",
            "root+zzz... deliverable: mailer local, host zzz, user root"
        ]
    );
    let missing = crate::expand::tests::missing_mailertable("hash");
    let mut ctx = lab.context();
    ctx.mailertable = None;
    let problem = "hash map \"mailertable\": missing map file /x/mt.db: No such file or directory";
    ctx.mailertable_problem = Some(&missing);
    let o = verify(&ctx, &["u@other.example".into(), "root".into()], false);
    assert_eq!(
        o.lines,
        [
            problem,
            "root... deliverable: mailer local, user root",
            "u@other.example... deliverable: mailer relay, host [127.0.0.1], user u@other.example"
        ]
    );
    assert_eq!(o.exit_code, 71);
}
