use super::*;
use crate::config::DaemonOptions;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

fn config(mc: &str) -> Config {
    Config::from_str(Path::new("test.mc"), mc).unwrap()
}

fn addrs(listeners: &[Listener]) -> Vec<(String, SocketAddr, String)> {
    listeners.iter().map(|l| (l.name.clone(), l.addr, l.modifiers.letters.clone())).collect()
}

#[test]
fn no_daemon_options_means_mta_on_25_and_msa_on_587() {
    let l = Listener::from_config(&Config::defaults()).unwrap();
    assert_eq!(
        addrs(&l),
        [
            ("MTA".into(), "0.0.0.0:25".parse().unwrap(), "".into()),
            ("MSA".into(), "0.0.0.0:587".parse().unwrap(), "E".into())
        ]
    );
    let l = Listener::from_config(&config("FEATURE(`no_default_msa')dnl\n")).unwrap();
    assert_eq!(l.len(), 1);
}

#[test]
fn daemon_options_and_a_command_line_override() {
    let mut c = config(
        "DAEMON_OPTIONS(`Port=2525, Addr=127.0.0.1, Name=MTA')dnl\n\
         DAEMON_OPTIONS(`Port=submission, Addr=::1, Family=inet6, Name=MSA6, M=Ea')dnl\n",
    );
    let l = Listener::from_config(&c).unwrap();
    assert_eq!(l[0].addr, "127.0.0.1:2525".parse().unwrap());
    assert_eq!(l[1].addr, "[::1]:587".parse().unwrap());
    assert!(l[1].modifiers.no_etrn() && l[1].modifiers.auth_required());
    assert!(!l[1].modifiers.no_auth() && !l[0].modifiers.optional());
    c.set_option("DaemonPortOptions=Port=2600, Addr=127.0.0.2, Name=MTA").unwrap();
    let l = Listener::from_config(&c).unwrap();
    assert_eq!(
        addrs(&l).iter().map(|a| a.1.to_string()).collect::<Vec<_>>(),
        ["[::1]:587", "127.0.0.2:2600"]
    );
}

#[test]
fn bad_listeners_are_errors() {
    let (bad_port, _) = DaemonOptions::parse("Port=nosuch");
    assert_eq!(Listener::resolve(&bad_port), Err(ListenerError::Port("nosuch".into())));
    let (bad_addr, _) = DaemonOptions::parse("Addr=::1");
    assert_eq!(Listener::resolve(&bad_addr), Err(ListenerError::Addr("::1".into())));
    let (bad_family, _) = DaemonOptions::parse("Family=local");
    assert_eq!(Listener::resolve(&bad_family), Err(ListenerError::Family("local".into())));
}

#[test]
fn privacy_flags_and_goaway() {
    assert_eq!(
        Privacy::from_config(&Config::defaults()),
        Privacy { authwarnings: true, ..Privacy::default() }
    );
    let p = Privacy::parse("authwarnings,novrfy, NoExpn restrictqrun,needmailhelo");
    assert!(p.novrfy && p.noexpn && p.restrictqrun && p.needmailhelo && !p.noetrn);
    let g = Privacy::parse("goaway");
    assert!(g.noetrn && g.noverb && g.noreceipts && g.needvrfyhelo && !g.restrictqrun);
}

#[test]
fn server_settings_with_sendmails_defaults() {
    let s = Server::from_config(&Config::defaults()).unwrap();
    assert_eq!(s.greeting, "$j Sendmail $v/$Z; $b");
    assert_eq!(s.limits.max_headers_length, 32768);
    assert_eq!(s.limits.min_free_blocks, 100);
    assert_eq!(s.timeouts.command, Duration::from_secs(3600));
    assert_eq!(s.timeouts.auth, Duration::from_secs(600));
    assert_eq!((s.queue_file_mode, s.max_children, s.rate_throttle), (0o600, 0, 0));
    assert_eq!(s.double_bounce, "postmaster");
    let s = Server::from_config(&config(
        "define(`confMAX_RCPTS_PER_MESSAGE', `10')dnl\ndefine(`confTO_COMMAND', `5m')dnl\n\
         define(`confMAX_MESSAGE_SIZE', `1000000')dnl\ndefine(`confQUEUE_FILE_MODE', `0640')dnl\n\
         define(`confSERVER_CERT', `/c.pem')dnl\ndefine(`confSERVER_KEY', `/k.pem')dnl\n",
    ))
    .unwrap();
    assert_eq!((s.limits.max_recipients, s.limits.max_message_size), (10, 1_000_000));
    assert_eq!(s.timeouts.command, Duration::from_secs(300));
    assert_eq!(s.queue_file_mode, 0o640);
    assert_eq!(s.tls_files, Some(("/c.pem".into(), "/k.pem".into())));
}

/// The lab's sendmail.mc (tests/oracle/conf), as the oracle runs it.
fn lab() -> Config {
    let text = std::fs::read_to_string(crate::testutil::oracle_conf_dir().join("sendmail.mc.in"))
        .unwrap()
        .replace("@SMLAB@", "/tmp/smlab")
        .replace("@SMROOT@", "/tmp/sm-root");
    Config::from_str(Path::new("/tmp/smlab/etc/sendmail.mc"), &text).unwrap()
}

#[test]
fn the_lab_resolves_into_one_typed_value() {
    let s = Settings::from_config(&lab());
    let access = s.maps.access.as_ref().unwrap();
    assert_eq!(access.path, Path::new("/tmp/smlab/etc/access"));
    assert!(access.optional && access.tempfail.as_deref() == Some("<TMPF>"));
    let mt = s.maps.mailertable.as_ref().unwrap();
    assert_eq!((mt.map_type.as_str(), mt.optional), ("hash", true));
    assert_eq!(s.maps.virtusertable, None);
    assert_eq!(s.delivery.alias_files[0].path, Path::new("/tmp/smlab/etc/aliases"));
    assert_eq!(s.delivery.forward_path, "/tmp/smlab/forward/$u");
    assert_eq!(s.delivery.default_user, "mail:mail");
    assert_eq!(s.delivery.smart_host.as_deref(), Some("relay:[127.0.0.1]"));
    assert_eq!(s.delivery.mailers.port("relay"), 2527);
    assert_eq!(s.names.domain_name.as_deref(), Some("mail.lab.example"));
    assert_eq!(
        s.names.cw_file.as_ref().unwrap().path,
        Path::new("/tmp/smlab/etc/local-host-names")
    );
    let cr = s.names.cr_file.as_ref().unwrap();
    assert_eq!((cr.path.as_path(), cr.optional), (Path::new("/tmp/smlab/etc/relay-domains"), true));
    assert_eq!(s.names.ct_file, None, "confCT_FILE without FEATURE(use_ct_file)");
    assert_eq!(s.limits.max_headers_length, 32000);
    assert_eq!(s.limits.max_recipients, 10);
    assert!(s.privacy.novrfy && s.privacy.needmailhelo && !s.privacy.noetrn);
    assert_eq!(s.queue.dir, Path::new("/tmp/smlab/mqueue"));
    assert_eq!(s.queue.file_mode, 0o600);
    assert_eq!(s.files.service_switch_file, Path::new("/tmp/smlab/etc/service.switch"));
    assert_eq!(s.files.hosts_file, Path::new("/etc/hosts"));
    assert!(s.milters.is_empty() && s.tls.server.is_none() && s.tls.dh_parameters.is_none());
}

#[test]
fn milters_tls_and_files() {
    let s = Settings::from_config(&config(
        "INPUT_MAIL_FILTER(`f1', `S=unix:/run/f1.sock, F=T, T=S:1s;R:2s;E:3m')dnl\n\
         MAIL_FILTER(`f2', `S=inet:3333@localhost')dnl\n\
         define(`confSERVER_CERT', `/c.pem')dnl\ndefine(`confSERVER_KEY', `/k.pem')dnl\n\
         define(`confDH_PARAMETERS', `2')dnl\ndefine(`confLOG_FILE', `-')dnl\n",
    ));
    assert_eq!(s.milters.len(), 1);
    assert_eq!(s.milters[0].socket, MilterSocket::Unix("/run/f1.sock".into()));
    assert_eq!(
        (s.milters[0].on_failure, s.milters[0].timeouts.eom),
        (OnFailure::Tempfail, Duration::from_secs(180))
    );
    assert_eq!(s.tls.server, Some(("/c.pem".into(), "/k.pem".into())));
    assert_eq!(s.tls.dh_parameters.as_deref(), Some("2"));
    assert_eq!(s.files.log_file, Some(PathBuf::from("-")));
    assert_eq!(Settings::from_config(&Config::defaults()).tls.dh_parameters, None);
}

#[test]
#[cfg(debug_assertions)]
#[should_panic(expected = "no option is called MaxHeaderLength")]
fn a_misspelt_option_name_is_a_bug_not_none() {
    let _ = Config::defaults().option("MaxHeaderLength");
}
