//! makemap's command line, exactly as sendmail 8.17's makemap takes it.
//!
//! ```text
//! makemap [-C cffile] [-N] [-c cachesize] [-D commentchar] [-d] [-e] [-f] [-i type]
//!         [-l] [-o] [-r] [-s] [-t delimiter] [-u] [-v] type mapname
//! ```
//!
//! plus the undocumented `-L` (list types with the `cf`/`CF` pseudo types) and `-x`
//! (list types with their file extension). [`Flags::parse`] only records what was
//! given; `main::run` resolves it.
//!
//! # Errors
//! An unknown option prints `makemap: invalid option -- 'Z'` and, like a missing
//! argument or a wrong number of operands, the usage text; both exit 64.

use spool::getopt::{Getopt, Opt};

/// The usage text, printed on stderr for every command-line error.
pub const USAGE: &str = "Usage: makemap [-C cffile] [-N] [-c cachesize] [-D commentchar]
               [-d] [-e] [-f] [-i type] [-l] [-o] [-r] [-s] [-t delimiter]
               [-u] [-v] type mapname";

/// Which listing was asked for instead of building a map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `-l`: the map types.
    Types,
    /// `-L`: the map types and the `cf`/`CF` pseudo types.
    WithPseudo,
    /// `-x`: each type with its file extension.
    Extensions,
}

/// The command line as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    /// `-C`: the configuration file.
    pub config: Option<String>,
    /// `-N`: store keys and values with a trailing NUL.
    pub include_nul: bool,
    /// `-c`: the cache size (accepted, not needed by these backends).
    pub cache_size: Option<String>,
    /// `-D`: the comment character (default `#`).
    pub comment: u8,
    /// `-d`: allow duplicate keys.
    pub allow_dups: bool,
    /// `-e`: allow empty values.
    pub allow_empty: bool,
    /// `-f`: do not fold keys to lower case.
    pub keep_case: bool,
    /// `-i`: the type to use when `cf`/`CF` finds no K line.
    pub fallback_type: Option<String>,
    /// `-l`, `-L`, `-x`.
    pub list: Option<Listing>,
    /// `-o`: add to the existing map instead of replacing it.
    pub append: bool,
    /// `-r`: a duplicate key replaces the earlier value.
    pub replace: bool,
    /// `-s`: skip the safety checks on the map file (symbolic links).
    pub unsafe_ok: bool,
    /// `-t`: the key/value delimiter (default: any white space).
    pub delimiter: Option<u8>,
    /// `-u`: dump the map instead of building it.
    pub dump: bool,
    /// `-v`: verbose.
    pub verbose: bool,
    /// The map type and name.
    pub operands: Vec<String>,
}

/// Why the command line was refused; the message goes before the usage text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub Option<String>);

impl Flags {
    /// Parses `args` (without the program name).
    pub fn parse(args: Vec<String>) -> Result<Flags, UsageError> {
        let mut f = Flags {
            config: None,
            include_nul: false,
            cache_size: None,
            comment: b'#',
            allow_dups: false,
            allow_empty: false,
            keep_case: false,
            fallback_type: None,
            list: None,
            append: false,
            replace: false,
            unsafe_ok: false,
            delimiter: None,
            dump: false,
            verbose: false,
            operands: Vec::new(),
        };
        let mut g = Getopt::new(args, "C:D:Nc:defi:Llorst:uvx");
        for opt in g.by_ref() {
            match opt {
                Opt::Flag(letter, arg) => f.set(letter, arg.unwrap_or_default()),
                Opt::Unknown(c) => {
                    return Err(UsageError(Some(format!("invalid option -- '{c}'"))))
                }
                Opt::MissingArg(c) => {
                    return Err(UsageError(Some(format!("option requires an argument -- '{c}'"))))
                }
            }
        }
        f.operands = g.operands().to_vec();
        if f.list.is_none() && f.operands.len() != 2 {
            return Err(UsageError(None));
        }
        Ok(f)
    }

    /// Records one option.
    fn set(&mut self, letter: char, arg: String) {
        let first = arg.bytes().next().unwrap_or(0);
        match letter {
            'C' => self.config = Some(arg),
            'D' => self.comment = first,
            'N' => self.include_nul = true,
            'c' => self.cache_size = Some(arg),
            'd' => self.allow_dups = true,
            'e' => self.allow_empty = true,
            'f' => self.keep_case = true,
            'i' => self.fallback_type = Some(arg),
            'L' => self.list = Some(Listing::WithPseudo),
            'l' => self.list = Some(Listing::Types),
            'x' => self.list = Some(Listing::Extensions),
            'o' => self.append = true,
            'r' => self.replace = true,
            's' => self.unsafe_ok = true,
            't' => self.delimiter = Some(first),
            'u' => self.dump = true,
            _ => self.verbose = true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_and_operands() {
        let f = Flags::parse(args(&["-C", "x.mc", "-Nfr", "-t:", "hash", "map"])).unwrap();
        assert_eq!(f.config.as_deref(), Some("x.mc"));
        assert!(f.include_nul && f.keep_case && f.replace);
        assert_eq!(f.delimiter, Some(b':'));
        assert_eq!(f.operands, ["hash", "map"]);
    }

    #[test]
    fn usage_errors() {
        assert_eq!(Flags::parse(args(&["hash"])), Err(UsageError(None)));
        assert_eq!(
            Flags::parse(args(&["-Z", "hash", "m"])),
            Err(UsageError(Some("invalid option -- 'Z'".into())))
        );
        assert!(Flags::parse(args(&["-l"])).is_ok());
    }
}
