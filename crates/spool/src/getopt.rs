//! A POSIX `getopt(3)` for sendmail-style command lines.
//!
//! sendmail's flags bundle option letters with their arguments (`-oi`, `-odq`, `-bp`,
//! `-qRsubstr`, `-d0.1`, `-Ac`) exactly as `getopt` allows, which derive-style parsers
//! cannot express. Every binary parses its argv with this one iterator and then
//! resolves the flags into settings in a separate step (STYLE.md, habit 2).
//!
//! The option string has the `getopt` syntax: a letter followed by `:` takes an
//! argument, either the rest of the same word (`-Cfile`) or the next word (`-C file`).
//! Parsing stops at `--` or at the first word that is not an option (no permutation,
//! as with `POSIXLY_CORRECT`).
//!
//! # Errors
//! An unknown letter yields [`Opt::Unknown`], a missing argument [`Opt::MissingArg`];
//! the caller prints its own program's message, as `getopt` callers do.

/// One item produced by [`Getopt`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opt {
    /// An option letter, with its argument if the option string asks for one.
    Flag(char, Option<String>),
    /// A letter the option string does not know.
    Unknown(char),
    /// A letter that needs an argument was the last thing on the line.
    MissingArg(char),
}

/// Iterator over the options of an argument list; [`Getopt::operands`] gives the rest.
#[derive(Debug)]
pub struct Getopt {
    args: Vec<String>,
    spec: &'static str,
    /// Index of the word being scanned.
    index: usize,
    /// Byte offset inside the word being scanned (0: start a new word).
    offset: usize,
}

impl Getopt {
    /// Parses `args` (without the program name) against the `getopt` option string `spec`.
    pub fn new(args: Vec<String>, spec: &'static str) -> Self {
        Getopt { args, spec, index: 0, offset: 0 }
    }

    /// The words left after the options (valid once the iterator returned `None`).
    pub fn operands(&self) -> &[String] {
        &self.args[self.index.min(self.args.len())..]
    }

    /// Whether `letter` takes an argument, or `None` if it is not an option at all.
    fn takes_arg(&self, letter: char) -> Option<bool> {
        if letter == ':' {
            return None;
        }
        let at = self.spec.find(letter)?;
        Some(self.spec[at + letter.len_utf8()..].starts_with(':'))
    }
}

impl Iterator for Getopt {
    type Item = Opt;

    fn next(&mut self) -> Option<Opt> {
        if self.offset == 0 {
            let word = self.args.get(self.index)?;
            if word == "--" {
                self.index += 1;
                return None;
            }
            if !word.starts_with('-') || word == "-" {
                return None;
            }
            self.offset = 1;
        }
        let word = &self.args[self.index];
        let letter = word[self.offset..].chars().next()?;
        let rest_at = self.offset + letter.len_utf8();
        let rest = word[rest_at..].to_string();
        let advance_word = |g: &mut Getopt| {
            g.index += 1;
            g.offset = 0;
        };
        match self.takes_arg(letter) {
            None => {
                if rest.is_empty() {
                    advance_word(self)
                } else {
                    self.offset = rest_at
                }
                Some(Opt::Unknown(letter))
            }
            Some(false) => {
                if rest.is_empty() {
                    advance_word(self)
                } else {
                    self.offset = rest_at
                }
                Some(Opt::Flag(letter, None))
            }
            Some(true) if !rest.is_empty() => {
                advance_word(self);
                Some(Opt::Flag(letter, Some(rest)))
            }
            Some(true) => {
                advance_word(self);
                match self.args.get(self.index).cloned() {
                    Some(value) => {
                        self.index += 1;
                        Some(Opt::Flag(letter, Some(value)))
                    }
                    None => Some(Opt::MissingArg(letter)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str], spec: &'static str) -> (Vec<Opt>, Vec<String>) {
        let mut g = Getopt::new(args.iter().map(|s| s.to_string()).collect(), spec);
        let opts: Vec<Opt> = g.by_ref().collect();
        (opts, g.operands().to_vec())
    }

    #[test]
    fn bundled_letters_and_attached_arguments() {
        let (opts, rest) = parse(&["-oi", "-bp", "-vC/etc/x", "root"], "b:C:o:v");
        assert_eq!(
            opts,
            vec![
                Opt::Flag('o', Some("i".into())),
                Opt::Flag('b', Some("p".into())),
                Opt::Flag('v', None),
                Opt::Flag('C', Some("/etc/x".into())),
            ]
        );
        assert_eq!(rest, vec!["root"]);
    }

    #[test]
    fn separate_argument_double_dash_and_unknown() {
        let (opts, rest) = parse(&["-C", "f", "-x", "--", "-v"], "C:v");
        assert_eq!(opts, vec![Opt::Flag('C', Some("f".into())), Opt::Unknown('x')]);
        assert_eq!(rest, vec!["-v"]);
    }

    #[test]
    fn missing_argument_and_lone_dash() {
        let (opts, _) = parse(&["-vC"], "C:v");
        assert_eq!(opts, vec![Opt::Flag('v', None), Opt::MissingArg('C')]);
        let (opts, rest) = parse(&["-", "x"], "v");
        assert!(opts.is_empty());
        assert_eq!(rest, vec!["-", "x"]);
    }
}
