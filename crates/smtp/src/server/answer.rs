//! # Name
//! answer - the questions a session hands its driver, and how it resumes
//!
//! # Description
//! Where sendmail consults its rulesets, a milter, SASL or its queue, the session
//! emits [`Action::Ask`] with a [`Question`] and stops reading input. The driver
//! works out the [`Answer`] for as long as that takes (DNS, a milter, saslauthd, the
//! commit's fsyncs off the async threads) and gives it to [`Session::answer`], which
//! finishes the command and goes on with the input held meanwhile.
//!
//! ```text
//! question                   answer                 sendmail's counterpart
//! Connect(client)            Connect                check_relay, access Connect:, greet_pause
//! Greet                      Connect                the milters' connect stage
//! Helo(name)                 Helo(Connect)          the milters' HELO stage
//! Unknown(line)              Unknown(Option<Reply>) the milters' unknown-command stage
//! Space { size }             Space(bool)            enoughdiskspace() at MAIL
//! Mail { sender, envelope }  Decision               check_mail
//! Rcpt { recipient, .. }     Decision               check_rcpt
//! Vrfy / Expn / Etrn (arg)   Reply                  the address lookups, a queue run
//! AuthStart / AuthContinue   Auth(AuthStep)         one SASL step
//! Data(envelope)             Data(Ok | Err(reply))  open the df (check_data)
//! Commit(envelope)           Commit(Ok(id) | Err)   fsync df and qf, rename
//! ```
//!
//! Message text is not a question: it goes out as [`Action::Message`] parts (header
//! lines, body chunks of up to 64 KiB, or `Abort` when the message is dropped) in the
//! order received, before the `Commit` question that ends it. A driver that failed to
//! store a part answers `Commit` with [`CommitError::Io`] (or `NoSpace`), so the client
//! gets 451/452, never 250.
//!
//! [`AsyncPolicy`] is the interface of an asynchronous driver's policy (smtpd);
//! [`super::Policy`] is the synchronous one (`submit -bs`, tests).

use super::{
    Action, AuthStep, ClientInfo, CommitError, Connect, Decision, Envelope, Event, Recipient,
    Reply, Sender, Session,
};
use std::future::Future;

/// What the session needs to know before it can go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// A new connection: greet, refuse, or greet and reject every command.
    Connect(ClientInfo),
    /// The client waited out the greeting pause ([`Connect::Pause`]): the checks
    /// sendmail makes after it (the milters' connect stage).
    Greet,
    /// HELO/EHLO with a valid name, before the reply.
    Helo(String),
    /// A command the session does not know (the whole line), before its `500`.
    Unknown(String),
    /// MAIL with `SIZE=size`: is there room in the queue?
    Space {
        /// The announced size (0 when none).
        size: u64,
    },
    /// MAIL FROM after syntax and parameter checks.
    Mail {
        /// The sender with its parameters (boxed: the enum stays as small as its
        /// other variants).
        sender: Box<Sender>,
        /// The transaction it would start (no recipients yet).
        envelope: Envelope,
    },
    /// RCPT TO after syntax and parameter checks.
    Rcpt {
        /// The recipient with its parameters.
        recipient: Recipient,
        /// The transaction with the recipients accepted so far. Shared, not copied:
        /// a copy per RCPT would make a transaction of n recipients cost n squared.
        envelope: std::sync::Arc<Envelope>,
    },
    /// VRFY with an argument, on a server without `novrfy`.
    Vrfy(String),
    /// EXPN with an argument, on a server without `noexpn`.
    Expn(String),
    /// ETRN with a node name.
    Etrn(String),
    /// AUTH with a mechanism the settings offer (upper case) and the decoded initial
    /// response, if any.
    AuthStart {
        /// `PLAIN`, `LOGIN`, ...
        mechanism: String,
        /// The decoded initial response (`=` is an empty one).
        initial: Option<Vec<u8>>,
    },
    /// The client's decoded answer to the last `334` challenge.
    AuthContinue(Vec<u8>),
    /// DATA with at least one recipient: open the message store.
    Data(Envelope),
    /// After the final dot, every part stored: make the message durable.
    Commit(Envelope),
}

/// The driver's answer; its kind must match the question's.
#[derive(Debug)]
pub enum Answer {
    /// To [`Question::Connect`] and [`Question::Greet`].
    Connect(Connect),
    /// To [`Question::Helo`]: reply as usual, reply and refuse every later command,
    /// or send this reply and close.
    Helo(Connect),
    /// To [`Question::Unknown`]: a reply instead of `500 5.5.1 Command unrecognized`.
    Unknown(Option<Reply>),
    /// To [`Question::Space`]: true when there is room.
    Space(bool),
    /// To [`Question::Mail`] and [`Question::Rcpt`].
    Decision(Decision),
    /// To [`Question::Vrfy`], [`Question::Expn`] and [`Question::Etrn`].
    Reply(Reply),
    /// To [`Question::AuthStart`] and [`Question::AuthContinue`].
    Auth(AuthStep),
    /// To [`Question::Data`]: `Ok` gives `354`, `Err` its reply.
    Data(Result<(), Reply>),
    /// To [`Question::Commit`]: the queue ID, or why the message is not queued.
    Commit(Result<String, CommitError>),
}

/// Message text on its way to the store, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessagePart {
    /// One header line without its line end; continuation lines start with SP or HT.
    Header(Vec<u8>),
    /// Body bytes after the header block, lines ending in `\n` (dot-stuffing
    /// removed); a long line may be split across parts.
    Body(Vec<u8>),
    /// The message being received is dropped (too large, bare LF, lost input).
    Abort,
}

/// The policy of an asynchronous driver: every question may take its time.
pub trait AsyncPolicy {
    /// The answer to `question` (see [`Question`] for which kind answers which).
    fn answer(&mut self, question: Question) -> impl Future<Output = Answer> + Send;
    /// Store one part of the message being received (or drop it on `Abort`). A
    /// failure is remembered and reported as the answer to the `Commit` question.
    fn message(&mut self, part: MessagePart) -> impl Future<Output = ()> + Send;
    /// A loggable event.
    fn event(&mut self, event: Event);
}

/// What an outstanding question was asked for: the rest of its command.
#[derive(Debug)]
pub(super) enum Pending {
    Connect,
    /// Not a question: the greeting pause, ended by [`Session::paused`].
    Pause,
    Helo {
        name: String,
        extended: bool,
    },
    Unknown(String),
    Space(Sender),
    Mail(Envelope),
    Rcpt(Recipient, std::sync::Arc<Envelope>),
    Lookup,
    Auth,
    Data,
    Bdat {
        size: u64,
        last: bool,
    },
    Commit,
}

impl Session {
    /// Finish the command that asked, with its answer.
    pub(super) fn resume(&mut self, pending: Pending, answer: Answer) {
        match (pending, answer) {
            (Pending::Connect, Answer::Connect(connect)) => self.connected(connect),
            (Pending::Helo { name, extended }, Answer::Helo(a)) => {
                self.helo_decided(name, extended, a)
            }
            (Pending::Unknown(line), Answer::Unknown(reply)) => self.unknown_decided(&line, reply),
            (Pending::Space(sender), Answer::Space(room)) => self.has_space(sender, room),
            (Pending::Mail(envelope), Answer::Decision(d)) => self.mail_decided(envelope, d),
            (Pending::Rcpt(recipient, tx), Answer::Decision(d)) => {
                self.rcpt_decided(recipient, tx, d)
            }
            (Pending::Lookup, Answer::Reply(reply)) => self.reply(reply),
            (Pending::Auth, Answer::Auth(step)) => self.auth_step(step),
            (Pending::Data, Answer::Data(result)) => self.data_opened(result),
            (Pending::Bdat { size, last }, Answer::Data(result)) => {
                self.bdat_opened(size, last, result)
            }
            (Pending::Commit, Answer::Commit(result)) => self.committed(result),
            (pending, answer) => {
                panic!("answer {answer:?} does not match the question asked for {pending:?}")
            }
        }
    }
}

impl Action {
    /// True for the actions a driver performs on the connection itself (send,
    /// sleep, pause, TLS, close), as opposed to questions, message text and log events.
    pub fn is_io(&self) -> bool {
        matches!(
            self,
            Action::Send(_)
                | Action::Sleep(_)
                | Action::Pause(_)
                | Action::StartTls
                | Action::Close
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, text};
    use super::super::{ClientInfo, Decision, Event, Reply};
    use super::*;

    fn client() -> ClientInfo {
        ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost"))
    }

    /// The question at the end of `actions`, with what was sent before it.
    fn asked(actions: &[Action]) -> (String, Option<&Question>) {
        let question = match actions.last() {
            Some(Action::Ask(q)) => Some(&**q),
            _ => None,
        };
        (text(&actions[..actions.len() - usize::from(question.is_some())]), question)
    }

    #[test]
    fn input_waits_in_order_until_the_answer() {
        let mut s = Session::new(lab(), client());
        let start = s.start();
        let (sent, q) = asked(&start);
        assert_eq!((sent.as_str(), q), ("", Some(&Question::Connect(client()))));
        // Input arriving before the answer is held, not looked at.
        assert!(s.feed(b"NOOP\r\n", false).is_empty());
        assert!(s.is_waiting());
        let out = s.answer(Answer::Connect(Connect::Accept));
        assert_eq!(text(&out), "220 mail.example ESMTP test\r\n250 2.0.0 OK\r\n");
        let out = s.feed(b"MAIL FROM:<a@b.example>\r\nRCPT TO:<x@y.example>\r\n", false);
        assert!(matches!(asked(&out).1, Some(Question::Space { size: 0 })));
        let out = s.answer(Answer::Space(true));
        let Some(Question::Mail { sender, .. }) = asked(&out).1 else { panic!("{out:?}") };
        assert_eq!(sender.address, "a@b.example");
        let out = s.answer(Answer::Decision(Decision::Accept));
        let (sent, q) = asked(&out);
        assert_eq!(sent, "250 2.1.0 <a@b.example>... Sender ok\r\n");
        let Some(Question::Rcpt { recipient, envelope }) = q else { panic!("{out:?}") };
        assert_eq!(
            (recipient.address.as_str(), envelope.sender.address.as_str()),
            ("x@y.example", "a@b.example")
        );
        let refused = Reply::new(550, "5.7.1", "<x@y.example>... Relaying denied");
        let out = s.answer(Answer::Decision(Decision::Reject(refused)));
        assert_eq!(text(&out), "550 5.7.1 <x@y.example>... Relaying denied\r\n");
    }

    #[test]
    fn a_greeting_pause_then_the_greet_question_or_not_accepting() {
        let pause = std::time::Duration::from_millis(1500);
        let mut s = Session::new(lab(), client());
        s.start();
        let out = s.answer(Answer::Connect(Connect::Pause(pause)));
        assert!(matches!(out.as_slice(), [Action::Pause(p)] if *p == pause), "{out:?}");
        assert!(s.is_waiting());
        let out = s.paused(None);
        assert_eq!(asked(&out), ("".to_string(), Some(&Question::Greet)));
        let out = s.answer(Answer::Connect(Connect::Accept));
        assert_eq!(text(&out), "220 mail.example ESMTP test\r\n");

        let mut s = Session::new(lab(), client());
        s.start();
        s.answer(Answer::Connect(Connect::Pause(pause)));
        let after = std::time::Duration::from_millis(200);
        let out = s.paused(Some(after));
        assert!(
            matches!(out[0], Action::Log(Event::PreGreetingTraffic { after: a }) if a == after)
        );
        assert_eq!(text(&out[1..]), "554 mail.example ESMTP not accepting messages\r\n");
        s.feed(b"EHLO early.example\r\n", false);
        let mut out = text(&s.answer(Answer::Helo(Connect::Accept)));
        out.push_str(&text(&s.feed(b"MAIL FROM:<a@b.example>\r\nNOOP\r\n", false)));
        assert_eq!(
            out,
            "250-mail.example Hello localhost [127.0.0.1], pleased to meet you\r\n\
             250 ENHANCEDSTATUSCODES\r\n550 5.0.0 Command rejected\r\n250 2.0.0 OK\r\n"
        );
    }

    #[test]
    fn a_tempfailed_connection_refuses_mail_etrn_vrfy_expn_and_auth() {
        let mut settings = lab();
        settings.auth_mechanisms = vec!["PLAIN".into()];
        let mut s = Session::new(settings, client());
        s.start();
        let out = s.answer(Answer::Connect(Connect::TempFail));
        assert!(text(&out).starts_with("220 "), "{out:?}");
        s.feed(b"EHLO c.example\r\n", false);
        let ehlo = text(&s.answer(Answer::Helo(Connect::Accept)));
        assert!(ehlo.contains("250-AUTH PLAIN\r\n"), "{ehlo}");
        let out = s.feed(b"MAIL FROM:<a@b.example>\r\nVRFY x\r\nAUTH PLAIN AGEAYg==\r\n", false);
        assert_eq!(
            text(&out),
            "451 4.3.2 Please try again later\r\n550 5.7.1 Please try again later\r\n\
             454 4.3.0 Please try again later\r\n"
        );
    }

    #[test]
    fn end_of_input_while_waiting_counts_after_the_answer() {
        let mut s = Session::new(lab(), client());
        s.start();
        assert!(s.eof().is_empty());
        let out = text(&s.answer(Answer::Connect(Connect::Accept)));
        assert!(out.starts_with("220 "), "{out}");
        assert!(out.contains("421 4.4.1 mail.example Lost input channel"), "{out}");
        assert!(s.is_closed());
    }

    #[test]
    fn a_policys_421_at_mail_ends_the_session() {
        let mut s = Session::new(lab(), client());
        s.start();
        s.answer(Answer::Connect(Connect::Accept));
        s.feed(b"MAIL FROM:<a@b.example>\r\n", false);
        let out = s.answer(Answer::Space(true));
        assert!(matches!(asked(&out).1, Some(Question::Mail { .. })));
        let shutdown = Reply::new(421, "4.3.0", "closing connection");
        let out = s.answer(Answer::Decision(Decision::Reject(shutdown)));
        assert_eq!(text(&out), "421 4.3.0 closing connection\r\n[close]\r\n");
        assert!(s.is_closed());
    }

    #[test]
    fn helo_answers_accept_reject_the_rest_or_close() {
        let mut s = Session::new(lab(), client());
        s.start();
        s.answer(Answer::Connect(Connect::Accept));
        let out = s.feed(b"HELO c.example\r\n", false);
        assert_eq!(asked(&out).1, Some(&Question::Helo("c.example".into())));
        let refused = Reply::new(550, "5.0.0", "Command rejected");
        let out = s.answer(Answer::Helo(Connect::RejectCommands(refused)));
        assert!(text(&out).starts_with("250 mail.example Hello "), "{}", text(&out));
        let out = s.feed(b"MAIL FROM:<a@b.example>\r\n", false);
        assert_eq!(text(&out), "550 5.0.0 Command rejected\r\n");
        s.feed(b"EHLO c.example\r\n", false);
        let bye = Reply::new(421, "4.7.0", "mail.example closing connection");
        let out = s.answer(Answer::Helo(Connect::Refuse(bye)));
        let out = text(&out);
        assert!(out.starts_with("421 4.7.0 mail.example closing connection\r\n"), "{out}");
        assert!(out.ends_with("[close]\r\n") && s.is_closed(), "{out}");
    }

    #[test]
    #[should_panic(expected = "does not match the question")]
    fn a_mismatched_answer_is_a_driver_bug() {
        let mut s = Session::new(lab(), client());
        s.start();
        s.answer(Answer::Space(true));
    }
}
