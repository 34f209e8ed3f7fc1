use super::*;
use std::os::unix::fs::PermissionsExt;

fn me() -> Owner {
    let id = spool::safefile::Identity::process();
    Owner { uid: id.uid, gid: id.gid }
}

#[test]
fn entries_are_mail_locals() {
    let e = entry(
        "alice@example.org",
        "Fri Dec  4 17:32:45 2026",
        b"Subject: x\n\nbody\nFrom me\nlast",
    );
    assert_eq!(
        String::from_utf8(e).unwrap(),
        "From alice@example.org Fri Dec  4 17:32:45 2026\nSubject: x\n\nbody\n>From me\nlast\n\n"
    );
}

#[test]
fn appends_creates_private_and_unlocks() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("ann");
    append(&mbox, me(), true, b"From a x\none\n\n").unwrap();
    append(&mbox, me(), true, b"From b x\ntwo\n\n").unwrap();
    assert_eq!(std::fs::read(&mbox).unwrap(), b"From a x\none\n\nFrom b x\ntwo\n\n");
    assert_eq!(std::fs::metadata(&mbox).unwrap().permissions().mode() & 0o777, 0o600);
    assert!(!dir.path().join("ann.lock").exists(), "the dotlock is removed");
}

#[test]
fn refuses_links_other_owners_and_breaks_stale_locks() {
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("ann");
    std::fs::write(&mbox, "").unwrap();
    let stranger = Owner { uid: me().uid + 1, ..me() };
    assert!(append(&mbox, stranger, true, b"x").unwrap_err().why.starts_with("wrong ownership"));
    let link = dir.path().join("bob");
    std::os::unix::fs::symlink(&mbox, &link).unwrap();
    assert!(append(&link, me(), true, b"x").is_err());
    let hard = dir.path().join("carl");
    std::fs::hard_link(&mbox, &hard).unwrap();
    assert_eq!(append(&hard, me(), true, b"x").unwrap_err().why, "too many links");
    assert_eq!(std::fs::read(&mbox).unwrap(), b"", "nothing was written");
    let other = dir.path().join("dan");
    let lock = dir.path().join("dan.lock");
    std::fs::write(&lock, "").unwrap();
    let old = nix::sys::time::TimeVal::new(1_000_000_000, 0);
    nix::sys::stat::utimes(&lock, &old, &old).unwrap();
    append(&other, me(), true, b"y\n").unwrap();
    assert_eq!(std::fs::read(&other).unwrap(), b"y\n");
}
