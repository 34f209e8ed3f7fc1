//! # Name
//! saslauthd - the client side of saslauthd's Unix socket protocol
//!
//! # Protocol
//! One request per connection to the socket (`saslauthd_path`, by default
//! `/var/run/saslauthd/mux`; `saslauthd -m DIR` listens on `DIR/mux`), as Cyrus SASL
//! 2.1.28's `saslauthd_verify_password` sends it and saslauthd 2.1.28 reads it:
//!
//! ```text
//! request:  count login  count password  count service  count realm
//! answer:   count text                   text "OK ..." or "NO ..." (e.g. OK "Success.")
//! ```
//!
//! where `count` is the length of the string that follows as a 16-bit big-endian
//! number. The service is `smtp`, as sendmail names it. Only an answer starting with
//! `OK` accepts the password.
//!
//! The round trip is awaited on tokio's `UnixStream`, so no runtime thread blocks on
//! it, and bounded by a timeout.
//!
//! # Errors
//! [`Error`]: the socket cannot be reached or dropped the connection, the answer is
//! malformed, a field is longer than 65535 bytes, or the time ran out.

use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

/// The longest answer read (Cyrus reads at most 1023 bytes of it).
const MAX_ANSWER: usize = 1024;

/// What is asked.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The user name without a realm.
    pub login: &'a [u8],
    /// The password.
    pub password: &'a [u8],
    /// The service (`smtp`).
    pub service: &'a [u8],
    /// The realm, possibly empty.
    pub realm: &'a [u8],
}

/// Why saslauthd gave no answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Connecting, writing or reading failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The answer is shorter than `OK`/`NO`.
    #[error("bad response from saslauthd")]
    BadAnswer,
    /// A field does not fit its 16-bit count.
    #[error("saslauthd request too large")]
    TooLarge,
    /// No answer within the time allowed.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
}

/// The request's bytes.
///
/// # Errors
/// [`Error::TooLarge`].
pub fn encode(request: &Request<'_>) -> Result<Vec<u8>, Error> {
    let fields = [request.login, request.password, request.service, request.realm];
    let mut out = Vec::with_capacity(fields.iter().map(|f| f.len() + 2).sum());
    for field in fields {
        let count = u16::try_from(field.len()).map_err(|_| Error::TooLarge)?;
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(field);
    }
    Ok(out)
}

/// Asks the saslauthd at `socket`; true when it answers `OK`.
///
/// # Errors
/// See the module documentation.
pub async fn ask(socket: &Path, request: &Request<'_>, limit: Duration) -> Result<bool, Error> {
    let query = encode(request)?;
    let exchange = async {
        let mut stream = UnixStream::connect(socket).await?;
        stream.write_all(&query).await?;
        let mut count = [0u8; 2];
        stream.read_exact(&mut count).await?;
        let count = usize::from(u16::from_be_bytes(count));
        if count < 2 {
            return Err(Error::BadAnswer);
        }
        let mut answer = vec![0u8; count.min(MAX_ANSWER)];
        stream.read_exact(&mut answer).await?;
        Ok(answer.starts_with(b"OK"))
    };
    tokio::time::timeout(limit, exchange).await.map_err(|_| Error::Timeout(limit))?
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::UnixListener;

    const ALICE: Request<'static> =
        Request { login: b"alice", password: b"secret1", service: b"smtp", realm: b"r.example" };

    /// A one-shot server: reads a request, checks it, sends `answer`.
    async fn serve_once(listener: UnixListener, answer: &'static [u8]) -> Vec<u8> {
        let (mut conn, _) = listener.accept().await.unwrap();
        let mut request = vec![0u8; encode(&ALICE).unwrap().len()];
        conn.read_exact(&mut request).await.unwrap();
        conn.write_all(answer).await.unwrap();
        request
    }

    #[test]
    fn requests_are_four_counted_strings() {
        let bytes = encode(&Request { login: b"ab", password: b"", service: b"smtp", realm: b"r" })
            .unwrap();
        assert_eq!(bytes, b"\0\x02ab\0\0\0\x04smtp\0\x01r");
        let long = vec![b'x'; 70_000];
        let too_big = Request { password: &long, ..ALICE };
        assert!(matches!(encode(&too_big), Err(Error::TooLarge)));
    }

    #[tokio::test]
    async fn ok_and_no() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mux");
        for (answer, want) in [(&b"\0\x0cOK \"Success.\""[..], true), (b"\0\x02NO", false)] {
            let listener = UnixListener::bind(&path).unwrap();
            let server = tokio::spawn(serve_once(listener, answer));
            assert_eq!(ask(&path, &ALICE, Duration::from_secs(5)).await.unwrap(), want);
            assert_eq!(server.await.unwrap(), encode(&ALICE).unwrap());
            std::fs::remove_file(&path).unwrap();
        }
    }

    #[tokio::test]
    async fn failures_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mux");
        let limit = Duration::from_secs(5);
        assert!(matches!(ask(&path, &ALICE, limit).await, Err(Error::Io(_))));
        let listener = UnixListener::bind(&path).unwrap();
        let server = tokio::spawn(serve_once(listener, b"\0\x01N"));
        assert!(matches!(ask(&path, &ALICE, limit).await, Err(Error::BadAnswer)));
        server.await.unwrap();
        std::fs::remove_file(&path).unwrap();
        let _silent = UnixListener::bind(&path).unwrap();
        let short = Duration::from_millis(50);
        assert!(matches!(ask(&path, &ALICE, short).await, Err(Error::Timeout(_))));
    }
}
