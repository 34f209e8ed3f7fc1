//! The two sides of the differential tests (`client_oracle.rs`): the real sendmail
//! queue-running a message to the scripted server, and our client delivering the
//! same message to an identical server; what each said, and their comparison.

use crate::scripted::client::{client, deliver, settings, target};
use crate::scripted::{Script, Server};
use smtp::client::{Class, Credentials, Envelope, Recipient, Settings, Target};
use std::path::Path;
use testkit::oracle::{skip, Oracle};

pub const SENDER: &str = "sender@example.org";
pub const MESSAGE: &str =
    "From: sender@example.org\nTo: rcpt@sink.example\nSubject: oracle\n\nbody line\n.dot line\n";
pub const TIMEOUTS: [&str; 11] = [
    "initial",
    "helo",
    "mail",
    "rcpt",
    "datainit",
    "datafinal",
    "quit",
    "rset",
    "misc",
    "datablock",
    "starttls",
];

/// One scenario: the server's script, the recipients, and options for both sides.
pub struct Case {
    pub name: &'static str,
    pub script: Script,
    pub rcpts: &'static [&'static str],
    /// `-O` options for sendmail.
    pub options: Vec<String>,
    /// The same for our client.
    pub tune: fn(&mut Settings),
    /// authinfo for 127.0.0.1, if any.
    pub authinfo: Option<&'static str>,
    /// The relay mailer with the `esmtp` mailer's flags (`F=mDFMuXa`, `L=990`:
    /// no `8`), and the message text received compared too.
    pub esmtp: Option<Text>,
}

/// A message whose text both sides send: headers, body, what we know of it.
#[derive(Clone, Copy)]
pub struct Text {
    pub headers: &'static str,
    pub body: &'static str,
    pub mime: bool,
    pub eight_bit: bool,
}

impl Case {
    /// A case with sendmail's defaults on both sides.
    pub fn new(name: &'static str, script: Script, rcpts: &'static [&'static str]) -> Case {
        Case { name, script, rcpts, options: Vec::new(), tune: |_| {}, authinfo: None, esmtp: None }
    }
}

/// What one side said.
#[derive(Debug, PartialEq, Eq)]
pub struct Said {
    dialogue: Vec<String>,
    /// The message text after its header block, as received.
    body: Vec<String>,
    envelope_message: Option<String>,
    recipient_messages: Vec<String>,
}

pub fn oracle() -> Option<Oracle> {
    let oracle = Oracle::locate();
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    (oracle.available(&[oracle.sendmail(), oracle.sendmail_cf(), oracle.makemap()]) && root)
        .then_some(oracle)
}

/// The lab's sendmail.cf with the relay mailer on `port` and, for AUTH, an access
/// map of our own holding `authinfo`.
pub fn config(
    oracle: &Oracle,
    dir: &Path,
    port: u16,
    authinfo: Option<&str>,
    esmtp: bool,
) -> std::path::PathBuf {
    let cf = std::fs::read_to_string(oracle.sendmail_cf()).unwrap();
    let from = "A=TCP $h 2527";
    assert!(cf.contains(from), "the lab's relay mailer changed");
    let mut cf = cf.replace(from, &format!("A=TCP $h {port}"));
    if esmtp {
        let relay = "F=mDFMuXa8, S=EnvFromSMTP/HdrFromSMTP, R=MasqSMTP, E=\\r\\n, L=2040";
        assert!(cf.contains(relay), "the lab's relay mailer changed");
        cf = cf.replace(relay, "F=mDFMuXa, S=EnvFromSMTP/HdrFromSMTP, R=MasqSMTP, E=\\r\\n, L=990");
    }
    if let Some(info) = authinfo {
        let access = dir.join("access");
        std::fs::write(&access, format!("AuthInfo:127.0.0.1 {info}\nAuthInfo: {info}\n")).unwrap();
        let lab_access = oracle.lab.join("etc/access").display().to_string();
        assert!(cf.contains(&lab_access));
        cf = cf.replace(&lab_access, &access.display().to_string());
        let cf_path = oracle.sendmail_cf();
        let status = oracle
            .command(&oracle.makemap(), &cf_path)
            .args(["hash", &access.display().to_string()])
            .stdin(std::fs::File::open(&access).unwrap())
            .status()
            .unwrap();
        assert!(status.success(), "makemap");
    }
    let path = dir.join("sendmail.cf");
    std::fs::write(&path, cf).unwrap();
    path
}

/// sendmail's side: queue the message, run the queue verbosely, read the qf left.
pub fn theirs(oracle: &Oracle, case: &Case, server: &Server) -> Said {
    let dir = tempfile::tempdir().unwrap();
    let queue = dir.path().join("mqueue");
    std::fs::create_dir(&queue).unwrap();
    let cf = config(oracle, dir.path(), server.addr.port(), case.authinfo, case.esmtp.is_some());
    let q = format!("-OQueueDirectory={}", queue.display());
    let mut submit = oracle.command(&oracle.sendmail(), &cf);
    // sendmail sends the recipients in the reverse of the command line's order.
    submit.args([&q, "-odq", "-oi", "-f", SENDER]).args(case.rcpts.iter().rev());
    let mut child = submit.stdin(std::process::Stdio::piped()).spawn().unwrap();
    let message = match case.esmtp {
        Some(t) => format!("{}\n{}", t.headers, t.body),
        None => MESSAGE.to_string(),
    };
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), message.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "{}: sendmail -odq", case.name);
    let mut run = oracle.command(&oracle.sendmail(), &cf);
    run.args([&q, "-q", "-v"]);
    for t in TIMEOUTS {
        run.arg(format!("-OTimeout.{t}=2s"));
    }
    run.args(&case.options);
    let out = run.output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let start = text
        .lines()
        .position(|l| l.contains("... Connecting to "))
        .unwrap_or_else(|| panic!("{}: {text}", case.name));
    let dialogue = text.lines().skip(start).map(mask).collect();
    if std::env::var_os("ORACLE_DEBUG").is_some() {
        let names: Vec<_> =
            std::fs::read_dir(&queue).unwrap().map(|e| e.unwrap().file_name()).collect();
        eprintln!("{}: queue {:?}: {names:?}\n{text}", case.name, queue);
    }
    let qf = std::fs::read_dir(&queue)
        .unwrap()
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().starts_with("qf"))
        .map(|e| String::from_utf8_lossy(&std::fs::read(e.path()).unwrap()).into_owned());
    // The qf lists the recipients in the reverse of their RCPT order.
    let (envelope_message, mut recipient_messages) = match qf {
        Some(qf) => m_lines(&qf),
        None => (None, Vec::new()),
    };
    recipient_messages.reverse();
    Said { dialogue, body: body_of(server), envelope_message, recipient_messages }
}

/// The message text the server received after its header block.
pub fn body_of(server: &Server) -> Vec<String> {
    server.data().into_iter().skip_while(|l| !l.is_empty()).skip(1).collect()
}

/// The envelope's `M` line (before the first `R`/`C` line) and each recipient's.
pub fn m_lines(qf: &str) -> (Option<String>, Vec<String>) {
    let mut envelope = None;
    let mut recipients = Vec::new();
    let mut in_recipients = false;
    for line in qf.lines() {
        if line.starts_with('R') || line.starts_with('C') {
            in_recipients = true;
        }
        if let Some(m) = line.strip_prefix('M') {
            if in_recipients || envelope.is_some() {
                recipients.push(m.to_string());
            } else {
                envelope = Some(m.to_string());
            }
        }
    }
    (envelope, recipients)
}

/// `SIZE=<n>` masked (the two messages differ in their headers), and the port of
/// `Connecting to` (each side has a server of its own).
pub fn mask(line: &str) -> String {
    let line = match (line.find(" port "), line.find(" via ")) {
        (Some(at), Some(via)) if line.contains("Connecting to") && at < via => {
            format!("{} port P{}", &line[..at], &line[via..])
        }
        _ => line.to_string(),
    };
    match line.find(" SIZE=") {
        Some(at) => {
            let end = line[at + 6..].find(' ').map_or(line.len(), |e| at + 6 + e);
            format!("{} SIZE=n{}", &line[..at], &line[end..])
        }
        None => line,
    }
}

/// Our side, with the relay mailer's settings.
pub async fn ours(case: &Case, server: &Server) -> Said {
    let mut s = settings(2);
    s.helo_name = "mail.lab.example".into();
    s.mailer_8bit = true;
    s.line_limit = 2040;
    s.auth_mechanisms = vec!["PLAIN".into(), "LOGIN".into()];
    if case.esmtp.is_some() {
        s.mailer_8bit = false;
        s.line_limit = 990;
    }
    (case.tune)(&mut s);
    let mut c = client(s);
    let env = Envelope {
        id: "QID".into(),
        sender: SENDER.into(),
        recipients: case
            .rcpts
            .iter()
            .map(|r| Recipient {
                address: r.to_string(),
                display: r.to_string(),
                ..Recipient::default()
            })
            .collect(),
        size: 1,
        auth: Some(SENDER.into()),
        ..Envelope::default()
    };
    let credentials = case
        .authinfo
        .map(|v| Credentials::from_authinfo(&spool::authinfo::parse_value(v).unwrap()).unwrap());
    let t = Target { credentials, ..target(server.addr) };
    let d = match case.esmtp {
        Some(text) => {
            let mut env = env.clone();
            env.body.is_mime = text.mime;
            env.body.has_8bit = text.eight_bit;
            let mut body = std::io::Cursor::new(text.body.as_bytes().to_vec());
            let mut events = Vec::new();
            let mut record = |e: &smtp::client::Event| events.push(e.clone());
            let outcome =
                c.deliver(&[t], &env, text.headers.as_bytes(), &mut body, &mut record).await;
            crate::scripted::client::Delivery { outcome, events, lines: Vec::new() }
        }
        None => deliver(&mut c, &[t], &env, MESSAGE.as_bytes()).await,
    };
    let mut dialogue = crate::scripted::client::verbose_as(&env, &d.events, "relay");
    let closing = {
        let mut events = Vec::new();
        let mut record = |e: &smtp::client::Event| events.push(e.clone());
        c.close(&mut record).await;
        crate::scripted::client::verbose_as(&env, &events, "relay")
    };
    dialogue.extend(closing);
    let messages = d.outcome.messages(None);
    let deferred = |i: &usize| d.outcome.recipients[*i].status.class() == Class::Deferred;
    let any_deferred = (0..env.recipients.len()).any(|i| deferred(&i));
    let envelope_message = messages.envelope.filter(|_| any_deferred);
    let recipient_messages = (0..env.recipients.len())
        .filter(deferred)
        .filter_map(|i| messages.recipients[i].clone())
        .collect();
    let dialogue = dialogue.iter().map(|l| mask(l)).collect();
    Said { dialogue, body: body_of(server), envelope_message, recipient_messages }
}

pub async fn compare(case: Case) {
    let Some(oracle) = oracle() else {
        skip("the sendmail oracle is not set up (or not root)");
        return;
    };
    let server = Server::start(case.script.clone());
    let theirs = tokio::task::block_in_place(|| theirs(&oracle, &case, &server));
    let server = Server::start(case.script.clone());
    let ours = ours(&case, &server).await;
    // sendmail goes on after the delivery (bounces, local mail): compare what we say,
    // in order, with the start of what it says; the closing lines at the end.
    let (our_body, our_close) = split_close(&ours.dialogue);
    assert_eq!(
        our_body,
        &theirs.dialogue[..our_body.len().min(theirs.dialogue.len())],
        "{}: the dialogue\nours:   {:#?}\ntheirs: {:#?}",
        case.name,
        ours.dialogue,
        theirs.dialogue
    );
    if !our_close.is_empty() {
        let tail = &theirs.dialogue[theirs.dialogue.len().saturating_sub(our_close.len())..];
        assert_eq!(our_close, tail, "{}: closing\ntheirs: {:#?}", case.name, theirs.dialogue);
    }
    if case.esmtp.is_some() {
        assert_eq!(ours.body, theirs.body, "{}: the message text", case.name);
    }
    assert_eq!(
        (ours.envelope_message, ours.recipient_messages),
        (theirs.envelope_message, theirs.recipient_messages),
        "{}: the qf M lines",
        case.name
    );
}

pub fn split_close(lines: &[String]) -> (&[String], &[String]) {
    match lines.iter().position(|l| l.starts_with("Closing connection to ")) {
        Some(at) => lines.split_at(at),
        None => (lines, &[]),
    }
}
