//! The crash batteries' size and seed: a short form in `cargo test` (CI), a long form
//! from `scripts/soak`; and files dated as a crash long ago would have left them
//! ([`left_behind`]), for the sweep's tests.
//!
//! | variable | effect |
//! |---|---|
//! | `FERRYMAIL_SOAK_ROUNDS=N` | rounds of kill-and-check (the test's own default otherwise) |
//! | `FERRYMAIL_SOAK_SEED=N` | the seed of the kill instants (the test's fixed seed otherwise) |
//!
//! A test prints what it used on stderr (`soak: 200 rounds, seed 12345`), so a failing
//! long run can be repeated exactly.

/// The variable giving the number of rounds.
pub const ROUNDS: &str = "FERRYMAIL_SOAK_ROUNDS";
/// The variable giving the seed.
pub const SEED: &str = "FERRYMAIL_SOAK_SEED";

/// The rounds and a generator for a crash battery whose short form has `rounds`
/// rounds from `seed`.
///
/// # Panics
/// When a variable is set but is not a number (or the seed is 0).
pub fn plan(rounds: usize, seed: u64) -> (usize, crate::rng::Rng) {
    let rounds = number(ROUNDS).map_or(rounds, |n| n as usize);
    let seed = number(SEED).unwrap_or(seed);
    eprintln!("soak: {rounds} rounds, seed {seed}");
    (rounds, crate::rng::Rng::new(seed))
}

fn number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(text.trim().parse().unwrap_or_else(|_| panic!("{name}={text}: not a number")))
}

/// Creates the empty file `name` in `dir`, last modified `age` ago: what a crash
/// left behind that long ago, for the sweep's tests.
///
/// # Panics
/// When the file cannot be created or dated.
pub fn left_behind(dir: &std::path::Path, name: &str, age: std::time::Duration) {
    let file = std::fs::File::create(dir.join(name)).expect("create the file");
    file.set_modified(std::time::SystemTime::now() - age).expect("date the file");
}
