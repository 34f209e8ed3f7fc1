//! The header fields sendmail adds to a message, in its exact formats.
//!
//! * `Date:` is sendmail's `arpadate`: `Tue, 4 Nov 2026 23:31:36 GMT` when the local
//!   offset is zero, else `Tue, 4 Nov 2026 18:31:36 -0500 (EST)`; the day has no
//!   leading zero.
//! * `Received:` of a command-line submission (the MSP's `Submit` form):
//!   `(from root@localhost)` / `by <host> (<version>/Submit) id <ID>` / then
//!   `for <rcpt>; <date>` when there is exactly one recipient, else `;` after the ID
//!   and the date on its own line. Continuation lines start with a TAB.
//! * `Message-Id:` is `<YYYYMMDDhhmm.<ID>@<host>>` in local time.
//! * `From:` is `<full name> <addr>` or just the address; a full name holding an
//!   RFC 5322 special is quoted, and so is the `Full-Name:` field.

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// The software name and version written into `Received:` lines.
pub const VERSION: &str = concat!("ferrymail-", env!("CARGO_PKG_VERSION"));

/// sendmail's `arpadate` of `when` in time zone `tz`.
pub fn arpadate(when: Timestamp, tz: &TimeZone) -> String {
    let zoned = when.to_zoned(tz.clone());
    let base = zoned.strftime("%a, %-d %b %Y %H:%M:%S").to_string();
    let offset = zoned.offset().seconds();
    if offset == 0 {
        return format!("{base} GMT");
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.abs() / 60;
    let name = zoned.strftime("%Z").to_string();
    format!("{base} {sign}{:02}{:02} ({name})", minutes / 60, minutes % 60)
}

/// The value of the `Received:` field of a command-line submission by `user`.
pub fn received_submit(
    user: &str,
    host: &str,
    id: &str,
    single_rcpt: Option<&str>,
    date: &str,
) -> String {
    let mut value = format!("(from {user}@localhost)\n\tby {host} ({VERSION}/Submit) id {id}");
    match single_rcpt {
        Some(rcpt) => value.push_str(&format!("\n\tfor {rcpt}; {date}")),
        None => value.push_str(&format!(";\n\t{date}")),
    }
    value
}

/// The value of the `Received:` field of a message received over SMTP (also `-bs`):
/// `from <helo> (<client>)` / `by <host> (<version>) with <proto> id <ID>` / then
/// `for <rcpt>; <date>` with exactly one recipient, else `;` and the date alone.
pub fn received_smtp(
    helo: &str,
    client: &str,
    host: &str,
    protocol: &str,
    id: &str,
    single_rcpt: Option<&str>,
    date: &str,
) -> String {
    let mut value =
        format!("from {helo} ({client})\n\tby {host} ({VERSION}) with {protocol} id {id}");
    match single_rcpt {
        Some(rcpt) => value.push_str(&format!("\n\tfor {rcpt}; {date}")),
        None => value.push_str(&format!(";\n\t{date}")),
    }
    value
}

/// The value of a `Message-Id:` field: `<YYYYMMDDhhmm.ID@host>`.
pub fn message_id(when: Timestamp, tz: &TimeZone, id: &str, host: &str) -> String {
    format!("<{}.{id}@{host}>", when.to_zoned(tz.clone()).strftime("%Y%m%d%H%M"))
}

/// A full name as a display name: quoted if it holds an RFC 5322 special.
pub fn display_name(full_name: &str) -> String {
    let special = |c: char| "()<>@,;:\\\".[]".contains(c);
    if !full_name.chars().any(special)
        || (full_name.starts_with('"') && full_name.ends_with('"') && full_name.len() > 1)
    {
        return full_name.to_string();
    }
    let escaped: String = full_name
        .chars()
        .flat_map(|c| if c == '"' || c == '\\' { vec!['\\', c] } else { vec![c] })
        .collect();
    format!("\"{escaped}\"")
}

/// The value of a `From:` field for sender `addr` with an optional full name.
pub fn from_value(full_name: Option<&str>, addr: &str) -> String {
    match full_name {
        Some(name) if !name.is_empty() => format!("{} <{addr}>", display_name(name)),
        _ => addr.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn arpadate_is_sendmails() {
        assert_eq!(
            arpadate(at("2026-11-24T23:31:36Z"), &TimeZone::UTC),
            "Tue, 24 Nov 2026 23:31:36 GMT"
        );
        assert_eq!(
            arpadate(at("2026-11-04T08:01:02Z"), &TimeZone::UTC),
            "Wed, 4 Nov 2026 08:01:02 GMT"
        );
        let ny = TimeZone::get("America/New_York").unwrap();
        assert_eq!(
            arpadate(at("2026-11-24T23:31:36Z"), &ny),
            "Tue, 24 Nov 2026 18:31:36 -0500 (EST)"
        );
    }

    #[test]
    fn received_single_and_many_recipients() {
        let one = received_submit("root", "mail.lab.example", "6AONVaU4019530", Some("root"), "D");
        assert_eq!(one, format!("(from root@localhost)\n\tby mail.lab.example ({VERSION}/Submit) id 6AONVaU4019530\n\tfor root; D"));
        let many = received_submit("root", "h", "ID", None, "D");
        assert!(many.ends_with("id ID;\n\tD"), "{many}");
    }

    #[test]
    fn received_over_smtp() {
        let one = received_smtp(
            "client.lab.example",
            "localhost [127.0.0.1]",
            "mail.lab.example",
            "ESMTP",
            "ID",
            Some("<root@mail.lab.example>"),
            "D",
        );
        assert_eq!(one, format!("from client.lab.example (localhost [127.0.0.1])\n\tby mail.lab.example ({VERSION}) with ESMTP id ID\n\tfor <root@mail.lab.example>; D"));
    }

    #[test]
    fn message_id_and_from() {
        let id = message_id(
            at("2026-11-24T23:31:36Z"),
            &TimeZone::UTC,
            "6AONVaU4019530",
            "mail.lab.example",
        );
        assert_eq!(id, "<202611242331.6AONVaU4019530@mail.lab.example>");
        assert_eq!(from_value(Some("root"), "root"), "root <root>");
        assert_eq!(
            from_value(Some("Daemon Q. Example"), "daemon"),
            "\"Daemon Q. Example\" <daemon>"
        );
        assert_eq!(from_value(None, "alice@example.org"), "alice@example.org");
        assert_eq!(display_name("a \"b\" c."), "\"a \\\"b\\\" c.\"");
    }
}
