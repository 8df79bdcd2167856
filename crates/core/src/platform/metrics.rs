//! Prometheus metrics: request counts and latency histograms by route, plus pool gauges.
//! Kept in process (they describe this replica); Prometheus scrapes each replica.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

/// Statements sent to PostgreSQL, counted from sqlx's `sqlx::query` tracing events when
/// `HEARTH_COUNT_QUERIES=1` (the load benchmark uses it for queries per request).
pub static DB_QUERIES: AtomicU64 = AtomicU64::new(0);

/// A tracing layer that counts sqlx statements (see [`DB_QUERIES`]).
pub struct QueryCounter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for QueryCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            DB_QUERIES.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[derive(Default)]
pub struct Metrics {
    // (method, route, status) -> series
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    // (job kind, outcome) -> run time
    jobs: Mutex<BTreeMap<(String, String), Series>>,
}

impl Series {
    fn add(&mut self, secs: f64) {
        self.count += 1;
        self.sum += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.buckets[i] += 1;
            }
        }
    }
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        map.entry((method.to_string(), route.to_string(), status)).or_default().add(secs);
    }

    /// One job run (`outcome`: done, retry, failed, deferred; `dead` is counted with zero time).
    pub fn observe_job(&self, kind: &str, outcome: &str, elapsed: Duration) {
        let mut map = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        map.entry((kind.to_string(), outcome.to_string())).or_default().add(elapsed.as_secs_f64());
    }

    /// Job counters and run-time histograms, plus the queue depth read from the database
    /// (shared by all replicas, so any replica reports the same depth).
    pub fn render_jobs(&self, depth: &[(String, i64)]) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP hearth_jobs_queue_depth Jobs by state (all replicas).\n# TYPE hearth_jobs_queue_depth gauge\n",
        );
        for (state, n) in depth {
            let _ = writeln!(out, "hearth_jobs_queue_depth{{state=\"{state}\"}} {n}");
        }
        let map = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        out.push_str("# HELP hearth_jobs_total Job runs on this replica by kind and outcome.\n# TYPE hearth_jobs_total counter\n");
        for ((k, o), s) in map.iter() {
            let _ = writeln!(out, "hearth_jobs_total{{kind=\"{k}\",outcome=\"{o}\"}} {}", s.count);
        }
        out.push_str("# HELP hearth_job_failures_total Failed job runs (to be retried, or failed for good) by kind.\n# TYPE hearth_job_failures_total counter\n");
        let mut failures: BTreeMap<&str, u64> = BTreeMap::new();
        for ((k, o), s) in map.iter() {
            if matches!(o.as_str(), "retry" | "failed") {
                *failures.entry(k.as_str()).or_default() += s.count;
            }
        }
        for (k, n) in failures {
            let _ = writeln!(out, "hearth_job_failures_total{{kind=\"{k}\"}} {n}");
        }
        out.push_str(
            "# HELP hearth_job_duration_seconds Job run time by kind.\n# TYPE hearth_job_duration_seconds histogram\n",
        );
        for ((k, o), s) in map.iter().filter(|((_, o), _)| o != "dead") {
            let labels = format!("kind=\"{k}\",outcome=\"{o}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "hearth_job_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}", s.buckets[i]);
            }
            let _ = writeln!(out, "hearth_job_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "hearth_job_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "hearth_job_duration_seconds_count{{{labels}}} {}", s.count);
        }
        out
    }

    pub fn render(&self, pool: &sqlx::PgPool) -> String {
        let mut out = String::new();
        out.push_str("# HELP hearth_http_requests_total HTTP requests by route and status.\n# TYPE hearth_http_requests_total counter\n");
        let map = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        for ((m, r, st), s) in map.iter() {
            let _ =
                writeln!(out, "hearth_http_requests_total{{method=\"{m}\",route=\"{r}\",status=\"{st}\"}} {}", s.count);
        }
        out.push_str("# HELP hearth_http_request_duration_seconds Request latency by route.\n# TYPE hearth_http_request_duration_seconds histogram\n");
        for ((m, r, st), s) in map.iter() {
            let labels = format!("method=\"{m}\",route=\"{r}\",status=\"{st}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "hearth_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(out, "hearth_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "hearth_http_request_duration_seconds_sum{{{labels}}} {}", s.sum);
            let _ = writeln!(out, "hearth_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        drop(map);
        let _ = writeln!(out, "# HELP hearth_db_pool_connections Open database connections.\n# TYPE hearth_db_pool_connections gauge\nhearth_db_pool_connections {}", pool.size());
        let _ = writeln!(out, "# HELP hearth_db_pool_idle Idle database connections.\n# TYPE hearth_db_pool_idle gauge\nhearth_db_pool_idle {}", pool.num_idle());
        let _ = writeln!(
            out,
            "# HELP hearth_db_pool_max Pool size limit.\n# TYPE hearth_db_pool_max gauge\nhearth_db_pool_max {}",
            pool.options().get_max_connections()
        );
        let _ = writeln!(
            out,
            "# HELP hearth_db_queries_total Statements sent (counted only with HEARTH_COUNT_QUERIES=1).\n# TYPE hearth_db_queries_total counter\nhearth_db_queries_total {}",
            DB_QUERIES.load(Ordering::Relaxed)
        );
        out
    }
}

/// Does the request carry `Authorization: Bearer <expected>`? Both sides are hashed before a
/// constant-time comparison, so neither the token's bytes nor its length leak through timing.
pub fn bearer_matches(headers: &axum::http::HeaderMap, expected: &secrecy::SecretString) -> bool {
    use secrecy::ExposeSecret;
    use sha2::{Digest, Sha256};
    use subtle::ConstantTimeEq;
    let Some(given) = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
    else {
        return false;
    };
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.expose_secret().as_bytes());
    bool::from(a.as_slice().ct_eq(b.as_slice()))
}
