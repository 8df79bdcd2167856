//! The one cloneable application state every handler receives.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;

use crate::config::Config;
use crate::platform::crypto::KeyRing;
use crate::platform::events::Hub;
use crate::platform::http::HttpClient;
use crate::platform::metrics::Metrics;
use crate::platform::notify::email::Mailer;
use crate::platform::notify::sms::{self, SmsProvider};

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

pub struct App {
    pub pool: PgPool,
    pub config: Config,
    pub keys: KeyRing,
    pub metrics: Metrics,
    /// This replica's live-update fan-out.
    pub hub: Hub,
    /// Outbound HTTP (SMS gateway, webhooks).
    pub http: HttpClient,
    /// SMTP, when `HEARTH_SMTP_URL` is set.
    pub mailer: Option<Mailer>,
    pub sms: Arc<dyn SmsProvider>,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// Builds the state; refuses a master key that differs from the one the database was
    /// first used with.
    pub async fn new(pool: PgPool, config: Config) -> anyhow::Result<Self> {
        let active: Option<i32> = match sqlx::query_scalar("SELECT version FROM crypto_key_versions WHERE active")
            .fetch_optional(&pool)
            .await
        {
            Ok(v) => v,
            // Not migrated yet (or unreachable): the key version is re-read every 30 s by serve.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P01") => None,
            Err(sqlx::Error::PoolTimedOut | sqlx::Error::Io(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let keys = KeyRing::new(config.master_key.clone(), active.unwrap_or(1) as u32);
        if active.is_some() {
            check_master_key(&pool, &keys).await?;
        }
        let http = HttpClient::new(std::time::Duration::from_secs(10), config.allow_private_webhooks)?;
        let mailer = match &config.smtp_url {
            Some(url) => Some(Mailer::new(url, &config.mail_from)?),
            None => None,
        };
        let sms = sms::from_config(&config, &pool, &http);
        let hub = Hub::new(pool.clone());
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Ok(AppState(Arc::new(App {
            pool,
            config,
            keys,
            metrics: Metrics::default(),
            hub,
            http,
            mailer,
            sms,
            shutdown,
        })))
    }

    /// Tells long-lived work (event streams, workers) to finish.
    pub fn begin_shutdown(&self) {
        self.shutdown.send_replace(true);
    }

    /// Completes once [`begin_shutdown`](Self::begin_shutdown) was called.
    pub fn shutdown_signal(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|v| *v).await;
        }
    }

    /// Follows key rotations made by `hearth keys rotate` or another replica.
    pub async fn refresh_key_version(&self) {
        if let Ok(Some(v)) = sqlx::query_scalar::<_, i32>("SELECT version FROM crypto_key_versions WHERE active")
            .fetch_optional(&self.pool)
            .await
        {
            self.keys.set_active_version(v as u32);
        }
    }
}

async fn check_master_key(pool: &PgPool, keys: &KeyRing) -> anyhow::Result<()> {
    let mine = keys.blind_index("hearth/key-check", "hearth");
    sqlx::query("INSERT INTO crypto_key_check (check_value) VALUES ($1) ON CONFLICT DO NOTHING")
        .bind(&mine)
        .execute(pool)
        .await?;
    let stored: Vec<u8> = sqlx::query_scalar("SELECT check_value FROM crypto_key_check").fetch_one(pool).await?;
    if stored != mine {
        anyhow::bail!(
            "HEARTH_MASTER_KEY does not match the key this database's encrypted fields were written with; \
             start Hearth with the original key (for dev/demo it is in HEARTH_DATA_DIR/master.key)"
        );
    }
    Ok(())
}
