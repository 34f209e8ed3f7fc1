//! Local users and their `.forward` files.
//!
//! # Users
//! [`UserDb`] answers "does this local user exist, and where is its home?".
//! [`SystemUsers`] asks the system's user database (getpwnam(3), through NSS, as
//! sendmail's `MailboxDatabase=pw` does); [`Passwd`] reads a passwd(5) file; tests use
//! [`StaticUsers`]. getpwnam may block (NSS can reach a directory server): async
//! callers run lookups off their runtime threads.
//!
//! # .forward
//! sendmail's `ForwardPath` option is a `:`-separated list of templates in which `$u`
//! is the user name, `$z` the home directory and `$w` the host name
//! (`$z/.forward.$w:$z/.forward` by default). The first template naming an existing
//! file that passes sendmail's safety checks ([`crate::safefile`]: owned by the user
//! or root, not group- or world-writable, in a directory path only they can write)
//! is used; each non-comment line of it is a recipient list, handled like an alias
//! value ([`read_forward`]). Unsafe files are passed over, with their reason.
//!
//! # Errors
//! [`ForwardError`] when a file that passed the checks cannot be read; a missing or
//! unsafe file is "no forwarding", not an error.

use crate::safefile::{Checker, Unsafe};
use std::path::{Path, PathBuf};

/// A file could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {source}")]
pub struct ForwardError {
    /// The file.
    pub path: PathBuf,
    /// The underlying error.
    pub source: std::io::Error,
}

/// One local user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Login name.
    pub name: String,
    /// Home directory.
    pub home: PathBuf,
    /// User id (who must own the `.forward`).
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
}

impl User {
    /// The identity a `.forward` of this user is checked for.
    pub fn identity(&self) -> crate::safefile::Identity {
        crate::safefile::Identity { uid: self.uid, gid: self.gid, user: Some(self.name.clone()) }
    }
}

/// Where local users are looked up.
pub trait UserDb: Send + Sync {
    /// The user called `name` (exact, case-sensitive), if there is one.
    fn user(&self, name: &str) -> Option<User>;
}

/// A passwd(5) file.
#[derive(Debug, Clone)]
pub struct Passwd {
    users: Vec<User>,
    /// The GECOS field of each user, in the order of `users`.
    gecos: Vec<String>,
}

impl Passwd {
    /// Reads `path` (normally `/etc/passwd`).
    ///
    /// # Errors
    /// [`ForwardError`] when the file cannot be read.
    pub fn read(path: &Path) -> Result<Passwd, ForwardError> {
        let text = std::fs::read(path)
            .map_err(|source| ForwardError { path: path.to_path_buf(), source })?;
        Ok(Passwd::parse(&String::from_utf8_lossy(&text)))
    }

    /// Parses passwd text: `name:pw:uid:gid:gecos:home:shell` per line.
    pub fn parse(text: &str) -> Passwd {
        let (users, gecos) = text
            .lines()
            .filter_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                if f.len() < 6 || f[0].is_empty() {
                    return None;
                }
                let (uid, gid) = (f[2].parse().ok()?, f[3].parse().ok()?);
                let user = User { name: f[0].to_string(), home: PathBuf::from(f[5]), uid, gid };
                Some((user, f[4].to_string()))
            })
            .unzip();
        Passwd { users, gecos }
    }

    /// The full name of `name` as sendmail shows it: the GECOS field up to the first
    /// comma, `&` replaced by the login name with its first letter capitalized;
    /// `None` for an unknown user or an empty name.
    pub fn full_name(&self, name: &str) -> Option<String> {
        let i = self.users.iter().position(|u| u.name == name)?;
        let field = self.gecos[i].split(',').next().unwrap_or("");
        let mut login = name.to_string();
        if let Some(first) = login.get(..1) {
            login.replace_range(..1, &first.to_ascii_uppercase());
        }
        let full = field.replace('&', &login);
        (!full.is_empty()).then_some(full)
    }
}

impl UserDb for Passwd {
    fn user(&self, name: &str) -> Option<User> {
        self.users.iter().find(|u| u.name == name).cloned()
    }
}

/// The system's user database (getpwnam(3)).
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemUsers;

impl UserDb for SystemUsers {
    fn user(&self, name: &str) -> Option<User> {
        let u = nix::unistd::User::from_name(name).ok()??;
        Some(User { name: u.name, home: u.dir, uid: u.uid.as_raw(), gid: u.gid.as_raw() })
    }
}

/// A fixed list of users, for tests and for callers that resolve users themselves.
#[derive(Debug, Clone, Default)]
pub struct StaticUsers(pub Vec<User>);

impl UserDb for StaticUsers {
    fn user(&self, name: &str) -> Option<User> {
        self.0.iter().find(|u| u.name == name).cloned()
    }
}

/// sendmail's default `ForwardPath`.
pub const DEFAULT_FORWARD_PATH: &str = "$z/.forward.$w:$z/.forward";

/// The candidate `.forward` files for `user`, in order.
pub fn forward_paths(forward_path: &str, user: &User, host: &str) -> Vec<PathBuf> {
    let home = user.home.to_string_lossy();
    forward_path
        .split(':')
        .filter(|t| !t.is_empty())
        .map(|t| {
            PathBuf::from(t.replace("$z", &home).replace("$u", &user.name).replace("$w", host))
        })
        .collect()
}

/// A `.forward` file found: its path and its numbered lines.
pub type ForwardFile = (PathBuf, Vec<(usize, String)>);

/// What the search for a user's `.forward` found.
#[derive(Debug, Default)]
pub struct ForwardSearch {
    /// Files passed over as unsafe, in order, with sendmail's reason
    /// (`-bv -v` prints `user... forward: FILE: REASON`).
    pub refused: Vec<(PathBuf, Unsafe)>,
    /// The first safe file, with its lines.
    pub found: Option<ForwardFile>,
    /// Programs and files named in it must not be run or written (see
    /// [`Included::unsafe_addresses`](crate::safefile::Included)).
    pub unsafe_addresses: bool,
}

/// The first `.forward` of `user` that exists and passes sendmail's checks
/// ([`Checker::forward_file`]), with its non-empty, non-comment lines and their
/// numbers. A missing file is passed over silently, an unsafe one with its reason.
///
/// # Errors
/// [`ForwardError`] when a file passed the checks but cannot be read.
pub fn read_forward(
    forward_path: &str,
    user: &User,
    host: &str,
    checker: &Checker,
) -> Result<ForwardSearch, ForwardError> {
    let mut search = ForwardSearch::default();
    for path in forward_paths(forward_path, user, host) {
        match checker.forward_file(&path, &user.identity()).result {
            Ok(included) => {
                let bytes = std::fs::read(&path)
                    .map_err(|source| ForwardError { path: path.clone(), source })?;
                search.found = Some((path, numbered_lines(&bytes)));
                search.unsafe_addresses = included.unsafe_addresses;
                break;
            }
            Err(why) if why.is_not_found() => continue,
            Err(why) => search.refused.push((path, why)),
        }
    }
    Ok(search)
}

/// The non-empty lines not starting with `#`, numbered from 1.
fn numbered_lines(bytes: &[u8]) -> Vec<(usize, String)> {
    String::from_utf8_lossy(bytes)
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwd_lines() {
        let p =
            Passwd::parse("root:x:0:0:root:/root:/bin/bash\nbad line\nmail:x:8:8::/var/mail:/x\n");
        assert_eq!(p.user("root").unwrap().home, Path::new("/root"));
        assert!(p.user("Root").is_none());
        assert_eq!(p.user("mail").unwrap().name, "mail");
        assert_eq!((p.user("mail").unwrap().uid, p.user("mail").unwrap().gid), (8, 8));
        assert!(Passwd::parse("x:x:notanumber:0::/:/bin/sh\n").user("x").is_none());
        assert_eq!(p.full_name("root").as_deref(), Some("root"));
        assert_eq!(p.full_name("mail"), None);
        let q = Passwd::parse("ann:x:1:1:& Smith,Room 1,,:/home/ann:/bin/sh\n");
        assert_eq!(q.full_name("ann").as_deref(), Some("Ann Smith"));
        assert_eq!(q.full_name("bob"), None);
    }

    #[test]
    fn system_users_come_from_getpwnam() {
        let root = SystemUsers.user("root").unwrap();
        assert_eq!((root.uid, root.gid, root.name.as_str()), (0, 0, "root"));
        assert!(SystemUsers.user("no-such-user-ferrymail").is_none());
    }

    #[test]
    fn forward_templates_and_files() {
        use crate::safefile::{DontBlame, DontBlameSet};
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let me = crate::safefile::Identity::process();
        let user =
            User { name: "ann".into(), home: dir.path().to_path_buf(), uid: me.uid, gid: me.gid };
        // The temporary directory is under /tmp, as the lab's, whose sticky bit it trusts.
        let checker = Checker::new(DontBlameSet::SAFE.with(DontBlame::TrustStickyBit));
        let paths = forward_paths(DEFAULT_FORWARD_PATH, &user, "h");
        assert_eq!(paths[0], dir.path().join(".forward.h"));
        let none = read_forward(DEFAULT_FORWARD_PATH, &user, "h", &checker).unwrap();
        assert!(none.found.is_none() && none.refused.is_empty());
        std::fs::write(dir.path().join(".forward"), "# me\n\\ann, ann@elsewhere\n").unwrap();
        let unsafe_one = dir.path().join(".forward.h");
        std::fs::write(&unsafe_one, "elsewhere\n").unwrap();
        std::fs::set_permissions(&unsafe_one, std::fs::Permissions::from_mode(0o664)).unwrap();
        let search = read_forward(DEFAULT_FORWARD_PATH, &user, "h", &checker).unwrap();
        assert_eq!(search.refused, vec![(unsafe_one, Unsafe::GroupWritableFile)]);
        let (path, lines) = search.found.unwrap();
        assert_eq!(path, dir.path().join(".forward"));
        assert_eq!(lines, vec![(2, "\\ann, ann@elsewhere".to_string())]);
        let lab = forward_paths("/tmp/smlab/forward/$u", &user, "h");
        assert_eq!(lab, vec![PathBuf::from("/tmp/smlab/forward/ann")]);
    }
}
