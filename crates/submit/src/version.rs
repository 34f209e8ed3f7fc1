//! `-d0.1`: the version and system identity, in sendmail's layout.

use crate::settings::Settings;
use std::io::Write;

/// What this build supports, in the place of sendmail's compile-time options.
const COMPILED_WITH: &str =
    "DSN ENHANCEDSTATUSCODES FLOCK NEWDB=5.3(pure Rust) CDB PIPELINING STARTTLS(rustls)";

/// Prints the version block (`Version`, `Compiled with:`, `SYSTEM IDENTITY`).
pub fn print(out: &mut dyn Write, settings: &Settings) -> std::io::Result<()> {
    let w = spool::host::system_name();
    let short = w.split('.').next().unwrap_or(&w).to_string();
    let j = crate::enqueue::host_name(settings);
    let m = j.split_once('.').map(|(_, d)| d.to_string()).unwrap_or("<null>".into());
    writeln!(out, "Version ferrymail {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, " Compiled with: {COMPILED_WITH}")?;
    writeln!(out)?;
    writeln!(out, "============ SYSTEM IDENTITY (after readcf) ============")?;
    writeln!(out, "      (short domain name) $w = {short}")?;
    writeln!(out, "  (canonical domain name) $j = {j}")?;
    writeln!(out, "         (subdomain name) $m = {m}")?;
    writeln!(out, "              (node name) $k = {short}")?;
    writeln!(out, "========================================================")?;
    writeln!(out)
}
