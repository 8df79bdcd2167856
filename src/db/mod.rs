//! Pool, migrations and the embedded default database.

pub mod embedded;

use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use crate::config::Config;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A database handle plus the embedded server behind it, if any (stopped on drop).
pub struct Database {
    pub pool: PgPool,
    pub embedded: Option<embedded::EmbeddedPg>,
}

/// Connects to `DATABASE_URL`, or starts the embedded cluster and creates the `hearth` database.
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
    let pool = connect_with_retry(&url, cfg.db_max_connections, Duration::from_secs(30)).await?;
    Ok(Database { pool, embedded })
}

pub fn pool_options(max: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .idle_timeout(Duration::from_secs(300))
}

/// Connects, retrying while the server is starting up.
pub async fn connect_with_retry(url: &str, max: u32, limit: Duration) -> anyhow::Result<PgPool> {
    let opts: PgConnectOptions = url.parse::<PgConnectOptions>()?;
    let start = Instant::now();
    loop {
        match pool_options(max).connect_with(opts.clone()).await {
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
