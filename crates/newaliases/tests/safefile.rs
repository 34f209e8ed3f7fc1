//! sendmail's file-safety checks on alias files and their databases (issue 9):
//! ferrymail's newaliases against recordings of the real one
//! (`tests/fixtures/safefile-root.txt`, `-nobody.txt`) and, where the oracle is
//! installed, against the real newaliases live.
//!
//! Every case needs root (the warnings are root's; the ordinary-user cases run
//! newaliases as `nobody` through `setpriv`); without it the tests say `SKIP:`.
//! `FERRYMAIL_RECORD=1 cargo test -p newaliases --test safefile -- --ignored record`
//! re-records both fixtures from the oracle.

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

/// The oracle's config: the lab's sendmail.cf with the alias file in the scratch
/// directory (and, for nobody, a queue it owns and the class of trusted users).
fn real_cf(oracle: &Oracle, tmp: &Path, work: &Path, who: Who) -> PathBuf {
    let lab = std::fs::read_to_string(oracle.sendmail_cf()).unwrap();
    let mut cf: String = lab
        .lines()
        .map(|l| {
            if l.starts_with("O AliasFile=") {
                format!("O AliasFile={}/al/aliases\n", work.display())
            } else if l.starts_with("O QueueDirectory=") && who == Who::Nobody {
                format!("O QueueDirectory={}/q\n", tmp.display())
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    if who == Who::Nobody {
        cf.push_str("Ct nobody\n");
        let q = tmp.join("q");
        std::fs::create_dir(&q).unwrap();
        std::process::Command::new("chown").arg("nobody:nogroup").arg(&q).status().unwrap();
    }
    let path = tmp.join("sm.cf");
    std::fs::write(&path, cf).unwrap();
    path
}

/// ferrymail's config: the same alias file, and the lab's DontBlameSendmail.
fn our_mc(tmp: &Path, work: &Path) -> PathBuf {
    let path = tmp.join("sm.mc");
    let mc = format!(
        "define(`ALIAS_FILE', `{}/al/aliases')dnl\ndefine(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl\n",
        work.display()
    );
    std::fs::write(&path, mc).unwrap();
    path
}

/// Replays the fixture's commands with `side`'s newaliases, run as `who`.
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
    let cf = match &side {
        Side::Ours => {
            argv.push(PathBuf::from(env!("CARGO_BIN_EXE_newaliases")));
            our_mc(tmp.path(), &work)
        }
        Side::Real(oracle) => {
            argv.push(oracle.root.join("usr/libexec/sendmail/newaliases"));
            real_cf(oracle, tmp.path(), &work, who)
        }
    };
    s.program("newaliases", &argv.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    s.env("CF", cf);
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

fn oracle() -> Option<Oracle> {
    let oracle = Oracle::locate();
    let real = oracle.root.join("usr/libexec/sendmail/newaliases");
    (scenario::is_root() && oracle.available(&[real, oracle.sendmail_cf()])).then_some(oracle)
}

fn live(who: Who) {
    let Some(oracle) = oracle() else {
        return skip("needs root and the oracle's newaliases and lab");
    };
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
    let Some(oracle) = oracle().filter(|_| std::env::var_os("FERRYMAIL_RECORD").is_some()) else {
        return skip("set FERRYMAIL_RECORD=1 and install the oracle to record");
    };
    for who in [Who::Root, Who::Nobody] {
        let text = std::fs::read_to_string(fixture(who)).unwrap();
        let cases = replay(who, Side::Real(&oracle));
        std::fs::write(fixture(who), scenario::render(&scenario::header(&text), &cases)).unwrap();
    }
}
