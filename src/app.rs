//! The one cloneable application state every handler receives.

use std::ops::Deref;
use std::sync::Arc;

use sqlx::PgPool;

use crate::config::Config;
use crate::platform::crypto::KeyRing;
use crate::platform::metrics::Metrics;

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

pub struct App {
    pub pool: PgPool,
    pub config: Config,
    pub keys: KeyRing,
    pub metrics: Metrics,
}

impl Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

impl AppState {
    pub async fn new(pool: PgPool, config: Config) -> Result<Self, sqlx::Error> {
        let active: Option<i32> = sqlx::query_scalar("SELECT version FROM crypto_key_versions WHERE active")
            .fetch_optional(&pool)
            .await
            .unwrap_or(Some(1));
        let keys = KeyRing::new(config.master_key.clone(), active.unwrap_or(1) as u32);
        Ok(AppState(Arc::new(App { pool, config, keys, metrics: Metrics::default() })))
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
