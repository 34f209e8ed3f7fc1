//! Who is calling: the real user, from the password database (not the environment).

use std::ffi::CStr;

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
        // SAFETY: getuid/getgid cannot fail and have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        let (name, gecos) = lookup_uid(uid).unwrap_or_else(|| (uid.to_string(), String::new()));
        let full_name = full_name_from_gecos(&gecos, &name);
        Caller { uid, gid, name, full_name }
    }

    /// Whether this user may set the envelope sender without a warning: root, daemon,
    /// uucp, the `TrustedUsers` option and the trusted-users file.
    pub fn is_trusted(&self, extra: &[String]) -> bool {
        self.uid == 0
            || ["root", "daemon", "uucp"].contains(&self.name.as_str())
            || extra.contains(&self.name)
    }
}

/// The full name of local user `name`, from its GECOS field.
pub fn full_name_of(name: &str) -> Option<String> {
    let c_name = std::ffi::CString::new(name).ok()?;
    let (login, gecos) =
        lookup(&|pwd: *mut libc::passwd,
                 buf: &mut [libc::c_char],
                 result: *mut *mut libc::passwd| {
            // SAFETY: c_name is a valid C string; the other pointers come from `lookup`.
            unsafe { libc::getpwnam_r(c_name.as_ptr(), pwd, buf.as_mut_ptr(), buf.len(), result) }
        })?;
    full_name_from_gecos(&gecos, &login)
}

fn lookup_uid(uid: u32) -> Option<(String, String)> {
    lookup(&|pwd: *mut libc::passwd, buf: &mut [libc::c_char], result: *mut *mut libc::passwd| {
        // SAFETY: the pointers come from `lookup` and stay valid for the call.
        unsafe { libc::getpwuid_r(uid, pwd, buf.as_mut_ptr(), buf.len(), result) }
    })
}

type PwCall<'a> =
    dyn Fn(*mut libc::passwd, &mut [libc::c_char], *mut *mut libc::passwd) -> libc::c_int + 'a;

/// Runs a `getpw*_r` call with a buffer; returns (login name, GECOS).
fn lookup(call: &PwCall) -> Option<(String, String)> {
    let mut buf = vec![0 as libc::c_char; 16384];
    // SAFETY: passwd is plain old data; an all-zero value is valid before the call fills it.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut result: *mut libc::passwd = std::ptr::null_mut();
    if call(&mut pwd, &mut buf, &mut result) != 0 || result.is_null() {
        return None;
    }
    let text = |p: *const libc::c_char| {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: on success the fields point to NUL-terminated strings inside `buf`.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    };
    Some((text(pwd.pw_name), text(pwd.pw_gecos)))
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
