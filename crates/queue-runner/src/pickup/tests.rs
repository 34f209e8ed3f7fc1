use super::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A lab with a client queue and an MTA queue in a temporary directory.
struct Lab {
    _dir: tempfile::TempDir,
    client: PathBuf,
    mqueue: PathBuf,
    log: PathBuf,
    settings: Settings,
}

fn new_lab() -> Lab {
    let dir = tempfile::tempdir().unwrap();
    let (client, mqueue) = (dir.path().join("clientmqueue"), dir.path().join("mqueue"));
    std::fs::create_dir(&client).unwrap();
    std::fs::create_dir(&mqueue).unwrap();
    let mc = dir.path().join("sendmail.mc");
    std::fs::write(
        &mc,
        format!(
            "define(`confDOMAIN_NAME', `mail.lab.example')dnl\ndefine(`QUEUE_DIR', `{}')dnl\ndefine(`MSP_QUEUE_DIR', `{}')dnl\n",
            mqueue.display(),
            client.display()
        ),
    )
    .unwrap();
    let args = ["-qf", "-Ac", "-C", &mc.display().to_string()].map(String::from).to_vec();
    let settings = crate::settings::resolve(crate::flags::parse(args).unwrap()).unwrap();
    let log = dir.path().join("maillog");
    Lab { _dir: dir, client, mqueue, log, settings }
}

impl Lab {
    fn put(&self, name: &str, bytes: &[u8]) {
        let path = self.client.join(name);
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o660)).unwrap();
    }

    fn reference(&self, id: &str) {
        let files =
            testkit::paths::reference().join("queue/16-client-queue-run/before/files/clientmqueue");
        for kind in ["qf", "df"] {
            self.put(
                &format!("{kind}{id}"),
                &std::fs::read(files.join(format!("{kind}{id}"))).unwrap(),
            );
        }
    }

    fn pick(&self, id: &str) -> Option<QueueId> {
        let (client, mta) = queues(&self.settings);
        let log = Syslog::from_option("sendmail", Some(&self.log)).unwrap();
        pick_up(&self.settings, &client, &mta, &QueueId::parse(id).unwrap(), &log)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// Reference scenario 16: the MSP's 8-bit submission becomes, in mqueue, the qf
/// sendmail's MTA wrote for it (qf6AONZTP0003208), but for the ID, the times and the
/// version in the MTA's Received line.
#[test]
fn a_submission_becomes_the_mtas_queue_file() {
    let lab = new_lab();
    lab.reference("6AONVhrv020391");
    let new = lab.pick("6AONVhrv020391").expect("picked up");
    assert!(Lab::names(&lab.client).is_empty(), "the client files are gone");
    let ours = std::fs::read(lab.mqueue.join(format!("qf{new}"))).unwrap();
    let ours = String::from_utf8_lossy(&ours).into_owned();
    let after = testkit::paths::reference().join("queue/16-client-queue-run/after/files/mqueue");
    let theirs = String::from_utf8_lossy(&std::fs::read(after.join("qf6AONZTP0003208")).unwrap())
        .replace("6AONZTP0003208", new.as_str())
        .replace("8.17.1.9/8.17.1.9/smlab", spool::message::added::VERSION);
    let (t_ours, t_theirs) = (line(&ours, 'T'), line(&theirs, 'T'));
    let date = |qf: &str| {
        qf.split("for <root@mail.lab.example>; ")
            .nth(1)
            .unwrap()
            .split('\n')
            .next()
            .unwrap()
            .to_string()
    };
    let theirs = theirs.replace(&t_theirs, &t_ours).replace(&date(&theirs), &date(&ours));
    assert_eq!(ours, theirs);
    assert_eq!(
        std::fs::read(lab.mqueue.join(format!("df{new}"))).unwrap(),
        std::fs::read(after.join("df6AONZTP0003208")).unwrap()
    );
    let log = lab.log_text();
    assert!(log.contains(&format!("{new}: from=<root@mail.lab.example>, size=421, class=0, nrcpts=1, msgid=<202611242331.6AONVhrv020391@mail.lab.example>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]")), "{log}");
}

fn line(qf: &str, letter: char) -> String {
    qf.lines().find(|l| l.starts_with(letter)).unwrap().to_string()
}

/// Scenario 16's `-t` submission with a Bcc: the Bcc is gone, the addresses qualified,
/// the To/Cc recipients kept in order.
#[test]
fn bcc_is_dropped_and_addresses_are_qualified() {
    let lab = new_lab();
    lab.reference("6AONVemC019818");
    let new = lab.pick("6AONVemC019818").expect("picked up");
    let qf = String::from_utf8_lossy(&std::fs::read(lab.mqueue.join(format!("qf{new}"))).unwrap())
        .into_owned();
    let after = testkit::paths::reference()
        .join("queue/16-client-queue-run/after/files/mqueue/qf6AONZTP2003208");
    let theirs = String::from_utf8_lossy(&std::fs::read(after).unwrap()).into_owned();
    let part = |qf: &str, from: &str| qf[qf.find(from).unwrap()..].to_string();
    assert_eq!(part(&qf, "\nH??Date:"), part(&theirs, "\nH??Date:"));
    assert_eq!(part(&qf, "\nFbs\n")[..50], part(&theirs, "\nFbs\n")[..50]);
    let rcpts = |qf: &str| {
        qf.lines()
            .filter(|l| l.starts_with('R') || l.starts_with('r'))
            .map(String::from)
            .collect::<Vec<_>>()
    };
    assert_eq!(rcpts(&qf), rcpts(&theirs));
}

/// Hostile files are set aside as Qf with a log line; nothing reaches mqueue.
#[test]
fn hostile_client_files_are_set_aside() {
    let qf = |rcpt: &str| format!("V8\nT1\nK0\nN0\nP1\nFs\nSroot\nRPFD:{rcpt}\nH??Subject: x\n.\n");
    let cases: Vec<(&str, String, &str)> = vec![
        ("AAAAAA000001", qf("\"|/bin/sh -c id\""), "bad recipient"),
        ("AAAAAA000002", qf("/etc/passwd"), "bad recipient"),
        ("AAAAAA000003", "V8\nT1\nXbogus\n.\n".into(), "unreadable queue file"),
        ("AAAAAA000004", qf("root").replace("Fs\n", "Fs\ndotherdir\n"), "d line"),
        ("AAAAAA000005", qf("root").replace("H??Subject: x", "H??Bad Field: x"), "header"),
    ];
    let lab = new_lab();
    for (id, text, _) in &cases {
        lab.put(&format!("qf{id}"), text.as_bytes());
        lab.put(&format!("df{id}"), b"body\n");
        assert_eq!(lab.pick(id), None, "{id}");
    }
    let names = Lab::names(&lab.client);
    for (id, _, why) in &cases {
        assert!(names.contains(&format!("Qf{id}")), "{id} set aside: {names:?}");
        let log = lab.log_text();
        assert!(
            log.contains(&format!("{id}: Losing ./qf{id}: ")) && log.contains(why),
            "{why}: {log}"
        );
    }
    assert!(Lab::names(&lab.mqueue).is_empty(), "nothing was queued");
}

#[test]
fn modes_links_and_locks() {
    let lab = new_lab();
    lab.reference("6AONVhrv020391");
    let qf = lab.client.join("qf6AONVhrv020391");
    std::fs::set_permissions(&qf, std::fs::Permissions::from_mode(0o664)).unwrap();
    assert_eq!(lab.pick("6AONVhrv020391"), None);
    assert!(lab.log_text().contains("qf has mode 0664"), "{}", lab.log_text());
    let lab = new_lab();
    lab.reference("6AONVhrv020391");
    let df = lab.client.join("df6AONVhrv020391");
    std::fs::rename(&df, lab.client.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(lab.client.join("elsewhere"), &df).unwrap();
    assert_eq!(lab.pick("6AONVhrv020391"), None);
    assert!(lab.log_text().contains("df: Too many levels of symbolic links"), "{}", lab.log_text());
    let lab = new_lab();
    lab.reference("6AONVhrv020391");
    let held = std::fs::File::open(lab.client.join("qf6AONVhrv020391")).unwrap();
    held.try_lock().unwrap();
    assert_eq!(lab.pick("6AONVhrv020391"), None, "a locked file waits");
    assert!(lab.client.join("qf6AONVhrv020391").exists());
    drop(held);
    assert!(lab.pick("6AONVhrv020391").is_some());
}

/// The rest of issue 14's hostile client files: a NUL in a header line, a recipient
/// after the final `.`, a qf of over 100 MiB (one header line). None becomes mail
/// with what the file smuggled: each is set aside as `Qf` with its reason (the qf
/// reader stops at 64 MiB without reading further), and nothing is queued.
#[test]
fn nul_data_after_the_end_and_a_100_mib_line_are_set_aside() {
    let qf = |extra: &str| {
        format!("V8\nT1\nK0\nN0\nP1\nFs\nSroot\nRPFD:root\nH??Subject: x\n{extra}.\n")
    };
    let huge = format!("H??X-Huge: {}\n", "y".repeat(100 << 20));
    let cases: Vec<(&str, String, &str)> = vec![
        ("AAAAAA000011", qf("H??X-Bad: a\0b\n"), "line 10: NUL byte in line"),
        (
            "AAAAAA000012",
            qf("") + "RPFD:smuggled@elsewhere.example\n",
            "line 11: bogus data after the final \".\"",
        ),
        ("AAAAAA000013", qf(&huge), "file larger than 67108864 bytes"),
    ];
    let lab = new_lab();
    for (id, text, _) in &cases {
        lab.put(&format!("qf{id}"), text.as_bytes());
        lab.put(&format!("df{id}"), b"body\n");
        assert_eq!(lab.pick(id), None, "{id}");
    }
    let log = lab.log_text();
    let names = Lab::names(&lab.client);
    for (id, _, why) in &cases {
        assert!(names.contains(&format!("Qf{id}")), "{id} set aside: {names:?}");
        let line = format!("{id}: Losing ./qf{id}: unreadable queue file: ");
        assert!(log.contains(&line) && log.contains(why), "{why}: {log}");
    }
    assert!(Lab::names(&lab.mqueue).is_empty(), "nothing was queued");
}
