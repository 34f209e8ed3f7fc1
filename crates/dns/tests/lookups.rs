//! The resolver against a real DNS server (testkit's) on 127.0.0.1: every lookup
//! sendmail makes, over UDP and TCP, and the service switch's `files` asking nothing.

use dns::servers::ServerConfig;
use dns::{
    ClientName, DomainStatus, Exchanger, Exchangers, Failure, HostSwitch, HostsFile, Resolve,
    Resolver,
};
use std::time::Duration;
use testkit::dns::{DnsServer, Zone};

const ZONE: &str = "
127.0.0.20 PTR listed.client.test
127.0.0.21 PTR good.client.test
127.0.0.22 PTR forged.client.test
127.0.0.24 PTR Mixed.Client.Test.
127.0.0.26 PTR noaddr.client.test
27.0.0.127.in-addr.arpa SERVFAIL
::2 PTR six.client.test
good.client.test A 127.0.0.21
six.client.test AAAA ::2
listed.client.test A 127.0.0.20
mixed.client.test A 127.0.0.24
forged.client.test A 192.0.2.99
mx.test MX 20 c.mx.test
mx.test MX 10 a.mx.test
mx.test MX 10 b.mx.test
mx.test MX 30 d.mx.test
implicit.test A 192.0.2.5
nullmx.test MX 0 .
tempfail.test SERVFAIL
txt.test TXT \"v=spf1 -all\"
20.0.0.127.zen.test A 127.0.0.2
20.0.0.127.zen.test TXT \"https://zen.test/query/127.0.0.20\"
23.0.0.127.zen.test SERVFAIL
";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// A resolver with `switch` over a fresh server (and an empty hosts file).
fn resolver(server: &DnsServer, switch: &str, hosts: &str) -> Resolver {
    let config =
        ServerConfig { servers: vec![server.addr()], timeout: Duration::from_secs(2), attempts: 1 };
    Resolver::new(&HostSwitch::parse(switch), HostsFile::parse(hosts), &config).unwrap()
}

fn name_of(r: &Resolver, rt: &tokio::runtime::Runtime, ip: &str) -> ClientName {
    rt.block_on(r.client_name(ip.parse().unwrap()))
}

#[test]
fn client_names_are_forward_confirmed() {
    let server = DnsServer::start(Zone::parse(ZONE));
    let rt = runtime();
    let r = resolver(&server, "hosts dns files", "");
    let good = name_of(&r, &rt, "127.0.0.21");
    assert_eq!(
        (good.resolve, good.description()),
        (Resolve::Ok, "good.client.test [127.0.0.21]".into())
    );
    assert_eq!(
        (good.verified(), good.macro_name()),
        (Some("good.client.test"), "good.client.test".into())
    );
    let forged = name_of(&r, &rt, "127.0.0.22");
    assert_eq!(forged.resolve, Resolve::Forged);
    assert_eq!(forged.description(), "forged.client.test [127.0.0.22] (may be forged)");
    assert_eq!((forged.verified(), forged.macro_name()), (None, "[127.0.0.22]".into()));
    let noaddr = name_of(&r, &rt, "127.0.0.26");
    assert_eq!(noaddr.description(), "noaddr.client.test [127.0.0.26] (may be forged)");
    let none = name_of(&r, &rt, "127.0.0.25");
    assert_eq!(
        (none.resolve, none.description(), none.lookup_failed()),
        (Resolve::Fail, "[127.0.0.25]".into(), true)
    );
    let temp = name_of(&r, &rt, "127.0.0.27");
    assert_eq!((temp.resolve, temp.description()), (Resolve::Temp, "[127.0.0.27]".into()));
    assert_eq!(name_of(&r, &rt, "127.0.0.24").description(), "Mixed.Client.Test [127.0.0.24]");
    assert_eq!(name_of(&r, &rt, "::2").description(), "six.client.test [::2]");
}

#[test]
fn mx_in_delivery_order_with_implicit_and_null_mx() {
    let server = DnsServer::start(Zone::parse(ZONE));
    let rt = runtime();
    let r = resolver(&server, "hosts dns files", "");
    let mut firsts = std::collections::HashSet::new();
    for _ in 0..40 {
        let Exchangers::Hosts { hosts, implicit: false } = rt.block_on(r.mx("mx.test")).unwrap()
        else {
            panic!()
        };
        let prefs: Vec<u16> = hosts.iter().map(|h| h.preference).collect();
        assert_eq!(prefs, [10, 10, 20, 30]);
        assert_eq!((hosts[2].host.as_str(), hosts[3].host.as_str()), ("c.mx.test", "d.mx.test"));
        firsts.insert(hosts[0].host.clone());
    }
    assert_eq!(firsts.len(), 2, "equal preferences are shuffled: {firsts:?}");
    let implicit = rt.block_on(r.mx("implicit.test.")).unwrap();
    let want = vec![Exchanger { preference: 0, host: "implicit.test".into() }];
    assert_eq!(implicit, Exchangers::Hosts { hosts: want, implicit: true });
    assert_eq!(rt.block_on(r.mx("nullmx.test")), Ok(Exchangers::Null));
    assert_eq!(rt.block_on(r.mx("nothing.test")), Err(Failure::NotFound));
    assert_eq!(rt.block_on(r.mx("tempfail.test")), Err(Failure::TempFail));
    assert_eq!(rt.block_on(r.domain_status("mx.test")), DomainStatus::Resolves);
    assert_eq!(rt.block_on(r.domain_status("implicit.test")), DomainStatus::Resolves);
    assert_eq!(rt.block_on(r.domain_status("nullmx.test")), DomainStatus::NullMx);
    assert_eq!(rt.block_on(r.domain_status("nothing.test")), DomainStatus::Unknown);
    assert_eq!(rt.block_on(r.domain_status("tempfail.test")), DomainStatus::TempFail);
}

#[test]
fn txt_and_dnsbl_lookups() {
    let server = DnsServer::start(Zone::parse(ZONE));
    let rt = runtime();
    let r = resolver(&server, "hosts files", "");
    assert_eq!(rt.block_on(r.txt("txt.test")), Ok(vec!["v=spf1 -all".to_string()]));
    let listed = "127.0.0.20".parse().unwrap();
    assert_eq!(rt.block_on(r.dnsbl(listed, "zen.test")), Ok("127.0.0.2".parse().unwrap()));
    assert_eq!(
        rt.block_on(r.dnsbl_txt(listed, "zen.test.")),
        Ok(vec!["https://zen.test/query/127.0.0.20".into()])
    );
    assert_eq!(
        rt.block_on(r.dnsbl("127.0.0.21".parse().unwrap(), "zen.test")),
        Err(Failure::NotFound)
    );
    assert_eq!(
        rt.block_on(r.dnsbl("127.0.0.23".parse().unwrap(), "zen.test")),
        Err(Failure::TempFail)
    );
    let asked: Vec<String> =
        server.queries().iter().map(|q| format!("{} {}", q.name, q.qtype)).collect();
    assert!(asked.contains(&"20.0.0.127.zen.test A".to_string()), "{asked:?}");
}

#[test]
fn the_files_switch_asks_no_name_server_for_hosts() {
    let server = DnsServer::start(Zone::parse(ZONE));
    let rt = runtime();
    let r =
        resolver(&server, "hosts files\n", "127.0.0.21 localname.test\n192.0.2.5 implicit.test\n");
    let name = name_of(&r, &rt, "127.0.0.21");
    assert_eq!(name.description(), "localname.test [127.0.0.21]");
    assert_eq!(name_of(&r, &rt, "127.0.0.22").description(), "[127.0.0.22]");
    assert!(matches!(
        rt.block_on(r.mx("implicit.test")),
        Ok(Exchangers::Hosts { implicit: true, .. })
    ));
    assert_eq!(rt.block_on(r.mx("mx.test")), Err(Failure::NotFound));
    assert_eq!(server.query_count(), 0, "asked: {:?}", server.queries());
    let dns_first = resolver(&server, "hosts dns files\n", "127.0.0.21 localname.test\n");
    assert_eq!(
        name_of(&dns_first, &rt, "127.0.0.21").description(),
        "good.client.test [127.0.0.21]"
    );
    assert!(server.query_count() > 0);
}

#[test]
fn a_large_answer_comes_over_tcp() {
    let mut zone = Zone::new();
    for i in 0..40 {
        zone = zone.mx("big.test", 10, &format!("a-rather-long-exchanger-name-{i:02}.big.test"));
    }
    let server = DnsServer::start(zone);
    let rt = runtime();
    let r = resolver(&server, "hosts dns", "");
    let Exchangers::Hosts { hosts, .. } = rt.block_on(r.mx("big.test")).unwrap() else { panic!() };
    assert_eq!(hosts.len(), 40);
    assert!(server.queries().iter().any(|q| q.tcp), "{:?}", server.queries());
}

#[test]
fn no_server_listening_is_a_temporary_failure() {
    let closed = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let config = ServerConfig {
        servers: vec![closed.local_addr().unwrap()],
        timeout: Duration::from_millis(200),
        attempts: 1,
    };
    drop(closed);
    let r = Resolver::new(&HostSwitch::parse("hosts dns"), HostsFile::default(), &config).unwrap();
    let rt = runtime();
    assert_eq!(rt.block_on(r.mx("mx.test")), Err(Failure::TempFail));
    assert_eq!(name_of(&r, &rt, "127.0.0.21").resolve, Resolve::Temp);
}
