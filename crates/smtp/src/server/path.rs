//! # Name
//! path - the address argument of MAIL FROM and RCPT TO
//!
//! # Description
//! The syntax is `spool::address::path`'s, the one every ferrymail program reads
//! addresses with: the `FROM:` / `TO:` keyword, the path up to the first blank outside
//! brackets, then the address checks. This file only turns its errors into
//! sendmail's replies:
//!
//! ```text
//! keyword missing or wrong                    501 5.5.2 Syntax error in parameters scanning "<word>"
//! Unbalanced '<' / '>' / '"' / '(' / ')'     553 5.0.0 <path>... Unbalanced '<'
//! <> as a recipient: User address required    553 5.0.0
//! @domain: User address required              553 5.1.3
//! a@@b, a@b@c, a,b: Invalid route address     553 5.1.3
//! user@: Hostname required                    553 5.1.3
//! ```
//!
//! Everything else (unknown users, relaying, domains) is the policy's business.

use super::Reply;
use spool::address::path::{keyword_arg, parse_path, split_params, Path, Role};

/// The path after `keyword` in `args` and the parameter text after it; Err is the
/// 501 or 553 reply.
pub(super) fn scan<'a>(args: &'a str, keyword: &str, role: Role) -> Result<(Path, &'a str), Reply> {
    let rest = keyword_arg(args, keyword).map_err(|e| Reply::new(501, "5.5.2", e.to_string()))?;
    let (raw, params) = split_params(rest);
    let path = parse_path(raw, role)
        .map_err(|e| Reply::with_code(553, e.enhanced_code(), format!("{raw}... {e}")))?;
    Ok((path, params))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(args: &str, role: Role) -> String {
        String::from_utf8(scan(args, "TO", role).unwrap_err().to_bytes()).unwrap()
    }

    #[test]
    fn replies_as_sendmail_words_them() {
        assert_eq!(
            err("FROM:<a>", Role::Recipient),
            "501 5.5.2 Syntax error in parameters scanning \"FROM\"\r\n"
        );
        assert_eq!(err("TO:<a@b", Role::Recipient), "553 5.0.0 <a@b... Unbalanced '<'\r\n");
        assert_eq!(err("TO:<>", Role::Recipient), "553 5.0.0 <>... User address required\r\n");
        assert_eq!(err("TO:<@b>", Role::Recipient), "553 5.1.3 <@b>... User address required\r\n");
        assert_eq!(
            err("TO:<a@b@c> X=1", Role::Recipient),
            "553 5.1.3 <a@b@c>... Invalid route address\r\n"
        );
        let (path, params) = scan("TO: <<a@b>> SIZE=1", "TO", Role::Recipient).unwrap();
        assert_eq!((path.raw.as_str(), path.text.as_str(), params), ("<<a@b>>", "a@b", " SIZE=1"));
        assert!(scan("TO:<>", "TO", Role::Sender).unwrap().0.is_null());
    }
}
