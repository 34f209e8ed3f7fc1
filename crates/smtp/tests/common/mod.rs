//! A policy that answers like the reference lab's sendmail (see
//! `tests/reference/README.md`): its users and aliases, access map, mailertable and
//! relaying rules, hard-coded.

#![allow(dead_code)]

use smtp::server::{
    AuthStep, BodySink, ClientInfo, CommitError, Connect, Decision, Envelope, Policy, Privacy,
    Recipient, Reply, Sender, Settings,
};
use std::net::IpAddr;

/// The lab's settings: main MTA (port 2525) or open MTA (2526).
pub fn lab_settings(open: bool) -> Settings {
    let mut s = Settings::new("mail.lab.example");
    s.greeting =
        "mail.lab.example ESMTP Sendmail 8.17.1.9/8.17.1.9/smlab; DATE (smlab oracle)".into();
    s.privacy = if open {
        Privacy::default()
    } else {
        Privacy { novrfy: true, noexpn: true, needmailhelo: true, ..Privacy::default() }
    };
    s.limits.max_recipients = 10;
    s.limits.bad_rcpt_throttle = 3;
    s.limits.max_headers_length = 32000;
    s.auth_mechanisms = vec!["DIGEST-MD5".into(), "CRAM-MD5".into()];
    s
}

/// The settings of the daemon a transcript was recorded on, by its port: the main MTA
/// (2525), the open MTA (2526), and `oracle/bin/record-auth`'s copies of the main MTA
/// with AuthMechanisms `PLAIN LOGIN` (2528) and a listener with `M=a` too (2529).
pub fn lab_settings_on(port: u16) -> Settings {
    let mut s = lab_settings(port == 2526);
    if port == 2528 || port == 2529 {
        s.auth_mechanisms = vec!["PLAIN".into(), "LOGIN".into()];
        s.auth_required = port == 2529;
    }
    s.auth_param_always = true;
    s
}

/// The client as the lab's sendmail names it.
pub fn lab_client(ip: &str) -> ClientInfo {
    let addr: IpAddr = ip.parse().expect("client address");
    let name = (ip == "127.0.0.1").then_some("localhost");
    ClientInfo::network(addr, name)
}

/// Messages kept in memory.
#[derive(Default)]
pub struct Stored {
    pub messages: Vec<(Envelope, Vec<u8>)>,
}

/// The lab's policy.
#[derive(Default)]
pub struct LabPolicy {
    discard_connection: bool,
    discard_sender: bool,
    relay_all: bool,
    /// A LOGIN exchange waiting for the user name (None) or the password (Some).
    login: Option<Option<Vec<u8>>>,
    /// Authenticated with LOGIN, the one mechanism record-auth's TRUST_AUTH_MECH names.
    trusted_auth: bool,
    next_id: u32,
    pub stored: Stored,
}

pub struct MemSink(pub Vec<u8>);

impl BodySink for MemSink {
    fn header(&mut self, line: &[u8]) -> std::io::Result<()> {
        self.0.extend_from_slice(line);
        self.0.push(b'\n');
        Ok(())
    }
    fn body(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        self.0.extend_from_slice(chunk);
        Ok(())
    }
}

const LOCAL_DOMAINS: &[&str] =
    &["mail.lab.example", "lab.example", "localhost", "vm", "[127.0.0.1]"];
const LOCAL_NAMES: &[&str] = &[
    "root",
    "daemon",
    "mail",
    "nobody",
    "postmaster",
    "mailer-daemon",
    "abuse",
    "staff",
    "devnull",
    "dev-null",
    "archive",
    "pipe",
    "listinc",
    "remote",
    "mixed",
    "longlist",
    "loop1",
    "loop2",
];

/// The address without a source route.
fn unroute(address: &str) -> &str {
    match address.strip_prefix('@') {
        Some(route) => route.split_once(':').map_or(address, |(_, rest)| rest),
        None => address,
    }
}

fn split_domain(address: &str) -> (String, Option<String>) {
    let address = unroute(address);
    match address.rsplit_once('@') {
        Some((user, domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            (user.trim_matches('"').to_string(), Some(domain))
        }
        None => (address.trim_matches('"').to_string(), None),
    }
}

fn is_local(domain: &Option<String>) -> bool {
    domain.as_deref().is_none_or(|d| LOCAL_DOMAINS.contains(&d))
}

fn in_domain(domain: &str, zone: &str) -> bool {
    domain == zone || domain.ends_with(&format!(".{zone}"))
}

/// sendmail's duplicate key: local users by lower-case name, others by address.
fn dedup_key(address: &str) -> String {
    let (user, domain) = split_domain(address);
    if is_local(&domain) && !user.contains(['%', '!']) {
        user.to_ascii_lowercase()
    } else {
        unroute(address).to_string()
    }
}

impl LabPolicy {
    fn rcpt_check(&self, rcpt: &Recipient) -> Result<(), Reply> {
        let (user, domain) = split_domain(&rcpt.address);
        let routed = user.contains(['%', '!']);
        if is_local(&domain) && !routed {
            let base = user.split('+').next().unwrap_or("").to_ascii_lowercase();
            if LOCAL_NAMES.contains(&base.as_str()) {
                return Ok(());
            }
            return Err(Reply::about(550, "5.1.1", &rcpt.raw, "User unknown"));
        }
        let domain = domain.unwrap_or_default();
        if domain == "nosuchhost.example" {
            return Err(Reply::about(550, "5.1.2", &rcpt.raw, "Host unknown"));
        }
        let relay_client = self.relay_all || self.trusted_auth;
        if relay_client || (!routed && in_domain(&domain, "relayok.example")) {
            return Ok(());
        }
        let text = "Relaying denied. IP name lookup failed [127.0.0.2]";
        Err(Reply::about(550, "5.7.1", &rcpt.raw, text))
    }
}

impl LabPolicy {
    /// The user and password (the rest of a PLAIN response or LOGIN's two answers).
    fn password<'a>(&self, mut parts: impl Iterator<Item = &'a [u8]>) -> AuthStep {
        match (parts.next(), parts.next(), parts.next()) {
            (Some(b"alice"), Some(b"secret1"), None) => AuthStep::Success("alice".into()),
            _ => AuthStep::Failure,
        }
    }
}

impl Policy for LabPolicy {
    type Sink = MemSink;

    fn connect(&mut self, client: &ClientInfo) -> Connect {
        let ip = client.addr.map(|a| a.to_string()).unwrap_or_default();
        self.relay_all = ip == "127.0.0.1";
        match ip.as_str() {
            "127.0.0.3" => Connect::RejectCommands(Reply::new(550, "5.7.1", "Access denied")),
            "127.0.0.4" => Connect::Refuse(Reply::new(
                421,
                "4.3.2",
                "Connections from 127.0.0.4 are refused for now",
            )),
            "127.0.0.5" => {
                self.discard_connection = true;
                Connect::Accept
            }
            _ => Connect::Accept,
        }
    }

    fn mail_from(&mut self, sender: &Sender, _e: &Envelope) -> Decision {
        self.discard_sender = false;
        if sender.address.is_empty() {
            return Decision::Accept;
        }
        let (_, domain) = split_domain(&sender.address);
        let Some(domain) = domain else {
            let text = format!("Domain name required for sender address {}", sender.address);
            return Decision::Reject(Reply::about(553, "5.5.4", &sender.raw, &text));
        };
        if in_domain(&domain, "spammer.example") {
            return Decision::Reject(Reply::about(550, "5.7.1", &sender.raw, "Access denied"));
        }
        if in_domain(&domain, "tempfail.example") {
            let text = "Sender domain tempfail.example:try again later";
            return Decision::Reject(Reply::new(451, "4.7.1", text));
        }
        if in_domain(&domain, "discardme.example") {
            self.discard_sender = true;
            return Decision::Accept;
        }
        if ["mail.lab.example", "localhost"].contains(&domain.as_str()) {
            return Decision::Accept;
        }
        let text = format!("Domain of sender address {} does not exist", unroute(&sender.address));
        Decision::Reject(Reply::about(553, "5.1.8", &sender.raw, &text))
    }

    fn rcpt_to(&mut self, rcpt: &Recipient, envelope: &Envelope) -> Decision {
        if !(self.discard_connection || self.discard_sender) {
            if let Err(reply) = self.rcpt_check(rcpt) {
                return Decision::Reject(reply);
            }
        }
        let key = dedup_key(&rcpt.address);
        match envelope.recipients.iter().find(|r| dedup_key(&r.address) == key) {
            Some(first) => Decision::AcceptAs(first.raw.clone()),
            None => Decision::Accept,
        }
    }

    fn vrfy(&mut self, argument: &str) -> Reply {
        let arg = argument.trim_start_matches('<').trim_end_matches('>');
        let (user, domain) = split_domain(arg);
        if !is_local(&domain) {
            return Reply::new(252, "2.1.5", format!("<{arg}>"));
        }
        match user.as_str() {
            "root" => Reply::new(250, "2.1.5", "root <root@mail.lab.example>"),
            "staff" => Reply::new(250, "2.1.5", "<staff@mail.lab.example>"),
            _ => Reply::about(550, "5.1.1", argument, "User unknown"),
        }
    }

    fn expn(&mut self, argument: &str) -> Reply {
        let lines: &[&str] = match argument {
            "staff" => &[
                "mail <mail@mail.lab.example>",
                "daemon <daemon@mail.lab.example>",
                "root <root@mail.lab.example>",
            ],
            "listinc" => &[
                "root <root@mail.lab.example>",
                "<member2@sink.example>",
                "<member1@sink.example>",
            ],
            "mixed" => &[
                "</tmp/smlab/mail/mixed.mbox>",
                "root <root@mail.lab.example>",
                "<someone@sink.example>",
            ],
            "pipe" => &["<\"|/bin/sh -c 'cat >> /tmp/smlab/mail/pipe.out'\">"],
            "archive" => &["</tmp/smlab/mail/archive.mbox>"],
            "loop1" | "loop2" => {
                return Reply::new(554, "5.4.6", "aliasing/forwarding loop broken")
            }
            _ => return Reply::about(550, "5.1.1", argument, "User unknown"),
        };
        Reply::lines(250, Some("2.1.5"), lines.iter().map(|l| l.to_string()).collect())
    }

    fn etrn(&mut self, node: &str) -> Reply {
        match node.strip_prefix('#') {
            Some(queue) => Reply::new(459, "4.5.4", format!("Queue {queue} unknown")),
            None => Reply::new(250, "2.0.0", format!("Queuing for node {node} started")),
        }
    }

    fn enough_space(&mut self, size: u64) -> bool {
        size < 100_000_000_000
    }

    /// record-auth's sasldb2 has one user, alice, password secret1.
    fn auth_start(&mut self, mechanism: &str, initial: Option<&[u8]>) -> AuthStep {
        self.login = None;
        match (mechanism, initial) {
            ("PLAIN", None) => AuthStep::Challenge(Vec::new()),
            ("PLAIN", Some(response)) => self.password(response.split(|&b| b == 0).skip(1)),
            ("LOGIN", None | Some(b"")) => {
                self.login = Some(None);
                AuthStep::Challenge(b"Username:".to_vec())
            }
            ("LOGIN", Some(user)) => {
                self.login = Some(Some(user.to_vec()));
                AuthStep::Challenge(b"Password:".to_vec())
            }
            (_, Some(_)) => AuthStep::Failure,
            ("CRAM-MD5", None) => AuthStep::Challenge(b"<1.1@mail.lab.example>".to_vec()),
            _ => AuthStep::Challenge(b"nonce=\"x\",realm=\"mail.lab.example\"".to_vec()),
        }
    }

    fn auth_continue(&mut self, response: &[u8]) -> AuthStep {
        match self.login.take() {
            Some(None) => {
                self.login = Some(Some(response.to_vec()));
                AuthStep::Challenge(b"Password:".to_vec())
            }
            Some(Some(user)) => {
                let step = self.password([user.as_slice(), response].into_iter());
                self.trusted_auth = matches!(step, AuthStep::Success(_));
                step
            }
            None => self.password(response.split(|&b| b == 0).skip(1)),
        }
    }

    fn data(&mut self, _e: &Envelope) -> Result<MemSink, Reply> {
        Ok(MemSink(Vec::new()))
    }

    fn commit(&mut self, envelope: &Envelope, sink: MemSink) -> Result<String, CommitError> {
        self.next_id += 1;
        if !(self.discard_connection || self.discard_sender) {
            self.stored.messages.push((envelope.clone(), sink.0));
        }
        Ok(format!("6AONaqTD{:06}", self.next_id))
    }
}
