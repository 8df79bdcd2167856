//! Live updates: named events for one user (or everyone), written to `live_events` on the
//! caller's transaction and announced with `pg_notify`, so every replica hears them at commit.
//! Each replica runs one `LISTEN` connection (started on the first subscriber) and fans events
//! out to its open `/events` streams (server-sent events). A reconnecting page sends
//! `Last-Event-ID` and gets what it missed from the table.

use crate::platform::routes::Routes;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures_util::stream;
use sqlx::postgres::PgListener;
use sqlx::{FromRow, PgConnection, PgPool};
use tokio::sync::{broadcast, OnceCell};
use uuid::Uuid;

use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::platform::auth::Auth;

const CHANNEL: &str = "hearth_events";
/// A stream ends after this long; the browser reconnects (re-checking the session) and resumes.
const STREAM_MAX: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone, FromRow)]
pub struct LiveEvent {
    pub id: i64,
    pub user_id: Option<Uuid>,
    pub name: String,
    pub data: String,
}

/// Raises an event on the caller's transaction; `user_id` None reaches every signed-in user.
/// Names are lower-case words (`unread`, `board.ed`); data is text (often an HTML fragment).
pub async fn raise(conn: &mut PgConnection, user_id: Option<Uuid>, name: &str, data: &str) -> sqlx::Result<i64> {
    // One round trip: the row and its announcement.
    let id: i64 = sqlx::query_scalar(
        "WITH e AS (INSERT INTO live_events (user_id, name, data) VALUES ($1, $2, $3) RETURNING id)
         SELECT e.id FROM e, LATERAL pg_notify($4, e.id::text)",
    )
    .bind(user_id)
    .bind(name)
    .bind(data)
    .bind(CHANNEL)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// This replica's fan-out point.
#[derive(Clone)]
pub struct Hub(Arc<HubInner>);

pub struct HubInner {
    pool: PgPool,
    tx: broadcast::Sender<LiveEvent>,
    started: OnceCell<()>,
}

impl Hub {
    pub fn new(pool: PgPool) -> Self {
        let (tx, _) = broadcast::channel(1024);
        Hub(Arc::new(HubInner { pool, tx, started: OnceCell::new() }))
    }

    /// Subscribes; the first call starts this replica's LISTEN connection and returns once it
    /// is listening, so no event committed after this returns is missed.
    pub async fn subscribe(&self) -> sqlx::Result<broadcast::Receiver<LiveEvent>> {
        let rx = self.0.tx.subscribe();
        self.0
            .started
            .get_or_try_init(|| async {
                let mut listener = PgListener::connect_with(&self.0.pool).await?;
                listener.listen(CHANNEL).await?;
                let last: i64 =
                    sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM live_events").fetch_one(&self.0.pool).await?;
                tokio::spawn(listen(listener, Arc::downgrade(&self.0), last));
                Ok::<_, sqlx::Error>(())
            })
            .await?;
        Ok(rx)
    }
}

async fn listen(mut listener: PgListener, hub: Weak<HubInner>, mut last_seen: i64) {
    loop {
        // Not raced against a timer: recv is not documented as cancel-safe. When the app state
        // is gone the next notification or connection error ends the task.
        let next = listener.try_recv().await;
        let Some(inner) = hub.upgrade() else { return };
        match next {
            Ok(Some(n)) => {
                let Ok(id) = n.payload().parse::<i64>() else { continue };
                let ev: sqlx::Result<Option<LiveEvent>> =
                    sqlx::query_as("SELECT id, user_id, name, data FROM live_events WHERE id = $1")
                        .bind(id)
                        .fetch_optional(&inner.pool)
                        .await;
                if let Ok(Some(ev)) = ev {
                    last_seen = last_seen.max(ev.id);
                    let _ = inner.tx.send(ev);
                }
            }
            // The connection dropped and PgListener reconnected: notifications sent meanwhile
            // are lost, so replay what was written since.
            Ok(None) | Err(_) => {
                if next.is_err() {
                    drop(inner);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
                let missed: Vec<LiveEvent> = sqlx::query_as(
                    "SELECT id, user_id, name, data FROM live_events WHERE id > $1 ORDER BY id LIMIT 1000",
                )
                .bind(last_seen)
                .fetch_all(&inner.pool)
                .await
                .unwrap_or_default();
                for ev in missed {
                    last_seen = last_seen.max(ev.id);
                    let _ = inner.tx.send(ev);
                }
            }
        }
    }
}

pub fn router() -> Routes {
    Routes::new().route("/events", get(stream_events))
}

/// Remembers recently sent ids: ids come from a sequence, and transactions may commit out of
/// id order, so "greater than the last id" would drop a late commit.
struct Seen(VecDeque<i64>);

impl Seen {
    fn insert(&mut self, id: i64) -> bool {
        if self.0.contains(&id) {
            return false;
        }
        if self.0.len() >= 256 {
            self.0.pop_front();
        }
        self.0.push_back(id);
        true
    }
}

fn sse(ev: &LiveEvent) -> SseEvent {
    SseEvent::default().id(ev.id.to_string()).event(ev.name.as_str()).data(ev.data.as_str())
}

/// `GET /events`: this user's events as server-sent events. First the unread notification
/// count, then (with `Last-Event-ID`) what was missed, then live events.
async fn stream_events(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> AppResult<Response> {
    let last_id: Option<i64> = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().parse::<i64>().map_err(|_| AppError::BadRequest("Last-Event-ID must be a number".into())))
        .transpose()?;
    let mut rx = state.hub.subscribe().await?;
    let me = auth.id;
    let unread = crate::platform::notify::unread_count(&state.pool, me).await?;
    let backlog: Vec<LiveEvent> =
        match last_id {
            Some(last) => sqlx::query_as(
                "SELECT id, user_id, name, data FROM live_events WHERE id > $1 AND (user_id = $2 OR user_id IS NULL)
                 ORDER BY id LIMIT 500",
            )
            .bind(last)
            .bind(me)
            .fetch_all(&state.pool)
            .await?,
            None => Vec::new(),
        };
    let (tx, out) = tokio::sync::mpsc::channel::<SseEvent>(64);
    let shutdown = state.shutdown_signal();
    tokio::spawn(async move {
        let mut seen = Seen(VecDeque::new());
        if tx.send(SseEvent::default().event("unread").data(badge(unread))).await.is_err() {
            return;
        }
        for ev in &backlog {
            seen.insert(ev.id);
            if tx.send(sse(ev)).await.is_err() {
                return;
            }
        }
        let deadline = tokio::time::sleep(STREAM_MAX);
        tokio::pin!(deadline, shutdown);
        loop {
            tokio::select! {
                r = rx.recv() => match r {
                    Ok(ev) => {
                        if ev.user_id.is_none_or(|u| u == me) && seen.insert(ev.id) && tx.send(sse(&ev)).await.is_err() {
                            return;
                        }
                    }
                    // Too slow to keep up: end the stream; the browser resumes from its last id.
                    Err(_) => return,
                },
                _ = tx.closed() => return,
                _ = &mut deadline => return,
                _ = &mut shutdown => return,
            }
        }
    });
    let body = stream::unfold(out, |mut out| async move { out.recv().await.map(|e| (Ok::<_, Infallible>(e), out)) });
    let mut res = Sse::new(body).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))).into_response();
    // Proxies must not buffer the stream.
    res.headers_mut().insert("x-accel-buffering", axum::http::HeaderValue::from_static("no"));
    Ok(res)
}

/// The bell's badge: an HTML fragment swapped into the bell. Never empty: browsers drop
/// server-sent events without data, and "nothing unread" must still clear the badge.
pub fn badge(n: i64) -> String {
    match n {
        0 => r#"<span class="bell-count bell-zero">0</span>"#.to_string(),
        1..=99 => format!(r#"<span class="bell-count">{n}</span>"#),
        _ => r#"<span class="bell-count">99+</span>"#.to_string(),
    }
}
