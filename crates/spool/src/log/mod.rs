//! Syslog lines in sendmail's format, mail facility, over the local `/dev/log` socket.
//!
//! A line is `<PRI>Mon dd hh:mm:ss ident[pid]: message`, PRI = facility mail (2) * 8 +
//! severity. Messages follow sendmail's wording, e.g.
//! `6AONVaU4019530: from=root, size=81, class=0, nrcpts=1, msgid=<...>, relay=root@localhost`:
//! the events every program logs alike are typed [`Record`]s, rendered in one place
//! ([`record`]) and logged with [`Syslog::record`]. Like syslog(3), logging never
//! fails the caller: with no syslog daemon the line is dropped.
//!
//! For tests and for sites without a syslog daemon, the `LogFile` option (ferrymail's
//! own) sends the same lines, without the `<PRI>` prefix, to a file opened for
//! appending, or to standard error when it is `-`: [`Syslog::from_option`].

mod record;

pub use record::{interval, FromRecord, Outcome, Record, ToRecord};

use std::io::Write;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::sync::Mutex;

/// The syslog socket.
pub const DEV_LOG: &str = "/dev/log";
/// Facility `mail`.
const LOG_MAIL: u8 = 2;

/// Message severities used by sendmail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `LOG_ALERT` (1).
    Alert = 1,
    /// `LOG_CRIT` (2).
    Crit = 2,
    /// `LOG_ERR` (3).
    Err = 3,
    /// `LOG_WARNING` (4).
    Warning = 4,
    /// `LOG_NOTICE` (5).
    Notice = 5,
    /// `LOG_INFO` (6).
    Info = 6,
}

/// A syslog client with an ident (`sendmail`, or `-L tag`).
#[derive(Debug)]
pub struct Syslog {
    ident: String,
    sink: Sink,
}

/// Where the lines go.
enum Sink {
    /// A syslog datagram socket.
    Socket { socket: Option<UnixDatagram>, target: std::path::PathBuf },
    /// A file (or standard error), one line each, without the priority prefix.
    File(Mutex<Box<dyn Write + Send>>),
}

impl std::fmt::Debug for Sink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Sink::Socket { target, .. } => write!(f, "Socket({})", target.display()),
            Sink::File(_) => f.write_str("File"),
        }
    }
}

impl Syslog {
    /// A client logging as `ident` to `/dev/log`.
    pub fn new(ident: &str) -> Syslog {
        Syslog::to(ident, Path::new(DEV_LOG))
    }

    /// A client logging as `ident` to the datagram socket at `path`.
    pub fn to(ident: &str, path: &Path) -> Syslog {
        let socket = UnixDatagram::unbound().ok();
        Syslog { ident: ident.to_string(), sink: Sink::Socket { socket, target: path.into() } }
    }

    /// As the `LogFile` option says: `None` is syslog, `-` standard error, else a file
    /// opened for appending.
    ///
    /// # Errors
    /// The file cannot be opened.
    pub fn from_option(ident: &str, log_file: Option<&Path>) -> std::io::Result<Syslog> {
        let writer: Box<dyn Write + Send> = match log_file {
            None => return Ok(Syslog::new(ident)),
            Some(p) if p == Path::new("-") => Box::new(std::io::stderr()),
            Some(p) => Box::new(std::fs::OpenOptions::new().append(true).create(true).open(p)?),
        };
        Ok(Syslog { ident: ident.to_string(), sink: Sink::File(Mutex::new(writer)) })
    }

    /// The line for `message` at `severity`, stamped `now` in the local zone.
    pub fn format(&self, severity: Severity, message: &str, now: jiff::Timestamp) -> String {
        let stamp = now.to_zoned(jiff::tz::TimeZone::system()).strftime("%b %e %H:%M:%S");
        let pri = LOG_MAIL * 8 + severity as u8;
        format!("<{pri}>{stamp} {}[{}]: {message}", self.ident, std::process::id())
    }

    /// Logs `record` for queue ID `id` at its severity.
    pub fn record(&self, id: Option<&str>, record: &Record) {
        self.log(record.severity(), &record.line(id));
    }

    /// Sends `message` at `severity`; errors are ignored, as with syslog(3).
    pub fn log(&self, severity: Severity, message: &str) {
        let line = self.format(severity, message, jiff::Timestamp::now());
        match &self.sink {
            Sink::Socket { socket: Some(socket), target } => {
                let _ = socket.send_to(line.as_bytes(), target);
            }
            Sink::Socket { socket: None, .. } => {}
            Sink::File(writer) => {
                let text = line.split_once('>').map_or(line.as_str(), |(_, rest)| rest);
                if let Ok(mut w) = writer.lock() {
                    let _ = writeln!(w, "{text}");
                    let _ = w.flush();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_reach_the_socket_in_sendmails_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let server = UnixDatagram::bind(&path).unwrap();
        let log = Syslog::to("sendmail", &path);
        log.log(Severity::Info, "6AONVaU4019530: to=root, stat=queued");
        let mut buf = [0u8; 512];
        let n = server.recv(&mut buf).unwrap();
        let line = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(line.starts_with("<22>"), "{line}");
        assert!(line.ends_with(&format!(
            " sendmail[{}]: 6AONVaU4019530: to=root, stat=queued",
            std::process::id()
        )));
        log.record(
            Some("Q"),
            &Record::LostInput {
                client: "[127.0.0.2]".into(),
                daemon: "MTA".into(),
                phase: "after rcpt".into(),
            },
        );
        let n = server.recv(&mut buf).unwrap();
        let line = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(line.starts_with("<21>"), "a notice: {line}");
        assert!(line.ends_with("]: Q: lost input channel from [127.0.0.2] to MTA after rcpt"));
        let ts: jiff::Timestamp = "2026-11-04T08:01:02Z".parse().unwrap();
        let stamp = log.format(Severity::Notice, "x", ts);
        assert!(stamp.starts_with("<21>"));
    }

    #[test]
    fn a_log_file_gets_the_lines_without_priority() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("maillog");
        let log = Syslog::from_option("sm-mta", Some(&path)).unwrap();
        log.log(Severity::Info, "QID: from=<a@b>, size=1");
        log.log(Severity::Notice, "second");
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let pid = std::process::id();
        assert!(lines[0].ends_with(&format!(" sm-mta[{pid}]: QID: from=<a@b>, size=1")));
        assert!(!lines[0].starts_with('<'), "{}", lines[0]);
    }

    #[test]
    fn a_missing_socket_is_not_an_error() {
        Syslog::to("x", Path::new("/nonexistent/log")).log(Severity::Info, "dropped");
    }
}
