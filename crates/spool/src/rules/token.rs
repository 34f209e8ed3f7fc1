//! Addresses cut into tokens the way sendmail's `prescan` cuts them for its rulesets.
//!
//! # Tokens
//! * an operator or special, one character each: the `OperatorChars` of sendmail.cf
//!   (`. : % @ ! ^ / [ ] +`) and `< > , ;`;
//! * a quoted string `"..."`, quotes included, as one token;
//! * an atom: any other run of characters, a `\x` escape included as written.
//!
//! Blanks separate tokens and are not kept; `(comments)` are dropped. Joining tokens
//! again ([`join`]) puts the separator only between two atoms, as `cataddr` does: a
//! blank for texts, `BlankSub` (`.`) for addresses.
//!
//! # Invariants
//! Tokenizing never fails and never panics: an unclosed quote or comment runs to the
//! end of the input (the SMTP engine has refused unbalanced addresses before).

/// One token of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    /// A run of ordinary characters.
    Atom(String),
    /// A quoted string, quotes included.
    Quoted(String),
    /// An operator or special character.
    Op(char),
}

impl Tok {
    /// The token as written.
    pub(crate) fn text(&self) -> String {
        match self {
            Tok::Atom(s) | Tok::Quoted(s) => s.clone(),
            Tok::Op(c) => c.to_string(),
        }
    }

    /// True for the operator `c`.
    pub(crate) fn is(&self, c: char) -> bool {
        *self == Tok::Op(c)
    }
}

/// The characters that are tokens of their own.
const OPERATORS: &str = ".:%@!^/[]+<>,;";

/// sendmail's `$=O`: the characters that route mail elsewhere from a local part.
pub(crate) const ROUTING: [char; 3] = ['@', '%', '!'];

/// Cuts `input` into tokens.
pub(crate) fn tokenize(input: &str) -> Vec<Tok> {
    let chars: Vec<char> = input.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i = match c {
            ' ' | '\t' | '\r' | '\n' => i + 1,
            '(' => skip_comment(&chars, i),
            ')' => i + 1,
            '"' => {
                let end = quoted_end(&chars, i);
                toks.push(Tok::Quoted(chars[i..end].iter().collect()));
                end
            }
            _ if OPERATORS.contains(c) => {
                toks.push(Tok::Op(c));
                i + 1
            }
            _ => {
                let end = atom_end(&chars, i);
                toks.push(Tok::Atom(chars[i..end].iter().collect()));
                end
            }
        };
    }
    toks
}

fn skip_comment(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

fn quoted_end(chars: &[char], start: usize) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

fn atom_end(chars: &[char], start: usize) -> usize {
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 2;
            continue;
        }
        if " \t\r\n()\"".contains(c) || OPERATORS.contains(c) {
            break;
        }
        i += 1;
    }
    i.min(chars.len())
}

/// The tokens as text, with `sep` between two atoms.
pub(crate) fn join(toks: &[Tok], sep: &str) -> String {
    let mut out = String::new();
    let mut atom_before = false;
    for t in toks {
        let atom = matches!(t, Tok::Atom(_));
        if atom && atom_before {
            out.push_str(sep);
        }
        out.push_str(&t.text());
        atom_before = atom;
    }
    out
}

/// True when any token is one of the routing operators `@ % !` (`$=O`).
pub(crate) fn has_routing(toks: &[Tok]) -> bool {
    toks.iter().any(|t| ROUTING.iter().any(|&c| t.is(c)))
}

/// sendmail's `dequote` map on a local part: a single quoted string whose inside
/// has no blank, no unbalanced `<>` or `()` and no dangling `\` loses its quotes and
/// is tokenized again; anything else is returned as it is.
pub(crate) fn dequote(toks: &[Tok]) -> Vec<Tok> {
    let [Tok::Quoted(q)] = toks else { return toks.to_vec() };
    let inner = q.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(q);
    let (mut angle, mut paren, mut escaped) = (0i32, 0i32, false);
    for c in inner.chars() {
        if std::mem::take(&mut escaped) {
            continue;
        }
        match c {
            '\\' => escaped = true,
            ' ' | '\t' | '"' => return toks.to_vec(),
            '<' => angle += 1,
            '>' => angle -= 1,
            '(' => paren += 1,
            ')' => paren -= 1,
            _ => {}
        }
        if angle < 0 || paren < 0 {
            return toks.to_vec();
        }
    }
    if escaped || angle != 0 || paren != 0 {
        return toks.to_vec();
    }
    tokenize(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize(s).iter().map(Tok::text).collect()
    }

    #[test]
    fn operators_quotes_and_comments() {
        assert_eq!(texts("root+tag@lab.example"), ["root", "+", "tag", "@", "lab", ".", "example"]);
        assert_eq!(texts("\"a b\"@x (comment (nested))"), ["\"a b\"", "@", "x"]);
        assert_eq!(
            texts("<@a,@b:u@[1.2.3.4]>"),
            [
                "<", "@", "a", ",", "@", "b", ":", "u", "@", "[", "1", ".", "2", ".", "3", ".",
                "4", "]", ">"
            ]
        );
        assert_eq!(texts("a\\@b"), ["a\\@b"]);
        assert_eq!(texts("\"open"), ["\"open"]);
    }

    #[test]
    fn joining_puts_the_separator_between_atoms_only() {
        assert_eq!(join(&tokenize("root daemon"), "."), "root.daemon");
        assert_eq!(join(&tokenize("a . b @ c"), " "), "a.b@c");
        assert_eq!(join(&tokenize("try again later"), " "), "try again later");
    }

    #[test]
    fn routing_characters_and_dequoting() {
        assert!(has_routing(&tokenize("user%host")));
        assert!(!has_routing(&tokenize("\"user%host\"")));
        assert!(has_routing(&dequote(&tokenize("\"user%host\""))));
        assert_eq!(dequote(&tokenize("a.b")), tokenize("a.b"));
        assert_eq!(dequote(&tokenize("\"a b\"")), tokenize("\"a b\""));
        assert_eq!(dequote(&tokenize("\"root\"")), tokenize("root"));
        assert_eq!(dequote(&tokenize("\"a>\"")), tokenize("\"a>\""));
    }
}
