//! # Name
//! chain - the configured filters, stage by stage, as sendmail runs them (feature `tokio`)
//!
//! # Description
//! A [`Chain`] is one SMTP session's connections to its `INPUT_MAIL_FILTER`s, in the
//! configured order. Each stage ([`Chain::connect`], [`Chain::helo`],
//! [`Chain::mail`], [`Chain::rcpt`], [`Chain::data`], [`Chain::eom`]) goes to the
//! filters in turn with the stage's macros (the list the filter chose at
//! negotiation, else `confMILTER_MACROS_*`), skipping the steps a filter declined
//! (`SMFIP_NO*`) and reading no reply where it said so (`SMFIP_NR_*`). The first
//! filter that does not say "continue" decides the stage ([`Verdict`]); one that
//! accepts is asked no more about this message (at connect: this session).
//!
//! End of message runs the filters one after the other on the [`Message`]: headers,
//! end of headers, body (CRLF, 64 KiB chunks, until a `s`kip), end of body; the
//! modifications a filter sends are applied before the next filter sees the
//! message, so each sees what the previous one left, and only those actions it
//! negotiated are carried out.
//!
//! A filter that cannot be reached, times out, sends garbage, answers a stage
//! with progress or floods end of message with changes (more than 100,000, or
//! 64 MiB beyond the body's size) is put in its error
//! state (`Milter (name): to error state`) and from then on answers every stage with
//! what its `F=` says: nothing (it is left out), `R` reject, `T` tempfail, `4` 421.
//!
//! Log lines (sendmail's words) gather in [`Chain::take_log`], for the caller to log
//! under its queue ID.

use crate::codec::{Command, Family, Response};
use crate::conn::{Conn, ConnError};
use crate::consts::{action, cmd, stage, step, CHUNK_SIZE};
use crate::message::{to_crlf, Message};
use spool::settings::{Milter, OnFailure};
use std::collections::HashMap;

/// Macro values the MTA knows now, by name as sendmail spells them (`j`, `_`,
/// `{daemon_name}`, `i`, `{mail_addr}`).
pub type Macros = HashMap<String, String>;

/// The macro names each stage sends (`confMILTER_MACROS_*`), by `SMFIM_*` index.
pub type MacroLists = [Vec<String>; stage::COUNT];

/// What a stage came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Go on.
    Continue,
    /// Accept and throw the message away.
    Discard,
    /// `550 5.7.1 Command rejected`.
    Reject,
    /// `451 4.3.2 Please try again later`.
    Tempfail,
    /// The filter's own reply, verbatim (`554 5.7.1 no thanks`).
    Reply(String),
    /// `421 4.3.0 closing connection`, and close.
    Shutdown,
}

impl Verdict {
    /// The SMTP reply line sendmail gives for it; `None` for continue and discard.
    pub fn reply_text(&self) -> Option<String> {
        match self {
            Verdict::Continue | Verdict::Discard => None,
            Verdict::Reject => Some("550 5.7.1 Command rejected".into()),
            Verdict::Tempfail => Some("451 4.3.2 Please try again later".into()),
            Verdict::Reply(text) => Some(text.clone()),
            Verdict::Shutdown => Some("421 4.3.0 closing connection".into()),
        }
    }

    /// The verdict of a filter in its error state, by its `F=`.
    fn of_failure(on: OnFailure) -> Verdict {
        match on {
            OnFailure::Continue => Verdict::Continue,
            OnFailure::Reject => Verdict::Reject,
            OnFailure::Tempfail => Verdict::Tempfail,
            OnFailure::Shutdown => Verdict::Shutdown,
        }
    }
}

/// One filter of the chain.
struct Slot {
    spec: Milter,
    /// `None`: in the error state.
    conn: Option<Conn>,
    /// Accepted the connection: asked nothing more this session.
    session_done: bool,
    /// Accepted the message: asked nothing more until the next one.
    message_done: bool,
    /// Has seen MAIL of the current message (so abort goes to it).
    in_message: bool,
}

/// A session's filters.
pub struct Chain {
    slots: Vec<Slot>,
    lists: MacroLists,
    log: Vec<String>,
}

/// The `at` of a step that sends no macros (unknown commands, as sendmail).
const NO_MACROS: u32 = u32::MAX;

/// A stage's command and its step flags.
struct Step<'a> {
    at: u32,
    command: &'a Command,
    no: u32,
    nr: u32,
    place: &'static str,
    /// Only filters that asked for this step flag (`SMFIP_RCPT_REJ`); 0: all.
    only: u32,
}

impl Chain {
    /// Connects to every filter of `specs` (in order) and sends each the client's
    /// connection; the verdict is the connect stage's.
    pub async fn connect(
        specs: &[Milter],
        lists: MacroLists,
        host: &str,
        family: Family,
        macros: &Macros,
    ) -> (Chain, Verdict) {
        let mut chain = Chain { slots: Vec::new(), lists, log: Vec::new() };
        for spec in specs {
            let conn = match Conn::open(spec).await {
                Ok(conn) => Some(conn),
                Err(e) => {
                    chain.log.push(format!("Milter ({}): {e}", spec.name));
                    chain.log.push(format!("Milter ({}): to error state", spec.name));
                    None
                }
            };
            let slot = Slot {
                spec: spec.clone(),
                conn,
                session_done: false,
                message_done: false,
                in_message: false,
            };
            chain.slots.push(slot);
        }
        let command = Command::Connect { host: host.as_bytes().to_vec(), family };
        let step = Step {
            at: stage::CONNECT,
            command: &command,
            no: step::NOCONNECT,
            nr: step::NR_CONN,
            place: "connect",
            only: 0,
        };
        let verdict = chain.stage(step, macros).await;
        (chain, verdict)
    }

    /// True when no filter is configured.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The log lines gathered since the last call.
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    /// HELO/EHLO with its argument.
    pub async fn helo(&mut self, name: &str, macros: &Macros) -> Verdict {
        let command = Command::Helo(name.as_bytes().to_vec());
        let step = Step {
            at: stage::HELO,
            command: &command,
            no: step::NOHELO,
            nr: step::NR_HELO,
            place: "helo",
            only: 0,
        };
        self.stage(step, macros).await
    }

    /// MAIL FROM: the sender (`<a@b>`) and its ESMTP arguments.
    pub async fn mail(&mut self, args: &[String], macros: &Macros) -> Verdict {
        for slot in &mut self.slots {
            slot.message_done = false;
            slot.in_message = slot.conn.is_some();
        }
        let command = Command::Mail(args.iter().map(|a| a.as_bytes().to_vec()).collect());
        let step = Step {
            at: stage::ENVFROM,
            command: &command,
            no: step::NOMAIL,
            nr: step::NR_MAIL,
            place: "mail",
            only: 0,
        };
        self.stage(step, macros).await
    }

    /// RCPT TO: the recipient (`<a@b>`) and its ESMTP arguments.
    pub async fn rcpt(&mut self, args: &[String], macros: &Macros) -> Verdict {
        let command = Command::Rcpt(args.iter().map(|a| a.as_bytes().to_vec()).collect());
        let step = Step {
            at: stage::ENVRCPT,
            command: &command,
            no: step::NORCPT,
            nr: step::NR_RCPT,
            place: "rcpt",
            only: 0,
        };
        self.stage(step, macros).await
    }

    /// A recipient the MTA refused, to the filters that asked to see those
    /// (`SMFIP_RCPT_REJ`), with `{rcpt_mailer}` `error` among `macros`; what they
    /// answer changes nothing.
    pub async fn rcpt_rejected(&mut self, args: &[String], macros: &Macros) {
        let command = Command::Rcpt(args.iter().map(|a| a.as_bytes().to_vec()).collect());
        let step = Step {
            at: stage::ENVRCPT,
            command: &command,
            no: step::NORCPT,
            nr: step::NR_RCPT,
            place: "rcpt",
            only: step::RCPT_REJ,
        };
        let _ = self.stage(step, macros).await;
    }

    /// An SMTP command the MTA does not know (the whole line).
    pub async fn unknown(&mut self, line: &str, macros: &Macros) -> Verdict {
        let command = Command::Unknown(line.as_bytes().to_vec());
        let step = Step {
            at: NO_MACROS,
            command: &command,
            no: step::NOUNKNOWN,
            nr: step::NR_UNKN,
            place: "unknown",
            only: 0,
        };
        self.stage(step, macros).await
    }

    /// DATA.
    pub async fn data(&mut self, macros: &Macros) -> Verdict {
        let step = Step {
            at: stage::DATA,
            command: &Command::Data,
            no: step::NODATA,
            nr: step::NR_DATA,
            place: "data",
            only: 0,
        };
        self.stage(step, macros).await
    }

    /// The message is dropped (RSET, a rejection, the client gone): each filter
    /// that saw its MAIL is told to forget it.
    pub async fn abort(&mut self) {
        for i in 0..self.slots.len() {
            let slot = &mut self.slots[i];
            if !std::mem::take(&mut slot.in_message) {
                continue;
            }
            slot.message_done = false;
            let Some(conn) = slot.conn.as_mut() else { continue };
            if let Err(e) = conn.send(&Command::Abort).await {
                self.fail(i, e);
            }
        }
    }

    /// The session ends: `Q` to every filter.
    pub async fn quit(&mut self) {
        for slot in &mut self.slots {
            if let Some(mut conn) = slot.conn.take() {
                let _ = conn.send(&Command::Quit).await;
            }
        }
    }

    /// Puts filter `i` in its error state.
    fn fail(&mut self, i: usize, e: ConnError) {
        let name = &self.slots[i].spec.name;
        let line = match &e {
            ConnError::Timeout(place) => {
                format!("Milter ({name}): timeout before data read, where={place}")
            }
            other => format!("Milter ({name}): {other}"),
        };
        self.log.push(line);
        self.log.push(format!("Milter ({name}): to error state"));
        self.slots[i].conn = None;
    }

    /// The macros of stage `at` for the filter in slot `i`, as a `D` packet.
    fn macros_for(&self, i: usize, at: u32, code: u8, values: &Macros) -> Option<Command> {
        if at as usize >= stage::COUNT {
            return None;
        }
        let chosen = self.slots[i].conn.as_ref().and_then(|c| c.macros[at as usize].as_ref());
        let names = chosen.unwrap_or(&self.lists[at as usize]);
        let pairs: Vec<_> = names
            .iter()
            .filter_map(|n| {
                let n =
                    if n.len() > 1 && !n.starts_with('{') { format!("{{{n}}}") } else { n.clone() };
                values.get(&n).map(|v| (n.into_bytes(), v.as_bytes().to_vec()))
            })
            .collect();
        (!pairs.is_empty()).then_some(Command::Macros { code, pairs })
    }

    /// Sends one stage to each filter in turn; the first that does not continue
    /// decides.
    async fn stage(&mut self, step: Step<'_>, macros: &Macros) -> Verdict {
        let code = step.command.encode()[4];
        for i in 0..self.slots.len() {
            let slot = &self.slots[i];
            let Some(conn) = slot.conn.as_ref() else {
                match Verdict::of_failure(slot.spec.on_failure) {
                    Verdict::Continue => continue,
                    verdict => return verdict,
                }
            };
            let wanted = step.only == 0 || conn.has(step.only);
            if slot.session_done || slot.message_done || conn.has(step.no) || !wanted {
                continue;
            }
            let defs = self.macros_for(i, step.at, code, macros);
            let conn = self.slots[i].conn.as_mut().expect("checked above");
            let exchange = async {
                if let Some(defs) = &defs {
                    conn.send(defs).await?;
                }
                conn.send(step.command).await?;
                if conn.has(step.nr) {
                    return Ok(Response::Continue);
                }
                conn.reply(step.place).await
            };
            let response = match exchange.await {
                Ok(response) => response,
                Err(e) => {
                    self.fail(i, e);
                    match Verdict::of_failure(self.slots[i].spec.on_failure) {
                        Verdict::Continue => continue,
                        verdict => return verdict,
                    }
                }
            };
            match self.decide(i, response, step.at == stage::CONNECT) {
                Verdict::Continue => {}
                verdict => return verdict,
            }
        }
        Verdict::Continue
    }

    /// A filter's answer to a stage as a verdict (accept marks it done).
    fn decide(&mut self, i: usize, response: Response, connect: bool) -> Verdict {
        let name = self.slots[i].spec.name.clone();
        let verdict = match response {
            Response::Continue => Verdict::Continue,
            Response::Accept => {
                let slot = &mut self.slots[i];
                if connect {
                    slot.session_done = true;
                } else {
                    slot.message_done = true;
                }
                Verdict::Continue
            }
            Response::Discard => Verdict::Discard,
            Response::Reject => Verdict::Reject,
            Response::Tempfail => Verdict::Tempfail,
            Response::Shutdown => Verdict::Shutdown,
            Response::ReplyCode(text) => match valid_reply(&text) {
                Some(text) => Verdict::Reply(text),
                None => return self.protocol_error(i, "invalid reply code"),
            },
            other => return self.protocol_error(i, &format!("unexpected response {other:?}")),
        };
        match &verdict {
            Verdict::Continue => {}
            Verdict::Discard => self.log.push(format!("milter={name}, discard")),
            Verdict::Reject => self.log.push(format!("milter={name}, reject")),
            Verdict::Tempfail => self.log.push(format!("milter={name}, tempfail")),
            v => self
                .log
                .push(format!("milter={name}, reject={}", v.reply_text().unwrap_or_default())),
        }
        verdict
    }

    fn protocol_error(&mut self, i: usize, what: &str) -> Verdict {
        let name = self.slots[i].spec.name.clone();
        self.log.push(format!("Milter ({name}): {what}"));
        self.log.push(format!("Milter ({name}): to error state"));
        self.slots[i].conn = None;
        Verdict::of_failure(self.slots[i].spec.on_failure)
    }

    /// End of message: each filter in turn sees `message` as the previous one left
    /// it and changes it; the first that does not accept or continue decides.
    pub async fn eom(&mut self, message: &mut Message, macros: &Macros) -> Verdict {
        for i in 0..self.slots.len() {
            let slot = &self.slots[i];
            if slot.conn.is_none() {
                match Verdict::of_failure(slot.spec.on_failure) {
                    Verdict::Continue => continue,
                    verdict => return verdict,
                }
            }
            if slot.session_done || slot.message_done {
                continue;
            }
            let eoh = self.macros_for(i, stage::EOH, cmd::EOH, macros);
            let eom = self.macros_for(i, stage::EOM, cmd::BODYEOB, macros);
            let name = self.slots[i].spec.name.clone();
            let timeout = self.slots[i].spec.timeouts.eom;
            let conn = self.slots[i].conn.as_mut().expect("checked above");
            let outcome = one_filter(conn, message, eoh, eom, timeout).await;
            let (final_reply, changes) = match outcome {
                Ok(done) => done,
                Err(e) => {
                    self.fail(i, e);
                    match Verdict::of_failure(self.slots[i].spec.on_failure) {
                        Verdict::Continue => continue,
                        verdict => return verdict,
                    }
                }
            };
            self.slots[i].in_message = false;
            let granted = self.slots[i].conn.as_ref().map_or(0, |c| c.actions);
            let leadspc = self.slots[i].conn.as_ref().is_some_and(|c| c.has(step::HDR_LEADSPC));
            for change in changes {
                if granted & needed(&change) == 0 {
                    self.log.push(format!(
                        "Milter ({name}): action {change:?} not negotiated, ignored"
                    ));
                    continue;
                }
                if let Some(line) = message.apply(&name, change, leadspc) {
                    self.log.push(line);
                }
            }
            match self.decide(i, final_reply, false) {
                Verdict::Continue => {}
                verdict => return verdict,
            }
        }
        Verdict::Continue
    }
}

/// Most end-of-message changes one filter may send for one message.
const MAX_CHANGES: usize = 100_000;

/// Most bytes of changes one filter may send beyond the size of the body.
const MAX_CHANGE_BYTES: usize = 64 * 1024 * 1024;

/// The bytes a change carries.
fn change_size(change: &Response) -> usize {
    match change {
        Response::AddHeader { name, value }
        | Response::InsertHeader { name, value, .. }
        | Response::ChangeHeader { name, value, .. } => name.len() + value.len(),
        Response::AddRcpt(a) | Response::DelRcpt(a) | Response::Quarantine(a) => a.len(),
        Response::AddRcptPar { rcpt, args } => rcpt.len() + args.len(),
        Response::ChangeFrom { from, args } => from.len() + args.len(),
        Response::ReplaceBody(chunk) => chunk.len(),
        _ => 0,
    }
}

/// The action flag a modification needs.
fn needed(change: &Response) -> u32 {
    match change {
        Response::AddHeader { .. } | Response::InsertHeader { .. } => action::ADDHDRS,
        Response::ChangeHeader { .. } => action::CHGHDRS,
        Response::AddRcpt(_) => action::ADDRCPT,
        Response::AddRcptPar { .. } => action::ADDRCPT_PAR,
        Response::DelRcpt(_) => action::DELRCPT,
        Response::ChangeFrom { .. } => action::CHGFROM,
        Response::ReplaceBody(_) => action::CHGBODY,
        Response::Quarantine(_) => action::QUARANTINE,
        _ => 0,
    }
}

/// A filter's reply text if sendmail would use it: `4xx` or `5xx`, then a blank, a
/// hyphen or nothing.
fn valid_reply(text: &[u8]) -> Option<String> {
    let t = String::from_utf8_lossy(text).trim_end().to_string();
    let b = t.as_bytes();
    let ok = b.len() >= 3
        && matches!(b[0], b'4' | b'5')
        && b[1..3].iter().all(u8::is_ascii_digit)
        && matches!(b.get(3), None | Some(b' ' | b'-'));
    ok.then_some(t)
}

/// The end-of-message exchange with one filter: its final reply and the
/// modifications it sent before it.
async fn one_filter(
    conn: &mut Conn,
    message: &Message,
    eoh: Option<Command>,
    eom: Option<Command>,
    total: std::time::Duration,
) -> Result<(Response, Vec<Response>), ConnError> {
    if !conn.has(step::NOHDRS) {
        for field in &message.headers {
            let mut value = field.value.as_slice();
            if !conn.has(step::HDR_LEADSPC) {
                value = value.strip_prefix(b" ").unwrap_or(value);
            }
            let command =
                Command::Header { name: field.name.as_bytes().to_vec(), value: value.to_vec() };
            conn.send(&command).await?;
            if !conn.has(step::NR_HDR) {
                if let Some(end) = early(conn.reply("header").await?) {
                    return Ok((end, Vec::new()));
                }
            }
        }
    }
    if !conn.has(step::NOEOH) {
        if let Some(defs) = &eoh {
            conn.send(defs).await?;
        }
        conn.send(&Command::EndOfHeaders).await?;
        if !conn.has(step::NR_EOH) {
            if let Some(end) = early(conn.reply("eoh").await?) {
                return Ok((end, Vec::new()));
            }
        }
    }
    if !conn.has(step::NOBODY) {
        let mut last_cr = false;
        for chunk in message.body.chunks(CHUNK_SIZE / 2) {
            let wire = to_crlf(chunk, last_cr);
            last_cr = chunk.last() == Some(&b'\r');
            for piece in wire.chunks(CHUNK_SIZE) {
                conn.send(&Command::Body(piece.to_vec())).await?;
                if conn.has(step::NR_BODY) {
                    continue;
                }
                match conn.reply("body").await? {
                    Response::Skip if conn.has(step::SKIP) => break,
                    other => {
                        if let Some(end) = early(other) {
                            return Ok((end, Vec::new()));
                        }
                    }
                }
            }
        }
    }
    if let Some(defs) = &eom {
        conn.send(defs).await?;
    }
    conn.send(&Command::EndOfBody).await?;
    let mut changes = Vec::new();
    let mut bytes = 0;
    loop {
        let response = conn.reply_by("eom", total).await?;
        if needed(&response) == 0 {
            return Ok((response, changes));
        }
        bytes += change_size(&response);
        changes.push(response);
        if changes.len() > MAX_CHANGES || bytes > MAX_CHANGE_BYTES + message.body.len() {
            return Err(ConnError::Flood(bytes, changes.len()));
        }
    }
}

/// A reply before end of body that ends the exchange (anything but continue).
fn early(response: Response) -> Option<Response> {
    (response != Response::Continue).then_some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_codes_sendmail_would_use() {
        assert_eq!(valid_reply(b"554 5.7.1 no thanks").as_deref(), Some("554 5.7.1 no thanks"));
        assert_eq!(valid_reply(b"451").as_deref(), Some("451"));
        assert_eq!(valid_reply(b"250 ok"), None);
        assert_eq!(valid_reply(b"55x no"), None);
        assert_eq!(valid_reply(b"5501"), None);
    }

    #[test]
    fn failure_verdicts_follow_f_flags() {
        assert_eq!(Verdict::of_failure(OnFailure::Continue), Verdict::Continue);
        assert_eq!(
            Verdict::of_failure(OnFailure::Tempfail).reply_text().unwrap(),
            "451 4.3.2 Please try again later"
        );
        assert_eq!(
            Verdict::of_failure(OnFailure::Reject).reply_text().unwrap(),
            "550 5.7.1 Command rejected"
        );
        assert_eq!(Verdict::of_failure(OnFailure::Shutdown), Verdict::Shutdown);
    }
}
