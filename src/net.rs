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

/// The largest answer read from a remote: a page of 100 objects is some 100 KiB.
pub const MAX_ANSWER_BYTES: usize = 32 * 1024 * 1024;

/// An answer's body as text, read as it arrives and refused once past `limit` bytes (so a
/// remote cannot fill the desk's memory), with invalid UTF-8 replaced.
pub async fn text_at_most(mut resp: reqwest::Response, limit: usize) -> Result<String, String> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(format!(
            "The answer is larger than {} MiB.",
            limit / (1024 * 1024)
        ));
    }
    let mut body = Vec::new();
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            "The remote did not answer in time".to_string()
        } else {
            format!("The connection failed: {e}")
        }
    };
    while let Some(chunk) = resp.chunk().await.map_err(failed)? {
        if body.len() + chunk.len() > limit {
            return Err(format!(
                "The answer is larger than {} MiB.",
                limit / (1024 * 1024)
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
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
