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

pub mod cert;
pub mod guard;

/// Whether `ip` is this computer's or a private network's (loopback, RFC 1918, carrier-grade NAT,
/// link-local with the cloud metadata address, unique-local IPv6): what such a host answers is not
/// kept where a caller could read it back (a webhook's delivery log).
pub fn is_private(ip: std::net::IpAddr) -> bool {
    guard::reach(ip) != guard::Reach::Public
}

/// The innermost cause of an error: why a connection failed (refused, no such host, or an
/// address its guard does not reach), without the layers around it.
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
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

    #[test]
    fn private_and_local_addresses_are_told_from_public_ones() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.9",
            "192.168.1.20",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "93.184.216.34",
            "2001:4860:4860::8888",
            "100.128.0.1",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }
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
