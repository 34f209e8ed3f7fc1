//! # Name
//! client_macros - the client's macros in the greeting
//!
//! # Description
//! sendmail expands `SmtpGreetingMessage` when a client connects, so the greeting may
//! name the client. Debian's `OSTYPE(debian)` greeting does:
//!
//! ```text
//! $j Sendmail $v/$Z; $b; (No UCE/UBE) $?{client_addr}logging access from: ${client_name}(${client_resolve})-$_$.
//! ```
//!
//! [`expand`] fills in, from the [`ClientInfo`]: `${client_addr}` (the address, empty
//! for a local client), `${client_name}` (the verified host name, else `[addr]`),
//! `${client_resolve}` (`OK` with a verified name, else `FAIL`) and `$_` (sendmail's
//! `RealHostName [addr]` form, [`ClientInfo::description`]); and the conditional
//! `$?x yes $| no $.`, true when macro `x` (a letter or `{name}`) is not empty. The
//! host-wide macros (`$j`, `$v`, `$Z`, `$b`) are [`super::configure`]'s. Anything else
//! is left as written.
//!
//! # Errors
//! None: an unterminated conditional is left as text.

use super::ClientInfo;

/// `text` with the client macros and conditionals expanded for `client`.
pub fn expand(text: &str, client: &ClientInfo) -> String {
    let value = |name: &str| -> String {
        let addr = client.addr.map(|a| a.to_string()).unwrap_or_default();
        match name {
            "client_addr" => addr,
            "client_name" => match (&client.host_name, client.addr) {
                (Some(name), _) => name.clone(),
                (None, Some(_)) => format!("[{addr}]"),
                (None, None) => "localhost".into(),
            },
            "client_resolve" => if client.host_name.is_some() { "OK" } else { "FAIL" }.into(),
            "_" => client.description.clone(),
            _ => String::new(),
        }
    };
    let conditionals = conditionals(text, &|name| !value(name).is_empty());
    let mut out = conditionals;
    for name in ["client_addr", "client_name", "client_resolve"] {
        out = out.replace(&format!("${{{name}}}"), &value(name));
    }
    out.replace("$_", &value("_"))
}

/// Resolves each `$?x yes $| no $.` (not nested) by `is_set(x)`.
fn conditionals(text: &str, is_set: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("$?") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let (name, body) = match after.strip_prefix('{').and_then(|a| a.split_once('}')) {
            Some((name, body)) => (name, body),
            None => match after.char_indices().nth(1) {
                Some((n, _)) => (&after[..n], &after[n..]),
                None => (after, ""),
            },
        };
        let Some(end) = body.find("$.") else {
            out.push_str(&rest[at..]);
            return out;
        };
        let (yes, no) = body[..end].split_once("$|").unwrap_or((&body[..end], ""));
        out.push_str(if is_set(name) { yes } else { no });
        rest = &body[end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "mail.example.org ESMTP Sendmail 8.17.1.9/8.17.1.9; DATE; (No UCE/UBE) \
                          $?{client_addr}logging access from: ${client_name}(${client_resolve})-$_$.";

    #[test]
    fn debians_greeting_names_the_client_as_sendmail_does() {
        let local = ClientInfo::network("127.0.0.1".parse().unwrap(), Some("localhost"));
        assert_eq!(
            expand(DEBIAN, &local),
            "mail.example.org ESMTP Sendmail 8.17.1.9/8.17.1.9; DATE; (No UCE/UBE) \
             logging access from: localhost(OK)-localhost [127.0.0.1]"
        );
        let nameless = ClientInfo::network("192.0.2.7".parse().unwrap(), None);
        assert!(expand(DEBIAN, &nameless)
            .ends_with("logging access from: [192.0.2.7](FAIL)-[192.0.2.7]"));
    }

    #[test]
    fn conditionals_take_their_else_and_bad_ones_stay_text() {
        let set = |n: &str| n == "a";
        assert_eq!(conditionals("x $?ayes$|no$. y", &set), "x yes y");
        assert_eq!(conditionals("x $?{b}yes$|no$. y", &set), "x no y");
        assert_eq!(conditionals("$?{b}only$.!", &set), "!");
        assert_eq!(conditionals("open $?a never closed", &set), "open $?a never closed");
        assert_eq!(conditionals("$?", &set), "$?");
        assert_eq!(
            expand("no macros, 100% plain", &ClientInfo::local("root")),
            "no macros, 100% plain"
        );
    }
}
