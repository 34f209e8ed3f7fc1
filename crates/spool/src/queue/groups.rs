//! # Name
//! groups - the queue directories a `QueueDirectory` value names
//!
//! # Description
//! sendmail spreads a queue over several directories when `QueueDirectory` ends in
//! `*` (`/var/spool/mqueue/q*`: every directory `q1`, `q2`, ... beside it; `.../*`:
//! every directory in it); each is listed and run on its own, in name order. Any
//! other value is one directory.
//!
//! # Errors
//! [`QueueError::Io`] naming the directory that cannot be read (sendmail's "can not
//! chdir").

use super::QueueError;
use std::path::{Path, PathBuf};

/// The directories `dir` names, each with its name as configured.
///
/// # Errors
/// `dir` (or, for a pattern, the directory it looks in) cannot be read.
pub fn directories(dir: &Path) -> Result<Vec<(String, PathBuf)>, QueueError> {
    let text = dir.to_string_lossy();
    let Some(prefix) = text.strip_suffix('*') else {
        readable(dir)?;
        return Ok(vec![(text.into_owned(), dir.to_path_buf())]);
    };
    let prefix = Path::new(prefix);
    let (parent, start) = match prefix.file_name() {
        Some(name) if !text.ends_with("/*") => {
            (prefix.parent().unwrap_or(Path::new("/")), name.to_string_lossy())
        }
        _ => (prefix, "".into()),
    };
    let mut found = Vec::new();
    for entry in readable(parent)? {
        let path = entry.map_err(|e| QueueError::io(parent, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.starts_with(start.as_ref()) && path.is_dir() {
            found.push((path.display().to_string(), path));
        }
    }
    found.sort();
    Ok(found)
}

fn readable(dir: &Path) -> Result<std::fs::ReadDir, QueueError> {
    std::fs::read_dir(dir).map_err(|e| QueueError::io(dir, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_directory_or_every_match_of_a_pattern() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in ["q2", "q1", "other"] {
            std::fs::create_dir(root.join(name)).unwrap();
        }
        std::fs::write(root.join("q9"), "not a directory").unwrap();
        let names = |pattern: &Path| -> Vec<PathBuf> {
            directories(pattern).unwrap().into_iter().map(|(_, p)| p).collect()
        };
        assert_eq!(names(&root.join("q*")), [root.join("q1"), root.join("q2")]);
        assert_eq!(names(&root.join("*")).len(), 3);
        let one = directories(&root.join("q1")).unwrap();
        assert_eq!(one, [(root.join("q1").display().to_string(), root.join("q1"))]);
        let missing = directories(&root.join("gone")).unwrap_err();
        assert!(matches!(&missing, QueueError::Io { path, .. } if path.ends_with("gone")));
        assert!(directories(&root.join("gone/q*")).is_err());
    }
}
