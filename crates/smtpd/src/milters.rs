//! The session's milters (`INPUT_MAIL_FILTER`), as sendmail's `srvrsmtp.c` consults
//! them, turned into the session's answers.
//!
//! ```text
//! stage     filter says          client gets (sendmail's words)              log
//! connect   reject               554 $j ESMTP not accepting messages, then  Milter: connect: host=h, addr=a, rejecting commands
//!                                every command: 550 5.0.0 Command rejected
//!           tempfail             220, EHLO as usual; MAIL, ETRN: 451 4.3.2  ... temp failing commands
//!                                Please try again later (VRFY, EXPN: 550 5.7.1
//!                                ..., AUTH: 454 4.3.0 ...)
//!           421 / shutdown       421 ... closing connection, close
//! helo      reject/tempfail/y    the usual 250, then the refusal for the rest  Milter: helo=h, reject=...
//! mail/rcpt reject               550 5.7.1 Command rejected                 Milter: from=<a>, reject=... / to=<r>
//!           tempfail             451 4.3.2 Please try again later
//!           y                    the filter's reply, verbatim
//!           discard              250; the message is thrown away            Milter: from=<a>, discard
//! data      as mail              (before 354)                               Milter: cmd=data, reject=...
//! eom       reject               554 5.7.1 Command rejected                 Milter: data, reject=...
//!           discard              250, thrown away                           Milter: data, discard
//! ```
//!
//! After a refusal at connect or HELO the filters are asked nothing more in this
//! session. The message text is kept here as well as in the store while filters
//! are configured, for end of message, where each filter in turn sees the header
//! and body as the previous one left them ([`milter::Chain::eom`]); what they
//! change goes into the queue file: header fields, body, sender, recipients, and a
//! quarantine reason (the control file becomes `hf`).
//!
//! # Errors
//! None of its own: a filter that fails answers by its `F=` (see [`milter::chain`]).

use crate::shared::Shared;
use milter::{Chain, Family, Field, Macros, Message, Rcpt, Verdict};
use smtp::server::{ClientInfo, Connect, Envelope, Notify, Recipient, Reply, Ret, Sender};
use spool::log::Severity;
use std::net::IpAddr;

/// One session's filters and the message text they will see.
#[derive(Default)]
pub struct Filters {
    chain: Option<Chain>,
    /// Header lines and body of the message being received.
    headers: Vec<Vec<u8>>,
    body: Vec<u8>,
    /// A transaction ended since MAIL: the filters are told before the next one.
    abort_pending: bool,
    log_level: Option<i64>,
}

/// The parts of the SMTP reply in a filter's text (`554 5.7.1 text`).
pub fn reply_of(text: &str) -> Reply {
    let code = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(451);
    let rest = text.get(4..).unwrap_or("");
    let (first, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    let enhanced = first.split('.').count() == 3
        && first.split('.').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if enhanced {
        Reply::new(code, first, tail)
    } else {
        Reply::bare(code, rest)
    }
}

/// The macros the filters may ask for, from what the session knows now.
pub struct Known<'a> {
    /// The daemon's settings.
    pub shared: &'a Shared,
    /// The listener's name (`{daemon_name}`).
    pub daemon: &'a str,
    /// The client.
    pub client: &'a ClientInfo,
    /// The session's queue ID (`i`).
    pub id: &'a str,
    /// The TLS details (`version=... cipher=... bits=... verify=...`), after STARTTLS.
    pub tls: Option<&'a str>,
    /// The AUTH mechanism and identity, after a successful AUTH.
    pub auth: Option<&'a (String, String)>,
}

impl Known<'_> {
    fn macros(&self, more: &[(&str, String)]) -> Macros {
        let mut m = known_macros(self.client, self.tls, self.auth);
        m.insert("j".into(), self.shared.settings.server.host_name.clone());
        m.insert("{daemon_name}".into(), self.daemon.to_string());
        m.insert("i".into(), self.id.to_string());
        m.extend(more.iter().map(|(k, v)| (k.to_string(), v.clone())));
        m
    }
}

/// The macros of the client, its TLS and its AUTH: `_`, `{client_addr}`,
/// `{client_name}`, `{tls_version}`, `{cipher}`, `{cipher_bits}`, `{verify}`,
/// `{auth_type}`, `{auth_authen}`.
fn known_macros(client: &ClientInfo, tls: Option<&str>, auth: Option<&(String, String)>) -> Macros {
    let mut m: Macros = [
        ("_", client.description.clone()),
        ("{client_addr}", client.addr.map(|a| a.to_string()).unwrap_or_default()),
        ("{client_name}", client.host_name.clone().unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (key, value) in tls.unwrap_or_default().split_whitespace().filter_map(|w| w.split_once('='))
    {
        let name = match key {
            "version" => "{tls_version}",
            "cipher" => "{cipher}",
            "bits" => "{cipher_bits}",
            "verify" => "{verify}",
            _ => continue,
        };
        m.insert(name.to_string(), value.to_string());
    }
    if let Some((mechanism, authid)) = auth {
        m.insert("{auth_type}".into(), mechanism.clone());
        m.insert("{auth_authen}".into(), authid.clone());
    }
    m
}

impl Filters {
    /// Connects to the configured filters and asks them about the client; `None`
    /// when they let it in.
    pub async fn connect(known: &Known<'_>) -> (Filters, Option<Connect>) {
        let resolved = &known.shared.settings.resolved;
        let mut filters = Filters { log_level: resolved.milter_log_level, ..Filters::default() };
        if resolved.milters.is_empty() {
            return (filters, None);
        }
        let client = known.client;
        let (host, family) = match client.addr {
            Some(IpAddr::V4(a)) => (
                client.host_name.clone().unwrap_or(format!("[{a}]")),
                Family::Inet(0, a.to_string().into_bytes()),
            ),
            Some(IpAddr::V6(a)) => (
                client.host_name.clone().unwrap_or(format!("[{a}]")),
                Family::Inet6(0, a.to_string().into_bytes()),
            ),
            None => ("localhost".to_string(), Family::Unknown),
        };
        let macros = known.macros(&[]);
        let lists = resolved.milter_macros.clone();
        let (chain, verdict) =
            Chain::connect(&resolved.milters, lists, &host, family, &macros).await;
        filters.chain = Some(chain);
        filters.flush_log(known);
        let addr = client.addr.map(|a| a.to_string()).unwrap_or_default();
        let said = |what: &str| format!("Milter: connect: host={host}, addr={addr}, {what}");
        let answer = match verdict {
            Verdict::Continue | Verdict::Discard => return (filters, None),
            Verdict::Reject => {
                filters.log(known, 3, &said("rejecting commands"));
                Connect::NotAccepting
            }
            Verdict::Tempfail => {
                filters.log(known, 3, &said("temp failing commands"));
                Connect::TempFail
            }
            Verdict::Reply(text) if text.starts_with("421") => {
                filters.log(known, 3, &said(&format!("shutdown={text}")));
                Connect::Refuse(reply_of(&text))
            }
            Verdict::Reply(text) => {
                filters.log(known, 3, &said(&format!("reject={text}")));
                Connect::RejectCommands(reply_of(&text))
            }
            Verdict::Shutdown => {
                filters.log(known, 3, &said("shutdown"));
                let host = &known.shared.settings.server.host_name;
                Connect::Refuse(Reply::new(421, "4.7.0", format!("{host} closing connection")))
            }
        };
        filters.finish().await;
        (filters, Some(answer))
    }

    /// HELO/EHLO `name`.
    pub async fn helo(&mut self, known: &Known<'_>, name: &str) -> Connect {
        let Some(chain) = self.chain.as_mut() else { return Connect::Accept };
        let verdict = chain.helo(name, &known.macros(&[])).await;
        self.flush_log(known);
        let host = &known.shared.settings.server.host_name;
        let rejected = verdict == Verdict::Reject;
        let answer = match verdict {
            Verdict::Continue | Verdict::Discard => return Connect::Accept,
            Verdict::Reject => {
                Connect::RejectCommands(Reply::new(550, "5.0.0", "Command rejected"))
            }
            Verdict::Tempfail => {
                Connect::RejectCommands(Reply::new(451, "4.3.2", "Please try again later"))
            }
            Verdict::Reply(text) if text.starts_with("421") => Connect::Refuse(reply_of(&text)),
            Verdict::Reply(text) => Connect::RejectCommands(reply_of(&text)),
            Verdict::Shutdown => {
                Connect::Refuse(Reply::new(421, "4.7.0", format!("{host} closing connection")))
            }
        };
        let shown = match &answer {
            Connect::RejectCommands(r) | Connect::Refuse(r) => text_of(r),
            Connect::Accept | Connect::NotAccepting | Connect::TempFail | Connect::Pause(_) => {
                String::new()
            }
        };
        let shown = if rejected { "Command rejected".to_string() } else { shown };
        self.log(known, 3, &format!("Milter: helo={name}, reject={shown}"));
        self.finish().await;
        answer
    }

    /// An unknown SMTP command: the filter's reply instead of the usual `500`, if it
    /// refuses it (sendmail's `milter_unknown`).
    pub async fn unknown(&mut self, known: &Known<'_>, line: &str) -> Option<Reply> {
        let chain = self.chain.as_mut()?;
        let verdict = chain.unknown(line, &known.macros(&[])).await;
        self.flush_log(known);
        match verdict {
            Verdict::Continue | Verdict::Discard => None,
            Verdict::Shutdown => Some(Reply::new(421, "4.3.0", "closing connection")),
            other => Some(reply_of(&other.reply_text().unwrap_or_default())),
        }
    }

    /// Tells the filters a transaction ended without its message (RSET, refused).
    pub fn transaction_ended(&mut self) {
        self.abort_pending = true;
        self.headers.clear();
        self.body.clear();
    }

    /// MAIL FROM (`rcpt` false) or RCPT TO with the path as written and its ESMTP
    /// arguments: `Err` with the refusal, `Ok(true)` when the message is to be
    /// discarded.
    pub async fn envelope(
        &mut self,
        known: &Known<'_>,
        rcpt: bool,
        raw: &str,
        args: &[String],
    ) -> Result<bool, Reply> {
        let Some(chain) = self.chain.as_mut() else { return Ok(false) };
        if !rcpt {
            if std::mem::take(&mut self.abort_pending) {
                chain.abort().await;
            }
            self.headers.clear();
            self.body.clear();
        }
        let addr = raw.trim_start_matches('<').trim_end_matches('>').to_string();
        let mut all = vec![raw.to_string()];
        all.extend_from_slice(args);
        let verdict = if rcpt {
            chain.rcpt(&all, &known.macros(&[("{rcpt_addr}", addr)])).await
        } else {
            chain.mail(&all, &known.macros(&[("{mail_addr}", addr)])).await
        };
        self.flush_log(known);
        self.command_verdict(known, if rcpt { "to" } else { "from" }, raw, verdict)
    }

    /// A recipient the rules refused with `reply`, shown to the filters that asked
    /// for refused recipients (`{rcpt_mailer}` `error`, `{rcpt_host}` the status,
    /// `{rcpt_addr}` the text, as sendmail sets them).
    pub async fn rcpt_rejected(
        &mut self,
        known: &Known<'_>,
        raw: &str,
        args: &[String],
        reply: &Reply,
    ) {
        let Some(chain) = self.chain.as_mut() else { return };
        let mut all = vec![raw.to_string()];
        all.extend_from_slice(args);
        let status = reply.status().map(|s| s.to_string()).unwrap_or_default();
        let text = reply.text_lines().join(" ");
        let more = [
            ("{rcpt_mailer}", "error".to_string()),
            ("{rcpt_host}", status),
            ("{rcpt_addr}", text),
        ];
        chain.rcpt_rejected(&all, &known.macros(&more)).await;
        self.flush_log(known);
    }

    /// DATA, as [`Filters::envelope`].
    pub async fn data(&mut self, known: &Known<'_>) -> Result<bool, Reply> {
        let Some(chain) = self.chain.as_mut() else { return Ok(false) };
        let verdict = chain.data(&known.macros(&[])).await;
        self.flush_log(known);
        self.command_verdict(known, "cmd", "data", verdict)
    }

    /// sendmail's `MILTER_REPLY` for MAIL, RCPT and DATA.
    fn command_verdict(
        &mut self,
        known: &Known<'_>,
        what: &str,
        arg: &str,
        verdict: Verdict,
    ) -> Result<bool, Reply> {
        let reply = match verdict {
            Verdict::Continue => return Ok(false),
            Verdict::Discard => {
                self.log(known, 3, &format!("Milter: {what}={arg}, discard"));
                return Ok(true);
            }
            Verdict::Shutdown => Reply::new(421, "4.3.0", "closing connection"),
            other => reply_of(&other.reply_text().unwrap_or_default()),
        };
        self.log(known, 3, &format!("Milter: {what}={arg}, reject={}", text_of(&reply)));
        Err(reply)
    }

    /// Keeps a header line of the message being received (when filters run).
    pub fn header(&mut self, line: &[u8]) {
        if self.chain.is_some() {
            self.headers.push(line.to_vec());
        }
    }

    /// Keeps body text of the message being received (when filters run).
    pub fn body(&mut self, chunk: &[u8]) {
        if self.chain.is_some() {
            self.body.extend_from_slice(chunk);
        }
    }

    /// End of message: the filters see it one after the other and change it.
    /// `Err` with the refusal; else the message as they left it and whether its
    /// header changed, `None` when no filter runs.
    pub async fn eom(
        &mut self,
        known: &Known<'_>,
        envelope: &Envelope,
    ) -> Result<Option<(Message, bool)>, Reply> {
        let Some(chain) = self.chain.as_mut() else { return Ok(None) };
        let mut message = Message {
            sender: envelope.sender.raw.clone(),
            recipients: envelope
                .recipients
                .iter()
                .map(|r| Rcpt { address: r.raw.clone(), args: String::new() })
                .collect(),
            headers: fields(&self.headers),
            body: std::mem::take(&mut self.body),
            ..Message::default()
        };
        self.headers.clear();
        let msg_id = message
            .headers
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case("Message-Id"))
            .map(|f| String::from_utf8_lossy(&f.value).trim().to_string())
            .unwrap_or_default();
        let macros =
            known.macros(&[("{msg_id}", msg_id), ("{mail_addr}", envelope.sender.address.clone())]);
        let before = message.headers.clone();
        let verdict = chain.eom(&mut message, &macros).await;
        let headers_changed = message.headers != before;
        self.flush_log(known);
        let host = &known.shared.settings.server.host_name;
        let reply = match verdict {
            Verdict::Continue => return Ok(Some((message, headers_changed))),
            Verdict::Discard => {
                self.log(known, 3, "Milter: data, discard");
                message.recipients.clear();
                return Ok(Some((message, headers_changed)));
            }
            Verdict::Reject => Reply::new(554, "5.7.1", "Command rejected"),
            Verdict::Shutdown => Reply::new(421, "4.7.0", format!("{host} closing connection")),
            other => reply_of(&other.reply_text().unwrap_or_default()),
        };
        self.log(known, 3, &format!("Milter: data, reject={}", text_of(&reply)));
        Err(reply)
    }

    /// The session ends: `Q` to every filter.
    pub async fn finish(&mut self) {
        if let Some(mut chain) = self.chain.take() {
            chain.quit().await;
        }
    }

    fn flush_log(&mut self, known: &Known<'_>) {
        let lines = self.chain.as_mut().map(Chain::take_log).unwrap_or_default();
        for line in lines {
            let level = if line.contains("error") || line.contains("timeout") { 0 } else { 8 };
            self.log(known, level, &line);
        }
    }

    /// Logs `line` under the session's queue ID when `confMILTER_LOG_LEVEL` is above
    /// `level` (sendmail's thresholds: 0 errors, 3 decisions, 8 changes).
    fn log(&self, known: &Known<'_>, level: i64, line: &str) {
        if self.log_level.is_none_or(|l| l > level) {
            known.shared.syslog.log(Severity::Info, &format!("{}: {line}", known.id));
        }
    }
}

/// MAIL's ESMTP parameters as the filters get them (`SIZE=10`, `BODY=8BITMIME`).
pub fn mail_args(sender: &Sender) -> Vec<String> {
    let mut args = Vec::new();
    if sender.size > 0 {
        args.push(format!("SIZE={}", sender.size));
    }
    let pairs = [
        ("BODY", sender.body_given.clone()),
        ("RET", sender.ret.map(|r| if r == Ret::Full { "FULL".into() } else { "HDRS".into() })),
        ("ENVID", sender.envid.clone()),
        ("AUTH", sender.auth.clone()),
        ("BY", sender.by.clone()),
    ];
    args.extend(pairs.into_iter().filter_map(|(k, v)| v.map(|v| format!("{k}={v}"))));
    args
}

/// RCPT's ESMTP parameters as the filters get them (`ORCPT=rfc822;a@b`).
pub fn rcpt_args(recipient: &Recipient) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(n) = recipient.notify {
        let mut words: Vec<&str> = Vec::new();
        for (on, word) in [(n.success, "SUCCESS"), (n.failure, "FAILURE"), (n.delay, "DELAY")] {
            if on {
                words.push(word);
            }
        }
        args.push(format!(
            "NOTIFY={}",
            if words.is_empty() { "NEVER".into() } else { words.join(",") }
        ));
    }
    if let Some(orcpt) = &recipient.orcpt {
        args.push(format!("ORCPT={orcpt}"));
    }
    args
}

/// A reply as one line of text (`550 5.7.1 Command rejected`).
fn text_of(reply: &Reply) -> String {
    String::from_utf8_lossy(&reply.to_bytes()).lines().next().unwrap_or("").to_string()
}

/// Header lines (continuations starting with SP or HT) as fields; a line that is
/// not a field ends the header (the store does the same).
fn fields(lines: &[Vec<u8>]) -> Vec<Field> {
    let mut out: Vec<Field> = Vec::new();
    for line in lines {
        if matches!(line.first(), Some(b' ' | b'\t')) {
            if let Some(last) = out.last_mut() {
                last.value.push(b'\n');
                last.value.extend_from_slice(line);
                continue;
            }
        }
        let Some(field) = Field::parse(line) else { break };
        out.push(field);
    }
    out
}

/// The header text of `fields`, one field per line (as the store keeps it).
pub fn header_text(fields: &[Field]) -> Vec<u8> {
    fields.iter().flat_map(|f| [f.text(), b"\n".to_vec()]).flatten().collect()
}

/// The envelope as the filters left it: sender and recipients (kept recipients
/// keep their parameters; new ones get `NOTIFY` from `2`'s arguments, if any).
pub fn apply_envelope(envelope: &mut Envelope, message: &Message) {
    if message.sender_changed {
        let raw = message.sender.clone();
        envelope.sender.address =
            raw.trim().trim_start_matches('<').trim_end_matches('>').to_string();
        envelope.sender.raw = raw;
    }
    let old = std::mem::take(&mut envelope.recipients);
    for rcpt in &message.recipients {
        let bare = rcpt.bare();
        if let Some(kept) = old.iter().find(|r| r.raw == rcpt.address || r.address == bare) {
            envelope.recipients.push(kept.clone());
            continue;
        }
        envelope.recipients.push(Recipient {
            raw: format!("<{bare}>"),
            address: bare.to_string(),
            notify: rcpt.notify().map(|(success, failure, delay)| Notify {
                success,
                failure,
                delay,
            }),
            ..Recipient::default()
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_from_tls_and_auth() {
        let client = ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost"));
        let auth = ("PLAIN".to_string(), "alice".to_string());
        let tls = "version=TLSv1.3 cipher=TLS13_AES_256_GCM_SHA384 bits=256 verify=NOT";
        let m = known_macros(&client, Some(tls), Some(&auth));
        assert_eq!(m["{tls_version}"], "TLSv1.3");
        assert_eq!(m["{cipher_bits}"], "256");
        assert_eq!((m["{auth_type}"].as_str(), m["{auth_authen}"].as_str()), ("PLAIN", "alice"));
        assert_eq!(m["_"], "localhost [127.0.0.1]");
    }

    #[test]
    fn filter_replies_keep_their_text() {
        let r = reply_of("554 5.7.1 spam, go away");
        assert_eq!(text_of(&r), "554 5.7.1 spam, go away");
        assert_eq!(text_of(&reply_of("450 try later")), "450 try later");
    }

    #[test]
    fn header_lines_become_fields_and_back() {
        let lines = [b"Subject: one".to_vec(), b"To: a,".to_vec(), b"\tb".to_vec()];
        let f = fields(&lines);
        assert_eq!(f.len(), 2);
        assert_eq!(f[1].value, b" a,\n\tb");
        assert_eq!(header_text(&f), b"Subject: one\nTo: a,\n\tb\n");
    }
}
