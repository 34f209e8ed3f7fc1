//! # Name
//! blocking - drive a session over a blocking reader and writer
//!
//! # Description
//! [`serve_blocking`] greets, then reads whatever the reader has (one `fill_buf`
//! of a `BufReader`), feeds all of it to a [`PolicySession`] (whose policy answers
//! every question inline) and performs the actions: writes, sleeps (after
//! flushing), close. Because everything already read is
//! fed at once, a client that sent its next command together with HELO/EHLO is
//! caught by the traffic-before-response check, as with `sendmail -bs` fed from a
//! pipe. STARTTLS is not available here (the session must not offer it), and a
//! blocking reader has no read timeout: `-bs` runs as long as its caller's pipe.
//!
//! # Errors
//! I/O errors of the reader or writer; end of input is not an error (the session
//! answers it with its 421 and the function returns).

use super::{Action, Policy, PolicySession};
use std::io::{BufRead, BufReader, Read, Write};

/// Serve one SMTP session on `reader`/`writer` until it closes or input ends.
pub fn serve_blocking<P: Policy>(
    session: &mut PolicySession<P>,
    reader: impl Read,
    mut writer: impl Write,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(reader);
    if perform(session.start(), &mut writer)? {
        return Ok(());
    }
    loop {
        let buffered = reader.fill_buf()?;
        if buffered.is_empty() {
            perform(session.eof(), &mut writer)?;
            return Ok(());
        }
        let n = buffered.len();
        let actions = session.feed(buffered, false);
        reader.consume(n);
        if perform(actions, &mut writer)? || session.is_closed() {
            return Ok(());
        }
    }
}

/// Carry out actions; true when the session closed.
fn perform(actions: Vec<Action>, writer: &mut impl Write) -> std::io::Result<bool> {
    let mut closed = false;
    for action in actions {
        match action {
            Action::Send(bytes) => writer.write_all(&bytes)?,
            Action::Sleep(delay) => {
                writer.flush()?;
                std::thread::sleep(delay);
            }
            Action::StartTls => {
                writer.flush()?;
                return Err(std::io::Error::other("STARTTLS is not supported by this driver"));
            }
            Action::Close => closed = true,
            Action::Ask(_) | Action::Message(_) | Action::Log(_) | Action::Pause(_) => {
                unreachable!("PolicySession resolves questions, pauses, message text and events")
            }
        }
    }
    writer.flush()?;
    Ok(closed)
}
