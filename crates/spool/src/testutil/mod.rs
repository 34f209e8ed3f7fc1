//! Helpers shared by the unit tests: a tiny PRNG for fuzz-style loops and the
//! location of the recorded sendmail reference files.

use std::path::PathBuf;

/// xorshift64*: deterministic, good enough to mutate test inputs.
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    /// The next pseudo-random number.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Up to `max` bytes drawn from `alphabet`.
    pub fn bytes_from(&mut self, alphabet: &[u8], max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| alphabet[self.below(alphabet.len())]).collect()
    }

    /// `seed` with a few random bytes replaced, inserted or removed.
    pub fn mutate(&mut self, seed: &[u8]) -> Vec<u8> {
        let mut v = seed.to_vec();
        for _ in 0..=self.below(8) {
            let at = if v.is_empty() { 0 } else { self.below(v.len()) };
            match self.below(3) {
                0 if !v.is_empty() => v[at] = self.next() as u8,
                1 => v.insert(at, b"\n\t :\\\"<>#,|@"[self.below(12)]),
                _ if !v.is_empty() => {
                    v.remove(at);
                }
                _ => v.push(self.next() as u8),
            }
        }
        v
    }
}

/// The folder of sendmail reference recordings: `../shared/reference` beside the
/// workspace, else `/work/shared/reference`.
pub fn reference_dir() -> PathBuf {
    let beside = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
    if beside.is_dir() {
        return beside;
    }
    let fixed = PathBuf::from("/work/shared/reference");
    assert!(fixed.is_dir(), "sendmail reference files not found at {beside:?} or {fixed:?}");
    fixed
}

/// The oracle's configuration folder (`../shared/oracle/conf`).
pub fn oracle_conf_dir() -> PathBuf {
    reference_dir().join("../oracle/conf")
}

/// The `[stdout]` block that follows the command line containing `cmd` in a
/// reference transcript.
pub fn stdout_after(transcript: &str, cmd: &str) -> Vec<String> {
    let mut lines = transcript.lines().skip_while(|l| !(l.starts_with("$ ") && l.contains(cmd)));
    lines.next();
    lines
        .skip_while(|l| *l != "[stdout]")
        .skip(1)
        .take_while(|l| !l.starts_with("[stderr]"))
        .map(str::to_string)
        .collect()
}

/// The `[exit N]` status after the command line containing `cmd`.
pub fn exit_after(transcript: &str, cmd: &str) -> i32 {
    transcript
        .lines()
        .skip_while(|l| !(l.starts_with("$ ") && l.contains(cmd)))
        .find_map(|l| l.strip_prefix("[exit ").and_then(|r| r.strip_suffix(']')))
        .and_then(|n| n.parse().ok())
        .unwrap_or(-1)
}
