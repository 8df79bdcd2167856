//! The HTTP/1.1 listener: hyper's connection builder with a header-read timeout, an idle
//! timeout per connection, and a graceful shutdown with a deadline.
//!
//! `axum::serve` hides hyper's builder (no header-read timeout, no idle timeout) and waits
//! for every connection without limit on shutdown, so Hearth runs a small accept loop of its
//! own:
//!
//! - **Header read**: a client must send a request's complete headers within
//!   `HEARTH_HEADER_READ_TIMEOUT_SECONDS` of the connection opening or of the previous response;
//!   a connection that sends nothing, or dribbles its headers, is closed. The same clock closes
//!   keep-alive connections that stay idle between requests.
//! - **Idle**: a connection where no request is running and no byte has moved in either
//!   direction for `HEARTH_IDLE_TIMEOUT_SECONDS` is closed (a client that stops reading a
//!   response, or dribbles a body its handler does not read). A request that is running is
//!   bounded by the request timeout instead; `/events` streams send a keep-alive every 20 s.
//! - **Shutdown**: when `shutdown` completes the listener closes, idle connections close, and
//!   running requests may finish for `HEARTH_SHUTDOWN_GRACE_SECONDS`; then `serve` returns
//!   anyway and the connections still open are dropped with the process.
//!
//! The peer address reaches handlers as `ConnectInfo<SocketAddr>`, as with
//! `into_make_service_with_connect_info`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::ServiceExt;

use crate::config::Config;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read: Duration,
    pub idle: Duration,
    pub grace: Duration,
}

impl Limits {
    pub fn from_config(c: &Config) -> Self {
        Limits { header_read: c.header_read_timeout, idle: c.idle_timeout, grace: c.shutdown_grace }
    }
}

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drain {
    /// Every connection finished within the grace period.
    Complete,
    /// The grace period ran out with this many connections still open.
    DeadlinePassed { open: usize },
}

/// Serves `app` on `listener` until `shutdown` completes, then drains for at most
/// `limits.grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send,
) -> Drain {
    let (stop_tx, stop_rx) = watch::channel(false);
    // Each connection task holds a receiver; `closed()` completes when the last one ends.
    let (open_tx, open_rx) = watch::channel(());
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            biased;
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    let conn = connection(stream, addr, app.clone(), limits, stop_rx.clone(), open_rx.clone());
                    tokio::spawn(conn);
                }
                Err(e) => accept_error(e).await,
            },
        }
    }
    drop(listener);
    stop_tx.send_replace(true);
    drop(open_rx);
    match tokio::time::timeout(limits.grace, open_tx.closed()).await {
        Ok(()) => Drain::Complete,
        Err(_) => Drain::DeadlinePassed { open: open_tx.receiver_count() },
    }
}

async fn accept_error(e: io::Error) {
    if matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    // Out of file descriptors, typically: wait for some connections to close.
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn connection(
    stream: TcpStream,
    addr: SocketAddr,
    app: Router,
    limits: Limits,
    mut stop: watch::Receiver<bool>,
    _open: watch::Receiver<()>,
) {
    let _ = stream.set_nodelay(true);
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Tracked { inner: stream, activity: activity.clone() });
    let act = activity.clone();
    let service = hyper::service::service_fn(move |mut req: axum::http::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(addr));
        let running = Running::start(&act);
        let app = app.clone();
        async move {
            let res = app.oneshot(req).await;
            drop(running);
            res
        }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(limits.header_read);
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let mut stopping = false;
    loop {
        let deadline = activity.idle_deadline(limits.idle);
        tokio::select! {
            res = conn.as_mut() => {
                if let Err(e) = res {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                return;
            }
            _ = stop.wait_for(|s| *s), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep_until(deadline) => {
                if activity.is_idle(limits.idle) {
                    tracing::debug!("closing an idle connection");
                    return;
                }
            }
        }
    }
}

/// When bytes last moved on a connection, and how many requests are running on it.
struct Activity {
    base: Instant,
    last_ms: AtomicU64,
    running: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Activity { base: Instant::now(), last_ms: AtomicU64::new(0), running: AtomicUsize::new(0) }
    }

    fn touch(&self) {
        self.last_ms.store(self.base.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.base + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }

    fn is_idle(&self, idle: Duration) -> bool {
        self.running.load(Ordering::Relaxed) == 0 && self.last().elapsed() >= idle
    }

    /// When to look again: while a request runs, a full period from now.
    fn idle_deadline(&self, idle: Duration) -> tokio::time::Instant {
        if self.running.load(Ordering::Relaxed) > 0 {
            tokio::time::Instant::now() + idle
        } else {
            tokio::time::Instant::from_std(self.last() + idle)
        }
    }
}

/// Marks a request running on its connection until dropped.
struct Running(Arc<Activity>);

impl Running {
    fn start(a: &Arc<Activity>) -> Self {
        a.running.fetch_add(1, Ordering::Relaxed);
        Running(a.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.touch();
        self.0.running.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The socket, noting every byte read or written.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let res = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(res, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.activity.touch();
        }
        res
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        res
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let res = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(res, Poll::Ready(Ok(n)) if n > 0) {
            this.activity.touch();
        }
        res
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
