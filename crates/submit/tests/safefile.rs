//! sendmail's file-safety checks on `.forward` and `:include:` files as `-bv` shows
//! them (issue 9): ferrymail's submit against a recording of the real sendmail
//! (`tests/fixtures/safefile-bv.txt`) and, where the oracle is installed, live.
//!
//! The cases need root (`chown` to the users whose files they are) and ferrymail's
//! newaliases beside submit (to build the alias database); without either the tests
//! say `SKIP:`. `FERRYMAIL_RECORD=1 cargo test -p submit --test safefile -- --ignored
//! record` re-records the fixture from the oracle.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use testkit::oracle::{skip, Oracle};
use testkit::scenario::{self, assert_same, Scenario};
use testkit::transcript::{self, Case};

enum Side<'a> {
    Ours,
    Real(&'a Oracle),
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/safefile-bv.txt")
}

fn our_newaliases() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_submit")).with_file_name("newaliases")
}

/// The oracle's config: the lab's sendmail.cf with the alias file and the `.forward`
/// files in the scratch directory.
fn real_cf(oracle: &Oracle, tmp: &Path, work: &Path) -> PathBuf {
    let lab = std::fs::read_to_string(oracle.sendmail_cf()).unwrap();
    let cf: String = lab
        .lines()
        .map(|l| match l {
            _ if l.starts_with("O AliasFile=") => {
                format!("O AliasFile={}/al/aliases\n", work.display())
            }
            _ if l.starts_with("O ForwardPath=") => {
                format!("O ForwardPath={}/fw/$u\n", work.display())
            }
            _ => format!("{l}\n"),
        })
        .collect();
    let path = tmp.join("sm.cf");
    std::fs::write(&path, cf).unwrap();
    path
}

/// ferrymail's config: the same files, and the lab's DefaultUser and DontBlameSendmail.
fn our_mc(tmp: &Path, work: &Path) -> PathBuf {
    let path = tmp.join("sm.mc");
    let w = work.display();
    let mc = format!(
        "define(`ALIAS_FILE', `{w}/al/aliases')dnl\n\
         define(`confFORWARD_PATH', `{w}/fw/$u')dnl\n\
         define(`confDEF_USER_ID', `mail:mail')dnl\n\
         define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl\n"
    );
    std::fs::write(&path, mc).unwrap();
    path
}

/// Replays the fixture's commands with `side`'s sendmail and newaliases.
fn replay(side: Side) -> Vec<Case> {
    let tmp = tempfile::tempdir().unwrap();
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    for d in [tmp.path(), &work] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mut s = Scenario::new(&work, &tmp.path().join("bin"));
    let cf = match &side {
        Side::Ours => {
            s.program("sendmail", &[Path::new(env!("CARGO_BIN_EXE_submit"))]);
            s.program("newaliases", &[&our_newaliases()]);
            our_mc(tmp.path(), &work)
        }
        Side::Real(oracle) => {
            s.program("sendmail", &[&oracle.smns, &oracle.sendmail()]);
            let newaliases = oracle.root.join("usr/libexec/sendmail/newaliases");
            s.program("newaliases", &[&oracle.smns, &newaliases]);
            real_cf(oracle, tmp.path(), &work)
        }
    };
    s.env("CF", cf);
    let text = std::fs::read_to_string(fixture()).unwrap();
    s.replay(&transcript::parse(&text))
}

/// Whether ours can run the cases here.
fn runnable() -> bool {
    if !scenario::is_root() {
        skip("the .forward cases need root (chown to their users)");
        return false;
    }
    if !our_newaliases().exists() {
        skip("ferrymail's newaliases is not built beside submit (cargo test --workspace)");
        return false;
    }
    true
}

fn oracle() -> Option<Oracle> {
    let oracle = Oracle::locate();
    (scenario::is_root() && oracle.available(&[oracle.sendmail(), oracle.sendmail_cf()]))
        .then_some(oracle)
}

#[test]
fn like_the_recording() {
    if !runnable() {
        return;
    }
    let want = transcript::parse(&std::fs::read_to_string(fixture()).unwrap());
    assert!(want.len() > 20 && want.iter().all(|c| c.exit >= 0), "not recorded");
    assert_same(&want, &replay(Side::Ours), "recording");
}

#[test]
fn like_the_live_oracle() {
    let Some(oracle) = oracle().filter(|_| runnable()) else {
        return skip("needs root and the oracle's sendmail and lab");
    };
    assert_same(&replay(Side::Real(&oracle)), &replay(Side::Ours), "live oracle");
}

#[test]
#[ignore = "re-records the fixture from the oracle; run with FERRYMAIL_RECORD=1"]
fn record() {
    let Some(oracle) = oracle().filter(|_| std::env::var_os("FERRYMAIL_RECORD").is_some()) else {
        return skip("set FERRYMAIL_RECORD=1 and install the oracle to record");
    };
    let text = std::fs::read_to_string(fixture()).unwrap();
    let cases = replay(Side::Real(&oracle));
    std::fs::write(fixture(), scenario::render(&scenario::header(&text), &cases)).unwrap();
}
