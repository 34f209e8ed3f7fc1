//! The tokio driver (feature `tokio`) over an in-memory duplex stream.
#![cfg(feature = "tokio")]

mod common;

use common::{lab_client, lab_settings, LabPolicy};
use smtp::server::{serve_async, Session};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn async_session_accepts_a_message() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    rt.block_on(async {
        let (client, server) = tokio::io::duplex(4096);
        let (server_read, server_write) = tokio::io::split(server);
        let mut session =
            Session::new(lab_settings(false), lab_client("127.0.0.1"), LabPolicy::default());
        let serve = serve_async(&mut session, server_read, server_write);
        let talk = async move {
            let (mut read, mut write) = tokio::io::split(client);
            let mut replies = String::new();
            let mut buf = [0u8; 4096];
            for line in [
                "EHLO c.example\r\n",
                "MAIL FROM:<alice@mail.lab.example>\r\n",
                "RCPT TO:<root>\r\n",
                "DATA\r\n",
                "Subject: s\r\n\r\nbody\r\n.\r\n",
                "QUIT\r\n",
            ] {
                let n = read.read(&mut buf).await.unwrap();
                replies.push_str(std::str::from_utf8(&buf[..n]).unwrap());
                write.write_all(line.as_bytes()).await.unwrap();
            }
            let mut rest = Vec::new();
            read.read_to_end(&mut rest).await.unwrap();
            replies.push_str(std::str::from_utf8(&rest).unwrap());
            replies
        };
        let talk = tokio::spawn(talk);
        serve.await.unwrap();
        let replies = talk.await.unwrap();
        assert!(
            replies.contains("250 2.0.0 6AONaqTD000001 Message accepted for delivery\r\n"),
            "{replies}"
        );
        assert!(
            replies.ends_with("221 2.0.0 mail.lab.example closing connection\r\n"),
            "{replies}"
        );
        assert_eq!(session.policy().stored.messages.len(), 1);
    });
}
