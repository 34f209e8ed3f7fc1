//! How many deliveries run at once: a limit per destination, across every worker.
//!
//! Jobs (one locked qf each) are bounded by the run loop (`MaxQueueChildren`);
//! within them, deliveries to one destination (`local`, or `mailer:host:port`) are
//! bounded by `MaxHostDeliveries`, so a slow host or a slow local mailer cannot take
//! every worker. A slot is held for the length of one delivery.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The per-destination limits.
#[derive(Debug)]
pub struct Limits {
    per_destination: usize,
    destinations: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Limits {
    /// At most `per_destination` deliveries to each destination at once.
    pub fn new(per_destination: usize) -> Limits {
        Limits { per_destination: per_destination.max(1), destinations: Mutex::new(HashMap::new()) }
    }

    /// Waits for a slot for `destination`; it is given back when dropped.
    pub async fn acquire(&self, destination: &str) -> OwnedSemaphorePermit {
        self.acquire_of(destination, self.per_destination).await
    }

    /// Waits until nothing else of this run writes to `mailbox` (the built-in local
    /// delivery): our own writers queue here rather than on the mailbox's dotlock,
    /// whose waits are a second long, as mail.local's.
    pub async fn acquire_mailbox(&self, mailbox: &str) -> OwnedSemaphorePermit {
        self.acquire_of(&format!("mailbox:{mailbox}"), 1).await
    }

    async fn acquire_of(&self, key: &str, slots: usize) -> OwnedSemaphorePermit {
        let semaphore = {
            let mut map = self.destinations.lock().unwrap_or_else(|e| e.into_inner());
            map.entry(key.to_string()).or_insert_with(|| Arc::new(Semaphore::new(slots))).clone()
        };
        semaphore.acquire_owned().await.expect("the semaphore is never closed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn one_destination_waits_another_does_not() {
        let limits = Limits::new(1);
        let held = limits.acquire("relay:[127.0.0.1]:25").await;
        let other = tokio::time::timeout(Duration::from_millis(200), limits.acquire("local")).await;
        assert!(other.is_ok(), "another destination has its own slots");
        let same = tokio::time::timeout(
            Duration::from_millis(200),
            limits.acquire("relay:[127.0.0.1]:25"),
        )
        .await;
        assert!(same.is_err(), "the same destination waits for the slot");
        drop(held);
        let again = tokio::time::timeout(
            Duration::from_millis(200),
            limits.acquire("relay:[127.0.0.1]:25"),
        )
        .await;
        assert!(again.is_ok(), "a slot given back is taken");
    }
}
