//! # Name
//! codec - sans-IO framing of milter packets, both directions
//!
//! # Description
//! A packet is a 4-byte big-endian length, then that many bytes: a code and its
//! data. [`Command`] is what the MTA sends, [`Response`] what a filter sends; each
//! encodes to one packet and decodes from the front of a buffer. Decoding never
//! reads past the packet, allocates no more than the packet holds, and returns
//! `Ok(None)` while the buffer holds only part of a packet.
//!
//! Strings on the wire are NUL-terminated; addresses, header fields and body bytes
//! are kept as bytes (a filter may send any octet but NUL in them).
//!
//! # Errors
//! [`CodecError`]: a length of zero or above [`MAX_PACKET`], an unknown code, or data
//! that does not fit its code (a missing NUL, a short number).

use crate::consts::{cmd, reply, MAX_PACKET};

/// Why a packet cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    /// The length is 0 or above [`MAX_PACKET`].
    #[error("bad packet length {0}")]
    Length(u32),
    /// A code this protocol does not have.
    #[error("unknown code {0:#04x}")]
    Code(u8),
    /// The data does not fit the code.
    #[error("malformed data for code '{}'", char::from(*.0))]
    Malformed(u8),
}

/// The client's address family in [`Command::Connect`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Family {
    /// `U`: unknown (no port or address follows).
    Unknown,
    /// `4`: IPv4, with port and address text.
    Inet(u16, Vec<u8>),
    /// `6`: IPv6, with port and address text.
    Inet6(u16, Vec<u8>),
    /// `L`: a Unix socket path.
    Unix(Vec<u8>),
}

/// A packet the MTA sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `O`: version, actions offered, protocol steps offered.
    OptNeg {
        /// Protocol version.
        version: u32,
        /// `SMFIF_*` the MTA can carry out.
        actions: u32,
        /// `SMFIP_*` the MTA honours.
        protocol: u32,
    },
    /// `D`: macros for the command with this code.
    Macros {
        /// The command they go with.
        code: u8,
        /// Name and value pairs (names with braces, as `{daemon_name}`).
        pairs: Vec<(Vec<u8>, Vec<u8>)>,
    },
    /// `C`: the client's host name and address.
    Connect {
        /// Host name (or `[addr]`).
        host: Vec<u8>,
        /// Address family, port and address.
        family: Family,
    },
    /// `H`: the HELO/EHLO argument.
    Helo(Vec<u8>),
    /// `M`: `<sender>` then ESMTP arguments.
    Mail(Vec<Vec<u8>>),
    /// `R`: `<recipient>` then ESMTP arguments.
    Rcpt(Vec<Vec<u8>>),
    /// `T`: DATA.
    Data,
    /// `L`: one header field.
    Header {
        /// Field name.
        name: Vec<u8>,
        /// Field value (continuation lines joined with CRLF).
        value: Vec<u8>,
    },
    /// `N`: end of headers.
    EndOfHeaders,
    /// `B`: a body chunk (CRLF line ends).
    Body(Vec<u8>),
    /// `E`: end of body.
    EndOfBody,
    /// `A`: abort this message.
    Abort,
    /// `Q`: quit.
    Quit,
    /// `K`: quit, the connection will be reused.
    QuitNc,
    /// `U`: an SMTP command the MTA does not know.
    Unknown(Vec<u8>),
}

/// A packet a filter sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// `O`: the filter's version, actions, steps and macro lists per stage.
    OptNeg {
        /// Protocol version.
        version: u32,
        /// `SMFIF_*` it wants.
        actions: u32,
        /// `SMFIP_*` it asks for.
        protocol: u32,
        /// `(stage, "name name ...")` macro lists.
        macros: Vec<(u32, Vec<u8>)>,
    },
    /// `a`: accept this message (or connection); ask no more.
    Accept,
    /// `c`: continue.
    Continue,
    /// `d`: accept and discard.
    Discard,
    /// `r`: reject.
    Reject,
    /// `t`: temporary failure.
    Tempfail,
    /// `4`: 421 and close.
    Shutdown,
    /// `f`: connection failure.
    ConnFail,
    /// `y`: reply with this text (`550 5.7.1 go away`).
    ReplyCode(Vec<u8>),
    /// `p`: still working.
    Progress,
    /// `s`: skip the rest of the body.
    Skip,
    /// `h`: add a header at the end.
    AddHeader {
        /// Field name.
        name: Vec<u8>,
        /// Field value.
        value: Vec<u8>,
    },
    /// `i`: insert a header before the `index`th (0: first).
    InsertHeader {
        /// Position.
        index: u32,
        /// Field name.
        name: Vec<u8>,
        /// Field value.
        value: Vec<u8>,
    },
    /// `m`: change the `index`th (from 1) field of this name; an empty value deletes it.
    ChangeHeader {
        /// Occurrence of the name, from 1.
        index: u32,
        /// Field name.
        name: Vec<u8>,
        /// New value, empty to delete.
        value: Vec<u8>,
    },
    /// `+`: add a recipient.
    AddRcpt(Vec<u8>),
    /// `2`: add a recipient with ESMTP arguments.
    AddRcptPar {
        /// The address.
        rcpt: Vec<u8>,
        /// Its arguments, as one string.
        args: Vec<u8>,
    },
    /// `-`: delete a recipient.
    DelRcpt(Vec<u8>),
    /// `e`: change the envelope sender.
    ChangeFrom {
        /// The new sender.
        from: Vec<u8>,
        /// Its ESMTP arguments, possibly empty.
        args: Vec<u8>,
    },
    /// `b`: a chunk of the new body (CRLF line ends).
    ReplaceBody(Vec<u8>),
    /// `q`: quarantine, with a reason.
    Quarantine(Vec<u8>),
    /// `l`: the macros of a stage.
    SetSymList {
        /// `SMFIM_*`.
        stage: u32,
        /// Space-separated macro names.
        macros: Vec<u8>,
    },
}

/// Frames `code` and `data` as one packet.
fn packet(code: u8, data: &[u8]) -> Vec<u8> {
    let len = u32::try_from(data.len() + 1).expect("packet fits a u32");
    let mut out = Vec::with_capacity(data.len() + 5);
    out.extend_from_slice(&len.to_be_bytes());
    out.push(code);
    out.extend_from_slice(data);
    out
}

/// Appends `s` and its terminating NUL.
fn cstr(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(s);
    out.push(0);
}

/// One packet split off a buffer: its code, its data and the bytes it took.
type Frame<'a> = (u8, &'a [u8], usize);

/// Splits one packet off the front of `buf`.
fn frame(buf: &[u8]) -> Result<Option<Frame<'_>>, CodecError> {
    let Some(head) = buf.get(..4) else { return Ok(None) };
    let len = u32::from_be_bytes(head.try_into().expect("four bytes"));
    if len == 0 || len as usize > MAX_PACKET {
        return Err(CodecError::Length(len));
    }
    let end = 4 + len as usize;
    let Some(body) = buf.get(4..end) else { return Ok(None) };
    Ok(Some((body[0], &body[1..], end)))
}

/// A reader of the data of one packet.
struct Data<'a> {
    code: u8,
    rest: &'a [u8],
}

impl<'a> Data<'a> {
    fn bad(&self) -> CodecError {
        CodecError::Malformed(self.code)
    }

    fn u32(&mut self) -> Result<u32, CodecError> {
        let (n, rest) = self.rest.split_first_chunk::<4>().ok_or(self.bad())?;
        self.rest = rest;
        Ok(u32::from_be_bytes(*n))
    }

    fn u16(&mut self) -> Result<u16, CodecError> {
        let (n, rest) = self.rest.split_first_chunk::<2>().ok_or(self.bad())?;
        self.rest = rest;
        Ok(u16::from_be_bytes(*n))
    }

    fn byte(&mut self) -> Result<u8, CodecError> {
        let (b, rest) = self.rest.split_first().ok_or(self.bad())?;
        self.rest = rest;
        Ok(*b)
    }

    /// A NUL-terminated string.
    fn cstr(&mut self) -> Result<Vec<u8>, CodecError> {
        let nul = self.rest.iter().position(|&b| b == 0).ok_or(self.bad())?;
        let s = self.rest[..nul].to_vec();
        self.rest = &self.rest[nul + 1..];
        Ok(s)
    }

    /// Every NUL-terminated string left.
    fn cstrs(&mut self) -> Result<Vec<Vec<u8>>, CodecError> {
        let mut all = Vec::new();
        while !self.rest.is_empty() {
            all.push(self.cstr()?);
        }
        Ok(all)
    }

    /// A NUL-terminated string if any data is left, else empty.
    fn opt_cstr(&mut self) -> Result<Vec<u8>, CodecError> {
        if self.rest.is_empty() {
            Ok(Vec::new())
        } else {
            self.cstr()
        }
    }

    fn end<T>(self, value: T) -> Result<T, CodecError> {
        if self.rest.is_empty() {
            Ok(value)
        } else {
            Err(self.bad())
        }
    }

    fn all(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.rest).to_vec()
    }
}

impl Command {
    /// The packet for this command.
    pub fn encode(&self) -> Vec<u8> {
        let mut d = Vec::new();
        let code = match self {
            Command::OptNeg { version, actions, protocol } => {
                for n in [version, actions, protocol] {
                    d.extend_from_slice(&n.to_be_bytes());
                }
                cmd::OPTNEG
            }
            Command::Macros { code, pairs } => {
                d.push(*code);
                for (name, value) in pairs {
                    cstr(&mut d, name);
                    cstr(&mut d, value);
                }
                cmd::MACRO
            }
            Command::Connect { host, family } => {
                cstr(&mut d, host);
                encode_family(&mut d, family);
                cmd::CONNECT
            }
            Command::Helo(name) => {
                cstr(&mut d, name);
                cmd::HELO
            }
            Command::Mail(args) | Command::Rcpt(args) => {
                args.iter().for_each(|a| cstr(&mut d, a));
                if matches!(self, Command::Mail(_)) {
                    cmd::MAIL
                } else {
                    cmd::RCPT
                }
            }
            Command::Header { name, value } => {
                cstr(&mut d, name);
                cstr(&mut d, value);
                cmd::HEADER
            }
            Command::Body(chunk) => {
                d.extend_from_slice(chunk);
                cmd::BODY
            }
            Command::Unknown(line) => {
                cstr(&mut d, line);
                cmd::UNKNOWN
            }
            Command::Data => cmd::DATA,
            Command::EndOfHeaders => cmd::EOH,
            Command::EndOfBody => cmd::BODYEOB,
            Command::Abort => cmd::ABORT,
            Command::Quit => cmd::QUIT,
            Command::QuitNc => cmd::QUIT_NC,
        };
        packet(code, &d)
    }

    /// The command at the front of `buf` and the bytes it took, `None` while
    /// incomplete.
    ///
    /// # Errors
    /// See the module documentation.
    pub fn decode(buf: &[u8]) -> Result<Option<(Command, usize)>, CodecError> {
        let Some((code, rest, used)) = frame(buf)? else { return Ok(None) };
        let mut d = Data { code, rest };
        let command = match code {
            cmd::OPTNEG => {
                let (version, actions, protocol) = (d.u32()?, d.u32()?, d.u32()?);
                d.end(Command::OptNeg { version, actions, protocol })?
            }
            cmd::MACRO => {
                let code = d.byte()?;
                let strings = d.cstrs()?;
                if strings.len() % 2 != 0 {
                    return Err(d.bad());
                }
                let pairs = strings.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
                Command::Macros { code, pairs }
            }
            cmd::CONNECT => {
                let host = d.cstr()?;
                let family = decode_family(&mut d)?;
                d.end(Command::Connect { host, family })?
            }
            cmd::HELO => {
                let name = d.cstr()?;
                d.end(Command::Helo(name))?
            }
            cmd::MAIL => Command::Mail(d.cstrs()?),
            cmd::RCPT => Command::Rcpt(d.cstrs()?),
            cmd::HEADER => {
                let (name, value) = (d.cstr()?, d.cstr()?);
                d.end(Command::Header { name, value })?
            }
            cmd::BODY => Command::Body(d.all()),
            cmd::UNKNOWN => {
                let line = d.cstr()?;
                d.end(Command::Unknown(line))?
            }
            cmd::DATA => d.end(Command::Data)?,
            cmd::EOH => d.end(Command::EndOfHeaders)?,
            cmd::BODYEOB => d.end(Command::EndOfBody)?,
            cmd::ABORT => d.end(Command::Abort)?,
            cmd::QUIT => d.end(Command::Quit)?,
            cmd::QUIT_NC => d.end(Command::QuitNc)?,
            other => return Err(CodecError::Code(other)),
        };
        Ok(Some((command, used)))
    }
}

fn encode_family(d: &mut Vec<u8>, family: &Family) {
    let (letter, port, addr) = match family {
        Family::Unknown => {
            d.push(b'U');
            return;
        }
        Family::Inet(port, addr) => (b'4', *port, addr),
        Family::Inet6(port, addr) => (b'6', *port, addr),
        Family::Unix(path) => (b'L', 0, path),
    };
    d.push(letter);
    d.extend_from_slice(&port.to_be_bytes());
    cstr(d, addr);
}

fn decode_family(d: &mut Data<'_>) -> Result<Family, CodecError> {
    let letter = d.byte()?;
    if letter == b'U' {
        return Ok(Family::Unknown);
    }
    let (port, addr) = (d.u16()?, d.cstr()?);
    match letter {
        b'4' => Ok(Family::Inet(port, addr)),
        b'6' => Ok(Family::Inet6(port, addr)),
        b'L' => Ok(Family::Unix(addr)),
        _ => Err(d.bad()),
    }
}

impl Response {
    /// The packet for this response.
    pub fn encode(&self) -> Vec<u8> {
        let mut d = Vec::new();
        let code = match self {
            Response::OptNeg { version, actions, protocol, macros } => {
                for n in [version, actions, protocol] {
                    d.extend_from_slice(&n.to_be_bytes());
                }
                for (stage, list) in macros {
                    d.extend_from_slice(&stage.to_be_bytes());
                    cstr(&mut d, list);
                }
                reply::OPTNEG
            }
            Response::ReplyCode(text) => {
                cstr(&mut d, text);
                reply::REPLYCODE
            }
            Response::AddHeader { name, value } => {
                cstr(&mut d, name);
                cstr(&mut d, value);
                reply::ADDHEADER
            }
            Response::InsertHeader { index, name, value }
            | Response::ChangeHeader { index, name, value } => {
                d.extend_from_slice(&index.to_be_bytes());
                cstr(&mut d, name);
                cstr(&mut d, value);
                if matches!(self, Response::InsertHeader { .. }) {
                    reply::INSHEADER
                } else {
                    reply::CHGHEADER
                }
            }
            Response::AddRcpt(rcpt) => {
                cstr(&mut d, rcpt);
                reply::ADDRCPT
            }
            Response::AddRcptPar { rcpt, args } => {
                cstr(&mut d, rcpt);
                cstr(&mut d, args);
                reply::ADDRCPT_PAR
            }
            Response::DelRcpt(rcpt) => {
                cstr(&mut d, rcpt);
                reply::DELRCPT
            }
            Response::ChangeFrom { from, args } => {
                cstr(&mut d, from);
                if !args.is_empty() {
                    cstr(&mut d, args);
                }
                reply::CHGFROM
            }
            Response::ReplaceBody(chunk) => {
                d.extend_from_slice(chunk);
                reply::REPLBODY
            }
            Response::Quarantine(reason) => {
                cstr(&mut d, reason);
                reply::QUARANTINE
            }
            Response::SetSymList { stage, macros } => {
                d.extend_from_slice(&stage.to_be_bytes());
                cstr(&mut d, macros);
                reply::SETSYMLIST
            }
            Response::Accept => reply::ACCEPT,
            Response::Continue => reply::CONTINUE,
            Response::Discard => reply::DISCARD,
            Response::Reject => reply::REJECT,
            Response::Tempfail => reply::TEMPFAIL,
            Response::Shutdown => reply::SHUTDOWN,
            Response::ConnFail => reply::CONN_FAIL,
            Response::Progress => reply::PROGRESS,
            Response::Skip => reply::SKIP,
        };
        packet(code, &d)
    }

    /// The response at the front of `buf` and the bytes it took, `None` while
    /// incomplete.
    ///
    /// # Errors
    /// See the module documentation.
    pub fn decode(buf: &[u8]) -> Result<Option<(Response, usize)>, CodecError> {
        let Some((code, rest, used)) = frame(buf)? else { return Ok(None) };
        let mut d = Data { code, rest };
        let response = match code {
            reply::OPTNEG => {
                let (version, actions, protocol) = (d.u32()?, d.u32()?, d.u32()?);
                let mut macros = Vec::new();
                while !d.rest.is_empty() {
                    macros.push((d.u32()?, d.cstr()?));
                }
                Response::OptNeg { version, actions, protocol, macros }
            }
            reply::REPLYCODE => {
                let text = d.cstr()?;
                d.end(Response::ReplyCode(text))?
            }
            reply::ADDHEADER => {
                let (name, value) = (d.cstr()?, d.cstr()?);
                d.end(Response::AddHeader { name, value })?
            }
            reply::INSHEADER => {
                let (index, name, value) = (d.u32()?, d.cstr()?, d.cstr()?);
                d.end(Response::InsertHeader { index, name, value })?
            }
            reply::CHGHEADER => {
                let (index, name, value) = (d.u32()?, d.cstr()?, d.cstr()?);
                d.end(Response::ChangeHeader { index, name, value })?
            }
            reply::ADDRCPT => {
                let rcpt = d.cstr()?;
                d.end(Response::AddRcpt(rcpt))?
            }
            reply::ADDRCPT_PAR => {
                let (rcpt, args) = (d.cstr()?, d.opt_cstr()?);
                d.end(Response::AddRcptPar { rcpt, args })?
            }
            reply::DELRCPT => {
                let rcpt = d.cstr()?;
                d.end(Response::DelRcpt(rcpt))?
            }
            reply::CHGFROM => {
                let (from, args) = (d.cstr()?, d.opt_cstr()?);
                d.end(Response::ChangeFrom { from, args })?
            }
            reply::REPLBODY => Response::ReplaceBody(d.all()),
            reply::QUARANTINE => {
                let reason = d.cstr()?;
                d.end(Response::Quarantine(reason))?
            }
            reply::SETSYMLIST => {
                let (stage, macros) = (d.u32()?, d.cstr()?);
                d.end(Response::SetSymList { stage, macros })?
            }
            _ => simple(d)?,
        };
        Ok(Some((response, used)))
    }
}

/// The responses without data.
fn simple(d: Data<'_>) -> Result<Response, CodecError> {
    let response = match d.code {
        reply::ACCEPT => Response::Accept,
        reply::CONTINUE => Response::Continue,
        reply::DISCARD => Response::Discard,
        reply::REJECT => Response::Reject,
        reply::TEMPFAIL => Response::Tempfail,
        reply::SHUTDOWN => Response::Shutdown,
        reply::CONN_FAIL => Response::ConnFail,
        reply::PROGRESS => Response::Progress,
        reply::SKIP => Response::Skip,
        other => return Err(CodecError::Code(other)),
    };
    d.end(response)
}

#[cfg(test)]
#[path = "codec_tests.rs"]
mod tests;

/// The codec's invariants on arbitrary input, both directions, for the fuzzers:
/// decoding never panics, takes no more than it was given, and what decodes
/// encodes to the same packet (modulo an empty `e` argument) that decodes alike.
///
/// # Panics
/// When an invariant does not hold.
pub fn check_invariants(data: &[u8]) {
    if let Ok(Some((command, used))) = Command::decode(data) {
        assert!(used <= data.len());
        let again = command.encode();
        assert_eq!(Command::decode(&again), Ok(Some((command, again.len()))));
    }
    if let Ok(Some((response, used))) = Response::decode(data) {
        assert!(used <= data.len());
        let again = response.encode();
        assert_eq!(Response::decode(&again), Ok(Some((response, again.len()))));
    }
}
