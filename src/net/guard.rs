//! Where FlexDesk may connect for an address an administrator typed (a webhook endpoint, a sync
//! remote). Without the administrator's confirmation of the address:
//! - this computer (loopback) and link-local addresses, the cloud metadata service among them,
//!   are never reached: a typed URL must not turn the desk into a way into its own machine;
//! - plain `http://` reaches only private networks (a hub on the LAN); public hosts need https.
//!
//! The check runs when the address is saved (with a clear reason) and again when connecting: a
//! name is resolved by FlexDesk and the addresses it may not reach are dropped, so a name that
//! later points at 127.0.0.1 (DNS rebinding) reaches nothing.

use crate::error::{Error, FieldError};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// How far an address is from the public internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Public,
    /// RFC 1918, carrier-grade NAT, unique-local IPv6.
    Private,
    /// This computer: loopback or unspecified.
    Local,
    /// Link-local (169.254/16, fe80::/10): where cloud servers answer with their secrets.
    LinkLocal,
}

pub fn reach(ip: IpAddr) -> Reach {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() || v4.is_unspecified() || v4.is_broadcast() {
                Reach::Local
            } else if v4.is_link_local() {
                Reach::LinkLocal
            } else if v4.is_private() || (a == 100 && (64..128).contains(&b)) {
                Reach::Private
            } else {
                Reach::Public
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return reach(v4.into());
            }
            let first = v6.segments()[0];
            if v6.is_loopback() || v6.is_unspecified() {
                Reach::Local
            } else if (first & 0xffc0) == 0xfe80 {
                Reach::LinkLocal
            } else if (first & 0xfe00) == 0xfc00 {
                Reach::Private
            } else {
                Reach::Public
            }
        }
    }
}

/// What an address may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Guard {
    /// Confirmed by an administrator: anywhere.
    Any,
    /// https: anywhere but this computer and link-local.
    NotLocal,
    /// Plain http: private networks only.
    PrivateOnly,
}

impl Guard {
    pub fn for_url(url: &reqwest::Url, confirmed: bool) -> Guard {
        match (confirmed, url.scheme()) {
            (true, _) => Guard::Any,
            (false, "https") => Guard::NotLocal,
            _ => Guard::PrivateOnly,
        }
    }

    /// The guard of a stored address, and why it may not be reached at all (an address, not a
    /// name, that the guard refuses; or no valid URL), if so.
    pub fn of_stored(url: &str, confirmed: bool) -> (Guard, Option<String>) {
        match reqwest::Url::parse(url) {
            Ok(u) => {
                let g = Guard::for_url(&u, confirmed);
                (g, g.refuses_literal(&u))
            }
            Err(_) => (
                Guard::PrivateOnly,
                Some(format!("{url} is not a valid URL.")),
            ),
        }
    }

    /// Why `ip` may not be reached, or None.
    pub fn refusal(self, host: &str, ip: IpAddr) -> Option<String> {
        let confirm = "An administrator can confirm the address to allow it.";
        match (self, reach(ip)) {
            (Guard::Any, _) => None,
            (_, Reach::Local) => Some(format!(
                "{host} is this computer ({ip}); FlexDesk sends there only to an address an administrator confirmed. {confirm}"
            )),
            (_, Reach::LinkLocal) => Some(format!(
                "{host} is a link-local address ({ip}), where a cloud server's metadata and secrets are kept. {confirm}"
            )),
            (Guard::PrivateOnly, Reach::Public) => Some(format!(
                "{host} ({ip}) is on the public internet and http:// would send everything unencrypted: use https://. {confirm}"
            )),
            _ => None,
        }
    }

    /// A client builder that connects only where this guard allows.
    pub fn client(self) -> reqwest::ClientBuilder {
        let b = reqwest::Client::builder();
        match self {
            Guard::Any => b,
            g => b.dns_resolver(Arc::new(Guarded(g))),
        }
    }

    /// The refusal for a URL whose host is an address (no name to resolve), or None.
    pub fn refuses_literal(self, url: &reqwest::Url) -> Option<String> {
        let ip = literal(url)?;
        self.refusal(&ip.to_string(), ip)
    }
}

/// The address a URL names directly (`http://192.168.1.20`, `http://[::1]`), or None for a name.
fn literal(url: &reqwest::Url) -> Option<IpAddr> {
    url.host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// A resolver that drops the addresses its guard refuses (and fails when none is left).
struct Guarded(Guard);

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = self.0;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut why = None;
            let allowed: Vec<SocketAddr> = all
                .into_iter()
                .filter(|a| match guard.refusal(&host, a.ip()) {
                    Some(w) => {
                        why.get_or_insert(w);
                        false
                    }
                    None => true,
                })
                .collect();
            if allowed.is_empty() {
                let why = why.unwrap_or_else(|| format!("{host} has no address."));
                return Err(why.into());
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Check an address being saved: a URL FlexDesk may reach without confirmation, or confirmed.
/// A name that cannot be resolved now (the desk is offline) is taken; connecting checks again.
pub async fn check(field: &str, url: &reqwest::Url, confirmed: bool) -> Result<(), Error> {
    let guard = Guard::for_url(url, confirmed);
    if guard == Guard::Any {
        return Ok(());
    }
    let why = match (literal(url), url.host_str()) {
        (Some(_), _) => guard.refuses_literal(url),
        (None, None) => None,
        (None, Some(name)) => {
            let port = url.port_or_known_default().unwrap_or(443);
            let found = tokio::time::timeout(
                Duration::from_secs(3),
                tokio::net::lookup_host((name, port)),
            )
            .await;
            match found {
                Ok(Ok(addrs)) => addrs.into_iter().find_map(|a| guard.refusal(name, a.ip())),
                _ => None,
            }
        }
    };
    match why {
        None => Ok(()),
        Some(message) => Err(Error::invalid_fields(vec![FieldError {
            path: field.into(),
            message,
            code: CONFIRM.into(),
        }])),
    }
}

/// The field error code of an address that needs an administrator's confirmation: the form
/// offers "Allow this address" and sends again with `allowAddress`.
pub const CONFIRM: &str = "confirm_address";

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> reqwest::Url {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_are_told_apart() {
        for (ip, r) in [
            ("127.0.0.1", Reach::Local),
            ("0.0.0.0", Reach::Local),
            ("::1", Reach::Local),
            ("::ffff:127.0.0.1", Reach::Local),
            ("169.254.169.254", Reach::LinkLocal),
            ("fe80::1", Reach::LinkLocal),
            ("10.1.2.3", Reach::Private),
            ("172.16.0.9", Reach::Private),
            ("192.168.1.20", Reach::Private),
            ("100.64.0.1", Reach::Private),
            ("fd00::1", Reach::Private),
            ("8.8.8.8", Reach::Public),
            ("100.128.0.1", Reach::Public),
            ("2001:4860:4860::8888", Reach::Public),
        ] {
            assert_eq!(reach(ip.parse().unwrap()), r, "{ip}");
        }
    }

    #[test]
    fn without_confirmation_http_reaches_the_lan_https_the_internet_and_neither_this_computer() {
        let cases = [
            ("http://192.168.1.20:8787", true),
            ("http://[fd00::5]:8787", true),
            ("http://8.8.8.8/hook", false),
            ("https://8.8.8.8/hook", true),
            ("https://192.168.1.20/hook", true),
            ("http://127.0.0.1:9/hook", false),
            ("https://127.0.0.1:9/hook", false),
            ("http://169.254.169.254/latest/meta-data", false),
            ("https://[::ffff:169.254.169.254]/", false),
        ];
        for (u, ok) in cases {
            let u = url(u);
            assert_eq!(
                Guard::for_url(&u, false).refuses_literal(&u).is_none(),
                ok,
                "{u}"
            );
            assert!(
                Guard::for_url(&u, true).refuses_literal(&u).is_none(),
                "{u}"
            );
        }
    }

    #[tokio::test]
    async fn a_name_for_this_computer_is_refused_when_saved_and_when_connecting() {
        let u = url("http://localhost:9/hook");
        let e = check("url", &u, false).await.unwrap_err();
        assert_eq!(e.details[0].code, CONFIRM);
        assert!(e.message.contains("this computer"), "{}", e.message);
        assert!(check("url", &u, true).await.is_ok());
        // Connecting: the resolver leaves nothing to connect to.
        let client = Guard::for_url(&u, false).client().build().unwrap();
        let err = client.get(u.clone()).send().await.unwrap_err();
        let mut text = err.to_string();
        let mut src = std::error::Error::source(&err);
        while let Some(s) = src {
            text.push_str(&format!(": {s}"));
            src = s.source();
        }
        assert!(text.contains("this computer"), "{text}");
    }
}
