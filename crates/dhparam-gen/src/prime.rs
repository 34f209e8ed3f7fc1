//! Probabilistic primality with a round count we choose.
//!
//! OpenSSL 3's `BN_is_prime_ex` and `BN_is_prime_fasttest_ex` raise any requested
//! round count to at least 64 (128 above 2048 bits), which costs about 20 seconds on an
//! 8192-bit p and its (p-1)/2. An audit does not need that margin, so this module runs
//! trial division by the small primes and then `rounds` Miller-Rabin rounds with
//! random bases, using OpenSSL's big-number arithmetic. Any composite survives one
//! round with probability at most 1/4.
//!
//! # Errors
//! OpenSSL's, should its arithmetic fail (allocation).

use openssl::bn::{BigNum, BigNumContext, BigNumRef};
use openssl::error::ErrorStack;

/// The odd primes below 256, for trial division.
const SMALL_PRIMES: &[u32] = &[
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251,
];

/// Whether `n` is (very probably) prime after `rounds` Miller-Rabin rounds.
pub fn is_probable_prime(
    n: &BigNumRef,
    rounds: u32,
    ctx: &mut BigNumContext,
) -> Result<bool, ErrorStack> {
    if n.is_negative() || n.num_bits() <= 8 {
        return Ok(small_is_prime(n));
    }
    if !n.is_bit_set(0) {
        return Ok(false);
    }
    for &p in SMALL_PRIMES {
        if n.mod_word(p)? == 0 {
            return Ok(false);
        }
    }
    miller_rabin(n, rounds, ctx)
}

/// Exact answer for numbers below 256.
fn small_is_prime(n: &BigNumRef) -> bool {
    if n.is_negative() {
        return false;
    }
    let bytes = n.to_vec();
    let value = bytes.last().copied().map_or(0, u32::from);
    value == 2 || SMALL_PRIMES.contains(&value)
}

/// `rounds` rounds of Miller-Rabin on odd `n` > 256.
fn miller_rabin(n: &BigNumRef, rounds: u32, ctx: &mut BigNumContext) -> Result<bool, ErrorStack> {
    let one = BigNum::from_u32(1)?;
    let two = BigNum::from_u32(2)?;
    let mut n_minus_1 = BigNum::new()?;
    n_minus_1.checked_sub(n, &one)?;
    // n - 1 = d * 2^s with d odd.
    let mut s = 0;
    while !n_minus_1.is_bit_set(s) {
        s += 1;
    }
    let mut d = BigNum::new()?;
    d.rshift(&n_minus_1, s)?;
    // Bases are drawn from [2, n-2]: rand_range gives [0, n-3), plus 2.
    let mut range = BigNum::new()?;
    range.checked_sub(&n_minus_1, &two)?;
    let (mut a, mut x, mut square) = (BigNum::new()?, BigNum::new()?, BigNum::new()?);
    'rounds: for _ in 0..rounds {
        range.rand_range(&mut a)?;
        a.add_word(2)?;
        x.mod_exp(&a, &d, n, ctx)?;
        if x == one || x == n_minus_1 {
            continue;
        }
        for _ in 1..s {
            square.mod_sqr(&x, n, ctx)?;
            std::mem::swap(&mut x, &mut square);
            if x == n_minus_1 {
                continue 'rounds;
            }
        }
        return Ok(false);
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(n: &BigNumRef) -> bool {
        is_probable_prime(n, 16, &mut BigNumContext::new().unwrap()).unwrap()
    }

    #[test]
    fn agrees_with_openssl_on_the_first_thousands() {
        let mut ctx = BigNumContext::new().unwrap();
        for i in 0..5000u32 {
            let n = BigNum::from_u32(i).unwrap();
            assert_eq!(check(&n), n.is_prime(0, &mut ctx).unwrap(), "{i}");
        }
    }

    #[test]
    fn carmichael_numbers_and_prime_products_are_composite() {
        for c in ["561", "41041", "825265", "321197185", "5394826801", "232250619601"] {
            assert!(!check(&BigNum::from_dec_str(c).unwrap()), "{c}");
        }
        // 2^127 - 1 is prime; (2^61 - 1)(2^89 - 1) is not.
        let m127 = BigNum::from_hex_str("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF").unwrap();
        assert!(check(&m127));
        let mut product = BigNum::new().unwrap();
        let m61 = BigNum::from_hex_str("1FFFFFFFFFFFFFFF").unwrap();
        let m89 = BigNum::from_hex_str("1FFFFFFFFFFFFFFFFFFFFFF").unwrap();
        product.checked_mul(&m61, &m89, &mut BigNumContext::new().unwrap()).unwrap();
        assert!(!check(&product));
    }

    #[test]
    fn negative_numbers_are_not_prime() {
        let mut n = BigNum::from_u32(7).unwrap();
        n.set_negative(true);
        assert!(!check(&n));
    }
}
