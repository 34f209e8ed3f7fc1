//! Helpers shared by the integration tests: running the built binary and the real
//! `openssl` command line.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_dhparam-gen");

/// Runs dhparam-gen with `args`.
pub fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().expect("run dhparam-gen")
}

/// Exit code, stdout, stderr.
pub fn outcome(out: &Output) -> (i32, String, String) {
    (
        out.status.code().expect("exited normally"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the `openssl` command line; panics with its stderr if it fails.
pub fn openssl(args: &[&str]) -> Output {
    let out = Command::new("openssl")
        .args(args)
        .output()
        .expect("the openssl command line is installed (apt-get install openssl)");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Whether `openssl dhparam -check` accepts the file.
pub fn openssl_check(path: &Path) -> bool {
    Command::new("openssl")
        .args(["dhparam", "-in"])
        .arg(path)
        .args(["-check", "-noout"])
        .output()
        .expect("the openssl command line is installed")
        .status
        .success()
}

/// Writes a named group made by `openssl genpkey` to `dir/NAME.pem`.
pub fn openssl_group(dir: &Path, algorithm: &str, option: &str, name: &str) -> std::path::PathBuf {
    let path = dir.join(format!("{name}.pem"));
    let path_str = path.to_str().unwrap();
    openssl(&[
        "genpkey",
        "-genparam",
        "-algorithm",
        algorithm,
        "-pkeyopt",
        option,
        "-out",
        path_str,
    ]);
    path
}

/// PEM for p and g, written through the openssl crate.
pub fn pem_of(p: openssl::bn::BigNum, g: u32) -> Vec<u8> {
    let g = openssl::bn::BigNum::from_u32(g).unwrap();
    openssl::dh::Dh::from_pqg(p, None, g).unwrap().params_to_pem().unwrap()
}
