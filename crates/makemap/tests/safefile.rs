//! sendmail's file-safety checks on the map file (issue 9): ferrymail's makemap against
//! recordings of the real one (`tests/fixtures/safefile-root.txt`, `-nobody.txt`) and,
//! where the oracle is installed, against the real makemap live.
//!
//! Every case needs root: only root gets the directory warnings, and the ordinary-user
//! cases run makemap as `nobody` through `setpriv` after `chown`s. Without root the
//! tests say `SKIP:` and pass. `FERRYMAIL_RECORD=1 cargo test -p makemap --test
//! safefile -- --ignored record` re-records both fixtures from the oracle.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use testkit::oracle::{skip, Oracle};
use testkit::scenario::{self, assert_same, Scenario, AS_NOBODY};
use testkit::transcript::{self, Case};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Root,
    Nobody,
}

enum Side<'a> {
    Ours,
    Real(&'a Oracle),
}

fn fixture(who: Who) -> PathBuf {
    let name = if who == Who::Root { "safefile-root.txt" } else { "safefile-nobody.txt" };
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Replays the fixture's commands with `side`'s makemap, run as `who`.
fn replay(who: Who, side: Side) -> Vec<Case> {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    for d in [tmp.path(), &work] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut s = Scenario::new(&work, &tmp.path().join("bin"));
    let mut argv: Vec<PathBuf> = Vec::new();
    if let Side::Real(oracle) = &side {
        argv.push(oracle.smns.clone());
    }
    if who == Who::Nobody {
        argv.extend(AS_NOBODY.iter().map(PathBuf::from));
    }
    argv.push(match &side {
        Side::Ours => PathBuf::from(env!("CARGO_BIN_EXE_makemap")),
        Side::Real(oracle) => oracle.makemap(),
    });
    s.program("makemap", &argv.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let text = std::fs::read_to_string(fixture(who)).unwrap();
    s.replay(&transcript::parse(&text))
}

fn like_the_recording(who: Who) {
    if !scenario::is_root() {
        return skip("the file-safety cases need root (warnings, chown, setpriv)");
    }
    let want = transcript::parse(&std::fs::read_to_string(fixture(who)).unwrap());
    assert!(want.len() > 5 && want.iter().all(|c| c.exit >= 0), "{who:?}: not recorded");
    assert_same(&want, &replay(who, Side::Ours), &format!("{who:?}, recording"));
}

fn live(who: Who) {
    let oracle = Oracle::locate();
    if !scenario::is_root() || !oracle.available(&[oracle.makemap()]) {
        return skip("needs root and the oracle's makemap");
    }
    let real = replay(who, Side::Real(&oracle));
    assert_same(&real, &replay(who, Side::Ours), &format!("{who:?}, live oracle"));
}

#[test]
fn as_root_like_the_recording() {
    like_the_recording(Who::Root);
}

#[test]
fn as_nobody_like_the_recording() {
    like_the_recording(Who::Nobody);
}

#[test]
fn as_root_like_the_live_oracle() {
    live(Who::Root);
}

#[test]
fn as_nobody_like_the_live_oracle() {
    live(Who::Nobody);
}

#[test]
#[ignore = "re-records the fixtures from the oracle; run with FERRYMAIL_RECORD=1"]
fn record() {
    let oracle = Oracle::locate();
    if std::env::var_os("FERRYMAIL_RECORD").is_none() || !oracle.available(&[oracle.makemap()]) {
        return skip("set FERRYMAIL_RECORD=1 and install the oracle to record");
    }
    for who in [Who::Root, Who::Nobody] {
        let text = std::fs::read_to_string(fixture(who)).unwrap();
        let cases = replay(who, Side::Real(&oracle));
        std::fs::write(fixture(who), scenario::render(&scenario::header(&text), &cases)).unwrap();
    }
}
