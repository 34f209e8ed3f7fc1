//! Small deterministic generators for fuzz-style test loops.
//!
//! [`Rng`] is xorshift64* (Marsaglia's xorshift with Vigna's multiplier): one seed gives
//! the same sequence on every machine, so a failing input can be found again.
//! [`XorShift64`] is plain xorshift64 (shifts 13, 7, 17), kept because committed tests
//! draw their inputs from it. Neither is fit for anything but tests.
//!
//! # Panics
//! Zero is a fixed point of xorshift, so a zero seed panics.

/// xorshift64*: deterministic, good enough to generate and mutate test inputs.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a non-zero `seed`.
    ///
    /// # Panics
    /// When `seed` is 0.
    pub fn new(seed: u64) -> Rng {
        assert_ne!(seed, 0, "xorshift needs a non-zero seed");
        Rng(seed)
    }

    /// The next pseudo-random number.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n`; 0 when `n` is 0.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// Up to `max` bytes drawn from `alphabet` (not empty).
    pub fn bytes_from(&mut self, alphabet: &[u8], max: usize) -> Vec<u8> {
        let n = self.below(max + 1);
        (0..n).map(|_| alphabet[self.below(alphabet.len())]).collect()
    }

    /// `seed` with one to eight bytes replaced, inserted or removed; inserted bytes
    /// are characters that mean something in mail syntax (`\n\t :\"<>#,|@`).
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

/// Plain xorshift64 (shifts 13, 7, 17).
#[derive(Debug, Clone)]
pub struct XorShift64(u64);

impl XorShift64 {
    /// A generator from a non-zero `seed`.
    ///
    /// # Panics
    /// When `seed` is 0.
    pub fn new(seed: u64) -> XorShift64 {
        assert_ne!(seed, 0, "xorshift needs a non-zero seed");
        XorShift64(seed)
    }

    /// The next pseudo-random number.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_numbers_follow_the_definitions() {
        // Seed 1 by hand: xorshift64* gives 0x2000001 * M; xorshift64 gives 0x40822041.
        assert_eq!(Rng::new(1).next(), 0x47e4_ce4b_896c_dd1d);
        assert_eq!(XorShift64::new(1).next(), 0x4082_2041);
    }

    #[test]
    fn one_seed_one_sequence() {
        let (mut a, mut b) = (Rng::new(42), Rng::new(42));
        assert!((0..100).all(|_| a.next() == b.next()));
        assert_ne!(Rng::new(43).next(), Rng::new(42).next());
    }

    #[test]
    fn below_stays_below() {
        let mut r = Rng::new(7);
        assert!((0..1000).all(|_| r.below(10) < 10));
        assert_eq!(r.below(0), 0);
    }

    #[test]
    fn bytes_and_mutations_stay_in_bounds() {
        let mut r = Rng::new(0xa11a5);
        for _ in 0..200 {
            let b = r.bytes_from(b"xy", 5);
            assert!(b.len() <= 5 && b.iter().all(|c| b"xy".contains(c)));
            let m = r.mutate(b"root: daemon");
            assert!((12 - 9..=12 + 9).contains(&m.len()), "{m:?}");
        }
    }

    #[test]
    #[should_panic(expected = "non-zero seed")]
    fn a_zero_seed_is_refused() {
        Rng::new(0);
    }
}
