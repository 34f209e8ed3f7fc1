//! Paths shared by the spool integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// `../shared` next to the workspace (the project's shared folder), else `/work/shared`.
pub fn shared() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    for candidate in [workspace.join("../shared"), PathBuf::from("/work/shared")] {
        if candidate.join("reference").is_dir() {
            return candidate;
        }
    }
    panic!("the shared reference folder (../shared/reference next to the workspace) is missing");
}

/// `../shared/reference`.
pub fn reference() -> PathBuf {
    shared().join("reference")
}

/// Every file under `dir` whose name satisfies `keep`, sorted.
pub fn files_under(dir: &std::path::Path, keep: &dyn Fn(&str) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(path.file_name().unwrap().to_str().unwrap()) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}
