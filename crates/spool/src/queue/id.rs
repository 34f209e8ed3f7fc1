//! sendmail-format queue IDs: `YMDhmsNNpppppp`.
//!
//! Six base-60 symbols of the UTC time at which the process took its base time (year
//! since 1900 mod 60, month 0-11, day, hour, minute, second; the alphabet is `0-9A-Za-x`,
//! with `y` and `z` for leap seconds), two base-60 symbols of a sequence number that
//! starts at a random point and counts up for each ID, then the PID as `%06d`.
//! After 3600 IDs, or in a new process, a new base time is taken (waiting for the clock
//! to move on if needed), so IDs stay unique across processes and within one. Callers
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

struct Generator {
    pid: u32,
    base: [u8; 6],
    base_second: u64,
    sequence: u32,
    issued: u32,
}

static GENERATOR: Mutex<Option<Generator>> = Mutex::new(None);

/// A new queue ID for this process.
pub fn next_id() -> QueueId {
    let mut guard = GENERATOR.lock().unwrap_or_else(|e| e.into_inner());
    let pid = std::process::id();
    let stale = match guard.as_ref() {
        Some(g) => g.pid != pid || g.issued >= SEQUENCE_SPAN,
        None => true,
    };
    if stale {
        let previous = guard.as_ref().filter(|g| g.pid == pid).map(|g| g.base_second);
        *guard = Some(Generator::start(pid, previous));
    }
    let g = guard.as_mut().expect("generator set above");
    let seq = g.sequence % SEQUENCE_SPAN;
    g.sequence = g.sequence.wrapping_add(1);
    g.issued += 1;
    let mut id = String::from_utf8_lossy(&g.base).into_owned();
    id.push(ALPHABET[(seq / 60) as usize] as char);
    id.push(ALPHABET[(seq % 60) as usize] as char);
    id.push_str(&format!("{pid:06}"));
    QueueId(id)
}

impl Generator {
    /// A fresh base time (a later second than `previous`) and a random sequence start.
    fn start(pid: u32, previous: Option<u64>) -> Generator {
        let mut now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        while previous.is_some_and(|p| now.as_secs() <= p) {
            std::thread::sleep(Duration::from_millis(50));
            now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        }
        let noise = now.subsec_nanos() ^ pid.rotate_left(13) ^ (now.as_secs() as u32);
        Generator {
            pid,
            base: encode_time(now.as_secs() as i64),
            base_second: now.as_secs(),
            sequence: noise % SEQUENCE_SPAN,
            issued: 0,
        }
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

    #[test]
    fn parse_accepts_names_and_rejects_paths() {
        assert!(QueueId::parse("6AONVaU4019530").is_some());
        assert!(QueueId::parse("../x").is_none());
        assert!(QueueId::parse("").is_none());
    }
}
