//! `--audit -starttls` against a tiny SMTP server on 127.0.0.1 (issue 6, item 2).
//!
//! The server is a thread in this test: it greets, answers EHLO (with or without
//! STARTTLS), answers STARTTLS with 220 and completes a TLS 1.2 handshake with a
//! self-signed certificate and the DH group under test (or no DHE suites at all).

mod common;

use common::{openssl, outcome, run};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::dh::Dh;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::ssl::{SslAcceptor, SslMethod, SslVersion};
use openssl::x509::{X509Name, X509};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread::JoinHandle;

/// What the test server offers.
enum Offer {
    /// DHE with these parameters.
    Dhe(Dh<openssl::pkey::Params>),
    /// ECDHE only.
    NoDhe,
    /// No STARTTLS in the EHLO reply.
    NoStartTls,
}

fn self_signed() -> (PKey<Private>, X509) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509Name::builder().unwrap();
    name.append_entry_by_text("CN", "localhost").unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap()).unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap()).unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(1).unwrap()).unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    (key, cert.build())
}

fn acceptor(offer: &Offer) -> SslAcceptor {
    let (key, cert) = self_signed();
    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
    builder.set_security_level(0);
    builder.set_private_key(&key).unwrap();
    builder.set_certificate(&cert).unwrap();
    builder.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    match offer {
        Offer::Dhe(dh) => {
            builder.set_cipher_list("kDHE:!aNULL:@SECLEVEL=0").unwrap();
            builder.set_tmp_dh(dh).unwrap();
        }
        Offer::NoDhe | Offer::NoStartTls => {
            builder.set_cipher_list("ECDHE-RSA-AES128-GCM-SHA256").unwrap();
        }
    }
    builder.build()
}

/// Serves one SMTP session on 127.0.0.1; returns the address and the thread.
fn serve_once(offer: Offer) -> (String, JoinHandle<()>) {
    let acceptor = acceptor(&offer);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut writer = stream.try_clone().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        writer.write_all(b"220 test.invalid ESMTP ready\r\n").unwrap();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("EHLO ["), "{line}");
        let extensions = match offer {
            Offer::NoStartTls => "250-test.invalid\r\n250 PIPELINING\r\n",
            _ => "250-test.invalid\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
        };
        writer.write_all(extensions.as_bytes()).unwrap();
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            return; // The client gave up (no STARTTLS).
        }
        assert_eq!(line, "STARTTLS\r\n");
        writer.write_all(b"220 2.0.0 Ready to start TLS\r\n").unwrap();
        if let Ok(mut tls) = acceptor.accept(stream) {
            let mut quit = [0u8; 6];
            let _ = std::io::Read::read_exact(&mut tls, &mut quit);
        }
    });
    (addr, handle)
}

fn probe(addr: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec!["--audit", "-starttls", addr];
    args.extend_from_slice(extra);
    outcome(&run(&args))
}

#[test]
fn issue6_weak_server_group_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("dh1024.pem");
    openssl(&["dhparam", "-out", file.to_str().unwrap(), "1024"]);
    let dh = Dh::params_from_pem(&std::fs::read(&file).unwrap()).unwrap();
    let (addr, server) = serve_once(Offer::Dhe(dh));
    let (code, stdout, stderr) = probe(&addr, &[]);
    server.join().unwrap();
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("{addr}: info: tls: server chose DHE-")), "{stdout}");
    assert!(stdout.contains("over TLSv1.2"), "{stdout}");
    assert!(stdout.contains(&format!("{addr}: weak: bits: 1024-bit prime")), "{stdout}");
    assert!(stdout.contains("ok: subgroup: p is a safe prime"), "{stdout}");
}

#[test]
fn issue6_server_with_ffdhe2048_is_safe_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = common::openssl_group(dir.path(), "DH", "group:ffdhe2048", "ffdhe2048");
    let dh = Dh::params_from_pem(&std::fs::read(&file).unwrap()).unwrap();
    let (addr, server) = serve_once(Offer::Dhe(dh));
    let (code, stdout, stderr) = probe(&addr, &["--json"]);
    server.join().unwrap();
    assert_eq!(code, 0, "{stdout}{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["results"][0]["group"], "RFC 7919 ffdhe2048");
    assert_eq!(doc["results"][0]["bits"], 2048);
}

#[test]
fn server_without_dhe_is_safe() {
    let (addr, server) = serve_once(Offer::NoDhe);
    let (code, stdout, stderr) = probe(&addr, &[]);
    server.join().unwrap();
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("ok: dh: server refused every DHE cipher suite"), "{stdout}");
}

#[test]
fn server_without_starttls_is_unavailable() {
    let (addr, server) = serve_once(Offer::NoStartTls);
    let (code, _, stderr) = probe(&addr, &[]);
    server.join().unwrap();
    assert_eq!(code, 69);
    assert!(stderr.contains("does not offer STARTTLS"), "{stderr}");
}

#[test]
fn remote_targets_are_refused_without_allow_remote() {
    // 192.0.2.1 is TEST-NET-1; nothing is sent, the address is refused before connecting.
    let (code, _, stderr) = probe("192.0.2.1:25", &[]);
    assert_eq!(code, 77);
    assert!(stderr.contains("not a loopback address; add --allow-remote"), "{stderr}");
}

#[test]
fn closed_port_is_unavailable() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (code, _, stderr) = probe(&format!("127.0.0.1:{port}"), &[]);
    assert_eq!(code, 69, "{stderr}");
    assert!(stderr.contains("cannot connect"), "{stderr}");
}
