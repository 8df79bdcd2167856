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
use crate::registry::Registry;

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

pub struct App {
    /// Requests' connections, with the interactive session limits. In the background state
    /// (see [`AppState::background`]) this is the background pool.
    pub pool: PgPool,
    /// The job worker, the audit sealer and live updates: longer session limits, and never
    /// competing with requests for a connection.
    pub background_pool: PgPool,
    /// One connection of its own for `/readyz`.
    pub ready_pool: PgPool,
    /// Ordinary requests hold one of `HEARTH_DB_POOL` permits while they run; sign-in, session
    /// lookup and readiness do not, so the reserved connections stay theirs.
    pub admission: Arc<tokio::sync::Semaphore>,
    pub config: Config,
    pub keys: Arc<KeyRing>,
    pub metrics: Arc<Metrics>,
    /// This replica's live-update fan-out.
    pub hub: Hub,
    /// Outbound HTTP (SMS gateway, webhooks).
    pub http: HttpClient,
    /// SMTP, when `HEARTH_SMTP_URL` is set.
    pub mailer: Option<Mailer>,
    pub sms: Arc<dyn SmsProvider>,
    /// The modules of this installation.
    pub registry: &'static Registry,
    shutdown: Arc<tokio::sync::watch::Sender<bool>>,
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    /// Builds the state; refuses a master key that differs from the one the database was
    /// first used with. `pool` serves requests; the background pool is opened lazily beside it
    /// with the background session limits.
    pub async fn new(pool: PgPool, config: Config, registry: &'static Registry) -> anyhow::Result<Self> {
        let background =
            crate::db::background_pool_options(&config).connect_lazy_with((*pool.connect_options()).clone());
        Self::with_background(pool, background, config, registry).await
    }

    /// [`new`](Self::new) with the background pool given.
    pub async fn with_background(
        pool: PgPool,
        background_pool: PgPool,
        config: Config,
        registry: &'static Registry,
    ) -> anyhow::Result<Self> {
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
        crate::i18n::init(registry, config.env == crate::config::Env::Dev);
        let keys = KeyRing::new(config.master_key.clone(), active.unwrap_or(1) as u32);
        if active.is_some() {
            check_master_key(&pool, &keys).await?;
        }
        let http = HttpClient::new(std::time::Duration::from_secs(10), config.allow_private_webhooks)?;
        let mailer = match &config.smtp_url {
            Some(url) => Some(Mailer::new(url, &config.mail_from)?),
            None => None,
        };
        let sms = sms::from_config(&config, &background_pool, &http);
        // The listener holds one connection for good: a background one, not a request's.
        let hub = Hub::new(background_pool.clone());
        let (shutdown, _) = tokio::sync::watch::channel(false);
        let ready_pool = crate::db::readiness_pool_options().connect_lazy_with((*pool.connect_options()).clone());
        let admission = Arc::new(tokio::sync::Semaphore::new(config.db_max_connections as usize));
        Ok(AppState(Arc::new(App {
            pool,
            background_pool,
            ready_pool,
            admission,
            config,
            keys: Arc::new(keys),
            metrics: Arc::new(Metrics::default()),
            hub,
            http,
            mailer,
            sms,
            registry,
            shutdown: Arc::new(shutdown),
        })))
    }

    /// The same state over the background pool, for the job worker: its handlers use
    /// `state.pool` and get the background session limits. Keys, metrics, the event hub and
    /// the shutdown signal are shared with this state.
    pub fn background(&self) -> AppState {
        AppState(Arc::new(App {
            pool: self.background_pool.clone(),
            background_pool: self.background_pool.clone(),
            ready_pool: self.ready_pool.clone(),
            admission: self.admission.clone(),
            config: self.config.clone(),
            keys: self.keys.clone(),
            metrics: self.metrics.clone(),
            hub: self.hub.clone(),
            http: self.http.clone(),
            mailer: self.mailer.clone(),
            sms: self.sms.clone(),
            registry: self.registry,
            shutdown: self.shutdown.clone(),
        }))
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
