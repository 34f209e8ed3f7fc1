use super::*;
use std::path::Path;

/// A job: queue ID suffix `n` (`6AONWio<n>023841`), priority, creation time,
/// recipient host and control-file modification time.
struct Job(u8, i64, i64, &'static str, i64);

fn id(n: u8) -> QueueId {
    QueueId::parse(&format!("6AONWio{n}023841")).unwrap()
}

fn write(dir: &Path, Job(n, pri, created, host, mtime): Job) {
    let id = id(n);
    let qf =
        format!("V8\nT{created}\nK0\nN0\nP{pri}\nFs\nS<alice@example.org>\nRPFD:<u@{host}>\n.\n");
    std::fs::write(dir.join(format!("qf{id}")), qf).unwrap();
    std::fs::write(dir.join(format!("df{id}")), "Hello over SMTP.\n").unwrap();
    let file = File::options().write(true).open(dir.join(format!("qf{id}"))).unwrap();
    let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime as u64);
    file.set_modified(when).unwrap();
}

fn order(dir: &Path, order: SortOrder) -> Vec<u8> {
    let scan = Scan { order, ..Scan::new(FileKind::Control) };
    let ids = scan.run(&Queue::open(dir), &|_| ()).unwrap();
    ids.iter().map(|(e, _)| e.id.as_str().as_bytes()[7] - b'0').collect()
}

/// The four jobs of an oracle run: sendmail 8.17.1.9's `mailq` printed them in these
/// orders for `-OQueueSortOrder=priority|time|filename|modification|host`.
#[test]
fn orders_as_sendmail_lists_them() {
    let dir = tempfile::tempdir().unwrap();
    for job in [
        Job(0, 300, 1795563164, "b.x", 1795563000),
        Job(1, 100, 1795563364, "a.y", 1795563037),
        Job(2, 200, 1795563264, "C.x", 1795563074),
        Job(3, 50, 1795563064, "a.y", 1795563011),
    ] {
        write(dir.path(), job);
    }
    assert_eq!(order(dir.path(), SortOrder::Priority), [3, 1, 2, 0]);
    assert_eq!(order(dir.path(), SortOrder::Time), [3, 0, 2, 1]);
    assert_eq!(order(dir.path(), SortOrder::Filename), [0, 1, 2, 3]);
    assert_eq!(order(dir.path(), SortOrder::Modification), [0, 3, 1, 2]);
    // Hosts backwards and without case (x.b, x.c, y.a), then priority.
    assert_eq!(order(dir.path(), SortOrder::Host), [0, 2, 3, 1]);
    let mut shuffled = order(dir.path(), SortOrder::Random);
    shuffled.sort();
    assert_eq!(shuffled, [0, 1, 2, 3]);
    assert_eq!(order(dir.path(), SortOrder::None).len(), 4);
}

#[test]
fn equal_priorities_go_by_queue_id() {
    let dir = tempfile::tempdir().unwrap();
    for n in [2, 0, 3, 1] {
        write(dir.path(), Job(n, 500, 1795563000, "x.example", 1795563000));
    }
    assert_eq!(order(dir.path(), SortOrder::Priority), [0, 1, 2, 3]);
}

#[test]
fn option_values_by_their_first_letter() {
    assert_eq!(SortOrder::parse("priority"), Some(SortOrder::Priority));
    assert_eq!(SortOrder::parse("Time"), Some(SortOrder::Time));
    assert_eq!(SortOrder::parse("modification"), Some(SortOrder::Modification));
    assert_eq!(SortOrder::parse("h"), Some(SortOrder::Host));
    assert_eq!(SortOrder::parse("bogus"), None);
    assert_eq!(SortOrder::parse(""), None);
}

#[test]
fn min_queue_age_makes_a_recently_tried_job_too_young() {
    let entry = |qf: &str| Entry {
        id: id(0),
        qf: Ok(qf.as_bytes().to_vec()),
        df_size: Ok(0),
        df_name: String::new(),
        locked: false,
        priority: 0,
        modified: None,
    };
    let tried = entry("V8\nT1000\nK2000\nP1\n.\n");
    assert!(tried.too_young(600, 2500));
    assert!(!tried.too_young(600, 2600));
    assert!(!tried.too_young(0, 2000), "no MinQueueAge");
    assert!(!entry("V8\nT1000\nK0\nP1\n.\n").too_young(600, 1000), "never tried");
}

#[test]
fn selections_as_sendmail_makes_them() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), Job(0, 1, 1, "Example.ORG", 1));
    write(dir.path(), Job(1, 2, 1, "other.net", 1));
    let select = |filters: &[(char, &str, bool)]| -> Vec<u8> {
        let filters = filters
            .iter()
            .map(|&(field, text, negate)| Filter { field, text: text.into(), negate })
            .collect();
        let scan = Scan { filters, ..Scan::new(FileKind::Control) };
        let found = scan.run(&Queue::open(dir.path()), &|_| ()).unwrap();
        found.iter().map(|(e, _)| e.id.as_str().as_bytes()[7] - b'0').collect()
    };
    assert_eq!(select(&[('R', "example.org", false)]), [0], "R ignores case");
    assert_eq!(select(&[('R', "example", true)]), [1]);
    assert_eq!(select(&[('I', "io1", false)]), [1]);
    assert_eq!(select(&[('R', "example", false), ('R', "other", false)]), [0, 1], "OR");
    assert_eq!(select(&[('R', "example", false), ('I', "io1", false)]), [0u8; 0], "AND");
    assert_eq!(select(&[('S', "ALICE", false)]), [0, 1]);
}

#[test]
fn locks_unreadable_files_and_the_df() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), Job(0, 1, 1, "a", 1));
    write(dir.path(), Job(1, 2, 1, "a", 1));
    let queue = Queue::open(dir.path());
    let held = queue.lock(&id(0)).unwrap().expect("unlocked");
    std::fs::remove_file(dir.path().join(format!("df{}", id(1)))).unwrap();
    let made = Scan::new(FileKind::Control).run(&queue, &|e| e.priority * 10).unwrap();
    let (first, ten) = &made[0];
    assert!(first.locked && *ten == 10, "the lock seen, make ran");
    assert_eq!(first.df_size.as_ref().unwrap(), &17);
    assert_eq!(first.df_name, format!("./df{}", id(0)));
    assert!(!made[1].0.locked && made[1].0.df_size.is_err());
    drop(held);
}
