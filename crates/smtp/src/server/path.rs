//! # Name
//! path - the address argument of MAIL FROM and RCPT TO, as sendmail scans it
//!
//! # Description
//! `FROM:` / `TO:` is found the way sendmail's `skip_word` does: a word up to a
//! blank or `:`, blanks, `:`, blanks, and something after it; otherwise `501 5.5.2
//! Syntax error in parameters scanning "<word>"`.
//!
//! The address runs up to the first blank outside `<>`, quotes and comments; what
//! follows are ESMTP parameters. Then the checks of sendmail's `prescan` and the
//! standard rulesets, each answered `553 ... <address>... <text>`:
//!
//! ```text
//! Unbalanced '<' / '>' / '"' / '(' / ')'     553 5.0.0
//! <> as a recipient: User address required    553 5.0.0
//! @domain: User address required              553 5.1.3
//! user@@domain: Invalid route address         553 5.1.3
//! user@: Hostname required                    553 5.1.3
//! ```
//!
//! Everything else (unknown users, relaying, domains) is the policy's business.

use super::Reply;

/// sendmail's MAXSHORTSTR: longest client text echoed in a syntax error.
const MAX_SHORT: usize = 203;

/// Split `FROM:<addr> params` after checking the keyword; Err is the 501 reply.
pub(super) fn after_keyword<'a>(args: &'a str, keyword: &str) -> Result<&'a str, Reply> {
    let end = args.find(|c: char| c == ':' || c.is_ascii_whitespace()).unwrap_or(args.len());
    let word = &args[..end];
    let rest = args[end..].trim_start_matches(|c: char| c.is_ascii_whitespace());
    let syntax = || {
        let word = shorten(word);
        Reply::new(501, "5.5.2", format!("Syntax error in parameters scanning \"{word}\""))
    };
    let Some(rest) = rest.strip_prefix(':') else {
        return Err(syntax());
    };
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if rest.is_empty() || !word.eq_ignore_ascii_case(keyword) {
        return Err(syntax());
    }
    Ok(rest)
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= MAX_SHORT {
        return text.to_string();
    }
    let head: String = text.chars().take(MAX_SHORT - 3).collect();
    format!("{head}...")
}

/// A scanned address: as typed, and without its angle brackets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Path {
    pub(super) raw: String,
    pub(super) address: String,
}

/// Where the characters of an address stand under sendmail's quoting rules: `\`
/// escapes the next character, `"..."` quotes (outside comments), `(...)` comments
/// nest (outside quotes), `<...>` nest outside both.
#[derive(Default)]
struct Nesting {
    angle: i32,
    paren: i32,
    quote: bool,
    escape: bool,
}

/// What one character is, for [`Nesting::step`].
enum Char {
    /// Escaped, a quote mark, inside quotes or a comment, or a bracket.
    Inner,
    /// A closing bracket with nothing open: `)` or `>`.
    Unbalanced(char),
    /// A character outside quotes and comments (angle depth in [`Nesting::angle`]).
    Top(char),
}

impl Nesting {
    fn step(&mut self, c: char) -> Char {
        if std::mem::take(&mut self.escape) {
            return Char::Inner;
        }
        match c {
            '\\' => self.escape = true,
            '"' if self.paren == 0 => self.quote = !self.quote,
            _ if self.quote => {}
            '(' => self.paren += 1,
            ')' if self.paren == 0 => return Char::Unbalanced(')'),
            ')' => self.paren -= 1,
            _ if self.paren > 0 => {}
            '<' => self.angle += 1,
            '>' => {
                self.angle -= 1;
                if self.angle < 0 {
                    return Char::Unbalanced('>');
                }
            }
            _ => return Char::Top(c),
        }
        Char::Inner
    }
}

/// Split the address off the start of `text`; returns it and the parameter text.
pub(super) fn split_address(text: &str) -> (&str, &str) {
    let mut nesting = Nesting::default();
    for (i, c) in text.char_indices() {
        if let Char::Top(' ' | '\t') = nesting.step(c) {
            if nesting.angle <= 0 {
                return (&text[..i], &text[i..]);
            }
        }
    }
    (text, "")
}

/// Check a scanned address; `recipient` forbids `<>`. Err is the 553 reply.
pub(super) fn check(raw: &str, recipient: bool) -> Result<Path, Reply> {
    let fail = |status: &str, text: &str| Err(Reply::about(553, status, raw, text));
    if let Some(c) = unbalanced(raw) {
        return fail("5.0.0", &format!("Unbalanced '{c}'"));
    }
    let address = strip_angles(raw);
    if address.is_empty() {
        return if recipient {
            fail("5.0.0", "User address required")
        } else {
            Ok(Path { raw: raw.to_string(), address })
        };
    }
    let local = match address.strip_prefix('@') {
        Some(route) => match route.split_once(':') {
            Some((_, rest)) => rest,
            None => return fail("5.1.3", "User address required"),
        },
        None => address.as_str(),
    };
    if local.starts_with('@') {
        return fail("5.1.3", "User address required");
    }
    if local.contains("@@") {
        return fail("5.1.3", "Invalid route address");
    }
    if local.ends_with('@') {
        return fail("5.1.3", "Hostname required");
    }
    Ok(Path { raw: raw.to_string(), address })
}

/// The first unbalanced bracket or quote character, if any.
fn unbalanced(text: &str) -> Option<char> {
    let mut nesting = Nesting::default();
    for c in text.chars() {
        if let Char::Unbalanced(c) = nesting.step(c) {
            return Some(c);
        }
    }
    if nesting.quote {
        Some('"')
    } else if nesting.paren > 0 {
        Some('(')
    } else if nesting.angle > 0 {
        Some('<')
    } else {
        None
    }
}

/// The innermost `<...>` content (sendmail keeps what is inside the brackets).
fn strip_angles(text: &str) -> String {
    let mut inner = text.trim();
    while let (Some(open), Some(close)) = (inner.find('<'), inner.rfind('>')) {
        if close <= open {
            break;
        }
        inner = inner[open + 1..close].trim();
    }
    inner.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str, rcpt: bool) -> String {
        String::from_utf8(check(raw, rcpt).unwrap_err().to_bytes()).unwrap()
    }

    #[test]
    fn keyword_scanning() {
        assert_eq!(after_keyword("FROM:<a@b>", "FROM").unwrap(), "<a@b>");
        assert_eq!(after_keyword("from : <a@b> X", "FROM").unwrap(), "<a@b> X");
        let e = after_keyword("TO:<a>", "FROM").unwrap_err().to_bytes();
        assert_eq!(e, b"501 5.5.2 Syntax error in parameters scanning \"TO\"\r\n");
        assert!(after_keyword("", "FROM").is_err());
        assert!(after_keyword("FROM:", "FROM").is_err());
        assert!(after_keyword("FROM <a>", "FROM").is_err());
    }

    #[test]
    fn address_ends_at_blank_outside_brackets() {
        assert_eq!(split_address("<a b@c> SIZE=1"), ("<a b@c>", " SIZE=1"));
        assert_eq!(split_address("a@c x"), ("a@c", " x"));
        assert_eq!(split_address("\"a b\"@c"), ("\"a b\"@c", ""));
    }

    #[test]
    fn sendmail_errors() {
        assert_eq!(err("<a@b", false), "553 5.0.0 <a@b... Unbalanced '<'\r\n");
        assert_eq!(err("a@b>", false), "553 5.0.0 a@b>... Unbalanced '>'\r\n");
        assert_eq!(err("<a\"b@c>", false), "553 5.0.0 <a\"b@c>... Unbalanced '\"'\r\n");
        assert_eq!(err("<>", true), "553 5.0.0 <>... User address required\r\n");
        assert_eq!(err("<@b>", false), "553 5.1.3 <@b>... User address required\r\n");
        assert_eq!(err("<a@@b>", false), "553 5.1.3 <a@@b>... Invalid route address\r\n");
        assert_eq!(err("<a@>", false), "553 5.1.3 <a@>... Hostname required\r\n");
        assert_eq!(check("<>", false).unwrap().address, "");
        assert_eq!(check("<<a@b>>", false).unwrap().address, "a@b");
        assert_eq!(check("<@r1,@r2:a@b>", false).unwrap().address, "@r1,@r2:a@b");
    }
}
