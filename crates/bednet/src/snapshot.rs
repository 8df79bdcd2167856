//! The public availability snapshot: built from the database at most every
//! [`MAX_AGE`] and dropped on every change the module makes (a report, a request decision, a
//! lapse), so a crisis' traffic reads memory, not the database. Only facilities listed publicly;
//! no patient data. Kept per database (one process may serve several in tests).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use time::OffsetDateTime;

use crate::repo::{self, BednetBeds};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;

/// How long a snapshot serves before it is rebuilt (the Hearth facilities' live counts change
/// through the inpatient module, which does not tell this cache).
pub const MAX_AGE: Duration = Duration::from_secs(3);

/// A facility as the public sees it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BednetPublicFacility {
    pub code: String,
    pub name: String,
    pub lat: f64,
    pub lon: f64,
    pub address: String,
    pub services: Vec<String>,
    pub contact: String,
    /// normal, advisory or diverting (closed to ambulances).
    pub ed_status: String,
    /// When the counts were true (live facilities: the snapshot's time).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
    /// Older than the network's stale age: free counts are withheld, never shown as free.
    pub stale: bool,
    pub beds: Vec<BednetBeds>,
    /// Free beds of every type; `null` when stale.
    pub free_total: Option<i64>,
    /// Kilometres from the given point (haversine), when one was given.
    pub distance_km: Option<f64>,
}

pub struct Snapshot {
    pub built: Instant,
    pub generated_at: OffsetDateTime,
    pub stale_minutes: i32,
    pub facilities: Vec<BednetPublicFacility>,
}

type Cache = Mutex<HashMap<String, Arc<Snapshot>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn key(state: &AppState) -> String {
    state.pool.connect_options().get_database().unwrap_or("").to_string()
}

/// Drops every snapshot (called after each change the module commits).
pub fn invalidate() {
    if let Ok(mut c) = cache().lock() {
        c.clear();
    }
}

/// The current snapshot, rebuilt when missing or older than [`MAX_AGE`].
pub async fn get(state: &AppState) -> AppResult<Arc<Snapshot>> {
    let k = key(state);
    if let Some(s) = cache().lock().ok().and_then(|c| c.get(&k).cloned()) {
        if s.built.elapsed() < MAX_AGE {
            return Ok(s);
        }
    }
    let (stale_minutes, _) = repo::settings(&state.pool).await?;
    let rows = repo::all_counts(&state.pool, stale_minutes).await?;
    let facilities = rows
        .into_iter()
        .filter(|(f, _)| f.public)
        .map(|(f, c)| BednetPublicFacility {
            free_total: (!c.stale).then(|| c.beds.iter().filter_map(|b| b.free).sum()),
            code: f.code,
            name: f.name,
            lat: f.lat,
            lon: f.lon,
            address: f.address,
            services: f.services,
            contact: f.contact,
            ed_status: f.ed_status,
            updated_at: c.as_of,
            stale: c.stale,
            beds: c.beds,
            distance_km: None,
        })
        .collect();
    let snap = Arc::new(Snapshot {
        built: Instant::now(),
        generated_at: OffsetDateTime::now_utc(),
        stale_minutes,
        facilities,
    });
    if let Ok(mut c) = cache().lock() {
        c.insert(k, snap.clone());
    }
    Ok(snap)
}
