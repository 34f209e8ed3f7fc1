//! Replays every recorded SMTP session of the real sendmail 8.17.1.9
//! (`reference/smtp/*.transcript`) through the sans-IO SMTP engine, with every policy
//! answer computed by `spool::rules` from the lab's own `sendmail.mc`, access map,
//! mailertable, aliases and passwd file, and compares every reply (codes, enhanced
//! codes and texts; dates, queue IDs and SASL challenges masked) and the `@timing`
//! delays.
//!
//! The adapter below is the whole of what the rules need from a daemon: the client's
//! names from the hosts file (the lab's service switch is `hosts files`), the
//! connection's verdict, and the raw MAIL/RCPT/VRFY/EXPN/ETRN arguments. AUTH, disk
//! space and the queue commit are not policy and answer as `smtp`'s own test double
//! (AUTH: `oracle/bin/record-auth`'s one user, alice, password secret1; the mechanism
//! of a success is told to the rules, which decide by `TRUST_AUTH_MECH` whether the
//! client may relay).

#[path = "common/lab.rs"]
mod lab;

use smtp::server::{
    Action, AuthStep, BodySink, ClientInfo, CommitError, Connect, Decision, Envelope, Policy,
    PolicySession, Privacy, Recipient, Reply, Sender, Settings,
};
use spool::hosts::Hosts;
use spool::rules::{Client, ConnectVerdict, Conversation, Rules, Verdict};
use spool::status::DeliveryStatus;
use std::net::IpAddr;
use testkit::smtp_session::{mask, parse, Session, Step};

/// The `.mc` lines `oracle/bin/record-auth` adds to the main MTA's (ports 2528, 2529).
const AUTH_MC: &str =
    "define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\nTRUST_AUTH_MECH(`LOGIN')dnl\n";

/// Which lab recorded on `port`: 0 the main MTA (2525), 1 the open MTA (2526), 2
/// record-auth's copies of the main MTA with AUTH (2528, and 2529 with `M=a`).
fn lab_of(port: u16) -> usize {
    match port {
        2526 => 1,
        2528 | 2529 => 2,
        _ => 0,
    }
}

/// The lab's engine settings for the daemon on `port` (see [`lab_of`]).
fn lab_settings(port: u16) -> Settings {
    let open = port == 2526;
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
    if lab_of(port) == 2 {
        s.auth_mechanisms = vec!["PLAIN".into(), "LOGIN".into()];
        s.auth_required = port == 2529;
    }
    s.auth_param_always = true;
    s
}

/// What an AUTH exchange waits for.
enum Pending {
    Nothing,
    PlainResponse,
    LoginUser,
    LoginPassword(Vec<u8>),
}

/// A `smtp::server::Policy` over the rules.
struct RulesPolicy<'a> {
    rules: &'a Rules,
    hosts: &'a Hosts,
    talk: Option<Conversation>,
    next_id: u32,
    auth: Pending,
}

struct MemSink;

impl BodySink for MemSink {
    fn header(&mut self, _line: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn body(&mut self, _chunk: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
}

fn reply(status: &DeliveryStatus) -> Reply {
    Reply::from(status)
}

fn lines(statuses: &[DeliveryStatus]) -> Reply {
    let first = &statuses[0];
    let texts = statuses.iter().map(|s| s.text.clone()).collect();
    Reply::lines(first.code, first.enhanced.map(|e| e.to_string()).as_deref(), texts)
}

fn decision(v: Verdict) -> Decision {
    match v {
        Verdict::Accept => Decision::Accept,
        Verdict::AcceptAs(shown) => Decision::AcceptAs(shown),
        Verdict::Reject(status) => Decision::Reject(reply(&status)),
    }
}

impl RulesPolicy<'_> {
    fn talk(&mut self) -> &mut Conversation {
        self.talk.get_or_insert_with(|| Conversation::new(Client::local()))
    }

    /// record-auth's sasldb2 knows alice, password secret1.
    fn check(&mut self, mechanism: &str, user: &[u8], password: &[u8]) -> AuthStep {
        if (user, password) != (b"alice".as_slice(), b"secret1".as_slice()) {
            return AuthStep::Failure;
        }
        self.talk().authenticated(mechanism);
        AuthStep::Success("alice".into())
    }

    fn plain(&mut self, response: &[u8]) -> AuthStep {
        match response.split(|&b| b == 0).collect::<Vec<_>>().as_slice() {
            [_, user, password] => self.check("PLAIN", user, password),
            _ => AuthStep::Failure,
        }
    }
}

impl Policy for RulesPolicy<'_> {
    type Sink = MemSink;

    fn connect(&mut self, client: &ClientInfo) -> Connect {
        let c = client.addr.map_or_else(Client::local, |ip| Client::from_hosts(ip, self.hosts));
        let mut talk = Conversation::new(c);
        let verdict = talk.connect(self.rules);
        self.talk = Some(talk);
        match verdict {
            ConnectVerdict::Accept => Connect::Accept,
            ConnectVerdict::RejectCommands(s) => Connect::RejectCommands(reply(&s)),
            ConnectVerdict::Refuse(s) => Connect::Refuse(reply(&s)),
        }
    }

    fn mail_from(&mut self, sender: &Sender, _e: &Envelope) -> Decision {
        let (rules, hosts) = (self.rules, self.hosts);
        decision(self.talk().mail(rules, &sender.raw, hosts).expect("files answer every name"))
    }

    fn rcpt_to(&mut self, rcpt: &Recipient, _e: &Envelope) -> Decision {
        let (rules, hosts) = (self.rules, self.hosts);
        decision(self.talk().rcpt(rules, &rcpt.raw, hosts).expect("files answer every name"))
    }

    fn vrfy(&mut self, argument: &str) -> Reply {
        lines(&self.rules.vrfy(argument, self.hosts).expect("files answer every name"))
    }

    fn expn(&mut self, argument: &str) -> Reply {
        lines(&self.rules.expn(argument, self.hosts).expect("files answer every name"))
    }

    fn etrn(&mut self, node: &str) -> Reply {
        reply(&self.rules.etrn(node).started())
    }

    fn enough_space(&mut self, size: u64) -> bool {
        size < 100_000_000_000
    }

    fn auth_start(&mut self, mechanism: &str, initial: Option<&[u8]>) -> AuthStep {
        self.auth = Pending::Nothing;
        match (mechanism, initial) {
            ("PLAIN", None) => {
                self.auth = Pending::PlainResponse;
                AuthStep::Challenge(Vec::new())
            }
            ("PLAIN", Some(response)) => self.plain(response),
            ("LOGIN", None | Some(b"")) => {
                self.auth = Pending::LoginUser;
                AuthStep::Challenge(b"Username:".to_vec())
            }
            ("LOGIN", Some(user)) => {
                self.auth = Pending::LoginPassword(user.to_vec());
                AuthStep::Challenge(b"Password:".to_vec())
            }
            (_, Some(_)) => AuthStep::Failure,
            ("CRAM-MD5", None) => AuthStep::Challenge(b"<1.1@mail.lab.example>".to_vec()),
            _ => AuthStep::Challenge(b"nonce=\"x\",realm=\"mail.lab.example\"".to_vec()),
        }
    }

    fn auth_continue(&mut self, response: &[u8]) -> AuthStep {
        match std::mem::replace(&mut self.auth, Pending::Nothing) {
            Pending::PlainResponse => self.plain(response),
            Pending::LoginUser => {
                self.auth = Pending::LoginPassword(response.to_vec());
                AuthStep::Challenge(b"Password:".to_vec())
            }
            Pending::LoginPassword(user) => self.check("LOGIN", &user, response),
            Pending::Nothing => AuthStep::Failure,
        }
    }

    fn data(&mut self, _e: &Envelope) -> Result<MemSink, Reply> {
        Ok(MemSink)
    }

    fn commit(&mut self, _e: &Envelope, _sink: MemSink) -> Result<String, CommitError> {
        self.next_id += 1;
        self.talk().reset();
        Ok(format!("6AONaqTD{:06}", self.next_id))
    }
}

/// The client as the lab's sendmail named it (from its hosts file).
fn client_info(source: &str, hosts: &Hosts) -> ClientInfo {
    let addr: IpAddr = source.parse().expect("client address");
    ClientInfo::network(addr, hosts.name_of(addr).as_deref())
}

/// Reply lines and total delay of a batch of actions; `lab` is the lab's folder,
/// shown as the recording lab's `/tmp/smlab` (it is in alias values EXPN shows).
fn render(actions: &[Action], lab: &str) -> (Vec<String>, u64) {
    let mut bytes = Vec::new();
    let mut delay = 0;
    for action in actions {
        match action {
            Action::Send(b) => bytes.extend_from_slice(b),
            Action::Sleep(d) => delay += d.as_secs(),
            _ => {}
        }
    }
    let text = String::from_utf8_lossy(&bytes).replace(lab, "/tmp/smlab");
    (text.split_terminator("\r\n").map(mask).collect(), delay)
}

/// Replays one recorded session; the differences, if any.
fn replay(rec: &Session, labs: &[lab::Lab; 3]) -> Vec<String> {
    let lab = &labs[lab_of(rec.port)];
    let policy = RulesPolicy {
        rules: &lab.rules,
        hosts: &lab.hosts,
        talk: None,
        next_id: 0,
        auth: Pending::Nothing,
    };
    let client = client_info(&rec.source, &lab.hosts);
    let mut session = PolicySession::new(lab_settings(rec.port), client, policy);
    let dir = lab.dir.path().to_str().unwrap();
    let (mut got, mut delay) = render(&session.start(), dir);
    let (mut want, mut timing, mut diffs) = (Vec::new(), None, Vec::new());
    let mut last_input = String::from("(greeting)");
    let mut check =
        |got: &[String], want: &[String], delay: u64, timing: Option<f64>, input: &str| {
            let want: Vec<String> = want.iter().map(|w| mask(w)).collect();
            if got != want.as_slice() {
                diffs.push(format!("after {input:?}:\n  want {want:?}\n  got  {got:?}"));
            }
            // The recording lab's 60 s wait for its own host name is not sendmail's policy.
            if let Some(t) = timing.filter(|t| *t < 59.0) {
                if (t.round() as u64) != delay {
                    diffs.push(format!("after {input:?}: delay want {t}s got {delay}s"));
                }
            }
        };
    for step in &rec.steps {
        match step {
            Step::Server(line) => want.push(line.clone()),
            Step::Timing(t) => timing = Some(*t),
            Step::Client(bytes) => {
                check(&got, &want, delay, timing.take(), &last_input);
                want.clear();
                (got, delay) = render(&session.feed(bytes, false), dir);
                last_input = String::from_utf8_lossy(bytes).chars().take(60).collect();
            }
        }
    }
    check(&got, &want, delay, timing, &last_input);
    diffs
}

/// The `*.transcript` files of `dir`, sorted.
fn transcripts(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "transcript"))
        .collect();
    names.sort();
    names
}

#[test]
fn every_reference_transcript_through_the_rules() {
    let dir = testkit::paths::reference().join("smtp");
    let names = transcripts(&dir);
    assert_eq!(names.len(), 50, "the reference transcripts in {}", dir.display());
    let labs =
        [lab::lab(false, "hosts"), lab::lab(true, "hosts"), lab::lab_with(false, "hosts", AUTH_MC)];
    replay_all(&names, &labs);
}

#[test]
fn the_oracle_labs_answers_to_address_variants() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rules");
    let names = transcripts(&dir);
    assert_eq!(names.len(), 8, "the recordings in {}", dir.display());
    let labs = [
        lab::lab(false, "hosts-today"),
        lab::lab(true, "hosts-today"),
        lab::lab_with(false, "hosts-today", AUTH_MC),
    ];
    replay_all(&names, &labs);
}

/// Replays every transcript of `names`; fails naming those that differ.
fn replay_all(names: &[std::path::PathBuf], labs: &[lab::Lab; 3]) {
    let mut failed = Vec::new();
    for path in names {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let diffs: Vec<String> = parse(&text).iter().flat_map(|s| replay(s, labs)).collect();
        if !diffs.is_empty() {
            eprintln!("== {name}\n{}", diffs.join("\n"));
            failed.push(name);
        }
    }
    eprintln!("{} of {} transcripts match", names.len() - failed.len(), names.len());
    assert!(failed.is_empty(), "transcripts that differ: {failed:?}");
}
