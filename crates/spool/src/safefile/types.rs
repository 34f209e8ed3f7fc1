//! The vocabulary of the checks: modifiers, identities, outcomes and warnings.

use std::fmt;
use std::ops::{BitOr, BitOrAssign};
use std::path::PathBuf;

/// Modifiers of a check (sendmail's `SFF_*` flags); combine them with `|`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sff(u32);

impl Sff {
    /// No modifier.
    pub const NONE: Sff = Sff(0);
    /// The file must belong to the checking user (or root, or `TrustedUser`).
    pub const MUST_OWN: Sff = Sff(0x1);
    /// The file may not be a symbolic link (it is `lstat`ed).
    pub const NO_SYMLINK: Sff = Sff(0x2);
    /// Root may use root's permissions on the file.
    pub const ROOT_OK: Sff = Sff(0x4);
    /// The directories above the file are not checked.
    pub const NO_PATH_CHECK: Sff = Sff(0x10);
    /// A missing file is fine if its directory lets the user create it.
    pub const CREATE: Sff = Sff(0x40);
    /// Only regular files.
    pub const REGULAR_ONLY: Sff = Sff(0x80);
    /// A writable directory above the file is an error, not a warning.
    pub const SAFE_DIR_PATH: Sff = Sff(0x100);
    /// The file may not have hard links.
    pub const NO_HARD_LINK: Sff = Sff(0x200);
    /// Links (symbolic or hard) only in directories nobody else can write.
    pub const NO_LINK_IN_WRITABLE_DIR: Sff = Sff(0x400);
    /// The file may not be group-writable.
    pub const NO_GROUP_WRITABLE: Sff = Sff(0x800);
    /// The file may not be world-writable.
    pub const NO_WORLD_WRITABLE: Sff = Sff(0x1000);
    /// The file is opened as root, whoever asks: no permission check.
    pub const OPEN_AS_ROOT: Sff = Sff(0x2000);
    /// The file may not be group-readable.
    pub const NO_GROUP_READABLE: Sff = Sff(0x8000);
    /// The file may not be world-readable.
    pub const NO_WORLD_READABLE: Sff = Sff(0x10000);
    /// A file opened for writing may have execute bits.
    pub const EXEC_OK: Sff = Sff(0x40000);
    /// Neither kind of link ([`Sff::NO_SYMLINK`] and [`Sff::NO_HARD_LINK`]).
    pub const NO_LINK: Sff = Sff(0x2 | 0x200);

    /// Whether every modifier of `other` is set.
    pub fn has(self, other: Sff) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether any modifier of `other` is set.
    pub fn any(self, other: Sff) -> bool {
        self.0 & other.0 != 0
    }

    /// These modifiers without those of `other`.
    pub fn without(self, other: Sff) -> Sff {
        Sff(self.0 & !other.0)
    }

    /// These modifiers plus `other` when `cond` holds.
    pub fn with_if(self, cond: bool, other: Sff) -> Sff {
        if cond {
            self | other
        } else {
            self
        }
    }
}

impl BitOr for Sff {
    type Output = Sff;
    fn bitor(self, rhs: Sff) -> Sff {
        Sff(self.0 | rhs.0)
    }
}

impl BitOrAssign for Sff {
    fn bitor_assign(&mut self, rhs: Sff) {
        self.0 |= rhs.0;
    }
}

/// What the file will be opened for: the permission bits the user needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Reading.
    Read,
    /// Writing.
    Write,
    /// Reading and writing.
    ReadWrite,
}

impl Access {
    /// The owner permission bits this access needs (`0400`, `0200`, `0600`).
    pub fn bits(self) -> u32 {
        match self {
            Access::Read => 0o400,
            Access::Write => 0o200,
            Access::ReadWrite => 0o600,
        }
    }
}

/// The user a file is checked for: whose permissions count and who may own it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// User id.
    pub uid: u32,
    /// Primary group id.
    pub gid: u32,
    /// Login name, for membership of other groups; `None` counts the primary group only.
    pub user: Option<String>,
}

impl Identity {
    /// The real user running this process (as sendmail's `RealUid`).
    pub fn process() -> Identity {
        let uid = nix::unistd::getuid();
        let name = nix::unistd::User::from_uid(uid).ok().flatten().map(|u| u.name);
        Identity { uid: uid.as_raw(), gid: nix::unistd::getgid().as_raw(), user: name }
    }

    /// The local user called `name` (passwd lookup), if there is one.
    pub fn user(name: &str) -> Option<Identity> {
        let u = nix::unistd::User::from_name(name).ok().flatten()?;
        Some(Identity { uid: u.uid.as_raw(), gid: u.gid.as_raw(), user: Some(u.name) })
    }

    /// Whether this user belongs to group `gid`, as primary group or as a member.
    pub(crate) fn in_group(&self, gid: u32) -> bool {
        if gid == self.gid {
            return true;
        }
        let Some(user) = &self.user else { return false };
        let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid));
        group.ok().flatten().is_some_and(|g| g.mem.iter().any(|m| m == user))
    }
}

/// The file passed the checks.
#[derive(Debug, Clone)]
pub enum Found {
    /// It exists; its metadata (of the link itself when links were refused).
    File(std::fs::Metadata),
    /// It does not exist, and [`Sff::CREATE`] allowed that: the user may create it.
    Absent,
}

/// Why a file is refused, in sendmail's words ([`std::fmt::Display`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unsafe {
    /// `E_SM_NOSLINK`.
    #[error("Symbolic links not allowed")]
    Symlink,
    /// `E_SM_NOHLINK`.
    #[error("Hard links not allowed")]
    HardLink,
    /// `E_SM_REGONLY`.
    #[error("Regular files only")]
    NotRegular,
    /// `E_SM_ISEXEC`: a file to be written has execute bits.
    #[error("Executable files not allowed")]
    Executable,
    /// `E_SM_WWDIR`: this directory on the way is world-writable.
    #[error("World writable directory")]
    WorldWritableDir(PathBuf),
    /// `E_SM_GWDIR`: this directory on the way is group-writable.
    #[error("Group writable directory")]
    GroupWritableDir(PathBuf),
    /// `E_SM_WWFILE`.
    #[error("World writable file")]
    WorldWritableFile,
    /// `E_SM_GWFILE`.
    #[error("Group writable file")]
    GroupWritableFile,
    /// `E_SM_GRFILE`.
    #[error("Group readable file")]
    GroupReadableFile,
    /// `E_SM_WRFILE`.
    #[error("World readable file")]
    WorldReadableFile,
    /// A system error (`errno`), such as `ENOENT` or `EACCES` from the permission check.
    #[error("{}", crate::sysexits::strerror(&std::io::Error::from_raw_os_error(*.0)))]
    Os(i32),
}

impl Unsafe {
    /// `EACCES`: the user may not open (or create) the file.
    pub const DENIED: Unsafe = Unsafe::Os(libc::EACCES);

    /// A system error from an I/O error.
    pub fn from_io(e: &std::io::Error) -> Unsafe {
        Unsafe::Os(e.raw_os_error().unwrap_or(libc::EIO))
    }

    /// Whether the file (or a directory on its way) does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Unsafe::Os(e) if *e == libc::ENOENT || *e == libc::ENOTDIR)
    }

    /// Whether this is one of sendmail's own safety refusals rather than a system error.
    pub fn is_safety(&self) -> bool {
        !matches!(self, Unsafe::Os(_))
    }
}

/// A writable directory that was let pass: `WARNING: World writable directory /tmp`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirWarning {
    /// World-writable (else group-writable).
    pub world: bool,
    /// The directory, as the path walk named it.
    pub dir: PathBuf,
}

impl fmt::Display for DirWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.world { "World" } else { "Group" };
        write!(f, "WARNING: {kind} writable directory {}", self.dir.display())
    }
}

/// The outcome of a check and the warnings it gave on the way, in order.
#[derive(Debug, Clone)]
pub struct Checked<T = Found> {
    /// The file passed (with what was found), or why not.
    pub result: Result<T, Unsafe>,
    /// Writable directories let pass; sendmail prints them (makemap on stderr,
    /// newaliases on stdout) even when the check then fails.
    pub warnings: Vec<DirWarning>,
}

/// A `.forward` or `:include:` file that passed, and what it means for its addresses.
#[derive(Debug, Clone)]
pub struct Included {
    /// The file's metadata.
    pub metadata: std::fs::Metadata,
    /// Programs and files named in it must not be run or written (sendmail's
    /// `QUNSAFEADDR`): the file or its directory path is writable by others, or the
    /// process is not root.
    pub unsafe_addresses: bool,
}
