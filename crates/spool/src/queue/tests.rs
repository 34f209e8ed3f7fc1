use super::fs::{FileSystem, RealFs};
use super::*;
use crate::qf::{self, Code, QueueFile};
use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn sample_qf(id: &QueueId) -> QueueFile {
    let mut qf = QueueFile::new();
    qf.push(Code::Version, "8");
    qf.push(Code::CreationTime, "1795563096");
    qf.push(Code::Sender, "root");
    qf.push(Code::Recipient, "PFD:root");
    qf.push(Code::Header, format!("??Subject: {id}"));
    qf.push(Code::End, "");
    qf
}

/// Commits a sample message with the body `body\n`; its ID (the job unlocked).
fn committed(queue: &Queue) -> QueueId {
    let mut msg = queue.new_message().unwrap();
    msg.write_body(b"body\n").unwrap();
    let id = msg.id().clone();
    drop(msg.commit(&sample_qf(&id)).unwrap());
    id
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn commit_writes_df_and_qf_and_leaves_no_tf() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let mut msg = queue.new_message().unwrap();
    msg.write_body(b"Hello\n").unwrap();
    let id = msg.id().clone();
    let qf = sample_qf(&id);
    let job = msg.commit(&qf).unwrap();
    assert_eq!(names(dir.path()), vec![format!("df{id}"), format!("qf{id}")]);
    assert_eq!(std::fs::read(queue.path(FileKind::Data, &id)).unwrap(), b"Hello\n");
    assert_eq!(std::fs::read(queue.path(FileKind::Control, &id)).unwrap(), qf.to_bytes());
    assert!(queue.is_locked(FileKind::Control, &id), "the committed job stays locked");
    drop(job);
    assert!(!queue.is_locked(FileKind::Control, &id));
    assert_eq!(queue.list(FileKind::Control).unwrap(), vec![id]);
}

#[test]
fn a_quarantined_message_is_committed_as_hf() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let msg = queue.new_message().unwrap();
    let id = msg.id().clone();
    let mut qf = QueueFile::new();
    qf.push(Code::Version, "8");
    qf.push(Code::Quarantine, "held by a milter");
    qf.push(Code::Sender, "root");
    qf.push(Code::Recipient, "PFD:root");
    qf.push(Code::End, "");
    drop(msg.commit(&qf).unwrap());
    assert_eq!(names(dir.path()), vec![format!("df{id}"), format!("hf{id}")]);
    assert_eq!(queue.list(FileKind::Quarantined).unwrap(), vec![id]);
    assert!(queue.list(FileKind::Control).unwrap().is_empty());
}

#[test]
fn files_get_the_queue_file_mode() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path()).with_file_mode(0o600);
    let msg = queue.new_message().unwrap();
    let id = msg.id().clone();
    drop(msg.commit(&sample_qf(&id)).unwrap());
    for kind in [FileKind::Data, FileKind::Control] {
        let mode = std::fs::metadata(queue.path(kind, &id)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn dropping_an_uncommitted_message_removes_its_df() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let mut msg = queue.new_message().unwrap();
    msg.write_body(&vec![b'x'; 200_000]).unwrap();
    drop(msg);
    assert!(names(dir.path()).is_empty());
}

#[test]
fn a_locked_job_cannot_be_locked_twice_and_rewrite_keeps_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let msg = queue.new_message().unwrap();
    let id = msg.id().clone();
    drop(msg.commit(&sample_qf(&id)).unwrap());
    let mut job = queue.lock(&id).unwrap().expect("unlocked job locks");
    assert!(queue.lock(&id).unwrap().is_none());
    let mut qf = job.read().unwrap();
    qf.lines.insert(1, qf::Line::new(Code::Attempts, "1"));
    job.rewrite(&qf).unwrap();
    assert!(queue.is_locked(FileKind::Control, &id));
    assert_eq!(job.read().unwrap(), qf);
    assert!(!names(dir.path()).iter().any(|n| n.starts_with("tf")));
    job.remove().unwrap();
    assert!(names(dir.path()).is_empty());
    assert!(queue.lock(&id).unwrap().is_none(), "a removed job is gone");
}

#[test]
fn an_unreadable_qf_is_set_aside_as_lost() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let id = QueueId::parse("6AONYxf0032726").unwrap();
    std::fs::write(queue.path(FileKind::Control, &id), b"V8\nXbogus line\n.\n").unwrap();
    let mut job = queue.lock(&id).unwrap().unwrap();
    let err = job.read().unwrap_err();
    assert!(err.to_string().contains("line 2: bad line \"Xbogus line\""), "{err}");
    job.set_aside().unwrap();
    assert_eq!(names(dir.path()), vec!["Qf6AONYxf0032726"]);
    assert_eq!(queue.list(FileKind::Lost).unwrap(), vec![id]);
}

/// Issue 16 item 6: a FIFO named like a qf made `Job::lock` block in `open` until a
/// writer came; it must be refused at once, as must a directory. A symlink is not
/// followed.
#[test]
fn a_fifo_or_directory_named_like_a_qf_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let fifo = QueueId::parse("6AONYxf0032726").unwrap();
    let fifo_path = queue.path(FileKind::Control, &fifo);
    let made = std::process::Command::new("mkfifo").arg(&fifo_path).status().unwrap();
    assert!(made.success());
    let subdir = QueueId::parse("6AONYxf0032727").unwrap();
    std::fs::create_dir(queue.path(FileKind::Control, &subdir)).unwrap();
    let link = QueueId::parse("6AONYxf0032728").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", queue.path(FileKind::Control, &link)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let probe = queue.clone();
    std::thread::spawn(move || {
        let results = [&fifo, &subdir, &link].map(|id| probe.lock(id).map(|j| j.is_some()));
        let locked = probe.is_locked(FileKind::Control, &fifo);
        tx.send((results, locked)).unwrap();
    });
    let Ok((results, locked)) = rx.recv_timeout(std::time::Duration::from_secs(5)) else {
        // Unblock the stuck open before failing, so the test process can end.
        let _ = std::fs::OpenOptions::new().write(true).open(&fifo_path);
        panic!("locking a FIFO blocked");
    };
    let [fifo, subdir, link] = results;
    assert!(matches!(fifo, Err(QueueError::NotRegular { .. })), "{fifo:?}");
    assert!(fifo.unwrap_err().to_string().ends_with("qf6AONYxf0032726: not a regular file"));
    assert!(matches!(subdir, Err(QueueError::NotRegular { .. })), "{subdir:?}");
    let link = link.unwrap_err();
    assert!(
        matches!(&link, QueueError::Io { error, .. } if error.raw_os_error() == Some(libc::ELOOP))
    );
    assert!(!locked);
}

#[test]
fn split_layout_subdirectories_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["qf", "df", "xf"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    let queue = Queue::open(dir.path());
    let id = committed(&queue);
    assert_eq!(names(&dir.path().join("qf")), vec![format!("qf{id}")]);
    assert_eq!(names(&dir.path().join("df")), vec![format!("df{id}")]);
    assert_eq!(queue.list(FileKind::Control).unwrap(), vec![id]);
}

#[test]
fn concurrent_writers_get_distinct_ids() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let queue = queue.clone();
            std::thread::spawn(move || {
                for _ in 0..25 {
                    let mut msg = queue.new_message().unwrap();
                    msg.write_body(b"x\n").unwrap();
                    let id = msg.id().clone();
                    msg.commit(&sample_qf(&id)).unwrap();
                }
            })
        })
        .collect();
    threads.into_iter().for_each(|t| t.join().unwrap());
    assert_eq!(queue.list(FileKind::Control).unwrap().len(), 200);
}

/// The steps of a commit, in the order the seam sees them.
const STEPS: usize = 8;

/// Fails the `fail_at`-th filesystem call; with `crash`, every call after it fails too,
/// as if the machine stopped there (no cleanup happens).
#[derive(Debug)]
struct Faulty {
    calls: AtomicUsize,
    fail_at: usize,
    crash: bool,
}

impl Faulty {
    fn check(&self) -> std::io::Result<()> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if n == self.fail_at || (self.crash && n > self.fail_at) {
            return Err(std::io::Error::other(format!("injected failure at call {n}")));
        }
        Ok(())
    }
}

impl FileSystem for Faulty {
    fn create_new(&self, path: &Path, mode: u32) -> std::io::Result<File> {
        self.check()?;
        RealFs.create_new(path, mode)
    }
    fn write_all(&self, file: &mut File, data: &[u8]) -> std::io::Result<()> {
        self.check()?;
        RealFs.write_all(file, data)
    }
    fn sync(&self, file: &File) -> std::io::Result<()> {
        self.check()?;
        RealFs.sync(file)
    }
    fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        self.check()?;
        RealFs.rename(from, to)
    }
    fn sync_dir(&self, dir: &Path) -> std::io::Result<()> {
        self.check()?;
        RealFs.sync_dir(dir)
    }
    fn remove(&self, path: &Path) -> std::io::Result<()> {
        self.check()?;
        RealFs.remove(path)
    }
}

fn commit_with_failure(
    fail_at: usize,
    crash: bool,
) -> (tempfile::TempDir, Result<QueueId, QueueError>) {
    let dir = tempfile::tempdir().unwrap();
    let fs = Arc::new(Faulty { calls: AtomicUsize::new(0), fail_at, crash });
    let queue = Queue::open(dir.path()).with_fs(fs);
    let result = (|| {
        let mut msg = queue.new_message()?;
        msg.write_body(b"body\n")?;
        let id = msg.id().clone();
        msg.commit(&sample_qf(&id))?;
        Ok(id)
    })();
    (dir, result)
}

#[test]
fn a_failure_at_any_commit_step_leaves_nothing_behind() {
    // create df, write df, fsync df, create tf, write tf, fsync tf, rename, fsync dir
    for step in 0..STEPS {
        let (dir, result) = commit_with_failure(step, false);
        let left = names(dir.path());
        match result {
            Err(e) => {
                assert!(e.to_string().contains("injected failure"), "step {step}: {e}");
                assert!(
                    !left.iter().any(|n| n.starts_with("tf") || n.starts_with("df"))
                        || step == STEPS - 1,
                    "step {step} left {left:?}"
                );
            }
            Ok(_) => panic!("step {step}: the injected failure was not reported"),
        }
    }
    let (_, result) = commit_with_failure(STEPS, false);
    assert!(result.is_ok(), "all steps succeed past the last");
}

#[test]
fn a_writer_stopped_at_any_step_leaves_no_qf_or_a_complete_one() {
    for step in 0..=STEPS {
        let (dir, _) = commit_with_failure(step, true);
        let queue = Queue::open(dir.path());
        for id in queue.list(FileKind::Control).unwrap() {
            let path = queue.path(FileKind::Control, &id);
            let bytes = std::fs::read(&path).unwrap();
            let parsed = qf::parse(&path, &bytes).unwrap_or_else(|e| panic!("step {step}: {e}"));
            assert!(parsed.is_complete());
            assert!(queue.path(FileKind::Data, &id).exists(), "step {step}: qf without df");
        }
    }
}

#[test]
fn a_message_takes_the_wanted_id_unless_it_is_taken() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let id = next_id();
    let first = queue.new_message_as(id.clone()).unwrap();
    assert_eq!(first.id(), &id);
    let second = queue.new_message_as(id.clone()).unwrap();
    assert_ne!(second.id(), &id, "a df of that name exists: a fresh ID");
}

/// Creates `name` in `dir`, last modified `age` before `now`.
fn file_aged(dir: &Path, name: &str, now: std::time::SystemTime, age: u64) -> File {
    let file = File::create(dir.join(name)).unwrap();
    file.set_modified(now - std::time::Duration::from_secs(age)).unwrap();
    file
}

#[test]
fn a_sweep_removes_only_what_no_one_writes_or_refers_to() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let now = std::time::SystemTime::now();
    let old = STRAY_AGE.as_secs() + 60;
    // Stray: a tf, a df and an xf with no control file, untouched for more than a day.
    file_aged(dir.path(), "tfaaaaaaaaaaaa01", now, old);
    file_aged(dir.path(), "dfaaaaaaaaaaaa02", now, old);
    file_aged(dir.path(), "xfaaaaaaaaaaaa03", now, old);
    // Kept: a df with its qf, one with its hf, one with its Qf; a young orphan; an
    // old orphan a writer still holds locked; an old tf a writer holds locked.
    for (df, owner) in [("dfbbbbbbbbbbbb01", "qf"), ("dfbbbbbbbbbbbb02", "hf")] {
        file_aged(dir.path(), df, now, old);
        file_aged(dir.path(), &format!("{owner}{}", &df[2..]), now, old);
    }
    file_aged(dir.path(), "dfbbbbbbbbbbbb03", now, old);
    file_aged(dir.path(), "Qfbbbbbbbbbbbb03", now, old);
    file_aged(dir.path(), "dfbbbbbbbbbbbb04", now, 60);
    let held_df = file_aged(dir.path(), "dfbbbbbbbbbbbb05", now, old);
    held_df.try_lock().unwrap();
    let held_tf = file_aged(dir.path(), "tfbbbbbbbbbbbb06", now, old);
    held_tf.try_lock().unwrap();
    let before = names(dir.path());

    let mut removed = queue.sweep(now).unwrap();
    removed.sort();
    let expected: Vec<_> = ["dfaaaaaaaaaaaa02", "tfaaaaaaaaaaaa01", "xfaaaaaaaaaaaa03"]
        .iter()
        .map(|n| dir.path().join(n))
        .collect();
    assert_eq!(removed, expected);
    let kept: Vec<String> = before.into_iter().filter(|n| !n.contains('a')).collect();
    assert_eq!(names(dir.path()), kept);

    // The writers are gone: a day later their files go too; control files never do.
    drop((held_df, held_tf));
    assert_eq!(queue.sweep(now).unwrap().len(), 2);
    let later = now + STRAY_AGE;
    assert_eq!(queue.sweep(later).unwrap(), vec![dir.path().join("dfbbbbbbbbbbbb04")]);
    for name in ["qfbbbbbbbbbbbb01", "hfbbbbbbbbbbbb02", "Qfbbbbbbbbbbbb03"] {
        assert!(dir.path().join(name).exists(), "{name}");
    }
}

#[test]
fn a_sweep_never_takes_a_message_being_written_or_committed() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let far = std::time::SystemTime::now() + 10 * STRAY_AGE;
    let mut msg = queue.new_message().unwrap();
    msg.write_body(b"in flight\n").unwrap();
    assert!(queue.sweep(far).unwrap().is_empty(), "its df is locked");
    let id = msg.id().clone();
    let job = msg.commit(&sample_qf(&id)).unwrap();
    drop(job);
    assert!(queue.sweep(far).unwrap().is_empty(), "its qf keeps it");
    assert_eq!(names(dir.path()), vec![format!("df{id}"), format!("qf{id}")]);
}

#[test]
fn a_removal_stopped_at_any_step_never_leaves_a_qf_without_its_df() {
    for fail_at in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let queue = Queue::open(dir.path());
        let id = committed(&queue);
        let fs = Arc::new(Faulty { calls: AtomicUsize::new(0), fail_at, crash: true });
        let job = Queue::open(dir.path()).with_fs(fs).lock(&id).unwrap().unwrap();
        assert!(job.remove().is_err(), "stopped at call {fail_at}");
        let left = names(dir.path());
        let qf = format!("qf{id}");
        assert!(!left.contains(&qf) || left.contains(&format!("df{id}")), "{fail_at}: {left:?}");
    }
}

#[test]
fn quarantine_a_new_reason_and_release_as_sendmail_writes_them() {
    let dir = tempfile::tempdir().unwrap();
    let queue = Queue::open(dir.path());
    let id = committed(&queue);
    let original = std::fs::read(queue.path(FileKind::Control, &id)).unwrap();

    queue.lock(&id).unwrap().unwrap().set_quarantine(Some("held for review")).unwrap();
    assert_eq!(names(dir.path()), vec![format!("df{id}"), format!("hf{id}")]);
    let hf =
        String::from_utf8(std::fs::read(queue.path(FileKind::Quarantined, &id)).unwrap()).unwrap();
    // Where sendmail 8.17 writes it (the oracle's hf after `sendmail -Q... -qI<id>`).
    assert!(hf.contains("\nqheld for review\nSroot\n"), "{hf}");
    assert!(queue.lock(&id).unwrap().is_none(), "no qf to run");

    queue.lock_quarantined(&id).unwrap().unwrap().set_quarantine(Some("again")).unwrap();
    let hf = std::fs::read(queue.path(FileKind::Quarantined, &id)).unwrap();
    assert!(String::from_utf8(hf).unwrap().contains("\nqagain\nSroot\n"));

    queue.lock_quarantined(&id).unwrap().unwrap().set_quarantine(None).unwrap();
    assert_eq!(names(dir.path()), vec![format!("df{id}"), format!("qf{id}")]);
    assert_eq!(std::fs::read(queue.path(FileKind::Control, &id)).unwrap(), original);
}
