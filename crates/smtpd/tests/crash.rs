//! kill -9 during load, repeatedly: every message that got 250 is in the queue,
//! whole and parseable, no qf is ever half-written, and what the killed daemons left
//! (a df or tf of a message never acknowledged) is removed by the sweep once it has
//! aged. 20 rounds here; `scripts/soak` runs 200 and more (`testkit::soak`).

mod common;

use common::Daemon;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Rounds of load-then-kill in the short form.
const ROUNDS: usize = 20;
/// Client threads sending at once.
const CLIENTS: usize = 4;

/// One acknowledged message: its queue ID and the body line that identifies it.
type Acked = Arc<Mutex<Vec<(String, String)>>>;

/// Sends messages over one connection after another until the server goes away.
fn client(addr: SocketAddr, tag: String, acked: Acked) {
    let mut n = 0;
    loop {
        let Ok(stream) = TcpStream::connect(addr) else { return };
        stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut reply = || {
            let mut all = String::new();
            loop {
                let mut line = String::new();
                match reader.read_line(&mut line) {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
                all.push_str(&line);
                if line.as_bytes().get(3) == Some(&b' ') {
                    return Some(all);
                }
            }
        };
        if reply().is_none() {
            return;
        }
        let say = |w: &mut TcpStream, text: &str| w.write_all(text.as_bytes()).is_ok();
        if !say(&mut writer, "EHLO crash.example\r\n") || reply().is_none() {
            return;
        }
        for _ in 0..5 {
            n += 1;
            let line = format!("message {tag}-{n}");
            let text = "MAIL FROM:<load@example.org>\r\nRCPT TO:<root>\r\nDATA\r\n";
            if !say(&mut writer, text) {
                return;
            }
            for _ in 0..3 {
                if reply().is_none() {
                    return;
                }
            }
            let body = format!("Subject: {line}\r\n\r\n{line}\r\n{}\r\n.\r\n", "x".repeat(900));
            if !say(&mut writer, &body) {
                return;
            }
            let Some(done) = reply() else { return };
            if let Some(id) = done.strip_prefix("250 2.0.0 ").and_then(|r| r.split(' ').next()) {
                acked.lock().unwrap().push((id.to_string(), line));
            }
        }
        let _ = say(&mut writer, "QUIT\r\n");
    }
}

#[test]
fn every_acknowledged_message_survives_kill_9() {
    let acked: Acked = Arc::new(Mutex::new(Vec::new()));
    let (rounds, mut rng) = testkit::soak::plan(ROUNDS, 0x5eed_c0ff_ee11);
    let mut daemon = Daemon::start("");
    for round in 0..rounds {
        let threads: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (addr, acked) = (daemon.addr, acked.clone());
                std::thread::spawn(move || client(addr, format!("{round}.{c}"), acked))
            })
            .collect();
        // The instant of the kill is what varies: 20 to 300 ms into the load.
        std::thread::sleep(Duration::from_millis(20 + rng.below(280) as u64));
        daemon = daemon.kill9_and_restart();
        for t in threads {
            t.join().unwrap();
        }
    }
    let queue = daemon.path("mqueue");
    let acked = acked.lock().unwrap();
    eprintln!("smtpd: {rounds} kills, {} messages acknowledged", acked.len());
    assert!(acked.len() > rounds, "the load ran: {} messages acknowledged", acked.len());
    for (id, line) in acked.iter() {
        let qf_path = queue.join(format!("qf{id}"));
        let bytes =
            std::fs::read(&qf_path).unwrap_or_else(|e| panic!("acknowledged {id} is gone: {e}"));
        let qf = spool::qf::parse(&qf_path, &bytes).unwrap_or_else(|e| panic!("{id}: {e}"));
        let envelope = spool::qf::envelope::Envelope::from_queue_file(&qf_path, &qf).unwrap();
        let subject = format!("Subject: {line}");
        assert!(envelope.headers.iter().any(|h| h.text == subject.as_bytes()), "{id}: not {line}");
        let df = std::fs::read(queue.join(format!("df{id}"))).unwrap();
        assert_eq!(df.len(), line.len() + 1 + 901, "{id}: the df is whole");
    }
    // Every qf in the queue, acknowledged or not, is complete.
    for entry in std::fs::read_dir(&queue).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if let Some(id) = name.strip_prefix("qf") {
            let bytes = std::fs::read(&path).unwrap();
            spool::qf::parse(&path, &bytes)
                .unwrap_or_else(|e| panic!("a half-written qf {name}: {e}"));
            assert!(queue.join(format!("df{id}")).exists(), "{name} without its df");
        }
    }
    // What the killed daemons left: once a day has passed, the sweep removes it, and
    // only whole messages remain.
    let later = std::time::SystemTime::now() + spool::queue::STRAY_AGE;
    spool::queue::Queue::open(&queue).sweep(later).unwrap();
    for entry in std::fs::read_dir(&queue).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let (kind, id) = name.split_at(2);
        let other = match kind {
            "qf" => "df",
            "df" => "qf",
            _ => panic!("{name} stayed after the sweep"),
        };
        assert!(queue.join(format!("{other}{id}")).exists(), "{name} stayed without its {other}");
    }
}

/// A daemon that starts sweeps what a crash left in its queue, as Postfix's
/// postsuper does at start-up: a df and a tf untouched for more than a day, with no
/// control file and no writer, go (and are logged); a young one stays.
#[test]
fn a_start_sweeps_what_a_crash_left() {
    let dir = common::minimal("");
    let queue = dir.path().join("mqueue");
    let old = spool::queue::STRAY_AGE + Duration::from_secs(60);
    testkit::soak::left_behind(&queue, "dfstray00000001", old);
    testkit::soak::left_behind(&queue, "tfstray00000002", old);
    testkit::soak::left_behind(&queue, "dfyoung00000003", Duration::from_secs(60));
    let daemon = Daemon::run(dir, &[]);
    let mut left: Vec<String> = std::fs::read_dir(&queue)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    left.sort();
    assert_eq!(left, ["dfyoung00000003"]);
    let log = daemon.log();
    for name in ["dfstray00000001", "tfstray00000002"] {
        let line = format!("{}: removed stray file", queue.join(name).display());
        assert!(log.contains(&line), "{log}");
    }
}
