//! Printing audit results: one line per finding, or one JSON document.
//!
//! Text, one line per finding and a verdict line per source:
//! ```text
//! /etc/mail/dh.pem: weak: bits: 1024-bit prime: below 2048; ...
//! /etc/mail/dh.pem: ok: prime: p is prime
//! /etc/mail/dh.pem: verdict: weak
//! ```
//! JSON (`--json`), one document:
//! `{"verdict": "safe"|"weak"|"error", "results": [{"source", "verdict", "bits",
//! "generator", "safe_prime", "group", "findings": [{"check", "status", "detail"}]} |
//! {"source", "verdict": "error", "error", "exit_code"}]}`.
//! Absent facts are `null`.

use crate::audit::Report;
use serde_json::{json, Value};

/// The outcome for one audited source.
#[derive(Debug)]
pub enum Outcome {
    /// Audited.
    Audited(Report),
    /// Could not be audited.
    Failed {
        /// What was being audited.
        source: String,
        /// The error, as printed.
        message: String,
        /// Its exit code.
        exit_code: i32,
    },
}

fn verdict(report: &Report) -> &'static str {
    if report.is_safe() {
        "safe"
    } else {
        "weak"
    }
}

/// The text lines for one report.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        out.push_str(&format!(
            "{}: {}: {}: {}\n",
            report.source,
            finding.status.as_str(),
            finding.check,
            finding.detail
        ));
    }
    out.push_str(&format!("{}: verdict: {}\n", report.source, verdict(report)));
    out
}

fn report_json(report: &Report) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| json!({"check": f.check, "status": f.status.as_str(), "detail": f.detail}))
        .collect();
    json!({
        "source": report.source,
        "verdict": verdict(report),
        "bits": report.bits,
        "generator": report.generator,
        "safe_prime": report.safe_prime,
        "group": report.group,
        "findings": findings,
    })
}

/// The JSON document for all outcomes.
pub fn json(outcomes: &[Outcome]) -> String {
    let mut overall = "safe";
    let results: Vec<Value> = outcomes
        .iter()
        .map(|outcome| match outcome {
            Outcome::Audited(report) => {
                if !report.is_safe() && overall == "safe" {
                    overall = "weak";
                }
                report_json(report)
            }
            Outcome::Failed { source, message, exit_code } => {
                overall = "error";
                json!({"source": source, "verdict": "error", "error": message, "exit_code": exit_code})
            }
        })
        .collect();
    let doc = json!({"verdict": overall, "results": results});
    format!("{}\n", serde_json::to_string_pretty(&doc).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Status;

    fn sample() -> Report {
        let mut report = Report::new("dh.pem");
        report.bits = Some(1024);
        report.push("bits", Status::Weak, "1024-bit prime");
        report.push("prime", Status::Ok, "p is prime");
        report
    }

    #[test]
    fn text_has_one_line_per_finding_and_a_verdict() {
        assert_eq!(
            text(&sample()),
            "dh.pem: weak: bits: 1024-bit prime\ndh.pem: ok: prime: p is prime\ndh.pem: verdict: weak\n"
        );
    }

    #[test]
    fn json_has_overall_verdict_and_errors() {
        let outcomes = vec![
            Outcome::Audited(sample()),
            Outcome::Failed { source: "x".into(), message: "x: gone".into(), exit_code: 66 },
        ];
        let doc: Value = serde_json::from_str(&json(&outcomes)).unwrap();
        assert_eq!(doc["verdict"], "error");
        assert_eq!(doc["results"][0]["bits"], 1024);
        assert_eq!(doc["results"][0]["group"], Value::Null);
        assert_eq!(doc["results"][0]["findings"][0]["status"], "weak");
        assert_eq!(doc["results"][1]["exit_code"], 66);
        let doc: Value = serde_json::from_str(&json(&outcomes[..1])).unwrap();
        assert_eq!(doc["verdict"], "weak");
    }
}
