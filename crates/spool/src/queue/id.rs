//! sendmail-format queue IDs: `YMDhmsNNpppppp`.
//!
//! Six base-60 symbols of the UTC time at which the process took its base time (year
//! since 1900 mod 60, month 0-11, day, hour, minute, second; the alphabet is `0-9A-Za-x`,
//! with `y` and `z` for leap seconds), two base-60 symbols of a sequence number that
//! starts at a random point and counts up for each ID, then the PID as `%06d`.
//!
//! When the sequence reaches 3600 (`xx` used), the base time moves on: to the current
//! second, or one second past the old base if the clock has not got there yet. sendmail
//! sleeps until the clock ticks; a daemon issuing IDs from many sessions must not, so
//! the base runs ahead of the clock instead, and the lock is only held to take the next
//! number, never across a sleep. In a new process (a new PID) a new base is taken.
//!
//! # Invariants
//! Within one process, every ID is new and sorts after the one before it (byte order
//! of the alphabet is its digit order, the base only grows, the sequence does not
//! wrap within a base). Across processes the PID keeps them apart; a process that
//! reuses the PID of one that ran ahead of the clock could meet its IDs, so callers
//! still create files with `O_EXCL` and ask for another ID on a collision.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The base-60 digits (plus `y`, `z` for seconds 60 and 61).
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// IDs per base time: two base-60 digits.
const SEQUENCE_SPAN: u32 = 60 * 60;

/// A queue ID as sendmail writes it; also the suffix of the queue file names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueId(String);

impl QueueId {
    /// Accepts an ID read from a file name: 1 to 18 letters and digits.
    pub fn parse(text: &str) -> Option<QueueId> {
        let ok =
            !text.is_empty() && text.len() <= 18 && text.bytes().all(|b| b.is_ascii_alphanumeric());
        ok.then(|| QueueId(text.to_string()))
    }

    /// The ID as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for QueueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The ID state of this process.
struct Generator {
    pid: u32,
    base: [u8; 6],
    base_second: u64,
    /// The next sequence number; [`SEQUENCE_SPAN`] means the base is used up.
    sequence: u32,
}

static GENERATOR: Mutex<Option<Generator>> = Mutex::new(None);

/// A new queue ID for this process. Never sleeps; the lock is held only to take the
/// next base and sequence number.
pub fn next_id() -> QueueId {
    let pid = std::process::id();
    let (base, seq) = {
        let mut guard = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
        let generator = match guard.take() {
            Some(g) if g.pid == pid => guard.insert(g),
            _ => guard.insert(Generator::start(pid, now())),
        };
        generator.issue(|| now().as_secs())
    };
    let mut id = String::with_capacity(14);
    id.extend(base.iter().map(|&b| b as char));
    id.push(ALPHABET[(seq / 60) as usize] as char);
    id.push(ALPHABET[(seq % 60) as usize] as char);
    id.push_str(&format!("{pid:06}"));
    QueueId(id)
}

/// The time since the epoch (0 if the clock is before it).
fn now() -> Duration {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default()
}

impl Generator {
    /// A base time of `now` and a random sequence start.
    fn start(pid: u32, now: Duration) -> Generator {
        let noise = now.subsec_nanos() ^ pid.rotate_left(13) ^ (now.as_secs() as u32);
        Generator {
            pid,
            base: encode_time(now.as_secs() as i64),
            base_second: now.as_secs(),
            sequence: noise % SEQUENCE_SPAN,
        }
    }

    /// The next base and sequence number. When the base's sequence space is used up,
    /// the base moves to the later of `clock()` and one second past the old base.
    fn issue(&mut self, clock: impl FnOnce() -> u64) -> ([u8; 6], u32) {
        if self.sequence >= SEQUENCE_SPAN {
            self.base_second = clock().max(self.base_second + 1);
            self.base = encode_time(self.base_second as i64);
            self.sequence = 0;
        }
        self.sequence += 1;
        (self.base, self.sequence - 1)
    }
}

/// The six time symbols for `epoch` seconds, from the UTC calendar date and time.
pub fn encode_time(epoch: i64) -> [u8; 6] {
    let ts = jiff::Timestamp::from_second(epoch).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let dt = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
    let fields = [
        (dt.year() as i64 - 1900).rem_euclid(60),
        dt.month() as i64 - 1,
        dt.day() as i64,
        dt.hour() as i64,
        dt.minute() as i64,
        dt.second() as i64,
    ];
    fields.map(|v| ALPHABET[v as usize])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_part_matches_sendmail() {
        // 2026-11-24 23:35:15 UTC gave 6AONZF in the reference (50-queue-ids).
        let t = jiff::civil::date(2026, 11, 24).at(23, 35, 15, 0).to_zoned(jiff::tz::TimeZone::UTC);
        assert_eq!(&encode_time(t.unwrap().timestamp().as_second()), b"6AONZF");
    }

    #[test]
    fn ids_in_one_process_are_unique_and_well_formed() {
        let ids: Vec<QueueId> = (0..5000).map(|_| next_id()).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len());
        let pid = format!("{:06}", std::process::id());
        assert!(ids
            .iter()
            .all(|id| id.as_str().ends_with(&pid) && id.as_str().len() == 8 + pid.len()));
    }

    /// With the clock stopped, a generator issues far more than 3600 IDs: the base
    /// runs ahead a second per 3600, and every ID is new and sorts after the last.
    #[test]
    fn a_used_up_base_runs_ahead_of_a_stopped_clock() {
        let noon = 1_795_564_800;
        let mut g = Generator::start(42, Duration::from_secs(noon));
        let first_seq = g.sequence;
        let issued: Vec<([u8; 6], u32)> = (0..20_000).map(|_| g.issue(|| noon)).collect();
        assert_eq!(issued[0], (encode_time(noon as i64), first_seq));
        assert!(issued.windows(2).all(|w| w[0] < w[1]), "strictly increasing");
        let used_up = (SEQUENCE_SPAN - first_seq) as usize;
        assert_eq!(issued[used_up], (encode_time(noon as i64 + 1), 0));
        let seconds = 1 + (20_000 - used_up).div_ceil(SEQUENCE_SPAN as usize) as u64;
        assert_eq!(g.base_second, noon + seconds - 1);
    }

    /// A clock that went back never moves the base back; one that went on is used.
    #[test]
    fn the_base_follows_the_clock_forward_only() {
        let mut g = Generator::start(42, Duration::from_secs(1000));
        g.sequence = SEQUENCE_SPAN;
        assert_eq!(g.issue(|| 5), (encode_time(1001), 0));
        g.sequence = SEQUENCE_SPAN;
        assert_eq!(g.issue(|| 2000), (encode_time(2000), 0));
    }

    /// Issue 16 item 6: after 3600 IDs in a second, `next_id` slept in 50 ms steps
    /// holding the global lock, stalling every thread. 20,000 IDs from four threads
    /// must each come quickly, all different, each thread's in increasing order.
    #[test]
    fn many_ids_from_many_threads_never_wait() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let mut slowest = Duration::ZERO;
                    let ids: Vec<QueueId> = (0..5000)
                        .map(|_| {
                            let started = std::time::Instant::now();
                            let id = next_id();
                            slowest = slowest.max(started.elapsed());
                            id
                        })
                        .collect();
                    (ids, slowest)
                })
            })
            .collect();
        let mut all = Vec::new();
        for t in threads {
            let (ids, slowest) = t.join().unwrap();
            assert!(slowest < Duration::from_millis(500), "an ID took {slowest:?}");
            assert!(ids.windows(2).all(|w| w[0] < w[1]), "one thread's IDs increase");
            assert!(ids.iter().all(|id| QueueId::parse(id.as_str()).as_ref() == Some(id)));
            all.extend(ids);
        }
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 20_000);
    }

    #[test]
    fn parse_accepts_names_and_rejects_paths() {
        assert!(QueueId::parse("6AONVaU4019530").is_some());
        assert!(QueueId::parse("../x").is_none());
        assert!(QueueId::parse("").is_none());
    }
}
