//! Who is calling: the real user, from the password database (not the environment).

use nix::unistd::{getgid, getuid, User};

/// The invoking user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Real uid.
    pub uid: u32,
    /// Real gid.
    pub gid: u32,
    /// Login name (or the uid as text when the database has none).
    pub name: String,
    /// The full name: the GECOS field up to the first comma, `&` replaced by the
    /// capitalised login name, as sendmail builds `$x`.
    pub full_name: Option<String>,
}

impl Caller {
    /// The real user of this process.
    pub fn current() -> Caller {
        let (uid, gid) = (getuid().as_raw(), getgid().as_raw());
        let (name, gecos) = match User::from_uid(getuid()) {
            Ok(Some(user)) => {
                let gecos = gecos(&user);
                (user.name, gecos)
            }
            _ => (uid.to_string(), String::new()),
        };
        let full_name = full_name_from_gecos(&gecos, &name);
        Caller { uid, gid, name, full_name }
    }

    /// Whether this user may set the envelope sender without a warning: root, daemon,
    /// uucp, the `TrustedUsers` option and the trusted-users file.
    pub fn is_trusted(&self, extra: &[String]) -> bool {
        self.uid == 0
            || ["root", "daemon", "uucp"].contains(&self.name.as_str())
            || extra.iter().any(|u| u.eq_ignore_ascii_case(&self.name))
    }
}

/// The full name of local user `name`, from its GECOS field.
pub fn full_name_of(name: &str) -> Option<String> {
    let user = User::from_name(name).ok()??;
    full_name_from_gecos(&gecos(&user), &user.name)
}

/// The GECOS field of `user` as text.
fn gecos(user: &User) -> String {
    user.gecos.to_string_lossy().into_owned()
}

/// sendmail's `buildfname`: GECOS up to the first `,`, `&` -> capitalised login.
pub fn full_name_from_gecos(gecos: &str, login: &str) -> Option<String> {
    let field = gecos.split(',').next().unwrap_or("").trim();
    if field.is_empty() {
        return None;
    }
    let mut cap = login.to_string();
    if let Some(first) = cap.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    Some(field.replace('&', &cap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gecos_rules() {
        assert_eq!(full_name_from_gecos("root", "root").as_deref(), Some("root"));
        assert_eq!(full_name_from_gecos("& Smith,Room 1,555", "bob").as_deref(), Some("Bob Smith"));
        assert_eq!(full_name_from_gecos(",,,", "x"), None);
    }

    #[test]
    fn root_resolves() {
        assert_eq!(full_name_of("root").as_deref(), Some("root"));
        assert!(Caller { uid: 1000, gid: 1000, name: "x".into(), full_name: None }
            .is_trusted(&["x".into()]));
    }
}
