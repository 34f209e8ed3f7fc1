//! What some of cf's own m4 files define, as data, since the m4 library is not run.
//!
//! * [`FEATURES`]: the feature names `cf/feature/*.m4` provides (sendmail 8.17.1.9);
//!   any other `FEATURE` earns a warning.
//! * [`msp`]: the defines of `feature/msp.m4`, so that a `submit.mc` reports the MSP
//!   queue (`MSP_QUEUE_DIR`, else `/var/spool/clientmqueue`) and the MSP's options.
//! * [`apply`]: Debian's `ostype/debian.m4`, `domain/debian-mta.m4` and
//!   `domain/debian-msp.m4` (8.17.1.9-2+deb12u2), the files Debian's stock `.mc` files
//!   name; only their plain defines that options or paths depend on. Like m4, they are
//!   applied where the `OSTYPE`/`DOMAIN` line is, so later defines override them.
//!   Other `OSTYPE`/`DOMAIN` names are recorded only.

use super::error::Pos;
use super::m4::Engine;

/// Every `cf/feature/*.m4` of sendmail 8.17.1.9.
pub(crate) const FEATURES: &[&str] = &[
    "accept_unqualified_senders",
    "accept_unresolvable_domains",
    "access_db",
    "allmasquerade",
    "always_add_domain",
    "authinfo",
    "badmx",
    "bcc",
    "bestmx_is_local",
    "bitdomain",
    "blacklist_recipients",
    "block_bad_helo",
    "blocklist_recipients",
    "check_cert_altnames",
    "check_other",
    "compat_check",
    "conncontrol",
    "delay_checks",
    "dnsbl",
    "domainmap",
    "domaintable",
    "drac",
    "enhdnsbl",
    "generics_entire_domain",
    "genericstable",
    "greet_pause",
    "ldap_routing",
    "limited_masquerade",
    "local_lmtp",
    "local_no_masquerade",
    "local_procmail",
    "lookupdotdomain",
    "loose_relay_check",
    "mailertable",
    "masquerade_entire_domain",
    "masquerade_envelope",
    "msp",
    "mtamark",
    "no_default_msa",
    "nocanonify",
    "nopercenthack",
    "notsticky",
    "nouucp",
    "nullclient",
    "prefixmod",
    "preserve_local_plus_detail",
    "preserve_luser_host",
    "promiscuous_relay",
    "queuegroup",
    "ratecontrol",
    "redirect",
    "relay_based_on_MX",
    "relay_entire_domain",
    "relay_hosts_only",
    "relay_local_from",
    "relay_mail_from",
    "require_rdns",
    "rhsbl",
    "smrsh",
    "stickyhost",
    "sts",
    "tls_failures",
    "tls_session_features",
    "use_client_ptr",
    "use_ct_file",
    "use_cw_file",
    "uucpdomain",
    "virtuser_entire_domain",
    "virtusertable",
    "vnet",
];

/// `OSTYPE(debian)`: ostype/debian.m4.
const OSTYPE_DEBIAN: &[(&str, &str)] = &[
    ("confDEAD_LETTER_DROP", "/var/lib/sendmail/dead.letter"),
    ("STATUS_FILE", "/var/lib/sendmail/sendmail.st"),
    ("confHOST_STATUS_DIRECTORY", "/var/lib/sendmail/host_status"),
    ("confME_TOO", "True"),
    ("confDEF_USER_ID", "mail:mail"),
    ("confSMTP_LOGIN_MSG", "$j Sendmail $v/$Z; $b; (No UCE/UBE) $?{client_addr}logging access from: ${client_name}(${client_resolve})-$_$."),
];

/// Timeouts both Debian domain files set.
const DEBIAN_TIMEOUTS: &[(&str, &str)] = &[
    ("confTO_MAIL", "2m"),
    ("confTO_DATAINIT", "2m"),
    ("confTO_RSET", "1m"),
    ("confTO_QUIT", "2m"),
    ("confTO_COMMAND", "5m"),
    ("confTO_IDENT", "5s"),
];

/// `DOMAIN(debian-mta)`: domain/debian-mta.m4 as it evaluates for 8.17.
const DOMAIN_DEBIAN_MTA: &[(&str, &str)] = &[
    ("STATUS_FILE", "/var/lib/sendmail/sendmail.st"),
    ("confHOST_STATUS_DIRECTORY", "/var/lib/sendmail/host_status"),
    ("confPID_FILE", "/var/run/sendmail/mta/sendmail.pid"),
    ("confCONTROL_SOCKET_NAME", "/var/run/sendmail/mta/smcontrol"),
    ("confPROCESS_TITLE_PREFIX", "MTA"),
    ("confMAX_DAEMON_CHILDREN", "0"),
    ("confRRT_IMPLIES_DSN", "False"),
    ("confSAFE_FILE_ENV", "/"),
    ("confQUEUE_FILE_MODE", "0640"),
    ("confTEMP_FILE_MODE", "0640"),
    ("confTO_ICONNECT", "2m"),
    ("confMAX_HOP", "100"),
    ("confPRIVACY_FLAGS", "restrictqrun,restrictexpand"),
    ("confMAX_RUNNERS_PER_QUEUE", "5"),
];

/// `DOMAIN(debian-msp)`: domain/debian-msp.m4.
const DOMAIN_DEBIAN_MSP: &[(&str, &str)] = &[
    ("MSP_QUEUE_DIR", "/var/spool/mqueue-client"),
    ("STATUS_FILE", "/var/lib/sendmail/sm-client.st"),
    ("confHOST_STATUS_DIRECTORY", ""),
    ("confPID_FILE", "/var/run/sendmail/msp/sendmail.pid"),
    ("confCONTROL_SOCKET_NAME", "/var/run/sendmail/msp/smcontrol"),
    ("confPROCESS_TITLE_PREFIX", "MSP"),
    ("confRRT_IMPLIES_DSN", "False"),
    ("confSAFE_FILE_ENV", "/"),
    ("confQUEUE_FILE_MODE", "0660"),
    ("confTEMP_FILE_MODE", "0640"),
    ("confTO_ICONNECT", "2s"),
    ("confTO_HOSTSTATUS", "0"),
    ("confRUN_AS_USER", "smmsp"),
    ("confTRUSTED_USER", "smmsp"),
];

/// Applies Debian's `OSTYPE`/`DOMAIN` defines; other names do nothing.
pub(crate) fn apply(engine: &mut Engine, kind: &str, name: &str, pos: &Pos) {
    let (defines, timeouts): (&[(&str, &str)], bool) = match (kind, name) {
        ("ostype", "debian") => (OSTYPE_DEBIAN, false),
        ("domain", "debian-mta") => (DOMAIN_DEBIAN_MTA, true),
        ("domain", "debian-msp") => (DOMAIN_DEBIAN_MSP, true),
        _ => return,
    };
    let timeouts: &[(&str, &str)] = if timeouts { DEBIAN_TIMEOUTS } else { &[] };
    for (define, value) in defines.iter().chain(timeouts) {
        engine.define(define, value, pos.clone());
    }
    if name == "debian-mta" && !engine.macros.contains_key("confTRUSTED_USER") {
        engine.define("confTRUSTED_USER", "smmta", pos.clone());
    }
    if name == "debian-msp" {
        engine
            .mc
            .features
            .push(super::types::Feature { name: "no_default_msa".into(), args: Vec::new() });
    }
}

/// `FEATURE(msp)`: what feature/msp.m4 defines, in its order.
pub(crate) fn msp(engine: &mut Engine, pos: &Pos) {
    let at = || pos.clone();
    engine.macros.remove("ALIAS_FILE");
    engine.define("ALIAS_FILE", "", at());
    engine.define("confDELIVERY_MODE", "i", at());
    engine.define("confUSE_MSP", "True", at());
    engine.define("confFORWARD_PATH", "", at());
    engine.define("confPRIVACY_FLAGS", "goaway,noetrn,restrictqrun", at());
    engine.define("confDONT_PROBE_INTERFACES", "True", at());
    if !engine.macros.contains_key("confRUN_AS_USER") {
        engine.define("confRUN_AS_USER", "smmsp", at());
    }
    if !engine.macros.contains_key("confTRUSTED_USER") {
        let user = engine.macros.get("confRUN_AS_USER").cloned().unwrap_or_default();
        let user = user.split(':').next().unwrap_or_default().to_string();
        engine.define("confTRUSTED_USER", &user, at());
    }
    let queue = engine
        .macros
        .get("MSP_QUEUE_DIR")
        .cloned()
        .unwrap_or_else(|| "/var/spool/clientmqueue".to_string());
    engine.define("QUEUE_DIR", &queue, at());
    if !engine.macros.contains_key("confPID_FILE") {
        engine.define("confPID_FILE", &format!("{queue}/sm-client.pid"), at());
    }
    engine.define("confQUEUE_FILE_MODE", "0660", at());
    let status = match engine.macros.get("STATUS_FILE") {
        Some(file) => match file.find("sendmail.st") {
            Some(at) => format!("{}sm-client.st", &file[..at]),
            None => file.clone(),
        },
        None => format!("{queue}/sm-client.st"),
    };
    engine.define("STATUS_FILE", &status, at());
    let no_msa = super::types::Feature { name: "no_default_msa".into(), args: Vec::new() };
    engine.mc.features.push(no_msa);
    if engine.mc.daemon_options.is_empty() {
        let (nomta, _) = super::types::DaemonOptions::parse("Name=NoMTA, Addr=127.0.0.1, M=E");
        engine.mc.daemon_options.push(nomta);
    }
    for mailer in ["local", "smtp"] {
        if !engine.mc.mailers.iter().any(|m| m == mailer) {
            engine.mc.mailers.push(mailer.to_string());
        }
    }
}
