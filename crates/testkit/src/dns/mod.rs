//! A small authoritative DNS server for tests, on 127.0.0.1, over UDP and TCP.
//!
//! Each test starts its own with the records it needs ([`Zone`]) and points the code
//! under test at [`DnsServer::addr`] (smtpd: `-O ResolverNameserver=ADDR`), so that no
//! test asks the machine's resolver. The server logs every question it gets
//! ([`DnsServer::queries`]): a test can show that something asked, or asked nothing.
//!
//! What it answers: the records of the zone for the name and type asked (a `CNAME`
//! at the name is given instead, with the target's records when the zone has them);
//! `NOERROR` with no answers when the name has records of other types; `NXDOMAIN` when
//! it has none; `SERVFAIL` for a name marked [`Zone::servfail`]. A UDP answer larger
//! than the client's EDNS size (512 bytes without EDNS) is sent truncated, so the
//! client asks again over TCP, as with a real server.
//!
//! Zone text ([`Zone::parse`]), one record per line, `#` comments:
//!
//! ```text
//! example.test        MX    10 mx1.example.test
//! mx1.example.test    A     192.0.2.1
//! example.test        TXT   "v=spf1 -all" "second string"
//! 127.0.0.2           PTR   client.example.test     # an address means its reverse name
//! broken.test         SERVFAIL
//! ```
//!
//! Written with std alone (see [`wire`] for why the format is hand-written).
//!
//! # Errors
//! [`DnsServer::start`] panics when it cannot bind: a test cannot go on without it.

pub mod wire;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A record's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    /// An IPv4 address.
    A(Ipv4Addr),
    /// An IPv6 address.
    Aaaa(Ipv6Addr),
    /// Preference and exchange (`.` for a null MX).
    Mx(u16, String),
    /// Character strings.
    Txt(Vec<String>),
    /// A pointer (reverse lookups).
    Ptr(String),
    /// An alias.
    Cname(String),
    /// A name server.
    Ns(String),
}

/// The records a server answers from.
#[derive(Debug, Clone, Default)]
pub struct Zone {
    records: HashMap<String, Vec<Data>>,
    servfail: Vec<String>,
}

/// One question the server got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The name, lowercase, without the final dot.
    pub name: String,
    /// The type (`A`, `MX`, ..., or the number).
    pub qtype: String,
    /// Asked over TCP.
    pub tcp: bool,
}

/// A running server; it stops when dropped.
pub struct DnsServer {
    addr: SocketAddr,
    asked: Arc<Mutex<Vec<Asked>>>,
    stop: Arc<AtomicBool>,
}

fn key(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The reverse-lookup name of an address: `2.0.0.127.in-addr.arpa`, or IPv6 nibbles.
pub fn reverse_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            format!("{}.{}.{}.{}.in-addr.arpa", o[3], o[2], o[1], o[0])
        }
        IpAddr::V6(v6) => {
            let mut name = String::new();
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            name + "ip6.arpa"
        }
    }
}

impl Zone {
    /// An empty zone: every name is `NXDOMAIN`.
    pub fn new() -> Zone {
        Zone::default()
    }

    /// Adds a record at `name`.
    pub fn add(mut self, name: &str, data: Data) -> Zone {
        self.records.entry(key(name)).or_default().push(data);
        self
    }

    /// Adds an `A` or `AAAA` record.
    pub fn addr(self, name: &str, ip: &str) -> Zone {
        match ip.parse().expect("an IP address") {
            IpAddr::V4(v4) => self.add(name, Data::A(v4)),
            IpAddr::V6(v6) => self.add(name, Data::Aaaa(v6)),
        }
    }

    /// Adds an `MX` record.
    pub fn mx(self, name: &str, preference: u16, exchange: &str) -> Zone {
        self.add(name, Data::Mx(preference, exchange.to_string()))
    }

    /// Adds a `TXT` record of one string.
    pub fn txt(self, name: &str, text: &str) -> Zone {
        self.add(name, Data::Txt(vec![text.to_string()]))
    }

    /// Adds a `PTR` record for `ip`'s reverse name.
    pub fn ptr(self, ip: &str, name: &str) -> Zone {
        let reverse = reverse_name(ip.parse().expect("an IP address"));
        self.add(&reverse, Data::Ptr(name.to_string()))
    }

    /// Answers `SERVFAIL` for `name`, whatever the type.
    pub fn servfail(mut self, name: &str) -> Zone {
        self.servfail.push(key(name));
        self
    }

    /// Reads zone text (see the module documentation).
    ///
    /// # Panics
    /// On a line it cannot read: zone text is written by the test itself.
    pub fn parse(text: &str) -> Zone {
        let mut zone = Zone::new();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim();
            let mut words = line.split_whitespace();
            let (Some(name), Some(kind)) = (words.next(), words.next()) else { continue };
            let rest: Vec<&str> = words.collect();
            zone = match (kind.to_ascii_uppercase().as_str(), rest.as_slice()) {
                ("A" | "AAAA", [ip]) => zone.addr(name, ip),
                ("MX", [pref, host]) => zone.mx(name, pref.parse().expect("MX preference"), host),
                ("PTR", [target]) if name.parse::<IpAddr>().is_ok() => zone.ptr(name, target),
                ("PTR", [target]) => zone.add(name, Data::Ptr(target.to_string())),
                ("CNAME", [target]) => zone.add(name, Data::Cname(target.to_string())),
                ("NS", [target]) => zone.add(name, Data::Ns(target.to_string())),
                ("TXT", _) => zone.add(name, Data::Txt(txt_strings(line))),
                ("SERVFAIL", []) => zone.servfail(name),
                _ => panic!("zone line not understood: {line}"),
            };
        }
        zone
    }

    /// The rcode and answers for `name` and `qtype`.
    fn answer(&self, name: &str, qtype: u16) -> (u8, Vec<(String, Data)>) {
        if self.servfail.iter().any(|n| n == name) {
            return (wire::SERVFAIL, Vec::new());
        }
        let Some(records) = self.records.get(name) else { return (wire::NXDOMAIN, Vec::new()) };
        let mut answers: Vec<(String, Data)> = records
            .iter()
            .filter(|d| wire::type_of(d) == qtype)
            .map(|d| (name.to_string(), d.clone()))
            .collect();
        if answers.is_empty() && qtype != wire::CNAME {
            if let Some(Data::Cname(target)) = records.iter().find(|d| matches!(d, Data::Cname(_)))
            {
                answers.push((name.to_string(), Data::Cname(target.clone())));
                let (_, more) = self.answer(&key(target), qtype);
                answers.extend(more);
            }
        }
        (wire::NOERROR, answers)
    }
}

/// The quoted strings of a `TXT` line (or the bare words after `TXT`).
fn txt_strings(line: &str) -> Vec<String> {
    let after = &line[line.to_ascii_uppercase().find("TXT").expect("TXT") + 3..];
    if !after.contains('"') {
        return after.split_whitespace().map(str::to_string).collect();
    }
    after.split('"').skip(1).step_by(2).map(str::to_string).collect()
}

fn type_name(qtype: u16) -> String {
    let name = match qtype {
        wire::A => "A",
        wire::AAAA => "AAAA",
        wire::MX => "MX",
        wire::TXT => "TXT",
        wire::PTR => "PTR",
        wire::CNAME => "CNAME",
        wire::NS => "NS",
        wire::SOA => "SOA",
        other => return other.to_string(),
    };
    name.to_string()
}

impl DnsServer {
    /// Starts a server for `zone` on 127.0.0.1, a free port, UDP and TCP.
    pub fn start(zone: Zone) -> DnsServer {
        for _ in 0..20 {
            let udp = UdpSocket::bind("127.0.0.1:0").expect("bind a UDP port");
            let addr = udp.local_addr().expect("local address");
            if let Ok(tcp) = TcpListener::bind(addr) {
                return DnsServer::serve(zone, udp, tcp);
            }
        }
        panic!("no port free for both UDP and TCP on 127.0.0.1");
    }

    /// Starts a server for `zone` on `addr` (e.g. `127.0.0.1:53` in a test's own
    /// network namespace).
    pub fn start_on(zone: Zone, addr: SocketAddr) -> std::io::Result<DnsServer> {
        let udp = UdpSocket::bind(addr)?;
        let tcp = TcpListener::bind(udp.local_addr()?)?;
        Ok(DnsServer::serve(zone, udp, tcp))
    }

    fn serve(zone: Zone, udp: UdpSocket, tcp: TcpListener) -> DnsServer {
        let addr = udp.local_addr().expect("local address");
        let asked = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let zone = Arc::new(zone);
        let handler = Handler { zone, asked: asked.clone() };
        let (h, s) = (handler.clone(), stop.clone());
        std::thread::spawn(move || udp_loop(udp, h, s));
        let s = stop.clone();
        std::thread::spawn(move || tcp_loop(tcp, handler, s));
        DnsServer { addr, asked, stop }
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every question asked so far, in order.
    pub fn queries(&self) -> Vec<Asked> {
        self.asked.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// How many questions were asked so far.
    pub fn query_count(&self) -> usize {
        self.asked.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

impl Drop for DnsServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

#[derive(Clone)]
struct Handler {
    zone: Arc<Zone>,
    asked: Arc<Mutex<Vec<Asked>>>,
}

impl Handler {
    /// The response to one message, or `None` for one that is not a query; with the
    /// parsed query, for the UDP size check.
    fn handle(&self, msg: &[u8], tcp: bool) -> Option<(wire::Query, Vec<u8>)> {
        let query = wire::Query::parse(msg)?;
        let asked = Asked { name: query.name.clone(), qtype: type_name(query.qtype), tcp };
        self.asked.lock().unwrap_or_else(|p| p.into_inner()).push(asked);
        let (rcode, answers) = self.zone.answer(&query.name, query.qtype);
        let response = wire::response(&query, rcode, &answers);
        Some((query, response))
    }
}

fn udp_loop(socket: UdpSocket, handler: Handler, stop: Arc<AtomicBool>) {
    let _ = socket.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 4096];
    while !stop.load(Ordering::SeqCst) {
        let Ok((n, peer)) = socket.recv_from(&mut buf) else { continue };
        let Some((query, response)) = handler.handle(&buf[..n], false) else { continue };
        let limit = usize::from(query.edns.unwrap_or(512).max(512));
        let sent =
            if response.len() > limit { wire::truncated(&response, &query) } else { response };
        let _ = socket.send_to(&sent, peer);
    }
}

fn tcp_loop(listener: TcpListener, handler: Handler, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else { continue };
        let handler = handler.clone();
        std::thread::spawn(move || tcp_connection(stream, &handler));
    }
}

/// Answers length-prefixed queries on one connection until the client closes it.
fn tcp_connection(mut stream: TcpStream, handler: &Handler) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return;
        }
        let mut msg = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if stream.read_exact(&mut msg).is_err() {
            return;
        }
        let Some((_, response)) = handler.handle(&msg, true) else { return };
        let mut framed = (response.len() as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&response);
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zone_text_and_answers() {
        let zone = Zone::parse(
            "ex.test MX 10 mx.ex.test\nmx.ex.test A 192.0.2.1\n127.0.0.2 PTR c.test.\n\
             alias.test CNAME mx.ex.test\nt.test TXT \"a b\" \"c\"\nbad.test SERVFAIL\n",
        );
        assert_eq!(
            zone.answer("ex.test", wire::MX),
            (0, vec![("ex.test".into(), Data::Mx(10, "mx.ex.test".into()))])
        );
        assert_eq!(zone.answer("ex.test", wire::A), (0, vec![]), "NODATA");
        assert_eq!(zone.answer("nothing.test", wire::A).0, wire::NXDOMAIN);
        assert_eq!(zone.answer("bad.test", wire::A).0, wire::SERVFAIL);
        assert_eq!(
            zone.answer("2.0.0.127.in-addr.arpa", wire::PTR).1[0].1,
            Data::Ptr("c.test.".into())
        );
        assert_eq!(zone.answer("alias.test", wire::A).1.len(), 2);
        assert_eq!(
            zone.answer("t.test", wire::TXT).1[0].1,
            Data::Txt(vec!["a b".into(), "c".into()])
        );
        let v6 = reverse_name("2001:db8::1".parse().unwrap());
        assert!(v6.starts_with("1.0.0.0.") && v6.ends_with(".8.b.d.0.1.0.0.2.ip6.arpa"), "{v6}");
    }
}
