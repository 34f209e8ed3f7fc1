//! Generating DH parameters, as `openssl dhparam` does, through the `openssl` crate.
//!
//! Safe-prime parameters come from `DH_generate_parameters_ex` (the crate's
//! [`Dh::generate_params`]): p is a safe prime of the requested length and g is 2 or
//! 5, with p chosen so that g generates the prime-order subgroup. The result is PEM
//! `-----BEGIN DH PARAMETERS-----` (PKCS #3), byte for byte what OpenSSL writes.
//!
//! `-dsaparam` generates DSA domain parameters (p, q, g with a 160- to 256-bit q), far
//! faster but not a safe prime; like OpenSSL 3's `dhparam -dsaparam` the output is
//! `-----BEGIN X9.42 DH PARAMETERS-----`, so that q travels with p and g and
//! `openssl dhparam -check` can verify the subgroup.
//!
//! Generation runs on a worker thread while the calling thread prints a progress dot
//! to standard error every half second (unless quiet). OpenSSL's own command prints a
//! character per candidate prime through a C callback that the crate's safe API does
//! not expose; a timer gives the admin the same reassurance without unsafe code.
//!
//! # Errors
//! [`Error::Crypto`] if OpenSSL fails; [`Error::Create`] never (writing is
//! [`crate::atomic`]'s).

use crate::der;
use crate::error::Error;
use crate::pem;
use crate::settings::Generate;
use openssl::dh::Dh;
use openssl::dsa::Dsa;
use std::io::Write;
use std::sync::mpsc;
use std::time::Duration;

/// How often a progress dot is printed.
const TICK: Duration = Duration::from_millis(500);

/// Generates parameters as `how` says and returns the PEM text.
pub fn generate(how: &Generate, progress: &mut dyn Write) -> Result<String, Error> {
    let (bits, generator, dsaparam) = (how.bits, how.generator, how.dsaparam);
    if !how.quiet {
        let kind = if dsaparam { "DSA-style" } else { "safe prime" };
        // Progress output is best effort: a closed stderr must not stop generation.
        let _ = writeln!(progress, "Generating DH parameters, {bits} bit long {kind}");
    }
    let (done, wait) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        let result = if dsaparam { dsa_style(bits) } else { safe_prime(bits, generator) };
        // The receiver lives until this thread is joined.
        let _ = done.send(());
        result
    });
    while let Err(mpsc::RecvTimeoutError::Timeout) = wait.recv_timeout(TICK) {
        if !how.quiet {
            let _ = write!(progress, ".");
            let _ = progress.flush();
        }
    }
    if !how.quiet {
        let _ = writeln!(progress);
    }
    match worker.join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A safe prime p of `bits` bits with generator `generator`, as PKCS #3 PEM.
pub fn safe_prime(bits: u32, generator: u32) -> Result<String, Error> {
    let dh =
        Dh::generate_params(bits, generator).map_err(Error::crypto("generating DH parameters"))?;
    let der = der::encode_integers(&[dh.prime_p(), dh.generator()]);
    Ok(pem::encode(pem::LABEL_PKCS3, &der))
}

/// DSA domain parameters of `bits` bits, as X9.42 PEM (p, g, q).
pub fn dsa_style(bits: u32) -> Result<String, Error> {
    let dsa = Dsa::generate_params(bits).map_err(Error::crypto("generating DSA parameters"))?;
    let der = der::encode_integers(&[dsa.p(), dsa.g(), dsa.q()]);
    Ok(pem::encode(pem::LABEL_X942, &der))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit;
    use crate::settings::Output;

    fn how(bits: u32, generator: u32, dsaparam: bool, quiet: bool) -> Generate {
        Generate { bits, generator, dsaparam, quiet, output: Output::Stdout }
    }

    #[test]
    fn safe_prime_512_passes_our_audit_and_openssls_reader() {
        for g in [2, 5] {
            let mut progress = Vec::new();
            let text = generate(&how(512, g, false, false), &mut progress).unwrap();
            assert!(String::from_utf8(progress)
                .unwrap()
                .starts_with("Generating DH parameters, 512"));
            let ours = pem::parse(text.as_bytes()).unwrap();
            assert_eq!(ours.p.num_bits(), 512);
            assert_eq!(ours.g, openssl::bn::BigNum::from_u32(g).unwrap());
            let report = audit::audit_params("gen", &ours).unwrap();
            assert_eq!(report.safe_prime, Some(true));
            Dh::params_from_pem(text.as_bytes()).unwrap();
        }
    }

    #[test]
    fn quiet_prints_nothing() {
        let mut progress = Vec::new();
        generate(&how(512, 2, false, true), &mut progress).unwrap();
        assert!(progress.is_empty());
    }

    #[test]
    fn dsa_style_has_q_and_openssl_reads_it_as_dh() {
        let text = generate(&how(1024, 2, true, true), &mut Vec::new()).unwrap();
        assert!(text.starts_with("-----BEGIN X9.42 DH PARAMETERS-----\n"));
        let ours = pem::parse(text.as_bytes()).unwrap();
        let report = audit::audit_params("gen", &ours).unwrap();
        assert_eq!(report.safe_prime, Some(false));
        assert!(report
            .findings
            .iter()
            .any(|f| f.check == "subgroup" && f.status == audit::Status::Ok));
        // sendmail reads its file with PEM_read_bio_DHparams, as this does.
        let theirs = Dh::params_from_pem(text.as_bytes()).unwrap();
        assert!(theirs.prime_q().is_some());
    }
}
