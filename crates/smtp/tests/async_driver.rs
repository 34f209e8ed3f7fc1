//! The tokio driver (feature `tokio`) over in-memory duplex streams, with a policy
//! whose answers take time: the session waits for them without holding a thread,
//! pipelined input waits in order, and the read timeouts end idle sessions.
#![cfg(feature = "tokio")]

mod common;

use common::{lab_client, lab_settings, LabPolicy, MemSink};
use smtp::server::{
    serve_async, Answer, AsyncPolicy, BodySink, Event, MessagePart, Policy, Question, Served,
    Session,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// The lab policy behind an asynchronous interface: the commit takes `commit_delay`
/// (standing in for fsyncs run off the runtime's threads).
struct SlowPolicy {
    lab: LabPolicy,
    sink: Option<MemSink>,
    commit_delay: Duration,
    events: Arc<Mutex<Vec<Event>>>,
}

impl SlowPolicy {
    fn new(commit_delay: Duration) -> SlowPolicy {
        let events = Arc::new(Mutex::new(Vec::new()));
        SlowPolicy { lab: LabPolicy::default(), sink: None, commit_delay, events }
    }

    fn answer_now(&mut self, question: Question) -> Answer {
        let lab = &mut self.lab;
        match question {
            Question::Connect(client) => Answer::Connect(lab.connect(&client)),
            Question::Greet => Answer::Connect(lab.greet()),
            Question::Helo(name) => Answer::Helo(lab.helo(&name)),
            Question::Unknown(line) => Answer::Unknown(lab.unknown(&line)),
            Question::Space { size } => Answer::Space(lab.enough_space(size)),
            Question::Mail { sender, envelope } => {
                Answer::Decision(lab.mail_from(&sender, &envelope))
            }
            Question::Rcpt { recipient, envelope } => {
                Answer::Decision(lab.rcpt_to(&recipient, &envelope))
            }
            Question::Vrfy(a) => Answer::Reply(lab.vrfy(&a)),
            Question::Expn(a) => Answer::Reply(lab.expn(&a)),
            Question::Etrn(a) => Answer::Reply(lab.etrn(&a)),
            Question::AuthStart { mechanism, initial } => {
                Answer::Auth(lab.auth_start(&mechanism, initial.as_deref()))
            }
            Question::AuthContinue(r) => Answer::Auth(lab.auth_continue(&r)),
            Question::Data(envelope) => {
                Answer::Data(lab.data(&envelope).map(|sink| self.sink = Some(sink)))
            }
            Question::Commit(envelope) => {
                let sink = self.sink.take().expect("a store opened by Data");
                Answer::Commit(lab.commit(&envelope, sink))
            }
        }
    }
}

impl AsyncPolicy for SlowPolicy {
    async fn answer(&mut self, question: Question) -> Answer {
        if matches!(question, Question::Commit(_)) {
            tokio::time::sleep(self.commit_delay).await;
        }
        self.answer_now(question)
    }

    async fn message(&mut self, part: MessagePart) {
        let sink = self.sink.as_mut().expect("text only after Data");
        match part {
            MessagePart::Header(line) => sink.header(&line).unwrap(),
            MessagePart::Body(chunk) => sink.body(&chunk).unwrap(),
            MessagePart::Abort => self.sink = None,
        }
    }

    fn event(&mut self, event: Event) {
        self.events.lock().unwrap().push(event);
    }
}

/// Runs one server session on `server`; gives back the policy when it ends.
fn serve(server: DuplexStream, mut policy: SlowPolicy) -> tokio::task::JoinHandle<SlowPolicy> {
    tokio::spawn(async move {
        let (read, write) = tokio::io::split(server);
        let mut session = Session::new(lab_settings(false), lab_client("127.0.0.1"));
        let served = serve_async(&mut session, &mut policy, read, write).await.unwrap();
        assert_eq!(served, Served::Closed);
        policy
    })
}

/// Says EHLO and waits for its reply (sendmail refuses a client that talks before
/// it), then sends `input` at once (pipelined) and reads everything until the
/// server closes.
async fn pipelined(client: DuplexStream, input: &str) -> String {
    let (mut read, mut write) = tokio::io::split(client);
    write.write_all(b"EHLO c.example\r\n").await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&out).contains("250 HELP\r\n") {
        let n = read.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the EHLO reply");
        out.extend_from_slice(&buf[..n]);
    }
    write.write_all(input.as_bytes()).await.unwrap();
    read.read_to_end(&mut out).await.unwrap();
    String::from_utf8(out).unwrap()
}

const ONE_MESSAGE: &str = "MAIL FROM:<alice@mail.lab.example>\r\nRCPT TO:<root>\r\nDATA\r\n";
const TEXT_AND_QUIT: &str = "Subject: s\r\n\r\nbody\r\n.\r\nQUIT\r\n";

#[test]
fn a_slow_commit_holds_only_its_own_session() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        // Session A's commit takes 400 ms; session B, started meanwhile on the same
        // single thread, must finish its whole transaction before A's 250.
        let (a_client, a_server) = tokio::io::duplex(64 * 1024);
        let (b_client, b_server) = tokio::io::duplex(64 * 1024);
        let a = serve(a_server, SlowPolicy::new(Duration::from_millis(400)));
        let b = serve(b_server, SlowPolicy::new(Duration::ZERO));
        let started = Instant::now();
        let a_talk = tokio::spawn(async move {
            let replies = pipelined(a_client, &format!("{ONE_MESSAGE}{TEXT_AND_QUIT}")).await;
            (Instant::now(), replies)
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let b_replies = pipelined(b_client, &format!("{ONE_MESSAGE}{TEXT_AND_QUIT}")).await;
        let b_done = Instant::now();
        let (a_done, a_replies) = a_talk.await.unwrap();
        assert!(b_replies.contains(" Message accepted for delivery\r\n"), "{b_replies}");
        assert!(a_replies.contains(" Message accepted for delivery\r\n"), "{a_replies}");
        assert!(b_done < a_done, "B finished after A: B waited for A's commit");
        assert!(a_done - started >= Duration::from_millis(400));
        assert_eq!(a.await.unwrap().lab.stored.messages.len(), 1);
        assert_eq!(b.await.unwrap().lab.stored.messages.len(), 1);
    });
}

#[test]
fn pipelined_commands_after_the_dot_wait_for_the_commit() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let server = serve(server, SlowPolicy::new(Duration::from_millis(100)));
        let input = format!("{ONE_MESSAGE}Subject: s\r\n\r\nbody\r\n.\r\nNOOP\r\nQUIT\r\n");
        let replies = pipelined(client, &input).await;
        let accepted = replies.find(" Message accepted for delivery").expect(&replies);
        let noop = replies.find("250 2.0.0 OK\r\n").expect(&replies);
        assert!(accepted < noop, "{replies}");
        assert!(replies.ends_with("221 2.0.0 mail.lab.example closing connection\r\n"));
        let policy = server.await.unwrap();
        let (envelope, text) = &policy.lab.stored.messages[0];
        assert_eq!(text, b"Subject: s\nbody\n");
        assert_eq!(envelope.recipients[0].address, "root");
    });
}

/// A runtime whose clock jumps ahead whenever every task is waiting.
fn paused_runtime() -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_current_thread();
    builder.enable_time().start_paused(true).build().unwrap()
}

#[test]
fn an_idle_client_is_dropped_after_the_command_timeout() {
    let rt = paused_runtime();
    rt.block_on(async {
        let (client, server) = tokio::io::duplex(4096);
        let policy = SlowPolicy::new(Duration::ZERO);
        let events = policy.events.clone();
        let server = serve(server, policy);
        let (mut read, _write) = tokio::io::split(client);
        let mut out = Vec::new();
        read.read_to_end(&mut out).await.unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(out.starts_with("220 "), "{out}");
        assert!(
            out.ends_with(
                "421 4.4.1 mail.lab.example Lost input channel from localhost [127.0.0.1]\r\n"
            ),
            "{out}"
        );
        server.await.unwrap();
        let events = events.lock().unwrap();
        assert!(events.contains(&Event::Timeout { during: "server cmd read" }), "{events:?}");
    });
}

#[test]
fn a_stalled_message_gets_the_collect_timeout_and_is_dropped() {
    let rt = paused_runtime();
    rt.block_on(async {
        let (client, server) = tokio::io::duplex(64 * 1024);
        let server = serve(server, SlowPolicy::new(Duration::ZERO));
        let out = pipelined(client, &format!("{ONE_MESSAGE}Subject: half\r\n")).await;
        assert!(
            out.ends_with(
                "451 4.4.1 collect: read timeout on connection from localhost [127.0.0.1], \
                 from=<alice@mail.lab.example>\r\n"
            ),
            "{out}"
        );
        let policy = server.await.unwrap();
        assert!(policy.lab.stored.messages.is_empty());
        assert!(policy.sink.is_none(), "the message in progress was dropped");
    });
}
