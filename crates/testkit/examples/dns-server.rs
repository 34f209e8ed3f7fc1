//! `dns-server ADDR ZONEFILE`: the tests' DNS server as a program, for runs of the real
//! sendmail in a network namespace of their own (`127.0.0.1:53` there). Prints each
//! question as `name TYPE` on standard output as it comes; runs until killed.

use std::time::Duration;
use testkit::dns::{DnsServer, Zone};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [addr, zone] = args.as_slice() else {
        eprintln!("usage: dns-server ADDR ZONEFILE");
        std::process::exit(64);
    };
    let text = std::fs::read_to_string(zone).expect("zone file");
    let server =
        DnsServer::start_on(Zone::parse(&text), addr.parse().expect("ADDR")).expect("bind ADDR");
    println!("listening on {}", server.addr());
    let mut seen = 0;
    loop {
        std::thread::sleep(Duration::from_millis(50));
        let asked = server.queries();
        for q in &asked[seen..] {
            println!("{} {}{}", q.name, q.qtype, if q.tcp { " (tcp)" } else { "" });
        }
        seen = asked.len();
    }
}
