//! newaliases against the recorded sendmail output (`tests/reference/aliases`).

use std::path::Path;
use std::process::Command;
use testkit::oracle::{skip, Oracle};
use testkit::{paths, transcript};

/// The [stdout] lines and exit status recorded for the first command containing `cmd`.
fn recorded(file: &str, cmd: &str) -> (Vec<String>, i32) {
    let text = std::fs::read_to_string(paths::reference().join("aliases").join(file)).unwrap();
    let cases = transcript::parse(&text);
    let case = transcript::find(&cases, cmd);
    (case.stdout_lines(), case.exit)
}

/// The lab's `DontBlameSendmail`: the temporary directories are under `/tmp`, which
/// sendmail's safety checks refuse as world-writable unless its sticky bit is trusted.
const TRUST_TMP: &str = "define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl\n";

/// Runs newaliases on the lab's `source` file copied into a temp dir.
fn run(source: &str) -> (tempfile::TempDir, Vec<String>, i32) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(paths::oracle_conf().join(source)).unwrap();
    let path = dir.path().join("aliases");
    std::fs::write(&path, text.replace("@SMLAB@", "/tmp/smlab")).unwrap();
    let lhn = dir.path().join("local-host-names");
    std::fs::copy(paths::oracle_conf().join("local-host-names"), &lhn).unwrap();
    let mc = dir.path().join("sendmail.mc");
    std::fs::write(&mc, format!("define(`confCW_FILE', `{}')dnl\n{TRUST_TMP}", lhn.display()))
        .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newaliases"))
        .arg("-C")
        .arg(&mc)
        .arg(format!("-oA{}", path.display()))
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines = stdout.lines().map(|l| l.replace(&path.display().to_string(), "ALIASES")).collect();
    (dir, lines, out.status.code().unwrap())
}

fn normalise(lines: Vec<String>, case: &str) -> Vec<String> {
    let p = format!("/tmp/smlab/ref/aliases/{case}/aliases");
    lines.into_iter().map(|l| l.replace(&p, "ALIASES")).collect()
}

#[test]
fn torture_output_and_exit_status() {
    let (dir, lines, code) = run("aliases-torture");
    let cmd = "-oA/tmp/smlab/ref/aliases/newaliases-torture/aliases";
    let (want, want_code) = recorded("newaliases-torture.txt", cmd);
    assert_eq!(lines, normalise(want, "newaliases-torture"));
    assert_eq!(code, want_code);
    let db = dir.path().join("aliases.db");
    let meta = std::fs::metadata(&db).unwrap();
    assert!(meta.len() > 0);
    use std::os::unix::fs::PermissionsExt;
    let mode = format!("{:04o}", meta.permissions().mode() & 0o7777);
    assert_eq!(mode, "0640", "mode of {}", db.display());
}

/// The database is created mode 0640 whatever the caller's umask: the real newaliases
/// (8.17.1.9, run through the oracle under umasks 000, 002, 022, 027, 077 and 0777)
/// made `aliases.db` `-rw-r-----` every time, as it sets its own umask (022) first.
#[test]
fn a_new_database_is_mode_0640_under_any_umask() {
    use std::os::unix::fs::PermissionsExt;
    for umask in ["000", "022", "077", "0777"] {
        let dir = tempfile::tempdir().unwrap();
        let aliases = dir.path().join("aliases");
        std::fs::write(&aliases, "a: root\n").unwrap();
        let mc = dir.path().join("sendmail.mc");
        // The temporary directory is under /tmp: trusted for its sticky bit, as in the lab.
        std::fs::write(&mc, "define(`confDONT_BLAME_SENDMAIL', `TrustStickyBit')dnl\n").unwrap();
        let out = Command::new("sh")
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_newaliases"))
            .arg("-C")
            .arg(&mc)
            .arg(format!("-oA{}", aliases.display()))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "umask {umask}: {out:?}");
        let meta = std::fs::metadata(dir.path().join("aliases.db")).unwrap();
        let mode = format!("{:04o}", meta.permissions().mode() & 0o7777);
        assert_eq!(mode, "0640", "umask {umask}");
    }
}

#[test]
fn clean_output_and_database_reads_back() {
    let (dir, lines, code) = run("aliases");
    let cmd = "-oA/tmp/smlab/ref/aliases/newaliases-clean/aliases";
    let (want, want_code) = recorded("newaliases-clean.txt", cmd);
    assert_eq!(lines, normalise(want, "newaliases-clean"));
    assert_eq!(code, want_code);
    let map = spool::maps::open(spool::maps::MapType::Hash, &dir.path().join("aliases")).unwrap();
    assert_eq!(spool::maps::lookup(&*map, b"staff").unwrap().unwrap(), b"root, daemon, mail");
    assert_eq!(map.get(b"mailer-daemon\0").unwrap().unwrap(), b"postmaster\0");
    assert_eq!(map.get(b"@\0").unwrap().unwrap(), b"@\0");
    assert_eq!(map.entries().unwrap().len(), 15);
}

#[test]
fn missing_file_is_reported_and_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nonexist");
    let ok = dir.path().join("ok");
    std::fs::write(&ok, "a: b\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newaliases"))
        .arg("-C")
        .arg(dir.path().join("none.mc"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(66));
    let mc = dir.path().join("sendmail.mc");
    std::fs::write(&mc, TRUST_TMP).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_newaliases"))
        .arg("-C")
        .arg(&mc)
        .args(["-O", &format!("AliasFile={},{}", missing.display(), ok.display())])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout,
        format!(
            "newaliases: cannot open {}: No such file or directory\n{}: 1 aliases, longest 1 bytes, 2 bytes total\n",
            missing.display(),
            ok.display()
        )
    );
    assert_eq!(out.status.code(), Some(0));
    let bad = Command::new(env!("CARGO_BIN_EXE_newaliases")).arg("-Z").output().unwrap();
    assert_eq!(bad.status.code(), Some(64));
}

/// The real praliases (the oracle, when it is unpacked on this machine) reads our
/// database exactly as it reads sendmail's: same entries, same order.
#[test]
fn real_praliases_reads_our_database() {
    let oracle = Oracle::locate();
    if !oracle.available(&[oracle.praliases(), oracle.sendmail_cf()]) {
        skip("oracle not unpacked");
        return;
    }
    let (dir, _, _) = run("aliases-torture");
    let out = oracle
        .command(&oracle.praliases(), &oracle.sendmail_cf())
        .arg("-f")
        .arg(dir.path().join("aliases"))
        .output()
        .unwrap();
    if out.status.code() == Some(69) {
        skip("smns cannot create its namespace here");
        return;
    }
    let (want, _) =
        recorded("newaliases-torture.txt", "praliases -C /tmp/smlab/etc/sendmail.cf -f");
    let got: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().map(String::from).collect();
    assert_eq!(got, want);
}

/// Our aliases.db of the lab's aliases file is, byte for byte in `db5.3_dump -p`,
/// the one sendmail built (`/tmp/smlab/etc/aliases.db`, made by the oracle's setup):
/// same entries, same order, same meta data (no size hint, as sendmail's rebuild).
#[test]
fn database_dumps_like_sendmails() {
    let theirs = Oracle::locate().lab.join("etc/aliases.db");
    let dump = |db: &Path| {
        Command::new("db5.3_dump").arg("-p").arg(db).output().ok().filter(|o| o.status.success())
    };
    let Some(their_dump) = dump(&theirs) else {
        skip("oracle aliases.db or db5.3_dump missing");
        return;
    };
    let (dir, lines, code) = run("aliases");
    assert_eq!(code, 0, "{lines:?}");
    let ours = dump(&dir.path().join("aliases.db")).expect("db5.3_dump reads our aliases.db");
    assert_eq!(String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&their_dump.stdout));
}
