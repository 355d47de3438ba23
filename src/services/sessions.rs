//! Live sign-ins of this process. A session is a random token handed to the one who signed in
//! (the desktop shell keeps it in memory, a browser in an HttpOnly cookie); only its SHA-256 is
//! kept here, so the table cannot be read back into tokens. Sessions are not stored: a restarted
//! desk asks everyone to sign in again.
//!
//! A session locks when its person asks (the UI after the desk's idle time, "Lock") or when no
//! call came for the desk's idle time; a locked session answers nothing but unlock and sign-out.

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;

/// The idle minutes a desk starts with, and their bounds (the `desk.lock_minutes` check).
pub const DEFAULT_LOCK_MINUTES: u32 = 15;
pub const LOCK_MINUTES: std::ops::RangeInclusive<u32> = 1..=480;

/// A session unused this long is forgotten (its person signs in again).
const FORGET_AFTER_HOURS: i64 = 12;

#[derive(Debug, Clone)]
struct Live {
    user_id: String,
    last_seen: DateTime<Utc>,
    locked: bool,
}

/// What a token stands for right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// Signed in and unlocked: the call may go on as this person.
    Open(String),
    /// Signed in, locked: only unlock or sign-out.
    Locked(String),
    /// No such session (never was, signed out, or forgotten).
    Unknown,
}

#[derive(Debug)]
pub struct Sessions {
    live: Mutex<HashMap<String, Live>>,
    lock_minutes: AtomicU32,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions {
            live: Mutex::default(),
            lock_minutes: AtomicU32::new(DEFAULT_LOCK_MINUTES),
        }
    }
}

fn digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Sessions {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Live>> {
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn lock_minutes(&self) -> u32 {
        self.lock_minutes.load(Ordering::Relaxed)
    }

    pub fn set_lock_minutes(&self, minutes: u32) {
        self.lock_minutes.store(minutes, Ordering::Relaxed);
    }

    /// A new session for a person who just proved who they are; returns its token.
    pub fn start(&self, user_id: &str, now: DateTime<Utc>) -> String {
        let token = crate::ids::secret_hex();
        let mut map = self.map();
        map.retain(|_, l| now - l.last_seen < Duration::hours(FORGET_AFTER_HOURS));
        map.insert(
            digest(&token),
            Live {
                user_id: user_id.to_string(),
                last_seen: now,
                locked: false,
            },
        );
        token
    }

    /// The standing of `token` at `now`. An open session that was idle past the desk's idle time
    /// locks here; an open one is marked as used.
    pub fn standing(&self, token: &str, now: DateTime<Utc>) -> Standing {
        let idle = Duration::minutes(i64::from(self.lock_minutes()));
        let key = digest(token);
        let mut map = self.map();
        let Some(l) = map.get_mut(&key) else {
            return Standing::Unknown;
        };
        if now - l.last_seen >= Duration::hours(FORGET_AFTER_HOURS) {
            map.remove(&key);
            return Standing::Unknown;
        }
        if !l.locked && now - l.last_seen >= idle {
            l.locked = true;
        }
        if l.locked {
            return Standing::Locked(l.user_id.clone());
        }
        l.last_seen = now;
        Standing::Open(l.user_id.clone())
    }

    /// Lock a session (its person stepped away).
    pub fn lock(&self, token: &str) {
        if let Some(l) = self.map().get_mut(&digest(token)) {
            l.locked = true;
        }
    }

    /// Unlock a session whose person proved who they are again.
    pub fn unlock(&self, token: &str, now: DateTime<Utc>) {
        if let Some(l) = self.map().get_mut(&digest(token)) {
            l.locked = false;
            l.last_seen = now;
        }
    }

    /// End one session (sign out).
    pub fn end(&self, token: &str) {
        self.map().remove(&digest(token));
    }

    /// End every session of a person (deactivated, or their PIN was reset).
    pub fn end_person(&self, user_id: &str) {
        self.map().retain(|_, l| l.user_id != user_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(min)
    }

    #[test]
    fn a_session_locks_after_the_idle_time_and_unlocks() {
        let s = Sessions::default();
        s.set_lock_minutes(15);
        let t = s.start("usr_a", at(0));
        assert_eq!(s.standing(&t, at(14)), Standing::Open("usr_a".into()));
        // Used at 14: idle counts from there.
        assert_eq!(s.standing(&t, at(28)), Standing::Open("usr_a".into()));
        assert_eq!(s.standing(&t, at(43)), Standing::Locked("usr_a".into()));
        assert_eq!(s.standing(&t, at(44)), Standing::Locked("usr_a".into()));
        s.unlock(&t, at(45));
        assert_eq!(s.standing(&t, at(46)), Standing::Open("usr_a".into()));
        s.lock(&t);
        assert_eq!(s.standing(&t, at(46)), Standing::Locked("usr_a".into()));
        s.end(&t);
        assert_eq!(s.standing(&t, at(47)), Standing::Unknown);
        assert_eq!(s.standing("not-a-token", at(0)), Standing::Unknown);
    }

    #[test]
    fn ending_a_persons_sessions_leaves_the_others() {
        let s = Sessions::default();
        let a = s.start("usr_a", at(0));
        let b = s.start("usr_b", at(0));
        s.end_person("usr_a");
        assert_eq!(s.standing(&a, at(1)), Standing::Unknown);
        assert_eq!(s.standing(&b, at(1)), Standing::Open("usr_b".into()));
        assert_eq!(s.standing(&b, at(60 * 13)), Standing::Unknown, "forgotten");
    }
}
