//! # Name
//! params - ESMTP parameters of MAIL FROM and RCPT TO
//!
//! # Description
//! Split as sendmail's `parse_esmtp_args` does: a keyword is a run of letters,
//! digits and `-`; `=` starts the value, which runs to a blank, a control
//! character or another `=`; the character after a parameter is a separator
//! whatever it is (so `(comment)` is a parameter with an empty name). The first
//! error ends the scan.
//!
//! MAIL: SIZE, BODY (7BIT, 8BITMIME), RET, ENVID, AUTH, BY, and SMTPUTF8 (no value)
//! where it is offered. RCPT: NOTIFY, ORCPT. Anything else, BINARYMIME included, is
//! `555 5.5.4 <name> parameter unrecognized` (as are DSN parameters when DSN is not
//! offered, and SMTPUTF8 when it is not).
//! Reply texts are sendmail's. xtext (`ENVID`, `AUTH`, `ORCPT`) is checked by
//! `spool::xtext`, the one reader of it.

use super::{BodyType, Notify, Recipient, Reply, Ret, Sender, Settings};
use spool::xtext::{self, Orcpt};

/// One `KEY[=value]` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Param<'a> {
    pub(super) key: &'a str,
    pub(super) value: Option<&'a str>,
}

/// Split parameter text the way sendmail does.
pub(super) fn split(text: &str) -> Vec<Param<'_>> {
    let bytes = text.as_bytes();
    let mut params = Vec::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            return params;
        }
        let key_start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
            i += 1;
        }
        let key = &text[key_start..i];
        let mut value = None;
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            let v_start = i;
            while i < bytes.len()
                && !matches!(bytes[i], b' ' | b'=')
                && !bytes[i].is_ascii_control()
            {
                i += 1;
            }
            value = Some(&text[v_start..i]);
        }
        params.push(Param { key, value });
        if i < bytes.len() {
            // sendmail overwrites the separator, whatever it is; step over one char.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
    }
}

fn unrecognized(key: &str) -> Reply {
    Reply::new(555, "5.5.4", format!("{key} parameter unrecognized"))
}

fn requires(key: &str) -> Reply {
    Reply::new(501, "5.5.2", format!("{key} requires a value"))
}

fn duplicate(key: &str) -> Reply {
    Reply::new(501, "5.5.0", format!("Duplicate {key} parameter"))
}

fn dsn_on(settings: &Settings) -> bool {
    settings.extensions.dsn && !settings.privacy.noreceipts
}

/// Apply MAIL FROM parameters to `sender`.
pub(super) fn mail(text: &str, sender: &mut Sender, settings: &Settings) -> Result<(), Reply> {
    for Param { key, value } in split(text) {
        let upper = key.to_ascii_uppercase();
        match upper.as_str() {
            "SIZE" if settings.extensions.size => {
                let v = value.ok_or_else(|| requires("SIZE"))?;
                sender.size = parse_size(v)?;
            }
            "BODY" if settings.extensions.eight_bit_mime => {
                let v = value.ok_or_else(|| requires("BODY"))?;
                sender.body = match v.to_ascii_uppercase().as_str() {
                    "7BIT" => BodyType::SevenBit,
                    "8BITMIME" => BodyType::EightBitMime,
                    _ => return Err(Reply::new(501, "5.5.4", format!("Unknown BODY type {v}"))),
                };
                sender.body_given = Some(v.to_string());
            }
            "RET" if dsn_on(settings) => sender.ret = Some(ret(value, sender.ret.is_some())?),
            "ENVID" if dsn_on(settings) => {
                let v = value.ok_or_else(|| requires("ENVID"))?;
                if sender.envid.is_some() {
                    return Err(duplicate("ENVID"));
                }
                if !xtext::is_valid(v) {
                    return Err(Reply::new(501, "5.5.4", "Syntax error in ENVID parameter value"));
                }
                sender.envid = Some(v.to_string());
            }
            "AUTH" if settings.auth_param_always || !settings.auth_mechanisms.is_empty() => {
                let v = value.ok_or_else(|| requires("AUTH="))?;
                if !xtext::is_valid(v) {
                    return Err(Reply::new(501, "5.5.4", "Syntax error in AUTH parameter value"));
                }
                sender.auth = Some(v.to_string());
            }
            "BY" if settings.extensions.deliver_by => sender.by = Some(deliver_by(value)?),
            "SMTPUTF8" if settings.extensions.smtputf8 => match value {
                None => sender.smtputf8 = true,
                Some(_) => return Err(Reply::new(501, "5.5.4", "Syntax error in parameters")),
            },
            _ => return Err(unrecognized(key)),
        }
    }
    Ok(())
}

/// `SIZE=`: digits as far as they go (sendmail's strtol: `abc` is 0).
fn parse_size(v: &str) -> Result<u64, Reply> {
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return Ok(0);
    }
    digits
        .parse::<u64>()
        .ok()
        .filter(|&n| n <= i64::MAX as u64)
        .ok_or_else(|| Reply::new(552, "5.2.3", "Message size exceeds maximum value"))
}

fn ret(value: Option<&str>, seen: bool) -> Result<Ret, Reply> {
    let v = value.ok_or_else(|| requires("RET"))?;
    if seen {
        return Err(duplicate("RET"));
    }
    match v.to_ascii_uppercase().as_str() {
        "FULL" => Ok(Ret::Full),
        "HDRS" => Ok(Ret::Hdrs),
        _ => Err(Reply::new(501, "5.5.2", format!("Bad argument \"{v}\" to RET"))),
    }
}

/// `BY=<seconds>;<R|N>[T]` (RFC 2852).
fn deliver_by(value: Option<&str>) -> Result<String, Reply> {
    let v = value.ok_or_else(|| requires("BY="))?;
    let sign = usize::from(v.starts_with(['-', '+']));
    let digits = v[sign..].chars().take_while(char::is_ascii_digit).count();
    let rest = &v[sign + digits..];
    let Some(mode) = rest.strip_prefix(';') else {
        return Err(Reply::new(501, "5.5.2", "BY= missing ';'"));
    };
    match mode.chars().next().map(|c| c.to_ascii_uppercase()) {
        Some('R') | Some('N') => Ok(v.to_string()),
        Some(c) => Err(Reply::new(501, "5.5.2", format!("illegal by-mode '{c}'"))),
        None => Err(Reply::new(501, "5.5.2", "illegal by-mode ''")),
    }
}

/// Apply RCPT TO parameters to `rcpt`.
pub(super) fn rcpt(text: &str, rcpt: &mut Recipient, settings: &Settings) -> Result<(), Reply> {
    for Param { key, value } in split(text) {
        match key.to_ascii_uppercase().as_str() {
            "NOTIFY" if dsn_on(settings) => {
                let v = value.ok_or_else(|| requires("NOTIFY"))?;
                let mut notify = rcpt.notify.unwrap_or_default();
                notify_values(v, key, &mut notify)?;
                rcpt.notify = Some(notify);
            }
            "ORCPT" if dsn_on(settings) => {
                let v = value.ok_or_else(|| requires("ORCPT"))?;
                if rcpt.orcpt.is_some() {
                    return Err(duplicate("ORCPT"));
                }
                if Orcpt::parse(v).is_none() {
                    return Err(Reply::new(501, "5.5.4", "Syntax error in ORCPT parameter value"));
                }
                rcpt.orcpt = Some(v.to_string());
            }
            _ => return Err(unrecognized(key)),
        }
    }
    Ok(())
}

fn notify_values(v: &str, key: &str, notify: &mut Notify) -> Result<(), Reply> {
    let bad = |word: &str| Reply::new(501, "5.5.4", format!("Bad argument \"{word}\"  to {key}"));
    let words: Vec<&str> = v.split(',').collect();
    for word in &words {
        match word.to_ascii_uppercase().as_str() {
            "SUCCESS" => notify.success = true,
            "FAILURE" => notify.failure = true,
            "DELAY" => notify.delay = true,
            // Some(all false) is NEVER.
            "NEVER" if words.len() == 1 => {}
            _ => return Err(bad(word)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<(String, Option<String>)> {
        split(text).into_iter().map(|p| (p.key.to_string(), p.value.map(str::to_string))).collect()
    }

    #[test]
    fn splitting_like_sendmail() {
        assert_eq!(
            keys(" SIZE=1 BODY=8BITMIME"),
            [("SIZE".into(), Some("1".into())), ("BODY".into(), Some("8BITMIME".into()))]
        );
        assert_eq!(keys(" (comment)")[0], ("".into(), None));
        assert_eq!(keys(" FOO(x)")[0], ("FOO".into(), None));
        assert_eq!(keys(" ENVID=a=b")[1], ("b".into(), None));
        assert_eq!(keys(" SIZE="), [("SIZE".into(), Some("".into()))]);
    }

    fn mail_err(text: &str) -> String {
        let mut s = Sender::default();
        let settings = Settings::new("h");
        String::from_utf8(mail(text, &mut s, &settings).unwrap_err().to_bytes()).unwrap()
    }

    #[test]
    fn smtputf8_only_where_offered_and_without_a_value() {
        let mut settings = Settings::new("h");
        settings.extensions.smtputf8 = true;
        let mut s = Sender::default();
        mail(" SMTPUTF8 BODY=8BITMIME", &mut s, &settings).unwrap();
        assert!(s.smtputf8);
        let err = mail(" SMTPUTF8=yes", &mut Sender::default(), &settings).unwrap_err();
        assert_eq!(err.to_bytes(), b"501 5.5.4 Syntax error in parameters\r\n");
    }

    #[test]
    fn mail_parameter_errors() {
        assert_eq!(mail_err(" FOO=BAR"), "555 5.5.4 FOO parameter unrecognized\r\n");
        assert_eq!(mail_err(" SMTPUTF8"), "555 5.5.4 SMTPUTF8 parameter unrecognized\r\n");
        assert_eq!(mail_err(" (c)"), "555 5.5.4  parameter unrecognized\r\n");
        assert_eq!(mail_err(" BODY=BINARYMIME"), "501 5.5.4 Unknown BODY type BINARYMIME\r\n");
        assert_eq!(mail_err(" RET=FULL RET=HDRS"), "501 5.5.0 Duplicate RET parameter\r\n");
        assert_eq!(mail_err(" RET=X"), "501 5.5.2 Bad argument \"X\" to RET\r\n");
        assert_eq!(mail_err(" BY=abc;R"), "501 5.5.2 BY= missing ';'\r\n");
        assert_eq!(mail_err(" BY=100;X"), "501 5.5.2 illegal by-mode 'X'\r\n");
        assert_eq!(mail_err(" AUTH"), "555 5.5.4 AUTH parameter unrecognized\r\n");
        assert_eq!(mail_err(" SIZE"), "501 5.5.2 SIZE requires a value\r\n");
        assert_eq!(
            mail_err(" SIZE=99999999999999999999"),
            "552 5.2.3 Message size exceeds maximum value\r\n"
        );
    }

    #[test]
    fn notify_rules() {
        let settings = Settings::new("h");
        let mut r = Recipient::default();
        let e = rcpt(" NOTIFY=NEVER,SUCCESS", &mut r, &settings).unwrap_err();
        assert_eq!(e.to_bytes(), b"501 5.5.4 Bad argument \"NEVER\"  to NOTIFY\r\n");
        let mut r = Recipient::default();
        rcpt(" notify=success,delay ORCPT=rfc822;a+2Bb", &mut r, &settings).unwrap();
        assert_eq!(r.notify, Some(Notify { success: true, delay: true, ..Notify::default() }));
        assert_eq!(r.orcpt.as_deref(), Some("rfc822;a+2Bb"));
    }
}
