//! The audit: is this DH group safe to serve?
//!
//! For p and g (and q when stated) it checks, in this order, one [`Finding`] each:
//!
//! | check | weak when |
//! |---|---|
//! | `bits` | p has fewer than 2048 bits: clients at OpenSSL security level 2 (Debian's default) abort with "dh key too small" |
//! | `prime` | p is not prime |
//! | `subgroup` | p is not a safe prime and no prime q of g's order is known (small-subgroup attacks) |
//! | `generator` | g is not in 2..p-2, or does not have order q |
//! | `shared` | p is a widely shared group under 2048 bits: the Logjam precomputation target |
//!
//! Sendmail's built-in choices of `confDH_PARAMETERS` (`none`, `1`, `2`, `5`, `i`) are
//! judged from what sendmail 8.17 does with them (see [`sendmail_builtin`]).
//! The verdict is weak if any finding is weak.

use crate::der::DhParams;
use crate::error::{Error, InputError};
use crate::groups;
use crate::prime;
use openssl::bn::{BigNum, BigNumContext, BigNumRef};

/// Below this many bits a group is weak.
pub const MIN_BITS: i32 = 2048;
/// OpenSSL's `OPENSSL_DH_MAX_MODULUS_BITS`: it will not use a larger p, nor will we test one.
pub const MAX_BITS: i32 = 10000;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Fine.
    Ok,
    /// A reason the group should not be used.
    Weak,
    /// Worth knowing, not a weakness.
    Info,
}

impl Status {
    /// The word printed for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Weak => "weak",
            Status::Info => "info",
        }
    }
}

/// One line of the audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which check (`bits`, `prime`, `subgroup`, `generator`, `shared`, `dh`).
    pub check: &'static str,
    /// Outcome.
    pub status: Status,
    /// What was found, for a human.
    pub detail: String,
}

/// The audit of one source: a file, a server, or a built-in sendmail choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// File name, `host:port`, or `confDH_PARAMETERS=VALUE`.
    pub source: String,
    /// Bits of p, when known.
    pub bits: Option<i32>,
    /// The generator in decimal (hex if large), when known.
    pub generator: Option<String>,
    /// Whether p is a safe prime, when p is known.
    pub safe_prime: Option<bool>,
    /// The well-known group p belongs to.
    pub group: Option<&'static str>,
    /// Every finding, in check order.
    pub findings: Vec<Finding>,
}

impl Report {
    /// An empty report for `source`.
    pub fn new(source: impl Into<String>) -> Report {
        Report {
            source: source.into(),
            bits: None,
            generator: None,
            safe_prime: None,
            group: None,
            findings: Vec::new(),
        }
    }

    /// Adds a finding.
    pub fn push(&mut self, check: &'static str, status: Status, detail: impl Into<String>) {
        self.findings.push(Finding { check, status, detail: detail.into() });
    }

    /// True if no finding is weak.
    pub fn is_safe(&self) -> bool {
        self.findings.iter().all(|f| f.status != Status::Weak)
    }
}

/// Numbers that are needed more than once.
struct Numbers {
    one: BigNum,
    p_minus_1: BigNum,
    ctx: BigNumContext,
}

fn crypto(what: &'static str) -> impl FnOnce(openssl::error::ErrorStack) -> Error {
    Error::crypto(what)
}

/// Miller-Rabin rounds for a p that is not a well-known group. Any composite passes a
/// round with probability at most 1/4, so 24 rounds err below 2^-48 even for a p built
/// to fool the test (and far below that for a random one); see [`crate::prime`].
pub const MR_ROUNDS: u32 = 24;

/// Trial division, then [`MR_ROUNDS`] rounds of Miller-Rabin.
fn is_prime(n: &BigNumRef, ctx: &mut BigNumContext) -> Result<bool, Error> {
    prime::is_probable_prime(n, MR_ROUNDS, ctx).map_err(crypto("primality test"))
}

/// Audits p, g (and q) read from `source`.
pub fn audit_params(source: &str, params: &DhParams) -> Result<Report, Error> {
    let bits = params.p.num_bits();
    if bits > MAX_BITS {
        return Err(Error::BadInput {
            source_name: source.to_string(),
            problem: InputError::ModulusTooLarge { bits, limit: MAX_BITS },
        });
    }
    let mut report = Report::new(source);
    report.bits = Some(bits);
    report.generator = Some(show(&params.g)?);
    let mut n = numbers(&params.p)?;
    check_bits(&mut report, bits);
    let known = groups::lookup(&params.p);
    report.group = known.map(|g| g.name);
    let q = match known {
        Some(group) => known_subgroup(&mut report, &n, group)?,
        None => {
            if !is_prime(&params.p, &mut n.ctx)? {
                report.push("prime", Status::Weak, "p is not prime: this is not a DH group at all");
                report.safe_prime = Some(false);
                return Ok(report);
            }
            report.push("prime", Status::Ok, "p is prime");
            let stated = params.q.as_deref().map(BigNumRef::to_owned).transpose();
            subgroup(&mut report, &mut n, stated.map_err(crypto("copy"))?)?
        }
    };
    check_generator(&mut report, &mut n, &params.p, &params.g, q.as_ref())?;
    check_shared(&mut report, known);
    if let Some(group) = known.filter(|group| *group.g() != *params.g) {
        let detail = format!("generator differs from {}'s standard one", group.name);
        report.push("generator", Status::Info, detail);
    }
    Ok(report)
}

fn numbers(p: &BigNumRef) -> Result<Numbers, Error> {
    let one = BigNum::from_u32(1).map_err(crypto("bignum"))?;
    let mut p_minus_1 = BigNum::new().map_err(crypto("bignum"))?;
    p_minus_1.checked_sub(p, &one).map_err(crypto("bignum"))?;
    let ctx = BigNumContext::new().map_err(crypto("bignum"))?;
    Ok(Numbers { one, p_minus_1, ctx })
}

/// A number for display: decimal when short, else its first hex digits and length.
fn show(n: &BigNumRef) -> Result<String, Error> {
    if n.num_bits() <= 64 {
        return Ok(n.to_dec_str().map_err(crypto("bignum"))?.to_string());
    }
    let hex = n.to_hex_str().map_err(crypto("bignum"))?;
    Ok(format!("0x{}... ({} bits)", hex.get(..16).unwrap_or(&hex), n.num_bits()))
}

fn check_bits(report: &mut Report, bits: i32) {
    if bits < MIN_BITS {
        let detail = format!(
            "{bits}-bit prime: below {MIN_BITS}; clients at OpenSSL security level 2 \
             abort with \"dh key too small\""
        );
        report.push("bits", Status::Weak, detail);
    } else {
        report.push("bits", Status::Ok, format!("{bits}-bit prime"));
    }
}

/// The subgroup of a well-known group, whose primes the tests of [`groups`] prove:
/// no primality test is repeated at run time.
fn known_subgroup(
    report: &mut Report,
    n: &Numbers,
    group: &groups::KnownGroup,
) -> Result<Option<BigNum>, Error> {
    report.push("prime", Status::Ok, "p is prime (a well-known group)");
    if let Some(q) = group.q() {
        report.safe_prime = Some(false);
        let detail =
            format!("p has a {}-bit prime-order subgroup q (not a safe prime)", q.num_bits());
        report.push("subgroup", Status::Ok, detail);
        return Ok(Some(q));
    }
    report.safe_prime = Some(true);
    report.push("subgroup", Status::Ok, "p is a safe prime ((p-1)/2 is prime)");
    let mut half = BigNum::new().map_err(crypto("bignum"))?;
    half.rshift1(&n.p_minus_1).map_err(crypto("bignum"))?;
    Ok(Some(half))
}

/// Establishes the prime order q that g should have: (p-1)/2 for a safe prime, else
/// the stated q after checking it. Returns None when no usable q is known.
fn subgroup(
    report: &mut Report,
    n: &mut Numbers,
    stated: Option<BigNum>,
) -> Result<Option<BigNum>, Error> {
    let mut half = BigNum::new().map_err(crypto("bignum"))?;
    half.rshift1(&n.p_minus_1).map_err(crypto("bignum"))?;
    let safe = is_prime(&half, &mut n.ctx)?;
    report.safe_prime = Some(safe);
    if safe {
        report.push("subgroup", Status::Ok, "p is a safe prime ((p-1)/2 is prime)");
        return Ok(Some(half));
    }
    let Some(q) = stated else {
        let detail = "p is not a safe prime and no subgroup order q is given: \
                      small-subgroup attacks are possible (openssl dhparam -check fails too)";
        report.push("subgroup", Status::Weak, detail);
        return Ok(None);
    };
    let mut rem = BigNum::new().map_err(crypto("bignum"))?;
    rem.nnmod(&n.p_minus_1, &q, &mut n.ctx).map_err(crypto("bignum"))?;
    if !is_prime(&q, &mut n.ctx)? || rem.num_bits() != 0 {
        let detail = "the stated subgroup order q is not a prime dividing p-1";
        report.push("subgroup", Status::Weak, detail);
        return Ok(None);
    }
    let detail = format!("p has a {}-bit prime-order subgroup q (not a safe prime)", q.num_bits());
    report.push("subgroup", Status::Ok, detail);
    Ok(Some(q))
}

fn check_generator(
    report: &mut Report,
    n: &mut Numbers,
    p: &BigNumRef,
    g: &BigNumRef,
    q: Option<&BigNum>,
) -> Result<(), Error> {
    let shown = report.generator.clone().unwrap_or_default();
    if g <= n.one.as_ref() || g >= n.p_minus_1.as_ref() {
        let detail = format!("generator {shown} is outside 2..p-2 and generates a trivial group");
        report.push("generator", Status::Weak, detail);
        return Ok(());
    }
    let Some(q) = q else {
        report.push("generator", Status::Info, format!("generator {shown} (order unknown)"));
        return Ok(());
    };
    let mut gq = BigNum::new().map_err(crypto("bignum"))?;
    gq.mod_exp(g, q, p, &mut n.ctx).map_err(crypto("bignum"))?;
    let in_subgroup = gq == n.one;
    match (in_subgroup, report.safe_prime == Some(true)) {
        (true, _) => report.push(
            "generator",
            Status::Ok,
            format!("generator {shown} generates the prime-order subgroup"),
        ),
        (false, true) => report.push(
            "generator",
            Status::Ok,
            format!(
                "generator {shown} generates the whole group of order p-1 (fine for a safe prime)"
            ),
        ),
        (false, false) => report.push(
            "generator",
            Status::Weak,
            format!("generator {shown} does not have the stated prime order q"),
        ),
    }
    Ok(())
}

fn check_shared(report: &mut Report, known: Option<&'static groups::KnownGroup>) {
    match known {
        None => report.push("shared", Status::Ok, "not a widely shared group"),
        Some(group) if group.bits < MIN_BITS => report.push(
            "shared",
            Status::Weak,
            format!(
                "{}: a widely shared group under {MIN_BITS} bits, the target of \
                 Logjam precomputation; generate your own with dhparam-gen 2048",
                group.name
            ),
        ),
        Some(group) => report.push(
            "shared",
            Status::Info,
            format!("{}: a widely shared group, safe at this size", group.name),
        ),
    }
}

/// Audits a `confDH_PARAMETERS` value that is not a file, the way sendmail 8.17's
/// `inittls` reads it: only the first character counts.
pub fn sendmail_builtin(value: &str) -> Report {
    let mut report = Report::new(format!("confDH_PARAMETERS={value}"));
    match value.chars().next() {
        Some('n' | 'N') => {
            report.push("dh", Status::Ok, "DH disabled: sendmail offers no DHE cipher suites");
        }
        Some('5') => {
            report.bits = Some(512);
            report.push(
                "bits",
                Status::Weak,
                "sendmail's precomputed 512-bit group: shared by every sendmail using it, \
                 breakable (Logjam); clients abort with \"dh key too small\"",
            );
        }
        Some('1') => {
            report.bits = Some(1024);
            report.push(
                "bits",
                Status::Weak,
                "1024-bit group generated at startup: below 2048; clients at OpenSSL \
                 security level 2 abort with \"dh key too small\"",
            );
        }
        Some('2') => {
            report.bits = Some(2048);
            report.push("bits", Status::Ok, "2048-bit group generated by sendmail at startup");
        }
        Some('i' | 'I') => builtin_2048(&mut report, "sendmail's precomputed 2048-bit group"),
        _ => builtin_2048(
            &mut report,
            "not a value sendmail knows: it logs an error and uses its precomputed \
             2048-bit group",
        ),
    }
    report
}

/// The report for sendmail's default, the precomputed 2048-bit group.
pub fn sendmail_default(mc: &std::path::Path) -> Report {
    let mut report = Report::new(format!("{}: confDH_PARAMETERS unset", mc.display()));
    builtin_2048(&mut report, "unset: sendmail uses its precomputed 2048-bit group");
    report
}

fn builtin_2048(report: &mut Report, what: &str) {
    report.bits = Some(2048);
    report.push("bits", Status::Ok, what);
    report.push(
        "shared",
        Status::Info,
        "shared by every sendmail using the built-in group; safe at 2048 bits, \
         but a file of your own (dhparam-gen -C) is better",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(p_hex: &str, g: u32, q: Option<&str>) -> DhParams {
        DhParams {
            p: BigNum::from_hex_str(p_hex).unwrap(),
            g: BigNum::from_u32(g).unwrap(),
            q: q.map(|q| BigNum::from_hex_str(q).unwrap()),
        }
    }

    fn statuses(report: &Report) -> Vec<(&'static str, Status)> {
        report.findings.iter().map(|f| (f.check, f.status)).collect()
    }

    fn group(name: &str) -> &'static groups::KnownGroup {
        groups::GROUPS.iter().find(|g| g.name.starts_with(name)).unwrap()
    }

    #[test]
    fn ffdhe2048_is_safe_and_named() {
        let report =
            audit_params("f", &params(group("RFC 7919 ffdhe2048").p_hex, 2, None)).unwrap();
        assert!(report.is_safe(), "{report:?}");
        assert_eq!(report.group, Some("RFC 7919 ffdhe2048"));
        assert_eq!(report.safe_prime, Some(true));
        assert_eq!(report.findings.last().unwrap().status, Status::Info);
    }

    #[test]
    fn oakley2_is_weak_twice() {
        let report =
            audit_params("f", &params(group("RFC 2409 Oakley group 2").p_hex, 2, None)).unwrap();
        assert!(!report.is_safe());
        assert_eq!(
            statuses(&report),
            vec![
                ("bits", Status::Weak),
                ("prime", Status::Ok),
                ("subgroup", Status::Ok),
                ("generator", Status::Ok),
                ("shared", Status::Weak)
            ]
        );
    }

    #[test]
    fn rfc5114_without_q_uses_the_tables_q() {
        let g = group("RFC 5114 group 24");
        let p = DhParams {
            p: BigNum::from_hex_str(g.p_hex).unwrap(),
            g: BigNum::from_hex_str(g.g_hex).unwrap(),
            q: None,
        };
        let report = audit_params("f", &p).unwrap();
        assert!(report.is_safe(), "{report:?}");
        assert_eq!(report.safe_prime, Some(false));
    }

    #[test]
    fn composite_and_unsafe_primes_are_weak() {
        let report = audit_params("f", &params("FFFFFFFFFFFFFFFF", 2, None)).unwrap();
        assert_eq!(
            report.findings[1],
            Finding {
                check: "prime",
                status: Status::Weak,
                detail: "p is not prime: this is not a DH group at all".into()
            }
        );
        // 97 is prime, (97-1)/2 = 48 is not, and no q is stated.
        let report = audit_params("f", &params("61", 5, None)).unwrap();
        assert!(statuses(&report).contains(&("subgroup", Status::Weak)));
    }

    #[test]
    fn trivial_generators_are_weak() {
        // 23 = 2*11+1 is a safe prime.
        for g in [0, 1, 22] {
            let report = audit_params("f", &params("17", g, None)).unwrap();
            assert!(statuses(&report).contains(&("generator", Status::Weak)), "g={g}");
        }
        let report = audit_params("f", &params("17", 5, None)).unwrap();
        assert!(statuses(&report).contains(&("generator", Status::Ok)));
    }

    #[test]
    fn wrong_stated_q_is_weak() {
        // p = 29 is prime but not safe: p-1 = 28 = 4*7, so q = 7; 16 = 2^4 has order 7.
        let report = audit_params("f", &params("1D", 16, Some("7"))).unwrap();
        assert!(statuses(&report).contains(&("subgroup", Status::Ok)), "{report:?}");
        assert!(statuses(&report).contains(&("generator", Status::Ok)), "{report:?}");
        let report = audit_params("f", &params("1D", 2, Some("7"))).unwrap();
        assert!(statuses(&report).contains(&("generator", Status::Weak)), "{report:?}");
        let report = audit_params("f", &params("1D", 2, Some("5"))).unwrap();
        assert!(statuses(&report).contains(&("subgroup", Status::Weak)), "{report:?}");
    }

    #[test]
    fn huge_modulus_is_refused_before_testing() {
        let p = BigNum::from_slice(&[0xff; 1300]).unwrap();
        let err = audit_params("f", &DhParams { p, g: BigNum::from_u32(2).unwrap(), q: None });
        assert!(matches!(
            err,
            Err(Error::BadInput { problem: InputError::ModulusTooLarge { bits: 10400, .. }, .. })
        ));
    }

    #[test]
    fn sendmail_values_follow_sendmail() {
        assert!(sendmail_builtin("none").is_safe());
        assert!(!sendmail_builtin("512").is_safe());
        assert!(!sendmail_builtin("5").is_safe());
        assert!(!sendmail_builtin("1024").is_safe());
        assert!(sendmail_builtin("2").is_safe());
        assert!(sendmail_builtin("i").is_safe());
        assert_eq!(sendmail_builtin("I").bits, Some(2048));
        assert_eq!(sendmail_builtin("bogus").bits, Some(2048));
    }
}
