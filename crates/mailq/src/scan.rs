//! The jobs mailq lists: `spool::queue::scan`, the one queue scan mailq and the
//! queue runner share (which files, the `-q` selections, locks, `QueueSortOrder`,
//! `MinQueueAge`). mailq renders each entry on the thread that read it, so a large
//! queue is listed in parallel.

use crate::flags::{Filter, Mode};
use spool::queue::scan::{Scan, SortOrder};
use spool::queue::{FileKind, Queue, QueueError};

pub use spool::queue::scan::Entry;
pub use spool::sysexits::strerror;

/// The kind of control file listed in `mode`.
pub fn control_kind(mode: Mode) -> FileKind {
    match mode {
        Mode::Normal => FileKind::Control,
        Mode::Quarantined => FileKind::Quarantined,
        Mode::Lost => FileKind::Lost,
    }
}

/// How a reading thread renders each entry it read (its output text).
pub type Render<'a> = &'a (dyn Fn(&Entry) -> Vec<u8> + Sync);

/// Reads every job of `mode` in `queue` that `filters` select, renders each with
/// `render` on the reading thread, and returns them in `order` with their text.
pub fn scan(
    queue: &Queue,
    mode: Mode,
    filters: &[Filter],
    order: SortOrder,
    render: Render,
) -> Result<Vec<(Entry, Vec<u8>)>, QueueError> {
    let scan = Scan { filters: filters.to_vec(), order, ..Scan::new(control_kind(mode)) };
    scan.run(queue, render)
}
