//! Which jobs a queue run works, and in what order: spool's shared queue scan
//! ([`spool::queue::scan`], the one `mailq` lists with), for the control files of
//! the MTA's or the client queue.
//!
//! The `-q[!]I|R|S` selections narrow it as sendmail selects; the order is
//! `QueueSortOrder` (priority, lowest first, by default). Jobs too young for
//! `MinQueueAge` and jobs another runner holds are still listed: the attempt decides
//! (it skips a job it cannot lock, and one tried too recently).
//!
//! # Errors
//! A queue directory that cannot be listed ([`QueueError`]).

use crate::flags::Filter;
use spool::queue::scan::{self, Scan, SortOrder};
use spool::queue::{FileKind, Queue, QueueError, QueueId};

/// The jobs of `queue` that `filters` select, in the order they are run.
pub fn jobs(
    queue: &Queue,
    filters: &[Filter],
    order: SortOrder,
) -> Result<Vec<QueueId>, QueueError> {
    jobs_of(queue, FileKind::Control, filters, order)
}

/// [`jobs`] among the control files of `kind` (`hf` for the quarantined).
pub fn jobs_of(
    queue: &Queue,
    kind: FileKind,
    filters: &[Filter],
    order: SortOrder,
) -> Result<Vec<QueueId>, QueueError> {
    let scan = Scan {
        kind,
        filters: filters
            .iter()
            .map(|f| scan::Filter { field: f.field, text: f.text.clone(), negate: f.negate })
            .collect(),
        order,
    };
    Ok(scan.run(queue, &|_| ())?.into_iter().map(|(entry, ())| entry.id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue_with(files: &[(&str, &str)]) -> (tempfile::TempDir, Queue) {
        let dir = tempfile::tempdir().unwrap();
        for (id, qf) in files {
            std::fs::write(dir.path().join(format!("qf{id}")), qf).unwrap();
        }
        let queue = Queue::open(dir.path());
        (dir, queue)
    }

    fn qf(priority: i64, sender: &str, rcpt: &str) -> String {
        format!("V8\nT1\nK0\nN0\nP{priority}\nFs\nS{sender}\nRPFD:{rcpt}\n.\n")
    }

    #[test]
    fn lowest_priority_first_and_selections() {
        let (_dir, queue) = queue_with(&[
            ("AAA000001", &qf(270437, "<root@h>", "<tempfail1@sink.example>")),
            ("AAA000002", &qf(120184, "<alice@example.org>", "<root@h>")),
            ("AAA000003", &qf(31564, "MAILER-DAEMON", "<Bob@Example.ORG>")),
        ]);
        let ids = |filters: &[Filter]| -> Vec<String> {
            jobs(&queue, filters, SortOrder::Priority)
                .unwrap()
                .iter()
                .map(|i| i.to_string())
                .collect()
        };
        assert_eq!(ids(&[]), ["AAA000003", "AAA000002", "AAA000001"]);
        let f = |field, text: &str, negate| Filter { field, text: text.into(), negate };
        assert_eq!(ids(&[f('I', "01", false)]), ["AAA000001"]);
        assert_eq!(ids(&[f('R', "bob@example", false)]), ["AAA000003"]);
        assert_eq!(ids(&[f('S', "ALICE", false)]), ["AAA000002"]);
        assert_eq!(ids(&[f('R', "root", true)]), ["AAA000003", "AAA000001"]);
        assert_eq!(ids(&[f('I', "0000", false), f('S', "root", false)]), ["AAA000001"]);
        assert_eq!(
            ids(&[f('R', "bob", false), f('R', "tempfail", false)]),
            ["AAA000003", "AAA000001"]
        );
        let by_id: Vec<String> =
            jobs(&queue, &[], SortOrder::Filename).unwrap().iter().map(|i| i.to_string()).collect();
        assert_eq!(by_id, ["AAA000001", "AAA000002", "AAA000003"], "QueueSortOrder=filename");
    }
}
