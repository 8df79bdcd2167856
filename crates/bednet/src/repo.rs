//! All SQL of the bed network. Writes take the caller's transaction and audit on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::*;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::events;

/// The live event raised on every change of counts, requests or holds (data: the network
/// facility's id; no patient data).
pub const EVENT: &str = "bednet.changed";

const FACILITY_SELECT: &str =
    "SELECT id, facility_id, code, name, lat, lon, address, services, contact, ed_status, public FROM bednet_facilities";

pub async fn facilities(pool: &PgPool) -> sqlx::Result<Vec<NetFacility>> {
    sqlx::query_as(&format!("{FACILITY_SELECT} ORDER BY code")).fetch_all(pool).await
}

pub async fn facility(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<NetFacility>> {
    sqlx::query_as(&format!("{FACILITY_SELECT} WHERE id = $1")).bind(id).fetch_optional(conn).await
}

/// `(stale_minutes, grace_minutes)`.
pub async fn settings(pool: &PgPool) -> sqlx::Result<(i32, i32)> {
    sqlx::query_as("SELECT stale_minutes, grace_minutes FROM bednet_settings").fetch_one(pool).await
}

/// Whether the user manages the network facility: listed as its manager (external facilities),
/// or holding its Hearth facility.
pub async fn manages(
    conn: &mut PgConnection,
    f: &NetFacility,
    user: Uuid,
    facility_ids: &[Uuid],
) -> sqlx::Result<bool> {
    if let Some(fid) = f.facility_id {
        return Ok(facility_ids.contains(&fid));
    }
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM bednet_managers WHERE network_facility_id = $1 AND user_id = $2)")
        .bind(f.id)
        .bind(user)
        .fetch_one(conn)
        .await
}

/// One bed type's counts at one facility.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BednetBeds {
    pub bed_type: String,
    pub physical: i64,
    pub staffed: i64,
    /// Free beds; `null` when the report is stale (never shown as free).
    pub free: Option<i64>,
}

/// A facility's counts: live (Hearth) or the last report less the holds accepted since.
#[derive(Debug, Clone)]
pub struct Counts {
    pub beds: Vec<BednetBeds>,
    pub as_of: Option<OffsetDateTime>,
    pub seq: Option<i64>,
    pub stale: bool,
}

/// Every network facility with its counts. External reports older than `stale_minutes` are stale:
/// their free counts are `None`.
pub async fn all_counts(pool: &PgPool, stale_minutes: i32) -> sqlx::Result<Vec<(NetFacility, Counts)>> {
    let facs = facilities(pool).await?;
    let live = hearth_inpatient::repo::network_counts(&mut *pool.acquire().await?).await?;
    let reported: Vec<(Uuid, String, i32, i32, i64, OffsetDateTime, i64)> = sqlx::query_as(
        "SELECT c.network_facility_id, c.bed_type, c.physical, c.staffed,
                greatest(0, c.free - (SELECT count(*) FROM bednet_requests r
                     WHERE r.network_facility_id = c.network_facility_id AND r.bed_type = c.bed_type
                       AND r.status = 'accepted' AND r.decided_at > c.as_of AND r.hold_until > now())),
                c.as_of, c.seq
         FROM bednet_counts c ORDER BY 1, 2",
    )
    .fetch_all(pool)
    .await?;
    let now = OffsetDateTime::now_utc();
    let limit = now - time::Duration::minutes(i64::from(stale_minutes));
    let mut out = Vec::with_capacity(facs.len());
    for f in facs {
        let counts = if let Some(fid) = f.facility_id {
            let beds = live
                .iter()
                .filter(|r| r.0 == fid)
                .map(|r| BednetBeds { bed_type: r.1.clone(), physical: r.2, staffed: r.3, free: Some(r.4) })
                .collect();
            Counts { beds, as_of: Some(now), seq: None, stale: false }
        } else {
            let rows: Vec<_> = reported.iter().filter(|r| r.0 == f.id).collect();
            let as_of = rows.iter().map(|r| r.5).min();
            let stale = as_of.is_none_or(|t| t < limit);
            let beds = rows
                .iter()
                .map(|r| BednetBeds {
                    bed_type: r.1.clone(),
                    physical: i64::from(r.2),
                    staffed: i64::from(r.3),
                    free: (!stale).then_some(r.4),
                })
                .collect();
            Counts { beds, as_of, seq: rows.iter().map(|r| r.6).max(), stale }
        };
        out.push((f, counts));
    }
    Ok(out)
}

async fn changed(conn: &mut PgConnection, facility: Uuid) -> sqlx::Result<()> {
    events::raise(conn, None, EVENT, &facility.to_string()).await.map(|_| ())
}

/// Stores an external facility's report. The facility's row is locked; a sequence number not
/// above the last accepted one is refused (409) and nothing changes.
pub async fn push_report(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    f: &NetFacility,
    r: &BednetReport,
) -> AppResult<()> {
    if f.facility_id.is_some() {
        return Err(AppError::Conflict("A Hearth facility's counts come from its bed board.".into()));
    }
    sqlx::query("SELECT id FROM bednet_facilities WHERE id = $1 FOR UPDATE").bind(f.id).execute(&mut *conn).await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT max(seq) FROM bednet_counts WHERE network_facility_id = $1")
        .bind(f.id)
        .fetch_one(&mut *conn)
        .await?;
    if let Some(last) = last.filter(|l| r.seq <= *l) {
        return Err(AppError::Conflict(format!(
            "A report with sequence number {last} was already accepted; this one is older and is ignored."
        )));
    }
    for c in &r.counts {
        sqlx::query(
            "INSERT INTO bednet_counts (network_facility_id, bed_type, physical, staffed, free, as_of, seq)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (network_facility_id, bed_type) DO UPDATE SET physical = EXCLUDED.physical,
                 staffed = EXCLUDED.staffed, free = EXCLUDED.free, as_of = EXCLUDED.as_of, seq = EXCLUDED.seq,
                 received_at = now()",
        )
        .bind(f.id)
        .bind(&c.bed_type)
        .bind(c.physical as i32)
        .bind(c.staffed as i32)
        .bind(c.free as i32)
        .bind(r.as_of)
        .bind(r.seq)
        .execute(&mut *conn)
        .await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("bednet.report", "bednet_facility", f.id).changes(json!({"seq": r.seq, "types": r.counts.len()})),
    )
    .await?;
    changed(conn, f.id).await?;
    Ok(())
}

/// Whether the facility has beds of the type (Hearth: a ward of that kind; external: a report).
async fn has_type(
    conn: &mut PgConnection,
    pool_counts: &[(Uuid, String, i64, i64, i64)],
    f: &NetFacility,
    t: &str,
) -> sqlx::Result<bool> {
    if let Some(fid) = f.facility_id {
        return Ok(pool_counts.iter().any(|r| r.0 == fid && r.1 == t && r.2 > 0));
    }
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM bednet_counts WHERE network_facility_id = $1 AND bed_type = $2 AND physical > 0)",
    )
    .bind(f.id)
    .bind(t)
    .fetch_one(conn)
    .await
}

/// Creates an emergency bed request; refused (422) for a bed type the facility does not have.
pub async fn create_request(conn: &mut PgConnection, meta: &AuditMeta, v: &ValidRequest) -> AppResult<Uuid> {
    let f = facility(&mut *conn, v.facility).await?.ok_or_else(|| AppError::field("facility", "Choose a facility."))?;
    let live = if f.facility_id.is_some() { hearth_inpatient::repo::network_counts(&mut *conn).await? } else { vec![] };
    if !has_type(&mut *conn, &live, &f, &v.bed_type).await? {
        return Err(AppError::field("bed_type", "The facility has no beds of this type."));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO bednet_requests (id, network_facility_id, bed_type, priority, esi, news2, summary, eta, requested_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(f.id)
    .bind(&v.bed_type)
    .bind(&v.priority)
    .bind(v.esi)
    .bind(v.news2)
    .bind(&v.summary)
    .bind(v.eta)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("bednet.request.create", "bednet_request", id)
            .changes(json!({"facility": f.code, "bed_type": v.bed_type, "priority": v.priority})),
    )
    .await?;
    changed(conn, f.id).await?;
    Ok(id)
}

const REQUEST_SELECT: &str =
    "SELECT r.id, r.network_facility_id, f.code AS facility_code, f.name AS facility_name, r.bed_type,
        r.priority, r.esi, r.news2, r.summary, r.eta, r.status, r.decline_reason, r.bed_id, r.hold_until, r.requested_at
     FROM bednet_requests r JOIN bednet_facilities f ON f.id = r.network_facility_id";

/// Pending requests and live holds, most urgent first, then longest waiting.
pub async fn open_requests(pool: &PgPool) -> sqlx::Result<Vec<BednetRequest>> {
    sqlx::query_as(&format!(
        "{REQUEST_SELECT} WHERE r.status = 'requested' OR (r.status = 'accepted' AND r.hold_until > now())
         ORDER BY r.status DESC, r.priority, r.requested_at LIMIT 500"
    ))
    .fetch_all(pool)
    .await
}

pub async fn request(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<BednetRequest>> {
    sqlx::query_as(&format!("{REQUEST_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(conn).await
}

/// Locks a request and its facility for a decision; checks the user manages the facility.
async fn lock_for_decision(
    conn: &mut PgConnection,
    id: Uuid,
    user: Uuid,
    facility_ids: &[Uuid],
) -> AppResult<(BednetRequest, NetFacility)> {
    let locked: Option<Uuid> = sqlx::query_scalar("SELECT id FROM bednet_requests WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    locked.ok_or(AppError::NotFound)?;
    let r = request(&mut *conn, id).await?.ok_or(AppError::NotFound)?;
    let f = facility(&mut *conn, r.network_facility_id).await?.ok_or(AppError::NotFound)?;
    if !manages(&mut *conn, &f, user, facility_ids).await? {
        return Err(AppError::Forbidden);
    }
    Ok((r, f))
}

/// Accepts a request: holds a bed until the ETA plus the grace period. At a Hearth facility the
/// bed is held in inpatient's one allocation table (its exclusion constraint settles races); at
/// an external facility a place is counted against the last report, under the report's row lock,
/// and refused when none is free.
pub async fn accept(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    user: Uuid,
    facility_ids: &[Uuid],
    bed: Option<Uuid>,
    grace_minutes: i32,
) -> AppResult<OffsetDateTime> {
    let (r, f) = lock_for_decision(conn, id, user, facility_ids).await?;
    if r.status != "requested" {
        return Err(AppError::Conflict(format!("The request is already {}.", r.status)));
    }
    let now = OffsetDateTime::now_utc();
    let until = r.eta + time::Duration::minutes(i64::from(grace_minutes));
    if until <= now {
        return Err(AppError::Conflict("The request has expired: its ETA and grace period have passed.".into()));
    }
    let (hold, bed) = if let Some(fid) = f.facility_id {
        let Some(bed) = bed else {
            return Err(AppError::field("bed_id", "Choose the bed to hold."));
        };
        match hearth_inpatient::repo::network_bed(&mut *conn, bed).await? {
            Some((bf, Some(t))) if bf == fid && t == r.bed_type => {}
            _ => return Err(AppError::field("bed_id", "Choose a bed of the requested type at this facility.")),
        }
        let hold =
            hearth_inpatient::repo::hold_bed(&mut *conn, meta, bed, None, until, "network", "bednet", now).await?;
        (Some(hold), Some(bed))
    } else {
        // Lock the report's row first; the count below is a new statement, so it sees every
        // acceptance committed before the lock was granted.
        sqlx::query("SELECT 1 FROM bednet_counts WHERE network_facility_id = $1 AND bed_type = $2 FOR UPDATE")
            .bind(f.id)
            .bind(&r.bed_type)
            .execute(&mut *conn)
            .await?;
        let free: Option<i64> = sqlx::query_scalar(
            "SELECT c.free - (SELECT count(*) FROM bednet_requests r
                     WHERE r.network_facility_id = c.network_facility_id AND r.bed_type = c.bed_type
                       AND r.status = 'accepted' AND r.decided_at > c.as_of AND r.hold_until > now())
             FROM bednet_counts c WHERE c.network_facility_id = $1 AND c.bed_type = $2",
        )
        .bind(f.id)
        .bind(&r.bed_type)
        .fetch_optional(&mut *conn)
        .await?;
        if free.unwrap_or(0) <= 0 {
            return Err(AppError::Conflict("No bed of this type is free at the facility.".into()));
        }
        (None, None)
    };
    sqlx::query(
        "UPDATE bednet_requests SET status = 'accepted', hold_id = $2, bed_id = $3, hold_until = $4,
                decided_by = $5, decided_at = clock_timestamp() WHERE id = $1 AND status = 'requested'",
    )
    .bind(id)
    .bind(hold)
    .bind(bed)
    .bind(until)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("bednet.request.accept", "bednet_request", id).changes(json!({"bed_id": bed, "hold_id": hold})),
    )
    .await?;
    changed(conn, f.id).await?;
    Ok(until)
}

/// Declines a request with its reason.
pub async fn decline(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    user: Uuid,
    facility_ids: &[Uuid],
    reason: &str,
) -> AppResult<()> {
    let (r, f) = lock_for_decision(conn, id, user, facility_ids).await?;
    if r.status != "requested" {
        return Err(AppError::Conflict(format!("The request is already {}.", r.status)));
    }
    sqlx::query(
        "UPDATE bednet_requests SET status = 'declined', decline_reason = $2, decided_by = $3, decided_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(reason)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(conn, meta, Event::new("bednet.request.decline", "bednet_request", id)).await?;
    changed(conn, f.id).await?;
    Ok(())
}

/// The patient arrived: the hold is released (the bed manager admits through inpatient's
/// admission flow) and the request is `arrived`.
pub async fn arrive(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    user: Uuid,
    facility_ids: &[Uuid],
) -> AppResult<()> {
    let (r, f) = lock_for_decision(conn, id, user, facility_ids).await?;
    if r.status != "accepted" {
        return Err(AppError::Conflict(format!("The request is {}, not accepted.", r.status)));
    }
    let hold: Option<Uuid> =
        sqlx::query_scalar("SELECT hold_id FROM bednet_requests WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
    if let Some(h) = hold {
        hearth_inpatient::repo::release_hold(&mut *conn, meta, h).await?;
    }
    sqlx::query("UPDATE bednet_requests SET status = 'arrived' WHERE id = $1").bind(id).execute(&mut *conn).await?;
    audit::record(conn, meta, Event::new("bednet.request.arrive", "bednet_request", id)).await?;
    changed(conn, f.id).await?;
    Ok(())
}

/// Marks accepted requests whose hold has passed as `lapsed` (their inpatient holds ended by
/// themselves at their upper bound); returns how many.
pub async fn lapse(conn: &mut PgConnection, meta: &AuditMeta) -> AppResult<usize> {
    let ids: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE bednet_requests SET status = 'lapsed' WHERE status = 'accepted' AND hold_until <= now()
         RETURNING id, network_facility_id",
    )
    .fetch_all(&mut *conn)
    .await?;
    for (id, f) in &ids {
        audit::record(conn, meta, Event::new("bednet.request.lapse", "bednet_request", id)).await?;
        changed(conn, *f).await?;
    }
    Ok(ids.len())
}
