//! `-bv`: verify addresses through aliases, .forward and routing, printing what
//! sendmail prints and exiting as it does ([`spool::verify`] renders the typed
//! [`spool::expand`]); also the "is this a local user?" check that `-bs` answers RCPT
//! with. The maps are opened from the configuration by [`spool::lookup::Maps`], as
//! smtpd and the queue runner open them; `.forward` and `:include:` files are checked
//! as sendmail checks them, with the config's `DontBlameSendmail`, `TrustedUser` and
//! `DefaultUser`.

use crate::settings::Settings;
use anyhow::Result;
use spool::expand::Context;
use spool::lookup::Maps;
use spool::status::DeliveryStatus;
use std::io::Write;

/// The maps and names verification reads, loaded once.
pub struct Verifier {
    settings: spool::settings::Settings,
    maps: Maps,
    verbose: bool,
}

impl Verifier {
    /// Opens what the configuration names (maps that cannot be opened are left out
    /// and reported when consulted).
    pub fn load(settings: &Settings) -> Result<Verifier> {
        let resolved = settings.resolved.clone();
        let maps = Maps::open(&resolved);
        Ok(Verifier { settings: resolved, maps, verbose: settings.verbose })
    }

    fn context(&self) -> Context<'_> {
        Context::new(&self.settings, &self.maps)
    }

    /// `sendmail -bv args`.
    pub fn verify(&self, args: &[String]) -> spool::verify::Outcome {
        spool::verify::verify(&self.context(), args, self.verbose)
    }

    /// Whether `address` is on this host but names no user or alias: its expansion
    /// fails with `User unknown` for the address itself (an alias whose members are
    /// unknown is accepted, as sendmail's RCPT accepts it).
    pub fn local_user_unknown(&self, address: &str) -> bool {
        let expansion = self.context().expand(&[address]);
        let unknown = DeliveryStatus::user_unknown();
        let found = expansion
            .failures()
            .any(|f| f.address.as_deref() == Some(address) && f.status == unknown);
        found
    }
}

/// Runs `-bv` for the settings' recipients; returns the exit code.
pub fn run(settings: &Settings, out: &mut dyn Write) -> Result<i32> {
    let outcome = Verifier::load(settings)?.verify(&settings.recipients);
    for line in &outcome.lines {
        writeln!(out, "{line}")?;
    }
    Ok(outcome.exit_code)
}
