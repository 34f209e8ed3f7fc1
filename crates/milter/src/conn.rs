//! # Name
//! conn - one filter's connection: connect, negotiate, send, read (feature `tokio`)
//!
//! # Description
//! [`Conn::open`] connects to a filter's `S=` socket (`unix:`/`local:` path,
//! `inet:port@host`, `inet6:port@host`) within `T=C`, then negotiates version 6:
//! the MTA offers every action and step it carries out ([`action::ALL`],
//! [`step::ALL`]); the filter's answer must be version 2 to 6 and ask for no more
//! than was offered, as sendmail checks. Each packet is written within `T=S`; each
//! reply is read within `T=R` (`p`, progress, restarts the wait), and the whole
//! end-of-message exchange within `T=E`.
//!
//! # Errors
//! [`ConnError`], each with the text sendmail logs for it (`timeout before data
//! read`, `negotiate: version 1 != MTA milter version 6`, ...). A connection that
//! failed once is not used again: the chain puts the filter in its error state.

use crate::codec::{CodecError, Command, Response};
use crate::consts::{action, stage, step, VERSION};
use spool::settings::{Milter, MilterSocket};
use std::io;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UnixStream};
use tokio::time::{timeout, Instant};

/// Why a filter could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConnError {
    /// The socket spec is not one sendmail knows.
    #[error("unknown socket type {0}")]
    Socket(String),
    /// Connecting failed.
    #[error("error connecting to filter: {0}")]
    Connect(io::Error),
    /// A write failed or took longer than `T=S`.
    #[error("write({0}) failed: {1}")]
    Write(char, io::Error),
    /// No reply within `T=R` (or `T=E` at end of message).
    #[error("timeout before data read, where={0}")]
    Timeout(&'static str),
    /// The filter closed or the read failed.
    #[error("read returned error: {0}, where={1}")]
    Read(io::Error, &'static str),
    /// The filter sent a packet that cannot be decoded.
    #[error("{0}, where={1}")]
    Garbage(CodecError, &'static str),
    /// The filter sent more end-of-message changes than any message needs.
    #[error("too many changes ({0} bytes in {1} packets), where=eom")]
    Flood(usize, usize),
    /// Negotiation failed.
    #[error("negotiate: {0}")]
    Negotiate(String),
}

/// The socket to a filter.
enum Link {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Link {
    async fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Link::Tcp(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
            Link::Unix(s) => {
                s.write_all(bytes).await?;
                s.flush().await
            }
        }
    }

    /// Reads what the filter sent. Over TCP the reply is acknowledged at once
    /// (`TCP_QUICKACK`): a filter writes its end-of-message changes and its final
    /// answer as separate packets, and without it the second waits for a delayed
    /// ACK, 40 ms a message on Linux.
    async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Link::Tcp(s) => {
                let _ = socket2::SockRef::from(&*s).set_tcp_quickack(true);
                s.read(buf).await
            }
            Link::Unix(s) => s.read(buf).await,
        }
    }
}

/// A negotiated connection to one filter.
pub struct Conn {
    stream: Link,
    buf: Vec<u8>,
    send: Duration,
    read: Duration,
    /// The `SMFIF_*` actions the filter asked for.
    pub actions: u32,
    /// The `SMFIP_*` steps the filter asked for.
    pub protocol: u32,
    /// Macro lists the filter chose at negotiation, per `SMFIM_*` stage.
    pub macros: [Option<Vec<String>>; stage::COUNT],
}

impl Conn {
    /// Connects to `milter` and negotiates.
    ///
    /// # Errors
    /// See [`ConnError`].
    pub async fn open(milter: &Milter) -> Result<Conn, ConnError> {
        let t = &milter.timeouts;
        let connecting = connect(&milter.socket);
        let stream = if t.connect.is_zero() {
            connecting.await?
        } else {
            timeout(t.connect, connecting).await.map_err(|_| {
                ConnError::Connect(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))
            })??
        };
        let mut conn = Conn {
            stream,
            buf: Vec::new(),
            send: t.send,
            read: t.read,
            actions: 0,
            protocol: 0,
            macros: Default::default(),
        };
        conn.negotiate().await?;
        Ok(conn)
    }

    async fn negotiate(&mut self) -> Result<(), ConnError> {
        let offer = Command::OptNeg { version: VERSION, actions: action::ALL, protocol: step::ALL };
        self.send(&offer).await?;
        let reply = self.read_reply("negotiate", self.read).await?;
        let Response::OptNeg { version, actions, protocol, macros } = reply else {
            return Err(ConnError::Negotiate(format!("returned {reply:?} instead of O")));
        };
        if !(2..=VERSION).contains(&version) {
            return Err(ConnError::Negotiate(format!(
                "version {version} != MTA milter version {VERSION}"
            )));
        }
        if actions & !action::ALL != 0 {
            return Err(ConnError::Negotiate(format!(
                "filter abilities {actions:#x} != MTA milter abilities {:#x}",
                action::ALL
            )));
        }
        let unknown = protocol & !(step::ALL | step::MDS_256K | step::MDS_1M);
        if unknown != 0 {
            return Err(ConnError::Negotiate(format!(
                "protocol abilities {protocol:#x} != MTA milter abilities {:#x}",
                step::ALL
            )));
        }
        (self.actions, self.protocol) = (actions, protocol);
        for (at, list) in macros {
            if let Some(slot) = self.macros.get_mut(at as usize) {
                let names = String::from_utf8_lossy(&list);
                *slot = Some(
                    names.split([' ', ',']).filter(|n| !n.is_empty()).map(Into::into).collect(),
                );
            }
        }
        Ok(())
    }

    /// True when the filter asked for `flag` (an `SMFIP_*` step).
    pub fn has(&self, flag: u32) -> bool {
        self.protocol & flag != 0
    }

    /// Writes one packet within `T=S`.
    ///
    /// # Errors
    /// [`ConnError::Write`].
    pub async fn send(&mut self, command: &Command) -> Result<(), ConnError> {
        let bytes = command.encode();
        let code = char::from(bytes[4]);
        match timeout(self.send, self.stream.write_all(&bytes)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(ConnError::Write(code, e)),
            Err(_) => Err(ConnError::Write(code, io::ErrorKind::TimedOut.into())),
        }
    }

    /// Reads the next reply within `T=R`. Progress (`p`) belongs to end of message
    /// only (libmilter's `smfi_progress`): here it is an unexpected answer, so a
    /// filter cannot hold a stage open without end.
    ///
    /// # Errors
    /// [`ConnError::Timeout`], [`ConnError::Read`], [`ConnError::Garbage`].
    pub async fn reply(&mut self, place: &'static str) -> Result<Response, ConnError> {
        self.read_reply(place, self.read).await
    }

    /// Reads replies until one other than `p` within `T=R` each and `total` overall
    /// (`T=E` at end of message).
    ///
    /// # Errors
    /// As [`Conn::reply`].
    pub async fn reply_by(
        &mut self,
        place: &'static str,
        total: Duration,
    ) -> Result<Response, ConnError> {
        let deadline = Instant::now() + total;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(ConnError::Timeout(place));
            }
            match self.read_reply(place, self.read.min(left)).await? {
                Response::Progress => continue,
                other => return Ok(other),
            }
        }
    }

    async fn read_reply(
        &mut self,
        place: &'static str,
        wait: Duration,
    ) -> Result<Response, ConnError> {
        let started = Instant::now();
        loop {
            match Response::decode(&self.buf) {
                Ok(Some((response, used))) => {
                    self.buf.drain(..used);
                    return Ok(response);
                }
                Ok(None) => {}
                Err(e) => return Err(ConnError::Garbage(e, place)),
            }
            let left = wait.saturating_sub(started.elapsed());
            let mut chunk = [0u8; 8192];
            let n = match timeout(left, self.stream.read(&mut chunk)).await {
                Err(_) => return Err(ConnError::Timeout(place)),
                Ok(Err(e)) => return Err(ConnError::Read(e, place)),
                Ok(Ok(0)) => {
                    return Err(ConnError::Read(io::ErrorKind::UnexpectedEof.into(), place))
                }
                Ok(Ok(n)) => n,
            };
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

async fn connect(socket: &MilterSocket) -> Result<Link, ConnError> {
    match socket {
        MilterSocket::Unix(path) => {
            Ok(Link::Unix(UnixStream::connect(path).await.map_err(ConnError::Connect)?))
        }
        MilterSocket::Inet { port, host, v6 } => {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            let addrs = tokio::net::lookup_host((host, *port)).await.map_err(ConnError::Connect)?;
            let mut last = io::Error::new(io::ErrorKind::NotFound, format!("unknown host {host}"));
            for addr in addrs.filter(|a| a.is_ipv6() == *v6) {
                match TcpStream::connect(addr).await {
                    Ok(s) => {
                        // Small packets, each awaited by a reply: without this,
                        // Nagle's algorithm and delayed ACKs cost 40 ms a stage.
                        let _ = s.set_nodelay(true);
                        return Ok(Link::Tcp(s));
                    }
                    Err(e) => last = e,
                }
            }
            Err(ConnError::Connect(last))
        }
        MilterSocket::Unknown(spec) => Err(ConnError::Socket(spec.clone())),
    }
}
