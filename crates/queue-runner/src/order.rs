//! Which jobs a queue run works, and in what order.
//!
//! The queue's control files are listed ([`spool::queue::Queue::list`]) and read
//! without locking, as sendmail's `gatherq` reads them, for the `P`, `S` and `R`
//! lines; `-q[!]I|R|S` selections keep the jobs whose ID, a recipient or the sender
//! contains the text (`R` and `S` ignoring case; several of one kind: any; different
//! kinds: all; `!`: none does). The rest run lowest priority first (sendmail's default
//! `QueueSortOrder=priority`), ties by ID. A job that cannot be read here is still
//! listed: the delivery reader decides what to do with it.
//!
//! This is the one module that knows how a run orders its queue; a shared scan in
//! spool can replace it.
//!
//! # Errors
//! A queue directory that cannot be listed ([`QueueError`]).

use crate::flags::Filter;
use spool::qf::{self, envelope::split_recipient};
use spool::queue::{FileKind, Queue, QueueError, QueueId};

/// The jobs of `queue` that `filters` select, in the order they are run.
pub fn jobs(queue: &Queue, filters: &[Filter]) -> Result<Vec<QueueId>, QueueError> {
    let mut found: Vec<(i64, QueueId)> = Vec::new();
    for id in queue.list(FileKind::Control)? {
        if !id_selected(&id, filters) {
            continue;
        }
        let bytes = std::fs::read(queue.path(FileKind::Control, &id)).unwrap_or_default();
        if !fields_selected(&bytes, filters) {
            continue;
        }
        let priority = qf::records(&bytes)
            .find(|(l, _)| *l == b'P')
            .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse().ok())
            .unwrap_or(0);
        found.push((priority, id));
    }
    found.sort();
    Ok(found.into_iter().map(|(_, id)| id).collect())
}

fn id_selected(id: &QueueId, filters: &[Filter]) -> bool {
    group_matches(filters, 'I', |text| vec![id.as_str().contains(text)])
}

fn fields_selected(bytes: &[u8], filters: &[Filter]) -> bool {
    let values = |letter: u8| -> Vec<String> {
        qf::records(bytes)
            .filter(|(l, _)| *l == letter)
            .map(|(_, v)| if letter == b'R' { split_recipient(v).1 } else { v.to_vec() })
            .map(|v| String::from_utf8_lossy(&v).to_ascii_lowercase())
            .collect()
    };
    let (rcpts, senders) = (values(b'R'), values(b'S'));
    group_matches(filters, 'R', |t| {
        rcpts.iter().map(|v| v.contains(&t.to_ascii_lowercase())).collect()
    }) && group_matches(filters, 'S', |t| {
        senders.iter().map(|v| v.contains(&t.to_ascii_lowercase())).collect()
    })
}

/// Whether the filters of `field` select the job; `hits` tells, for a filter's text,
/// which of the job's values contain it.
fn group_matches(filters: &[Filter], field: char, hits: impl Fn(&str) -> Vec<bool>) -> bool {
    let mut group = filters.iter().filter(|f| f.field == field).peekable();
    if group.peek().is_none() {
        return true;
    }
    group.any(|f| {
        let found = hits(&f.text);
        if f.negate {
            found.iter().any(|hit| !hit)
        } else {
            found.iter().any(|hit| *hit)
        }
    })
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
            jobs(&queue, filters).unwrap().iter().map(|i| i.to_string()).collect()
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
    }
}
