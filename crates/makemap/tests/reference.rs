//! Runs every command of `tests/reference/makemap/*.txt` with ferrymail's makemap
//! in place of the real one and compares stdout, stderr and the exit status.
//!
//! Adaptations, all explicit below: the lab's paths point into a scratch directory
//! holding a `sendmail.cf` with the lab's K lines and copies of the lab's map
//! sources; `-l`/`-L`/`-x` list `cdb` too (this build has it); without `-C`, ferrymail
//! reads `/etc/mail/sendmail.mc`, not `sendmail.cf`. Commands that need `file` or
//! `db5.3_dump` are skipped (with `testkit::oracle::skip`) where those are not
//! installed, as is the command that shows there is no `/etc/mail/sendmail.cf` on a
//! machine that has one.

mod common;

use common::fixture;
use std::path::Path;
use std::process::Command;
use testkit::oracle::{on_path, skip};
use testkit::transcript::{self, Case};

/// The lab's sendmail.cf K lines, as recorded in type-from-cf.txt.
const K_LINES: &str =
    "Kresolve host -a<OKR> -T<TEMP>\nKarith arith\nKmacro macro\nKdequote dequote\n\
Kaccess hash -T<TMPF> -o @LAB@/etc/access\nKmailertable hash -o @LAB@/etc/mailertable\n";

fn lab(scratch: &Path) -> tempfile::TempDir {
    let lab = tempfile::tempdir_in(scratch).unwrap();
    let etc = lab.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    let l = lab.path().to_str().unwrap();
    std::fs::write(etc.join("sendmail.cf"), K_LINES.replace("@LAB@", l)).unwrap();
    std::fs::copy(fixture("access.txt"), etc.join("access")).unwrap();
    std::fs::copy(fixture("mailertable.txt"), etc.join("mailertable")).unwrap();
    lab
}

/// What ferrymail should print where it knowingly differs from sendmail.
fn adapt(text: &str, command: &str, lab: &str) -> String {
    let mut t = text.replace("/tmp/smlab", lab);
    t = t.replace("makemap: /etc/mail/sendmail.cf:", "makemap: /etc/mail/sendmail.mc:");
    if command.contains(" -l") || command.contains(" -L") {
        t = t.replace("btree\nimplicit\n", "btree\ncdb\nimplicit\n");
    }
    if command.contains(" -x") {
        t = t.replace("btree:db\n", "btree:db\ncdb:cdb\n");
    }
    t
}

fn run_file(name: &str) {
    let text =
        std::fs::read_to_string(testkit::paths::reference().join("makemap").join(name)).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let bin = scratch.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_makemap"), bin.join("makemap")).unwrap();
    let lab = lab(scratch.path());
    let lab_path = lab.path().to_str().unwrap().to_string();
    let work = scratch.path().join("work");
    std::fs::create_dir(&work).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut ran = 0;
    for case in transcript::parse(&text) {
        let needs: Vec<&str> =
            ["db5.3_dump", "file "].into_iter().filter(|p| case.command.contains(p)).collect();
        if needs.iter().any(|p| !on_path(p.trim())) {
            skip(format!("{name}: needs {needs:?}: {}", case.command));
            continue;
        }
        if case.command.starts_with("ls /etc/mail/sendmail.cf")
            && Path::new("/etc/mail/sendmail.mc").exists()
        {
            skip(format!("{name}: this machine has /etc/mail/sendmail.mc: {}", case.command));
            continue;
        }
        check(name, &case, &work, &path, &lab_path);
        ran += 1;
    }
    assert!(ran > 0, "{name}: no case ran");
}

fn check(name: &str, case: &Case, work: &Path, path: &str, lab: &str) {
    let command = case.command.replace("/tmp/smlab", lab);
    let out = Command::new("bash")
        .arg("-c")
        .arg(&command)
        .current_dir(work)
        .env("PATH", path)
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    let got = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
        out.status.code(),
    );
    let want_out = adapt(&case.stdout, &case.command, lab);
    let want_err = adapt(&case.stderr, &case.command, lab);
    assert_eq!(got.0, want_out, "{name}: stdout of `{}`", case.command);
    assert_eq!(got.1, want_err, "{name}: stderr of `{}`", case.command);
    assert_eq!(got.2, Some(case.exit), "{name}: exit of `{}`", case.command);
}

#[test]
fn btree_basic() {
    run_file("btree-basic.txt");
}

#[test]
fn case_folding() {
    run_file("case-folding.txt");
}

#[test]
fn duplicate_keys() {
    run_file("duplicate-keys.txt");
}

#[test]
fn empty_value() {
    run_file("empty-value.txt");
}

#[test]
fn errors() {
    run_file("errors.txt");
}

#[test]
fn hash_basic() {
    run_file("hash-basic.txt");
}

#[test]
fn lab_access_mailertable() {
    run_file("lab-access-mailertable.txt");
}

#[test]
fn nul_terminated_keys() {
    run_file("nul-terminated-keys.txt");
}

#[test]
fn type_from_cf() {
    run_file("type-from-cf.txt");
}

#[test]
fn usage_and_list() {
    run_file("usage-and-list.txt");
}
