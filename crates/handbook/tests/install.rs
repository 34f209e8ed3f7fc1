//! scripts/install into a DESTDIR: the tree, the owners and modes sendmail uses, the
//! opt-in links, /etc/mail kept when present; the systemd units verified by
//! systemd-analyze; the init script starting, reloading and stopping the installed
//! programs for real on a loopback port.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Accounts that exist on every Debian system, standing in for smmsp so that the
/// test creates no account on the machine.
const USER: &str = "nobody";
const GROUP: &str = "nogroup";

fn install(dest: &Path, links: bool) -> Output {
    let out = Command::new(handbook::workspace().join("scripts/install"))
        .env("DESTDIR", dest)
        .env("PREFIX", "/usr")
        .env("BIN", handbook::bin_dir())
        .env("LINKS", if links { "1" } else { "0" })
        .env("SMMSP_USER", USER)
        .env("SMMSP_GROUP", GROUP)
        .output()
        .unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "scripts/install failed: {text}");
    out
}

fn id_of(database: &str, name: &str) -> u32 {
    let out = Command::new("getent").args([database, name]).output().unwrap();
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    line.split(':')
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{database} {name}"))
}

/// (mode with type bits cleared, uid, gid) of `path` in the DESTDIR.
fn meta(dest: &Path, path: &str) -> (u32, u32, u32) {
    let m = std::fs::symlink_metadata(dest.join(path.trim_start_matches('/')))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    (m.permissions().mode() & 0o7777, m.uid(), m.gid())
}

fn needs_root() -> bool {
    if testkit::scenario::is_root() {
        return true;
    }
    testkit::skip::skip("setting sendmail's owners (root, smmsp) needs root");
    false
}

#[test]
fn the_tree_owners_modes_and_links_are_sendmails() {
    if !needs_root() {
        return;
    }
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path();
    install(d, true);
    let (nobody, nogroup, mail) =
        (id_of("passwd", USER), id_of("group", GROUP), id_of("group", "mail"));
    for program in handbook::PROGRAMS {
        let (mode, uid, _) = meta(d, &format!("/usr/lib/ferrymail/{program}"));
        assert_eq!(uid, 0, "{program} owned by root");
        assert!(mode & 0o111 != 0 && mode & 0o022 == 0, "{program}: {mode:o}");
    }
    assert_eq!(meta(d, "/usr/lib/ferrymail/submit"), (0o2555, 0, nogroup), "submit setgid smmsp");
    assert_eq!(meta(d, "/var/spool/mqueue"), (0o700, 0, 0));
    assert_eq!(meta(d, "/var/spool/clientmqueue"), (0o770, nobody, nogroup));
    assert_eq!(meta(d, "/var/mail"), (0o2775, 0, mail));
    for page in std::fs::read_dir(handbook::workspace().join("man")).unwrap() {
        let name = page.unwrap().file_name().into_string().unwrap();
        let section = name.rsplit('.').next().unwrap();
        assert!(d.join(format!("usr/share/man/man{section}/{name}")).is_file(), "{name}");
    }
    for unit in
        ["ferrymail.service", "ferrymail-queue-runner.service", "ferrymail-clientmqueue.service"]
    {
        assert!(d.join("usr/lib/systemd/system").join(unit).is_file(), "{unit}");
    }
    assert_eq!(meta(d, "/etc/init.d/ferrymail").0, 0o755);
    for conf in ["sendmail.mc", "aliases", "access", "local-host-names"] {
        assert!(d.join("etc/mail").join(conf).is_file(), "/etc/mail/{conf}");
    }
    let link = |p: &str| std::fs::read_link(d.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
    assert_eq!(link("usr/sbin/sendmail"), PathBuf::from("/usr/lib/ferrymail/submit"));
    assert_eq!(link("usr/lib/sendmail"), PathBuf::from("/usr/sbin/sendmail"));
    assert_eq!(link("usr/bin/mailq"), PathBuf::from("/usr/lib/ferrymail/mailq"));
    assert_eq!(link("usr/bin/newaliases"), PathBuf::from("/usr/lib/ferrymail/newaliases"));
    assert_eq!(link("usr/sbin/makemap"), PathBuf::from("/usr/lib/ferrymail/makemap"));
    let perms = std::fs::read_to_string(d.join("usr/share/ferrymail/permissions")).unwrap();
    assert!(perms.contains("/var/spool/clientmqueue nobody:nogroup 0770"), "{perms}");
    assert!(perms.contains("/usr/lib/ferrymail/submit root:nogroup 2555"), "{perms}");
}

#[test]
fn links_are_opt_in_and_an_existing_etc_mail_is_kept() {
    if !needs_root() {
        return;
    }
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path();
    std::fs::create_dir_all(d.join("etc/mail")).unwrap();
    std::fs::write(d.join("etc/mail/sendmail.mc"), "dnl the admin's own\n").unwrap();
    let out = install(d, false);
    assert!(String::from_utf8_lossy(&out.stdout).contains("/etc/mail/sendmail.mc exists: kept"));
    assert_eq!(
        std::fs::read_to_string(d.join("etc/mail/sendmail.mc")).unwrap(),
        "dnl the admin's own\n"
    );
    assert!(d.join("etc/mail/aliases").is_file(), "what was missing is added");
    for link in ["usr/sbin/sendmail", "usr/lib/sendmail", "usr/bin/mailq", "usr/bin/newaliases"] {
        assert!(std::fs::symlink_metadata(d.join(link)).is_err(), "{link} without LINKS=1");
    }
}

#[test]
fn the_systemd_units_pass_systemd_analyze_verify() {
    if !needs_root() {
        return;
    }
    if !testkit::oracle::on_path("systemd-analyze") {
        testkit::skip::skip("systemd-analyze is not installed (Debian: systemd)");
        return;
    }
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path();
    install(d, false);
    // The units name /usr/lib/ferrymail; verify them against the DESTDIR's binaries.
    let units = tempfile::tempdir().unwrap();
    let lib = d.join("usr/lib/ferrymail/");
    for entry in std::fs::read_dir(d.join("usr/lib/systemd/system")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("/usr/lib/ferrymail/", &lib.display().to_string());
        std::fs::write(units.path().join(path.file_name().unwrap()), text).unwrap();
    }
    for unit in
        ["ferrymail.service", "ferrymail-queue-runner.service", "ferrymail-clientmqueue.service"]
    {
        let out = Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(units.path().join(unit))
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let relevant: Vec<&str> = text.lines().filter(|l| l.contains("ferrymail")).collect();
        assert!(out.status.success() && relevant.is_empty(), "{unit}: {text}");
    }
}

/// Polls `what` for up to five seconds.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < Duration::from_secs(5), "{what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_init_script_starts_reloads_and_stops_the_installed_programs() {
    if !needs_root() {
        return;
    }
    let dest = tempfile::tempdir().unwrap();
    let d = dest.path();
    install(d, false);
    let lab = tempfile::tempdir().unwrap();
    let l = lab.path();
    for dir in ["mqueue", "clientmqueue", "mail", "run"] {
        std::fs::create_dir(l.join(dir)).unwrap();
    }
    let port = handbook::free_port();
    let mc = l.join("sendmail.mc");
    std::fs::write(
        &mc,
        format!(
            "define(`QUEUE_DIR', `{l}/mqueue')dnl\n\
             define(`MSP_QUEUE_DIR', `{l}/clientmqueue')dnl\n\
             define(`confMAILBOX_DIR', `{l}/mail')dnl\n\
             define(`ALIAS_FILE', `{l}/aliases')dnl\n\
             define(`confPID_FILE', `{l}/run/sendmail.pid')dnl\n\
             define(`confLOG_FILE', `{l}/maillog')dnl\n\
             DAEMON_OPTIONS(`Port={port}, Addr=127.0.0.1, Name=MTA')dnl\n",
            l = l.display()
        ),
    )
    .unwrap();
    std::fs::write(l.join("aliases"), "postmaster: root\n").unwrap();
    let init = |action: &str| {
        Command::new(d.join("etc/init.d/ferrymail"))
            .arg(action)
            .env("FERRYMAIL_LIBDIR", d.join("usr/lib/ferrymail"))
            .env("FERRYMAIL_RUN", l.join("run"))
            .env("FERRYMAIL_OPTS", format!("-C {}", mc.display()))
            .output()
            .unwrap()
    };
    let greeting = || {
        use std::io::BufRead;
        let Ok(s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return None };
        let mut line = String::new();
        std::io::BufReader::new(s).read_line(&mut line).ok()?;
        Some(line)
    };
    assert!(init("start").status.success());
    eventually("smtpd greets after start", || greeting().is_some_and(|g| g.starts_with("220 ")));
    let status = init("status");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stdout));
    assert!(init("reload").status.success());
    let log = l.join("maillog");
    // smtpd and both queue runners reread the configuration: three lines.
    eventually("the three programs log the reload", || {
        std::fs::read_to_string(&log).unwrap_or_default().matches("restarting on SIGHUP").count()
            == 3
    });
    assert!(init("status").status.success(), "all three run after reload");
    assert!(init("restart").status.success());
    eventually("smtpd greets after restart", || greeting().is_some());
    assert!(init("stop").status.success());
    assert!(greeting().is_none(), "nothing listens after stop");
    let status = init("status");
    assert_eq!(status.status.code(), Some(3), "{}", String::from_utf8_lossy(&status.stdout));
    let usage = init("bogus");
    assert_eq!(usage.status.code(), Some(2));
}
