//! The walks against real directories. Absolute paths run through the temporary
//! directory's parents (`/tmp`, sticky), so every checker trusts the sticky bit. Run by
//! a user, the files are theirs, not root's: the checkers then name that user
//! `TrustedUser`, so that root's view of them is the same as when root runs the tests.

use super::*;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

fn checker(extra: &[DontBlame]) -> Checker {
    let mut dbs = DontBlameSet::SAFE.with(DontBlame::TrustStickyBit);
    for f in extra {
        dbs.insert(*f);
    }
    Checker { dont_blame: dbs, trusted_uid: nix::unistd::getuid().as_raw(), privileged: true }
}

fn root() -> Identity {
    Identity { uid: 0, gid: 0, user: None }
}

/// A user that owns nothing here and is in no group.
fn stranger() -> Identity {
    Identity { uid: 54321, gid: 54321, user: None }
}

fn dir(base: &Path, name: &str, mode: u32) -> PathBuf {
    let d = base.join(name);
    fs::create_dir(&d).unwrap();
    fs::set_permissions(&d, fs::Permissions::from_mode(mode)).unwrap();
    d
}

fn file(path: &Path, mode: u32) -> PathBuf {
    fs::write(path, "x\n").unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    path.to_path_buf()
}

fn err(c: &Checked) -> String {
    match &c.result {
        Ok(_) => "ok".into(),
        Err(e) => e.to_string(),
    }
}

fn lines(c: &Checked) -> Vec<String> {
    c.warnings.iter().map(|w| w.to_string()).collect()
}

#[test]
fn writable_directories_warn_for_root_and_fail_with_safe_dir_path() {
    let t = tempfile::tempdir().unwrap();
    let ww = dir(t.path(), "ww", 0o777);
    let gw = dir(t.path(), "gw", 0o775);
    let c = checker(&[]);
    let got = c.dir_path(&ww, &root(), Sff::ROOT_OK);
    assert!(got.result.is_ok());
    assert_eq!(got.warnings, vec![DirWarning { world: true, dir: ww.clone() }]);
    let got = c.dir_path(&gw, &root(), Sff::ROOT_OK);
    assert_eq!(
        got.warnings[0].to_string(),
        format!("WARNING: Group writable directory {}", gw.display())
    );
    let strict = c.dir_path(&ww, &root(), Sff::ROOT_OK | Sff::SAFE_DIR_PATH);
    assert_eq!(strict.result, Err(Unsafe::WorldWritableDir(ww.clone())));
    assert!(strict.warnings.is_empty());
    let strict = c.dir_path(&gw, &stranger(), Sff::SAFE_DIR_PATH);
    assert_eq!(strict.result, Err(Unsafe::GroupWritableDir(gw.clone())));
    assert!(c.dir_path(&ww, &stranger(), Sff::NONE).warnings.is_empty(), "users get no warning");
    let relaxed = checker(&[DontBlame::GroupWritableDirPathSafe]);
    assert!(relaxed.dir_path(&gw, &root(), Sff::SAFE_DIR_PATH).result.is_ok());
    assert!(relaxed.dir_path(&ww, &root(), Sff::SAFE_DIR_PATH).result.is_err());
}

#[test]
fn sticky_directories_need_trust_sticky_bit() {
    let t = tempfile::tempdir().unwrap();
    let st = dir(t.path(), "st", 0o1777);
    assert!(checker(&[]).dir_path(&st, &root(), Sff::SAFE_DIR_PATH).result.is_ok());
    let untrusting = Checker { dont_blame: DontBlameSet::SAFE, ..checker(&[]) };
    let got = untrusting.dir_path(&st, &root(), Sff::ROOT_OK);
    assert_eq!(got.warnings.last(), Some(&DirWarning { world: true, dir: st }));
}

#[test]
fn the_walk_follows_links_and_skips_dot_components() {
    let t = tempfile::tempdir().unwrap();
    let ww = dir(t.path(), "ww", 0o777);
    let safe = dir(t.path(), "safe", 0o755);
    symlink("ww", t.path().join("rel")).unwrap();
    symlink(&ww, safe.join("abs")).unwrap();
    let c = checker(&[]);
    let via_rel = c.dir_path(&t.path().join("rel"), &root(), Sff::ROOT_OK);
    assert_eq!(via_rel.warnings, vec![DirWarning { world: true, dir: ww.clone() }]);
    let via_abs = c.dir_path(&safe.join("abs"), &root(), Sff::ROOT_OK);
    assert_eq!(via_abs.warnings, vec![DirWarning { world: true, dir: ww.clone() }]);
    let dotted = c.dir_path(&ww.join("..").join("safe"), &root(), Sff::ROOT_OK);
    assert_eq!(dotted.warnings, vec![DirWarning { world: true, dir: ww }]);
    symlink("loop", t.path().join("loop")).unwrap();
    let looped = c.dir_path(&t.path().join("loop"), &root(), Sff::ROOT_OK);
    assert_eq!(err_of(&looped.result), "Too many levels of symbolic links");
}

fn err_of<T>(r: &Result<T, Unsafe>) -> String {
    r.as_ref().err().map(|e| e.to_string()).unwrap_or_else(|| "ok".into())
}

#[test]
fn a_directory_the_user_cannot_search_is_denied() {
    let t = tempfile::tempdir().unwrap();
    let closed = dir(t.path(), "closed", 0o700);
    let got = checker(&[]).dir_path(&closed.join("sub"), &stranger(), Sff::NONE);
    assert_eq!(got.result, Err(Unsafe::DENIED));
    let unprivileged = Checker { privileged: false, ..checker(&[]) };
    let left_to_the_system = unprivileged.dir_path(&closed, &stranger(), Sff::ROOT_OK);
    assert!(left_to_the_system.result.is_ok());
}

#[test]
fn the_file_itself() {
    let t = tempfile::tempdir().unwrap();
    let d = dir(t.path(), "d", 0o755);
    let c = checker(&[]);
    let id = Identity::process();
    let check =
        |p: &Path, flags: Sff, access: Access| err(&c.file(p, &id, flags | Sff::ROOT_OK, access));
    let plain = file(&d.join("plain"), 0o644);
    assert_eq!(check(&plain, Sff::REGULAR_ONLY, Access::Read), "ok");
    symlink("plain", d.join("link")).unwrap();
    assert_eq!(check(&d.join("link"), Sff::NO_SYMLINK, Access::Read), "Symbolic links not allowed");
    assert_eq!(check(&d.join("link"), Sff::NONE, Access::Read), "ok");
    fs::hard_link(&plain, d.join("hard")).unwrap();
    assert_eq!(check(&d.join("hard"), Sff::NO_HARD_LINK, Access::Read), "Hard links not allowed");
    assert_eq!(check(&d, Sff::REGULAR_ONLY, Access::Read), "Regular files only");
    let gw = file(&d.join("gw"), 0o664);
    assert_eq!(check(&gw, Sff::NO_GROUP_WRITABLE, Access::Read), "Group writable file");
    let ww = file(&d.join("ww"), 0o646);
    assert_eq!(check(&ww, Sff::NO_GROUP_WRITABLE, Access::Read), "ok");
    assert_eq!(check(&ww, Sff::NO_WORLD_WRITABLE, Access::Read), "World writable file");
    assert_eq!(check(&plain, Sff::NO_WORLD_READABLE, Access::Read), "World readable file");
    assert_eq!(check(&plain, Sff::NO_GROUP_READABLE, Access::Read), "Group readable file");
    let exe = file(&d.join("exe"), 0o755);
    assert_eq!(check(&exe, Sff::NONE, Access::Write), "Executable files not allowed");
    assert_eq!(check(&exe, Sff::EXEC_OK, Access::Write), "ok");
    assert_eq!(check(&exe, Sff::NONE, Access::Read), "ok");
    let missing = d.join("missing");
    assert_eq!(check(&missing, Sff::NONE, Access::Write), "No such file or directory");
    assert!(matches!(c.file(&missing, &id, Sff::CREATE, Access::Write).result, Ok(Found::Absent)));
    let theirs = c.file(&missing, &stranger(), Sff::CREATE, Access::Write);
    assert_eq!(err(&theirs), "Permission denied", "a stranger may not create files in d");
}

#[test]
fn permissions_are_those_of_the_identity() {
    let t = tempfile::tempdir().unwrap();
    let d = dir(t.path(), "d", 0o755);
    let c = checker(&[]);
    let private = file(&d.join("private"), 0o600);
    assert_eq!(err(&c.file(&private, &stranger(), Sff::NONE, Access::Read)), "Permission denied");
    let public = file(&d.join("public"), 0o644);
    assert_eq!(err(&c.file(&public, &stranger(), Sff::NONE, Access::Read)), "ok");
    assert_eq!(err(&c.file(&public, &stranger(), Sff::NONE, Access::Write)), "Permission denied");
    let as_root = c.file(&public, &stranger(), Sff::OPEN_AS_ROOT, Access::Write);
    assert_eq!(err(&as_root), "Permission denied", "only uid 0 opens as root");
    assert_eq!(err(&c.file(&private, &root(), Sff::OPEN_AS_ROOT, Access::Write)), "ok");
    assert_eq!(err(&c.file(&private, &root(), Sff::NONE, Access::Read)), "Permission denied");
    assert_eq!(err(&c.file(&private, &root(), Sff::ROOT_OK, Access::Read)), "ok");
}

#[test]
fn must_own_accepts_the_user_root_and_the_trusted_user() {
    let t = tempfile::tempdir().unwrap();
    let f = file(&t.path().join("f"), 0o644);
    let me = Identity::process();
    let c = Checker { trusted_uid: 0, ..checker(&[]) };
    assert_eq!(err(&c.file(&f, &me, Sff::MUST_OWN, Access::Read)), "ok");
    let owner = std::os::unix::fs::MetadataExt::uid(&fs::metadata(&f).unwrap());
    let verdict = err(&c.file(&f, &stranger(), Sff::MUST_OWN, Access::Read));
    assert_eq!(verdict, if owner == 0 { "ok" } else { "Permission denied" });
    let trusting = Checker { trusted_uid: owner, ..c };
    assert_eq!(err(&trusting.file(&f, &stranger(), Sff::MUST_OWN, Access::Read)), "ok");
}

#[test]
fn links_are_refused_only_in_writable_directories() {
    let t = tempfile::tempdir().unwrap();
    let c = checker(&[]);
    let safe = dir(t.path(), "safe", 0o755);
    let ww = dir(t.path(), "ww", 0o777);
    let real = file(&t.path().join("real"), 0o644);
    symlink(&real, safe.join("l")).unwrap();
    symlink(&real, ww.join("l")).unwrap();
    let flags = Sff::ROOT_OK | Sff::NO_LINK_IN_WRITABLE_DIR;
    let in_safe = c.file(&safe.join("l"), &root(), flags, Access::Read);
    assert_eq!((err(&in_safe), in_safe.warnings.len()), ("ok".to_string(), 0));
    let in_ww = c.file(&ww.join("l"), &root(), flags, Access::Read);
    assert_eq!(err(&in_ww), "Symbolic links not allowed");
    assert_eq!(lines(&in_ww), vec![format!("WARNING: World writable directory {}", ww.display())]);
}

#[test]
fn a_user_never_gets_safe_dir_path() {
    let t = tempfile::tempdir().unwrap();
    let ww = dir(t.path(), "ww", 0o777);
    let f = file(&ww.join("f"), 0o644);
    let user = Checker { privileged: false, ..checker(&[]) };
    let got = user.file(&f, &Identity::process(), Sff::SAFE_DIR_PATH | Sff::ROOT_OK, Access::Read);
    assert_eq!(err(&got), "ok");
    let root_run = checker(&[]).file(&f, &root(), Sff::SAFE_DIR_PATH | Sff::ROOT_OK, Access::Read);
    assert_eq!(err(&root_run), "World writable directory");
}

#[test]
fn makemap_checks_twice_and_stops_at_the_first_refusal() {
    let t = tempfile::tempdir().unwrap();
    let c =
        Checker { dont_blame: DontBlameSet::SAFE.with(DontBlame::TrustStickyBit), ..checker(&[]) };
    let ww = dir(t.path(), "ww", 0o777);
    let built = c.makemap_file(&ww.join("m.db"), &root(), MakemapMode::Build, false);
    assert_eq!(err(&built), "ok");
    assert_eq!(built.warnings.len(), 2);
    let dumped = c.makemap_file(&ww.join("m.db"), &root(), MakemapMode::Dump, false);
    assert_eq!(err(&dumped), "No such file or directory");
    assert_eq!(dumped.warnings.len(), 1);
    symlink("elsewhere", ww.join("s.db")).unwrap();
    let linked = c.makemap_file(&ww.join("s.db"), &root(), MakemapMode::Build, false);
    assert_eq!((err(&linked), linked.warnings.len()), ("Symbolic links not allowed".into(), 1));
    let unsafe_ok = c.makemap_file(&ww.join("s.db"), &root(), MakemapMode::Build, true);
    assert_eq!(err(&unsafe_ok), "ok");
}

#[test]
fn alias_files_and_their_databases() {
    let t = tempfile::tempdir().unwrap();
    let d = dir(t.path(), "d", 0o755);
    let aliases = file(&d.join("aliases"), 0o664);
    let c = checker(&[]);
    assert_eq!(err(&c.alias_file(&aliases, &root())), "Group writable file");
    let relaxed = checker(&[DontBlame::GroupWritableAliasFile]);
    assert_eq!(err(&relaxed.alias_file(&aliases, &root())), "ok");
    fs::set_permissions(&aliases, fs::Permissions::from_mode(0o646)).unwrap();
    assert_eq!(err(&relaxed.alias_file(&aliases, &root())), "World writable file");
    fs::set_permissions(&aliases, fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(err(&c.alias_file(&aliases, &stranger())), "ok", "read-only when denied writing");
    let gw = dir(t.path(), "gw", 0o775);
    let db = gw.join("aliases.db");
    assert_eq!(err(&c.map_to_write(&db, &root())), "Group writable directory");
    let got = checker(&[DontBlame::MapInUnsafeDirPath]).map_to_write(&db, &root());
    assert_eq!((err(&got), got.warnings.len()), ("ok".to_string(), 1));
    symlink("aliases", d.join("aliases.db")).unwrap();
    assert_eq!(err(&c.map_to_write(&d.join("aliases.db"), &root())), "Symbolic links not allowed");
    let to_link = checker(&[DontBlame::WriteMapToSymlink]);
    assert_eq!(err(&to_link.map_to_write(&d.join("aliases.db"), &root())), "ok");
    assert_eq!(err(&c.map_to_read(&d.join("aliases.db"), &root())), "ok");
    assert_eq!(err(&c.map_to_read(&db, &root())), "Group writable directory");
}

#[test]
fn forward_files() {
    let t = tempfile::tempdir().unwrap();
    let c = checker(&[]);
    let me = Identity::process();
    let safe = dir(t.path(), "safe", 0o755);
    let fwd = file(&safe.join("fwd"), 0o644);
    let ok = c.forward_file(&fwd, &me);
    assert!(!ok.result.as_ref().unwrap().unsafe_addresses);
    fs::set_permissions(&fwd, fs::Permissions::from_mode(0o664)).unwrap();
    assert_eq!(err_of(&c.forward_file(&fwd, &me).result), "Group writable file");
    let relaxed = checker(&[DontBlame::GroupWritableForwardFile]).forward_file(&fwd, &me);
    assert!(
        relaxed.result.unwrap().unsafe_addresses,
        "a group-writable file's programs are unsafe"
    );
    let gw = dir(t.path(), "gw", 0o775);
    let in_gw = file(&gw.join("fwd"), 0o644);
    assert_eq!(err_of(&c.forward_file(&in_gw, &me).result), "Group writable directory");
    let gw_ok = checker(&[DontBlame::ForwardFileInGroupWritableDirPath]);
    assert!(gw_ok.forward_file(&in_gw, &me).result.unwrap().unsafe_addresses);
    let ww = dir(t.path(), "ww", 0o777);
    let in_ww = file(&ww.join("fwd"), 0o644);
    assert_eq!(err_of(&gw_ok.forward_file(&in_ww, &me).result), "World writable directory");
    let unsafe_ok = checker(&[DontBlame::ForwardFileInUnsafeDirPath]);
    assert_eq!(err_of(&unsafe_ok.forward_file(&in_ww, &me).result), "ok");
    symlink(&fwd, ww.join("link")).unwrap();
    let linked = unsafe_ok.forward_file(&ww.join("link"), &me).result;
    assert_eq!(err_of(&linked), "Symbolic links not allowed");
    let missing = c.forward_file(&safe.join("none"), &me).result;
    assert!(missing.unwrap_err().is_not_found());
}

#[test]
fn include_files_need_not_belong_to_the_user() {
    let t = tempfile::tempdir().unwrap();
    let c = Checker { trusted_uid: 0, ..checker(&[]) };
    let safe = dir(t.path(), "safe", 0o755);
    let list = file(&safe.join("list"), 0o644);
    assert_eq!(err_of(&c.include_file(&list, &stranger()).result), "ok");
    assert_eq!(err_of(&c.forward_file(&list, &stranger()).result), {
        let owner = std::os::unix::fs::MetadataExt::uid(&fs::metadata(&list).unwrap());
        if owner == 0 {
            "ok"
        } else {
            "Permission denied"
        }
    });
    fs::set_permissions(&list, fs::Permissions::from_mode(0o646)).unwrap();
    assert_eq!(err_of(&c.include_file(&list, &stranger()).result), "World writable file");
    let relaxed = checker(&[DontBlame::WorldWritableIncludeFile]);
    assert!(relaxed.include_file(&list, &stranger()).result.unwrap().unsafe_addresses);
    let user_run = Checker { privileged: false, ..checker(&[DontBlame::WorldWritableIncludeFile]) };
    fs::set_permissions(&list, fs::Permissions::from_mode(0o644)).unwrap();
    let got = user_run.include_file(&list, &Identity::process()).result.unwrap();
    assert!(got.unsafe_addresses, "not root: addresses unsafe unless NonRootSafeAddr");
    let trusting = Checker { privileged: false, ..checker(&[DontBlame::NonRootSafeAddr]) };
    assert!(!trusting.include_file(&list, &Identity::process()).result.unwrap().unsafe_addresses);
}
