//! # Name
//! tokio_driver - drive a session over tokio's async reader and writer (feature `tokio`)
//!
//! # Description
//! [`serve_async`] is [`super::serve_blocking`] for `smtpd`: it greets, then feeds
//! each read (everything the socket had) to the session and performs the actions,
//! sleeping with `tokio::time::sleep` so a slowed-down client costs no thread.
//! Policy calls are synchronous: a policy that blocks (the commit's fsync) blocks the
//! task's worker thread for that long. STARTTLS is left to the caller (the session
//! must not offer it through this driver).
//!
//! # Errors
//! I/O errors of the reader or writer; end of input is not an error.

use super::{Action, Policy, Session};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Size of one read.
const READ_SIZE: usize = 16 * 1024;

/// Serve one SMTP session on `reader`/`writer` until it closes or input ends.
pub async fn serve_async<P, R, W>(
    session: &mut Session<P>,
    mut reader: R,
    mut writer: W,
) -> std::io::Result<()>
where
    P: Policy,
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; READ_SIZE];
    if perform(session.start(), &mut writer).await? {
        return Ok(());
    }
    loop {
        let n = reader.read(&mut buf).await?;
        if n == 0 {
            perform(session.eof(), &mut writer).await?;
            return Ok(());
        }
        let actions = session.feed(&buf[..n], false);
        if perform(actions, &mut writer).await? || session.is_closed() {
            return Ok(());
        }
    }
}

/// Carry out actions; true when the session closed.
async fn perform<W: AsyncWrite + Unpin>(
    actions: Vec<Action>,
    writer: &mut W,
) -> std::io::Result<bool> {
    let mut closed = false;
    for action in actions {
        match action {
            Action::Send(bytes) => writer.write_all(&bytes).await?,
            Action::Sleep(delay) => {
                writer.flush().await?;
                tokio::time::sleep(delay).await;
            }
            Action::StartTls => {
                writer.flush().await?;
                return Err(std::io::Error::other("STARTTLS is not supported by this driver"));
            }
            Action::Close => closed = true,
        }
    }
    writer.flush().await?;
    Ok(closed)
}
