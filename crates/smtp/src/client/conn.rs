//! # Name
//! conn - one connection driven over tokio: the socket, TLS and the session's actions
//!
//! # Description
//! A [`Conn`] owns a TCP stream (upgraded to rustls after STARTTLS) and the
//! [`Session`] that talks over it. [`Conn::pump`] performs the session's actions in
//! order (writes, the handshake, the message text, events to the observer) and reads
//! whenever the session waits for a reply, each read bounded by the phase's
//! `Timeout.*`, until the session reaches a stop: ready, transaction done, failed,
//! stale, or closed.
//!
//! [`Conn::open`] connects (bounded by `Timeout.connect`) and runs the opening.
//! Connection errors are worded as sendmail's `sm_errstring()` words them:
//! `Connection refused by <host>`, `Connection timed out with <host>`,
//! `<host>: No route to host`.
//!
//! # Errors
//! None as Rust errors: every failure ends as a [`Status`] (see [`Stop`]).

use super::data::DataEncoder;
use super::mime::{Converter, Scan};
use super::outcome::Outcome;
use super::session::{Action, IoFailure, Session};
use super::settings::{Settings, Target};
use super::status::{Exit, Status};
use super::tls::Tls;
use super::transcript::{Event, Observer, Scope};
use std::collections::VecDeque;
use std::io::{self, SeekFrom};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeek, AsyncSeekExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

/// Bytes read at once.
const READ_SIZE: usize = 16 * 1024;

/// Message text written at once.
const WRITE_SIZE: usize = 64 * 1024;

/// Where driving a session stopped.
#[derive(Debug)]
pub(super) enum Stop {
    /// Open and idle.
    Ready,
    /// A transaction ended.
    Done(Box<Outcome>),
    /// The connection could not be opened.
    Failed(Box<Status>),
    /// A cached connection failed its check.
    Stale,
    /// The connection is closed.
    Closed,
}

/// Why a connection could not be opened.
#[derive(Debug)]
pub(super) struct OpenFailure {
    pub status: Status,
    /// The TLS handshake failed (a plaintext retry may help).
    pub tls: bool,
    /// The TCP connection was made (sendmail then says `Closing connection to`).
    pub connected: bool,
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

/// The message text of the transaction being driven.
pub(super) struct Text<'a, B> {
    pub headers: &'a [u8],
    pub body: &'a mut B,
    /// The queue ID (for `X-MIME-Autoconverted:`).
    pub id: &'a str,
}

/// A body that is never read (opening, closing).
pub(super) type NoBody = std::io::Cursor<&'static [u8]>;

/// One connection.
pub(super) struct Conn {
    pub target: Target,
    pub session: Session,
    stream: Option<Stream>,
}

impl Conn {
    /// Connect to `target` and open the session (EHLO, STARTTLS, AUTH).
    pub async fn open(
        settings: &Settings,
        tls: &Tls,
        target: &Target,
        plaintext: bool,
        obs: &mut (dyn Observer + Send),
    ) -> Result<Conn, OpenFailure> {
        obs.event(&Event::Connecting {
            host: target.host.clone(),
            port: target.port,
            to: Scope::All,
        });
        let tcp =
            match timeout(settings.timeouts.connect, TcpStream::connect((target.ip, target.port)))
                .await
            {
                Ok(Ok(tcp)) => tcp,
                Ok(Err(e)) => {
                    return Err(OpenFailure {
                        status: connect_status(&e, &target.host),
                        tls: false,
                        connected: false,
                    })
                }
                Err(_) => {
                    let e = io::Error::from(io::ErrorKind::TimedOut);
                    return Err(OpenFailure {
                        status: connect_status(&e, &target.host),
                        tls: false,
                        connected: false,
                    });
                }
            };
        let _ = tcp.set_nodelay(true);
        let mut session = Session::new(settings.clone(), target);
        if plaintext {
            session = session.without_tls();
        }
        let mut conn = Conn { target: target.clone(), session, stream: Some(Stream::Plain(tcp)) };
        let actions = conn.session.connected();
        match conn.pump::<NoBody>(actions, tls, None, settings, obs).await {
            Stop::Ready => Ok(conn),
            Stop::Failed(status) => {
                let tls = conn.session.tls_handshake_failed();
                Err(OpenFailure { status: *status, tls, connected: true })
            }
            _ => Err(OpenFailure {
                status: conn.session.io_status(IoFailure::Other, true),
                tls: false,
                connected: true,
            }),
        }
    }

    /// True while the socket is open and the session can take a transaction.
    pub fn is_usable(&self) -> bool {
        self.stream.is_some() && self.session.is_idle()
    }

    /// Perform `actions` and whatever follows until the session stops.
    pub async fn pump<B: AsyncRead + AsyncSeek + Unpin>(
        &mut self,
        actions: Vec<Action>,
        tls: &Tls,
        mut text: Option<Text<'_, B>>,
        settings: &Settings,
        obs: &mut (dyn Observer + Send),
    ) -> Stop {
        let mut queue: VecDeque<Action> = actions.into();
        let mut buf = vec![0u8; READ_SIZE];
        loop {
            let mut stop = None;
            while let Some(action) = queue.pop_front() {
                let more = match action {
                    Action::Send(mut bytes) => {
                        // Pipelined commands (and the events between them) go out
                        // in one write.
                        loop {
                            match queue.front() {
                                Some(Action::Send(next)) => bytes.extend_from_slice(next),
                                Some(Action::Event(event)) => obs.event(event),
                                _ => break,
                            }
                            queue.pop_front();
                        }
                        match self.write(&bytes, settings.timeouts.datablock).await {
                            Ok(()) => Vec::new(),
                            Err(failure) => self.session.io_error(failure),
                        }
                    }
                    Action::Event(event) => {
                        obs.event(&event);
                        Vec::new()
                    }
                    Action::StartTls => self.starttls(tls, settings.timeouts.starttls).await,
                    Action::SendData { convert } => {
                        match self.send_text(text.as_mut(), convert, settings).await {
                            Ok(()) => self.session.data_sent(),
                            Err(failure) => self.session.data_failed(failure),
                        }
                    }
                    Action::Ready => stop_at(&mut stop, Stop::Ready),
                    Action::Done(outcome) => stop_at(&mut stop, Stop::Done(outcome)),
                    Action::Failed(status) => stop_at(&mut stop, Stop::Failed(status)),
                    Action::Stale => stop_at(&mut stop, Stop::Stale),
                    Action::Close => {
                        self.stream = None;
                        Vec::new()
                    }
                };
                queue.extend(more);
            }
            if let Some(stop) = stop {
                return stop;
            }
            let (Some(wait), Some(_)) = (self.session.read_timeout(), self.stream.as_ref()) else {
                return Stop::Closed;
            };
            queue.extend(match timeout(wait, self.read(&mut buf)).await {
                Err(_) => self.session.timed_out(),
                Ok(Ok(0)) => self.session.eof(),
                Ok(Ok(n)) => self.session.feed(&buf[..n]),
                Ok(Err(e)) => self.session.io_error(failure_of(&e)),
            });
        }
    }

    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.stream.as_mut() {
            Some(Stream::Plain(s)) => s.read(buf).await,
            Some(Stream::Tls(s)) => s.read(buf).await,
            None => Ok(0),
        }
    }

    async fn write(&mut self, bytes: &[u8], limit: Duration) -> Result<(), IoFailure> {
        let result = match self.stream.as_mut() {
            Some(Stream::Plain(s)) => timeout(limit, write_flush(s, bytes)).await,
            Some(Stream::Tls(s)) => timeout(limit, write_flush(s.as_mut(), bytes)).await,
            None => return Err(IoFailure::Other),
        };
        match result {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(failure_of(&e)),
            Err(_) => Err(IoFailure::Timeout),
        }
    }

    /// The handshake after `220 Ready to start TLS`.
    async fn starttls(&mut self, tls: &Tls, limit: Duration) -> Vec<Action> {
        let Some(Stream::Plain(tcp)) = self.stream.take() else {
            return self.session.tls_failed("not a plaintext connection");
        };
        let name = Tls::server_name(&self.target);
        match timeout(limit, tls.connector().connect(name, tcp)).await {
            Ok(Ok(stream)) => {
                let info = tls.describe(stream.get_ref().1, &self.target);
                self.stream = Some(Stream::Tls(Box::new(stream)));
                self.session.tls_started(info)
            }
            Ok(Err(e)) => self.session.tls_failed(&e.to_string()),
            Err(_) => self.session.tls_failed("handshake timed out"),
        }
    }

    /// The message text: headers, body (from its start), the final dot.
    async fn send_text<B: AsyncRead + AsyncSeek + Unpin>(
        &mut self,
        text: Option<&mut Text<'_, B>>,
        convert: bool,
        settings: &Settings,
    ) -> Result<(), IoFailure> {
        let limit = settings.timeouts.datablock;
        let Some(text) = text else { return Err(IoFailure::Other) };
        text.body.seek(SeekFrom::Start(0)).await.map_err(|_| IoFailure::Other)?;
        let mut out = Vec::with_capacity(2 * WRITE_SIZE);
        let mut encoder = DataEncoder::new(settings.line_limit);
        let mut converter = match convert {
            true => Some(Converter::new(
                text.headers,
                scan(text.body).await?,
                &settings.helo_name,
                text.id,
            )),
            false => None,
        };
        match converter.as_ref() {
            Some(c) => c.headers(&mut encoder, &mut out),
            None => encoder.headers(text.headers, &mut out),
        }
        let mut buf = vec![0u8; WRITE_SIZE];
        loop {
            let n = text.body.read(&mut buf).await.map_err(|_| IoFailure::Other)?;
            if n == 0 {
                break;
            }
            match converter.as_mut() {
                Some(c) => c.body(&buf[..n], &mut encoder, &mut out),
                None => encoder.body(&buf[..n], &mut out),
            }
            if out.len() >= WRITE_SIZE {
                self.write(&out, limit).await?;
                out.clear();
            }
        }
        if let Some(c) = converter.as_mut() {
            c.finish(&mut encoder, &mut out);
        }
        encoder.finish(&mut out);
        self.write(&out, limit).await
    }
}

/// sendmail's pre-scan of a body to convert; leaves the body at its start.
async fn scan<B: AsyncRead + AsyncSeek + Unpin>(body: &mut B) -> Result<Scan, IoFailure> {
    let mut scan = Scan::default();
    let mut buf = vec![0u8; WRITE_SIZE];
    while !scan.is_done() {
        let n = body.read(&mut buf).await.map_err(|_| IoFailure::Other)?;
        if n == 0 {
            break;
        }
        scan.feed(&buf[..n]);
    }
    body.seek(SeekFrom::Start(0)).await.map_err(|_| IoFailure::Other)?;
    Ok(scan)
}

async fn write_flush<W: AsyncWrite + Unpin>(w: &mut W, bytes: &[u8]) -> io::Result<()> {
    w.write_all(bytes).await?;
    w.flush().await
}

fn stop_at(stop: &mut Option<Stop>, at: Stop) -> Vec<Action> {
    *stop = Some(at);
    Vec::new()
}

fn failure_of(e: &io::Error) -> IoFailure {
    match e.kind() {
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => IoFailure::Reset,
        io::ErrorKind::TimedOut => IoFailure::Timeout,
        io::ErrorKind::UnexpectedEof => IoFailure::Eof,
        _ => IoFailure::Other,
    }
}

/// A failed connect as sendmail words it (`sm_errstring()`, and `giveresponse()`'s
/// host prefix for unreachable networks and hosts).
pub(super) fn connect_status(e: &io::Error, host: &str) -> Status {
    let why = match e.kind() {
        io::ErrorKind::ConnectionRefused => format!("Connection refused by {host}"),
        io::ErrorKind::TimedOut => format!("Connection timed out with {host}"),
        io::ErrorKind::ConnectionReset => format!("Connection reset by {host}"),
        io::ErrorKind::HostUnreachable => format!("{host}: No route to host"),
        io::ErrorKind::NetworkUnreachable => format!("{host}: Network is unreachable"),
        _ => strerror(e),
    };
    Status::new(Exit::TempFail, "4.4.1", None, Some(&why))
}

/// The C library's message for `e` (`Connection refused`), without Rust's
/// ` (os error N)`.
fn strerror(e: &io::Error) -> String {
    let text = e.to_string();
    match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_errors_as_sendmail_words_them() {
        let refused =
            connect_status(&io::Error::from(io::ErrorKind::ConnectionRefused), "[127.0.0.1]");
        assert_eq!(refused.text, "Deferred: Connection refused by [127.0.0.1]");
        assert_eq!((refused.dsn.as_str(), refused.exit), ("4.4.1", Exit::TempFail));
        let timed_out = connect_status(&io::Error::from(io::ErrorKind::TimedOut), "mx.example");
        assert_eq!(timed_out.text, "Deferred: Connection timed out with mx.example");
        let unreachable =
            connect_status(&io::Error::from(io::ErrorKind::HostUnreachable), "mx.example");
        assert_eq!(unreachable.text, "Deferred: mx.example: No route to host");
        let other = connect_status(&io::Error::from_raw_os_error(24), "h");
        assert_eq!(other.text, "Deferred: Too many open files");
    }
}
