//! Balance of quotes, comments and angle brackets, as sendmail's `prescan` checks it.
//!
//! `\` escapes the next character; `"..."` quotes (outside comments); `(...)` comments
//! nest (outside quotes); `<...>` nest outside both. A closer with nothing open
//! (`)` or `>`) is an error where it stands; at the end an open quote or comment, then
//! an open angle bracket, is one. Square brackets are not checked (sendmail takes
//! `root@[1.2.3.4` as it is).
//!
//! The errors come in the order sendmail reports them: over SMTP the first one is the
//! reply (`553 5.0.0 <root... Unbalanced '<'`); on the command line each is printed
//! and the address is repaired and used.

use super::AddrError;

/// Where the characters of an address stand.
#[derive(Default)]
pub(super) struct Nesting {
    /// Angle brackets open (outside quotes and comments); negative once too many closed.
    pub(super) angle: i32,
    paren: i32,
    quote: bool,
    escape: bool,
}

/// What one character is, for [`Nesting::step`].
pub(super) enum Char {
    /// Escaped, a quote mark, inside quotes or a comment, or a bracket.
    Inner,
    /// A closing bracket with nothing open: `)` or `>`.
    Unbalanced(char),
    /// A character outside quotes and comments (angle depth in [`Nesting::angle`]).
    Top(char),
}

impl Nesting {
    /// Takes the next character.
    pub(super) fn step(&mut self, c: char) -> Char {
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
            '>' if self.angle <= 0 => return Char::Unbalanced('>'),
            '>' => self.angle -= 1,
            _ => return Char::Top(c),
        }
        Char::Inner
    }
}

/// Every unbalanced quote, comment or angle bracket of `text`, in sendmail's order.
pub fn errors(text: &str) -> Vec<AddrError> {
    let mut nesting = Nesting::default();
    let mut found = Vec::new();
    for c in text.chars() {
        if let Char::Unbalanced(c) = nesting.step(c) {
            found.push(AddrError::Unbalanced(c));
        }
    }
    if nesting.quote {
        found.push(AddrError::Unbalanced('"'));
    } else if nesting.paren > 0 {
        found.push(AddrError::Unbalanced('('));
    }
    if nesting.angle > 0 {
        found.push(AddrError::Unbalanced('<'));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> String {
        errors(text)
            .iter()
            .map(|e| match e {
                AddrError::Unbalanced(c) => *c,
                other => panic!("{other:?}"),
            })
            .collect()
    }

    /// Each as the real sendmail 8.17.1.9 reported it (`sendmail -bv <address>` on the
    /// oracle; the first also as the `553` reply of `RCPT TO:` under `sendmail -bs`).
    #[test]
    fn reported_as_sendmail_reports() {
        for (address, wanted) in [
            ("a>b<c", "><"),
            ("<root>>", ">"),
            ("a)b(c", ")("),
            ("<ro(ot>", "(<"),
            ("<\"ro(ot>", "\"<"),
            ("(a\"b", "("),
            ("<ro)o>t>", ")>"),
            ("<root>(x", "("),
            ("root\"", "\""),
            ("a\"b\"c)", ")"),
            ("\"a\\\"b", "\""),
            ("<<root>", "<"),
            ("x<root>y", ""),
            ("root@[1.2.3.4", ""),
            ("<ro\\>ot>", ""),
            ("(comment) <root>", ""),
        ] {
            assert_eq!(chars(address), wanted, "{address}");
        }
    }
}
