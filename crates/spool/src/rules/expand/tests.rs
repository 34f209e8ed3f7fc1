//! VRFY and EXPN replies of the oracle lab's open MTA (sendmail 8.17.1.9 over SMTP).

use super::super::testlab::{lab, lab_files, Lab};

fn vrfy(lab: &Lab, arg: &str) -> Vec<String> {
    lab.rules.vrfy(arg, &lab.hosts).unwrap().iter().map(|s| s.line()).collect()
}

fn expn(lab: &Lab, arg: &str) -> Vec<String> {
    let dir = lab.dir.path().to_str().unwrap().to_string();
    let lines = lab.rules.expn(arg, &lab.hosts).unwrap();
    lines.iter().map(|s| s.line().replace(&dir, "/tmp/smlab")).collect()
}

const ROOT: &str = "250 2.1.5 root <root@mail.lab.example>";

#[test]
fn vrfy_verifies_without_expanding() {
    let lab = lab();
    assert_eq!(vrfy(&lab, "root"), [ROOT]);
    assert_eq!(vrfy(&lab, "root+tag"), [ROOT]);
    assert_eq!(vrfy(&lab, "Root"), [ROOT]);
    assert_eq!(vrfy(&lab, "\"root\"@lab.example"), [ROOT]);
    assert_eq!(vrfy(&lab, "<root@lab.example>"), [ROOT]);
    assert_eq!(vrfy(&lab, "staff"), ["250 2.1.5 <staff@mail.lab.example>"]);
    assert_eq!(vrfy(&lab, "postmaster"), ["250 2.1.5 <postmaster@mail.lab.example>"]);
    assert_eq!(vrfy(&lab, "loop1"), ["250 2.1.5 <loop1@mail.lab.example>"]);
    assert_eq!(vrfy(&lab, "nobody"), ["250 2.1.5 nobody <nobody@mail.lab.example>"]);
    assert_eq!(vrfy(&lab, "root,daemon"), ["250 2.1.5 daemon <daemon@mail.lab.example>", ROOT]);
}

#[test]
fn vrfy_of_remote_and_bad_addresses() {
    let lab = lab();
    assert_eq!(vrfy(&lab, "someone@sink.example"), ["252 2.1.5 <someone@sink.example>"]);
    assert_eq!(
        vrfy(&lab, "user%elsewhere.example@lab.example"),
        ["252 2.1.5 <user@elsewhere.example>"]
    );
    assert_eq!(vrfy(&lab, "elsewhere!user"), ["252 2.1.5 <elsewhere!user@mail.lab.example>"]);
    assert_eq!(vrfy(&lab, "nosuchuser"), ["550 5.1.1 nosuchuser... User unknown"]);
    assert_eq!(vrfy(&lab, "root daemon"), ["550 5.1.1 root daemon... User unknown"]);
    assert_eq!(vrfy(&lab, "<>"), ["550 5.1.1 <>... User unknown"]);
    assert_eq!(vrfy(&lab, "@x"), ["553 5.1.3 @x... User address required"]);
    assert_eq!(vrfy(&lab, "a@b@c"), ["553 5.1.3 a@b@c... Invalid route address"]);
    assert_eq!(
        vrfy(&lab, "user@nosuchhost.example"),
        ["550 5.1.2 user@nosuchhost.example... Host unknown"]
    );
}

#[test]
fn expn_expands_aliases_includes_and_lists() {
    let lab = lab();
    let staff = [
        "250 2.1.5 mail <mail@mail.lab.example>",
        "250 2.1.5 daemon <daemon@mail.lab.example>",
        ROOT,
    ];
    assert_eq!(expn(&lab, "staff"), staff);
    assert_eq!(expn(&lab, "Staff"), staff);
    assert_eq!(expn(&lab, "longlist"), staff);
    assert_eq!(expn(&lab, "staff,root"), [ROOT, staff[0], staff[1]]);
    assert_eq!(expn(&lab, "mailer-daemon"), [ROOT]);
    assert_eq!(expn(&lab, "root+tag"), [ROOT]);
    assert_eq!(expn(&lab, "\\root"), ["250 2.1.5 root <\\root@mail.lab.example>"]);
    let listinc = [ROOT, "250 2.1.5 <member2@sink.example>", "250 2.1.5 <member1@sink.example>"];
    assert_eq!(expn(&lab, "listinc"), listinc);
    let mixed =
        ["250 2.1.5 </tmp/smlab/mail/mixed.mbox>", ROOT, "250 2.1.5 <someone@sink.example>"];
    assert_eq!(expn(&lab, "mixed"), mixed);
    assert_eq!(
        expn(&lab, "pipe"),
        ["250 2.1.5 <\"|/bin/sh -c 'cat >> /tmp/smlab/mail/pipe.out'\">"]
    );
    assert_eq!(expn(&lab, "devnull"), ["250 2.1.5 </dev/null>"]);
    assert_eq!(expn(&lab, "remote"), ["250 2.1.5 <someone@sink.example>"]);
    assert_eq!(expn(&lab, "user@[127.0.0.9]"), ["250 2.1.5 <user@[127.0.0.9]>"]);
}

#[test]
fn expn_errors_and_loops() {
    let lab = lab();
    assert_eq!(expn(&lab, "loop1"), ["554 5.4.6 aliasing/forwarding loop broken"]);
    assert_eq!(expn(&lab, "nosuchuser"), ["550 5.1.1 nosuchuser... User unknown"]);
    assert_eq!(
        expn(&lab, "user@nosuchhost.example"),
        ["550 5.1.2 user@nosuchhost.example... Host unknown"]
    );
    assert_eq!(expn(&lab, "/tmp/x"), ["550 5.7.1 /tmp/x... Cannot mail directly to files"]);
    assert_eq!(expn(&lab, ","), ["554 5.5.2 Nothing to EXPN"]);
}

#[test]
fn expn_follows_forward_files() {
    let lab = lab_files("", "", &[]);
    let fwd = lab.dir.path().join("forward");
    std::fs::create_dir_all(&fwd).unwrap();
    std::fs::write(fwd.join("nobody"), "# mine\nroot, someone@sink.example\n").unwrap();
    // Addresses from a .forward inherit the user's full name.
    assert_eq!(expn(&lab, "nobody"), [ROOT, "250 2.1.5 nobody <someone@sink.example>"]);
    assert_eq!(expn(&lab, "root,nosuchuser"), ["550 5.1.1 nosuchuser... User unknown"]);
    assert_eq!(
        expn(&lab, "|/bin/cat"),
        ["550 5.7.1 |/bin/cat... Cannot mail directly to programs"]
    );
    assert_eq!(vrfy(&lab, "nobody"), ["250 2.1.5 nobody <nobody@mail.lab.example>"]);
}
