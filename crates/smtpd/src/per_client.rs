//! Each client address's connections: how many within `ConnectionRateWindowSize`
//! (`${client_rate}`) and how many open now (`${client_connections}`), this one
//! included, as sendmail's daemon counts them for `FEATURE(ratecontrol)` and
//! `FEATURE(conncontrol)` ([`spool::rules`] compares them with the access map).
//!
//! Every accepted connection counts, including those a limit then refuses (the
//! oracle refused the fifth connection of a client allowed three as it refused the
//! fourth). An address's entry goes once it has no open connection and none within
//! the window; the table is swept of those every [`SWEEP_EVERY`] arrivals, so its
//! size follows the clients of the last window.

use spool::rules::Counts;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Arrivals between two sweeps of the table.
const SWEEP_EVERY: usize = 1024;

/// The counts of every client address.
#[derive(Debug, Default)]
pub struct PerClient {
    table: Mutex<Table>,
}

#[derive(Debug, Default)]
struct Table {
    clients: HashMap<IpAddr, Client>,
    arrivals: usize,
}

#[derive(Debug, Default)]
struct Client {
    open: u64,
    recent: VecDeque<Instant>,
}

impl Client {
    fn forget_before(&mut self, now: Instant, window: Duration) {
        while self.recent.front().is_some_and(|t| now.duration_since(*t) > window) {
            self.recent.pop_front();
        }
    }
}

/// Held while a connection is open; dropping it counts the connection out.
#[derive(Debug)]
pub struct Open {
    owner: Arc<PerClient>,
    addr: IpAddr,
}

impl Drop for Open {
    fn drop(&mut self) {
        let mut table = self.owner.table.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = table.clients.get_mut(&self.addr) {
            client.open = client.open.saturating_sub(1);
        }
    }
}

impl PerClient {
    /// A new connection from `addr`: its counts, this one included, and the guard
    /// that counts it out when the connection ends.
    pub fn arrive(self: &Arc<Self>, addr: IpAddr, window: Duration) -> (Counts, Open) {
        let now = Instant::now();
        let mut table = self.table.lock().unwrap_or_else(|p| p.into_inner());
        table.arrivals += 1;
        if table.arrivals >= SWEEP_EVERY {
            table.arrivals = 0;
            table.clients.retain(|_, c| {
                c.forget_before(now, window);
                c.open > 0 || !c.recent.is_empty()
            });
        }
        let client = table.clients.entry(addr).or_default();
        client.forget_before(now, window);
        client.recent.push_back(now);
        client.open += 1;
        let counts = Counts { rate: client.recent.len() as u64, open: client.open };
        (counts, Open { owner: self.clone(), addr })
    }

    /// How many addresses the table holds.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.lock().unwrap().clients.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_and_open_connections_per_address() {
        let counts = Arc::new(PerClient::default());
        let window = Duration::from_secs(60);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let (first, one) = counts.arrive(a, window);
        assert_eq!(first, Counts { rate: 1, open: 1 });
        let (second, two) = counts.arrive(a, window);
        assert_eq!(second, Counts { rate: 2, open: 2 });
        assert_eq!(counts.arrive(b, window).0, Counts { rate: 1, open: 1 }, "per address");
        drop((one, two));
        assert_eq!(counts.arrive(a, window).0, Counts { rate: 3, open: 1 }, "the rate stays");
    }

    #[test]
    fn the_window_forgets_and_the_sweep_drops_idle_addresses() {
        let counts = Arc::new(PerClient::default());
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        drop(counts.arrive(a, Duration::from_secs(60)));
        std::thread::sleep(Duration::from_millis(30));
        let short = Duration::from_millis(10);
        assert_eq!(counts.arrive(a, short).0, Counts { rate: 1, open: 1 });
        for n in 0..SWEEP_EVERY as u32 {
            drop(counts.arrive(IpAddr::from([10, 0, (n >> 8) as u8, n as u8]), short));
        }
        std::thread::sleep(Duration::from_millis(30));
        for _ in 0..SWEEP_EVERY {
            drop(counts.arrive("198.51.100.1".parse().unwrap(), Duration::ZERO));
        }
        assert!(counts.len() < 10, "idle addresses swept: {}", counts.len());
    }
}
