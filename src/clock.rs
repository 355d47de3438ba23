//! Injected time. Business rules take dates from a `Clock`, never from the system directly, so
//! tests run on a fixed date and the demo data can be generated "as of" any day.

use crate::error::{Error, Result};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
    fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
    /// The day this clock was pinned to (`FLEXDESK_TODAY`), for the desk to show; `None` for the
    /// wall clock and for the fixed clocks of tests.
    fn pinned_to(&self) -> Option<NaiveDate> {
        None
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

/// The environment variable that pins the desk's calendar: `FLEXDESK_TODAY=YYYY-MM-DD`.
pub const TODAY_ENV: &str = "FLEXDESK_TODAY";

/// A clock pinned to a day, for demos and test runs that must see the same calendar on any day of
/// the year: it starts at noon UTC of that day when the process starts and runs on in real time.
/// Noon UTC is the same date from UTC−11 to UTC+11, so every business unit's local day is the
/// pinned one, and a run has twelve hours before the pinned day turns.
pub struct PinnedClock {
    day: NaiveDate,
    start: DateTime<Utc>,
    began: std::time::Instant,
}

impl PinnedClock {
    pub fn new(day: NaiveDate) -> Arc<Self> {
        Arc::new(PinnedClock {
            day,
            start: day.and_hms_opt(12, 0, 0).expect("noon exists").and_utc(),
            began: std::time::Instant::now(),
        })
    }
}

impl Clock for PinnedClock {
    fn now(&self) -> DateTime<Utc> {
        let run = chrono::Duration::from_std(self.began.elapsed()).unwrap_or_default();
        self.start + run
    }
    fn pinned_to(&self) -> Option<NaiveDate> {
        Some(self.day)
    }
}

/// A value of `FLEXDESK_TODAY`: a calendar day written `YYYY-MM-DD`.
pub fn parse_today(value: &str) -> Result<NaiveDate> {
    let v = value.trim();
    let well_formed = v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        Ok(day) if well_formed && (1970..=9998).contains(&chrono::Datelike::year(&day)) => Ok(day),
        _ => Err(Error::invalid(
            TODAY_ENV,
            format!(
                "{TODAY_ENV} is '{value}', which is not a day written YYYY-MM-DD (for example \
                 2027-01-31). Unset it to run on today's date."
            ),
        )),
    }
}

/// The desk's clock: pinned to `FLEXDESK_TODAY` when that is set (and not empty), else the wall
/// clock. A value that is not a day is an error, never a silent fallback to today.
pub fn from_env() -> Result<SharedClock> {
    match std::env::var(TODAY_ENV) {
        Ok(v) if !v.trim().is_empty() => Ok(PinnedClock::new(parse_today(&v)?)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(Arc::new(SystemClock)),
        Err(std::env::VarError::NotUnicode(v)) => Err(Error::invalid(
            TODAY_ENV,
            format!("{TODAY_ENV} is {v:?}, which is not a day written YYYY-MM-DD."),
        )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pinned_clock_starts_at_noon_of_its_day_and_runs_on() {
        let day = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        let c = PinnedClock::new(day);
        let first = c.now();
        assert_eq!(first.date_naive(), day);
        assert!(first >= day.and_hms_opt(12, 0, 0).unwrap().and_utc());
        assert!(first < day.and_hms_opt(12, 0, 5).unwrap().and_utc());
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(c.now() > first, "the time of day moves");
        assert_eq!(c.today(), day);
        assert_eq!(c.pinned_to(), Some(day));
        assert_eq!(SystemClock.pinned_to(), None);
    }

    #[test]
    fn today_values_are_days_written_in_full() {
        assert_eq!(
            parse_today("2026-12-31").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert_eq!(
            parse_today(" 2028-02-29 ").unwrap(),
            NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()
        );
        for bad in [
            "2027-02-29",
            "2027-1-31",
            "31-01-2027",
            "2027-01-31T10:00",
            "tomorrow",
            "20270131",
            "",
            "0001-01-01",
        ] {
            let e = parse_today(bad).unwrap_err();
            assert_eq!(e.code, crate::ErrorCode::ValidationError, "{bad}");
            assert!(e.message.contains("YYYY-MM-DD"), "{bad}: {}", e.message);
            assert_eq!(e.details[0].path, TODAY_ENV);
        }
    }
}
