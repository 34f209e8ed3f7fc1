//! The address tokenizer: words, quoted strings, literals, specials and blanks.
//!
//! Unbalanced quotes, comments and literals are repaired here (a missing closer is
//! added, a stray `)` dropped); reporting them is `balance`'s job.

/// A lexical token of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Tok {
    /// A run of ordinary characters (escapes kept).
    Word(String),
    /// A quoted string, quotes included.
    Quoted(String),
    /// A domain literal `[...]`, brackets included.
    Literal(String),
    /// One of `< > @ , ; :`.
    Special(char),
    /// White space between two tokens.
    Blank,
}

/// Cuts `input` into tokens; unbalanced quotes and comments are repaired.
pub(super) fn tokenize(input: &str) -> Vec<Tok> {
    let chars: Vec<char> = input.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if !matches!(toks.last(), Some(Tok::Blank) | None) {
                    toks.push(Tok::Blank);
                }
                i += 1;
            }
            '(' => i = skip_comment(&chars, i),
            ')' => i += 1,
            '"' => {
                let (s, next) = read_delimited(&chars, i, '"');
                toks.push(Tok::Quoted(s));
                i = next;
            }
            '[' => {
                let (s, next) = read_delimited(&chars, i, ']');
                toks.push(Tok::Literal(s));
                i = next;
            }
            '<' | '>' | '@' | ',' | ';' | ':' => {
                toks.push(Tok::Special(c));
                i += 1;
            }
            _ => {
                let (s, next) = read_word(&chars, i);
                toks.push(Tok::Word(s));
                i = next;
            }
        }
    }
    if toks.last() == Some(&Tok::Blank) {
        toks.pop();
    }
    toks
}

/// Skips a (possibly nested) comment starting at `start`; returns the index after it.
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

/// Reads a quoted string or literal from its opener to `close`, adding a missing closer.
fn read_delimited(chars: &[char], start: usize, close: char) -> (String, usize) {
    let mut s = String::new();
    s.push(chars[start]);
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        s.push(c);
        if c == '\\' && i + 1 < chars.len() {
            s.push(chars[i + 1]);
            i += 2;
            continue;
        }
        if c == close {
            return (s, i + 1);
        }
        i += 1;
    }
    s.push(close);
    (s, chars.len())
}

/// Reads an unquoted word (with `\` escapes kept) starting at `start`.
fn read_word(chars: &[char], start: usize) -> (String, usize) {
    let mut s = String::new();
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            s.push(c);
            if let Some(&n) = chars.get(i + 1) {
                s.push(n);
            }
            i += 2;
            continue;
        }
        if " \t\r\n()\"[<>@,;:".contains(c) {
            break;
        }
        s.push(c);
        i += 1;
    }
    (s, i)
}
