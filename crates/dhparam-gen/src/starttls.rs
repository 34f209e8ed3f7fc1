//! Asking a running SMTP server which DH group it serves.
//!
//! SYNOPSIS: `dhparam-gen --audit -starttls HOST:PORT [--allow-remote]`
//!
//! The probe connects, reads the 220 greeting, sends `EHLO` with our address literal,
//! requires `STARTTLS` among the extensions, sends `STARTTLS`, reads the 220, and then
//! makes a TLS handshake that offers only ephemeral finite-field DH (DHE) suites, at
//! most TLS 1.2 (TLS 1.3 has no server-chosen groups), at OpenSSL security level 0 so
//! that a weak group is seen rather than refused. The server's group is read from
//! its key share (`SSL_get_peer_tmp_key`), which carries p and g; q is not sent in TLS.
//! The certificate is not verified: the probe audits the group, it does not trust the
//! server with anything. It then says `QUIT`.
//!
//! A server that answers the DHE-only offer with a handshake-failure alert serves no
//! DHE at all; that is reported as safe (there is no DH group to attack).
//!
//! SECURITY: only loopback addresses (127.0.0.0/8, ::1) are contacted unless
//! `--allow-remote` is given, so that tests and mistakes stay on this machine. Every
//! reply line is bounded (4096 bytes, 100 lines a reply); every read and write has a
//! 30-second timeout. Bytes the server sends after its 220 to STARTTLS, before the
//! handshake, are refused (the CVE-2011-0411 injection, from the client's side).
//!
//! # Errors
//! [`Error::Usage`] for a malformed HOST:PORT; [`Error::Refused`] for a remote address
//! without `--allow-remote`; [`Error::Connect`] when the server cannot be reached,
//! refuses us, or does not offer STARTTLS; [`Error::Protocol`] for a broken reply or a
//! failed handshake other than "no DHE".

use crate::error::Error;
use openssl::ssl::{HandshakeError, SslConnector, SslMethod, SslStream, SslVerifyMode, SslVersion};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);
const MAX_LINE: usize = 4096;
const MAX_LINES: usize = 100;
/// The SMTP port, when the target names none.
pub const DEFAULT_PORT: u16 = 25;

/// What the server's TLS handshake revealed.
#[derive(Debug)]
pub enum Probe {
    /// The server chose a DHE suite with this group.
    Dhe {
        /// The prime.
        p: openssl::bn::BigNum,
        /// The generator.
        g: openssl::bn::BigNum,
        /// The suite it chose, e.g. `DHE-RSA-AES256-GCM-SHA384`.
        cipher: String,
        /// The protocol, e.g. `TLSv1.2`.
        version: String,
    },
    /// The server refused every DHE suite.
    NoDhe {
        /// OpenSSL's reason.
        reason: String,
    },
}

/// Splits `HOST:PORT`, `[V6]:PORT`, `HOST` or a bare IPv6 address.
pub fn split_target(target: &str) -> Result<(String, u16), Error> {
    let bad = || Error::Usage(format!("-starttls wants HOST:PORT, not {target}"));
    if let Some(rest) = target.strip_prefix('[') {
        let (host, after) = rest.split_once(']').ok_or_else(bad)?;
        let port = match after.strip_prefix(':') {
            Some(port) => port.parse().map_err(|_| bad())?,
            None if after.is_empty() => DEFAULT_PORT,
            None => return Err(bad()),
        };
        return Ok((host.to_string(), port));
    }
    if target.parse::<IpAddr>().is_ok() {
        return Ok((target.to_string(), DEFAULT_PORT));
    }
    match target.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() => {
            Ok((host.to_string(), port.parse().map_err(|_| bad())?))
        }
        Some(_) => Err(bad()),
        None if target.is_empty() => Err(bad()),
        None => Ok((target.to_string(), DEFAULT_PORT)),
    }
}

/// Whether an address is on this machine's loopback.
pub fn is_loopback(addr: &IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Resolves the target and applies the loopback rule.
fn addresses(target: &str, allow_remote: bool) -> Result<(String, Vec<SocketAddr>), Error> {
    let (host, port) = split_target(target)?;
    let addrs: Vec<SocketAddr> = (host.as_str(), port)
        .to_socket_addrs()
        .map_err(|e| Error::Connect(format!("{target}: cannot resolve {host}: {e}")))?
        .collect();
    if !allow_remote {
        if let Some(remote) = addrs.iter().find(|a| !is_loopback(&a.ip())) {
            return Err(Error::Refused(format!(
                "{target}: {} is not a loopback address; add --allow-remote to probe it",
                remote.ip()
            )));
        }
    }
    Ok((host, addrs))
}

fn connect(target: &str, addrs: &[SocketAddr]) -> Result<TcpStream, Error> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(addr, TIMEOUT) {
            Ok(stream) => {
                let set = stream
                    .set_read_timeout(Some(TIMEOUT))
                    .and(stream.set_write_timeout(Some(TIMEOUT)));
                set.map_err(|e| Error::Connect(format!("{target}: {e}")))?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    let why = last.map_or_else(|| "no address".to_string(), |e| e.to_string());
    Err(Error::Connect(format!("{target}: cannot connect: {why}")))
}

/// Probes `target` (see the module documentation).
pub fn probe(target: &str, allow_remote: bool) -> Result<Probe, Error> {
    let (host, addrs) = addresses(target, allow_remote)?;
    let stream = connect(target, &addrs)?;
    let stream = smtp_starttls(target, stream)?;
    handshake(target, &host, stream)
}

/// One SMTP reply: its code and its lines' text.
struct Reply {
    code: u16,
    lines: Vec<String>,
}

fn read_line(target: &str, reader: &mut impl BufRead) -> Result<String, Error> {
    let mut line = Vec::new();
    let read = reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut line);
    let read = read.map_err(|e| Error::Protocol(format!("{target}: reading reply: {e}")))?;
    if read == 0 {
        return Err(Error::Protocol(format!("{target}: connection closed by the server")));
    }
    if line.len() > MAX_LINE || !line.ends_with(b"\n") {
        return Err(Error::Protocol(format!("{target}: reply line too long")));
    }
    Ok(String::from_utf8_lossy(&line).trim_end_matches(['\r', '\n']).to_string())
}

fn read_reply(target: &str, reader: &mut impl BufRead) -> Result<Reply, Error> {
    let mut lines = Vec::new();
    for _ in 0..MAX_LINES {
        let line = read_line(target, reader)?;
        let bad = || Error::Protocol(format!("{target}: malformed reply line: {line:.80}"));
        let code: u16 = line.get(..3).and_then(|c| c.parse().ok()).ok_or_else(bad)?;
        let more = match line.as_bytes().get(3) {
            Some(b'-') => true,
            Some(b' ') | None => false,
            Some(_) => return Err(bad()),
        };
        lines.push(line.get(4..).unwrap_or("").to_string());
        if !more {
            return Ok(Reply { code, lines });
        }
    }
    Err(Error::Protocol(format!("{target}: reply longer than {MAX_LINES} lines")))
}

fn expect(target: &str, reply: &Reply, code: u16, after: &str) -> Result<(), Error> {
    if reply.code == code {
        return Ok(());
    }
    let text = reply.lines.first().map(String::as_str).unwrap_or("");
    Err(Error::Connect(format!("{target}: {after}: server answered {} {text:.200}", reply.code)))
}

fn send(target: &str, stream: &mut TcpStream, command: &str) -> Result<(), Error> {
    let line = format!("{command}\r\n");
    stream
        .write_all(line.as_bytes())
        .map_err(|e| Error::Protocol(format!("{target}: sending {command}: {e}")))
}

/// The EHLO argument: our address as an RFC 5321 address literal.
fn ehlo_name(stream: &TcpStream) -> String {
    match stream.local_addr().map(|a| a.ip()) {
        Ok(IpAddr::V4(v4)) => format!("[{v4}]"),
        Ok(IpAddr::V6(v6)) => format!("[IPv6:{v6}]"),
        Err(_) => "[127.0.0.1]".to_string(),
    }
}

/// The SMTP dialogue up to the point where TLS starts.
fn smtp_starttls(target: &str, stream: TcpStream) -> Result<TcpStream, Error> {
    let mut writer = stream.try_clone().map_err(|e| Error::Connect(format!("{target}: {e}")))?;
    let mut reader = BufReader::new(stream);
    expect(target, &read_reply(target, &mut reader)?, 220, "greeting")?;
    let ehlo_command = format!("EHLO {}", ehlo_name(&writer));
    send(target, &mut writer, &ehlo_command)?;
    let ehlo = read_reply(target, &mut reader)?;
    expect(target, &ehlo, 250, "EHLO")?;
    let offers =
        ehlo.lines.iter().skip(1).any(|l| {
            l.split_whitespace().next().is_some_and(|kw| kw.eq_ignore_ascii_case("STARTTLS"))
        });
    if !offers {
        return Err(Error::Connect(format!("{target}: the server does not offer STARTTLS")));
    }
    send(target, &mut writer, "STARTTLS")?;
    expect(target, &read_reply(target, &mut reader)?, 220, "STARTTLS")?;
    if !reader.buffer().is_empty() {
        let message = format!("{target}: the server sent data after its 220 to STARTTLS");
        return Err(Error::Protocol(message));
    }
    Ok(reader.into_inner())
}

fn connector() -> Result<SslConnector, Error> {
    let tls = |e| Error::Crypto { what: "setting up TLS", source: e };
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(tls)?;
    builder.set_verify(SslVerifyMode::NONE);
    builder.set_security_level(0);
    builder.set_min_proto_version(Some(SslVersion::TLS1)).map_err(tls)?;
    builder.set_max_proto_version(Some(SslVersion::TLS1_2)).map_err(tls)?;
    builder.set_cipher_list("kDHE:!aNULL:!eNULL:@SECLEVEL=0").map_err(tls)?;
    Ok(builder.build())
}

fn handshake(target: &str, host: &str, stream: TcpStream) -> Result<Probe, Error> {
    let mut config = connector()?
        .configure()
        .map_err(|e| Error::Crypto { what: "setting up TLS", source: e })?;
    config.set_verify_hostname(false);
    config.set_use_server_name_indication(host.parse::<IpAddr>().is_err());
    match config.connect(host, stream) {
        Ok(tls) => read_group(target, tls),
        Err(HandshakeError::Failure(mid)) => failed_handshake(target, &mid.error().to_string()),
        Err(HandshakeError::SetupFailure(e)) => {
            Err(Error::Crypto { what: "setting up TLS", source: e })
        }
        Err(HandshakeError::WouldBlock(_)) => {
            Err(Error::Protocol(format!("{target}: TLS handshake timed out")))
        }
    }
}

/// A failed DHE-only handshake: "no DHE" if the server said handshake_failure.
fn failed_handshake(target: &str, reason: &str) -> Result<Probe, Error> {
    if reason.contains("alert handshake failure") || reason.contains("no shared cipher") {
        return Ok(Probe::NoDhe { reason: reason.to_string() });
    }
    Err(Error::Protocol(format!("{target}: TLS handshake failed: {reason}")))
}

fn read_group(target: &str, mut tls: SslStream<TcpStream>) -> Result<Probe, Error> {
    let ssl = tls.ssl();
    let cipher = ssl.current_cipher().map_or("unknown", |c| c.name()).to_string();
    let version = ssl.version_str().to_string();
    let no_group =
        |_| Error::Protocol(format!("{target}: {cipher} negotiated but no DH group received"));
    let key = ssl.peer_tmp_key().map_err(no_group)?;
    let dh = key.dh().map_err(no_group)?;
    let copy = |e| Error::Crypto { what: "copying the server's group", source: e };
    let (p, g) = (dh.prime_p().to_owned().map_err(copy)?, dh.generator().to_owned().map_err(copy)?);
    // Leaving politely is best effort: the group is already in hand.
    let _ = tls.write_all(b"QUIT\r\n");
    let _ = tls.shutdown();
    Ok(Probe::Dhe { p, g, cipher, version })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split() {
        assert_eq!(split_target("127.0.0.1:2525").unwrap(), ("127.0.0.1".into(), 2525));
        assert_eq!(split_target("[::1]:25").unwrap(), ("::1".into(), 25));
        assert_eq!(split_target("[::1]").unwrap(), ("::1".into(), 25));
        assert_eq!(split_target("::1").unwrap(), ("::1".into(), 25));
        assert_eq!(split_target("localhost").unwrap(), ("localhost".into(), 25));
        for bad in ["", ":25", "h:x", "h:99999", "[::1", "[::1]x"] {
            assert!(matches!(split_target(bad), Err(Error::Usage(_))), "{bad}");
        }
    }

    #[test]
    fn loopback_rule() {
        for ok in ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"] {
            assert!(is_loopback(&ok.parse().unwrap()), "{ok}");
        }
        for no in ["10.0.0.1", "192.168.1.1", "8.8.8.8", "::ffff:10.0.0.1", "fe80::1"] {
            assert!(!is_loopback(&no.parse().unwrap()), "{no}");
        }
        assert!(matches!(addresses("192.0.2.1:25", false), Err(Error::Refused(_))));
        assert!(addresses("192.0.2.1:25", true).is_ok());
    }

    #[test]
    fn replies_parse_and_are_bounded() {
        let mut input = &b"250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n"[..];
        let reply = read_reply("t", &mut input).unwrap();
        assert_eq!((reply.code, reply.lines.len()), (250, 3));
        let mut input = &b"2x0 hi\r\n"[..];
        assert!(matches!(read_reply("t", &mut input), Err(Error::Protocol(_))));
        let long = format!("220 {}\r\n", "x".repeat(MAX_LINE));
        assert!(matches!(read_reply("t", &mut long.as_bytes()), Err(Error::Protocol(_))));
        let many = "250-x\r\n".repeat(MAX_LINES + 1);
        assert!(matches!(read_reply("t", &mut many.as_bytes()), Err(Error::Protocol(_))));
        assert!(matches!(read_reply("t", &mut &b""[..]), Err(Error::Protocol(_))));
    }
}
