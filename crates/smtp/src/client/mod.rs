//! # Name
//! client - the SMTP delivery client, as sendmail 8.17 delivers
//!
//! # Synopsis
//! ```text
//! let mut client = Client::new(settings)?;                  // feature `client`
//! let outcome = client.deliver(&targets, &envelope, &headers, &mut df, &mut observer).await;
//! for (rcpt, r) in envelope.recipients.iter().zip(&outcome.recipients) { ... r.status ... }
//! client.close(&mut observer).await;                        // QUIT every cached connection
//! ```
//!
//! # Description
//! The client side of SMTP for queue-runner: what sendmail's `deliver()` and
//! `usersmtp.c` do with one message for one list of hosts, reply for reply and
//! word for word.
//!
//! [`Session`] is the sans-IO state machine of one connection (greeting,
//! EHLO/HELO, STARTTLS, AUTH, then transactions: MAIL, RCPT, DATA, the final
//! reply, RSET, QUIT); it turns replies into commands and outcomes and never
//! touches a socket. [`DataEncoder`] writes message text as sendmail does (CRLF,
//! dot-stuffing, long lines cut at the mailer's `L=`). With the `client` feature,
//! `Client` drives sessions over tokio TCP streams with rustls for STARTTLS:
//! per-phase timeouts, the hosts tried in order, connection reuse for several
//! messages to one host, and the host status of hosts that failed.
//!
//! Results are [`Status`] values per recipient: sysexits value, DSN code, the
//! server's reply and the status message exactly as sendmail records it in the qf
//! `M` line, the log's `stat=` and `mailq`. [`Event`]s report each step as it
//! happens; [`Verbose`] prints them as `sendmail -v -q` does.
//!
//! One file per concern: `reply` (reading replies: untrusted input), `ehlo`
//! (extensions), `envelope` (MAIL/RCPT commands and their parameters), `data`
//! (message text), `mime` (8-bit bodies for 7-bit servers), `auth` (PLAIN, LOGIN),
//! `open` (greeting to ready), `transaction` (MAIL to final reply), `status`
//! (sendmail's wording), `transcript` (events), `settings`; with the feature
//! `client`: `tls` (rustls), `conn` (one connection over tokio) and `driver`
//! ([`Client`]: hosts, reuse, host status).
//!
//! # Errors
//! Delivery never fails as a Rust error: every failure of a server or a connection
//! is a status of the recipients it concerns.
//!
//! # Security
//! Everything a server sends is untrusted: replies are bounded in length and count
//! and stripped of control characters before they reach statuses, queue files and
//! transcripts; a server's certificate is accepted whatever it is (sendmail's
//! opportunistic STARTTLS), and whether it verified is recorded; plaintext read
//! before the TLS handshake is discarded.

mod auth;
#[cfg(feature = "client")]
mod conn;
mod data;
#[cfg(feature = "client")]
mod driver;
mod ehlo;
mod envelope;
mod mime;
mod open;
mod outcome;
mod reply;
mod session;
mod settings;
mod status;
#[cfg(feature = "client")]
mod tls;
mod transaction;
mod transcript;

pub use auth::{AuthResult, Credentials, Mechanism};
pub use data::{DataEncoder, PIECE};
#[cfg(feature = "client")]
pub use driver::Client;
pub use ehlo::{Extensions, Greeting};
pub use envelope::{
    mail_command, rcpt_command, BadEnvelope, Body, BodyType, EightBit, EightBitMode, Envelope,
    Notify, Offered, Recipient, Ret,
};
pub use mime::{Converter, Plan, Scan};
pub use outcome::{Messages, Outcome, RcptOutcome};
pub use reply::{enhanced_code, Input, Reply, ReplyReader, MAX_LINE, MAX_LINES};
pub use session::{Action, IoFailure, Session};
pub use settings::{Settings, Target, Timeouts};
pub use status::{shorten, smtp_to_dsn, Class, Exit, Prefix, Status};
#[cfg(feature = "client")]
pub use tls::{roots_from_pem, Tls};
pub use transaction::MAX_PIPELINED;
pub use transcript::{Event, Observer, Quiet, Scope, TlsInfo, Verbose, Verify};
