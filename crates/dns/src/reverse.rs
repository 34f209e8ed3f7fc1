//! Reverse names: `4.3.2.1.in-addr.arpa` for 1.2.3.4, nibbles under `ip6.arpa` for
//! IPv6, and the DNSBL form `4.3.2.1.zone`.
//!
//! # Errors
//! [`address`] returns `None` for a name that is not a reverse name.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The reverse name of `ip`, without the final dot.
pub fn name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => format!("{}.in-addr.arpa", reversed_octets(v4)),
        IpAddr::V6(v6) => {
            let mut name = String::with_capacity(72);
            for byte in v6.octets().iter().rev() {
                name.push_str(&format!("{:x}.{:x}.", byte & 0xf, byte >> 4));
            }
            name + "ip6.arpa"
        }
    }
}

/// `d.c.b.a` for `a.b.c.d`: the part a DNSBL zone is appended to.
pub fn reversed_octets(ip: Ipv4Addr) -> String {
    let o = ip.octets();
    format!("{}.{}.{}.{}", o[3], o[2], o[1], o[0])
}

/// The address a reverse name stands for.
pub fn address(name: &str) -> Option<IpAddr> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(v4) = name.strip_suffix(".in-addr.arpa") {
        let mut octets: Vec<u8> = v4.split('.').map(str::parse).collect::<Result<_, _>>().ok()?;
        if octets.len() != 4 {
            return None;
        }
        octets.reverse();
        return Some(IpAddr::from([octets[0], octets[1], octets[2], octets[3]]));
    }
    let nibbles: Vec<u8> = name
        .strip_suffix(".ip6.arpa")?
        .split('.')
        .map(|n| u8::from_str_radix(n, 16).ok().filter(|_| n.len() == 1))
        .collect::<Option<_>>()?;
    if nibbles.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (i, pair) in nibbles.rchunks(2).enumerate() {
        bytes[i] = (pair[1] << 4) | pair[0];
    }
    Some(IpAddr::V6(Ipv6Addr::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_names_both_ways() {
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(name(v4), "7.2.0.192.in-addr.arpa");
        assert_eq!(address("7.2.0.192.IN-ADDR.ARPA."), Some(v4));
        let v6: IpAddr = "2001:db8::5:1".parse().unwrap();
        let n = name(v6);
        assert!(
            n.starts_with("1.0.0.0.5.0.0.0.") && n.ends_with("8.b.d.0.1.0.0.2.ip6.arpa"),
            "{n}"
        );
        assert_eq!(address(&n), Some(v6));
        for bad in ["1.2.3.in-addr.arpa", "300.1.1.1.in-addr.arpa", "a.ip6.arpa", "example.test"] {
            assert_eq!(address(bad), None, "{bad}");
        }
    }
}
