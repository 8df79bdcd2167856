//! The in-process worker: claims due jobs, runs their handlers concurrently, renews leases
//! while they run, records outcomes, and on shutdown stops claiming, lets running jobs finish
//! for a grace period and releases the rest.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use futures_util::FutureExt;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::{claim, finish, release, tick_schedules, Job, Outcome};
use crate::app::AppState;

/// A job handler: gets the state and the job, says how it went.
pub type Handler = Arc<dyn Fn(AppState, Job) -> BoxFuture<'static, Outcome> + Send + Sync>;

pub struct Worker {
    state: AppState,
    handlers: HashMap<String, Handler>,
    poll: Duration,
    lease: Duration,
    concurrency: usize,
    backoff_base: Duration,
    grace: Duration,
    job_timeout: Duration,
    token: Uuid,
}

impl Worker {
    /// A worker with the handler of every job kind the registry's modules declare.
    pub fn new(state: AppState) -> Self {
        let mut w = Worker {
            state,
            handlers: HashMap::new(),
            poll: Duration::from_secs(1),
            lease: Duration::from_secs(60),
            concurrency: 4,
            backoff_base: Duration::from_secs(5),
            grace: Duration::from_secs(20),
            job_timeout: Duration::from_secs(120),
            token: Uuid::new_v4(),
        };
        for m in w.state.registry.modules() {
            for j in m.jobs {
                w.handlers.insert(j.kind.to_string(), Arc::new(j.run));
            }
        }
        w
    }

    pub fn handler<F, Fut>(mut self, kind: &str, f: F) -> Self
    where
        F: Fn(AppState, Job) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        self.handlers.insert(kind.to_string(), Arc::new(move |s, j| f(s, j).boxed()));
        self
    }

    pub fn poll(mut self, d: Duration) -> Self {
        self.poll = d;
        self
    }
    pub fn lease(mut self, d: Duration) -> Self {
        self.lease = d.max(Duration::from_millis(100));
        self
    }
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }
    /// First retry delay; doubles per attempt (with jitter), capped at an hour.
    pub fn backoff_base(mut self, d: Duration) -> Self {
        self.backoff_base = d;
        self
    }
    pub fn grace(mut self, d: Duration) -> Self {
        self.grace = d;
        self
    }
    pub fn job_timeout(mut self, d: Duration) -> Self {
        self.job_timeout = d;
        self
    }
    pub fn token(&self) -> Uuid {
        self.token
    }

    fn ctx(&self) -> Ctx {
        Ctx {
            state: self.state.clone(),
            handlers: Arc::new(self.handlers.clone()),
            lease: self.lease,
            backoff_base: self.backoff_base,
            job_timeout: self.job_timeout,
            token: self.token,
        }
    }

    /// Enqueues due schedule occurrences, then claims and runs one batch of due jobs to the end.
    /// Returns how many jobs ran. Deterministic: for tests and one-shot use.
    pub async fn run_once(&self) -> sqlx::Result<usize> {
        tick_schedules(&self.state.pool).await?;
        let jobs = claim(&self.state.pool, self.token, self.lease, self.concurrency as i64).await?;
        let n = jobs.len();
        let ctx = self.ctx();
        let mut set = JoinSet::new();
        for job in jobs {
            set.spawn(execute(ctx.clone(), job));
        }
        while set.join_next().await.is_some() {}
        Ok(n)
    }

    /// Runs until `stop` completes; then stops claiming, gives running jobs the grace period
    /// and releases whatever is still unfinished for another worker.
    pub async fn run_until(self, stop: impl Future<Output = ()>) {
        let ctx = self.ctx();
        let pool = self.state.pool.clone();
        let mut set: JoinSet<()> = JoinSet::new();
        let mut last_tick: Option<Instant> = None;
        tokio::pin!(stop);
        loop {
            if last_tick.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
                last_tick = Some(Instant::now());
                if let Err(e) = tick_schedules(&pool).await {
                    tracing::warn!(error = %e, "could not enqueue scheduled jobs");
                }
            }
            let free = self.concurrency.saturating_sub(set.len());
            if free > 0 {
                match claim(&pool, self.token, self.lease, free as i64).await {
                    Ok(jobs) => {
                        for job in jobs {
                            set.spawn(execute(ctx.clone(), job));
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "could not claim jobs"),
                }
            }
            tokio::select! {
                _ = &mut stop => break,
                _ = tokio::time::sleep(self.poll) => {}
                Some(_) = set.join_next(), if !set.is_empty() => {}
            }
        }
        if !set.is_empty() {
            tracing::info!(running = set.len(), "worker stopping; waiting for running jobs");
        }
        let drained = tokio::time::timeout(self.grace, async { while set.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            set.abort_all();
            while set.join_next().await.is_some() {}
        }
        match release(&pool, self.token).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(released = n, "released unfinished jobs for another worker"),
            Err(e) => tracing::warn!(error = %e, "could not release jobs; their lease will run out"),
        }
    }
}

#[derive(Clone)]
struct Ctx {
    state: AppState,
    handlers: Arc<HashMap<String, Handler>>,
    lease: Duration,
    backoff_base: Duration,
    job_timeout: Duration,
    token: Uuid,
}

async fn execute(ctx: Ctx, job: Job) {
    let start = Instant::now();
    let outcome = match ctx.handlers.get(&job.kind) {
        None => Outcome::Fail(format!("no handler for job kind {:?}", job.kind)),
        Some(h) => {
            let run = AssertUnwindSafe(h(ctx.state.clone(), job.clone())).catch_unwind();
            let run = tokio::time::timeout(ctx.job_timeout, run);
            tokio::pin!(run);
            // Renew the lease while the handler works, so only a dead worker loses its jobs.
            let mut beat = tokio::time::interval(ctx.lease / 3);
            beat.tick().await;
            loop {
                tokio::select! {
                    r = &mut run => break match r {
                        Ok(Ok(o)) => o,
                        Ok(Err(_)) => Outcome::Retry("the handler panicked".into()),
                        Err(_) => Outcome::Retry(format!("timed out after {:?}", ctx.job_timeout)),
                    },
                    _ = beat.tick() => {
                        let _ = sqlx::query("UPDATE jobs SET locked_until = now() + make_interval(secs => $3) WHERE id = $1 AND locked_by = $2 AND state = 'running'")
                            .bind(job.id).bind(ctx.token).bind(ctx.lease.as_secs_f64()).execute(&ctx.state.pool).await;
                    }
                }
            }
        }
    };
    let label = match &outcome {
        Outcome::Done => "done",
        Outcome::Retry(_) => "retry",
        Outcome::Fail(_) => "failed",
        Outcome::Defer(..) => "deferred",
    };
    if let Outcome::Retry(e) | Outcome::Fail(e) = &outcome {
        tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = %e, "job failed");
    }
    ctx.state.metrics.observe_job(&job.kind, label, start.elapsed());
    match finish(&ctx.state.pool, &job, &outcome, ctx.backoff_base).await {
        Ok(Some(state)) if state == "dead" => {
            ctx.state.metrics.observe_job(&job.kind, "dead", Duration::ZERO);
        }
        Ok(Some(_)) => {}
        Ok(None) => tracing::warn!(job = job.id, "job was taken over by another worker; outcome not recorded"),
        Err(e) => tracing::error!(job = job.id, error = %e, "could not record a job outcome; its lease will run out"),
    }
}

/// Daily clean-up: finished jobs after 14 days, live events after a day.
pub(crate) async fn housekeeping(state: &AppState) -> Outcome {
    let r = async {
        sqlx::query("DELETE FROM jobs WHERE state = 'done' AND finished_at < now() - interval '14 days'")
            .execute(&state.pool)
            .await?;
        sqlx::query("DELETE FROM live_events WHERE created_at < now() - interval '1 day'").execute(&state.pool).await?;
        Ok::<_, sqlx::Error>(())
    }
    .await;
    match r {
        Ok(()) => Outcome::Done,
        Err(e) => Outcome::Retry(e.to_string()),
    }
}
