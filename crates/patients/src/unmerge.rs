//! Undoing a mistaken merge. A merge records in `patient_merges` exactly which rows it moved, the
//! survivor's own rows, each merge step's data and the survivor's fields before
//! ([`super::merge::merge`]); an unmerge, by a holder of `patients.unmerge` with a reason and
//! within [`UNMERGE_WINDOW_DAYS`], moves those rows back, runs each step's inverse, gives the
//! survivor back the identifiers it took (unless changed since) and reopens the merged record.
//! Rows created on the survivor since the merge stay with it unless the user chooses some to
//! move as well. Before confirming, the user reads what every module says about it (the
//! registry's `unmerge_notes`: messages sent, notes signed, charges…); a note that blocks refuses
//! it. Everything is audited (`patient.unmerge` on the survivor, `patient.unmerged` on the
//! restored record).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::context::PatientCtx;
use super::merge::FILLABLE;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::crypto::KeyRing;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::registry::{MergeRecord, OnMerge, Registry, UnmergeNote};
use hearth_core::web::paging::Paged;
use hearth_core::web::{self, FieldErrors, Page, Path};

/// How long after a merge it can be undone. Later, the two records' histories have grown
/// together too far (invoices, letters, results filed on the survivor) for a mechanical undo;
/// correct them by hand.
pub const UNMERGE_WINDOW_DAYS: i64 = 30;

/// At most this many merges are listed per record (a record is rarely merged more than twice).
const HISTORY_LIMIT: i64 = 100;

#[derive(FromRow)]
struct LogRow {
    id: Uuid,
    survivor_id: Uuid,
    merged_id: Uuid,
    survivor_mrn: String,
    merged_mrn: String,
    merged_at: OffsetDateTime,
    merged_by_label: String,
    survivor_before: Value,
    merged_before: Value,
    moved: Value,
    kept: Value,
    steps: Value,
    unmerged_at: Option<OffsetDateTime>,
    unmerged_by_label: Option<String>,
    unmerge_reason: Option<String>,
    unmerge_result: Option<Value>,
}

const LOG_SELECT: &str = "SELECT g.id, g.survivor_id, g.merged_id, s.mrn AS survivor_mrn, m.mrn AS merged_mrn,
        g.merged_at, g.merged_by_label, g.survivor_before, g.merged_before, g.moved, g.kept, g.steps,
        g.unmerged_at, g.unmerged_by_label, g.unmerge_reason, g.unmerge_result
     FROM patient_merges g JOIN patients s ON s.id = g.survivor_id JOIN patients m ON m.id = g.merged_id";

fn keys_of(v: &Value) -> BTreeMap<String, Vec<String>> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(t, keys)| {
                    let keys = keys.as_array().into_iter().flatten().filter_map(|k| k.as_str().map(str::to_string));
                    (t.clone(), keys.collect())
                })
                .collect()
        })
        .unwrap_or_default()
}

impl LogRow {
    fn record(&self) -> MergeRecord {
        MergeRecord {
            id: self.id,
            survivor: self.survivor_id,
            merged: self.merged_id,
            merged_at: self.merged_at,
            moved: keys_of(&self.moved),
            steps: self.steps.as_object().cloned().unwrap_or_default(),
        }
    }

    fn entry(&self) -> MergeEntry {
        let moved: BTreeMap<String, usize> = keys_of(&self.moved).into_iter().map(|(t, k)| (t, k.len())).collect();
        MergeEntry {
            id: self.id,
            survivor: self.survivor_id,
            survivor_mrn: self.survivor_mrn.clone(),
            merged: self.merged_id,
            merged_mrn: self.merged_mrn.clone(),
            merged_at: self.merged_at,
            merged_by: self.merged_by_label.clone(),
            moved: moved.into_iter().filter(|(_, n)| *n > 0).collect(),
            undo_until: self.merged_at + Duration::days(UNMERGE_WINDOW_DAYS),
            unmerged_at: self.unmerged_at,
            unmerged_by: self.unmerged_by_label.clone(),
            unmerge_reason: self.unmerge_reason.clone(),
            moved_back: self.unmerge_result.clone(),
        }
    }
}

/// One merge as the history shows it (API: `MergeEntry`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MergeEntry {
    pub id: Uuid,
    pub survivor: Uuid,
    pub survivor_mrn: String,
    pub merged: Uuid,
    pub merged_mrn: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub merged_at: OffsetDateTime,
    pub merged_by: String,
    /// Rows the merge moved, per table (tables with none left out).
    pub moved: BTreeMap<String, usize>,
    /// The end of the unmerge window.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub undo_until: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub unmerged_at: Option<OffsetDateTime>,
    pub unmerged_by: Option<String>,
    pub unmerge_reason: Option<String>,
    /// What the unmerge moved back, per table (`also`: rows created since, moved by choice).
    #[schema(value_type = Option<Object>)]
    pub moved_back: Option<Value>,
}

impl MergeEntry {
    pub fn undone(&self) -> bool {
        self.unmerged_at.is_some()
    }
    /// Still inside the unmerge window.
    pub fn in_window(&self) -> bool {
        OffsetDateTime::now_utc() < self.undo_until
    }
    pub fn moved_text(&self) -> String {
        if self.moved.is_empty() {
            return "nothing".into();
        }
        self.moved.iter().map(|(t, n)| format!("{} {}", n, t.replace('_', " "))).collect::<Vec<_>>().join(", ")
    }
}

/// A note as the confirmation shows it (API: `UnmergeNoteView`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnmergeNoteView {
    pub module: String,
    pub text: String,
    /// The unmerge is refused while this holds.
    pub blocks: bool,
}

/// A row created on the survivor since the merge, which stays with it unless chosen.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CreatedSince {
    pub table: String,
    pub key: String,
    /// What it is, when the timeline knows it ("Immunization · Influenza… · 2026-11-02").
    pub label: String,
}

impl CreatedSince {
    /// The form value of its checkbox.
    pub fn value(&self) -> String {
        format!("{}:{}", self.table, self.key)
    }
}

/// What undoing a merge would meet (API: `UnmergePreview`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnmergePreview {
    pub merge: MergeEntry,
    pub notes: Vec<UnmergeNoteView>,
    pub created_since: Vec<CreatedSince>,
    /// Not undone yet, and no note blocks it.
    pub can_undo: bool,
}

/// The merges a record took part in (as survivor or as merged record), newest first.
pub async fn history(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<MergeEntry>> {
    let rows: Vec<LogRow> = sqlx::query_as(&format!(
        "{LOG_SELECT} WHERE g.survivor_id = $1 OR g.merged_id = $1 ORDER BY g.merged_at DESC, g.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(HISTORY_LIMIT)
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(LogRow::entry).collect())
}

async fn load(conn: &mut PgConnection, survivor: Uuid, merge: Uuid, lock: bool) -> sqlx::Result<Option<LogRow>> {
    let lock = if lock { " FOR UPDATE OF g" } else { "" };
    sqlx::query_as(&format!("{LOG_SELECT} WHERE g.id = $1 AND g.survivor_id = $2{lock}"))
        .bind(merge)
        .bind(survivor)
        .fetch_optional(&mut *conn)
        .await
}

/// The rows on the survivor, per table that follows a merge, that are neither its own from
/// before the merge nor moved by it: created (or moved in by a later merge) since. (Set
/// operations, hashed: a long history has thousands of keys on each side.)
async fn created_since(
    conn: &mut PgConnection,
    registry: &Registry,
    row: &LogRow,
) -> sqlx::Result<BTreeMap<String, Vec<String>>> {
    let moved = keys_of(&row.moved);
    let kept = keys_of(&row.kept);
    let mut out = BTreeMap::new();
    for (_, t) in registry.patient_tables().filter(|(_, t)| t.on_merge == OnMerge::Follow) {
        // A table that joined the registry after the merge has no entry: nothing of it moved,
        // and its rows on the survivor are not the merge's business.
        let (Some(m), Some(k)) = (moved.get(t.table), kept.get(t.table)) else { continue };
        let before: Vec<&String> = m.iter().chain(k.iter()).collect();
        let new: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT * FROM (SELECT {k}::text FROM {} WHERE {c} = $1 EXCEPT SELECT unnest($2::text[])) n
             ORDER BY 1 LIMIT 500",
            t.table,
            k = t.key,
            c = t.column
        ))
        .bind(row.survivor_id)
        .bind(&before)
        .fetch_all(&mut *conn)
        .await?;
        if !new.is_empty() {
            out.insert(t.table.to_string(), new);
        }
    }
    Ok(out)
}

/// Labels for rows from the registry's timeline sources (rows of other tables get none).
async fn labels(
    pool: &PgPool,
    registry: &Registry,
    survivor: Uuid,
    rows: &BTreeMap<String, Vec<String>>,
    zone: &hearth_core::web::time::Zone,
) -> sqlx::Result<Vec<CreatedSince>> {
    let ids: Vec<Uuid> = rows.values().flatten().filter_map(|k| Uuid::parse_str(k).ok()).collect();
    let mut known: BTreeMap<Uuid, String> = BTreeMap::new();
    if !ids.is_empty() {
        for s in registry.timeline_sources() {
            let found: Vec<(OffsetDateTime, String, Uuid, String, String, String)> =
                sqlx::query_as(&format!("{} AND {} = ANY($2)", s.select, s.id))
                    .bind(survivor)
                    .bind(&ids)
                    .fetch_all(pool)
                    .await?;
            for (at, _, id, title, _, _) in found {
                known.insert(id, format!("{} · {} · {}", s.label, title, zone.datetime(at)));
            }
        }
    }
    Ok(rows
        .iter()
        .flat_map(|(t, keys)| {
            keys.iter().map(|k| CreatedSince {
                table: t.clone(),
                key: k.clone(),
                label: Uuid::parse_str(k)
                    .ok()
                    .and_then(|id| known.get(&id).cloned())
                    .unwrap_or_else(|| format!("{} row", t.replace('_', " "))),
            })
        })
        .collect())
}

/// The registry's own notes on an unmerge (its `unmerge_notes`): the window, a later merge of the
/// survivor, an erasure since, identifiers changed since.
pub async fn registry_notes(conn: &mut PgConnection, m: &MergeRecord) -> sqlx::Result<Vec<UnmergeNote>> {
    let mut out = Vec::new();
    if OffsetDateTime::now_utc() >= m.merged_at + Duration::days(UNMERGE_WINDOW_DAYS) {
        out.push(UnmergeNote::block(format!(
            "The merge is more than {UNMERGE_WINDOW_DAYS} days old; separate the records by hand (register the \
             patient again and move their entries)."
        )));
    }
    let rows: Vec<(Uuid, Option<String>, bool)> = sqlx::query_as(
        "SELECT p.id, t.mrn, p.erased_at IS NOT NULL
         FROM patients p LEFT JOIN patients t ON t.id = p.merged_into WHERE p.id = ANY($1)",
    )
    .bind(vec![m.survivor, m.merged])
    .fetch_all(&mut *conn)
    .await?;
    for (id, into, erased) in &rows {
        if *id == m.survivor {
            if let Some(t) = into {
                out.push(UnmergeNote::block(format!(
                    "The surviving record was itself merged into {t} since; undo that merge first."
                )));
            }
        }
        if *erased {
            out.push(UnmergeNote::block(
                "One of the records was erased (pseudonymised) on the patient's request since the merge.",
            ));
        }
    }
    let changed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_events WHERE patient_id = $1 AND occurred_at > $2
           AND action IN ('patient.update', 'patient.identify', 'patient.restricted', 'patient.death')",
    )
    .bind(m.survivor)
    .bind(m.merged_at)
    .fetch_one(&mut *conn)
    .await?;
    if changed > 0 {
        out.push(UnmergeNote::warn(
            "The surviving record's demographics, restriction or death were changed since the merge; those changes \
             stay with it (an identifier it took from the other record returns only if unchanged).",
        ));
    }
    Ok(out)
}

async fn gather_notes(
    conn: &mut PgConnection,
    registry: &Registry,
    m: &MergeRecord,
) -> sqlx::Result<Vec<UnmergeNoteView>> {
    let mut out = Vec::new();
    for module in registry.modules() {
        if let Some(f) = module.unmerge_notes {
            for n in f(&mut *conn, m).await? {
                out.push(UnmergeNoteView { module: module.title.to_string(), text: n.text, blocks: n.blocks });
            }
        }
    }
    Ok(out)
}

/// What undoing `merge` (of the survivor `survivor`) would meet.
pub async fn preview(
    pool: &PgPool,
    registry: &Registry,
    survivor: Uuid,
    merge: Uuid,
    zone: &hearth_core::web::time::Zone,
) -> AppResult<UnmergePreview> {
    let mut conn = pool.acquire().await?;
    let row = load(&mut conn, survivor, merge, false).await?.ok_or(AppError::NotFound)?;
    let record = row.record();
    let notes = if row.unmerged_at.is_some() { Vec::new() } else { gather_notes(&mut conn, registry, &record).await? };
    let since =
        if row.unmerged_at.is_some() { BTreeMap::new() } else { created_since(&mut conn, registry, &row).await? };
    drop(conn);
    let created_since = labels(pool, registry, survivor, &since, zone).await?;
    let can_undo = row.unmerged_at.is_none() && !notes.iter().any(|n| n.blocks);
    Ok(UnmergePreview { merge: row.entry(), notes, created_since, can_undo })
}

/// What an unmerge did.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Unmerged {
    pub merge: Uuid,
    pub survivor: Uuid,
    pub merged: Uuid,
    /// Rows moved back per table and step; `also`: rows created since, moved by choice.
    #[schema(value_type = Object)]
    pub moved_back: Value,
}

/// What to undo: merge `merge` of the surviving record `survivor`, why, and `also`: table → keys
/// of rows created on the survivor since the merge to move to the restored record too.
#[derive(Debug, Clone, Copy)]
pub struct UndoMerge<'a> {
    pub survivor: Uuid,
    pub merge: Uuid,
    pub reason: &'a str,
    pub also: &'a BTreeMap<String, Vec<String>>,
}

/// Undoes a merge on the caller's transaction: refuses one already undone (409), one a module's
/// note blocks (409, the notes' words) and `also` rows that are not rows created on the survivor
/// since the merge (422).
pub async fn unmerge(
    conn: &mut PgConnection,
    registry: &Registry,
    keys: &KeyRing,
    undo: &UndoMerge<'_>,
    meta: &AuditMeta,
) -> AppResult<Unmerged> {
    let UndoMerge { survivor, merge, reason, also } = *undo;
    let row = load(&mut *conn, survivor, merge, false).await?.ok_or(AppError::NotFound)?;
    // Lock both records (in id order, as a merge does), then the log entry: concurrent unmerges
    // of one merge queue here, and all but the first find it undone.
    sqlx::query("SELECT id FROM patients WHERE id = ANY($1) ORDER BY id FOR UPDATE")
        .bind(vec![row.survivor_id, row.merged_id])
        .execute(&mut *conn)
        .await?;
    let row = load(&mut *conn, survivor, merge, true).await?.ok_or(AppError::NotFound)?;
    if row.unmerged_at.is_some() {
        return Err(AppError::Conflict("This merge has already been undone.".into()));
    }
    let since = created_since(&mut *conn, registry, &row).await?;
    for (table, keys) in also {
        let Some(allowed) = since.get(table) else {
            return Err(AppError::field("also", format!("{table}: no rows were created there since the merge.")));
        };
        if let Some(k) = keys.iter().find(|k| !allowed.contains(k)) {
            return Err(AppError::field(
                "also",
                format!("{table} {k}: not a row created on the record since the merge."),
            ));
        }
    }
    let mut record = row.record();
    for (table, keys) in also {
        record.moved.entry(table.clone()).or_default().extend(keys.iter().cloned());
    }
    let notes = gather_notes(&mut *conn, registry, &record).await?;
    let blocking: Vec<&str> = notes.iter().filter(|n| n.blocks).map(|n| n.text.as_str()).collect();
    if !blocking.is_empty() {
        return Err(AppError::Conflict(format!("This merge cannot be undone: {}", blocking.join(" "))));
    }
    // The rows back: every table that follows a merge, then each step's inverse, last first.
    let mut back = serde_json::Map::new();
    for (_, t) in registry.patient_tables().filter(|(_, t)| t.on_merge == OnMerge::Follow) {
        let Some(keys) = record.moved.get(t.table).filter(|k| !k.is_empty()) else { continue };
        let n = sqlx::query(&format!(
            "UPDATE {} SET {c} = $1 WHERE {c} = $2 AND {k}::text IN (SELECT unnest($3::text[]))",
            t.table,
            c = t.column,
            k = t.key
        ))
        .bind(row.merged_id)
        .bind(row.survivor_id)
        .bind(keys)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        back.insert(t.table.to_string(), json!(n));
    }
    let steps: Vec<_> = registry.modules().flat_map(|m| m.merge_steps.iter()).collect();
    for step in steps.into_iter().rev() {
        let n = (step.undo)(&mut *conn, &record).await?;
        back.insert(step.name.to_string(), json!(n));
    }
    restore_records(&mut *conn, keys, &row).await?;
    let also_counts: BTreeMap<&String, usize> = also.iter().map(|(t, k)| (t, k.len())).collect();
    let result = json!({"rows": back, "also": also_counts});
    let updated = sqlx::query(
        "UPDATE patient_merges SET unmerged_at = now(), unmerged_by = $2, unmerged_by_label = $3, unmerge_reason = $4,
                unmerge_result = $5
         WHERE id = $1 AND unmerged_at IS NULL",
    )
    .bind(row.id)
    .bind(meta.actor_user_id)
    .bind(&meta.actor_label)
    .bind(reason)
    .bind(&result)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Err(AppError::Conflict("This merge has already been undone.".into()));
    }
    let warned: Vec<&str> = notes.iter().map(|n| n.text.as_str()).collect();
    audit::record(
        &mut *conn,
        meta,
        Event::new("patient.unmerge", "patient", row.survivor_id).patient(row.survivor_id).changes(json!({
            "merge": row.id, "restored": row.merged_id, "restored_mrn": row.merged_mrn, "reason": reason,
            "moved_back": result, "notes": warned,
        })),
    )
    .await?;
    audit::record(
        &mut *conn,
        meta,
        Event::new("patient.unmerged", "patient", row.merged_id).patient(row.merged_id).changes(json!({
            "merge": row.id, "survivor": row.survivor_id, "survivor_mrn": row.survivor_mrn, "reason": reason,
        })),
    )
    .await?;
    Ok(Unmerged { merge: row.id, survivor: row.survivor_id, merged: row.merged_id, moved_back: result })
}

/// Both records' own fields as they were: the merged record open again (as active as it was),
/// no longer pointing anywhere; the survivor without the identifiers it took from it (each only
/// while still the same value) and with its restriction as before (unless changed since).
async fn restore_records(conn: &mut PgConnection, keys: &KeyRing, row: &LogRow) -> sqlx::Result<()> {
    let filled: Vec<&str> =
        row.survivor_before["filled"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut clears: Vec<String> = Vec::new();
    for (enc, bidx) in FILLABLE.iter().filter(|(enc, _)| filled.contains(enc)) {
        let (s, m): (Option<Vec<u8>>, Option<Vec<u8>>) = sqlx::query_as(&format!(
            "SELECT s.{enc}, m.{enc} FROM patients s, patients m WHERE s.id = $1 AND m.id = $2"
        ))
        .bind(row.survivor_id)
        .bind(row.merged_id)
        .fetch_one(&mut *conn)
        .await?;
        let aad = format!("patients.{}", enc.trim_end_matches("_enc"));
        let same = match (s, m) {
            (Some(s), Some(m)) => {
                s == m || keys.decrypt(&s, &aad).ok().zip(keys.decrypt(&m, &aad).ok()).is_some_and(|(a, b)| a == b)
            }
            _ => false,
        };
        if same {
            clears.push(format!("{enc} = NULL"));
            if let Some(b) = bidx {
                clears.push(format!("{b} = NULL"));
            }
            if *enc == "phone_enc" {
                clears.push("phone_tail_bidx = NULL".into());
            }
        }
    }
    if filled.contains(&"birth_date") {
        clears.push(
            "birth_date = CASE WHEN s.birth_date = m.birth_date THEN NULL ELSE s.birth_date END,
             birth_date_estimated = CASE WHEN s.birth_date = m.birth_date THEN false ELSE s.birth_date_estimated END"
                .into(),
        );
    }
    // The restriction the merge carried over goes, unless someone set it since.
    if row.survivor_before["restricted"] == json!(false) {
        clears.push(
            "restricted = s.restricted AND EXISTS (SELECT 1 FROM audit_events a WHERE a.patient_id = s.id
                 AND a.action = 'patient.restricted' AND a.occurred_at > $3)"
                .into(),
        );
    }
    if !clears.is_empty() {
        sqlx::query(&format!(
            "UPDATE patients s SET {} FROM patients m WHERE s.id = $1 AND m.id = $2 AND $3::timestamptz IS NOT NULL",
            clears.join(", ")
        ))
        .bind(row.survivor_id)
        .bind(row.merged_id)
        .bind(row.merged_at)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "UPDATE patients SET merged_into = NULL, merged_at = NULL, active = $3 WHERE id = $1 AND merged_into = $2",
    )
    .bind(row.merged_id)
    .bind(row.survivor_id)
    .bind(row.merged_before["active"].as_bool().unwrap_or(true))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---- Pages ----

#[derive(Template)]
#[template(path = "patients/merges.html")]
struct HistoryPage {
    page: Page,
    id: Uuid,
    mrn: String,
    rows: Vec<MergeEntry>,
    can_unmerge: bool,
    window_days: i64,
}

async fn mrn(pool: &PgPool, id: Uuid) -> AppResult<String> {
    super::repo::mrn_of(pool, id).await?.ok_or(AppError::NotFound)
}

/// `GET /patients/{id}/merges`: the merges the record took part in.
pub async fn history_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let id = patient.id;
    let mrn = mrn(&state.pool, id).await?;
    let rows = history(&state.pool, id).await?;
    audit::record_now(&state.pool, &auth.meta, Event::new("patient.merges.view", "patient", id).patient(id)).await?;
    let (title, list) = (page.t("patients-merge-history"), page.t("nav-patients"));
    web::render(&HistoryPage {
        page: page
            .titled(title.clone())
            .crumb(list, "/patients")
            .crumb(mrn.clone(), format!("/patients/{id}"))
            .crumb(title, format!("/patients/{id}/merges")),
        id,
        mrn,
        rows,
        can_unmerge: auth.can(crate::perms::PATIENTS_UNMERGE),
        window_days: UNMERGE_WINDOW_DAYS,
    })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct UnmergeForm {
    reason: String,
    /// `table:key` of rows created since the merge to move too (checkboxes).
    #[serde(skip)]
    also: Vec<String>,
}

#[derive(Template)]
#[template(path = "patients/unmerge.html")]
struct UnmergePage {
    page: Page,
    id: Uuid,
    p: UnmergePreview,
    form: UnmergeForm,
    errors: FieldErrors,
    error: Option<String>,
}

impl UnmergePage {
    fn chosen(&self, c: &CreatedSince) -> bool {
        self.form.also.contains(&c.value())
    }
}

/// The confirmation as shown: what was typed, field errors, a refusal, and the status.
struct Shown {
    form: UnmergeForm,
    errors: FieldErrors,
    error: Option<String>,
    status: StatusCode,
}

async fn render_confirm(state: &AppState, page: Page, id: Uuid, merge: Uuid, shown: Shown) -> AppResult<Response> {
    let Shown { form, errors, error, status } = shown;
    let p = preview(&state.pool, state.registry, id, merge, &page.zone).await?;
    let errors = crate::i18n::localise_errors(&page, errors);
    let error = error.map(|e| crate::i18n::localise(&page, &e));
    let (title, list, history, undo) = (
        page.t("patients-unmerge-title"),
        page.t("nav-patients"),
        page.t("patients-merge-history"),
        page.t("patients-unmerge-crumb"),
    );
    let page = page
        .titled(title)
        .crumb(list, "/patients")
        .crumb(p.merge.survivor_mrn.clone(), format!("/patients/{id}"))
        .crumb(history, format!("/patients/{id}/merges"))
        .crumb(undo, format!("/patients/{id}/merges/{merge}/undo"));
    web::render_status(status, &UnmergePage { page, id, p, form, errors, error })
}

/// `GET /patients/{id}/merges/{merge}/undo`: what the unmerge would meet, and the form.
pub async fn confirm_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Path((_, merge)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_UNMERGE)?;
    let shown =
        Shown { form: UnmergeForm::default(), errors: FieldErrors::default(), error: None, status: StatusCode::OK };
    render_confirm(&state, page, patient.id, merge, shown).await
}

/// Parses `table:key` choices into table → keys.
fn parse_also(values: &[String]) -> Result<BTreeMap<String, Vec<String>>, FieldErrors> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for v in values {
        let Some((t, k)) = v.split_once(':').filter(|(t, k)| !t.is_empty() && !k.is_empty()) else {
            return Err(FieldErrors::one("also", "Choose rows from the list."));
        };
        out.entry(t.to_string()).or_default().push(k.to_string());
    }
    Ok(out)
}

fn check_reason(reason: &str) -> Result<String, FieldErrors> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(FieldErrors::one("reason", "Say why the merge was a mistake."));
    }
    if r.chars().count() > 500 {
        return Err(FieldErrors::one("reason", "At most 500 characters."));
    }
    if let Err(m) = hearth_core::web::input::free_text(r) {
        return Err(FieldErrors::one("reason", m));
    }
    Ok(r.to_string())
}

/// `POST /patients/{id}/merges/{merge}/undo`: `reason`, and `also` (repeated) for rows to move too.
pub async fn undo(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Path((_, merge)): Path<(String, Uuid)>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_UNMERGE)?;
    let id = patient.id;
    // Repeated `also` fields: read the pairs (serde_urlencoded keeps the last of a repeated key).
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadRequest("unreadable form".into()))?;
    let form = UnmergeForm {
        reason: pairs.iter().find(|(k, _)| k == "reason").map(|(_, v)| v.clone()).unwrap_or_default(),
        also: pairs.iter().filter(|(k, _)| k == "also").map(|(_, v)| v.clone()).collect(),
    };
    let parsed = check_reason(&form.reason).and_then(|r| parse_also(&form.also).map(|a| (r, a)));
    let (reason, also) = match parsed {
        Ok(v) => v,
        Err(errors) => {
            let shown = Shown { form, errors, error: None, status: StatusCode::UNPROCESSABLE_ENTITY };
            return render_confirm(&state, page, id, merge, shown).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    let what = UndoMerge { survivor: id, merge, reason: &reason, also: &also };
    match unmerge(&mut tx, state.registry, &state.keys, &what, &auth.meta).await {
        Ok(done) => {
            tx.commit().await?;
            let mrn = mrn(&state.pool, done.merged).await?;
            Ok(web::redirect_flash(
                &format!("/patients/{id}/merges"),
                "ok",
                &page.t1("patients-unmerge-done", "mrn", mrn),
            ))
        }
        Err(AppError::Invalid(errors)) => {
            drop(tx);
            let shown = Shown { form, errors, error: None, status: StatusCode::UNPROCESSABLE_ENTITY };
            render_confirm(&state, page, id, merge, shown).await
        }
        Err(AppError::Conflict(m)) => {
            drop(tx);
            let shown = Shown { form, errors: FieldErrors::default(), error: Some(m), status: StatusCode::CONFLICT };
            render_confirm(&state, page, id, merge, shown).await
        }
        Err(e) => Err(e),
    }
}

// ---- API ----

/// `GET /api/v1/patients/{id}/merges`: the merges the record took part in, newest first (a short
/// list: one page, `next` null).
pub async fn api_history(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Json<Paged<MergeEntry>>> {
    auth.require(crate::perms::PATIENTS_READ)?;
    let rows = history(&state.pool, patient.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("patient.merges.view", "patient", patient.id).patient(patient.id),
    )
    .await?;
    Ok(Json(Paged { items: rows, next: None }))
}

/// `GET /api/v1/patients/{id}/merges/{merge}`: what undoing it would meet.
pub async fn api_preview(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, merge)): Path<(String, Uuid)>,
) -> AppResult<Json<UnmergePreview>> {
    auth.require(crate::perms::PATIENTS_UNMERGE)?;
    Ok(Json(preview(&state.pool, state.registry, patient.id, merge, &hearth_core::web::time::Zone::utc()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UnmergeRequest {
    /// Why the merge was a mistake (1–500 characters).
    pub reason: String,
    /// Rows created on the survivor since the merge to move to the restored record too, per
    /// table (keys from the preview's `created_since`).
    #[serde(default)]
    pub also: BTreeMap<String, Vec<String>>,
}

/// `POST /api/v1/patients/{id}/merges/{merge}/undo`.
pub async fn api_undo(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, merge)): Path<(String, Uuid)>,
    Json(req): Json<UnmergeRequest>,
) -> AppResult<Json<Unmerged>> {
    auth.require(crate::perms::PATIENTS_UNMERGE)?;
    let reason = check_reason(&req.reason)?;
    let mut tx = state.pool.begin().await?;
    let what = UndoMerge { survivor: patient.id, merge, reason: &reason, also: &req.also };
    let done = unmerge(&mut tx, state.registry, &state.keys, &what, &auth.meta).await?;
    tx.commit().await?;
    Ok(Json(done))
}
