//! scripts/demo, end to end: it must finish with every step shown, in under a minute
//! after the build, and leave nothing running.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn the_demo_shows_the_whole_path_and_stops_everything() {
    if !testkit::oracle::on_path("python3") {
        testkit::skip::skip("python3 is not installed (the demo's SMTP sink and client)");
        return;
    }
    let ws = handbook::workspace();
    let start = Instant::now();
    let out = Command::new(ws.join("scripts/demo"))
        .env("FERRYMAIL_BIN", handbook::bin_dir())
        .env_remove("KEEP")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let took = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "scripts/demo failed:\n{stdout}\n--- stderr\n{stderr}");
    for shown in [
        "Submit as cron does",
        "Submit as PHP's mail() does",
        "(Deferred: 451 4.3.0 <slowpoke@partner.example>",
        "Subject: Returned mail: see transcript for details",
        "X-Sink-To: <colleague@partner.example>",
        "<nobody@partner.example>... User unknown",
        "demo: done in",
    ] {
        assert!(stdout.contains(shown), "the demo does not show `{shown}`:\n{stdout}");
    }
    assert!(took < Duration::from_secs(60), "the demo took {took:?}");
    let left = Command::new("pgrep").args(["-f", "ferrymail-demo\\."]).output().unwrap();
    let left = String::from_utf8_lossy(&left.stdout);
    assert!(left.trim().is_empty(), "the demo left processes running: {left}");
}
