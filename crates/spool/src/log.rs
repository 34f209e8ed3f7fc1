//! Syslog lines in sendmail's format, mail facility, over the local `/dev/log` socket.
//!
//! A line is `<PRI>Mon dd hh:mm:ss ident[pid]: message`, PRI = facility mail (2) * 8 +
//! severity. Messages follow sendmail's wording, e.g.
//! `6AONVaU4019530: from=root, size=81, class=0, nrcpts=1, msgid=<...>, relay=root@localhost`.
//! Like syslog(3), logging never fails the caller: with no syslog daemon the line is
//! dropped.

use std::os::unix::net::UnixDatagram;
use std::path::Path;

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
    socket: Option<UnixDatagram>,
    target: std::path::PathBuf,
}

impl Syslog {
    /// A client logging as `ident` to `/dev/log`.
    pub fn new(ident: &str) -> Syslog {
        Syslog::to(ident, Path::new(DEV_LOG))
    }

    /// A client logging as `ident` to the datagram socket at `path`.
    pub fn to(ident: &str, path: &Path) -> Syslog {
        Syslog {
            ident: ident.to_string(),
            socket: UnixDatagram::unbound().ok(),
            target: path.to_path_buf(),
        }
    }

    /// The line for `message` at `severity`, stamped `now` in the local zone.
    pub fn format(&self, severity: Severity, message: &str, now: jiff::Timestamp) -> String {
        let stamp = now.to_zoned(jiff::tz::TimeZone::system()).strftime("%b %e %H:%M:%S");
        let pri = LOG_MAIL * 8 + severity as u8;
        format!("<{pri}>{stamp} {}[{}]: {message}", self.ident, std::process::id())
    }

    /// Sends `message` at `severity`; errors are ignored, as with syslog(3).
    pub fn log(&self, severity: Severity, message: &str) {
        let line = self.format(severity, message, jiff::Timestamp::now());
        if let Some(socket) = &self.socket {
            let _ = socket.send_to(line.as_bytes(), &self.target);
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
        let ts: jiff::Timestamp = "2026-11-04T08:01:02Z".parse().unwrap();
        let stamp = log.format(Severity::Notice, "x", ts);
        assert!(stamp.starts_with("<21>"));
    }

    #[test]
    fn a_missing_socket_is_not_an_error() {
        Syslog::to("x", Path::new("/nonexistent/log")).log(Severity::Info, "dropped");
    }
}
