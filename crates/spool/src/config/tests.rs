//! `spool::config` against small fixtures, the lab's `.mc` files, Debian's stock
//! configs and every example `.mc` of sendmail's cf tree (when the oracle is unpacked).
//! Unit tests, since option lookup by name is private to spool.

use std::path::{Path, PathBuf};

use super::{Config, ConfigError, OPTIONS};
use testkit::oracle::{skip, Oracle};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/config").join(name)
}

/// The unpacked oracle (`SMROOT`, default /tmp/sm-root), or `None` with a message.
fn smroot() -> Option<PathBuf> {
    let oracle = Oracle::locate();
    if oracle.cf_tree().is_dir() {
        return Some(oracle.root);
    }
    skip(format!("{} has no sendmail cf tree (run tests/oracle/setup.sh)", oracle.root.display()));
    None
}

/// A lab `.mc.in` with its placeholders filled in as setup.sh does.
fn lab(name: &str) -> Config {
    let path = testkit::paths::oracle_conf().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let text = text.replace("@SMLAB@", "/tmp/smlab").replace("@SMROOT@", "/tmp/sm-root");
    Config::from_str(&path, &text).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn lab_sendmail_mc_gives_the_lab_options() {
    let c = lab("sendmail.mc.in");
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    assert_eq!(c.queue_directory(), Path::new("/tmp/smlab/mqueue"));
    assert_eq!(c.option("MaxRecipientsPerMessage"), Some("10"));
    assert_eq!(
        c.option("PrivacyOptions"),
        Some("authwarnings,novrfy,noexpn,restrictqrun,needmailhelo")
    );
    assert_eq!(c.option("BadRcptThrottle"), Some("3"));
    assert_eq!(c.option("MaxHeadersLength"), Some("32000"));
    assert_eq!(c.option("MaxHopCount"), Some("100"));
    assert_eq!(c.option("SmtpGreetingMessage"), Some("$j Sendmail $v/$Z; $b (smlab oracle)"));
    assert_eq!(c.option("Timeout.ident"), Some("0"));
    assert_eq!(c.option("MaxMessageSize"), None);
    assert_eq!(c.macro_value("confDOMAIN_NAME"), Some("mail.lab.example"));
    assert_eq!(c.smart_host(), Some("relay:[127.0.0.1]"));
    assert_eq!(c.mailers(), ["local", "smtp"]);
    let access = c.feature("access_db").unwrap();
    assert_eq!(access.arg(0), Some("hash -T<TMPF> -o /tmp/smlab/etc/access"));
    assert!(c.feature("use_cw_file").is_some() && c.feature("mailertable").is_some());
    let daemon = &c.daemon_options()[0];
    assert_eq!(
        (daemon.port(), daemon.addr(), daemon.name()),
        (Some("2525"), Some("127.0.0.1"), Some("MTA"))
    );
    let aliases = c.alias_files();
    assert_eq!(aliases.len(), 1);
    assert_eq!(
        (aliases[0].map_type.as_str(), aliases[0].path.as_path()),
        ("hash", Path::new("/tmp/smlab/etc/aliases"))
    );
}

#[test]
fn lab_submit_mc_is_an_msp_with_its_own_queue() {
    let c = lab("submit.mc.in");
    assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    assert_eq!(c.queue_directory(), Path::new("/tmp/smlab/clientmqueue"));
    assert_eq!(c.client_queue_directory(), Path::new("/tmp/smlab/clientmqueue"));
    assert_eq!(c.option("RunAsUser"), Some("mail:mail"));
    assert_eq!(c.option("TrustedUser"), Some("mail"));
    assert_eq!(c.option("DeliveryMode"), Some("i"));
    assert_eq!(c.option("QueueFileMode"), Some("0660"));
    assert_eq!(c.option("Timeout.iconnect"), Some("2s"));
    assert_eq!(c.feature("msp").unwrap().arg(0), Some("[127.0.0.1]"));
    assert!(c.alias_files().is_empty());
}

/// Every option line of the generated sendmail.cf / submit.cf agrees with ours.
#[test]
fn lab_options_agree_with_the_generated_cf() {
    for (mc, cf) in [("sendmail.mc", "sendmail.cf"), ("submit.mc", "submit.cf")] {
        let etc = Oracle::locate().lab.join("etc");
        let (Ok(_), Ok(cf_text)) =
            (std::fs::metadata(etc.join(mc)), std::fs::read_to_string(etc.join(cf)))
        else {
            skip(format!("{}/{cf} not generated (run tests/oracle/setup.sh)", etc.display()));
            return;
        };
        let config = Config::load(&etc.join(mc)).unwrap();
        let mut compared = 0;
        for line in cf_text.lines().filter_map(|l| l.strip_prefix("O ")) {
            let (name, value) = line.split_once('=').unwrap_or((line, ""));
            if OPTIONS.iter().any(|o| o.name == name) {
                assert_eq!(config.option(name), Some(value), "{cf}: {name}");
                compared += 1;
            }
        }
        assert!(compared > 20, "{cf}: only {compared} options compared");
    }
}

#[test]
fn debian_stock_configs_load() {
    let Some(root) = smroot() else { return };
    let debian = root.join("usr/share/sendmail/cf/debian");
    let mta = Config::load(&debian.join("sendmail.mc")).unwrap();
    let lines: Vec<String> = mta.warnings().iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().all(|w| w.contains("/etc/mail/m4/")), "{lines:?}");
    assert_eq!(mta.daemon_options().len(), 2);
    assert_eq!(mta.daemon_options()[1].modifiers(), Some("Ea"));
    assert_eq!(mta.feature("access_db").unwrap().args, ["", "skip"]);
    assert_eq!(mta.feature("delay_checks").unwrap().args, ["friend", "n"]);
    assert_eq!(mta.option("ConnectionRateWindowSize"), Some("10m"));
    assert_eq!(mta.option("PrivacyOptions").unwrap().split(',').count(), 7);
    assert_eq!(mta.option("DefaultUser"), Some("mail:mail"));
    assert_eq!(mta.raw_sections()[0].name, "MAILER_DEFINITIONS");
    // submit.mc sits beside it: DOMAIN(debian-msp) puts the MSP queue in mqueue-client.
    assert_eq!(mta.client_queue_directory(), Path::new("/var/spool/mqueue-client"));
    let msp = Config::load(&debian.join("submit.mc")).unwrap();
    assert!(msp.warnings().is_empty(), "{:?}", msp.warnings());
    assert_eq!(msp.queue_directory(), Path::new("/var/spool/mqueue-client"));
    assert_eq!(msp.option("RunAsUser"), Some("smmsp"));
    assert_eq!(msp.feature("msp").unwrap().args, ["[127.0.0.1]", "25"]);
}

/// The warnings of the example `.mc` files of sendmail 8.17.1.9's cf tree that give any
/// (every other example gives none): raw `.cf` lines in the body of the file, which m4
/// copies into the `.cf` as they are and ferrymail does not interpret.
const EXAMPLE_WARNINGS: &[(&str, &[&str])] = &[
    ("python.cs.mc", &["python.cs.mc:36: unrecognised line ignored: DDBostic.COM"]),
    (
        "vangogh.cs.mc",
        &[
            "vangogh.cs.mc:32: unrecognised line ignored: Cw okeeffe.CS.Berkeley.EDU",
            "vangogh.cs.mc:33: unrecognised line ignored: Cw python.CS.Berkeley.EDU",
        ],
    ),
];

#[test]
fn every_example_mc_loads_with_the_expected_warnings() {
    let Some(root) = smroot() else { return };
    let dir = root.join("usr/share/sendmail/cf/cf");
    let prefix = format!("{}/", dir.display());
    let mut warned = std::collections::BTreeMap::new();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "mc") {
            let config = Config::load(&path).unwrap_or_else(|e| panic!("{e}"));
            let lines: Vec<String> =
                config.warnings().iter().map(|w| w.to_string().replace(&prefix, "")).collect();
            if !lines.is_empty() {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                warned.insert(name, lines);
            }
            count += 1;
        }
    }
    let expected: std::collections::BTreeMap<String, Vec<String>> = EXAMPLE_WARNINGS
        .iter()
        .map(|(mc, lines)| (mc.to_string(), lines.iter().map(ToString::to_string).collect()))
        .collect();
    assert_eq!(warned, expected);
    assert_eq!(count, 33, "the examples of sendmail 8.17.1.9's cf/cf");
}

#[test]
fn site_fixture_records_every_macro() {
    let c = Config::load(&data("site.mc")).unwrap();
    assert_eq!(c.queue_directory(), Path::new("/srv/mail/mqueue"));
    let aliases = c.alias_files();
    assert_eq!(aliases[0].map_type, "cdb");
    assert_eq!(aliases[1].path, Path::new("/srv/mail/more-aliases"));
    assert_eq!(c.option("MaxMessageSize"), Some("10485760"));
    assert_eq!(c.option("PrivacyOptions"), Some("authwarnings,novrfy"));
    assert_eq!(c.option("FallbackSmartHost"), Some("fallback.example"));
    assert_eq!(c.option("MaxDaemonChildren"), Some("40"));
    assert_eq!(
        c.option_duration("Timeout.queuewarn", 'h'),
        Some(std::time::Duration::from_secs(8 * 3600))
    );
    assert_eq!(c.generics_domains(), ["example.org", "example.net"]);
    assert_eq!(c.masquerade_as(), Some("example.org"));
    assert_eq!(c.masquerade_domains(), ["sub.example.org"]);
    assert_eq!(c.exposed_users(), ["root"]);
    assert_eq!(c.local_users(), ["root", "postmaster"]);
    assert_eq!(c.daemon_options().len(), 2);
    assert_eq!(c.mail_filters()[0].name, "clamav");
    assert_eq!(c.ostype(), Some("linux"));
    assert_eq!(c.raw_sections().len(), 1);
    assert!(c.raw_sections()[0].text.contains("Cwlocalhost.localdomain\n"));
    let warnings: Vec<String> = c.warnings().iter().map(ToString::to_string).collect();
    let fragment = data("site-fragment.m4");
    assert_eq!(
        warnings,
        [format!(
            "{}:3: unknown option confNO_SUCH_OPTION (define ignored by ferrymail)",
            fragment.display()
        )]
    );
}

#[test]
fn unknown_lines_warn_with_file_and_line() {
    let c = Config::load(&data("unknown-lines.mc")).unwrap();
    let lines: Vec<String> =
        c.warnings().iter().map(|w| format!("{}: {}", w.line, w.message)).collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("3: unrecognised line ignored: Cw stray.example"));
    assert!(lines[1].starts_with("4: unrecognised line ignored: NOT_A_MACRO(x)"), "{lines:?}");
    assert!(lines[2].starts_with("5: unknown FEATURE(no_such_feature)"));
    assert!(lines[3].starts_with("6: include /etc/mail/m4/ferrymail-test-absent.m4"));
    assert_eq!(c.option_int("LogLevel"), Some(12));
}

#[test]
fn garbled_seed_line_names_file_line_and_column() {
    let err = Config::load(&data("garbled.mc")).unwrap_err().to_string();
    let expected = format!(
        "{}: line 4, column 41: HTML entity &#039; where a quote belongs \
         (was this file pasted from a web page?)",
        data("garbled.mc").display()
    );
    assert_eq!(err, expected);
}

#[test]
fn bad_value_is_an_error_at_the_value() {
    let err = Config::load(&data("bad-value.mc")).unwrap_err();
    assert!(matches!(err, ConfigError::BadValue { line: 3, col: 25, .. }), "{err}");
    assert!(
        err.to_string().ends_with("confMAX_HOP (MaxHopCount): `lots' is not a number"),
        "{err}"
    );
}

#[test]
fn unbalanced_input_is_an_error_at_the_opening() {
    let name = Path::new("t.mc");
    let err = Config::from_str(name, "dnl\nFEATURE(`x', `y')\nMAILER(`smtp'\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.mc: line 3, column 1: ( of MAILER opened here is never closed with )"
    );
    let err = Config::from_str(name, "define(`a', `b)dnl\n").unwrap_err();
    assert_eq!(
        err.to_string(),
        "t.mc: line 1, column 13: quote ` opened here is never closed with '"
    );
}

#[test]
fn missing_files() {
    let err = Config::load(Path::new("/nonexistent/ferrymail.mc")).unwrap_err();
    assert_eq!(
        err.to_string(),
        "/nonexistent/ferrymail.mc: line 0: cannot open: No such file or directory"
    );
    let err =
        Config::from_str(Path::new("/tmp/x.mc"), "include(`no-such-fragment.m4')").unwrap_err();
    assert_eq!(
        err.to_string(),
        "/tmp/x.mc: line 1, column 1: cannot include no-such-fragment.m4: No such file or directory"
    );
    assert!(Config::from_str(Path::new("/tmp/x.mc"), "sinclude(`nope.m4')").is_ok());
}

#[test]
fn defaults_without_a_file() {
    let c = Config::defaults();
    assert_eq!(c.queue_directory(), Path::new("/var/spool/mqueue"));
    assert_eq!(c.client_queue_directory(), Path::new("/var/spool/clientmqueue"));
    assert_eq!(c.alias_files()[0].path, Path::new("/etc/mail/aliases"));
    assert_eq!(c.option("MaxHopCount"), Some("25"));
    assert_eq!(c.option("LogLevel"), Some("9"));
    assert_eq!(c.option("Timeout.queuereturn"), Some("5d"));
    assert_eq!(c.option("HostStatusDirectory"), None);
    assert!(c.features().is_empty() && c.warnings().is_empty() && c.smart_host().is_none());
}

#[test]
fn dash_o_overrides_like_sendmail() {
    let mut c = Config::defaults();
    c.set_option("queuedirectory=/x/q").unwrap();
    assert_eq!(c.queue_directory(), Path::new("/x/q"));
    c.set_option("ClientQueueDirectory=/x/cq").unwrap();
    assert_eq!(c.client_queue_directory(), Path::new("/x/cq"));
    c.set_option("MaxHopCount").unwrap();
    assert_eq!(c.option("MaxHopCount"), Some(""));
    let err = c.set_option("Foo=bar").unwrap_err();
    assert_eq!(err.to_string(), "readcf: unknown option name Foo");
    let err = c.set_option("MaxHopCount 7").unwrap_err();
    assert_eq!(err.to_string(), "readcf: unknown option name MaxHopCount 7");
    let err = c.set_option("MaxRecipientsPerMessage=ten").unwrap_err();
    assert_eq!(err.to_string(), "-O MaxRecipientsPerMessage=ten: `ten' is not a number");
}

#[test]
fn client_queue_comes_from_a_sibling_submit_mc() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sendmail.mc"), "define(`QUEUE_DIR', `/q/mta')dnl\n").unwrap();
    std::fs::write(
        dir.path().join("submit.mc"),
        "define(`MSP_QUEUE_DIR', `/q/msp')dnl\nFEATURE(`msp')dnl\n",
    )
    .unwrap();
    let c = Config::load(&dir.path().join("sendmail.mc")).unwrap();
    assert_eq!(c.queue_directory(), Path::new("/q/mta"));
    assert_eq!(c.client_queue_directory(), Path::new("/q/msp"));
}

#[test]
fn the_msp_options_come_from_a_sibling_submit_mc() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sendmail.mc"), "define(`QUEUE_DIR', `/q/mta')dnl\n").unwrap();
    let mta = Config::load(&dir.path().join("sendmail.mc")).unwrap();
    assert_eq!(mta.client_option("RunAsUser"), None, "no submit.mc: the file's own value");
    assert!(!mta.client_is_set("QueueFileMode"));
    std::fs::write(
        dir.path().join("submit.mc"),
        "define(`confRUN_AS_USER', `mail:mail')dnl\nFEATURE(`msp')dnl\n",
    )
    .unwrap();
    let mut c = Config::load(&dir.path().join("sendmail.mc")).unwrap();
    assert_eq!(c.option("RunAsUser"), None, "the MTA's own");
    assert_eq!(c.client_option("RunAsUser"), Some("mail:mail"));
    assert_eq!(c.client_option("QueueFileMode"), Some("0660"), "FEATURE(msp)");
    assert!(c.client_is_set("QueueFileMode") && !c.is_set("QueueFileMode"));
    assert_eq!(c.client_option("UseMSP"), Some("True"));
    assert_eq!(c.client_option("MaxHopCount"), Some("25"), "a default");
    c.set_option("RunAsUser=nobody").unwrap();
    assert_eq!(c.client_option("RunAsUser"), Some("nobody"), "-O wins");
    // A submit.mc loaded itself is its own MSP configuration.
    let msp = Config::load(&dir.path().join("submit.mc")).unwrap();
    assert_eq!(msp.client_option("RunAsUser"), Some("mail:mail"));
}

#[test]
fn a_runaway_macro_never_used_does_not_spoil_the_others() {
    let text = "define(`a', `a')dnl\ndefine(`SMART_HOST', `relay:[x]')dnl\n";
    let config = Config::from_str(Path::new("t.mc"), text).unwrap();
    assert_eq!(config.smart_host(), Some("relay:[x]"));
    assert_eq!(config.macro_value("a"), Some("a"));
}
