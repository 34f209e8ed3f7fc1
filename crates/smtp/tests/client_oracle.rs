//! The client against the real sendmail 8.17.1.9 (the oracle), scenario by scenario:
//! the same scripted server answers a queue run of the real sendmail (`sendmail -q
//! -v` with the lab's configuration, its `relay` mailer pointed at the server) and a
//! delivery by our client. Both must say the same: the `-v` dialogue line for line
//! (from `Connecting to` on; `SIZE=` masked, the messages differ in their headers),
//! and the qf `M` lines sendmail keeps (the envelope's and each recipient's).
//!
//! Skipped, with a message, when the oracle is not set up or not root.

mod scripted;

use scripted::client::{client, deliver, settings, target};
use scripted::{lines, reply, Do, Script, Server};
use smtp::client::{Class, Credentials, Envelope, Recipient, Settings, Target};
use std::path::Path;
use testkit::oracle::{skip, Oracle};

const SENDER: &str = "sender@example.org";
const MESSAGE: &str =
    "From: sender@example.org\nTo: rcpt@sink.example\nSubject: oracle\n\nbody line\n.dot line\n";
const TIMEOUTS: [&str; 11] = [
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
struct Case {
    name: &'static str,
    script: Script,
    rcpts: &'static [&'static str],
    /// `-O` options for sendmail.
    options: Vec<String>,
    /// The same for our client.
    tune: fn(&mut Settings),
    /// authinfo for 127.0.0.1, if any.
    authinfo: Option<&'static str>,
    /// The relay mailer with the `esmtp` mailer's flags (`F=mDFMuXa`, `L=990`:
    /// no `8`), and the message text received compared too.
    esmtp: Option<Text>,
}

/// A message whose text both sides send: headers, body, what we know of it.
#[derive(Clone, Copy)]
struct Text {
    headers: &'static str,
    body: &'static str,
    mime: bool,
    eight_bit: bool,
}

impl Case {
    fn new(name: &'static str, script: Script, rcpts: &'static [&'static str]) -> Case {
        Case { name, script, rcpts, options: Vec::new(), tune: |_| {}, authinfo: None, esmtp: None }
    }
}

/// What one side said.
#[derive(Debug, PartialEq, Eq)]
struct Said {
    dialogue: Vec<String>,
    /// The message text after its header block, as received.
    body: Vec<String>,
    envelope_message: Option<String>,
    recipient_messages: Vec<String>,
}

fn oracle() -> Option<Oracle> {
    let oracle = Oracle::locate();
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    (oracle.available(&[oracle.sendmail(), oracle.sendmail_cf(), oracle.makemap()]) && root)
        .then_some(oracle)
}

/// The lab's sendmail.cf with the relay mailer on `port` and, for AUTH, an access
/// map of our own holding `authinfo`.
fn config(
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
fn theirs(oracle: &Oracle, case: &Case, server: &Server) -> Said {
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
    let (envelope_message, recipient_messages) = match qf {
        Some(qf) => m_lines(&qf),
        None => (None, Vec::new()),
    };
    Said { dialogue, body: body_of(server), envelope_message, recipient_messages }
}

/// The message text the server received after its header block.
fn body_of(server: &Server) -> Vec<String> {
    server.data().into_iter().skip_while(|l| !l.is_empty()).skip(1).collect()
}

/// The envelope's `M` line (before the first `R`/`C` line) and each recipient's.
fn m_lines(qf: &str) -> (Option<String>, Vec<String>) {
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
fn mask(line: &str) -> String {
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
async fn ours(case: &Case, server: &Server) -> Said {
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
            scripted::client::Delivery { outcome, events, lines: Vec::new() }
        }
        None => deliver(&mut c, &[t], &env, MESSAGE.as_bytes()).await,
    };
    let mut dialogue = scripted::client::verbose_as(&env, &d.events, "relay");
    let closing = {
        let mut events = Vec::new();
        let mut record = |e: &smtp::client::Event| events.push(e.clone());
        c.close(&mut record).await;
        scripted::client::verbose_as(&env, &events, "relay")
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

async fn compare(case: Case) {
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

fn split_close(lines: &[String]) -> (&[String], &[String]) {
    match lines.iter().position(|l| l.starts_with("Closing connection to ")) {
        Some(at) => lines.split_at(at),
        None => (lines, &[]),
    }
}

fn no_pipelining() -> Do {
    lines(&[
        "250-sink.test.example",
        "250-8BITMIME",
        "250-SIZE 10000000",
        "250-DSN",
        "250 ENHANCEDSTATUSCODES",
    ])
}

fn starttls() -> Do {
    lines(&["250-sink.test.example", "250-PIPELINING", "250 STARTTLS"])
}

fn auth() -> Do {
    lines(&["250-sink.test.example", "250-PIPELINING", "250 AUTH LOGIN PLAIN"])
}

macro_rules! oracle_case {
    ($name:ident, $case:expr) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            compare($case).await;
        }
    };
}

const MIXED: &[&str] = &["reject@sink.example", "tempfail@sink.example", "ok@sink.example"];
const ONE: &[&str] = &["rcpt@sink.example"];

fn mixed_script() -> Script {
    Script::new().on_arg("RCPT", "tempfail", reply("451 4.2.0 busy")).on_arg(
        "RCPT",
        "reject",
        reply("550 5.1.1 nope"),
    )
}

oracle_case!(per_recipient_replies, Case::new("mixed", mixed_script(), MIXED));
oracle_case!(
    per_recipient_replies_without_pipelining,
    Case::new("mixed-nopipe", mixed_script().on("EHLO", no_pipelining()), MIXED)
);
oracle_case!(
    all_recipients_refused,
    Case::new(
        "all-550",
        Script::new()
            .on("RCPT", reply("550 5.1.1 nope"))
            .on("DATA", reply("503 5.5.1 No valid recipients")),
        ONE
    )
);
oracle_case!(
    greeting_421,
    Case::new("greeting-421", Script::new().on("CONNECT", reply("421 4.3.2 go away")), ONE)
);
oracle_case!(
    greeting_450,
    Case::new("greeting-450", Script::new().on("CONNECT", reply("450 busy")), ONE)
);
oracle_case!(
    greeting_554,
    Case::new("greeting-554", Script::new().on("CONNECT", reply("554 5.7.1 no thanks")), ONE)
);
oracle_case!(
    greeting_garbage,
    Case::new(
        "greeting-garbage",
        Script::new().on("CONNECT", lines(&["hello", "220 sink ESMTP"])),
        ONE
    )
);
oracle_case!(
    ehlo_refused_helo,
    Case::new("ehlo-500", Script::new().on("EHLO", reply("500 what")), ONE)
);
oracle_case!(
    ehlo_451,
    Case::new("ehlo-451", Script::new().on("EHLO", reply("451 4.3.0 later")), ONE)
);
oracle_case!(
    mail_451,
    Case::new("mail-451", Script::new().on("MAIL", reply("451 4.3.0 mail later")), ONE)
);
oracle_case!(
    mail_550,
    Case::new("mail-550", Script::new().on("MAIL", reply("550 5.7.1 sender refused")), ONE)
);
oracle_case!(
    rcpt_421,
    Case::new("rcpt-421", Script::new().on("RCPT", reply("421 4.3.2 shutting down")), ONE)
);
oracle_case!(
    data_451,
    Case::new("data-451", Script::new().on("DATA", reply("451 4.3.0 data later")), ONE)
);
oracle_case!(
    data_554,
    Case::new("data-554", Script::new().on("DATA", reply("554 5.0.0 no data")), ONE)
);
oracle_case!(
    final_451,
    Case::new("eom-451", Script::new().on("EOM", reply("451 4.3.0 eom later")), ONE)
);
oracle_case!(
    final_554,
    Case::new("eom-554", Script::new().on("EOM", reply("554 5.7.1 spam")), ONE)
);
oracle_case!(
    dropped_at_greeting,
    Case::new("drop-connect", Script::new().on("CONNECT", Do::Drop), ONE)
);
oracle_case!(dropped_at_ehlo, Case::new("drop-ehlo", Script::new().on("EHLO", Do::Drop), ONE));
oracle_case!(dropped_at_mail, Case::new("drop-mail", Script::new().on("MAIL", Do::Drop), ONE));
oracle_case!(dropped_at_rcpt, Case::new("drop-rcpt", Script::new().on("RCPT", Do::Drop), ONE));
oracle_case!(dropped_at_data, Case::new("drop-data", Script::new().on("DATA", Do::Drop), ONE));
oracle_case!(dropped_at_final, Case::new("drop-eom", Script::new().on("EOM", Do::Drop), ONE));
oracle_case!(
    stalled_at_greeting,
    Case::new("stall-connect", Script::new().on("CONNECT", Do::Stall), ONE)
);
oracle_case!(stalled_at_ehlo, Case::new("stall-ehlo", Script::new().on("EHLO", Do::Stall), ONE));
oracle_case!(stalled_at_mail, Case::new("stall-mail", Script::new().on("MAIL", Do::Stall), ONE));
oracle_case!(stalled_at_data, Case::new("stall-data", Script::new().on("DATA", Do::Stall), ONE));
oracle_case!(stalled_at_rcpt, Case::new("stall-rcpt", Script::new().on("RCPT", Do::Stall), ONE));
oracle_case!(stalled_at_final, Case::new("stall-eom", Script::new().on("EOM", Do::Stall), ONE));
oracle_case!(
    starttls_refused,
    Case::new(
        "starttls-454",
        Script::new().on("EHLO", starttls()).on("STARTTLS", reply("454 4.7.0 TLS not available")),
        ONE
    )
);
oracle_case!(
    tls_handshake_fails,
    Case::new(
        "tls-garbage",
        Script::new().on("EHLO", starttls()).on("STARTTLS", Do::TlsGarbage),
        ONE
    )
);
oracle_case!(
    tls_handshake_fails_then_plaintext,
    Case {
        options: vec!["-OTLSFallbacktoClear=true".into()],
        tune: |s| s.tls_fallback_to_clear = true,
        ..Case::new(
            "tls-fallback",
            Script::new().on("EHLO", starttls()).on("STARTTLS", Do::TlsGarbage),
            ONE
        )
    }
);
oracle_case!(
    starttls_handshake,
    Case::new(
        "tls-ok",
        Script::new().with_tls().on("EHLO", starttls()).on_arg("STARTTLS", "", Do::StartTls),
        ONE
    )
);
const AUTHINFO: &str = r#""U:myuser" "P:secret" "M:PLAIN""#;
oracle_case!(
    auth_plain,
    Case {
        options: vec!["-OAuthMechanisms=PLAIN LOGIN".into()],
        authinfo: Some(AUTHINFO),
        ..Case::new(
            "auth-235",
            Script::new().on("EHLO", auth()).on("AUTH", reply("235 2.7.0 ok")),
            ONE
        )
    }
);
oracle_case!(
    auth_refused,
    Case {
        options: vec!["-OAuthMechanisms=PLAIN LOGIN".into()],
        authinfo: Some(r#""U:myuser" "P:secret" "M:PLAIN LOGIN""#),
        ..Case::new(
            "auth-535",
            Script::new().on("EHLO", auth()).on("AUTH", reply("535 5.7.8 bad credentials")),
            ONE
        )
    }
);
oracle_case!(
    auth_tempfail,
    Case {
        options: vec!["-OAuthMechanisms=PLAIN LOGIN".into()],
        authinfo: Some(AUTHINFO),
        ..Case::new(
            "auth-454",
            Script::new().on("EHLO", auth()).on("AUTH", reply("454 4.7.0 try later")),
            ONE
        )
    }
);

/// Lines of 5000 and 2047+ characters (cut at `L=990` and read in 2047-byte pieces),
/// dots at line starts, no newline at the end.
fn long_lines() -> Text {
    let body = format!(
        "first\n.leading dot\n..\n.\n{}\n{}.{}\nno newline at the end",
        "a".repeat(5000),
        "b".repeat(2046),
        "c".repeat(100)
    );
    Text {
        headers: "From: sender@example.org\nSubject: long lines",
        body: Box::leak(body.into_boxed_str()),
        mime: false,
        eight_bit: false,
    }
}

oracle_case!(
    long_lines_and_dots,
    Case { esmtp: Some(long_lines()), ..Case::new("long-lines", Script::new(), ONE) }
);

const QP_BODY: Text = Text {
    headers: "From: sender@example.org\nSubject: qp\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit",
    body: "Gr\u{fc}\u{df}e aus K\u{f6}ln, a line of mostly ASCII text that is long enough to need a soft line break\ntrailing space \n.\nend\n",
    mime: true,
    eight_bit: true,
};

const BASE64_BODY: Text = Text {
    headers: "From: sender@example.org\nSubject: b64\nMIME-Version: 1.0",
    body: "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\nlast\n",
    mime: true,
    eight_bit: true,
};

const RAW_8BIT: Text = Text {
    headers: "From: sender@example.org\nSubject: raw",
    body: "Gr\u{fc}\u{df}e\n",
    mime: false,
    eight_bit: true,
};

fn no_8bitmime() -> Script {
    Script::new().on("EHLO", lines(&["250-sink.test.example", "250-PIPELINING", "250 SIZE 100000"]))
}

oracle_case!(
    eight_bit_mime_to_quoted_printable,
    Case { esmtp: Some(QP_BODY), ..Case::new("8to7-qp", no_8bitmime(), ONE) }
);
oracle_case!(
    eight_bit_mime_to_base64,
    Case { esmtp: Some(BASE64_BODY), ..Case::new("8to7-base64", no_8bitmime(), ONE) }
);
oracle_case!(
    eight_bit_plain_passes,
    Case { esmtp: Some(RAW_8BIT), ..Case::new("8bit-pass", no_8bitmime(), ONE) }
);

#[test]
fn masks_and_m_lines() {
    assert_eq!(
        mask(">>> MAIL From:<a@b> SIZE=339 BODY=8BITMIME"),
        ">>> MAIL From:<a@b> SIZE=n BODY=8BITMIME"
    );
    let qf = "V8\nMUser unknown\nFbs\nMDeferred: 451 x\nRPFD:a@b\n";
    assert_eq!(m_lines(qf), (Some("User unknown".into()), vec!["Deferred: 451 x".into()]));
}
