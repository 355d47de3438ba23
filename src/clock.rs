//! Injected time. Business rules take dates from a `Clock`, never from the system directly, so
//! tests run on a fixed date and the demo data can be generated "as of" any day.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to (tests, demo generation, benchmarks).
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    pub fn new(at: DateTime<Utc>) -> Arc<Self> {
        Arc::new(FixedClock(Mutex::new(at)))
    }
    /// A fixed clock at noon UTC of the given day.
    pub fn at_date(y: i32, m: u32, d: u32) -> Arc<Self> {
        let date = NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        Self::new(date.and_hms_opt(12, 0, 0).expect("valid time").and_utc())
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = at;
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().expect("clock lock");
        *t += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

/// The one text form of instants in the store and on the wire: RFC 3339, UTC, milliseconds.
/// It sorts lexicographically in time order, which the list indexes rely on.
pub fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}
