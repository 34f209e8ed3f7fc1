//! # Name
//! envelope - one message's envelope, and the MAIL and RCPT commands for it
//!
//! # Description
//! An [`Envelope`] is what queue-runner knows of a message from its qf: the sender,
//! the recipients still due on this connection with their DSN parameters, the size,
//! the body type, `ENVID`, `RET` and the `AUTH=` parameter. The commands are written
//! as sendmail 8.17's `smtpmailfrom()` and `smtprcpt()` write them, each parameter
//! only when the server offered its extension:
//!
//! ```text
//! MAIL From:<sender> SIZE=n BODY=8BITMIME SMTPUTF8 ENVID=x RET=HDRS AUTH=x
//!                    SIZE       8BITMIME  SMTPUTF8  DSN     DSN     AUTH
//! RCPT To:<address> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;x
//!                   DSN (only for a primary address)  DSN
//! ```
//!
//! `SIZE=` is sent when the size is not 0. `BODY=` carries the declared body type
//! (`BODY=7BIT` too); with `EightBitMode=m` an undeclared 8-bit body is sent as
//! `BODY=8BITMIME`. What happens to an 8-bit body when the server does not offer
//! 8BITMIME is [`EightBit::decide`]. `SMTPUTF8` is added when an address is not
//! ASCII; a server that does not offer it cannot take such a message.
//!
//! # Invariants
//! Addresses and parameter values are written as given: they come from a qf that
//! was validated when it was read, and are xtext already where xtext is due
//! (`ENVID`, `ORCPT`, `AUTH`). A value containing CR or LF is refused by
//! [`Envelope::check`], so no command can be split into two.

pub use crate::server::{BodyType, Notify, Ret};

/// One recipient of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recipient {
    /// The address for `RCPT To:<...>` (sendmail's `q_user`).
    pub address: String,
    /// The address as the transcript names it (`q_paddr`: `<a@b.example>`, or an
    /// alias-derived `a@b.example`).
    pub display: String,
    /// `NOTIFY=` to pass on (only for a primary address that had one).
    pub notify: Option<Notify>,
    /// `ORCPT=` to pass on (`rfc822;a@b.example`, xtext).
    pub orcpt: Option<String>,
}

impl Recipient {
    /// A recipient without DSN parameters, shown as `<address>`.
    pub fn new(address: &str) -> Recipient {
        Recipient {
            address: address.to_string(),
            display: format!("<{address}>"),
            ..Recipient::default()
        }
    }
}

/// What is known of the message body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Body {
    /// `BODY=` as the message was submitted with it (qf `B` line).
    pub declared: BodyType,
    /// The body has 8-bit bytes (qf `F` flag `8`, sendmail's `EF_HAS8BIT`).
    pub has_8bit: bool,
    /// The message is MIME: a `MIME-Version:` header or `BODY=8BITMIME`
    /// (`EF_IS_MIME`).
    pub is_mime: bool,
    /// An RFC 1049 `Content-Type:` without MIME-Version: never convert it
    /// (`EF_DONT_MIME`).
    pub dont_mime: bool,
}

/// One message's envelope for one transaction.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Envelope {
    /// The queue ID (named in the `X-MIME-Autoconverted:` header of a converted body).
    pub id: String,
    /// The sender for `MAIL From:<...>`; empty for the null sender of a bounce.
    pub sender: String,
    /// The recipients, in the order their RCPT commands go out.
    pub recipients: Vec<Recipient>,
    /// The message size for `SIZE=` (0: not sent).
    pub size: u64,
    /// The body.
    pub body: Body,
    /// `RET=`, when the submitter gave one.
    pub ret: Option<Ret>,
    /// `ENVID=` (xtext).
    pub envid: Option<String>,
    /// `AUTH=` (xtext; sendmail's `e_auth_param`, qf `A` line).
    pub auth: Option<String>,
}

/// The envelope cannot be written as SMTP commands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("envelope value contains CR, LF or NUL: {0:?}")]
pub struct BadEnvelope(pub String);

impl Envelope {
    /// Refuses values that would break a command line.
    ///
    /// # Errors
    /// The first value with CR, LF or NUL in it.
    pub fn check(&self) -> Result<(), BadEnvelope> {
        let bad = |s: &str| s.bytes().any(|b| matches!(b, b'\r' | b'\n' | 0));
        let mut values = vec![Some(&self.sender), self.envid.as_ref(), self.auth.as_ref()];
        for r in &self.recipients {
            values.push(Some(&r.address));
            values.push(r.orcpt.as_ref());
        }
        match values.into_iter().flatten().find(|v| bad(v)) {
            Some(v) => Err(BadEnvelope(v.clone())),
            None => Ok(()),
        }
    }

    /// True when the sender or a recipient is not ASCII (the message needs SMTPUTF8).
    pub fn needs_smtputf8(&self) -> bool {
        !self.sender.is_ascii() || self.recipients.iter().any(|r| !r.address.is_ascii())
    }
}

/// What to do with the body type on this connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EightBit {
    /// Send the body as it is, with this `BODY=` parameter if any.
    Pass(Option<&'static str>),
    /// Convert the 8-bit MIME parts to 7 bits (base64 or quoted-printable).
    Convert,
    /// The server cannot take this body: `<host> does not support 8BITMIME`.
    Refuse,
}

/// sendmail's `EightBitMode` option (`confEIGHT_BIT_HANDLING`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EightBitMode {
    /// `pass8` (`p`, the default): pass undeclared 8-bit data, convert MIME.
    #[default]
    Pass,
    /// `mimefy` (`m`): declare undeclared 8-bit data 8BITMIME, convert otherwise.
    Mime,
    /// `strict` (`s`): convert, never pass.
    Strict,
}

impl EightBit {
    /// sendmail's choice in `smtpmailfrom()`: `eight_bit_mime` is the server's offer,
    /// `mailer_8bit` the mailer's `F=8` flag, `greeting_8bit_ok` an `8BIT-OK` in the
    /// server's greeting.
    pub fn decide(
        mode: EightBitMode,
        body: &Body,
        eight_bit_mime: bool,
        mailer_8bit: bool,
        greeting_8bit_ok: bool,
    ) -> EightBit {
        if eight_bit_mime {
            let param = match body.declared {
                BodyType::SevenBit => Some("7BIT"),
                BodyType::EightBitMime => Some("8BITMIME"),
                BodyType::Unspecified
                    if mode == EightBitMode::Mime
                        && body.has_8bit
                        && !body.dont_mime
                        && !mailer_8bit =>
                {
                    Some("8BITMIME")
                }
                BodyType::Unspecified => None,
            };
            return EightBit::Pass(param);
        }
        let pass_8bit = mode == EightBitMode::Pass;
        if mailer_8bit || greeting_8bit_ok || !body.has_8bit {
            EightBit::Pass(None)
        } else if !body.dont_mime && (!pass_8bit || body.is_mime) {
            EightBit::Convert
        } else if !pass_8bit {
            EightBit::Refuse
        } else {
            EightBit::Pass(None)
        }
    }
}

/// The negotiated facts the commands depend on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Offered {
    /// SIZE was offered.
    pub size: bool,
    /// DSN was offered.
    pub dsn: bool,
    /// AUTH was offered (any mechanism).
    pub auth: bool,
    /// SMTPUTF8 was offered.
    pub smtputf8: bool,
}

/// `MAIL From:<sender> ...` without the line end.
pub fn mail_command(env: &Envelope, offered: Offered, body: Option<&str>) -> String {
    let mut cmd = format!("MAIL From:<{}>", env.sender);
    if offered.size && env.size > 0 {
        cmd.push_str(&format!(" SIZE={}", env.size));
    }
    if let Some(body) = body {
        cmd.push_str(&format!(" BODY={body}"));
    }
    if offered.smtputf8 && env.needs_smtputf8() {
        cmd.push_str(" SMTPUTF8");
    }
    if offered.dsn {
        if let Some(envid) = &env.envid {
            cmd.push_str(&format!(" ENVID={envid}"));
        }
        match env.ret {
            Some(Ret::Full) => cmd.push_str(" RET=FULL"),
            Some(Ret::Hdrs) => cmd.push_str(" RET=HDRS"),
            None => {}
        }
    }
    if offered.auth {
        if let Some(auth) = &env.auth {
            cmd.push_str(&format!(" AUTH={auth}"));
        }
    }
    cmd
}

/// `RCPT To:<address> ...` without the line end.
pub fn rcpt_command(rcpt: &Recipient, offered: Offered) -> String {
    let mut cmd = format!("RCPT To:<{}>", rcpt.address);
    if offered.dsn {
        if let Some(n) = rcpt.notify {
            let words: Vec<&str> =
                [(n.success, "SUCCESS"), (n.failure, "FAILURE"), (n.delay, "DELAY")]
                    .into_iter()
                    .filter_map(|(on, word)| on.then_some(word))
                    .collect();
            let list = if words.is_empty() { "NEVER".to_string() } else { words.join(",") };
            cmd.push_str(&format!(" NOTIFY={list}"));
        }
        if let Some(orcpt) = &rcpt.orcpt {
            cmd.push_str(&format!(" ORCPT={orcpt}"));
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Envelope {
        Envelope {
            sender: "alice@example.org".into(),
            recipients: vec![Recipient {
                notify: Some(Notify { success: true, delay: true, ..Notify::default() }),
                orcpt: Some("rfc822;bob+2Bx@example.net".into()),
                ..Recipient::new("bob@example.net")
            }],
            size: 540,
            ret: Some(Ret::Hdrs),
            envid: Some("QENV-1".into()),
            auth: Some("alice@example.org".into()),
            ..Envelope::default()
        }
    }

    const ALL: Offered = Offered { size: true, dsn: true, auth: true, smtputf8: true };

    #[test]
    fn every_parameter_when_offered() {
        assert_eq!(
            mail_command(&env(), ALL, Some("8BITMIME")),
            "MAIL From:<alice@example.org> SIZE=540 BODY=8BITMIME ENVID=QENV-1 RET=HDRS AUTH=alice@example.org"
        );
        assert_eq!(
            rcpt_command(&env().recipients[0], ALL),
            "RCPT To:<bob@example.net> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;bob+2Bx@example.net"
        );
    }

    #[test]
    fn nothing_the_server_did_not_offer() {
        let none = Offered::default();
        assert_eq!(mail_command(&env(), none, None), "MAIL From:<alice@example.org>");
        assert_eq!(rcpt_command(&env().recipients[0], none), "RCPT To:<bob@example.net>");
        let bounce = Envelope { sender: String::new(), size: 0, ..env() };
        assert_eq!(mail_command(&bounce, Offered { size: true, ..none }, None), "MAIL From:<>");
    }

    #[test]
    fn notify_never_and_smtputf8() {
        let r = Recipient { notify: Some(Notify::default()), ..Recipient::new("x@y") };
        assert_eq!(rcpt_command(&r, ALL), "RCPT To:<x@y> NOTIFY=NEVER");
        let utf8 = Envelope { sender: "j\u{f6}rg@example.de".into(), ..Envelope::default() };
        assert!(utf8.needs_smtputf8());
        assert_eq!(mail_command(&utf8, ALL, None), "MAIL From:<j\u{f6}rg@example.de> SMTPUTF8");
    }

    #[test]
    fn a_line_break_in_a_value_is_refused() {
        let mut e = env();
        assert_eq!(e.check(), Ok(()));
        e.recipients[0].orcpt = Some("rfc822;x\r\nRCPT To:<evil>".into());
        assert!(e.check().is_err());
    }

    #[test]
    fn eight_bit_choices_are_sendmails() {
        use EightBitMode::*;
        let plain8 = Body { has_8bit: true, ..Body::default() };
        let mime8 = Body { has_8bit: true, is_mime: true, ..Body::default() };
        let rfc1049 = Body { has_8bit: true, dont_mime: true, ..Body::default() };
        let declared = Body {
            declared: BodyType::EightBitMime,
            has_8bit: true,
            is_mime: true,
            ..Body::default()
        };
        // The server offers 8BITMIME: BODY= as declared (or mimefied).
        assert_eq!(
            EightBit::decide(Pass, &declared, true, false, false),
            EightBit::Pass(Some("8BITMIME"))
        );
        assert_eq!(EightBit::decide(Pass, &plain8, true, false, false), EightBit::Pass(None));
        assert_eq!(
            EightBit::decide(Mime, &plain8, true, false, false),
            EightBit::Pass(Some("8BITMIME"))
        );
        // It does not: pass a non-MIME body, convert MIME, refuse only what cannot be.
        assert_eq!(EightBit::decide(Pass, &plain8, false, false, false), EightBit::Pass(None));
        assert_eq!(EightBit::decide(Pass, &mime8, false, false, false), EightBit::Convert);
        assert_eq!(EightBit::decide(Strict, &plain8, false, false, false), EightBit::Convert);
        assert_eq!(EightBit::decide(Mime, &rfc1049, false, false, false), EightBit::Refuse);
        assert_eq!(EightBit::decide(Pass, &rfc1049, false, false, false), EightBit::Pass(None));
        // 8BIT-OK or F=8, or no 8-bit data at all: pass.
        assert_eq!(EightBit::decide(Strict, &mime8, false, true, false), EightBit::Pass(None));
        assert_eq!(EightBit::decide(Mime, &plain8, true, true, false), EightBit::Pass(None));
        assert_eq!(EightBit::decide(Strict, &mime8, false, false, true), EightBit::Pass(None));
        assert_eq!(
            EightBit::decide(Strict, &Body::default(), false, false, false),
            EightBit::Pass(None)
        );
    }
}
