//! # Name
//! help - HELP, with the texts of sendmail's helpfile
//!
//! # Description
//! `HELP` lists the topics; `HELP <topic>` (any case) shows one, each line as
//! `214-2.0.0 ...`, ending with `214 2.0.0 End of HELP info`. An unknown topic gets
//! `504 5.3.0 HELP topic "<first 10 characters, lower case>" unknown`. The texts
//! are those of Debian's sendmail 8.17 `/etc/mail/helpfile`, as the real server
//! sent them; `$v` is [`super::Settings::version`].

use super::{Reply, Session};

/// The version placeholder in the topic list's first line.
const VERSION: &str = "$v";

/// Topic name (lower case; "" for the list) and its lines.
const TOPICS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "This is sendmail version $v",
            "Topics:",
            "\tHELO\tEHLO\tMAIL\tRCPT\tDATA",
            "\tRSET\tNOOP\tQUIT\tHELP\tVRFY",
            "\tEXPN\tVERB\tETRN\tDSN\tAUTH",
            "\tSTARTTLS",
            "For more info use \"HELP <topic>\".",
            "To report bugs in the implementation see",
            "\thttp://www.sendmail.org/email-addresses.html",
            "For local information send email to Postmaster at your site.",
        ],
    ),
    ("helo", &["HELO <hostname>", "\tIntroduce yourself."]),
    (
        "ehlo",
        &[
            "EHLO <hostname>",
            "\tIntroduce yourself, and request extended SMTP mode.",
            "Possible replies include:",
            "\tSEND\t\tSend as mail\t\t\t[RFC821]",
            "\tSOML\t\tSend as mail or terminal\t[RFC821]",
            "\tSAML\t\tSend as mail and terminal\t[RFC821]",
            "\tEXPN\t\tExpand the mailing list\t\t[RFC821]",
            "\tHELP\t\tSupply helpful information\t[RFC821]",
            "\tTURN\t\tTurn the operation around\t[RFC821]",
            "\t8BITMIME\tUse 8-bit data\t\t\t[RFC1652]",
            "\tSIZE\t\tMessage size declaration\t[RFC1870]",
            "\tVERB\t\tVerbose\t\t\t\t[Allman]",
            "\tCHUNKING\tChunking\t\t\t[RFC1830]",
            "\tBINARYMIME\tBinary MIME\t\t\t[RFC1830]",
            "\tPIPELINING\tCommand Pipelining\t\t[RFC1854]",
            "\tDSN\t\tDelivery Status Notification\t[RFC1891]",
            "\tETRN\t\tRemote Message Queue Starting\t[RFC1985]",
            "\tSTARTTLS\tSecure SMTP\t\t\t[RFC2487]",
            "\tAUTH\t\tAuthentication\t\t\t[RFC2554]",
            "\tENHANCEDSTATUSCODES\tEnhanced status codes\t[RFC2034]",
            "\tDELIVERBY\tDeliver By\t\t\t[RFC2852]",
        ],
    ),
    (
        "mail",
        &[
            "MAIL From:<sender> [ <parameters> ]",
            "\tSpecifies the sender.  Parameters are ESMTP extensions.",
            "\tSee \"HELP DSN\" for details.",
        ],
    ),
    (
        "rcpt",
        &[
            "RCPT To:<recipient> [ <parameters> ]",
            "\tSpecifies the recipient.  Can be used any number of times.",
            "\tParameters are ESMTP extensions.  See \"HELP DSN\" for details.",
        ],
    ),
    (
        "data",
        &["DATA", "\tFollowing text is collected as the message.", "\tEnd with a single dot."],
    ),
    ("rset", &["RSET", "\tResets the system."]),
    ("noop", &["NOOP", "\tDo nothing."]),
    ("quit", &["QUIT", "\tExit sendmail (SMTP)."]),
    ("help", &["HELP [ <topic> ]", "\tThe HELP command gives help info."]),
    (
        "vrfy",
        &[
            "VRFY <recipient>",
            "\tVerify an address.  If you want to see what it aliases",
            "\tto, use EXPN instead.",
        ],
    ),
    (
        "expn",
        &[
            "EXPN <recipient>",
            "\tExpand an address.  If the address indicates a mailing",
            "\tlist, return the contents of that list.",
        ],
    ),
    (
        "verb",
        &[
            "VERB",
            "\tGo into verbose mode.  This sends 0xy responses that are",
            "\tnot RFC821 standard (but should be).  They are recognized",
            "\tby humans and other sendmail implementations.",
        ],
    ),
    (
        "etrn",
        &[
            "ETRN [ <hostname> | @<domain> | #<queuename> ]",
            "\tRun the queue for the specified <hostname>, or",
            "\tall hosts within a given <domain>, or a specially-named",
            "\t<queuename> (implementation-specific).",
        ],
    ),
    (
        "dsn",
        &[
            "MAIL From:<sender> [ RET={ FULL | HDRS} ] [ ENVID=<envid> ]",
            "RCPT To:<recipient> [ NOTIFY={NEVER,SUCCESS,FAILURE,DELAY} ]",
            "\t\t     [ ORCPT=<recipient> ]",
            "\tSMTP Delivery Status Notifications.",
            "Descriptions:",
            "\tRET\tReturn either the full message or only headers.",
            "\tENVID\tSender's \"envelope identifier\" for tracking.",
            "\tNOTIFY\tWhen to send a DSN. Multiple options are OK, comma-",
            "\t\tdelimited. NEVER must appear by itself.",
            "\tORCPT\tOriginal recipient.",
        ],
    ),
    ("auth", &["AUTH mechanism [initial-response]", "\tStart authentication."]),
    ("starttls", &["STARTTLS", "\tStart TLS negotiation."]),
];

impl Session {
    pub(super) fn help(&mut self, args: &str) {
        let topic = args.trim_end().to_lowercase();
        let Some((_, lines)) = TOPICS.iter().find(|(name, _)| *name == topic) else {
            let shown: String = topic.chars().take(10).collect();
            self.reply(Reply::new(504, "5.3.0", format!("HELP topic \"{shown}\" unknown")));
            return;
        };
        let mut text: Vec<String> =
            lines.iter().map(|l| l.replace(VERSION, &self.settings.version)).collect();
        text.push("End of HELP info".to_string());
        self.reply(Reply::lines(214, Some("2.0.0"), text));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{lab, say, started};

    #[test]
    fn help_topics() {
        let (mut s, _) = started(lab());
        let r = say(&mut s, "HELP quit\r\n");
        assert_eq!(
            r,
            "214-2.0.0 QUIT\r\n214-2.0.0 \tExit sendmail (SMTP).\r\n214 2.0.0 End of HELP info\r\n"
        );
        let r = say(&mut s, "HELP NOSUCHTOPIC\r\n");
        assert_eq!(r, "504 5.3.0 HELP topic \"nosuchtopi\" unknown\r\n");
        assert!(
            say(&mut s, "HELP\r\n").starts_with("214-2.0.0 This is sendmail version 8.17.1.9\r\n")
        );
    }
}
