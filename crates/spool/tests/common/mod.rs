//! Helpers shared by the spool integration tests (recordings: `testkit::paths`).
#![allow(dead_code)]

use std::path::PathBuf;

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
