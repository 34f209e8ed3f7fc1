//! Writing maps: [`create`] a [`Writer`], [`Writer::insert`] entries, [`Writer::commit`].
//!
//! A map is replaced whole and atomically, so a running smtpd never sees half a map:
//! the new file is written to a temporary file in the same directory (mode 0640, less
//! the umask, as sendmail's makemap), flushed with fsync, renamed over the map, and the
//! directory is fsync'd. A writer dropped without `commit` removes its temporary file
//! and leaves the old map alone.
//!
//! Keys and values pass through the [`KeyRules`] (case folding, trailing NUL) on the
//! way in. What happens to a key inserted twice is the [`Duplicates`] policy.
//!
//! The map file itself is checked as sendmail's makemap does: a symbolic link is
//! refused (`Symbolic links not allowed`) unless [`WriteOptions::follow_symlinks`], and
//! anything but a regular file is refused (`Regular files only`).
//!
//! # Errors
//! Every failure is a [`MapError`] naming the file; unwritable directories and the
//! refusals above are [`MapError::Io`] whose message is the system's or sendmail's text.

pub use super::hash_build::Duplicates;
use super::hash_build::HashBuilder;
use super::{btree_build::BtreeBuilder, KeyRules, MapError, MapType};
use std::collections::HashSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// The `nelem` hint sendmail's makemap gives Berkeley DB for hash maps.
pub const MAKEMAP_NELEM: u32 = 4096;
/// Page size of the Berkeley DB files written.
const PAGESIZE: usize = 4096;

/// How a map is written.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Case folding and NUL termination of keys and values.
    pub rules: KeyRules,
    /// What a second insert of a key does.
    pub duplicates: Duplicates,
    /// Write through a symbolic link to its target instead of refusing it
    /// (`makemap -s`).
    pub follow_symlinks: bool,
    /// The element-count hint a hash map is created with: makemap's
    /// [`MAKEMAP_NELEM`]; sendmail's alias rebuild gives none (0). Berkeley DB
    /// stores it plus one per key in the meta page, so dumps differ without it.
    pub nelem_hint: u32,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions {
            rules: KeyRules::default(),
            duplicates: Duplicates::KeepFirst,
            follow_symlinks: false,
            nelem_hint: MAKEMAP_NELEM,
        }
    }
}

/// The format being built.
enum Backend {
    Hash(HashBuilder),
    Btree(BtreeBuilder),
    Cdb { make: cdb2::CDBMake, seen: HashSet<Vec<u8>>, replaced: Vec<(Vec<u8>, Vec<u8>)> },
}

/// A map being written; see the module documentation.
pub struct Writer {
    backend: Option<Backend>,
    options: WriteOptions,
    target: PathBuf,
    temp: PathBuf,
    file: Option<File>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").field("target", &self.target).finish()
    }
}

/// Starts writing the map `name` of type `kind` (the file gets the type's extension).
pub fn create(kind: MapType, name: &Path, options: WriteOptions) -> Result<Writer, MapError> {
    let target = check_target(&kind.file_for(name), options.follow_symlinks)?;
    let (temp, file) = temp_file(&target)?;
    let io = |source| MapError::Io { path: temp.clone(), source };
    let backend = match kind {
        MapType::Hash => Backend::Hash(HashBuilder::new(PAGESIZE, options.nelem_hint)),
        MapType::Btree => Backend::Btree(BtreeBuilder::new(PAGESIZE)),
        MapType::Cdb => Backend::Cdb {
            make: cdb2::CDBMake::new(file.try_clone().map_err(io)?).map_err(io)?,
            seen: HashSet::new(),
            replaced: Vec::new(),
        },
        MapType::Text => {
            let _ = fs::remove_file(&temp);
            return Err(MapError::UnknownType("text maps are written with an editor".into()));
        }
    };
    Ok(Writer { backend: Some(backend), options, target, temp, file: Some(file) })
}

/// Refuses symbolic links and non-regular files; returns the path to write.
fn check_target(path: &Path, follow: bool) -> Result<PathBuf, MapError> {
    let refuse =
        |msg: &str| MapError::Io { path: path.to_path_buf(), source: io::Error::other(msg) };
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(path.to_path_buf()),
        Err(source) => return Err(MapError::Io { path: path.to_path_buf(), source }),
    };
    if meta.file_type().is_symlink() {
        if !follow {
            return Err(refuse("Symbolic links not allowed"));
        }
        let real = fs::canonicalize(path)
            .map_err(|source| MapError::Io { path: path.to_path_buf(), source })?;
        return check_target(&real, false);
    }
    if !meta.is_file() {
        return Err(refuse("Regular files only"));
    }
    if meta.mode() & 0o200 == 0 {
        let denied = io::Error::from_raw_os_error(libc::EACCES);
        return Err(MapError::Io { path: path.to_path_buf(), source: denied });
    }
    Ok(path.to_path_buf())
}

/// Creates a fresh temporary file beside `target`.
fn temp_file(target: &Path) -> Result<(PathBuf, File), MapError> {
    let dir = parent(target);
    let base = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut last = None;
    for attempt in 0..100u32 {
        let temp = dir.join(format!(".{base}.{}.{attempt}.tmp", std::process::id()));
        match OpenOptions::new().write(true).create_new(true).mode(0o640).open(&temp) {
            Ok(f) => return Ok((temp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(source) => return Err(MapError::Io { path: target.to_path_buf(), source }),
        }
    }
    let source = last.unwrap_or_else(|| io::Error::other("no temporary file name"));
    Err(MapError::Io { path: target.to_path_buf(), source })
}

/// The directory holding `path` (`.` for a bare name).
fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

impl Writer {
    /// Adds `key` -> `value` under the key rules; returns `false` when the key was
    /// already in the map (what happened then is the [`Duplicates`] policy).
    pub fn insert(&mut self, key: &[u8], value: &[u8]) -> Result<bool, MapError> {
        let key = self.options.rules.store_key(key);
        let value = self.options.rules.store_value(value);
        self.insert_stored(key, value)
    }

    /// Adds an entry exactly as it is to be stored, bypassing the key rules (for
    /// copying entries of an existing map, `makemap -o`).
    pub fn insert_stored(&mut self, key: Vec<u8>, value: Vec<u8>) -> Result<bool, MapError> {
        let dup = self.options.duplicates;
        let temp = self.temp.clone();
        match self.backend.as_mut() {
            Some(Backend::Hash(h)) => h
                .insert(&key, &value, dup)
                .map_err(|e| MapError::Corrupt { path: temp, reason: e.to_string() }),
            Some(Backend::Btree(b)) => Ok(b.insert(key, value, dup)),
            Some(Backend::Cdb { make, seen, replaced }) => {
                let new = dup == Duplicates::Allow || seen.insert(key.clone());
                match dup {
                    Duplicates::Replace => replaced.push((key, value)),
                    _ if new => make
                        .add(&key, &value)
                        .map_err(|source| MapError::Io { path: temp, source })?,
                    _ => {}
                }
                Ok(new)
            }
            None => Ok(false),
        }
    }

    /// Writes the map, flushes it to disk and renames it over the old one.
    pub fn commit(mut self) -> Result<(), MapError> {
        let file = self.file.take().ok_or_else(|| io_err(&self.temp, "writer already used"))?;
        let io = |source| MapError::Io { path: self.temp.clone(), source };
        match self.backend.take() {
            Some(Backend::Hash(h)) => {
                write_buffered(&file, |w| h.write(w, file_uid(&file))).map_err(io)?
            }
            Some(Backend::Btree(b)) => {
                write_buffered(&file, |w| b.write(w, file_uid(&file))).map_err(io)?
            }
            Some(Backend::Cdb { mut make, replaced, .. }) => {
                let mut last = std::collections::HashMap::new();
                for (i, (k, _)) in replaced.iter().enumerate() {
                    last.insert(k.as_slice(), i);
                }
                for (i, (k, v)) in replaced.iter().enumerate() {
                    if last.get(k.as_slice()) == Some(&i) {
                        make.add(k, v).map_err(io)?;
                    }
                }
                make.finish().map_err(io)?;
            }
            None => {}
        }
        file.sync_all().map_err(io)?;
        drop(file);
        fs::rename(&self.temp, &self.target).map_err(io)?;
        File::open(parent(&self.target))
            .and_then(|d| d.sync_all())
            .map_err(|source| MapError::Io { path: parent(&self.target), source })?;
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.file.is_some() {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

fn io_err(path: &Path, msg: &str) -> MapError {
    MapError::Io { path: path.to_path_buf(), source: io::Error::other(msg.to_string()) }
}

/// Runs `f` on a buffered writer over `file` and flushes it.
fn write_buffered(
    file: &File,
    f: impl FnOnce(&mut BufWriter<&File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, file);
    f(&mut w)?;
    w.flush()
}

/// A 20-byte Berkeley DB file id: inode, device, time and process, as the library
/// builds its own.
fn file_uid(file: &File) -> [u8; 20] {
    let (ino, dev) = file.metadata().map(|m| (m.ino(), m.dev())).unwrap_or((0, 0));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let mut uid = [0u8; 20];
    uid[0..4].copy_from_slice(&(ino as u32).to_le_bytes());
    uid[4..8].copy_from_slice(&(dev as u32).to_le_bytes());
    uid[8..16].copy_from_slice(&now.to_le_bytes());
    uid[16..20].copy_from_slice(&std::process::id().to_le_bytes());
    uid
}
