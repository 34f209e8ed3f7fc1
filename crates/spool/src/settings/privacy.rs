//! `PrivacyOptions` (`confPRIVACY_FLAGS`) as a typed set.
//!
//! sendmail's flags, comma or blank separated, case-insensitive; `goaway` stands for
//! `authwarnings,noexpn,novrfy,needmailhelo,needexpnhelo,needvrfyhelo,noreceipts,
//! nobodyreturn,noverb,noetrn`; `public` for none. The default is `authwarnings`.
//! Unknown words are ignored here (the config reader warned about them).

use crate::config::Config;

/// The `PrivacyOptions` flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Privacy {
    /// `authwarnings`: add `X-Authentication-Warning:` headers.
    pub authwarnings: bool,
    /// `noexpn`: refuse EXPN.
    pub noexpn: bool,
    /// `novrfy`: refuse VRFY.
    pub novrfy: bool,
    /// `noverb`: refuse VERB.
    pub noverb: bool,
    /// `needmailhelo`: HELO before MAIL.
    pub needmailhelo: bool,
    /// `needexpnhelo`: HELO before EXPN.
    pub needexpnhelo: bool,
    /// `needvrfyhelo`: HELO before VRFY.
    pub needvrfyhelo: bool,
    /// `noreceipts`: no DSN, no return receipts.
    pub noreceipts: bool,
    /// `nobodyreturn`: bounces carry headers only.
    pub nobodyreturn: bool,
    /// `noetrn`: refuse ETRN.
    pub noetrn: bool,
    /// `restrictqrun`: only root and the queue owner run the queue.
    pub restrictqrun: bool,
    /// `restrictmailq`: only the queue's group lists it.
    pub restrictmailq: bool,
    /// `restrictexpand`: `-bv` and `-v` only for trusted users.
    pub restrictexpand: bool,
    /// `noactualrecipient`: no `X-Actual-Recipient` in DSNs.
    pub noactualrecipient: bool,
}

impl Privacy {
    /// The flags of `config` (sendmail's default `authwarnings` when unset).
    pub fn from_config(config: &Config) -> Privacy {
        Privacy::parse(config.option("PrivacyOptions").unwrap_or("authwarnings"))
    }

    /// The flags of a `PrivacyOptions` value.
    pub fn parse(value: &str) -> Privacy {
        let mut p = Privacy::default();
        for word in value.split([',', ' ', '\t']).filter(|w| !w.is_empty()) {
            p.set(&word.to_ascii_lowercase());
        }
        p
    }

    fn set(&mut self, word: &str) {
        match word {
            "authwarnings" => self.authwarnings = true,
            "noexpn" => self.noexpn = true,
            "novrfy" => self.novrfy = true,
            "noverb" => self.noverb = true,
            "needmailhelo" => self.needmailhelo = true,
            "needexpnhelo" => self.needexpnhelo = true,
            "needvrfyhelo" => self.needvrfyhelo = true,
            "noreceipts" => self.noreceipts = true,
            "nobodyreturn" => self.nobodyreturn = true,
            "noetrn" => self.noetrn = true,
            "restrictqrun" => self.restrictqrun = true,
            "restrictmailq" => self.restrictmailq = true,
            "restrictexpand" => self.restrictexpand = true,
            "noactualrecipient" => self.noactualrecipient = true,
            "goaway" => {
                for w in GOAWAY {
                    self.set(w);
                }
            }
            _ => {}
        }
    }
}

/// What `goaway` stands for, as sendmail's readcf.c defines it.
const GOAWAY: [&str; 10] = [
    "authwarnings",
    "noexpn",
    "novrfy",
    "needmailhelo",
    "needexpnhelo",
    "needvrfyhelo",
    "noreceipts",
    "nobodyreturn",
    "noverb",
    "noetrn",
];
