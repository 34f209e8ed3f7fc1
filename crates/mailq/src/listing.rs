//! sendmail's `mailq` listing, byte for byte (`print_single_queue` in sendmail 8.17).
//!
//! Per queue directory: a title line and a column line (or `<dir> is empty`), then per
//! job the ID and a status character (`*` locked, `?` lost item, space otherwise), the
//! df size, the arrival time (local time, like ctime) and the sender, then the
//! quarantine reason, body type and status message, and one line per recipient.
//! Control lines are shown in file order, as sendmail prints them while reading: the
//! status message shown with the sender is the last `M` before the `S`, and with `-v`
//! each recipient's `M` and each `C` controller follow in place.
//! Text is truncated silently; `\` is doubled and unprintable bytes are shown `\ooo`.

use crate::scan::{strerror, Entry};
use spool::qf::Code;
use std::io::{self, Write};

/// Column titles of the normal and verbose listings.
const TITLES: [&str; 2] = [
    "-----Q-ID----- --Size-- -----Q-Time----- ------------Sender/Recipient-----------\n",
    "-----Q-ID----- --Size-- -Priority- ---Q-Time--- --------Sender/Recipient--------\n",
];

/// How to print.
#[derive(Debug, Clone)]
pub struct Style {
    /// `-v`.
    pub verbose: bool,
    /// `-qL`: mark every job with `?`.
    pub lost: bool,
    /// The time zone of the arrival times (the process's, from `TZ`).
    pub tz: jiff::tz::TimeZone,
    /// `MinQueueAge` in seconds: a job tried less long ago is shown with `-`.
    pub min_queue_age: i64,
    /// Now, in seconds since the epoch (for `MinQueueAge`).
    pub now: i64,
}

/// Prints the title of one queue directory with `total` jobs, `shown` of them listed.
pub fn print_title(
    out: &mut dyn Write,
    dir: &str,
    total: usize,
    shown: usize,
    style: &Style,
) -> io::Result<()> {
    if total == 0 {
        return writeln!(out, "{dir} is empty");
    }
    write!(out, "\t\t{dir} ({total} request{}", if total == 1 { "" } else { "s" })?;
    if shown < total {
        write!(out, ", only {shown} printed")?;
    }
    out.write_all(b")\n")?;
    out.write_all(TITLES[style.verbose as usize].as_bytes())
}

/// Prints one job.
pub fn print_entry(out: &mut dyn Write, entry: &Entry, style: &Style) -> io::Result<()> {
    write!(out, "{:>13}", entry.id.as_str())?;
    match &entry.qf {
        Ok(_) => {}
        Err(reason) if reason == "No such file or directory" => {
            return out.write_all(b" (job completed)\n")
        }
        Err(reason) => return writeln!(out, " ({reason})"),
    };
    let size = match &entry.df_size {
        Ok(size) => *size as i64,
        Err(e) => {
            writeln!(out, "readqf: cannot open {}: {}", entry.df_name, strerror(e))?;
            -1
        }
    };
    let status = if entry.locked {
        b'*'
    } else if style.lost {
        b'?'
    } else if entry.too_young(style.min_queue_age, style.now) {
        b'-'
    } else {
        b' '
    };
    out.write_all(&[status])?;
    print_lines(out, entry, size, style)?;
    out.write_all(b"\n")
}

/// The body of a job, driven by its control lines in order.
fn print_lines(out: &mut dyn Write, entry: &Entry, size: i64, style: &Style) -> io::Result<()> {
    let priority = entry.priority;
    let v = style.verbose;
    let mut submitted = 0i64;
    let mut warned = false;
    let mut status: Vec<u8> = Vec::new();
    let mut body_type: Vec<u8> = Vec::new();
    let mut quarantine: Vec<u8> = Vec::new();
    for (letter, value) in entry.records() {
        match Code::from_letter(letter) {
            Some(Code::CreationTime) => submitted = parse_i64(value),
            Some(Code::Flags) => warned = value.contains(&b'w'),
            Some(Code::Message) => status = value.to_vec(),
            Some(Code::BodyType) => body_type = value.to_vec(),
            Some(Code::Quarantine) => quarantine = value.to_vec(),
            Some(Code::Sender) => {
                if v {
                    let when = time(submitted, true, &style.tz);
                    write!(out, "{size:8} {priority:10}{}{when} ", if warned { '+' } else { ' ' })?;
                } else {
                    write!(out, "{size:8} {} ", time(submitted, false, &style.tz))?;
                }
                prtstr(out, value, if v { 78 } else { 39 })?;
                if !quarantine.is_empty() {
                    out.write_all(b"\n     QUARANTINE: ")?;
                    prtstr(out, &quarantine, if v { 100 } else { 60 })?;
                }
                if !status.is_empty() || !body_type.is_empty() {
                    write!(out, "\n    {:>10.10}", String::from_utf8_lossy(&body_type))?;
                    if !status.is_empty() {
                        out.write_all(b"   (")?;
                        out.write_all(&status[..status.len().min(if v { 100 } else { 60 })])?;
                        out.write_all(b")")?;
                    }
                    status.clear();
                }
            }
            Some(Code::Controller) if v => {
                out.write_all(b"\n\t\t\t\t\t\t(---")?;
                out.write_all(&value[..value.len().min(64)])?;
                out.write_all(b"---)")?;
            }
            Some(Code::Recipient) => {
                let Some(colon) = value.iter().position(|&b| b == b':') else { continue };
                out.write_all(if v { b"\n\t\t\t\t\t\t" } else { b"\n\t\t\t\t\t " })?;
                prtstr(out, &value[colon + 1..], if v { 71 } else { 38 })?;
                if v && !status.is_empty() {
                    out.write_all(b"\n\t\t (")?;
                    out.write_all(&status[..status.len().min(100)])?;
                    out.write_all(b")")?;
                    status.clear();
                }
            }
            _ => {}
        }
    }
    if submitted == 0 {
        out.write_all(b" (no control file)")?;
    }
    Ok(())
}

/// Prints at most `limit` columns of `text`: `\` as `\\`, unprintable bytes as `\ooo`.
fn prtstr(out: &mut dyn Write, text: &[u8], limit: usize) -> io::Result<()> {
    let mut left = limit as i64;
    for &c in text {
        if left <= 0 {
            break;
        }
        left -= 1;
        if c == b'\\' {
            if left > 0 {
                left -= 1;
                out.write_all(b"\\\\")?;
            }
        } else if c.is_ascii_graphic() || c == b' ' {
            out.write_all(&[c])?;
        } else {
            left -= 3;
            if left > 0 {
                write!(out, "\\{c:03o}")?;
            }
        }
    }
    Ok(())
}

/// The two ways mailq shows an arrival time (ctime(3) without seconds and year).
const TIME_FORMATS: [&str; 2] = ["%a %b %e %H:%M", "%b %e %H:%M"];

/// `epoch` in the local zone, as the normal (`verbose` false) or `-v` listing shows it.
/// The text only changes from minute to minute, so the last few are remembered.
fn time(epoch: i64, verbose: bool, tz: &jiff::tz::TimeZone) -> String {
    type Cache = std::cell::RefCell<Vec<(i64, bool, jiff::tz::TimeZone, String)>>;
    thread_local! {
        static CACHE: Cache = const { std::cell::RefCell::new(Vec::new()) };
    }
    let minute = epoch.div_euclid(60);
    let hit = CACHE.with(|c| {
        let cache = c.borrow();
        cache
            .iter()
            .find(|(m, v, z, _)| *m == minute && *v == verbose && z == tz)
            .map(|e| e.3.clone())
    });
    if let Some(text) = hit {
        return text;
    }
    let ts = jiff::Timestamp::from_second(epoch).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let text = ts.to_zoned(tz.clone()).strftime(TIME_FORMATS[verbose as usize]).to_string();
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 64 {
            c.remove(0);
        }
        c.push((minute, verbose, tz.clone(), text.clone()));
    });
    text
}

fn parse_i64(value: &[u8]) -> i64 {
    std::str::from_utf8(value).ok().and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &[u8], limit: usize) -> String {
        let mut out = Vec::new();
        prtstr(&mut out, text, limit).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn prtstr_truncates_and_escapes_like_sendmail() {
        assert_eq!(shown(b"abcdef", 4), "abcd");
        assert_eq!(shown(b"a\\b", 10), "a\\\\b");
        assert_eq!(shown(b"a\x01b", 10), "a\\001b");
        assert_eq!(shown(b"\xc3\xa9", 10), "\\303\\251");
    }

    #[test]
    fn times_follow_the_time_zone() {
        let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
        assert_eq!(time(1795563096, false, &tz), "Tue Nov 24 18:31");
        assert_eq!(time(1795563096, true, &jiff::tz::TimeZone::UTC), "Nov 24 23:31");
        assert_eq!(time(1795563096, false, &jiff::tz::TimeZone::UTC), "Tue Nov 24 23:31");
    }
}
