//! The webhook sender: takes due deliveries from the queue (`services::webhooks`), POSTs each
//! signed payload to its endpoint, and records the attempt; failures are retried with growing
//! pauses, and the queue lives in the database, so nothing is lost when the desk or server stops.
//!
//! Signature: `FlexDesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` with
//! the endpoint's secret (see docs/webhooks.md; `verify` is the receiver's side).

use crate::clock::stamp;
use crate::error::Result;
use crate::net::guard::Guard;
use crate::services::webhooks::{self as queue, Due, Outcome};
use crate::Core;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{Duration, Instant};

/// How the sender retries and waits.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Pause after the first failed attempt; each later pause is `factor` times longer.
    pub retry_base: Duration,
    pub factor: u32,
    /// Longest pause between two attempts.
    pub retry_max: Duration,
    /// How long one request may take.
    pub timeout: Duration,
    /// How often the queue is looked at when nothing is due.
    pub poll: Duration,
}

impl Default for Policy {
    /// 30 s, 1.5 min, 4.5 min, 13.5 min, 40 min, 2 h, 6 h: eight attempts over about nine hours.
    fn default() -> Policy {
        Policy {
            retry_base: Duration::from_secs(30),
            factor: 3,
            retry_max: Duration::from_secs(6 * 3600),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
        }
    }
}

impl Policy {
    /// The pause after `attempt` failed attempts (1 = the first).
    pub fn pause(&self, attempt: i64) -> Duration {
        let mut d = self.retry_base;
        for _ in 1..attempt.max(1) {
            d = d.saturating_mul(self.factor);
            if d >= self.retry_max {
                return self.retry_max;
            }
        }
        d.min(self.retry_max)
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, t: i64, body: &[u8]) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The `FlexDesk-Signature` header value for `body` sent at unix time `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    format!(
        "t={t},v1={}",
        hex::encode(mac(secret, t, body).finalize().into_bytes())
    )
}

/// Check a `FlexDesk-Signature` header as a receiver would: the HMAC matches (compared in
/// constant time) and the timestamp is within `tolerance_secs` of `now` (against replays).
pub fn verify(secret: &str, header: &str, body: &[u8], now: i64, tolerance_secs: i64) -> bool {
    let mut t: Option<i64> = None;
    let mut sigs: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse().ok(),
            Some(("v1", v)) => {
                if let Ok(b) = hex::decode(v) {
                    sigs.push(b)
                }
            }
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (now - t).abs() > tolerance_secs {
        return false;
    }
    sigs.iter()
        .any(|s| mac(secret, t, body).verify_slice(s).is_ok())
}

/// The HTTP clients the sender uses, one per `net::guard::Guard` (each connects only where its
/// guard allows): no redirects (a moved endpoint is a failed delivery to fix in the settings), a
/// timeout per request.
pub struct Clients {
    any: reqwest::Client,
    not_local: reqwest::Client,
    private_only: reqwest::Client,
}

impl Clients {
    fn get(&self, guard: Guard) -> &reqwest::Client {
        match guard {
            Guard::Any => &self.any,
            Guard::NotLocal => &self.not_local,
            Guard::PrivateOnly => &self.private_only,
        }
    }
}

pub fn client(policy: &Policy) -> Clients {
    let build = |g: Guard| {
        g.client()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(policy.timeout)
            .user_agent(concat!("FlexDesk-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds")
    };
    Clients {
        any: build(Guard::Any),
        not_local: build(Guard::NotLocal),
        private_only: build(Guard::PrivateOnly),
    }
}

/// What the delivery log says instead of the answer of a private or local address.
pub const PRIVATE_ANSWER: &str = "(the answer of a private or local address is not kept)";

/// One attempt of one delivery.
async fn attempt(core: &Core, clients: &Clients, policy: &Policy, d: &Due) -> Outcome {
    let now = core.now();
    let started = Instant::now();
    let (guard, refused) = Guard::of_stored(&d.url, d.address_confirmed);
    if let Some(why) = refused {
        return Outcome {
            at: stamp(now),
            status_code: None,
            error: Some(why),
            duration_ms: 0,
            response: None,
            retry_at: None,
        };
    }
    let sent = clients
        .get(guard)
        .post(&d.url)
        .header("Content-Type", "application/json")
        .header("FlexDesk-Event", &d.event)
        .header("FlexDesk-Event-Id", &d.event_id)
        .header("FlexDesk-Delivery", &d.id)
        .header(
            "FlexDesk-Signature",
            sign(&d.secret, now.timestamp(), d.payload.as_bytes()),
        )
        .body(d.payload.clone())
        .send()
        .await;
    let (status_code, error, response, retry_after) = match sent {
        Ok(r) => {
            let code = r.status().as_u16() as i64;
            let retry_after = crate::net::retry_after(r.headers());
            // Only the start of the receiver's answer is kept, and nothing of a private or local
            // host's: the log must not become a way to read the inside of the network.
            let private = r
                .remote_addr()
                .is_some_and(|a| crate::net::is_private(a.ip()));
            let text = if private {
                PRIVATE_ANSWER.to_string()
            } else {
                let text = crate::net::text_at_most(r, 64 * 1024)
                    .await
                    .unwrap_or_default();
                text.chars().take(500).collect()
            };
            let error = (!(200..300).contains(&code)).then(|| format!("HTTP {code}"));
            (
                Some(code),
                error,
                Some(text).filter(|t| !t.is_empty()),
                retry_after,
            )
        }
        Err(e) => {
            let what = if e.is_timeout() {
                format!("No answer within {} s", policy.timeout.as_secs_f32())
            } else if e.is_connect() {
                // The innermost cause says why: refused, no such host, or an address this
                // endpoint may not reach.
                format!("Could not connect: {}", crate::net::root_cause(&e))
            } else {
                "The request failed".to_string()
            };
            (None, Some(what), None, None)
        }
    };
    let duration_ms = started.elapsed().as_millis() as i64;
    let attempt_no = d.attempts + 1;
    // 410 Gone: the receiver says the hook is gone for good; no point in retrying.
    let retry_at = (status_code != Some(410)).then(|| {
        let pause = policy
            .pause(attempt_no)
            .max(retry_after.unwrap_or_default());
        stamp(now + chrono::Duration::from_std(pause).unwrap_or_default())
    });
    Outcome {
        at: stamp(now),
        status_code,
        error,
        duration_ms,
        response,
        retry_at,
    }
}

/// One pass over the queue: claim what is due, send it, record each attempt. Returns how many
/// attempts were made.
pub async fn deliver_due(core: &Core, client: &Clients, policy: &Policy) -> Result<usize> {
    let now = core.now();
    // The lease outlasts the request's timeout, so nobody else picks it up meanwhile.
    let lease = now + chrono::Duration::from_std(policy.timeout * 2).unwrap_or_default();
    let due = queue::claim_due(&core.db, &stamp(now), &stamp(lease), 20).await?;
    let n = due.len();
    for d in &due {
        let o = attempt(core, client, policy, d).await;
        queue::record_attempt(&core.db, d, &o).await?;
    }
    Ok(n)
}

/// Send deliveries as they fall due, until the task is dropped.
pub async fn run(core: Core, policy: Policy) {
    let client = client(&policy);
    loop {
        match deliver_due(&core, &client, &policy).await {
            Ok(n) if n > 0 => continue,
            Ok(_) => {}
            Err(e) => eprintln!("flexdesk: webhook delivery: {}", e.message),
        }
        tokio::time::sleep(policy.poll).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_secret_and_time_only() {
        let body = br#"{"event":"ping"}"#;
        let h = sign("whsec_a", 1_700_000_000, body);
        assert!(verify("whsec_a", &h, body, 1_700_000_100, 300));
        assert!(!verify("whsec_b", &h, body, 1_700_000_100, 300));
        assert!(!verify(
            "whsec_a",
            &h,
            br#"{"event":"pong"}"#,
            1_700_000_100,
            300
        ));
        assert!(!verify("whsec_a", &h, body, 1_700_000_400, 300));
        assert!(!verify("whsec_a", "v1=00", body, 1_700_000_000, 300));
    }

    #[test]
    fn pauses_grow_by_the_factor_up_to_the_longest() {
        let p = Policy::default();
        assert_eq!(p.pause(1), Duration::from_secs(30));
        assert_eq!(p.pause(2), Duration::from_secs(90));
        assert_eq!(p.pause(3), Duration::from_secs(270));
        assert_eq!(p.pause(20), Duration::from_secs(6 * 3600));
    }
}
