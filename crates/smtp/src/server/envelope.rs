//! # Name
//! envelope - what a session collects for one message
//!
//! # Description
//! The client ([`ClientInfo`]), the HELO name, the [`Protocol`], the sender and the
//! recipients with their ESMTP parameters. Addresses come parsed
//! (`spool::address::Address`, by the one address syntax of `spool::address`), so a
//! policy never parses them again; the text the client wrote is kept beside them for
//! replies, logs and the queue file.
//!
//! The DSN parameters are spool's types ([`Notify`], [`Ret`]), and
//! [`Envelope::inbound`] hands the transaction to `spool::inbound`, which builds the
//! queue file: `smtpd` and `submit -bs` queue what they received the same way.

use spool::address::Address;
use spool::inbound::{Inbound, InboundRecipient};
use std::fmt;
use std::net::IpAddr;

pub use spool::inbound::{Notify, Ret};

/// Who is on the other end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address, if it came over the network.
    pub addr: Option<IpAddr>,
    /// Its verified host name, if reverse DNS gave one.
    pub host_name: Option<String>,
    /// sendmail's `CurSmtpClient`: `localhost [127.0.0.1]`, `[127.0.0.2]` or, for
    /// `-bs`, `root@localhost`; used in HELO replies and some 421 texts.
    pub description: String,
}

impl ClientInfo {
    /// A network client: `name [addr]`, or `[addr]` when the name is unknown.
    pub fn network(addr: IpAddr, host_name: Option<&str>) -> ClientInfo {
        let description = match host_name {
            Some(name) => format!("{name} [{addr}]"),
            None => format!("[{addr}]"),
        };
        ClientInfo { addr: Some(addr), host_name: host_name.map(str::to_string), description }
    }

    /// A local client (`sendmail -bs`): `user@localhost`.
    pub fn local(user: &str) -> ClientInfo {
        ClientInfo { addr: None, host_name: None, description: format!("{user}@localhost") }
    }

    /// sendmail's `RealHostName`: the verified name, else `[addr]`, else (`-bs`)
    /// `localhost`. It stands for the HELO name (`$s`) when the client gave none.
    pub fn real_host_name(&self) -> String {
        match (&self.host_name, self.addr) {
            (Some(name), _) => name.clone(),
            (None, Some(addr)) => format!("[{addr}]"),
            (None, None) => "localhost".to_string(),
        }
    }
}

/// The protocol name for `Received: ... with` and the qf `$r` macro.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// After HELO.
    Smtp,
    /// After EHLO.
    Esmtp,
    /// EHLO over TLS.
    Esmtps,
    /// EHLO, authenticated.
    Esmtpa,
    /// EHLO over TLS, authenticated.
    Esmtpsa,
}

impl Protocol {
    /// The name as sendmail writes it (`ESMTPSA`).
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Smtp => "SMTP",
            Protocol::Esmtp => "ESMTP",
            Protocol::Esmtps => "ESMTPS",
            Protocol::Esmtpa => "ESMTPA",
            Protocol::Esmtpsa => "ESMTPSA",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `BODY=` of MAIL FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BodyType {
    /// No `BODY=` given.
    #[default]
    Unspecified,
    /// `BODY=7BIT`.
    SevenBit,
    /// `BODY=8BITMIME`.
    EightBitMime,
}

/// The sender of MAIL FROM with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sender {
    /// The path as the client wrote it (`<alice@example>`, `alice@example`).
    pub raw: String,
    /// The text inside the angle brackets; empty for the null sender `<>`.
    pub address: String,
    /// The address, parsed (null for `<>`).
    pub parsed: Address,
    /// `SIZE=` (0 when absent or not a number, as in sendmail).
    pub size: u64,
    /// `BODY=`.
    pub body: BodyType,
    /// `BODY=` as the client spelled it (`8BITMIME`, `7bit`): sendmail keeps the
    /// spelling in the qf `B` line and its log.
    pub body_given: Option<String>,
    /// `RET=`.
    pub ret: Option<Ret>,
    /// `ENVID=` (xtext, as given).
    pub envid: Option<String>,
    /// `AUTH=` (xtext, as given).
    pub auth: Option<String>,
    /// `BY=` (as given, e.g. `3600;R`).
    pub by: Option<String>,
}

/// One recipient of RCPT TO with its parameters.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipient {
    /// The path as the client wrote it.
    pub raw: String,
    /// The text inside the angle brackets.
    pub address: String,
    /// The address, parsed.
    pub parsed: Address,
    /// `NOTIFY=` (all false: `NEVER`).
    pub notify: Option<Notify>,
    /// `ORCPT=` (`addr-type;xtext`, as given).
    pub orcpt: Option<String>,
}

/// What the session collected for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The client.
    pub client: ClientInfo,
    /// The HELO/EHLO argument, if one was accepted.
    pub helo: Option<String>,
    /// `SMTP`, `ESMTP`, ...
    pub protocol: Protocol,
    /// The SASL authentication identity, if the client authenticated.
    pub auth_id: Option<String>,
    /// MAIL FROM.
    pub sender: Sender,
    /// Accepted recipients in order.
    pub recipients: Vec<Recipient>,
    /// Message bytes received (headers and body, LF line ends); set before commit.
    pub message_size: u64,
}

impl Envelope {
    /// The transaction as `spool::inbound` builds the queue file from it: with
    /// `eight_bit` when any byte of the message had the high bit set, the TLS details
    /// for `Received:` (`version=... cipher=... bits=... verify=...`) and the
    /// listener's `${daemon_flags}`.
    pub fn inbound(&self, eight_bit: bool, tls: Option<String>, daemon_flags: &str) -> Inbound {
        let sender = &self.sender;
        Inbound {
            client: self.client.description.clone(),
            helo: self.helo.clone().unwrap_or_else(|| self.client.real_host_name()),
            protocol: self.protocol.as_str().to_string(),
            tls,
            auth_id: self.auth_id.clone(),
            sender: sender.address.clone(),
            body_type: sender.body_given.clone(),
            ret: sender.ret,
            envid: sender.envid.clone(),
            auth_param: sender.auth.clone(),
            recipients: self
                .recipients
                .iter()
                .map(|r| InboundRecipient {
                    address: r.address.clone(),
                    notify: r.notify,
                    orcpt: r.orcpt.clone(),
                })
                .collect(),
            eight_bit,
            daemon_flags: daemon_flags.to_string(),
            warnings: Vec::new(),
        }
    }

    /// The `X-Authentication-Warning` text sendmail's `authwarnings` adds for a
    /// transaction without HELO/EHLO (`w` is the system's name, sendmail's `$w`):
    /// `w: localhost [127.0.0.1] didn't use HELO protocol`.
    pub fn helo_warning(&self, w: &str) -> Option<String> {
        let client = &self.client.description;
        self.helo.is_none().then(|| format!("{w}: {client} didn't use HELO protocol"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_gets_the_transaction_as_received() {
        let envelope = Envelope {
            client: ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost")),
            helo: Some("c.example".into()),
            protocol: Protocol::Esmtpa,
            auth_id: Some("alice".into()),
            sender: Sender {
                raw: "<a@b.example>".into(),
                address: "a@b.example".into(),
                body: BodyType::SevenBit,
                body_given: Some("7bit".into()),
                ret: Some(Ret::Hdrs),
                envid: Some("E+2B1".into()),
                ..Sender::default()
            },
            recipients: vec![Recipient {
                raw: "<root>".into(),
                address: "root".into(),
                notify: Some(Notify { success: true, ..Notify::default() }),
                orcpt: Some("rfc822;root".into()),
                ..Recipient::default()
            }],
            message_size: 10,
        };
        let inbound = envelope.inbound(true, Some("version=TLSv1.3".into()), "CC");
        assert_eq!(inbound.client, "localhost [127.0.0.1]");
        assert_eq!((inbound.helo.as_str(), inbound.protocol.as_str()), ("c.example", "ESMTPA"));
        assert_eq!(inbound.sender, "a@b.example");
        assert_eq!(inbound.body_type.as_deref(), Some("7bit"));
        assert_eq!((inbound.ret, inbound.envid.as_deref()), (Some(Ret::Hdrs), Some("E+2B1")));
        assert_eq!(
            inbound.recipients[0].notify,
            Some(Notify { success: true, ..Notify::default() })
        );
        assert_eq!(inbound.recipients[0].orcpt.as_deref(), Some("rfc822;root"));
        assert!(inbound.eight_bit && inbound.tls.is_some() && inbound.daemon_flags == "CC");
        assert_eq!(envelope.helo_warning("vm.example"), None);
    }

    #[test]
    fn without_helo_the_client_name_stands_in_and_authwarnings_has_a_text() {
        let nameless = ClientInfo::network("127.0.0.2".parse().unwrap(), None);
        let envelope = Envelope {
            client: nameless,
            helo: None,
            protocol: Protocol::Smtp,
            auth_id: None,
            sender: Sender::default(),
            recipients: Vec::new(),
            message_size: 0,
        };
        assert_eq!(envelope.inbound(false, None, "").helo, "[127.0.0.2]");
        assert_eq!(
            envelope.helo_warning("vm.example").as_deref(),
            Some("vm.example: [127.0.0.2] didn't use HELO protocol")
        );
        assert_eq!(ClientInfo::local("root").real_host_name(), "localhost");
        let named = ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost"));
        assert_eq!(named.real_host_name(), "localhost");
    }
}
