//! Generation, checked by the real `openssl dhparam -check` (issue 6, item 1).
//! 512-bit parameters keep the tests fast.

mod common;

use common::{openssl_check, outcome, run};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn no_temporaries_in(dir: &Path) {
    for entry in fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        assert!(!name.to_string_lossy().starts_with(".dhparam-gen."), "left behind: {name:?}");
    }
}

#[test]
fn issue6_generated_file_passes_openssl_check_with_mode_0644() {
    let dir = tempfile::tempdir().unwrap();
    for generator in ["-2", "-5"] {
        let out = dir.path().join(format!("dh{generator}.pem"));
        let (code, stdout, stderr) =
            outcome(&run(&["-out", out.to_str().unwrap(), generator, "512"]));
        assert_eq!(code, 0, "{stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.starts_with("Generating DH parameters, 512 bit long safe prime\n"),
            "{stderr}"
        );
        let text = fs::read_to_string(&out).unwrap();
        assert!(text.starts_with("-----BEGIN DH PARAMETERS-----\n"), "{text}");
        assert!(text.ends_with("-----END DH PARAMETERS-----\n"));
        assert!(openssl_check(&out), "openssl dhparam -check rejected {}", out.display());
        assert_eq!(fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o644);
    }
    no_temporaries_in(dir.path());
}

#[test]
fn generated_file_is_read_by_openssl_as_sendmail_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dh.pem");
    assert_eq!(run(&["-q", "-out", out.to_str().unwrap(), "512"]).status.code(), Some(0));
    // sendmail's inittls calls PEM_read_bio_DHparams, which this is.
    let dh = openssl::dh::Dh::params_from_pem(&fs::read(&out).unwrap()).unwrap();
    assert_eq!(dh.prime_p().num_bits(), 512);
}

#[test]
fn quiet_is_silent_and_stdout_is_the_default() {
    let (code, stdout, stderr) = outcome(&run(&["-q", "512"]));
    assert_eq!(code, 0);
    assert!(stderr.is_empty(), "{stderr}");
    assert!(stdout.starts_with("-----BEGIN DH PARAMETERS-----\n"));
}

#[test]
fn dsaparam_writes_x942_that_openssl_checks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dsa.pem");
    let (code, _, stderr) =
        outcome(&run(&["-q", "-dsaparam", "-out", out.to_str().unwrap(), "1024"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(fs::read_to_string(&out).unwrap().starts_with("-----BEGIN X9.42 DH PARAMETERS-----\n"));
    assert!(openssl_check(&out));
}

#[test]
fn replaces_an_existing_file_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("dh.pem");
    fs::write(&out, "old contents").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
    assert_eq!(run(&["-q", "-out", out.to_str().unwrap(), "512"]).status.code(), Some(0));
    assert!(openssl_check(&out));
    assert_eq!(fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o644);
    no_temporaries_in(dir.path());
}

#[test]
fn issue6_dash_c_writes_where_the_mc_says() {
    let dir = tempfile::tempdir().unwrap();
    let mc = dir.path().join("sendmail.mc");
    let mc_text = format!(
        "divert(-1)dnl\ninclude(`/usr/share/sendmail/cf/m4/cf.m4')dnl\n\
         define(`CERT_DIR', `{}')dnl\n\
         dnl define(`confDH_PARAMETERS', `/wrong.pem')dnl\n\
         define(`confDH_PARAMETERS', `CERT_DIR/dh.pem')dnl   # <= EDIT\nMAILER(smtp)dnl\n",
        dir.path().display()
    );
    fs::write(&mc, mc_text).unwrap();
    let (code, _, stderr) = outcome(&run(&["-q", "-C", mc.to_str().unwrap(), "512"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(openssl_check(&dir.path().join("dh.pem")));
    no_temporaries_in(dir.path());
}

#[test]
fn dash_c_without_a_file_value_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let mc = dir.path().join("sendmail.mc");
    fs::write(&mc, "define(`confDH_PARAMETERS', `2')dnl\n").unwrap();
    let (code, _, stderr) = outcome(&run(&["-q", "-C", mc.to_str().unwrap(), "512"]));
    assert_eq!(code, 64);
    assert!(stderr.contains("not a file; give -out FILE"), "{stderr}");
    fs::write(&mc, "dnl nothing here\n").unwrap();
    assert_eq!(run(&["-q", "-C", mc.to_str().unwrap(), "512"]).status.code(), Some(64));
    let missing = dir.path().join("missing.mc");
    assert_eq!(run(&["-q", "-C", missing.to_str().unwrap(), "512"]).status.code(), Some(66));
}

#[test]
fn unwritable_destination_is_cantcreat_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no-such-dir/dh.pem");
    let (code, _, stderr) = outcome(&run(&["-q", "-out", out.to_str().unwrap(), "512"]));
    assert_eq!(code, 73);
    assert!(
        stderr.starts_with("dhparam-gen: ") && stderr.contains("no-such-dir/dh.pem"),
        "{stderr}"
    );
    no_temporaries_in(dir.path());
}

#[test]
fn command_line_mistakes_are_usage_errors() {
    for args in [&["-x"][..], &["511"], &["abc"], &["-dsaparam", "-5"], &["-out"], &["512", "1024"]]
    {
        let (code, stdout, stderr) = outcome(&run(args));
        assert_eq!(code, 64, "{args:?}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("usage: dhparam-gen"), "{stderr}");
    }
    let (code, stdout, _) = outcome(&run(&["--help"]));
    assert_eq!(code, 0);
    assert!(stdout.starts_with("usage: dhparam-gen"));
}
