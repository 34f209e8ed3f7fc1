use super::*;
use crate::config::DaemonOptions;
use std::net::SocketAddr;
use std::path::Path;

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
