//! The two walks: a file ([`Checker::file`], sendmail's `safefile`) and the
//! directories above it ([`Checker::dir_path`], sendmail's `safedirpath`).

use super::dontblame::{DontBlame, DontBlameSet};
use super::types::{Access, Checked, DirWarning, Found, Identity, Sff, Unsafe};
use std::ffi::OsStr;
use std::fs::{self, Metadata};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Symbolic links followed in one directory walk before `ELOOP` (glibc's `MAXSYMLINKS`).
const MAX_SYMLINKS: usize = 20;

/// Who checks, and what the admin relaxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checker {
    /// `DontBlameSendmail`.
    pub dont_blame: DontBlameSet,
    /// `TrustedUser`'s uid (0 when unset): it may own files as root may.
    pub trusted_uid: u32,
    /// The process runs as root. Otherwise, as sendmail run by a user, writable
    /// directories are never fatal and never warned about, and directory search
    /// permission is left to the system.
    pub privileged: bool,
}

type Res<T> = Result<T, Unsafe>;

impl Checker {
    /// A checker for this process (privileged when its real uid is 0).
    pub fn new(dont_blame: DontBlameSet) -> Checker {
        Checker { dont_blame, trusted_uid: 0, privileged: nix::unistd::getuid().is_root() }
    }

    pub(super) fn blames(&self, flag: DontBlame) -> bool {
        self.dont_blame.contains(flag)
    }

    /// sendmail's `safefile`: whether `path` is safe for `id` to open for `access`.
    pub fn file(&self, path: &Path, id: &Identity, flags: Sff, access: Access) -> Checked {
        let mut warnings = Vec::new();
        let result = self.safefile(path.as_os_str().as_bytes(), id, flags, access, &mut warnings);
        Checked { result, warnings }
    }

    /// sendmail's `safedirpath`: whether every directory of `dir` (and each symbolic
    /// link's target on the way) is safe for `id`.
    pub fn dir_path(&self, dir: &Path, id: &Identity, flags: Sff) -> Checked<()> {
        let mut warnings = Vec::new();
        let result = self.walk(dir.as_os_str().as_bytes(), id, flags, 0, 0, &mut warnings);
        Checked { result, warnings }
    }

    pub(super) fn safefile(
        &self,
        path: &[u8],
        id: &Identity,
        mut flags: Sff,
        access: Access,
        warnings: &mut Vec<DirWarning>,
    ) -> Res<Found> {
        if !self.privileged {
            flags = flags.without(Sff::SAFE_DIR_PATH);
        }
        let mut found = stat(path, flags.has(Sff::NO_SYMLINK));
        let dir = parent(path);
        let mut check_path = !flags.has(Sff::NO_PATH_CHECK)
            || (id.uid == 0 && !flags.any(Sff::ROOT_OK | Sff::OPEN_AS_ROOT));
        if flags.has(Sff::NO_LINK_IN_WRITABLE_DIR) && !flags.has(Sff::SAFE_DIR_PATH) {
            let strict = flags | Sff::SAFE_DIR_PATH;
            if self.walk(dir, id, strict, 0, 0, &mut Vec::new()).is_ok() {
                check_path = false;
            } else {
                if !flags.has(Sff::NO_SYMLINK) {
                    found = Ok(stat(path, true)?);
                }
                flags |= Sff::NO_LINK;
            }
        }
        if check_path {
            self.walk(dir, id, flags, 0, 0, warnings)?;
        }
        let meta = match found {
            Ok(meta) => meta,
            Err(e) if flags.has(Sff::CREATE) && e == Unsafe::Os(libc::ENOENT) => {
                return self.may_create(path, id).map(|()| Found::Absent);
            }
            Err(e) => return Err(e),
        };
        self.file_itself(&meta, id, flags, access)?;
        Ok(Found::File(meta))
    }

    /// The checks on the file itself, once it exists.
    fn file_itself(&self, meta: &Metadata, id: &Identity, flags: Sff, access: Access) -> Res<()> {
        let mode = meta.mode();
        let refusals = [
            (Sff::NO_SYMLINK, meta.file_type().is_symlink(), Unsafe::Symlink),
            (Sff::REGULAR_ONLY, !meta.is_file(), Unsafe::NotRegular),
            (Sff::NO_GROUP_WRITABLE, mode & 0o020 != 0, Unsafe::GroupWritableFile),
            (Sff::NO_WORLD_WRITABLE, mode & 0o002 != 0, Unsafe::WorldWritableFile),
            (Sff::NO_GROUP_READABLE, mode & 0o040 != 0, Unsafe::GroupReadableFile),
            (Sff::NO_WORLD_READABLE, mode & 0o004 != 0, Unsafe::WorldReadableFile),
        ];
        for (flag, hit, refusal) in refusals {
            if flags.has(flag) && hit {
                return Err(refusal);
            }
        }
        let writing = access.bits() & 0o222 != 0;
        if !flags.has(Sff::EXEC_OK) && writing && mode & 0o111 != 0 {
            return Err(Unsafe::Executable);
        }
        if flags.has(Sff::NO_HARD_LINK) && meta.nlink() != 1 {
            return Err(Unsafe::HardLink);
        }
        self.permitted(meta, id, flags, access.bits())
    }

    /// Whether `id` has the `want` permission bits on the file and may own it.
    fn permitted(&self, meta: &Metadata, id: &Identity, flags: Sff, want: u32) -> Res<()> {
        let owner = meta.uid();
        let want = if id.uid == 0 && flags.has(Sff::OPEN_AS_ROOT) {
            0
        } else if id.uid == 0 && !flags.has(Sff::ROOT_OK) {
            want >> 6
        } else if owner == id.uid || (id.uid == 0 && owner == self.trusted_uid) {
            want
        } else if id.in_group(meta.gid()) {
            want >> 3
        } else {
            want >> 6
        };
        let owner_ok =
            owner == id.uid || owner == 0 || owner == self.trusted_uid || !flags.has(Sff::MUST_OWN);
        if owner_ok && meta.mode() & want == want {
            Ok(())
        } else {
            Err(Unsafe::DENIED)
        }
    }

    /// A missing file: whether `id` may create it (write and search its directory).
    fn may_create(&self, path: &[u8], id: &Identity) -> Res<()> {
        let dir: &[u8] = match path.iter().rposition(|&b| b == b'/') {
            None => b".",
            Some(0) => b"/",
            Some(i) => &path[..i],
        };
        let meta = stat(dir, false)?;
        let owner = meta.uid();
        let need = if owner == id.uid || (id.uid == 0 && owner == self.trusted_uid) {
            0o300
        } else if id.in_group(meta.gid()) {
            0o030
        } else {
            0o003
        };
        if meta.mode() & need == need {
            Ok(())
        } else {
            Err(Unsafe::DENIED)
        }
    }

    /// Checks each directory of `s` from byte `offset` on, following symbolic links.
    pub(super) fn walk(
        &self,
        s: &[u8],
        id: &Identity,
        flags: Sff,
        level: usize,
        offset: usize,
        warnings: &mut Vec<DirWarning>,
    ) -> Res<()> {
        if level > MAX_SYMLINKS {
            return Err(Unsafe::Os(libc::ELOOP));
        }
        let s: &[u8] = if s.is_empty() { b"/" } else { s };
        if offset > s.len() {
            return Err(Unsafe::Os(libc::EINVAL));
        }
        let mut pos = offset;
        while pos < s.len() {
            let (prefix, next) = match s[pos..].iter().position(|&b| b == b'/') {
                Some(i) if pos + i == 0 => (&s[..1], 1),
                Some(i) => (&s[..pos + i], pos + i + 1),
                None => (s, s.len()),
            };
            pos = next;
            if ends_in_dot_or_dotdot(prefix) {
                continue;
            }
            let meta = stat(prefix, true)?;
            if meta.file_type().is_symlink() {
                let (target, off) = link_target(prefix)?;
                self.walk(&target, id, flags, level + 1, off, warnings)?;
                continue;
            }
            self.directory(prefix, &meta, id, flags, warnings)?;
        }
        Ok(())
    }

    /// One directory of a walk: writable by others, and searchable by `id`.
    fn directory(
        &self,
        dir: &[u8],
        meta: &Metadata,
        id: &Identity,
        flags: Sff,
        warnings: &mut Vec<DirWarning>,
    ) -> Res<()> {
        let mode = meta.mode();
        let mut unsafe_bits = 0o002;
        if !self.blames(DontBlame::GroupWritableDirPathSafe) {
            unsafe_bits |= 0o020;
        }
        let sticky_ok = self.blames(DontBlame::TrustStickyBit) && mode & 0o1000 != 0;
        if (id.uid == 0 || flags.has(Sff::SAFE_DIR_PATH)) && !sticky_ok && mode & unsafe_bits != 0 {
            let world = mode & 0o002 != 0;
            let dir = Path::new(OsStr::from_bytes(dir)).to_path_buf();
            if flags.has(Sff::SAFE_DIR_PATH) {
                return Err(if world {
                    Unsafe::WorldWritableDir(dir)
                } else {
                    Unsafe::GroupWritableDir(dir)
                });
            }
            warnings.push(DirWarning { world, dir });
        }
        if id.uid == 0 && !flags.any(Sff::ROOT_OK | Sff::OPEN_AS_ROOT) {
            return if mode & 0o001 != 0 { Ok(()) } else { Err(Unsafe::DENIED) };
        }
        if !self.privileged || flags.has(Sff::OPEN_AS_ROOT) {
            return Ok(());
        }
        let searchable = (meta.uid() == id.uid && mode & 0o100 != 0)
            || (id.in_group(meta.gid()) && mode & 0o010 != 0)
            || mode & 0o001 != 0;
        if searchable {
            Ok(())
        } else {
            Err(Unsafe::DENIED)
        }
    }
}

/// The directory part of `path` as sendmail cuts it: `.` without a slash, else
/// everything before the last slash (empty for `/x`, which the walk reads as `/`).
fn parent(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        None => b".",
        Some(i) => &path[..i],
    }
}

fn ends_in_dot_or_dotdot(prefix: &[u8]) -> bool {
    match prefix.iter().rposition(|&b| b == b'/') {
        Some(i) => matches!(&prefix[i + 1..], b"." | b".."),
        None => false,
    }
}

fn stat(path: &[u8], nofollow: bool) -> Res<Metadata> {
    let p = Path::new(OsStr::from_bytes(path));
    let meta = if nofollow { fs::symlink_metadata(p) } else { fs::metadata(p) };
    meta.map_err(|e| Unsafe::from_io(&e))
}

/// Where the walk goes on from symbolic link `link`: the path to walk and the offset
/// from which its directories still need checking.
fn link_target(link: &[u8]) -> Res<(Vec<u8>, usize)> {
    let target = fs::read_link(Path::new(OsStr::from_bytes(link)))
        .map_err(|e| Unsafe::from_io(&e))?
        .into_os_string()
        .into_vec();
    if target.first() == Some(&b'/') {
        let offset = shared_prefix(link, &target)?;
        return Ok((target, offset));
    }
    Ok(match link.iter().rposition(|&b| b == b'/') {
        Some(i) => ([&link[..i], b"/", &target[..]].concat(), i + 1),
        None => (target, 0),
    })
}

/// For an absolute link target: how much of it the walk has already checked, as the
/// whole directories it shares with the link's own path (`ELOOP` if they are equal).
fn shared_prefix(link: &[u8], target: &[u8]) -> Res<usize> {
    let at = |v: &[u8], i: usize| v.get(i).copied().unwrap_or(0);
    let mut off = 0;
    while at(link, off) == at(target, off) && at(link, off) != 0 {
        off += 1;
    }
    if at(link, off) == 0 && at(target, off) == 0 {
        return Err(Unsafe::Os(libc::ELOOP));
    }
    off = off.saturating_sub(1);
    if off > 0 && at(link, off) != b'/' && at(link, off) != 0 {
        while at(target, off) != b'/' && off > 0 {
            off -= 1;
        }
    }
    if off > 0 && at(link, off) == b'/' && at(target, off) == b'/' {
        off += 1;
    }
    Ok(off)
}
