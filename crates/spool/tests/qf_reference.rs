//! Every queue control file real sendmail wrote (`tests/reference`) reads back and
//! re-serialises byte for byte.

mod common;

use spool::qf::{self, envelope::Envelope};

fn is_control_file(name: &str) -> bool {
    name.len() > 2 && ["qf", "hf", "Qf"].contains(&&name[..2])
}

#[test]
fn every_reference_qf_round_trips_byte_identical() {
    let files = common::files_under(&testkit::paths::reference(), &is_control_file);
    assert!(files.len() >= 90, "expected the reference queue files, found {}", files.len());
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let parsed = qf::parse_listing(path, &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.to_bytes(), bytes, "{} does not round-trip", path.display());
    }
}

/// Every complete qf sendmail wrote reads into an [`Envelope`] and writes back byte for
/// byte, `I` lines included (issue 16 item 6: they were dropped, so the files that
/// have them were left out of this comparison).
#[test]
fn complete_reference_qfs_pass_the_delivery_reader_and_envelope_round_trip() {
    let files = common::files_under(&testkit::paths::reference(), &is_control_file);
    let (mut strict, mut with_inode) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let damaged = path.to_string_lossy().contains("41-broken-qf/case-");
        match qf::parse(path, &bytes) {
            Ok(parsed) => {
                strict += 1;
                with_inode += usize::from(parsed.first(qf::Code::DataInode).is_some());
                let env = Envelope::from_queue_file(path, &parsed).unwrap();
                assert!(!env.recipients.is_empty(), "{}", path.display());
                assert_eq!(env.to_queue_file().to_bytes(), bytes, "{}", path.display());
            }
            Err(e) => assert!(damaged, "{e}"),
        }
    }
    assert!(strict >= 85);
    assert!(with_inode >= 5, "the reference has qfs with I lines, found {with_inode}");
}

#[test]
fn the_damaged_reference_files_fail_as_sendmail_says() {
    let base = testkit::paths::reference().join("queue/41-broken-qf");
    let a = base.join("case-A/2-damaged/qf6AONYxf0032726");
    let err = qf::parse(&a, &std::fs::read(&a).unwrap()).unwrap_err();
    assert_eq!(err.line, 6);
    assert!(err.to_string().ends_with("line 6: bad line \"Xbogus line\""), "{err}");
    let b = base.join("case-B/2-damaged/qf6AONZ0xf000443");
    let err = qf::parse(&b, &std::fs::read(&b).unwrap()).unwrap_err();
    assert_eq!(err.kind, qf::QfErrorKind::Incomplete);
}

/// Every recipient `M` line sendmail wrote for a deferred recipient reads as a
/// temporary [`DeliveryStatus`](spool::status::DeliveryStatus) and writes back the same.
#[test]
fn recipient_status_lines_are_delivery_statuses() {
    let files = common::files_under(&testkit::paths::reference(), &is_control_file);
    let mut deferred = 0;
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let Ok(parsed) = qf::parse(path, &bytes) else { continue };
        let env = Envelope::from_queue_file(path, &parsed).unwrap();
        for r in env.recipients.iter().filter(|r| r.status.is_some()) {
            let written = r.status.clone().unwrap();
            let Some(status) = r.delivery_status() else {
                assert!(!written.starts_with(b"Deferred: "), "{}", path.display());
                continue;
            };
            assert!(status.is_temporary(), "{}: {status}", path.display());
            let mut again = r.clone();
            again.set_delivery_status(&status);
            assert_eq!(again.status, Some(written), "{}", path.display());
            deferred += 1;
        }
    }
    assert!(deferred >= 10, "the reference has deferred recipients, found {deferred}");
}
