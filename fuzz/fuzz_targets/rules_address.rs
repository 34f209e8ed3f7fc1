//! Fuzzes `spool::rules` with hostile MAIL FROM, RCPT TO, VRFY, EXPN and ETRN
//! arguments: every input must give a verdict or a reply (or a host name to look up),
//! never a panic, a hang or a reply line with a line end in it.
//!
//! cargo +nightly fuzz run rules_address fuzz/corpus/rules_address
#![no_main]

use libfuzzer_sys::fuzz_target;
use spool::config::Config;
use spool::hosts::Hosts;
use spool::rules::{Client, Conversation, Resolve, Rules, System};
use std::path::Path;
use std::sync::OnceLock;

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        let mc = "define(`ALIAS_FILE', `')dnl\ndefine(`confDOMAIN_NAME', `mail.fuzz.example')dnl\n";
        let config = Config::from_str(Path::new("fuzz.mc"), mc).expect("config");
        let system = System {
            host_name: "fuzz".into(),
            host_names: vec!["fuzz.example".into()],
            addresses: vec!["127.0.0.1".parse().unwrap()],
            passwd: "/etc/passwd".into(),
        };
        Rules::load(&config, &system).expect("rules")
    })
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    let hosts = Hosts::default();
    let r = rules();
    let client = Client::network("192.0.2.1".parse().unwrap(), None, Resolve::Fail);
    let mut talk = Conversation::new(client);
    talk.connect(r);
    let _ = talk.mail(r, &raw, &hosts);
    let _ = talk.rcpt(r, &raw, &hosts);
    for lines in [r.vrfy(&raw, &hosts), r.expn(&raw, &hosts)].into_iter().flatten() {
        assert!(lines.iter().all(|s| !s.text.contains(['\r', '\n'])));
    }
    let _ = r.etrn(&raw);
});
