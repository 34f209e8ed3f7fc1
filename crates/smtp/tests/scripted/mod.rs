//! A scripted SMTP server on 127.0.0.1 for the client's tests.
//!
//! Each connection runs in its own thread and answers by rules: the first rule whose
//! verb matches the command (and whose text, if any, occurs in its argument) says
//! what to do: reply, drop the connection, stall (read and ignore until the client
//! closes), start TLS (a certificate made with rcgen), fail the handshake with
//! garbage. Unmatched commands get the defaults of the oracle's sink (`bin/sink.py`:
//! `250 2.1.0 Ok`, `354 End data with <CR><LF>.<CR><LF>`, ...). Everything is logged
//! as `C:`/`S:` lines, the message text as received (`D:` lines).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What to do with a command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Do {
    /// Send these lines (each gets CRLF).
    Reply(Vec<String>),
    /// Close the connection.
    Drop,
    /// Say nothing more; read until the client closes.
    Stall,
    /// `220 2.0.0 Ready to start TLS`, then the handshake.
    StartTls,
    /// `220 2.0.0 Ready to start TLS`, then garbage instead of a handshake.
    TlsGarbage,
    /// Send these lines, then stop reading (the client's writes back up).
    Deaf(Vec<String>),
}

/// A one-line reply.
pub fn reply(line: &str) -> Do {
    Do::Reply(vec![line.to_string()])
}

/// A multi-line reply.
pub fn lines(lines: &[&str]) -> Do {
    Do::Reply(lines.iter().map(|s| s.to_string()).collect())
}

/// The rules of one server.
#[derive(Clone)]
pub struct Script {
    rules: Vec<(String, Option<String>, Do)>,
    tls_rules: Vec<(String, Option<String>, Do)>,
    tls: Option<Arc<rustls::ServerConfig>>,
    cert_pem: String,
}

impl Default for Script {
    fn default() -> Script {
        Script::new()
    }
}

impl Script {
    /// The sink's behaviour: ESMTP with 8BITMIME, SIZE, DSN, ENHANCEDSTATUSCODES,
    /// PIPELINING; everything accepted.
    pub fn new() -> Script {
        Script { rules: Vec::new(), tls_rules: Vec::new(), tls: None, cert_pem: String::new() }
    }

    /// `verb` (CONNECT for the greeting, EOM for the final dot) answered with `what`.
    pub fn on(mut self, verb: &str, what: Do) -> Script {
        self.rules.push((verb.to_ascii_uppercase(), None, what));
        self
    }

    /// `verb` with `text` in its argument answered with `what` (before other rules
    /// for the verb).
    pub fn on_arg(mut self, verb: &str, text: &str, what: Do) -> Script {
        self.rules.insert(0, (verb.to_ascii_uppercase(), Some(text.to_ascii_lowercase()), what));
        self
    }

    /// `verb` answered with `what` once TLS is up (before the other rules).
    pub fn on_tls(mut self, verb: &str, what: Do) -> Script {
        self.tls_rules.push((verb.to_ascii_uppercase(), None, what));
        self
    }

    /// The server's certificate (PEM), once [`Script::with_tls`] made one.
    pub fn certificate_pem(&self) -> String {
        self.cert_pem.clone()
    }

    /// A fresh self-signed certificate for `mx.test.example`, offered with STARTTLS.
    pub fn with_tls(mut self) -> Script {
        let cert = rcgen::generate_simple_self_signed(vec!["mx.test.example".to_string()]).unwrap();
        let der = rustls::pki_types::CertificateDer::from(cert.cert.der().to_vec());
        let key =
            rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![der], key)
            .unwrap();
        self.tls = Some(Arc::new(config));
        self.cert_pem = cert.cert.pem();
        self
    }

    fn rule(&self, verb: &str, arg: &str) -> Option<Do> {
        let arg = arg.to_ascii_lowercase();
        self.rules
            .iter()
            .find(|(v, text, _)| {
                v == verb && text.as_ref().is_none_or(|t| arg.contains(t.as_str()))
            })
            .map(|(_, _, d)| d.clone())
    }
}

fn default_for(verb: &str) -> Do {
    match verb {
        "CONNECT" => reply("220 sink.test.example ESMTP scripted"),
        "EHLO" => lines(&[
            "250-sink.test.example",
            "250-8BITMIME",
            "250-SIZE 10000000",
            "250-DSN",
            "250-ENHANCEDSTATUSCODES",
            "250 PIPELINING",
        ]),
        "HELO" => reply("250 sink.test.example"),
        "MAIL" => reply("250 2.1.0 Ok"),
        "RCPT" => reply("250 2.1.5 Ok"),
        "DATA" => reply("354 End data with <CR><LF>.<CR><LF>"),
        "EOM" => reply("250 2.0.0 Ok: queued as SINK0001"),
        "RSET" | "NOOP" => reply("250 2.0.0 Ok"),
        "QUIT" => reply("221 2.0.0 Bye"),
        "AUTH" => reply("504 5.5.4 Unrecognized authentication type"),
        _ => reply("502 5.5.2 Command not recognized"),
    }
}

/// A running server.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts a server with `script`.
    pub fn start(script: Script) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let shared = log.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                let (script, log) = (script.clone(), shared.clone());
                std::thread::spawn(move || serve(stream, &script, &log));
            }
        });
        Server { addr, log }
    }

    /// Everything logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The commands received (`C:` lines without the prefix).
    pub fn commands(&self) -> Vec<String> {
        self.log().iter().filter_map(|l| l.strip_prefix("C: ").map(str::to_string)).collect()
    }

    /// The message text received, line by line, as on the wire (dot-stuffed).
    pub fn data(&self) -> Vec<String> {
        self.log().iter().filter_map(|l| l.strip_prefix("D: ").map(str::to_string)).collect()
    }

    /// Waits (up to 30 s) until `n` connections have ended, so that everything the
    /// client sent has been read and logged; false when they did not.
    pub fn wait_ended(&self, n: usize) -> bool {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if self.log().iter().filter(|l| l.as_str() == "--- end").count() >= n {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        false
    }

    /// How many connections were made.
    pub fn connections(&self) -> usize {
        self.log().iter().filter(|l| l.as_str() == "--- connect").count()
    }
}

/// A connection's stream, plain or TLS.
trait Io: Read + Write + Send {}
impl<T: Read + Write + Send> Io for T {}

fn serve(stream: TcpStream, script: &Script, log: &Mutex<Vec<String>>) {
    let note = |s: String| log.lock().unwrap().push(s);
    note("--- connect".to_string());
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut io: Box<dyn Io> = Box::new(stream.try_clone().unwrap());
    let greeting = script.rule("CONNECT", "").unwrap_or_else(|| default_for("CONNECT"));
    if act(&mut io, &stream, greeting, &note) {
        run(io, &stream, script, log);
    }
    note("--- end".to_string());
}

/// Answers commands on `io` until the connection ends.
fn run(io: Box<dyn Io>, tcp: &TcpStream, script: &Script, log: &Mutex<Vec<String>>) {
    let note = |s: String| log.lock().unwrap().push(s);
    let mut reader = BufReader::new(io);
    loop {
        let mut raw = Vec::new();
        if reader.read_until(b'\n', &mut raw).unwrap_or(0) == 0 {
            return;
        }
        let line = String::from_utf8_lossy(raw.strip_suffix(b"\r\n").unwrap_or(&raw)).into_owned();
        note(format!("C: {line}"));
        let verb = line.split([' ', ':']).next().unwrap_or("").to_ascii_uppercase();
        let arg = line.get(verb.len()..).unwrap_or("");
        let what = script.rule(&verb, arg).unwrap_or_else(|| default_for(&verb));
        let go_data = verb == "DATA"
            && matches!(&what, Do::Reply(l) if l.last().is_some_and(|l| l.starts_with("354")));
        match what {
            Do::StartTls => {
                let mut io = reader.into_inner();
                send(&mut io, "220 2.0.0 Ready to start TLS", &note);
                let Some(config) = script.tls.clone() else { return };
                let conn = rustls::ServerConnection::new(config).unwrap();
                let tls = rustls::StreamOwned::new(conn, tcp.try_clone().unwrap());
                note("--- tls".to_string());
                let mut after =
                    script.clone().on_arg("STARTTLS", "", reply("454 4.7.0 TLS already active"));
                let mut rules = std::mem::take(&mut after.tls_rules);
                rules.append(&mut after.rules);
                after.rules = rules;
                return run(Box::new(tls), tcp, &after, log);
            }
            Do::TlsGarbage => {
                let mut io = reader.into_inner();
                send(&mut io, "220 2.0.0 Ready to start TLS", &note);
                let _ = io.write_all(b"this is not TLS\r\nthis is not TLS\r\n");
                note("--- garbage".to_string());
                let mut sink = [0u8; 4096];
                while matches!(io.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
            what => {
                if !act(reader.get_mut(), tcp, what, &note) {
                    return;
                }
            }
        }
        if go_data {
            if !data(&mut reader, &note) {
                return;
            }
            let what = script.rule("EOM", "").unwrap_or_else(|| default_for("EOM"));
            if !act(reader.get_mut(), tcp, what, &note) {
                return;
            }
        }
        if verb == "QUIT" {
            return;
        }
    }
}

/// Reads message text up to the final dot; false when the connection ended.
fn data(reader: &mut BufReader<Box<dyn Io>>, note: &dyn Fn(String)) -> bool {
    loop {
        let mut raw = Vec::new();
        if reader.read_until(b'\n', &mut raw).unwrap_or(0) == 0 {
            return false;
        }
        let line = String::from_utf8_lossy(raw.strip_suffix(b"\r\n").unwrap_or(&raw)).into_owned();
        if line == "." {
            note("D: .".to_string());
            return true;
        }
        note(format!("D: {line}"));
    }
}

fn send(io: &mut Box<dyn Io>, line: &str, note: &dyn Fn(String)) {
    note(format!("S: {line}"));
    let _ = io.write_all(format!("{line}\r\n").as_bytes());
    let _ = io.flush();
}

/// Performs `what`; false when the connection is over.
fn act(io: &mut Box<dyn Io>, tcp: &TcpStream, what: Do, note: &dyn Fn(String)) -> bool {
    match what {
        Do::Reply(lines) => {
            for line in lines {
                send(io, &line, note);
            }
            true
        }
        Do::Drop => {
            note("--- drop".to_string());
            let _ = tcp.shutdown(std::net::Shutdown::Both);
            false
        }
        Do::Stall => {
            note("--- stall".to_string());
            let mut sink = [0u8; 4096];
            while matches!(io.read(&mut sink), Ok(n) if n > 0) {}
            false
        }
        Do::Deaf(lines) => {
            for line in lines {
                send(io, &line, note);
            }
            note("--- deaf".to_string());
            std::thread::sleep(Duration::from_secs(60));
            false
        }
        Do::StartTls | Do::TlsGarbage => false,
    }
}

/// Client-side helpers: settings, envelopes and a delivery with its `-v` lines.
pub mod client {
    use smtp::client::{
        Client, Envelope, Event, Outcome, Recipient, Settings, Target, Timeouts, Verbose,
    };
    use std::io::Cursor;
    use std::net::SocketAddr;
    use std::time::Duration;

    /// What one delivery did.
    pub struct Delivery {
        /// The outcome.
        pub outcome: Outcome,
        /// Every event, in order.
        pub events: Vec<Event>,
        /// The events as `sendmail -v` prints them.
        pub lines: Vec<String>,
    }

    impl Delivery {
        /// The status text of recipient `i`.
        pub fn text(&self, i: usize) -> &str {
            &self.outcome.recipients[i].status.text
        }
    }

    /// Settings for the tests: HELO name `client.test.example`, every timeout `secs`.
    pub fn settings(secs: u64) -> Settings {
        let t = Duration::from_secs(secs);
        let timeouts = Timeouts {
            connect: t,
            initial: t,
            helo: t,
            starttls: t,
            auth: t,
            mail: t,
            rcpt: t,
            datainit: t,
            datablock: t,
            datafinal: t,
            rset: t,
            quit: t,
            misc: t,
            hoststatus: Duration::from_secs(1800),
        };
        Settings { helo_name: "client.test.example".into(), timeouts, ..Settings::default() }
    }

    /// A client with `settings` and no CA roots.
    pub fn client(settings: Settings) -> Client {
        Client::new(settings, rustls::RootCertStore::empty()).unwrap()
    }

    /// The target for a server.
    pub fn target(addr: SocketAddr) -> Target {
        Target::ip(addr.ip(), addr.port())
    }

    /// An envelope from `alice@example.org` to `rcpts`.
    pub fn envelope(rcpts: &[&str]) -> Envelope {
        Envelope {
            id: "QID0001".into(),
            sender: "alice@example.org".into(),
            recipients: rcpts.iter().map(|r| Recipient::new(r)).collect(),
            size: 100,
            ..Envelope::default()
        }
    }

    /// The test message's header block.
    pub const HEADERS: &[u8] = b"From: alice@example.org\nSubject: test\n";

    /// Delivers `body` with `client` (leaving its connections cached).
    pub async fn deliver(
        client: &mut Client,
        targets: &[Target],
        env: &Envelope,
        body: &[u8],
    ) -> Delivery {
        let mut events = Vec::new();
        let mut record = |e: &Event| events.push(e.clone());
        let mut cursor = Cursor::new(body.to_vec());
        let outcome = client.deliver(targets, env, HEADERS, &mut cursor, &mut record).await;
        let lines = verbose(env, &events);
        Delivery { outcome, events, lines }
    }

    /// Closes `client`'s connections; the `-v` lines of that.
    pub async fn close(client: &mut Client, env: &Envelope) -> Vec<String> {
        let mut events = Vec::new();
        let mut record = |e: &Event| events.push(e.clone());
        client.close(&mut record).await;
        verbose(env, &events)
    }

    /// One delivery to `server` with fresh `settings`, then closing: the lines of
    /// both.
    pub async fn once(
        settings: Settings,
        addr: SocketAddr,
        env: &Envelope,
        body: &[u8],
    ) -> Delivery {
        let mut c = client(settings);
        let mut d = deliver(&mut c, &[target(addr)], env, body).await;
        d.lines.extend(close(&mut c, env).await);
        d
    }

    /// `events` as `sendmail -v` prints them for `env` (mailer `esmtp`, port shown).
    pub fn verbose(env: &Envelope, events: &[Event]) -> Vec<String> {
        verbose_as(env, events, "esmtp")
    }

    /// The same for the mailer `mailer`.
    pub fn verbose_as(env: &Envelope, events: &[Event], mailer: &str) -> Vec<String> {
        let v = Verbose {
            mailer: mailer.into(),
            show_port: true,
            recipients: env.recipients.iter().map(|r| r.display.clone()).collect(),
        };
        events.iter().filter_map(|e| v.line(e)).collect()
    }
}
