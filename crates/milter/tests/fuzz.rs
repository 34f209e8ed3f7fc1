//! Thousands of random and mutated packets through both directions of the codec,
//! so plain `cargo test` exercises what `fuzz/fuzz_targets/milter_codec.rs` does.

use milter::codec::check_invariants;
use milter::{Command, Family, Response};
use testkit::rng::Rng;

fn seeds() -> Vec<Vec<u8>> {
    let s = |x: &str| x.as_bytes().to_vec();
    let mut all: Vec<Vec<u8>> = [
        Command::OptNeg { version: 6, actions: 0x1ff, protocol: 0x1fffff },
        Command::Macros { code: b'C', pairs: vec![(s("j"), s("mx"))] },
        Command::Connect { host: s("h"), family: Family::Inet(25, s("127.0.0.1")) },
        Command::Mail(vec![s("<a@b>"), s("SIZE=1")]),
        Command::Header { name: s("Subject"), value: s("x") },
        Command::Body(s("b\r\n")),
        Command::EndOfBody,
    ]
    .iter()
    .map(Command::encode)
    .collect();
    all.extend(
        [
            Response::OptNeg { version: 6, actions: 1, protocol: 0x80, macros: vec![(1, s("j"))] },
            Response::ReplyCode(s("550 5.7.1 no")),
            Response::ChangeHeader { index: 1, name: s("Subject"), value: s("") },
            Response::AddRcptPar { rcpt: s("<a@b>"), args: s("NOTIFY=NEVER") },
            Response::ChangeFrom { from: s("<a@b>"), args: s("") },
            Response::Quarantine(s("held")),
        ]
        .iter()
        .map(Response::encode),
    );
    all
}

#[test]
fn random_and_mutated_packets_never_panic_and_round_trip() {
    let mut rng = Rng::new(0x6d696c746572);
    let seeds = seeds();
    for _ in 0..50_000 {
        let input = match rng.below(3) {
            0 => (0..rng.below(40)).map(|_| rng.next() as u8).collect(),
            _ => {
                let seed = &seeds[rng.below(seeds.len())];
                rng.mutate(seed)
            }
        };
        check_invariants(&input);
    }
}
