//! What each kind of file is checked for: the modifiers sendmail's callers pass, and
//! the `DontBlameSendmail` flags that take each one away.

use super::check::Checker;
use super::dontblame::DontBlame::{self, *};
use super::types::{Access, Checked, Found, Identity, Included, Sff, Unsafe};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// What makemap does with the map file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MakemapMode {
    /// Builds the map, creating the file if needed.
    Build,
    /// `-o`: adds to the existing map.
    Append,
    /// `-u`: prints the map.
    Dump,
}

/// `.forward` or `:include:`: the two differ only in flag names and ownership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ListFile {
    Forward,
    Include,
}

impl ListFile {
    fn pick(self, forward: DontBlame, include: DontBlame) -> DontBlame {
        match self {
            ListFile::Forward => forward,
            ListFile::Include => include,
        }
    }
}

impl Checker {
    /// The map file makemap builds, adds to or dumps; `unsafe_ok` is `-s`.
    ///
    /// makemap ignores `DontBlameSendmail` (it reads only `TrustedUser` from its
    /// config); `-s` allows links and links in writable directories. The file is
    /// checked twice, as sendmail's map library does when it sets the file up and
    /// again when it locks it, so a warning comes twice when both checks pass.
    pub fn makemap_file(
        &self,
        file: &Path,
        id: &Identity,
        mode: MakemapMode,
        unsafe_ok: bool,
    ) -> Checked {
        let links = Sff::NO_SYMLINK | Sff::NO_HARD_LINK | Sff::NO_LINK_IN_WRITABLE_DIR;
        let flags = (Sff::ROOT_OK | Sff::REGULAR_ONLY)
            .with_if(!unsafe_ok, links)
            .with_if(mode == MakemapMode::Build, Sff::CREATE);
        let access = if mode == MakemapMode::Dump { Access::Read } else { Access::Write };
        let first = self.file(file, id, flags, access);
        if first.result.is_err() {
            return first;
        }
        let mut second = self.file(file, id, flags, access);
        let mut warnings = first.warnings;
        warnings.append(&mut second.warnings);
        Checked { result: second.result, warnings }
    }

    /// An alias file (the text) about to be rebuilt into its database.
    ///
    /// Opened as root; refused if group- or world-writable (unless
    /// `GroupWritableAliasFile`, `WorldWritableAliasFile`) or a link in a writable
    /// directory (unless `LinkedAliasFileInWritableDir`). As sendmail, it is checked for
    /// reading and writing (to lock it) and, if that is denied, for reading only.
    pub fn alias_file(&self, path: &Path, id: &Identity) -> Checked {
        let flags = (Sff::OPEN_AS_ROOT | Sff::REGULAR_ONLY)
            .with_if(!self.blames(LinkedAliasFileInWritableDir), Sff::NO_LINK_IN_WRITABLE_DIR)
            .with_if(!self.blames(GroupWritableAliasFile), Sff::NO_GROUP_WRITABLE)
            .with_if(!self.blames(WorldWritableAliasFile), Sff::NO_WORLD_WRITABLE);
        let first = self.file(path, id, flags, Access::ReadWrite);
        let retry =
            matches!(first.result, Err(Unsafe::Os(e)) if e == libc::EACCES || e == libc::EROFS);
        if !retry {
            return first;
        }
        let mut second = self.file(path, id, flags, Access::Read);
        let mut warnings = first.warnings;
        warnings.append(&mut second.warnings);
        Checked { result: second.result, warnings }
    }

    /// A map file sendmail writes itself: the alias database of a rebuild.
    ///
    /// Refused in a directory path writable by others (unless `MapInUnsafeDirPath`,
    /// which leaves a warning), as a symbolic link (unless `WriteMapToSymlink`) or with
    /// hard links (unless `WriteMapToHardLink`).
    pub fn map_to_write(&self, file: &Path, id: &Identity) -> Checked {
        let flags = (Sff::ROOT_OK | Sff::REGULAR_ONLY | Sff::CREATE)
            .with_if(!self.blames(MapInUnsafeDirPath), Sff::SAFE_DIR_PATH)
            .with_if(!self.blames(WriteMapToSymlink), Sff::NO_SYMLINK)
            .with_if(!self.blames(WriteMapToHardLink), Sff::NO_HARD_LINK);
        self.file(file, id, flags, Access::Write)
    }

    /// A map file opened for lookups (aliases, access, mailertable, ...).
    ///
    /// Refused in a directory path writable by others (unless `MapInUnsafeDirPath`) and
    /// as a link in a writable directory (unless `LinkedMapInWritableDir`).
    pub fn map_to_read(&self, file: &Path, id: &Identity) -> Checked {
        let flags = (Sff::ROOT_OK | Sff::REGULAR_ONLY)
            .with_if(!self.blames(LinkedMapInWritableDir), Sff::NO_LINK_IN_WRITABLE_DIR)
            .with_if(!self.blames(MapInUnsafeDirPath), Sff::SAFE_DIR_PATH);
        self.file(file, id, flags, Access::Read)
    }

    /// A user's `.forward`, checked for that user: it must belong to them (or root),
    /// not be group- or world-writable, not sit in a directory path others can write,
    /// and not be a link in such a directory, each unless the matching
    /// `...ForwardFile...` flag says otherwise.
    pub fn forward_file(&self, path: &Path, user: &Identity) -> Checked<Included> {
        self.list_file(ListFile::Forward, path, user)
    }

    /// An `:include:` file, checked for the controlling user (sendmail's
    /// `DefaultUser` for an alias): as a `.forward`, with the `...IncludeFile...`
    /// flags, but it need not belong to that user.
    pub fn include_file(&self, path: &Path, ctl: &Identity) -> Checked<Included> {
        self.list_file(ListFile::Include, path, ctl)
    }

    fn list_file(&self, kind: ListFile, path: &Path, id: &Identity) -> Checked<Included> {
        let mut flags = Sff::REGULAR_ONLY;
        if kind == ListFile::Forward {
            flags |= Sff::MUST_OWN | Sff::ROOT_OK;
        }
        let gw = kind.pick(GroupWritableForwardFile, GroupWritableIncludeFile);
        let ww = kind.pick(WorldWritableForwardFile, WorldWritableIncludeFile);
        flags = flags
            .with_if(!self.blames(gw), Sff::NO_GROUP_WRITABLE)
            .with_if(!self.blames(ww), Sff::NO_WORLD_WRITABLE);
        let mut unsafe_addresses = !self.privileged && !self.blames(NonRootSafeAddr);
        let bytes = path.as_os_str().as_bytes();
        let mut safe_dir = false;
        if let Some(slash) = bytes.iter().rposition(|&b| b == b'/') {
            let (extra, dir_unsafe) = self.list_dir(kind, &bytes[..slash], id, flags);
            safe_dir = dir_unsafe.is_none();
            flags |= extra;
            let dir_safe_anyway =
                kind.pick(ForwardFileInUnsafeDirPathSafe, IncludeFileInUnsafeDirPathSafe);
            if dir_unsafe.is_some_and(|e| e.is_safety()) && !self.blames(dir_safe_anyway) {
                unsafe_addresses = true;
            }
        }
        let linked = kind.pick(LinkedForwardFileInWritableDir, LinkedIncludeFileInWritableDir);
        flags = flags.with_if(!safe_dir && !self.blames(linked), Sff::NO_LINK);
        let checked = self.file(path, id, flags, Access::Read);
        let result = checked.result.and_then(|found| match found {
            Found::File(metadata) => {
                let safe = kind.pick(GroupWritableForwardFileSafe, GroupWritableIncludeFileSafe);
                let writable = if self.blames(safe) { 0o002 } else { 0o022 };
                unsafe_addresses |= metadata.mode() & writable != 0;
                Ok(Included { metadata, unsafe_addresses })
            }
            Found::Absent => Err(Unsafe::Os(libc::ENOENT)),
        });
        Checked { result, warnings: checked.warnings }
    }

    /// The directory of a `.forward` or `:include:` file: the modifiers it adds to
    /// the file's check, and why it is unsafe (`None`: safe).
    fn list_dir(
        &self,
        kind: ListFile,
        dir: &[u8],
        id: &Identity,
        flags: Sff,
    ) -> (Sff, Option<Unsafe>) {
        let strict = flags | Sff::SAFE_DIR_PATH;
        let Err(why) = self.walk(dir, id, strict, 0, 0, &mut Vec::new()) else {
            return (Sff::NO_PATH_CHECK, None);
        };
        if self.blames(kind.pick(ForwardFileInUnsafeDirPath, IncludeFileInUnsafeDirPath)) {
            return (Sff::NO_PATH_CHECK, Some(why));
        }
        let gw_ok = kind.pick(ForwardFileInGroupWritableDirPath, IncludeFileInGroupWritableDirPath);
        if self.blames(gw_ok) && matches!(why, Unsafe::GroupWritableDir(_)) {
            let relaxed =
                Checker { dont_blame: self.dont_blame.with(GroupWritableDirPathSafe), ..*self };
            if relaxed.walk(dir, id, strict, 0, 0, &mut Vec::new()).is_ok() {
                return (Sff::NO_PATH_CHECK, Some(why));
            }
        }
        (Sff::SAFE_DIR_PATH, Some(why))
    }
}
