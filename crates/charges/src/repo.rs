//! All SQL of the charge ledger. Writes take the caller's transaction and audit on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{Charge, NewCharge};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::CurrentUser;
use hearth_core::registry::{MergeRecord, StepOutcome, UnmergeNote};
use hearth_core::web::paging::{PageRequest, Paged, TimeId};

/// Captures a billable event on the caller's transaction (the clinical act's), audited as
/// `charges.charge.capture`. The same act and kind twice (a retry, a double submit) is refused by
/// the unique index `charges_once`: a 409 ("This act is already charged."), and since it aborts
/// the caller's transaction, the retried act is not recorded twice either. Returns the entry's id.
pub async fn capture(conn: &mut PgConnection, meta: &AuditMeta, c: &NewCharge<'_>) -> AppResult<Uuid> {
    if c.quantity < 1 {
        return Err(AppError::Unprocessable(
            "A charge's quantity is at least 1; reverse a charge to take it back.".into(),
        ));
    }
    let id = Uuid::new_v4();
    let facility: Uuid = sqlx::query_scalar(
        "INSERT INTO charges (id, patient_id, encounter_id, facility_id, source_module, source_row, kind, code,
                              description, quantity, performed_at, performer_id, recorded_by, replaces)
         VALUES ($1, $2, $3,
                 coalesce($4,
                          (SELECT uf.facility_id FROM user_facilities uf JOIN facilities f ON f.id = uf.facility_id
                           WHERE uf.user_id = coalesce($12, $13) AND f.active ORDER BY f.code LIMIT 1),
                          (SELECT facility_id FROM patients WHERE id = $2)),
                 $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         RETURNING facility_id",
    )
    .bind(id)
    .bind(c.patient)
    .bind(c.encounter)
    .bind(c.facility)
    .bind(c.source_module)
    .bind(c.source_row)
    .bind(c.kind)
    .bind(c.code)
    .bind(c.description)
    .bind(c.quantity)
    .bind(c.performed_at)
    .bind(c.performer)
    .bind(meta.actor_user_id)
    .bind(c.replaces)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("charges.charge.capture", "charge", id).patient(c.patient).changes(json!({
            "source_module": c.source_module, "source_row": c.source_row, "kind": c.kind, "code": c.code,
            "quantity": c.quantity, "facility": facility, "encounter": c.encounter, "replaces": c.replaces,
        })),
    )
    .await?;
    Ok(id)
}

/// Reverses charge `charge` on the caller's transaction: a compensating entry with the opposite
/// quantity, referencing it, with the reason; audited as `charges.charge.reverse`. A charge
/// already reversed is refused by `charges_reversed_once` (409), as is a reversal (409); an
/// unknown id is 404. Returns the reversal's id.
pub async fn reverse(conn: &mut PgConnection, meta: &AuditMeta, charge: Uuid, reason: &str) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    let row: Option<(Uuid, i32)> = sqlx::query_as(
        "INSERT INTO charges (id, patient_id, encounter_id, facility_id, source_module, source_row, kind, code,
                              description, quantity, performed_at, performer_id, recorded_by, reverses, reason)
         SELECT $1, patient_id, encounter_id, facility_id, source_module, source_row, kind, code,
                description, -quantity, performed_at, performer_id, $3, id, $4
         FROM charges WHERE id = $2 AND reverses IS NULL
         RETURNING patient_id, quantity",
    )
    .bind(id)
    .bind(charge)
    .bind(meta.actor_user_id)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, quantity)) = row else {
        let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM charges WHERE id = $1)")
            .bind(charge)
            .fetch_one(&mut *conn)
            .await?;
        return Err(if exists {
            AppError::Conflict("A reversal cannot itself be reversed.".into())
        } else {
            AppError::NotFound
        });
    };
    audit::record(
        conn,
        meta,
        Event::new("charges.charge.reverse", "charge", id)
            .patient(patient)
            .changes(json!({"reverses": charge, "quantity": quantity, "reason": reason})),
    )
    .await?;
    Ok(id)
}

/// Reverses the charge standing for an act (`module`, `row`, `kind`), if there is one not yet
/// reversed (the original, or the correction that took its place): what a module calls when the
/// act turns out never to have happened (entered in error). `Ok(None)` when there is nothing to
/// reverse.
pub async fn reverse_act(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    module: &str,
    row: Uuid,
    kind: &str,
    reason: &str,
) -> AppResult<Option<Uuid>> {
    let standing: Option<Uuid> = sqlx::query_scalar(
        "SELECT c.id FROM charges c
         WHERE c.source_row = $2 AND c.source_module = $1 AND c.kind = $3 AND c.reverses IS NULL
           AND NOT EXISTS (SELECT 1 FROM charges r WHERE r.reverses = c.id)
         ORDER BY c.recorded_at DESC LIMIT 1",
    )
    .bind(module)
    .bind(row)
    .bind(kind)
    .fetch_optional(&mut *conn)
    .await?;
    match standing {
        Some(c) => Ok(Some(reverse(conn, meta, c, reason).await?)),
        None => Ok(None),
    }
}

/// The facilities whose charges `user` reads: `None` for network-wide readers (super admin),
/// else their own.
pub fn scope(user: &CurrentUser) -> Option<Vec<Uuid>> {
    (!user.roles.iter().any(|r| r == "super_admin")).then(|| user.facility_ids.clone())
}

/// The fields of a [`Charge`]; `$1..$3` are the viewer ([`hearth_patients::access::viewer`]),
/// who sees the names of the records they may open.
fn select() -> String {
    format!(
        "SELECT c.id, c.patient_id, p.mrn,
                CASE WHEN {} THEN p.given_name || ' ' || p.family_name ELSE '' END AS patient_name,
                c.encounter_id, c.facility_id, f.name AS facility, c.source_module, c.source_row, c.kind, c.code,
                c.description, c.quantity, c.performed_at, u.display_name AS performer, c.recorded_at,
                c.reverses, c.reason, c.replaces,
                (SELECT r.id FROM charges r WHERE r.reverses = c.id) AS reversed_by
         FROM charges c JOIN patients p ON p.id = c.patient_id JOIN facilities f ON f.id = c.facility_id
         LEFT JOIN users u ON u.id = c.performer_id",
        hearth_patients::access::visible_sql(1)
    )
}

/// The checked filters of the billing list.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub facility: Option<Uuid>,
    pub from: Option<OffsetDateTime>,
    pub to: Option<OffsetDateTime>,
    pub mrn: Option<String>,
    pub module: Option<String>,
}

/// A page of the ledger (newest act first) within the reader's facilities. A later page's
/// condition is a statement of its own (see `docs/modules.md`, *Patient lists*).
pub async fn list(
    pool: &PgPool,
    user: &CurrentUser,
    q: &ListQuery,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<Charge>> {
    let later = if req.is_later() { " AND (c.performed_at, c.id) < ($11, $12)" } else { "" };
    let sql = format!(
        "{} WHERE ($4::uuid[] IS NULL OR c.facility_id = ANY($4)) AND ($5::uuid IS NULL OR c.facility_id = $5)
           AND ($6::timestamptz IS NULL OR c.performed_at >= $6) AND ($7::timestamptz IS NULL OR c.performed_at < $7)
           AND ($8::text IS NULL OR p.mrn = $8) AND ($9::text IS NULL OR c.source_module = $9){later}
         ORDER BY c.performed_at DESC, c.id DESC LIMIT $10",
        select()
    );
    let (perm, uid, sid) = hearth_patients::access::viewer(user);
    let mut query = sqlx::query_as::<_, Charge>(&sql)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .bind(scope(user))
        .bind(q.facility)
        .bind(q.from)
        .bind(q.to)
        .bind(&q.mrn)
        .bind(&q.module)
        .bind(req.fetch());
    if req.is_later() {
        query = query.bind(req.at()).bind(req.id());
    }
    let rows = query.fetch_all(pool).await?;
    Ok(Paged::from_rows(rows, req.limit, |c: &Charge| TimeId(c.performed_at, c.id)))
}

/// A page of one patient's charges (newest act first) within the reader's facilities.
pub async fn for_patient(
    pool: &PgPool,
    user: &CurrentUser,
    patient: Uuid,
    req: &PageRequest<TimeId>,
) -> sqlx::Result<Paged<Charge>> {
    let later = if req.is_later() { " AND (c.performed_at, c.id) < ($7, $8)" } else { "" };
    let sql = format!(
        "{} WHERE c.patient_id = $4 AND ($5::uuid[] IS NULL OR c.facility_id = ANY($5)){later}
         ORDER BY c.performed_at DESC, c.id DESC LIMIT $6",
        select()
    );
    let (perm, uid, sid) = hearth_patients::access::viewer(user);
    let mut query = sqlx::query_as::<_, Charge>(&sql)
        .bind(perm)
        .bind(uid)
        .bind(sid)
        .bind(patient)
        .bind(scope(user))
        .bind(req.fetch());
    if req.is_later() {
        query = query.bind(req.at()).bind(req.id());
    }
    let rows = query.fetch_all(pool).await?;
    Ok(Paged::from_rows(rows, req.limit, |c: &Charge| TimeId(c.performed_at, c.id)))
}

/// The facility of a charge, if it exists (for the reader's scope check).
pub async fn facility_of(pool: &PgPool, charge: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT facility_id FROM charges WHERE id = $1").bind(charge).fetch_optional(pool).await
}

/// The facilities a reader may filter by: theirs, or all for network-wide readers.
pub async fn facilities(pool: &PgPool, user: &CurrentUser) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT id::text, name FROM facilities WHERE ($1::uuid[] IS NULL OR id = ANY($1)) ORDER BY name LIMIT 200",
    )
    .bind(scope(user))
    .fetch_all(pool)
    .await
}

/// The modules that captured charges (the list's module filter): a skip scan over the
/// `charges_once` index (one probe per module, however long the ledger).
pub async fn modules(pool: &PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "WITH RECURSIVE m(module) AS (
             (SELECT source_module FROM charges WHERE reverses IS NULL AND replaces IS NULL
              ORDER BY source_module LIMIT 1)
             UNION ALL
             SELECT (SELECT c.source_module FROM charges c
                     WHERE c.reverses IS NULL AND c.replaces IS NULL AND c.source_module > m.module
                     ORDER BY c.source_module LIMIT 1)
             FROM m WHERE m.module IS NOT NULL)
         SELECT module FROM m WHERE module IS NOT NULL LIMIT 100",
    )
    .fetch_all(pool)
    .await
}

// ---- Merge and unmerge ----

/// The merge step: the merged record's entries move to the survivor (the one change the ledger's
/// trigger allows, along the merge link). Keeps their ids for the undo.
pub async fn merge(conn: &mut PgConnection, survivor: Uuid, merged: Uuid) -> sqlx::Result<StepOutcome> {
    let ids: Vec<Uuid> = sqlx::query_scalar("UPDATE charges SET patient_id = $1 WHERE patient_id = $2 RETURNING id")
        .bind(survivor)
        .bind(merged)
        .fetch_all(&mut *conn)
        .await?;
    Ok(StepOutcome::new(ids.len() as u64, json!({ "ids": ids })))
}

/// Which of the survivor's entries go back on an unmerge: those the merge moved, their reversals
/// and corrections, and every entry for a row or encounter that goes back (a charge follows the
/// act it bills, even when captured on the survivor after the merge). `$1` survivor, `$2` the
/// moved entries' ids, `$3` the ids of every row going back.
const GOING_BACK: &str = "c.patient_id = $1 AND (c.id = ANY($2) OR c.reverses = ANY($2) OR c.replaces = ANY($2)
      OR c.source_row = ANY($3) OR c.encounter_id = ANY($3))";

fn moved_charges(m: &MergeRecord) -> Vec<Uuid> {
    m.step_data("charges")["ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().and_then(|s| Uuid::parse_str(s).ok()))
        .collect()
}

/// The undo: the entries [`GOING_BACK`] return to the restored record (while it still points to
/// the survivor, as the trigger requires).
pub async fn unmerge(conn: &mut PgConnection, m: &MergeRecord) -> sqlx::Result<u64> {
    Ok(sqlx::query(&format!("UPDATE charges c SET patient_id = $4 WHERE {GOING_BACK}"))
        .bind(m.survivor)
        .bind(moved_charges(m))
        .bind(m.moved_ids())
        .bind(m.merged)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// What an unmerge means for the ledger, told before confirming: entries going back (with the
/// acts they bill), and entries captured on the survivor since the merge that stay with it.
pub async fn unmerge_notes(conn: &mut PgConnection, m: &MergeRecord) -> sqlx::Result<Vec<UnmergeNote>> {
    let (back, staying): (i64, i64) = sqlx::query_as(&format!(
        "SELECT count(*) FILTER (WHERE {GOING_BACK}),
                count(*) FILTER (WHERE NOT coalesce(({GOING_BACK}), false) AND c.recorded_at >= $4)
         FROM charges c WHERE c.patient_id = $1"
    ))
    .bind(m.survivor)
    .bind(moved_charges(m))
    .bind(m.moved_ids())
    .bind(m.merged_at)
    .fetch_one(&mut *conn)
    .await?;
    let mut out = Vec::new();
    if back > 0 {
        out.push(UnmergeNote::warn(format!(
            "Charge entries going back to the restored record with the acts they bill: {back} (billing sees them \
             move between the two patients' accounts)."
        )));
    }
    if staying > 0 {
        out.push(UnmergeNote::warn(format!(
            "Charge entries captured on the surviving record since the merge that stay with it: {staying}; reverse \
             and capture again any that belong to the other patient."
        )));
    }
    Ok(out)
}

/// At most this many entries in a patient's export (a lifetime of billable events stays below).
pub const EXPORT_LIMIT: i64 = 10_000;

/// The patient's whole ledger for the whole-record export (section `charges`), newest first,
/// every facility.
pub async fn export(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Charge>> {
    sqlx::query_as(&format!("{} WHERE c.patient_id = $4 ORDER BY c.performed_at DESC, c.id DESC LIMIT $5", select()))
        .bind(true)
        .bind(Uuid::nil())
        .bind(None::<Uuid>)
        .bind(patient)
        .bind(EXPORT_LIMIT)
        .fetch_all(pool)
        .await
}

// ---- Read by billing ----

/// A charge billing may bill: an original or a correction with a positive quantity, not reversed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Billable {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub mrn: String,
    pub facility_id: Uuid,
    pub source_module: String,
    pub code: String,
    pub description: String,
    pub quantity: i32,
    pub performed_at: OffsetDateTime,
}

const BILLABLE: &str =
    "SELECT c.id, c.patient_id, p.mrn, c.facility_id, c.source_module, c.code, c.description, c.quantity,
        c.performed_at
     FROM charges c JOIN patients p ON p.id = c.patient_id
     WHERE c.reverses IS NULL AND c.quantity > 0 AND NOT EXISTS (SELECT 1 FROM charges r WHERE r.reverses = c.id)";

/// The billable charges of one patient (oldest act first, at most 500), optionally only `ids`;
/// the billing issue leaves out those already on its invoices.
pub async fn billable(conn: &mut PgConnection, patient: Uuid, ids: Option<&[Uuid]>) -> sqlx::Result<Vec<Billable>> {
    sqlx::query_as(&format!(
        "{BILLABLE} AND c.patient_id = $1 AND ($2::uuid[] IS NULL OR c.id = ANY($2))
         ORDER BY c.performed_at, c.id LIMIT 500"
    ))
    .bind(patient)
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// The most recent billable charges of some facilities (all for `None`), newest first: the
/// billing worklist groups those not yet invoiced by patient.
pub async fn billable_in(pool: &PgPool, facilities: Option<&[Uuid]>, limit: i64) -> sqlx::Result<Vec<Billable>> {
    sqlx::query_as(&format!(
        "{BILLABLE} AND ($1::uuid[] IS NULL OR c.facility_id = ANY($1))
         ORDER BY c.performed_at DESC, c.id DESC LIMIT $2"
    ))
    .bind(facilities)
    .bind(limit)
    .fetch_all(pool)
    .await
}
