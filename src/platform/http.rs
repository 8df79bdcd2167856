//! A small outbound HTTP client (hyper-util's pooled client over rustls) for SMS gateways and
//! webhooks: one POST helper with a hard timeout and a bounded response body.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

const MAX_RESPONSE: usize = 64 * 1024;

#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Bytes,
}

/// Why a request produced no response: unreachable, timed out, or an unreadable body.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpError(pub String);

impl HttpClient {
    pub fn new(timeout: Duration) -> Result<Self, HttpError> {
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_webpki_roots(provider)
            .map_err(|e| HttpError(format!("TLS set-up failed: {e}")))?
            .https_or_http()
            .enable_http1()
            .build();
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
        let req = req.body(Full::new(Bytes::from(body))).map_err(|e| HttpError(format!("bad request: {e}")))?;
        let exchange = async {
            let res = self.client.request(req).await.map_err(|e| HttpError(format!("request failed: {e}")))?;
            let status = res.status().as_u16();
            let body = Limited::new(res.into_body(), MAX_RESPONSE)
                .collect()
                .await
                .map_err(|e| HttpError(format!("reading the response failed: {e}")))?
                .to_bytes();
            Ok(HttpResponse { status, body })
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(r) => r,
            Err(_) => Err(HttpError(format!("no response within {:?}", self.timeout))),
        }
    }
}
