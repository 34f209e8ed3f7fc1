//! # Name
//! inbound - the queue file of a message received over SMTP
//!
//! # Description
//! `smtpd` and `submit -bs` receive a message the same way and must queue it the
//! same way, as sendmail's MTA does: [`Inbound`] is the neutral description of what
//! arrived (client, HELO name, protocol, sender and recipients with their ESMTP
//! parameters, the header as received, whether any byte had the high bit set), and
//! [`Inbound::queue_file`] builds the qf envelope sendmail writes for it:
//!
//! ```text
//! H?P?Return-Path: <$g>           the first header of every qf
//! HReceived: from helo (client)   sendmail's layout, with `(authenticated bits=0)`
//!                                 and `(version=... cipher=... bits=... verify=...)`
//!                                 when the client authenticated or used TLS
//! H?D?Date: / ?F?From: / ?M?Message-Id:   only when the message lacks them
//! HX-Authentication-Warning: ...  `authwarnings` texts, where sendmail adds them
//! H<the message's own fields>     as received, in order
//! F8bs (+d, n for RET=)           envelope flags
//! $_client $rPROTO $shelo ${daemon_flags}
//! RPFD:<rcpt> / RPN[SFD]:<rcpt>   NOTIFY as given, with Q (ORCPT) and r lines
//! ```
//!
//! The fields sendmail adds when a message lacks them ([`Added`]), the recipient
//! notify flags and the `Return-Path` line are shared with `submit`'s own
//! submissions (`-bm`).

use crate::message::{added, Header};
use crate::qf::envelope::{Envelope, Header as QfHeader, Recipient as QfRecipient};
use crate::queue::QueueId;
use jiff::{tz::TimeZone, Timestamp};

/// `RET=` of MAIL FROM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ret {
    /// `RET=FULL`.
    Full,
    /// `RET=HDRS`.
    Hdrs,
}

/// `NOTIFY=` of RCPT TO: success, failure, delay (all false: `NEVER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Notify {
    /// `SUCCESS`.
    pub success: bool,
    /// `FAILURE`.
    pub failure: bool,
    /// `DELAY`.
    pub delay: bool,
}

/// One accepted recipient.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InboundRecipient {
    /// The address without angle brackets.
    pub address: String,
    /// `NOTIFY=`, if given.
    pub notify: Option<Notify>,
    /// `ORCPT=` as given (`rfc822;addr`).
    pub orcpt: Option<String>,
}

/// What arrived over SMTP, everything the qf is built from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Inbound {
    /// sendmail's `$_`: `host [ip]`, `[ip]` or `user@localhost`.
    pub client: String,
    /// The HELO/EHLO argument.
    pub helo: String,
    /// `SMTP`, `ESMTP`, `ESMTPS`, `ESMTPA`, `ESMTPSA`.
    pub protocol: String,
    /// The TLS details for `Received:`, as sendmail's `${tls_version}` ... macros
    /// give them: `version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT`.
    pub tls: Option<String>,
    /// The authenticated identity, for `Received:` and `A`.
    pub auth_id: Option<String>,
    /// The sender address without angle brackets (empty: `<>`).
    pub sender: String,
    /// `BODY=` as given (`7BIT`, `8BITMIME`).
    pub body_type: Option<String>,
    /// `RET=`.
    pub ret: Option<Ret>,
    /// `ENVID=` as given.
    pub envid: Option<String>,
    /// `AUTH=` as given.
    pub auth_param: Option<String>,
    /// Accepted recipients in order.
    pub recipients: Vec<InboundRecipient>,
    /// Any header or body byte had the high bit set.
    pub eight_bit: bool,
    /// `${daemon_flags}`: the listener's modifiers.
    pub daemon_flags: String,
    /// `X-Authentication-Warning:` texts (`PrivacyOptions=authwarnings`), such as
    /// `host: localhost [127.0.0.1] didn't use HELO protocol`.
    pub warnings: Vec<String>,
}

impl Inbound {
    /// The qf envelope of this message, queued as `id` by `host` at `now`, with the
    /// header as received and its priority.
    pub fn queue_file(
        &self,
        id: &QueueId,
        host: &str,
        now: Timestamp,
        header: &Header,
        priority: i64,
    ) -> Envelope {
        let date = added::arpadate(now, &TimeZone::system());
        let mut headers = vec![return_path(), self.received(id, host, &date)];
        let added = Added { now, id, host, from: &self.sender, full_name: None };
        headers.extend(added.missing_fields(header));
        let warnings = self.warnings.iter();
        headers.extend(warnings.map(|w| hdr("", &format!("X-Authentication-Warning: {w}"))));
        headers.extend(message_fields(header));
        Envelope {
            created: now.as_second(),
            priority,
            body_type: self.body_type.clone(),
            flags: self.flags(),
            macros: vec![
                ("_".into(), self.client.clone().into_bytes()),
                ("r".into(), self.protocol.clone().into_bytes()),
                ("s".into(), self.helo.clone().into_bytes()),
                ("{daemon_flags}".into(), self.daemon_flags.clone().into_bytes()),
            ],
            sender: format!("<{}>", self.sender).into_bytes(),
            envid: self.envid.clone().map(String::into_bytes),
            auth: self.auth_param.clone().map(String::into_bytes),
            recipients: self.recipients.iter().map(recipient).collect(),
            headers,
            ..Envelope::default()
        }
    }

    /// `Received:` as sendmail's `HReceived` template writes it.
    fn received(&self, id: &QueueId, host: &str, date: &str) -> QfHeader {
        let mut value = format!("Received: from {} ({})\n\t", self.helo, self.client);
        if self.auth_id.is_some() {
            value.push_str("(authenticated bits=0)\n\t");
        }
        let version = added::VERSION;
        value.push_str(&format!("by {host} ({version}) with {} id {}", self.protocol, id.as_str()));
        if let Some(tls) = &self.tls {
            value.push_str(&format!("\n\t({tls})"));
        }
        match self.recipients.as_slice() {
            [only] => value.push_str(&format!("\n\tfor <{}>; {date}", only.address)),
            _ => value.push_str(&format!(";\n\t{date}")),
        }
        hdr("", &value)
    }

    fn flags(&self) -> String {
        let mut flags = String::new();
        for (on, c) in [
            (self.eight_bit, '8'),
            (true, 'b'),
            (self.ret.is_some(), 'd'),
            (self.ret == Some(Ret::Hdrs), 'n'),
            (true, 's'),
        ] {
            if on {
                flags.push(c);
            }
        }
        flags
    }
}

/// The qf recipient of an accepted recipient (`RP<notify flags>:<address>`, its
/// `ORCPT` and final recipient).
pub fn recipient(r: &InboundRecipient) -> QfRecipient {
    let notify = notify_flags(r.notify.map(|n| (n.success, n.failure, n.delay)));
    QfRecipient {
        flags: format!("P{notify}"),
        address: format!("<{}>", r.address).into_bytes(),
        original: r.orcpt.clone().map(String::into_bytes),
        final_recipient: Some(format!("RFC822; {}", r.address).into_bytes()),
        ..QfRecipient::default()
    }
}

/// `R` flags after `P`: `N` plus `S`/`F`/`D` for an explicit NOTIFY (success,
/// failure, delay), `FD` (failure and delay implied) without one.
pub fn notify_flags(notify: Option<(bool, bool, bool)>) -> String {
    let Some((success, failure, delay)) = notify else { return "FD".into() };
    let mut flags = "N".to_string();
    for (on, c) in [(success, 'S'), (failure, 'F'), (delay, 'D')] {
        if on {
            flags.push(c);
        }
    }
    flags
}

/// What the fields sendmail adds when the message lacks them are made of.
pub struct Added<'a> {
    /// Arrival time.
    pub now: Timestamp,
    /// The queue ID.
    pub id: &'a QueueId,
    /// `$j`.
    pub host: &'a str,
    /// The sender address for `From:`.
    pub from: &'a str,
    /// The full name, if known.
    pub full_name: Option<&'a str>,
}

impl Added<'_> {
    /// `Date` (`?D?`), `From` (`?F?`), `Full-Name` (`?x?`), `Message-Id` (`?M?`),
    /// each only when `header` lacks it.
    pub fn missing_fields(&self, header: &Header) -> Vec<QfHeader> {
        let tz = TimeZone::system();
        let missing = |name: &str| header.get(name).is_none();
        let mut out = Vec::new();
        if missing("Date") {
            out.push(hdr("D", &format!("Date: {}", added::arpadate(self.now, &tz))));
        }
        if missing("From") {
            out.push(hdr("F", &format!("From: {}", added::from_value(self.full_name, self.from))));
        }
        if let (Some(name), true) = (self.full_name, missing("Full-Name")) {
            out.push(hdr("x", &format!("Full-Name: {}", added::display_name(name))));
        }
        if missing("Message-Id") {
            let id = added::message_id(self.now, &tz, self.id.as_str(), self.host);
            out.push(hdr("M", &format!("Message-Id: {id}")));
        }
        out
    }
}

/// The message's own fields, stored unconditionally (`H??`).
pub fn message_fields(header: &Header) -> impl Iterator<Item = QfHeader> + '_ {
    header.fields.iter().map(|f| QfHeader { condition: Vec::new(), text: f.text() })
}

/// The `Return-Path` line every qf starts its headers with (`\x81g` is `$g`).
pub fn return_path() -> QfHeader {
    QfHeader { condition: b"P".to_vec(), text: b"Return-Path: <\x81g>".to_vec() }
}

/// A header line with its `?condition?` (empty: none).
pub fn hdr(condition: &str, text: &str) -> QfHeader {
    QfHeader { condition: condition.as_bytes().to_vec(), text: text.as_bytes().to_vec() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notify_flags_as_sendmail_writes_them() {
        assert_eq!(notify_flags(None), "FD");
        assert_eq!(notify_flags(Some((false, false, false))), "N");
        assert_eq!(notify_flags(Some((true, true, false))), "NSF");
    }

    fn header(text: &str) -> Header {
        let mut input = std::io::Cursor::new(text.as_bytes());
        crate::message::read_header(&mut input, usize::MAX, false).unwrap().0
    }

    #[test]
    fn an_esmtp_message_becomes_sendmails_qf() {
        let inbound = Inbound {
            client: "localhost [127.0.0.1]".into(),
            helo: "client.example".into(),
            protocol: "ESMTPS".into(),
            tls: Some("version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT".into()),
            auth_id: Some("alice".into()),
            sender: "alice@example.org".into(),
            ret: Some(Ret::Hdrs),
            envid: Some("QQ314159".into()),
            recipients: vec![InboundRecipient {
                address: "bob@example.net".into(),
                notify: Some(Notify { success: true, failure: true, delay: false }),
                orcpt: Some("rfc822;bob@example.net".into()),
            }],
            eight_bit: true,
            ..Inbound::default()
        };
        let id = QueueId::parse("6AONVaU4019530").unwrap();
        let now: Timestamp = "2026-11-24T23:30:00Z".parse().unwrap();
        let qf = inbound.queue_file(&id, "mail.example", now, &header("Subject: hi\n\n"), 31234);
        assert_eq!((qf.flags.as_str(), qf.priority, qf.created), ("8bdns", 31234, now.as_second()));
        assert_eq!(qf.sender, b"<alice@example.org>");
        assert_eq!(qf.recipients[0].flags, "PNSF");
        assert_eq!(qf.recipients[0].original.as_deref(), Some(&b"rfc822;bob@example.net"[..]));
        let texts: Vec<String> =
            qf.headers.iter().map(|h| String::from_utf8_lossy(&h.text).into_owned()).collect();
        assert_eq!(texts[0], "Return-Path: <\u{fffd}g>");
        let received = format!(
            "Received: from client.example (localhost [127.0.0.1])\n\t(authenticated bits=0)\n\t\
             by mail.example ({}) with ESMTPS id 6AONVaU4019530\n\t\
             (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT)\n\t\
             for <bob@example.net>; ",
            added::VERSION
        );
        assert!(texts[1].starts_with(&received), "{}", texts[1]);
        assert!(
            texts.iter().any(|t| t.starts_with("Date: "))
                && texts.iter().any(|t| t.starts_with("Message-Id: <"))
        );
        assert_eq!(texts.last().unwrap(), "Subject: hi");
        assert_eq!(qf.macros[1], ("r".to_string(), b"ESMTPS".to_vec()));
    }

    #[test]
    fn warnings_come_after_the_added_fields_and_before_the_messages_own() {
        let inbound = Inbound {
            client: "localhost [127.0.0.1]".into(),
            helo: "localhost".into(),
            protocol: "SMTP".into(),
            warnings: vec!["vm.example: localhost [127.0.0.1] didn't use HELO protocol".into()],
            ..Inbound::default()
        };
        let id = QueueId::parse("6AONVaU4019530").unwrap();
        let now: Timestamp = "2026-11-24T23:30:00Z".parse().unwrap();
        let qf = inbound.queue_file(&id, "mail.example", now, &header("Subject: x\n\n"), 1);
        let texts: Vec<String> =
            qf.headers.iter().map(|h| String::from_utf8_lossy(&h.text).into_owned()).collect();
        let n = texts.len();
        assert!(texts[n - 3].starts_with("Message-Id: <"), "{texts:?}");
        let warning =
            "X-Authentication-Warning: vm.example: localhost [127.0.0.1] didn't use HELO protocol";
        assert_eq!((texts[n - 2].as_str(), qf.headers[n - 2].condition.len()), (warning, 0));
        assert_eq!(texts[n - 1], "Subject: x");
    }
}
