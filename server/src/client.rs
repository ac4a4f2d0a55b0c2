//! Who a request comes from, for rate limits: the client address (see
//! `--trust-proxy`) and, on the networks named by `--kiosk-network`, the
//! kiosk itself.
//!
//! Kiosks in one office usually reach the server from one (NAT) address, so
//! a limit per address would let one misbehaving kiosk lock out the others.
//! For an address inside a kiosk network every API response makes sure the
//! browser holds a `kolaborasi_kiosk` cookie (a random device id, nothing
//! personal), and [`RateKey`] counts failures per address *and* device; so
//! that a new cookie does not buy unlimited tries, the address as a whole
//! still has a ceiling of [`KIOSK_ADDRESS_FACTOR`] times the limit.
//! Everywhere else the key is the address alone, as it always was.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, header};

use crate::error::{AppError, AppResult};
use crate::secrets;
use crate::state::AppState;

/// The device cookie of kiosks on a kiosk network.
pub const KIOSK_COOKIE: &str = "kolaborasi_kiosk";
/// Hex digits of a device id (128 random bits).
const KIOSK_ID_LEN: usize = 32;
/// 400 days, the longest lifetime browsers keep a cookie for.
const KIOSK_COOKIE_MAX_AGE: i64 = 400 * 86_400;
/// How many times one client's limit the whole address of a kiosk network
/// may spend, whatever cookies its kiosks send.
pub const KIOSK_ADDRESS_FACTOR: i64 = 10;

/// An IPv4 or IPv6 network (`192.168.1.0/24`, `fd00::/8`) or a single
/// address (`10.0.0.7`, a /32 or /128). Host bits after the prefix are
/// ignored: `192.168.1.10/24` is `192.168.1.0/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNetwork {
    addr: IpAddr,
    prefix: u8,
}

impl IpNetwork {
    /// Whether `ip` is inside (an IPv4-mapped IPv6 address counts as IPv4).
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

impl FromStr for IpNetwork {
    type Err = String;

    fn from_str(raw: &str) -> Result<Self, String> {
        let text = raw.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| {
            format!(
                "{text:?} is not an IP address or network; \
                 expected e.g. 192.168.1.0/24, 10.0.0.7 or fd00::/8"
            )
        })?;
        let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| {
                    format!(
                        "{text:?}: the prefix length must be a number from 0 to {max} for an {} network",
                        if addr.is_ipv4() { "IPv4" } else { "IPv6" }
                    )
                })?,
        };
        if let IpAddr::V6(v6) = addr
            && v6.to_ipv4_mapped().is_some()
        {
            return Err(format!(
                "{text:?}: write an IPv4 network in IPv4 notation (e.g. 10.0.0.0/8)"
            ));
        }
        Ok(Self { addr, prefix })
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// The client's address as text: the last `X-Forwarded-For` entry with
/// `--trust-proxy`, else the peer's address.
fn address_of(parts: &Parts, trust_proxy: bool) -> String {
    address_in(&parts.headers, &parts.extensions, trust_proxy)
}

/// [`address_of`] from a request's headers and extensions.
fn address_in(headers: &HeaderMap, extensions: &http::Extensions, trust_proxy: bool) -> String {
    if trust_proxy
        && let Some(last) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    {
        return last.to_owned();
    }
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// The network limits count a client under: an IPv4 address as it is, an
/// IPv6 address by its /64 (one subscriber's prefix, through which it can
/// rotate addresses at will; finding 11).
fn network_key(address: &str) -> String {
    address
        .parse::<IpAddr>()
        .map_or_else(|_| address.to_owned(), network_of)
}

/// The client network of an address: IPv4 as it is, IPv6 as its /64. The
/// one place that decides it (rate limits and the connection cap).
#[must_use]
pub fn network_of(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & (u128::MAX << 64);
            format!("{}/64", std::net::Ipv6Addr::from(prefix))
        }
        IpAddr::V4(v4) => v4.to_string(),
    }
}

/// The device id of a kiosk on a kiosk network, put in the request's
/// extensions by [`KioskCookie`] (the one the browser sent, or a new one).
#[derive(Debug, Clone)]
struct KioskId(String);

/// The key failures are counted under: the client address, and on a kiosk
/// network also the kiosk's device id. The only place that decides it.
#[derive(Debug, Clone)]
pub struct RateKey {
    address: String,
    kiosk: Option<String>,
}

impl RateKey {
    /// Counters shared by everyone about one subject (a place's reports):
    /// not a client, so no kiosk buckets.
    #[must_use]
    pub fn shared(subject: &str) -> Self {
        Self {
            address: subject.to_owned(),
            kiosk: None,
        }
    }

    /// This client's counters about one subject (an address it signs in
    /// as): the same buckets, each keyed by the subject too.
    #[must_use]
    pub fn about(&self, subject: &str) -> Self {
        Self {
            address: format!("{subject}\n{}", self.address),
            kiosk: self.kiosk.clone(),
        }
    }

    /// The counters one failure is recorded in, each with its limit, given
    /// the limit for one client: the address alone, or the address and
    /// device with the address's ceiling beside it.
    #[must_use]
    pub fn buckets(&self, limit: i64) -> Vec<(String, i64)> {
        match &self.kiosk {
            None => vec![(self.address.clone(), limit)],
            Some(id) => vec![
                (format!("{} kiosk:{id}", self.address), limit),
                (self.address.clone(), limit * KIOSK_ADDRESS_FACTOR),
            ],
        }
    }
}

impl FromRequestParts<AppState> for RateKey {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        Ok(Self {
            address: network_key(&address_of(parts, state.trust_proxy)),
            kiosk: parts.extensions.get::<KioskId>().map(|k| k.0.clone()),
        })
    }
}

/// Whether the request comes from a kiosk network.
fn on_kiosk_network(parts: &Parts, state: &AppState) -> bool {
    from_kiosk_network(&parts.headers, &parts.extensions, state)
}

/// [`on_kiosk_network`] from a request's headers and extensions.
#[must_use]
pub fn from_kiosk_network(
    headers: &HeaderMap,
    extensions: &http::Extensions,
    state: &AppState,
) -> bool {
    !state.kiosk_networks.is_empty()
        && address_in(headers, extensions, state.trust_proxy)
            .parse::<IpAddr>()
            .is_ok_and(|ip| state.kiosk_networks.iter().any(|n| n.contains(ip)))
}

/// The device id the browser sent, if well-formed (32 lowercase hex digits).
fn sent_kiosk_id(headers: &HeaderMap) -> Option<String> {
    crate::accounts::cookie_value(headers, KIOSK_COOKIE).filter(|v| {
        v.len() == KIOSK_ID_LEN && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// A new device id and the `Set-Cookie` that hands it out.
fn new_kiosk_id(state: &AppState) -> AppResult<(String, HeaderValue)> {
    let id = secrets::hex(&secrets::random_bytes::<16>()?);
    let secure = if state.cookie_secure { "; Secure" } else { "" };
    let cookie = HeaderValue::from_str(&format!(
        "{KIOSK_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={KIOSK_COOKIE_MAX_AGE}{secure}"
    ))
    .map_err(AppError::internal)?;
    Ok((id, cookie))
}

/// Layer of the API: on a kiosk network, makes sure the kiosk has a device
/// cookie (issuing one when it is missing or malformed) and tells
/// [`RateKey`] which kiosk asks. Elsewhere it does nothing, and costs
/// nothing: the request goes straight to the service below (no boxed
/// future, unlike `middleware::from_fn`).
#[derive(Clone)]
pub struct KioskCookie<S> {
    inner: S,
    state: AppState,
}

impl<S> KioskCookie<S> {
    #[must_use]
    pub fn layer(state: AppState) -> impl tower::Layer<S, Service = Self> + Clone {
        tower::layer::layer_fn(move |inner| Self {
            inner,
            state: state.clone(),
        })
    }
}

impl<S> tower::Service<Request> for KioskCookie<S>
where
    S: tower::Service<Request, Response = Response, Error = std::convert::Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::Either<
        S::Future,
        futures_util::future::BoxFuture<'static, Result<Response, std::convert::Infallible>>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        use futures_util::future::Either;
        let (mut parts, body) = request.into_parts();
        if !on_kiosk_network(&parts, &self.state) {
            return Either::Left(self.inner.call(Request::from_parts(parts, body)));
        }
        let (id, issue) = if let Some(id) = sent_kiosk_id(&parts.headers) {
            (id, None)
        } else {
            match new_kiosk_id(&self.state) {
                Ok((id, cookie)) => (id, Some(cookie)),
                Err(e) => return Either::Right(Box::pin(async move { Ok(e.into_response()) })),
            }
        };
        parts.extensions.insert(KioskId(id));
        let answer = self.inner.call(Request::from_parts(parts, body));
        Either::Right(Box::pin(async move {
            let mut response = answer.await?;
            if let Some(cookie) = issue {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
            Ok(response)
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNetwork {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_and_nothing_else() {
        let lan = net("192.168.1.0/24");
        assert!(lan.contains(ip("192.168.1.0")));
        assert!(lan.contains(ip("192.168.1.255")));
        assert!(!lan.contains(ip("192.168.2.1")));
        assert!(!lan.contains(ip("::1")));
        // A dual-stack socket reports IPv4 clients as IPv4-mapped IPv6.
        assert!(lan.contains(ip("::ffff:192.168.1.20")));
        assert!(net("10.0.0.7").contains(ip("10.0.0.7")));
        assert!(!net("10.0.0.7").contains(ip("10.0.0.8")));
        assert!(net("0.0.0.0/0").contains(ip("8.8.8.8")));
        assert!(!net("0.0.0.0/0").contains(ip("2001:db8::1")));
        // Host bits after the prefix are ignored.
        assert!(net("172.16.5.9/12").contains(ip("172.31.0.1")));
        assert!(!net("172.16.5.9/12").contains(ip("172.32.0.1")));
        let v6 = net("fd00:1234::/32");
        assert!(v6.contains(ip("fd00:1234:ffff::1")));
        assert!(!v6.contains(ip("fd00:1235::1")));
        assert!(net("::/0").contains(ip("2001:db8::1")));
        assert!(net("2001:db8::5").contains(ip("2001:db8::5")));
        assert!(!net("2001:db8::5").contains(ip("2001:db8::6")));
        assert_eq!(net(" 192.168.1.10/24 ").to_string(), "192.168.1.10/24");
    }

    #[test]
    fn bad_networks_are_refused_with_the_reason() {
        for (raw, says) in [
            ("", "not an IP address"),
            ("banana", "not an IP address"),
            ("192.168.1/24", "not an IP address"),
            ("192.168.1.0/", "prefix length"),
            ("192.168.1.0/33", "from 0 to 32"),
            ("192.168.1.0/-1", "prefix length"),
            ("fd00::/129", "from 0 to 128"),
            ("/24", "not an IP address"),
            ("10.0.0.0/8/8", "prefix length"),
            ("::ffff:10.0.0.0/104", "IPv4 notation"),
        ] {
            let error = raw.parse::<IpNetwork>().unwrap_err();
            assert!(error.contains(says), "{raw:?}: {error}");
        }
    }

    #[test]
    fn kiosks_count_per_device_under_an_address_ceiling() {
        let plain = RateKey {
            address: "192.0.2.1".into(),
            kiosk: None,
        };
        assert_eq!(plain.buckets(10), [("192.0.2.1".to_owned(), 10)]);
        let kiosk = RateKey {
            address: "192.0.2.1".into(),
            kiosk: Some("ab".repeat(16)),
        };
        assert_eq!(
            kiosk.buckets(10),
            [
                (format!("192.0.2.1 kiosk:{}", "ab".repeat(16)), 10),
                ("192.0.2.1".to_owned(), 100),
            ]
        );
    }

    #[test]
    fn ipv6_clients_count_by_their_64_and_ipv4_by_address() {
        assert_eq!(network_key("192.0.2.7"), "192.0.2.7");
        assert_eq!(network_key("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(network_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(
            network_key("2001:db8:1:2:ffff:ffff:ffff:ffff"),
            "2001:db8:1:2::/64"
        );
        assert_ne!(network_key("2001:db8:1:3::1"), "2001:db8:1:2::/64");
        assert_eq!(network_key("unknown"), "unknown");
    }

    #[test]
    fn only_well_formed_device_ids_are_taken() {
        let with = |cookie: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
            sent_kiosk_id(&h)
        };
        let id = "0123456789abcdef".repeat(2);
        assert_eq!(
            with(&format!("a=b; {KIOSK_COOKIE}={id}")).as_deref(),
            Some(id.as_str())
        );
        assert_eq!(with(&format!("{KIOSK_COOKIE}={}", id.to_uppercase())), None);
        assert_eq!(with(&format!("{KIOSK_COOKIE}={}", &id[1..])), None);
        assert_eq!(with(&format!("{KIOSK_COOKIE}={id}0")), None);
        assert_eq!(with("kolaborasi_session=abc"), None);
    }
}
