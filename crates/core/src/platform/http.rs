//! A small outbound HTTP client (hyper-util's pooled client over rustls) for SMS gateways and
//! webhooks: one POST helper with a hard timeout and a bounded response body.
//!
//! **Address guard (SSRF).** Unless built with `allow_private` (`HEARTH_ALLOW_PRIVATE_WEBHOOKS`,
//! local testing only, refused in production), the client never connects to an internal
//! address ([`is_internal`]): a host name's addresses are filtered by the resolver the connector
//! uses (so a name that re-resolves to 127.0.0.1 after it was checked, DNS rebinding, connects
//! nowhere), an address literal is checked before connecting, and the peer address of every new
//! connection is checked again before a byte is sent. The check is on the address the client
//! actually connects to, in every environment.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Uri;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;

const MAX_RESPONSE: usize = 64 * 1024;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<GuardedConnector>, Full<Bytes>>,
    timeout: Duration,
}

#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Bytes,
}

/// Why a request produced no response: unreachable, timed out, an unreadable body, or (second
/// field true) a target the address guard refused, which no retry will change.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String, pub bool);

impl HttpError {
    fn other(m: String) -> Self {
        HttpError(m, false)
    }
    /// The address guard refused the target (an internal address).
    pub fn refused_target(&self) -> bool {
        self.1
    }
}

/// Is this an address outbound requests must not reach: loopback, private (RFC 1918),
/// carrier-grade NAT, link-local (including the cloud metadata address 169.254.169.254),
/// unspecified, broadcast, multicast, documentation, benchmarking and reserved ranges; IPv6
/// loopback, unspecified, IPv4-compatible and IPv4-mapped forms of the above, unique-local,
/// link-local, site-local, multicast, documentation, discard-only and NAT64.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
                || (o[0] == 198 && (18..20).contains(&o[1])) // benchmarking
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_internal(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || s[..6].iter().all(|&x| x == 0) // ::/96, IPv4-compatible (deprecated)
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || (s[0] & 0xffc0) == 0xfec0 // site local (deprecated)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x0100 && s[1..4].iter().all(|&x| x == 0)) // discard-only
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 can reach IPv4 internals
        }
    }
}

fn refused(what: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        format!("refused: {what} is a loopback, private, link-local or otherwise internal address"),
    )
}

/// Resolves host names and drops internal addresses (all of them when none is public: the
/// connection then fails before any connect).
#[derive(Clone)]
pub struct PublicResolver {
    allow_private: bool,
}

impl tower::Service<Name> for PublicResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<SocketAddr> = all.iter().copied().filter(|a| allow || !is_internal(a.ip())).collect();
            if public.is_empty() && !all.is_empty() {
                return Err(refused(format!("every address of {host}")));
            }
            Ok(public.into_iter())
        })
    }
}

/// The TCP connector with the address guard (see the module docs).
#[derive(Clone)]
pub struct GuardedConnector {
    inner: HttpConnector<PublicResolver>,
    allow_private: bool,
}

impl GuardedConnector {
    pub fn new(allow_private: bool) -> Self {
        let mut inner = HttpConnector::new_with_resolver(PublicResolver { allow_private });
        // TLS wraps this connector; it must accept https:// URIs too.
        inner.enforce_http(false);
        GuardedConnector { inner, allow_private }
    }
}

impl tower::Service<Uri> for GuardedConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        tower::Service::poll_ready(&mut self.inner, cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let allow = self.allow_private;
        if !allow {
            // Address literals skip the resolver: check them here, before connecting.
            let host = uri.host().unwrap_or("").trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = host.parse::<IpAddr>() {
                if is_internal(ip) {
                    return Box::pin(async move { Err(refused(ip).into()) });
                }
            }
        }
        let connecting = tower::Service::call(&mut self.inner, uri);
        Box::pin(async move {
            let io = connecting.await?;
            if !allow {
                // The address actually connected to, whatever resolved it.
                let peer = io.inner().peer_addr()?;
                if is_internal(peer.ip()) {
                    return Err(refused(peer.ip()).into());
                }
            }
            Ok(io)
        })
    }
}

/// Does an error (or one of its causes) come from the address guard?
fn is_refusal(e: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::PermissionDenied && io.to_string().starts_with("refused: ") {
                return Some(io.to_string());
            }
        }
        cur = err.source();
    }
    None
}

impl HttpClient {
    /// `allow_private`: let requests reach internal addresses (local testing only).
    pub fn new(timeout: Duration, allow_private: bool) -> Result<Self, HttpError> {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| HttpError::other(format!("TLS set-up failed: {e}")))?
            .https_or_http()
            .enable_http1()
            .wrap_connector(GuardedConnector::new(allow_private));
        let client = Client::builder(TokioExecutor::new()).pool_idle_timeout(Duration::from_secs(30)).build(https);
        Ok(HttpClient { client, timeout })
    }

    /// POSTs `body` with `headers`; the whole exchange (connect, send, read) is bounded by the
    /// client's timeout and the response body by 64 KiB.
    pub async fn post(&self, url: &str, headers: &[(&str, String)], body: Vec<u8>) -> Result<HttpResponse, HttpError> {
        let mut req = hyper::Request::builder().method(hyper::Method::POST).uri(url);
        for (k, v) in headers {
            req = req.header(*k, v);
        }
        let req = req.body(Full::new(Bytes::from(body))).map_err(|e| HttpError::other(format!("bad request: {e}")))?;
        let exchange = async {
            let res = self.client.request(req).await.map_err(|e| match is_refusal(&e) {
                Some(m) => HttpError(m, true),
                None => HttpError::other(format!("request failed: {e}")),
            })?;
            let status = res.status().as_u16();
            let body = Limited::new(res.into_body(), MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| HttpError::other(format!("reading the response failed: {e}")))?
                .to_bytes();
            Ok(HttpResponse { status, body })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(HttpError::other(format!("no response within {:?}", self.timeout))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_ranges() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "::",
            "::1",
            "fe80::1",
            "fd00::1",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a00:1",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:93.184.216.34"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn the_guard_refuses_internal_targets_and_the_opt_in_allows_them() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock.write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
            }
        });
        let guarded = HttpClient::new(Duration::from_secs(5), false).unwrap();
        for url in [format!("http://127.0.0.1:{port}/h"), format!("http://localhost:{port}/h")] {
            let e = guarded.post(&url, &[], Vec::new()).await.unwrap_err();
            assert!(e.refused_target(), "{url}: {e}");
        }
        let open = HttpClient::new(Duration::from_secs(5), true).unwrap();
        assert_eq!(open.post(&format!("http://127.0.0.1:{port}/h"), &[], Vec::new()).await.unwrap().status, 204);
    }
}
