//! Stand-ins for the outside world, on 127.0.0.1 port 0: a tiny SMTP server and an HTTP server
//! (SMS gateway, webhook subscriber) that records requests and answers from a script.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::IntoResponse;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Polls `f` until it yields Some, or panics after `secs` seconds.
pub async fn eventually<T, F, Fut>(secs: u64, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[derive(Clone, Default)]
pub struct SmtpServer {
    pub port: u16,
    pub messages: Arc<Mutex<Vec<String>>>,
    /// Answer the next N MAIL FROM commands with a transient 451.
    pub fail_next: Arc<Mutex<u32>>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = SmtpServer { port, ..Default::default() };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(sock).await;
                });
            }
        });
        server
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        self.messages.lock().unwrap().len()
    }

    async fn session(&self, sock: tokio::net::TcpStream) -> std::io::Result<()> {
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 fake-smtp ready\r\n").await?;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                w.write_all(b"250-fake-smtp\r\n250 8BITMIME\r\n").await?;
            } else if cmd.starts_with("MAIL FROM") {
                let fail = {
                    let mut n = self.fail_next.lock().unwrap();
                    let f = *n > 0;
                    if f {
                        *n -= 1;
                    }
                    f
                };
                if fail {
                    w.write_all(b"451 4.3.0 try again later\r\n").await?;
                } else {
                    w.write_all(b"250 OK\r\n").await?;
                }
            } else if cmd.starts_with("RCPT TO") || cmd.starts_with("RSET") || cmd.starts_with("NOOP") {
                w.write_all(b"250 OK\r\n").await?;
            } else if cmd == "DATA" {
                w.write_all(b"354 end with .\r\n").await?;
                let mut data = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" || line == ".\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                self.messages.lock().unwrap().push(data);
                w.write_all(b"250 2.0.0 OK queued\r\n").await?;
            } else if cmd == "QUIT" {
                w.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                w.write_all(b"502 not implemented\r\n").await?;
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub headers: HeaderMap,
    pub body: String,
}

#[derive(Clone, Default)]
pub struct HttpServer {
    pub port: u16,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    /// Scripted answers (status, body), used in order; when empty: `default`.
    pub script: Arc<Mutex<VecDeque<(u16, String)>>>,
    pub default: Arc<Mutex<(u16, String)>>,
}

async fn record(State(s): State<HttpServer>, uri: Uri, headers: HeaderMap, body: Bytes) -> impl IntoResponse {
    s.requests.lock().unwrap().push(Recorded {
        path: uri.path().to_string(),
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    });
    let (status, body) = s.script.lock().unwrap().pop_front().unwrap_or_else(|| s.default.lock().unwrap().clone());
    (StatusCode::from_u16(status).unwrap(), [("content-type", "application/json")], body)
}

impl HttpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer {
            port,
            default: Arc::new(Mutex::new((201, r#"{"sid":"SM0001","status":"queued"}"#.to_string()))),
            ..Default::default()
        };
        let app = axum::Router::new().fallback(record).with_state(server.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn answer(&self, status: u16, body: &str) {
        *self.default.lock().unwrap() = (status, body.to_string());
    }

    pub fn then(&self, status: u16, body: &str) {
        self.script.lock().unwrap().push_back((status, body.to_string()));
    }

    pub fn last(&self) -> Recorded {
        self.requests.lock().unwrap().last().cloned().expect("a request")
    }
}
