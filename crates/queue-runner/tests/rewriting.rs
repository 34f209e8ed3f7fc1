//! The tips' "Rewriting Sender addresses for Entire Domain" recipe end to end:
//! `submit` queues mail from a local login, the `queue-runner` binary delivers it to a
//! scripted SMTP server (the smart host) and to a local mailbox; the genericstable
//! rewrites the sender in the header and, with `FEATURE(masquerade_envelope)`, in the
//! envelope (`MAIL FROM:`, the mailbox's `From ` line and `Return-Path:`).

mod common;
#[path = "../../smtp/tests/scripted/mod.rs"]
mod scripted;

use common::Lab;
use scripted::{Script, Server};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The recipe's lines, the genericstable a text map in the lab, the smart host the
/// scripted server.
fn recipe_lab(server: &Server, envelope: bool) -> Lab {
    let mc = format!(
        "define(`RELAY_MAILER_ARGS', `TCP $h {port}')dnl
FEATURE(`genericstable', `text @LAB@/etc/genericstable')dnl
FEATURE(`generics_entire_domain')dnl
{envelope}GENERICS_DOMAIN(`lab.example')dnl
",
        port = server.addr.port(),
        envelope = if envelope { "FEATURE(`masquerade_envelope')dnl\n" } else { "" },
    );
    let lab = Lab::builtin(&mc);
    std::fs::write(
        lab.path("etc/genericstable"),
        "web1_user1 user1@lab.example\nweb1_user2 user2@lab.example\n",
    )
    .unwrap();
    lab
}

/// Queues a message from web1_user1 to a remote and a local recipient and runs the
/// queue; `None` when submit is not built.
fn send(lab: &Lab) -> Option<()> {
    let message = b"From: Web User One <web1_user1>\nSubject: generics\n\nhello\n";
    let Some(out) =
        lab.submit(&["-odq", "-f", "web1_user1", "ok@remote.example", "daemon"], message)
    else {
        testkit::oracle::skip(
            "submit is not built beside queue-runner (run cargo test --workspace)",
        );
        return None;
    };
    assert!(out.status.success(), "submit: {}", text(&out.stderr));
    let out = lab.queue_runner(&["-qf", "-Ac"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(lab.files("mqueue").is_empty(), "{}", lab.log());
    Some(())
}

/// Checks what the smart host got: `MAIL From:<envelope>` and the rewritten `From:`
/// (in the header whatever the envelope); returns daemon's mailbox.
fn delivered(server: &Server, lab: &Lab, envelope: &str) -> String {
    let mail = server.commands().into_iter().find(|c| c.starts_with("MAIL ")).unwrap();
    assert!(mail.starts_with(&format!("MAIL From:<{envelope}>")), "{mail}");
    let data = server.data();
    assert!(data.contains(&"From: Web User One <user1@lab.example>".to_string()), "{data:?}");
    lab.text("mail/daemon")
}

#[test]
fn genericstable_rewrites_the_header_and_the_envelope() {
    let server = Server::start(Script::new());
    let lab = recipe_lab(&server, true);
    let Some(()) = send(&lab) else { return };
    let mbox = delivered(&server, &lab, "user1@lab.example");
    assert!(mbox.starts_with("From user1@lab.example "), "{mbox}");
    assert!(mbox.contains("\nReturn-Path: <user1@lab.example>\n"), "{mbox}");
    assert!(mbox.contains("\nFrom: Web User One <user1@lab.example>\n"), "{mbox}");
}

#[test]
fn without_masquerade_envelope_only_the_header_is_rewritten() {
    let server = Server::start(Script::new());
    let lab = recipe_lab(&server, false);
    let Some(()) = send(&lab) else { return };
    let mbox = delivered(&server, &lab, "web1_user1@mail.lab.example");
    assert!(mbox.starts_with("From web1_user1@mail.lab.example "), "{mbox}");
    assert!(mbox.contains("\nFrom: Web User One <user1@lab.example>\n"), "{mbox}");
}
