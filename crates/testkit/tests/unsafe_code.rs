//! No raw `unsafe` anywhere in the workspace (issue 9, part 4).
//!
//! Every crate root (`src/lib.rs`, `src/main.rs`, `src/bin/*.rs`) carries
//! `#![forbid(unsafe_code)]`, so the compiler refuses an `unsafe` block in any module
//! of it; integration tests (`tests/`, each its own crate) are scanned for `unsafe`
//! blocks, functions, impls and traits. Unix calls go through `nix`.

use std::fs;
use std::path::{Path, PathBuf};

/// The workspace's `crates/` folder (this crate sits in it).
fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Every crate folder under `crates/` (a folder holding a `Cargo.toml`).
fn crates() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(crates_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The `.rs` files directly in `dir` and below it.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A crate's roots: `src/lib.rs`, `src/main.rs` and `src/bin/*.rs` that exist.
fn roots(krate: &Path) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = ["src/lib.rs", "src/main.rs"]
        .iter()
        .map(|r| krate.join(r))
        .filter(|p| p.is_file())
        .collect();
    rust_files(&krate.join("src/bin"), &mut roots);
    roots
}

/// Whether the text holds `unsafe` used as a keyword before a block, fn, impl or trait.
fn uses_unsafe(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find("unsafe") {
        let before = rest[..at].chars().next_back();
        let after = rest[at + "unsafe".len()..].trim_start();
        let word_start = !before.is_some_and(|c| c.is_alphanumeric() || c == '_');
        if word_start
            && ["{", "fn ", "impl", "trait ", "extern "].iter().any(|k| after.starts_with(k))
        {
            return true;
        }
        rest = &rest[at + "unsafe".len()..];
    }
    false
}

#[test]
fn every_crate_root_forbids_unsafe_code() {
    let krates = crates();
    assert!(krates.len() >= 8, "found only {krates:?}");
    let mut missing = Vec::new();
    for krate in &krates {
        let roots = roots(krate);
        assert!(!roots.is_empty(), "{} has no crate root", krate.display());
        for root in roots {
            let text = fs::read_to_string(&root).unwrap();
            if !text.lines().any(|l| l.trim() == "#![forbid(unsafe_code)]") {
                missing.push(root);
            }
        }
    }
    assert!(missing.is_empty(), "without #![forbid(unsafe_code)]: {missing:?}");
}

#[test]
fn no_integration_test_uses_unsafe() {
    let mut files = Vec::new();
    for krate in crates() {
        rust_files(&krate.join("tests"), &mut files);
        rust_files(&krate.join("benches"), &mut files);
    }
    // This file names the keywords in its own checks of the scanner.
    files.retain(|f| !f.ends_with("testkit/tests/unsafe_code.rs"));
    assert!(!files.is_empty());
    let offenders: Vec<_> =
        files.into_iter().filter(|f| uses_unsafe(&fs::read_to_string(f).unwrap())).collect();
    assert!(offenders.is_empty(), "raw unsafe in {offenders:?}");
}

#[test]
fn the_scanner_sees_unsafe_keywords_only() {
    assert!(uses_unsafe("let x = unsafe { f() };"));
    assert!(uses_unsafe("pub unsafe fn f() {}"));
    assert!(uses_unsafe("unsafe impl Send for X {}"));
    assert!(uses_unsafe("unsafe extern \"C\" {}"));
    assert!(!uses_unsafe("fn unsafe_args() {} // not unsafe at all"));
    assert!(!uses_unsafe("makemap's unsafe_ok flag; asks_for_unsafe(&args)"));
}
