//! What keeps one caller from wearing the server down: a pause for an address that keeps sending
//! wrong API keys, a time limit on every request, and a cap on requests served at once.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Wrong API keys from one address within `WINDOW` before it is paused for the rest of it.
pub const WRONG_KEYS: u32 = 10;
pub const WINDOW: Duration = Duration::from_secs(60);
/// The longest a request may take (a month-end batch, a 10 MB CSV import, a snapshot page).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Requests served at once; more wait their turn.
pub const CONCURRENT_REQUESTS: usize = 64;

/// Wrong API keys per address, in the current window.
#[derive(Debug, Default)]
pub(crate) struct BadKeys(Mutex<HashMap<IpAddr, (u32, Instant)>>);

impl BadKeys {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<IpAddr, (u32, Instant)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How long `ip` must wait before its next key is checked, if it is paused.
    pub fn paused(&self, ip: IpAddr) -> Option<Duration> {
        let map = self.map();
        let (n, since) = map.get(&ip)?;
        let left = WINDOW.checked_sub(since.elapsed())?;
        (*n >= WRONG_KEYS).then_some(left.max(Duration::from_secs(1)))
    }

    /// `ip` sent a wrong key.
    pub fn wrong(&self, ip: IpAddr) {
        let mut map = self.map();
        if map.len() > 10_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        let entry = map.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_paused_after_ten_wrong_keys_and_others_are_not() {
        let b = BadKeys::default();
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..WRONG_KEYS - 1 {
            b.wrong(ip);
        }
        assert!(b.paused(ip).is_none());
        b.wrong(ip);
        let wait = b.paused(ip).unwrap();
        assert!(wait <= WINDOW && wait >= Duration::from_secs(1));
        assert!(b.paused("192.0.2.8".parse().unwrap()).is_none());
    }
}
