//! What FlexDesk reads from the answers of the servers it calls (a sync remote, a webhook
//! receiver), in one place.

use std::time::Duration;

/// The longest wait a server's `Retry-After` can ask for: an hour. A larger value (or a
/// nonsensical one) is read as this, so no answer can stop a loop for longer.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// The wait an answer's `Retry-After` asks for (in seconds), at most `MAX_RETRY_AFTER`.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};

    #[test]
    fn a_huge_retry_after_is_read_as_an_hour() {
        let mut h = HeaderMap::new();
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("18446744073709551615"),
        );
        assert_eq!(retry_after(&h), Some(MAX_RETRY_AFTER));
        h.insert(RETRY_AFTER, HeaderValue::from_static("30"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }
}
