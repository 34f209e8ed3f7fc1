//! Milters (`INPUT_MAIL_FILTER`, `MAIL_FILTER`) as typed specifications.
//!
//! # Format
//! ```text
//! INPUT_MAIL_FILTER(`f1', `S=unix:/var/run/f1.sock, F=R')
//! INPUT_MAIL_FILTER(`f2', `S=inet6:999@localhost, F=T, T=C:10m;S:1s;R:1s;E:5m')
//! INPUT_MAIL_FILTER(`f3', `S=inet:3333@localhost')
//! ```
//! `S=` is the socket: `unix:` (or `local:`) and a path, `inet:` or `inet6:` and
//! `port@host`. `F=` says what to do when the filter cannot be reached: `R` reject,
//! `T` temporary failure, `4` reply 421 and close; without one, mail passes as if the
//! filter were not configured. `T=` sets timeouts, `;`-separated: `C` connect (5m),
//! `S` sending to the filter (10s), `R` reading its reply (10s), `E` from the end of
//! the message to its final answer (5m); a number alone counts seconds.
//!
//! The filters used on input are those of `InputMailFilters`
//! (`confINPUT_MAIL_FILTERS`), in its order, when it is set; else every
//! `INPUT_MAIL_FILTER`, in file order.
//!
//! # Errors
//! None: a spec that cannot be understood is kept with [`MilterSocket::Unknown`], so
//! the daemon can refuse to start with the filter's name in the message.

use crate::config::{parse_duration, Config, MailFilter};
use std::path::PathBuf;
use std::time::Duration;

/// Where a milter listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MilterSocket {
    /// `unix:/path` or `local:/path`.
    Unix(PathBuf),
    /// `inet:port@host` or `inet6:port@host`.
    Inet {
        /// The port.
        port: u16,
        /// The host name or address.
        host: String,
        /// `inet6`.
        v6: bool,
    },
    /// Anything else, as written.
    Unknown(String),
}

/// What to do when the filter cannot be reached (`F=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnFailure {
    /// No flag: carry on as if the filter were not there.
    #[default]
    Continue,
    /// `R`: reject.
    Reject,
    /// `T`: temporary failure.
    Tempfail,
    /// `4`: `421` and close the connection.
    Shutdown,
}

/// The `T=` timeouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MilterTimeouts {
    /// `C`: connecting (0: the system's).
    pub connect: Duration,
    /// `S`: sending to the filter.
    pub send: Duration,
    /// `R`: reading a reply.
    pub read: Duration,
    /// `E`: end of message to final reply.
    pub eom: Duration,
}

impl Default for MilterTimeouts {
    fn default() -> MilterTimeouts {
        MilterTimeouts {
            connect: Duration::from_secs(300),
            send: Duration::from_secs(10),
            read: Duration::from_secs(10),
            eom: Duration::from_secs(300),
        }
    }
}

/// One milter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milter {
    /// Its name.
    pub name: String,
    /// `S=`.
    pub socket: MilterSocket,
    /// `F=`.
    pub on_failure: OnFailure,
    /// `T=`.
    pub timeouts: MilterTimeouts,
}

impl Milter {
    /// Parses a filter's `S=..., F=..., T=...` equates.
    pub fn parse(name: &str, spec: &str) -> Milter {
        let mut m = Milter {
            name: name.to_string(),
            socket: MilterSocket::Unknown(String::new()),
            on_failure: OnFailure::default(),
            timeouts: MilterTimeouts::default(),
        };
        for item in spec.split(',').map(str::trim) {
            let Some((key, value)) = item.split_once('=') else { continue };
            match key.trim().chars().next().map(|c| c.to_ascii_uppercase()) {
                Some('S') => m.socket = socket(value.trim()),
                Some('F') => m.on_failure = on_failure(value),
                Some('T') => timeouts(value, &mut m.timeouts),
                _ => {}
            }
        }
        m
    }

    /// The filters used on input, in order (see the module docs).
    pub fn input_filters(filters: &[MailFilter], order: Option<&str>) -> Vec<Milter> {
        let parse = |f: &MailFilter| Milter::parse(&f.name, &f.spec);
        let Some(order) = order.filter(|o| !o.trim().is_empty()) else {
            return filters.iter().filter(|f| f.input).map(parse).collect();
        };
        order
            .split([',', ' '])
            .filter(|n| !n.is_empty())
            .filter_map(|n| filters.iter().rev().find(|f| f.name == n).map(parse))
            .collect()
    }
}

/// The options of `confMILTER_MACROS_*`, in the order of the protocol's stages
/// (`SMFIM_*`: connect, helo, envfrom, envrcpt, data, eom, eoh).
const MACRO_OPTIONS: [&str; 7] = [
    "Milter.macros.connect",
    "Milter.macros.helo",
    "Milter.macros.envfrom",
    "Milter.macros.envrcpt",
    "Milter.macros.data",
    "Milter.macros.eom",
    "Milter.macros.eoh",
];

/// The macros each stage sends to the milters (`confMILTER_MACROS_*`, sendmail's
/// defaults when unset), by stage in the protocol's order: connect, helo, envfrom,
/// envrcpt, data, eom, eoh. Names as written (`j`, `{daemon_name}`).
pub fn macro_lists(config: &Config) -> [Vec<String>; 7] {
    MACRO_OPTIONS.map(|name| {
        config
            .option(name)
            .unwrap_or("")
            .split([',', ' '])
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect()
    })
}

fn socket(value: &str) -> MilterSocket {
    let unknown = || MilterSocket::Unknown(value.to_string());
    let Some((proto, rest)) = value.split_once(':') else { return unknown() };
    match proto.to_ascii_lowercase().as_str() {
        "unix" | "local" => MilterSocket::Unix(PathBuf::from(rest)),
        p @ ("inet" | "inet6") => {
            let Some((port, host)) = rest.split_once('@') else { return unknown() };
            match port.trim().parse() {
                Ok(port) => MilterSocket::Inet { port, host: host.trim().into(), v6: p == "inet6" },
                Err(_) => unknown(),
            }
        }
        _ => unknown(),
    }
}

fn on_failure(value: &str) -> OnFailure {
    let v = value.trim();
    if v.contains('4') {
        OnFailure::Shutdown
    } else if v.contains('T') {
        OnFailure::Tempfail
    } else if v.contains('R') {
        OnFailure::Reject
    } else {
        OnFailure::Continue
    }
}

fn timeouts(value: &str, t: &mut MilterTimeouts) {
    for part in value.split(';') {
        let Some((letter, time)) = part.trim().split_once(':') else { continue };
        let Some(time) = parse_duration(time, 's') else { continue };
        match letter.trim() {
            "C" => t.connect = time,
            "S" => t.send = time,
            "R" => t.read = time,
            "E" => t.eom = time,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(name: &str, spec: &str, input: bool) -> MailFilter {
        MailFilter { name: name.into(), spec: spec.into(), input }
    }

    #[test]
    fn sockets_flags_and_timeouts() {
        let f = Milter::parse("f1", "S=unix:/var/run/f1.sock, F=R");
        assert_eq!(f.socket, MilterSocket::Unix("/var/run/f1.sock".into()));
        assert_eq!((f.on_failure, f.timeouts), (OnFailure::Reject, MilterTimeouts::default()));
        let g = Milter::parse("f2", "S=inet6:999@localhost, F=T, T=C:10m;S:1s;R:2;E:5m");
        assert_eq!(g.socket, MilterSocket::Inet { port: 999, host: "localhost".into(), v6: true });
        assert_eq!(g.on_failure, OnFailure::Tempfail);
        assert_eq!(g.timeouts.connect, Duration::from_secs(600));
        assert_eq!(
            (g.timeouts.send, g.timeouts.read),
            (Duration::from_secs(1), Duration::from_secs(2))
        );
        let h = Milter::parse("f3", "S=inet:3333@127.0.0.1");
        assert_eq!(h.on_failure, OnFailure::Continue);
        assert_eq!(Milter::parse("x", "S=local:/s, F=4").on_failure, OnFailure::Shutdown);
        assert_eq!(
            Milter::parse("x", "S=inet:port@h").socket,
            MilterSocket::Unknown("inet:port@h".into())
        );
        assert_eq!(Milter::parse("x", "F=R").socket, MilterSocket::Unknown(String::new()));
    }

    #[test]
    fn macro_lists_default_to_sendmails() {
        let config = Config::from_str(
            std::path::Path::new("t.mc"),
            "define(`confMILTER_MACROS_EOM', `{msg_id}, i')dnl\n",
        )
        .unwrap();
        let lists = macro_lists(&config);
        assert_eq!(lists[0], ["j", "_", "{daemon_name}", "{if_name}", "{if_addr}"]);
        assert_eq!(lists[3], ["{rcpt_mailer}", "{rcpt_host}", "{rcpt_addr}"]);
        assert_eq!(lists[5], ["{msg_id}", "i"]);
        assert!(lists[6].is_empty());
    }

    #[test]
    fn input_order_from_the_option_else_the_file() {
        let all = [
            filter("a", "S=unix:/a", true),
            filter("b", "S=unix:/b", false),
            filter("c", "S=unix:/c", true),
        ];
        let names = |m: Vec<Milter>| m.into_iter().map(|m| m.name).collect::<Vec<_>>();
        assert_eq!(names(Milter::input_filters(&all, None)), ["a", "c"]);
        assert_eq!(names(Milter::input_filters(&all, Some("c, b"))), ["c", "b"]);
        assert_eq!(names(Milter::input_filters(&all, Some("nosuch,a"))), ["a"]);
    }
}
