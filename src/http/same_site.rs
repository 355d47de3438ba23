//! The desk UI's routes (`/rpc` and the served UI) answer only requests addressed to this server
//! by a name it knows, from its own pages:
//!
//! - `Host` must be `localhost`, an IP address, or a configured name, with this server's port. A
//!   page of another site that re-points its own name at this computer (DNS rebinding) sends its
//!   own name, and is refused.
//! - `Origin`, when a browser sends it, must be this server itself; `Sec-Fetch-Site: cross-site`
//!   is refused. A cross-site form post or script call never reaches a command.
//!
//! The session cookie is named after the port, so two FlexDesk servers on one computer (a desk
//! and its hub) each keep their own.

use super::{ApiError, AppState};
use crate::error::{Error, ErrorCode};
use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

#[derive(Debug)]
pub(crate) struct Site {
    port: u16,
    names: Vec<String>,
    cookie: String,
    /// Served over TLS: pages come from `https://` and the cookie is `Secure`.
    pub tls: bool,
}

impl Site {
    pub fn new(port: u16, names: &[String], tls: bool) -> Site {
        Site {
            port,
            tls,
            names: names
                .iter()
                .map(|n| n.trim().to_ascii_lowercase())
                .collect(),
            cookie: format!("flexdesk_session_{port}"),
        }
    }

    /// The session cookie's name on this server.
    pub fn cookie(&self) -> &str {
        &self.cookie
    }

    /// Whether `host` (a `Host` header: name or address, and port) names this server.
    pub fn allows_host(&self, host: &str) -> bool {
        let host = host.trim().to_ascii_lowercase();
        let (name, port) = split_host(&host);
        if port.unwrap_or(80) != self.port {
            return false;
        }
        name == "localhost"
            || name
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<std::net::IpAddr>()
                .is_ok()
            || self.names.iter().any(|n| n == name)
    }
}

/// `name:port`, `[v6]:port`, or a bare name.
fn split_host(host: &str) -> (&str, Option<u16>) {
    if let Some(rest) = host.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let port = rest[end + 1..]
                .strip_prefix(':')
                .and_then(|p| p.parse().ok());
            return (&host[..end + 2], port);
        }
    }
    match host.rsplit_once(':') {
        Some((n, p)) if !n.contains(':') => (n, p.parse().ok()),
        _ => (host, None),
    }
}

fn refuse(message: String) -> Response {
    ApiError(Error::new(ErrorCode::InsufficientPermissions, message)).into_response()
}

pub(crate) async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let headers = req.headers();
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !st.site.allows_host(host) {
        return refuse(format!(
            "This desk server answers at its own address only, not at '{host}'."
        ));
    }
    if let Some(origin) = headers.get(ORIGIN) {
        let origin = origin.to_str().unwrap_or("null").to_ascii_lowercase();
        let scheme = if st.site.tls { "https://" } else { "http://" };
        let own = origin
            .strip_prefix(scheme)
            .is_some_and(|o| o == host.to_ascii_lowercase());
        if !own {
            return refuse(format!("Requests from {origin} are not accepted here."));
        }
    }
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
    {
        return refuse("Requests from other sites are not accepted here.".into());
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_names_addresses_and_configured_names_on_this_port() {
        let s = Site::new(8787, &["Hub.Shop.lan".to_string()], false);
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "[::1]:8787",
            "192.168.1.20:8787",
            "hub.shop.lan:8787",
        ] {
            assert!(s.allows_host(ok), "{ok}");
        }
        for bad in [
            "attacker.example:8787",
            "127.0.0.1:8788",
            "localhost",
            "",
            "localhost.attacker.example:8787",
            "[::1]:9999",
        ] {
            assert!(!s.allows_host(bad), "{bad}");
        }
        assert!(Site::new(80, &[], false).allows_host("localhost"));
        assert_eq!(s.cookie(), "flexdesk_session_8787");
    }
}
