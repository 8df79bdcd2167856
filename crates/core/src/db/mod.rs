//! Pool, migrations and the embedded default database.

pub mod embedded;

use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Executor, PgPool};

use crate::config::{Config, DbTimeouts};

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A database handle plus the embedded server behind it, if any (stopped on drop).
pub struct Database {
    /// A small pool with the background limits (`Config::db_background`): migrations, seeding,
    /// the CLI commands, and in `serve` the job worker, the audit sealer and live updates.
    pub pool: PgPool,
    pub embedded: Option<embedded::EmbeddedPg>,
}

/// Connections of the background pool: the job worker's handlers (4) and its lease renewals,
/// the audit sealer, the live-update listener and the key-version refresher.
pub const BACKGROUND_CONNECTIONS: u32 = 8;

impl Database {
    /// The pool that serves requests: `HEARTH_DB_POOL` connections plus the reserved ones, each
    /// with the interactive limits. Connects lazily (the background pool proved the server up).
    pub fn request_pool(&self, cfg: &Config) -> PgPool {
        request_pool_options(cfg).connect_lazy_with((*self.pool.connect_options()).clone())
    }
}

/// Connects to `DATABASE_URL`, or starts the embedded cluster and creates the `hearth` database.
/// The returned pool is the background pool (see [`Database::pool`]).
pub async fn open(cfg: &Config) -> anyhow::Result<Database> {
    let (url, embedded) = match &cfg.database_url {
        Some(url) => (url.clone(), None),
        None => {
            let dir = cfg.data_dir.clone();
            let pg = tokio::task::spawn_blocking(move || embedded::EmbeddedPg::start(&dir)).await??;
            tracing::info!(data_dir = %pg.data_dir.display(), port = pg.port, "DATABASE_URL is unset: using the embedded PostgreSQL cluster");
            let admin = connect_with_retry(&pg.url("postgres"), 1, Duration::from_secs(30)).await?;
            let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'hearth')")
                .fetch_one(&admin)
                .await?;
            if !exists {
                sqlx::query("CREATE DATABASE hearth").execute(&admin).await?;
            }
            admin.close().await;
            (pg.url("hearth"), Some(pg))
        }
    };
    let opts: PgConnectOptions = url.parse::<PgConnectOptions>()?;
    let background = pool_options(BACKGROUND_CONNECTIONS).min_connections(0);
    let pool =
        connect_options_with_retry(with_timeouts(background, cfg.db_background), opts, Duration::from_secs(30)).await?;
    Ok(Database { pool, embedded })
}

/// Pool settings without session limits (tools and tests that set up data).
pub fn pool_options(max: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
}

/// The request pool's settings: `db_max_connections + db_reserved` connections with the
/// interactive session limits.
pub fn request_pool_options(cfg: &Config) -> PgPoolOptions {
    with_timeouts(pool_options(cfg.db_max_connections + cfg.db_reserved), cfg.db_interactive)
}

/// The background pool's settings (lazy: connects when first used).
pub fn background_pool_options(cfg: &Config) -> PgPoolOptions {
    with_timeouts(pool_options(BACKGROUND_CONNECTIONS).min_connections(0), cfg.db_background)
}

/// The readiness probe's own connection: it answers whether the database does, however busy
/// the request pool is.
pub fn readiness_pool_options() -> PgPoolOptions {
    let probe = DbTimeouts {
        statement: Duration::from_secs(2),
        lock: Duration::from_secs(1),
        idle_in_transaction: Duration::from_secs(5),
    };
    with_timeouts(
        PgPoolOptions::new().max_connections(1).min_connections(0).acquire_timeout(Duration::from_secs(2)),
        probe,
    )
}

/// Sets `statement_timeout`, `lock_timeout` and `idle_in_transaction_session_timeout` on every
/// new connection of the pool (0 = off).
pub fn with_timeouts(opts: PgPoolOptions, t: DbTimeouts) -> PgPoolOptions {
    let sql = session_settings(t);
    opts.after_connect(move |conn, _meta| {
        let sql = sql.clone();
        Box::pin(async move {
            conn.execute(sql.as_str()).await?;
            Ok(())
        })
    })
}

fn session_settings(t: DbTimeouts) -> String {
    format!(
        "SET statement_timeout = {}; SET lock_timeout = {}; SET idle_in_transaction_session_timeout = {}",
        t.statement.as_millis(),
        t.lock.as_millis(),
        t.idle_in_transaction.as_millis()
    )
}

/// Connects, retrying while the server is starting up.
pub async fn connect_with_retry(url: &str, max: u32, limit: Duration) -> anyhow::Result<PgPool> {
    let opts: PgConnectOptions = url.parse::<PgConnectOptions>()?;
    connect_options_with_retry(pool_options(max), opts, limit).await
}

async fn connect_options_with_retry(
    pool: PgPoolOptions,
    opts: PgConnectOptions,
    limit: Duration,
) -> anyhow::Result<PgPool> {
    let start = Instant::now();
    loop {
        match pool.clone().connect_with(opts.clone()).await {
            Ok(pool) => return Ok(pool),
            Err(e) if start.elapsed() < limit => {
                tracing::debug!(error = %e, "database not ready yet");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(anyhow::anyhow!("cannot connect to the database: {e}")),
        }
    }
}

pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    MIGRATOR.run(pool).await?;
    Ok(())
}

/// True when every embedded migration is applied (for /readyz).
pub async fn migrations_current(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await?;
    Ok(MIGRATOR.iter().all(|m| applied.contains(&m.version)))
}
