//! The two jobs, generate and audit, each from settings to exit status.
//!
//! Generation prints progress on standard error and the parameters on standard output
//! or into a file (atomically, mode 0644). An audit prints its report on standard
//! output; a source that cannot be audited is reported on standard error as
//! `dhparam-gen: ...` and the audit goes on with the others.
//!
//! # Exit status
//! Generation: 0, or the error's code. Audit: 0 if every source is safe, 1 if any is
//! weak, and the first failed source's sysexits code if any could not be audited.

use crate::audit::{self, Report, Status};
use crate::der::DhParams;
use crate::error::{Error, InputError};
use crate::report::{self, Outcome};
use crate::settings::{Audit, Generate, Output, Target};
use crate::{atomic, generate, pem, starttls};
use std::io::{Read, Write};
use std::path::Path;

/// The exit status of a weak verdict.
pub const EXIT_WEAK: i32 = 1;

/// Generates parameters and writes them where `how` says.
pub fn run_generate(how: &Generate) -> Result<i32, Error> {
    let text = generate::generate(how, &mut std::io::stderr())?;
    match &how.output {
        Output::File(path) => atomic::write(path, text.as_bytes())?,
        Output::Stdout => {
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .map_err(|source| Error::Create { path: "standard output".into(), source })?;
        }
    }
    Ok(0)
}

/// Audits every target and prints the results.
pub fn run_audit(how: &Audit) -> Result<i32, Error> {
    let mut outcomes = Vec::new();
    for target in &how.targets {
        let outcome = match audit_target(target, how.allow_remote) {
            Ok(report) => Outcome::Audited(report),
            Err(err) => {
                eprintln!("dhparam-gen: {err}");
                let source = target_name(target);
                Outcome::Failed { source, message: err.to_string(), exit_code: err.exit_code() }
            }
        };
        if !how.json {
            if let Outcome::Audited(report) = &outcome {
                print!("{}", report::text(report));
            }
        }
        outcomes.push(outcome);
    }
    if how.json {
        print!("{}", report::json(&outcomes));
    }
    Ok(exit_status(&outcomes))
}

fn exit_status(outcomes: &[Outcome]) -> i32 {
    let failed = outcomes.iter().find_map(|o| match o {
        Outcome::Failed { exit_code, .. } => Some(*exit_code),
        Outcome::Audited(_) => None,
    });
    let weak = outcomes.iter().any(|o| matches!(o, Outcome::Audited(r) if !r.is_safe()));
    failed.unwrap_or(if weak { EXIT_WEAK } else { 0 })
}

fn target_name(target: &Target) -> String {
    match target {
        Target::File(path) => path.display().to_string(),
        Target::Builtin(value) => format!("confDH_PARAMETERS={value}"),
        Target::Unset(mc) => mc.display().to_string(),
        Target::StartTls(addr) => addr.clone(),
    }
}

fn audit_target(target: &Target, allow_remote: bool) -> Result<Report, Error> {
    match target {
        Target::File(path) => audit_file(path),
        Target::Builtin(value) => Ok(audit::sendmail_builtin(value)),
        Target::Unset(mc) => Ok(audit::sendmail_default(mc)),
        Target::StartTls(addr) => audit_server(addr, allow_remote),
    }
}

/// Reads at most [`pem::MAX_FILE`] bytes of `path`.
fn read_bounded(path: &Path) -> Result<Vec<u8>, Error> {
    let no_input = |source| Error::NoInput { path: path.to_path_buf(), source };
    let file = std::fs::File::open(path).map_err(no_input)?;
    let mut bytes = Vec::new();
    file.take(pem::MAX_FILE + 1).read_to_end(&mut bytes).map_err(no_input)?;
    if bytes.len() as u64 > pem::MAX_FILE {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(Error::BadInput {
            source_name: path.display().to_string(),
            problem: InputError::TooLarge { size, limit: pem::MAX_FILE },
        });
    }
    Ok(bytes)
}

fn audit_file(path: &Path) -> Result<Report, Error> {
    let name = path.display().to_string();
    let bytes = read_bounded(path)?;
    let params = pem::parse(&bytes)
        .map_err(|problem| Error::BadInput { source_name: name.clone(), problem })?;
    audit::audit_params(&name, &params)
}

fn audit_server(addr: &str, allow_remote: bool) -> Result<Report, Error> {
    match starttls::probe(addr, allow_remote)? {
        starttls::Probe::Dhe { p, g, cipher, version } => {
            let mut report = audit::audit_params(addr, &DhParams { p, g, q: None })?;
            let detail = format!("server chose {cipher} over {version}");
            report
                .findings
                .insert(0, audit::Finding { check: "tls", status: Status::Info, detail });
            Ok(report)
        }
        starttls::Probe::NoDhe { reason } => {
            let mut report = Report::new(addr);
            let detail = format!(
                "server refused every DHE cipher suite ({reason}): it serves no \
                 finite-field DH group, so there is nothing for Logjam to attack"
            );
            report.push("dh", Status::Ok, detail);
            Ok(report)
        }
    }
}
