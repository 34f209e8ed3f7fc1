//! SMTP AUTH end to end with the real tools: users made by Debian's `saslpasswd2`
//! (sasl2-bin) in a sasldb2 of the test's own, the real `saslauthd -a sasldb`, and
//! `swaks --auth PLAIN/LOGIN` as the client.

mod common;

use common::{python_session, wait_for, Client, Daemon};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use testkit::oracle::skip;

/// PLAIN and LOGIN offered.
const MECHS: &str = "define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\n";
/// base64 of `\0alice\0secret1`.
const ALICE_PLAIN: &str = "AGFsaWNlAHNlY3JldDE=";

/// A program of sasl2-bin, or `None` after a skip.
fn sasl_tool(name: &str) -> Option<PathBuf> {
    let found =
        ["/usr/sbin", "/usr/bin"].iter().map(|d| Path::new(d).join(name)).find(|p| p.exists());
    if found.is_none() {
        skip(format!("{name} is missing (apt-get install sasl2-bin)"));
    }
    found
}

/// `saslpasswd2 -c -p [-u realm] -f db user`, the password on its standard input.
fn add_user(db: &Path, realm: Option<&str>, user: &str, password: &str) {
    let tool = sasl_tool("saslpasswd2").expect("checked by the caller");
    let mut cmd = Command::new(tool);
    cmd.args(["-c", "-p"]);
    if let Some(realm) = realm {
        cmd.args(["-u", realm]);
    }
    let mut child = cmd.arg("-f").arg(db).arg(user).stdin(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(password.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "saslpasswd2 {user}");
}

/// A daemon whose Sendmail.conf (`sasl`) and sasldb2 (alice, realm mail.test.example,
/// password secret1) live in its directory; `{dir}` in `sasl` and `mc` is that
/// directory.
fn auth_daemon(sasl: &str, mc: &str, args: &[&str]) -> Option<Daemon> {
    auth_daemon_with(sasl, mc, args, &[])
}

/// [`auth_daemon`] with more `files` (name, contents) in its directory.
fn auth_daemon_with(
    sasl: &str,
    mc: &str,
    args: &[&str],
    files: &[(&str, String)],
) -> Option<Daemon> {
    sasl_tool("saslpasswd2")?;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().display().to_string();
    for (name, contents) in files {
        std::fs::write(dir.path().join(name), contents).unwrap();
    }
    add_user(&dir.path().join("sasldb2"), Some("mail.test.example"), "alice", "secret1");
    let conf = dir.path().join("Sendmail.conf");
    std::fs::write(&conf, sasl.replace("{dir}", &path)).unwrap();
    let extra = format!(
        "define(`confSASL_CONFIG_FILE', `{}')dnl\n{}",
        conf.display(),
        mc.replace("{dir}", &path)
    );
    Some(Daemon::start_in(dir, &extra, args))
}

const SASLDB_CONF: &str =
    "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: {dir}/sasldb2\nmech_list: PLAIN LOGIN\n";

/// swaks against `daemon` with `args`; everything it printed.
fn swaks(daemon: &Daemon, args: &[&str]) -> String {
    let out = Command::new("swaks")
        .args(["--server", &daemon.addr.to_string(), "--helo", "client.example"])
        .args(["--from", "alice@mail.test.example"])
        .args(args)
        .output()
        .unwrap();
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn auth_args<'a>(mechanism: &'a str, user: &'a str, password: &'a str) -> [&'a str; 6] {
    ["--auth", mechanism, "--auth-user", user, "--auth-password", password]
}

fn log_with(daemon: &Daemon, text: &str) -> String {
    wait_for(|| Some(daemon.log()).filter(|l| l.contains(text)))
}

#[test]
fn swaks_authenticates_with_plain_and_login_and_trusted_clients_relay() {
    let mc = format!("{MECHS}TRUST_AUTH_MECH(`LOGIN')dnl\n");
    let Some(daemon) = auth_daemon(SASLDB_CONF, &mc, &[]) else { return };
    let from_nameless = ["--local-interface", "127.0.0.2", "--to", "bob@remote.example"];
    let login =
        swaks(&daemon, &[&from_nameless[..], &auth_args("LOGIN", "alice", "secret1")].concat());
    assert!(
        login.contains("<~  235 2.0.0 OK Authenticated")
            || login.contains("<-  235 2.0.0 OK Authenticated"),
        "{login}"
    );
    assert!(login.contains("<-  250 2.1.5 <bob@remote.example>... Recipient ok"), "{login}");
    assert!(login.contains(" Message accepted for delivery"), "{login}");
    log_with(&daemon, "AUTH=server, relay=[127.0.0.2], authid=alice, mech=LOGIN, bits=0\n");
    // PLAIN authenticates too, but is not in TRUST_AUTH_MECH: no relaying.
    let plain =
        swaks(&daemon, &[&from_nameless[..], &auth_args("PLAIN", "alice", "secret1")].concat());
    assert!(plain.contains("<-  235 2.0.0 OK Authenticated"), "{plain}");
    let denied =
        "<** 550 5.7.1 <bob@remote.example>... Relaying denied. IP name lookup failed [127.0.0.2]";
    assert!(plain.contains(denied), "{plain}");
    log_with(&daemon, "AUTH=server, relay=[127.0.0.2], authid=alice, mech=PLAIN, bits=0\n");
    let queued = daemon.queued();
    assert_eq!(queued.len(), 1, "{queued:?}");
    let qf =
        String::from_utf8_lossy(&std::fs::read(daemon.path("mqueue").join(&queued[0])).unwrap())
            .into_owned();
    assert!(qf.contains("\n$rESMTPA\n"), "{qf}");
    assert!(qf.contains("\n\t(authenticated bits=0)\n\tby mail.test.example ("), "{qf}");
    assert!(qf.contains(" with ESMTPA id "), "{qf}");
}

#[test]
fn wrong_passwords_and_unknown_users_get_535_and_sendmails_log_lines() {
    let Some(daemon) = auth_daemon(SASLDB_CONF, MECHS, &[]) else { return };
    let out = swaks(
        &daemon,
        &[&["--to", "root", "--quit-after", "AUTH"][..], &auth_args("LOGIN", "alice", "wrong")]
            .concat(),
    );
    assert!(out.contains("<** 535 5.7.0 authentication failed"), "{out}");
    log_with(
        &daemon,
        ": AUTH failure (LOGIN): authentication failure (-13) SASL(-13): authentication failure: \
         checkpass failed, user=alice, relay=localhost [127.0.0.1]\n",
    );
    let out = swaks(
        &daemon,
        &[&["--to", "root", "--quit-after", "AUTH"][..], &auth_args("PLAIN", "nobody", "x")]
            .concat(),
    );
    assert!(out.contains("<** 535 5.7.0 authentication failed"), "{out}");
    log_with(
        &daemon,
        ": AUTH failure (PLAIN): user not found (-20) SASL(-13): user not found: Password \
         verification failed, user=nobody, relay=localhost [127.0.0.1]\n",
    );
    // The realm may be given with the user, and a bare user is in $j's realm.
    let out = swaks(
        &daemon,
        &[
            &["--to", "root", "--quit-after", "AUTH"][..],
            &auth_args("PLAIN", "alice@mail.test.example", "secret1"),
        ]
        .concat(),
    );
    assert!(out.contains("<-  235 2.0.0 OK Authenticated"), "{out}");
}

/// A self-signed certificate for mail.test.example: the files and their `.mc` lines.
fn tls_files() -> ([(&'static str, String); 2], &'static str) {
    let cert = rcgen::generate_simple_self_signed(vec!["mail.test.example".to_string()]).unwrap();
    let files = [("cert.pem", cert.cert.pem()), ("key.pem", cert.signing_key.serialize_pem())];
    let mc = "define(`confSERVER_CERT', `{dir}/cert.pem')dnl\n\
              define(`confSERVER_KEY', `{dir}/key.pem')dnl\n";
    (files, mc)
}

#[test]
fn with_auth_option_p_plaintext_auth_waits_for_starttls() {
    let (files, tls) = tls_files();
    let mc = format!("{MECHS}define(`confAUTH_OPTIONS', `p')dnl\n{tls}");
    let Some(daemon) = auth_daemon_with(SASLDB_CONF, &mc, &[], &files) else { return };
    let mut c = Client::connect(daemon.addr);
    c.reply();
    let ehlo = c.say("EHLO c.example");
    assert!(ehlo.contains("250-STARTTLS") && !ehlo.contains("AUTH"), "{ehlo}");
    assert_eq!(c.say(&format!("AUTH PLAIN {ALICE_PLAIN}")), "503 5.3.3 AUTH not available\r\n");
    let plain =
        swaks(&daemon, &[&["--to", "root"][..], &auth_args("PLAIN", "alice", "secret1")].concat());
    assert!(plain.contains("Host did not advertise authentication"), "{plain}");
    let tls = swaks(
        &daemon,
        &[&["--tls", "--to", "root"][..], &auth_args("PLAIN", "alice", "secret1")].concat(),
    );
    assert!(tls.contains("<~  250-AUTH PLAIN LOGIN"), "{tls}");
    assert!(tls.contains("<~  235 2.0.0 OK Authenticated"), "{tls}");
    assert!(tls.contains(" Message accepted for delivery"), "{tls}");
    let queued = wait_for(|| Some(daemon.queued()).filter(|q| q.len() == 1));
    let qf = std::fs::read(daemon.path("mqueue").join(&queued[0])).unwrap();
    assert!(String::from_utf8_lossy(&qf).contains("\n$rESMTPSA\n"));
}

#[test]
fn a_listener_with_m_a_wants_auth_before_mail_and_keeps_auth_param() {
    let args = ["-O", "DaemonPortOptions=Port=0,Addr=127.0.0.1,Name=MTA,M=a"];
    let Some(daemon) = auth_daemon(SASLDB_CONF, MECHS, &args) else { return };
    let out = python_session(
        daemon.addr,
        "127.0.0.1",
        &[
            "EHLO c.example",
            "MAIL FROM:<alice@mail.test.example>",
            &format!("AUTH PLAIN {ALICE_PLAIN}"),
            "MAIL FROM:<alice@mail.test.example> AUTH=alice",
            "RCPT TO:<root>",
            "DATA",
            "Subject: m=a\r\n\r\nx\r\n.",
            "QUIT",
        ],
    );
    assert!(out.contains("530 5.7.0 Authentication required\r\n"), "{out}");
    assert!(out.contains("250 2.1.0 <alice@mail.test.example>... Sender ok\r\n"), "{out}");
    let queued = wait_for(|| Some(daemon.queued()).filter(|q| q.len() == 1));
    let qf = std::fs::read(daemon.path("mqueue").join(&queued[0])).unwrap();
    assert!(String::from_utf8_lossy(&qf).contains("\nAalice\n"), "the AUTH= the client may give");
}

#[test]
fn a_listener_with_m_capital_a_offers_no_auth_but_takes_auth_param() {
    let args = ["-O", "DaemonPortOptions=Port=0,Addr=127.0.0.1,Name=MTA,M=A"];
    let Some(daemon) = auth_daemon(SASLDB_CONF, MECHS, &args) else { return };
    let out = python_session(
        daemon.addr,
        "127.0.0.1",
        &[
            "EHLO c.example",
            &format!("AUTH PLAIN {ALICE_PLAIN}"),
            "MAIL FROM:<a@example.org> AUTH=<>",
        ],
    );
    assert!(!out.contains("250-AUTH"), "{out}");
    assert!(out.contains("503 5.3.3 AUTH not available\r\n"), "{out}");
    assert!(out.contains("250 2.1.0 <a@example.org>... Sender ok\r\n"), "{out}");
}

/// The real saslauthd on a socket in `run`, reading `db` as its /etc/sasldb2 (bind
/// mounted in a mount namespace of its own: saslauthd's sasldb backend has no path
/// option). Killed when dropped.
struct Saslauthd(Child);

impl Saslauthd {
    fn start(db: &Path, run: &Path) -> Option<Saslauthd> {
        let daemon = sasl_tool("saslauthd")?;
        if !Path::new("/etc/sasldb2").exists() {
            skip("/etc/sasldb2 (sasl2-bin's empty database) is missing: nothing to mount over");
            return None;
        }
        let root = nix::unistd::geteuid().is_root();
        let script = "mount --bind \"$0\" /etc/sasldb2 && exec \"$1\" -a sasldb -m \"$2\" -d -n 0";
        let child = Command::new("unshare")
            .args(if root { &["-m"][..] } else { &["-r", "-m"][..] })
            .args(["sh", "-c", script])
            .arg(db)
            .arg(daemon)
            .arg(run)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut guard = Saslauthd(child);
        let socket = run.join("mux");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !socket.exists() {
            if let Some(status) = guard.0.try_wait().unwrap() {
                let mut err = String::new();
                std::io::Read::read_to_string(guard.0.stderr.as_mut().unwrap(), &mut err).unwrap();
                skip(format!("saslauthd in a mount namespace could not start ({status}): {err}"));
                return None;
            }
            assert!(std::time::Instant::now() < deadline, "saslauthd made no socket");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Some(guard)
    }
}

impl Drop for Saslauthd {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn saslauthd_checks_passwords_over_its_socket() {
    let sasl = "pwcheck_method: saslauthd\nsaslauthd_path: {dir}/run/mux\n";
    let Some(daemon) = auth_daemon(sasl, MECHS, &[]) else { return };
    // carol's realm is the host name, as saslpasswd2 and saslauthd both default it.
    add_user(&daemon.path("sasldb2"), None, "carol", "pw3");
    std::fs::create_dir(daemon.path("run")).unwrap();
    let Some(saslauthd) = Saslauthd::start(&daemon.path("sasldb2"), &daemon.path("run")) else {
        return;
    };
    let quit = ["--to", "root", "--quit-after", "AUTH"];
    let out = swaks(
        &daemon,
        &[&quit[..], &auth_args("PLAIN", "alice@mail.test.example", "secret1")].concat(),
    );
    assert!(out.contains("<-  235 2.0.0 OK Authenticated"), "{out}");
    let out = swaks(&daemon, &[&quit[..], &auth_args("LOGIN", "carol", "pw3")].concat());
    assert!(out.contains("<-  235 2.0.0 OK Authenticated"), "{out}");
    // A bare alice goes to saslauthd with an empty realm, as sendmail sends it.
    let out = swaks(&daemon, &[&quit[..], &auth_args("PLAIN", "alice", "secret1")].concat());
    assert!(out.contains("<** 535 5.7.0 authentication failed"), "{out}");
    log_with(
        &daemon,
        ": AUTH failure (PLAIN): authentication failure (-13) SASL(-13): authentication \
         failure: Password verification failed, user=alice, relay=localhost [127.0.0.1]\n",
    );
    log_with(
        &daemon,
        "AUTH=server, relay=localhost [127.0.0.1], authid=carol, mech=LOGIN, bits=0\n",
    );
    drop(saslauthd);
    let out = swaks(&daemon, &[&quit[..], &auth_args("LOGIN", "carol", "pw3")].concat());
    assert!(out.contains("<** 535 5.7.0 authentication failed"), "{out}");
    let log = log_with(&daemon, "generic failure (-1)");
    assert!(log.contains(": AUTH failure (LOGIN): generic failure (-1) SASL(-1): generic failure: checkpass failed, user=carol, relay=localhost [127.0.0.1]\n"), "{log}");
    assert!(log.contains(": AUTH: saslauthd "), "the reason is logged: {log}");
}
