//! SMTP paths: the argument of `MAIL FROM:` and `RCPT TO:` as sendmail scans it.
//!
//! ```text
//! MAIL FROM:<alice@example.org> SIZE=100      keyword_arg   -> "<alice@example.org> SIZE=100"
//!                                              split_params  -> ("<alice@example.org>", " SIZE=100")
//!                                              parse_path    -> Path { raw, text, address }
//! ```
//!
//! * [`keyword_arg`]: a word up to a blank or `:`, blanks, `:`, blanks, and something
//!   after it, the word being the keyword in any case; else [`KeywordError`] (sendmail's
//!   `501 5.5.2 Syntax error in parameters scanning "<word>"`).
//! * [`split_params`]: the path runs up to the first blank outside quotes, comments and
//!   angle brackets; the rest are ESMTP parameters.
//! * [`parse_path`]: the first unbalanced quote, comment or bracket is the error
//!   (SMTP does not repair addresses); then the address is parsed by the rules of
//!   [`super::parse`], so an SMTP path and a command-line address mean the same.
//!   `<>` is the null path, allowed for a sender only ([`AddrError::NullRecipient`]).

use super::{balance, parse, AddrError, Address};

/// sendmail's MAXSHORTSTR: the longest client text echoed in a syntax error.
const MAX_SHORT: usize = 203;

/// Whose path it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// MAIL FROM: the null path `<>` is allowed.
    Sender,
    /// RCPT TO: the null path is not.
    Recipient,
}

/// A checked SMTP path.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Path {
    /// As the client wrote it (`<alice@example.org>`, `alice@example.org`).
    pub raw: String,
    /// The text inside the innermost angle brackets, trimmed (`alice@example.org`;
    /// empty for `<>`).
    pub text: String,
    /// The parsed address (null for `<>`).
    pub address: Address,
}

impl Path {
    /// True for the null path `<>`.
    pub fn is_null(&self) -> bool {
        self.text.is_empty()
    }
}

/// The keyword before the path is missing or wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Syntax error in parameters scanning \"{0}\"")]
pub struct KeywordError(pub String);

/// The text after `keyword:` in `args` (`FROM:<a@b> SIZE=1` for `FROM`).
///
/// # Errors
/// [`KeywordError`] with the word found (shortened as sendmail shortens it).
pub fn keyword_arg<'a>(args: &'a str, keyword: &str) -> Result<&'a str, KeywordError> {
    let end = args.find(|c: char| c == ':' || c.is_ascii_whitespace()).unwrap_or(args.len());
    let word = &args[..end];
    let rest = args[end..].trim_start_matches(|c: char| c.is_ascii_whitespace());
    let syntax = || KeywordError(shorten(word));
    let rest = rest.strip_prefix(':').ok_or_else(syntax)?;
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

/// Splits the path off the start of `text`; returns it and the parameter text.
pub fn split_params(text: &str) -> (&str, &str) {
    let mut nesting = balance::Nesting::default();
    for (i, c) in text.char_indices() {
        if let balance::Char::Top(' ' | '\t') = nesting.step(c) {
            if nesting.angle <= 0 {
                return (&text[..i], &text[i..]);
            }
        }
    }
    (text, "")
}

/// Checks and parses the path `raw` of a sender or recipient.
///
/// # Errors
/// The first unbalanced quote, comment or bracket; [`AddrError::NullRecipient`]; or
/// what [`super::parse`] finds wrong with the address.
pub fn parse_path(raw: &str, role: Role) -> Result<Path, AddrError> {
    if let Some(first) = balance::errors(raw).into_iter().next() {
        return Err(first);
    }
    let text = innermost(raw).to_string();
    let address = parse(raw)?.address;
    if address.is_null() && role == Role::Recipient {
        return Err(AddrError::NullRecipient);
    }
    Ok(Path { raw: raw.to_string(), text, address })
}

/// The innermost `<...>` content, trimmed (sendmail keeps what is inside the brackets).
fn innermost(text: &str) -> &str {
    let mut inner = text.trim();
    while let (Some(open), Some(close)) = (inner.find('<'), inner.rfind('>')) {
        if close <= open {
            break;
        }
        inner = inner[open + 1..close].trim();
    }
    inner
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(raw: &str, role: Role) -> String {
        let e = parse_path(raw, role).unwrap_err();
        format!("{} {raw}... {e}", e.enhanced_code())
    }

    #[test]
    fn keyword_scanning() {
        assert_eq!(keyword_arg("FROM:<a@b>", "FROM").unwrap(), "<a@b>");
        assert_eq!(keyword_arg("from : <a@b> X", "FROM").unwrap(), "<a@b> X");
        let e = keyword_arg("TO:<a>", "FROM").unwrap_err();
        assert_eq!(e.to_string(), "Syntax error in parameters scanning \"TO\"");
        assert_eq!(keyword_arg("", "FROM").unwrap_err().0, "");
        assert!(keyword_arg("FROM:", "FROM").is_err());
        assert!(keyword_arg("FROM <a>", "FROM").is_err());
        let long = "x".repeat(300);
        assert_eq!(keyword_arg(&long, "TO").unwrap_err().0, format!("{}...", "x".repeat(200)));
    }

    #[test]
    fn the_path_ends_at_a_blank_outside_brackets() {
        assert_eq!(split_params("<a b@c> SIZE=1"), ("<a b@c>", " SIZE=1"));
        assert_eq!(split_params("a@c x"), ("a@c", " x"));
        assert_eq!(split_params("\"a b\"@c"), ("\"a b\"@c", ""));
    }

    /// The replies of the mail-syntax and rcpt-syntax transcripts, and of `RCPT TO:`
    /// under the oracle's `sendmail -bs` for the cases the transcripts lack.
    #[test]
    fn sendmails_errors() {
        use Role::{Recipient, Sender};
        for (raw, role, wanted) in [
            ("<a@b", Sender, "5.0.0 <a@b... Unbalanced '<'"),
            ("a@b>", Sender, "5.0.0 a@b>... Unbalanced '>'"),
            ("<a\"b@c>", Sender, "5.0.0 <a\"b@c>... Unbalanced '\"'"),
            ("<>", Recipient, "5.0.0 <>... User address required"),
            ("<@b>", Sender, "5.1.3 <@b>... User address required"),
            ("<a@@b>", Sender, "5.1.3 <a@@b>... Invalid route address"),
            ("<a@>", Sender, "5.1.3 <a@>... Hostname required"),
            ("<a@b@c>", Recipient, "5.1.3 <a@b@c>... Invalid route address"),
            ("<a,b>", Recipient, "5.1.3 <a,b>... Invalid route address"),
            (
                "<root@lab.example,@x>",
                Recipient,
                "5.1.3 <root@lab.example,@x>... Invalid route address",
            ),
            ("<@a:>", Recipient, "5.1.3 <@a:>... User address required"),
            ("<@a,@b>", Recipient, "5.1.3 <@a,@b>... User address required"),
            ("a>b<c", Recipient, "5.0.0 a>b<c... Unbalanced '>'"),
            ("<ro)o>t>", Recipient, "5.0.0 <ro)o>t>... Unbalanced ')'"),
        ] {
            assert_eq!(err(raw, role), wanted, "{raw}");
        }
    }

    #[test]
    fn accepted_paths() {
        let p = parse_path("<>", Role::Sender).unwrap();
        assert!(p.is_null() && p.address.is_null());
        assert_eq!(parse_path("<<a@b>>", Role::Sender).unwrap().text, "a@b");
        let routed = parse_path("<@r1,@r2:a@b>", Role::Sender).unwrap();
        assert_eq!(routed.text, "@r1,@r2:a@b");
        assert_eq!(routed.address.route, ["r1", "r2"]);
        let commented = parse_path("<(comment) root>", Role::Recipient).unwrap();
        assert_eq!(
            (commented.text.as_str(), commented.address.local.as_str()),
            ("(comment) root", "root")
        );
        let blank = parse_path("<a b@mail.lab.example>", Role::Sender).unwrap();
        assert_eq!(
            (blank.text.as_str(), blank.address.local.as_str()),
            ("a b@mail.lab.example", "a.b")
        );
        assert!(parse_path("<root@[1.2.3.4>", Role::Recipient).is_ok());
        assert_eq!(parse_path("x<root>y", Role::Recipient).unwrap().address.local, "root");
    }
}
