//! # Name
//! status - what became of each recipient, worded as sendmail words it
//!
//! # Description
//! A [`Status`] is sendmail's view of one recipient after one attempt: the
//! `sysexits` value (`EX_TEMPFAIL`, `EX_NOUSER`, ...), the DSN status code, the
//! server's reply when it said something about this recipient, and the status
//! message that `sendmail -v` prints, the log's `stat=` carries and the qf `M` lines
//! hold. The wording is `giveresponse()`'s, checked against the real sendmail
//! (`tests/client_oracle.rs`):
//!
//! ```text
//! exit          message                                      printed with prefix
//! EX_OK         Sent (<text of the final reply>)             050 (yes)
//! EX_TEMPFAIL   Deferred: <last 4xx reply line>              050 (yes)
//!               Deferred: Connection refused by <host>       (connect)
//!               Deferred: Connection timed out with <host>   (timeout, lost connection)
//! EX_NOUSER     User unknown                                 550 (yes)
//! EX_UNAVAILABLE Service unavailable                         554 (no)
//! EX_DATAERR    Data format error                            501 (no)
//! EX_PROTOCOL   Remote protocol error                        554 (no)
//! EX_CONFIG     Local configuration error                    554 (no)
//! ```
//!
//! "Prefix" is the `<rcpt>... ` that sendmail puts before a message only for the
//! codes 050, 250, 252, 450, 550 and 553 (`fmtmsg()`): [`Prefix::shown`].
//!
//! [`smtp_to_dsn`] is `smtptodsn()`: the DSN code sendmail derives from a reply
//! code when the server gave no enhanced status code (or did not offer
//! ENHANCEDSTATUSCODES).

/// A `sysexits.h` value, as sendmail's delivery agents return them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Exit {
    /// `EX_OK`, 0.
    Ok = 0,
    /// `EX_DATAERR`, 65.
    DataErr = 65,
    /// `EX_NOUSER`, 67.
    NoUser = 67,
    /// `EX_UNAVAILABLE`, 69.
    Unavailable = 69,
    /// `EX_IOERR`, 74.
    IoErr = 74,
    /// `EX_TEMPFAIL`, 75.
    TempFail = 75,
    /// `EX_PROTOCOL`, 76.
    Protocol = 76,
    /// `EX_CONFIG`, 78.
    Config = 78,
}

impl Exit {
    /// sendmail's `sm_sysexmsg()`: the reply code and message it prints for this
    /// value (`EX_OK` and `EX_TEMPFAIL` are worded otherwise).
    pub fn message(self) -> (u16, &'static str) {
        match self {
            Exit::Ok => (250, "Sent"),
            Exit::DataErr => (501, "Data format error"),
            Exit::NoUser => (550, "User unknown"),
            Exit::Unavailable => (554, "Service unavailable"),
            Exit::IoErr => (451, "I/O error"),
            Exit::TempFail => (450, "Deferred"),
            Exit::Protocol => (554, "Remote protocol error"),
            Exit::Config => (554, "Local configuration error"),
        }
    }

    /// The outcome class of this value.
    pub fn class(self) -> Class {
        match self {
            Exit::Ok => Class::Sent,
            Exit::TempFail | Exit::IoErr => Class::Deferred,
            _ => Class::Failed,
        }
    }
}

/// What the attempt means for a recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Delivered: remove the recipient.
    Sent,
    /// Try again later: keep it queued.
    Deferred,
    /// Permanent failure: bounce.
    Failed,
}

/// One recipient's (or the whole attempt's) status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// The `sysexits` value.
    pub exit: Exit,
    /// The DSN status code (`Status:` of a DSN, the log's `dsn=`).
    pub dsn: String,
    /// The server's reply line, when it replied (the log's `reply=`, a DSN's
    /// `Diagnostic-Code: SMTP; ...`).
    pub reply: Option<String>,
    /// The status message: `Deferred: 451 4.2.0 busy`, `User unknown`,
    /// `Sent (Ok: queued as X1)` (the log's `stat=`, the qf `M` line).
    pub text: String,
    /// The reply code of the message as sendmail prints it (see [`Prefix`]).
    pub code: u16,
    /// An error message sendmail raised before this status (`usrerr`/`syserr`) that
    /// becomes the envelope's message when it has none: `reply: read error from
    /// [10.0.0.1]`, `[10.0.0.1] does not support 8BITMIME`.
    pub note: Option<String>,
}

impl Status {
    /// The outcome class.
    pub fn class(&self) -> Class {
        self.exit.class()
    }

    /// A status worded by `giveresponse()` from its exit value: `Deferred: <why>` for
    /// `EX_TEMPFAIL`, `Sent (<why>)` (or `Sent`) for `EX_OK`, the fixed message
    /// otherwise.
    pub fn new(exit: Exit, dsn: &str, reply: Option<&str>, why: Option<&str>) -> Status {
        let (code, fixed) = exit.message();
        let text = match (exit, why) {
            (Exit::Ok, Some(why)) => format!("Sent ({})", shorten(why, 403)),
            (Exit::TempFail, Some(why)) if !why.is_empty() => format!("Deferred: {why}"),
            _ => fixed.to_string(),
        };
        let code = if matches!(exit, Exit::Ok | Exit::TempFail) { 50 } else { code };
        Status {
            exit,
            dsn: dsn.to_string(),
            reply: reply.map(str::to_string),
            text,
            code,
            note: None,
        }
    }

    /// This status with an earlier error message.
    pub fn with_note(mut self, note: impl Into<String>) -> Status {
        self.note = Some(note.into());
        self
    }

    /// The message as sendmail's envelope keeps it after this status (`e_message`):
    /// the note, else the text; a temporary failure does not replace a message
    /// already set.
    pub fn envelope_message(&self, current: Option<&str>) -> Option<String> {
        if self.exit == Exit::Ok {
            return current.map(str::to_string);
        }
        let mut message = current.map(str::to_string).or_else(|| self.note.clone());
        if self.exit != Exit::TempFail || message.is_none() {
            message = Some(self.text.clone());
        }
        message
    }
}

/// Whether sendmail puts `<rcpt>... ` before a message with this code.
pub struct Prefix;

impl Prefix {
    /// True for 050, 250, 252, 450, 550 and 553 (`fmtmsg()`).
    pub fn shown(code: u16) -> bool {
        matches!(code, 50 | 250 | 252 | 450 | 550 | 553)
    }
}

/// sendmail's `smtptodsn()`: the DSN code for a reply code.
pub fn smtp_to_dsn(code: u16) -> &'static str {
    match code {
        450 => "4.2.0",
        451 => "4.3.0",
        452 => "4.3.1",
        500 => "5.5.2",
        501 => "5.5.4",
        502 | 503 => "5.5.1",
        504 => "5.5.4",
        550 => "5.2.0",
        551 => "5.1.6",
        552 => "5.2.2",
        553 => "5.1.0",
        554 => "5.0.0",
        200..=299 => "2.0.0",
        400..=499 => "4.0.0",
        _ => "5.0.0",
    }
}

/// sendmail's `shortenstring(s, m)`: `s` when shorter than `m` bytes, else its first
/// and last 100 bytes around `...`.
pub fn shorten(s: &str, m: usize) -> String {
    if s.len() < m {
        return s.to_string();
    }
    let keep = (m.min(203) - 3) / 2;
    let head = floor_boundary(s, keep);
    let tail = ceil_boundary(s, s.len() - keep);
    format!("{}...{}", &s[..head], &s[tail..])
}

fn floor_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(s: &str, mut at: usize) -> usize {
    while !s.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn giveresponse_wording() {
        let sent = Status::new(
            Exit::Ok,
            "2.0.0",
            Some("250 2.0.0 Ok: queued as X1"),
            Some("Ok: queued as X1"),
        );
        assert_eq!(
            (sent.text.as_str(), sent.code, sent.class()),
            ("Sent (Ok: queued as X1)", 50, Class::Sent)
        );
        let deferred =
            Status::new(Exit::TempFail, "4.2.0", Some("451 4.2.0 busy"), Some("451 4.2.0 busy"));
        assert_eq!(
            (deferred.text.as_str(), deferred.class()),
            ("Deferred: 451 4.2.0 busy", Class::Deferred)
        );
        let unknown = Status::new(Exit::NoUser, "5.1.1", Some("550 5.1.1 nope"), None);
        assert_eq!((unknown.text.as_str(), unknown.code), ("User unknown", 550));
        let refused = Status::new(Exit::Unavailable, "5.0.0", None, None);
        assert_eq!((refused.text.as_str(), refused.code), ("Service unavailable", 554));
        assert!(
            Prefix::shown(unknown.code) && Prefix::shown(sent.code) && !Prefix::shown(refused.code)
        );
    }

    #[test]
    fn the_envelope_message_rules() {
        let lost =
            Status::new(Exit::TempFail, "4.4.2", None, Some("Connection timed out with [h]"))
                .with_note("reply: read error from [h]");
        assert_eq!(lost.envelope_message(None).as_deref(), Some("reply: read error from [h]"));
        assert_eq!(lost.envelope_message(Some("User unknown")).as_deref(), Some("User unknown"));
        let failed = Status::new(Exit::NoUser, "5.1.1", None, None);
        assert_eq!(failed.envelope_message(Some("earlier")).as_deref(), Some("User unknown"));
    }

    #[test]
    fn dsn_codes_and_shortening() {
        assert_eq!(
            (smtp_to_dsn(451), smtp_to_dsn(250), smtp_to_dsn(421), smtp_to_dsn(599)),
            ("4.3.0", "2.0.0", "4.0.0", "5.0.0")
        );
        let long = "x".repeat(500);
        let short = shorten(&long, 403);
        assert_eq!(short.len(), 203);
        assert!(short.contains("x...x"));
        assert_eq!(shorten("abc", 403), "abc");
        let wide = "\u{e9}".repeat(300);
        assert!(shorten(&wide, 403).contains("..."));
    }
}
