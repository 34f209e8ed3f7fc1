//! # Name
//! tokio_driver - drive a session over tokio's async reader and writer (feature `tokio`)
//!
//! # Description
//! [`serve_async`] is the driver of `smtpd`: it greets, then feeds each read
//! (everything the socket had) to the [`Session`] and performs the actions in order.
//! Questions go to the [`AsyncPolicy`] and are awaited, so a DNSBL lookup, a milter
//! or the commit's fsyncs hold only this session, never a runtime thread; message
//! text goes to [`AsyncPolicy::message`], events to [`AsyncPolicy::event`]. Slow-downs
//! sleep with `tokio::time::sleep`, so a slowed client costs no thread.
//!
//! `FEATURE(greet_pause)`: on [`Action::Pause`] the driver waits for the client's
//! first bytes up to the pause, without a thread, and tells the session whether
//! they (or the end of input) came first.
//!
//! Every read waits at most [`Session::read_timeout`] (`Timeout.command`,
//! `Timeout.datablock`, `Timeout.auth`); past it the session ends as sendmail's does.
//!
//! STARTTLS: after `220 Ready to start TLS` the function flushes and returns
//! [`Served::StartTls`]. The caller runs the handshake on the same connection (the
//! plaintext already read is gone: the session dropped it), calls
//! [`Session::tls_started`] and calls [`serve_async`] again on the TLS stream.
//!
//! # Errors
//! I/O errors of the reader or writer; end of input is not an error.

use super::{Action, AsyncPolicy, Session};
use std::collections::VecDeque;
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Size of the read buffer while the client sends little: an idle session holds
/// only this much.
const READ_START: usize = 1024;
/// Size it grows to once a read fills it (message text).
const READ_MAX: usize = 16 * 1024;

/// How a call of [`serve_async`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// The session is over (QUIT, 421, end of input, timeout).
    Closed,
    /// The client asked for TLS: run the handshake, then serve again.
    StartTls,
}

/// Serve one SMTP session on `reader`/`writer` until it closes, input ends, or the
/// client starts TLS.
pub async fn serve_async<A, R, W>(
    session: &mut Session,
    policy: &mut A,
    mut reader: R,
    mut writer: W,
) -> std::io::Result<Served>
where
    A: AsyncPolicy,
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; READ_START];
    let connected = Instant::now();
    let actions = session.start();
    let io = Io { reader: &mut reader, writer: &mut writer, connected };
    if let Some(served) = perform(actions, session, policy, io).await? {
        return Ok(served);
    }
    loop {
        let read = tokio::time::timeout(session.read_timeout(), reader.read(&mut buf)).await;
        let actions = match read {
            Err(_elapsed) => session.timed_out(),
            Ok(read) => match read? {
                0 => session.eof(),
                n => {
                    let actions = session.feed(&buf[..n], false);
                    if n == buf.len() && buf.len() < READ_MAX {
                        buf.resize(READ_MAX, 0);
                    }
                    actions
                }
            },
        };
        let io = Io { reader: &mut reader, writer: &mut writer, connected };
        if let Some(served) = perform(actions, session, policy, io).await? {
            return Ok(served);
        }
        if session.is_closed() {
            return Ok(Served::Closed);
        }
    }
}

/// The connection as [`perform`] needs it.
struct Io<'a, R, W> {
    reader: &'a mut R,
    writer: &'a mut W,
    /// When the connection was accepted (the greeting pause counts from it).
    connected: Instant,
}

/// Carry out actions, answering questions as they come; `Some` when the session
/// closed or asked for TLS.
async fn perform<A: AsyncPolicy, R: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    actions: Vec<Action>,
    session: &mut Session,
    policy: &mut A,
    io: Io<'_, R, W>,
) -> std::io::Result<Option<Served>> {
    let Io { reader, writer, connected } = io;
    let mut todo: VecDeque<Action> = actions.into();
    let mut ended = None;
    while let Some(action) = todo.pop_front() {
        match action {
            Action::Send(bytes) => writer.write_all(&bytes).await?,
            Action::Sleep(delay) => {
                writer.flush().await?;
                tokio::time::sleep(delay).await;
            }
            Action::Ask(question) => {
                // Replies so far go out first: a pipelining client sees them while
                // the answer is worked out.
                writer.flush().await?;
                // Boxed: the policy's futures (commit, milters, DNS) are large, and
                // inline they would make every idle session's task as large.
                let answer = Box::pin(policy.answer(*question)).await;
                todo.extend(session.answer(answer));
            }
            Action::Pause(limit) => {
                writer.flush().await?;
                let mut early = [0u8; READ_START];
                match tokio::time::timeout(limit, reader.read(&mut early)).await {
                    Err(_waited) => todo.extend(session.paused(None)),
                    Ok(read) => {
                        let n = read?;
                        todo.extend(session.paused(Some(connected.elapsed())));
                        todo.extend(if n == 0 {
                            session.eof()
                        } else {
                            session.feed(&early[..n], false)
                        });
                    }
                }
            }
            Action::Message(part) => Box::pin(policy.message(part)).await,
            Action::Log(event) => policy.event(event),
            Action::StartTls => ended = Some(Served::StartTls),
            Action::Close => ended = Some(Served::Closed),
        }
    }
    writer.flush().await?;
    Ok(ended)
}
