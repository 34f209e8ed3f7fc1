//! The address fields of a header and the addresses in them.
//!
//! sendmail rewrites the addresses of the fields its header table marks `H_FROM`
//! with the mailer's header sender ruleset and those it marks `H_RCPT` with its
//! header recipient ruleset (both lists below); the text around each address
//! (display name, comments, folding) is kept. An address list is cut at the commas
//! outside quotes, comments and angle brackets; in each part the address is what is
//! inside `<...>`, else the part without its comments. Groups (`list:;`), route
//! addresses and `<>` are left alone.

/// The fields sendmail's `HdrInfo` marks `H_FROM`.
const ORIGINATOR_FIELDS: &[&str] = &[
    "resent-sender",
    "resent-from",
    "resent-reply-to",
    "sender",
    "from",
    "reply-to",
    "errors-to",
    "return-receipt-to",
    "disposition-notification-to",
];

/// The fields sendmail's `HdrInfo` marks `H_RCPT`.
const RECIPIENT_FIELDS: &[&str] =
    &["to", "resent-to", "cc", "resent-cc", "bcc", "resent-bcc", "apparently-to"];

/// What a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// Originators (`From:`, `Sender:`, ...).
    Originator,
    /// Recipients (`To:`, `Cc:`, ...).
    Recipient,
}

/// `text` (`Name: value`) with each address of an address field passed through
/// `rewrite` (told which kind of field it is); any other field unchanged.
pub fn rewrite(text: &[u8], rewrite: impl Fn(&str, Field) -> String) -> Vec<u8> {
    let Some(colon) = text.iter().position(|&b| b == b':') else { return text.to_vec() };
    let name = String::from_utf8_lossy(&text[..colon]).trim().to_ascii_lowercase();
    let field = if ORIGINATOR_FIELDS.contains(&name.as_str()) {
        Field::Originator
    } else if RECIPIENT_FIELDS.contains(&name.as_str()) {
        Field::Recipient
    } else {
        return text.to_vec();
    };
    let rewrite = |addr: &str| rewrite(addr, field);
    let Ok(value) = std::str::from_utf8(&text[colon + 1..]) else { return text.to_vec() };
    let mut out = text[..=colon].to_vec();
    let mut rest = value;
    loop {
        let end = spool::address::scan_to(rest, ',');
        out.extend_from_slice(one(&rest[..end], &rewrite).as_bytes());
        if end >= rest.len() {
            break;
        }
        out.push(b',');
        rest = &rest[end + 1..];
    }
    out
}

/// One part of an address list with its address rewritten.
fn one(part: &str, rewrite: &impl Fn(&str) -> String) -> String {
    let Some((start, end)) = address_span(part) else { return part.to_string() };
    let addr = &part[start..end];
    let plain = !addr.is_empty()
        && !addr.starts_with('@')
        && !addr.contains([':', ';', '<', '>', ',', '(', ' ', '\t', '\n']);
    if !plain {
        return part.to_string();
    }
    format!("{}{}{}", &part[..start], rewrite(addr), &part[end..])
}

/// Where the address of `part` is: inside its first `<...>`, else the part up to its
/// first comment, without surrounding blanks.
fn address_span(part: &str) -> Option<(usize, usize)> {
    let mut quoted = false;
    let mut depth = 0usize;
    let mut escaped = false;
    let mut open = None;
    let mut comment = None;
    for (i, c) in part.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' if depth == 0 => quoted = !quoted,
            '(' if !quoted => {
                comment.get_or_insert(i);
                depth += 1;
            }
            ')' if !quoted && depth > 0 => depth -= 1,
            '<' if !quoted && depth == 0 && open.is_none() => open = Some(i + 1),
            '>' if !quoted && depth == 0 => {
                if let Some(start) = open {
                    return Some((start, i));
                }
            }
            _ => {}
        }
    }
    if open.is_some() {
        return None;
    }
    let head = &part[..comment.unwrap_or(part.len())];
    let start = head.len() - head.trim_start().len();
    let end = head.trim_end().len();
    (start < end).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upper(text: &str) -> String {
        let f = |a: &str, field| match field {
            Field::Originator => a.to_ascii_uppercase(),
            Field::Recipient => format!("{a}.to"),
        };
        String::from_utf8(rewrite(text.as_bytes(), f)).unwrap()
    }

    #[test]
    fn originator_fields_have_their_addresses_rewritten() {
        assert_eq!(upper("From: Joe <joe@h>"), "From: Joe <JOE@H>");
        assert_eq!(upper("From: joe@h (Joe Smith)"), "From: JOE@H (Joe Smith)");
        assert_eq!(upper("Reply-To: a@h,\n\t\"b, c\" <b@h>"), "Reply-To: A@H,\n\t\"b, c\" <B@H>");
        assert_eq!(upper("sender:   root"), "sender:   ROOT");
    }

    #[test]
    fn other_fields_and_odd_addresses_are_left_alone() {
        assert_eq!(upper("To: joe@h, Ann <ann@h>"), "To: joe@h.to, Ann <ann@h.to>");
        assert_eq!(upper("X-Sender: joe@h"), "X-Sender: joe@h");
        assert_eq!(upper("From: <>"), "From: <>");
        assert_eq!(upper("From: list:;"), "From: list:;");
        assert_eq!(upper("From: <@relay:joe@h>"), "From: <@relay:joe@h>");
        assert_eq!(upper("From: Joe <joe@h"), "From: Joe <joe@h");
        assert_eq!(upper("Subject: from me"), "Subject: from me");
    }
}
