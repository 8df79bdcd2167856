//! Merging duplicate records: everything that points at the merged record moves to the
//! survivor, the merged record keeps its MRN and points to the survivor, both are audited. The
//! merge log (`patient_merges`) records exactly what moved, so that a mistaken merge can be
//! undone (`unmerge.rs`).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::access;
use super::context::PatientCtx;
use super::model::PatientSummary;
use super::repo::{self, ChangeError};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::registry::{MergeRecord, OnMerge, Registry, StepOutcome};
use hearth_core::web::{self, Page};

/// Encrypted field pairs the survivor takes from the merged record when it has none itself.
pub(crate) const FILLABLE: &[(&str, Option<&str>)] = &[
    ("phone_enc", Some("phone_bidx")),
    ("email_enc", Some("email_bidx")),
    ("national_id_enc", Some("national_id_bidx")),
    ("insurance_enc", Some("insurance_bidx")),
    ("address_enc", None),
];

/// What a merge did: its log entry and the rows moved per table (the audit record's `moved`).
#[derive(Debug, Clone)]
pub struct Merged {
    pub id: Uuid,
    pub moved: serde_json::Value,
}

/// Merges `merged` into `survivor` on the caller's transaction. Refuses a merge into itself,
/// into or from an already merged record. Records the merge in `patient_merges` (the keys of
/// every row moved, the survivor's own rows, each step's data, the survivor's fields before) so
/// that [`super::unmerge::unmerge`] can undo it.
pub async fn merge(
    conn: &mut PgConnection,
    registry: &Registry,
    survivor: Uuid,
    merged: Uuid,
    meta: &AuditMeta,
) -> Result<Merged, ChangeError> {
    if survivor == merged {
        return Err(ChangeError::Refused("A record cannot be merged into itself.".into()));
    }
    // Lock both rows in id order so two concurrent merges cannot deadlock.
    let rows: Vec<(Uuid, Option<Uuid>, String, bool)> = sqlx::query_as(
        "SELECT id, merged_into, mrn, erased_at IS NOT NULL FROM patients WHERE id = ANY($1) ORDER BY id FOR UPDATE",
    )
    .bind(vec![survivor, merged])
    .fetch_all(&mut *conn)
    .await?;
    let find = |id: Uuid| rows.iter().find(|r| r.0 == id);
    let (Some(s), Some(m)) = (find(survivor), find(merged)) else {
        return Err(ChangeError::Db(sqlx::Error::RowNotFound));
    };
    if s.1.is_some() {
        return Err(ChangeError::Refused(format!(
            "{} was itself merged into another record; merge into the surviving record instead.",
            s.2
        )));
    }
    if m.1.is_some() {
        return Err(ChangeError::Refused(format!("{} has already been merged.", m.2)));
    }
    // Both records as they are before the merge: which identifiers the survivor will take from
    // the merged record (those it lacks), its restriction, the merged record's state.
    let mut filled_sql: Vec<String> = FILLABLE
        .iter()
        .map(|(enc, _)| format!("CASE WHEN s.{enc} IS NULL AND m.{enc} IS NOT NULL THEN '{enc}' END"))
        .collect();
    filled_sql.push("CASE WHEN s.birth_date IS NULL AND m.birth_date IS NOT NULL THEN 'birth_date' END".into());
    let (filled, restricted_before, merged_active): (Vec<String>, bool, bool) = sqlx::query_as(&format!(
        "SELECT array_remove(ARRAY[{}], NULL), s.restricted, m.active
         FROM patients s, patients m WHERE s.id = $1 AND m.id = $2",
        filled_sql.join(", ")
    ))
    .bind(survivor)
    .bind(merged)
    .fetch_one(&mut *conn)
    .await?;
    // The merged record points to the survivor first: ledgers that only let a patient id change
    // along a merge link (charges) check it while their rows move.
    sqlx::query("UPDATE patients SET merged_into = $1, merged_at = now(), active = false WHERE id = $2")
        .bind(survivor)
        .bind(merged)
        .execute(&mut *conn)
        .await?;
    // Every table the modules declare as following a merge, then their custom steps. The log
    // keeps the keys of the rows moved and of the survivor's own rows (what an unmerge needs to
    // tell rows created on the survivor since from both).
    let mut moved = serde_json::Map::new();
    let mut moved_keys: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut kept_keys: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (_, t) in registry.patient_tables().filter(|(_, t)| t.on_merge == OnMerge::Follow) {
        let kept: Vec<String> =
            sqlx::query_scalar(&format!("SELECT {k}::text FROM {} WHERE {c} = $1", t.table, k = t.key, c = t.column))
                .bind(survivor)
                .fetch_all(&mut *conn)
                .await?;
        let keys: Vec<String> = sqlx::query_scalar(&format!(
            "UPDATE {} SET {c} = $1 WHERE {c} = $2 RETURNING {k}::text",
            t.table,
            c = t.column,
            k = t.key
        ))
        .bind(survivor)
        .bind(merged)
        .fetch_all(&mut *conn)
        .await?;
        moved.insert(t.table.to_string(), json!(keys.len()));
        moved_keys.insert(t.table, keys);
        kept_keys.insert(t.table, kept);
    }
    let mut steps = serde_json::Map::new();
    for step in registry.modules().flat_map(|m| m.merge_steps.iter()) {
        let StepOutcome { moved: n, data } = (step.run)(&mut *conn, survivor, merged).await?;
        moved.insert(step.name.to_string(), json!(n));
        steps.insert(step.name.to_string(), data);
    }
    // The survivor keeps its own identifiers and takes the merged record's where it has none;
    // a restriction on either record carries over.
    let mut sets: Vec<String> = Vec::new();
    for (enc, bidx) in FILLABLE {
        if let Some(b) = bidx {
            sets.push(format!("{b} = CASE WHEN s.{enc} IS NULL THEN m.{b} ELSE s.{b} END"));
        }
        sets.push(format!("{enc} = coalesce(s.{enc}, m.{enc})"));
    }
    // The partial-number phone index goes with the phone it was computed from.
    sets.push(
        "phone_tail_bidx = CASE WHEN s.phone_enc IS NULL THEN m.phone_tail_bidx ELSE s.phone_tail_bidx END".into(),
    );
    sets.push(
        "phone_index_version = CASE WHEN s.phone_enc IS NULL THEN m.phone_index_version ELSE s.phone_index_version END"
            .into(),
    );
    sets.push("birth_date = coalesce(s.birth_date, m.birth_date)".into());
    sets.push("birth_date_estimated = CASE WHEN s.birth_date IS NULL THEN m.birth_date_estimated ELSE s.birth_date_estimated END".into());
    sets.push("restricted = s.restricted OR m.restricted".into());
    sqlx::query(&format!("UPDATE patients s SET {} FROM patients m WHERE s.id = $1 AND m.id = $2", sets.join(", ")))
        .bind(survivor)
        .bind(merged)
        .execute(&mut *conn)
        .await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patient_merges (id, survivor_id, merged_id, merged_at, merged_by, merged_by_label,
                                     survivor_before, merged_before, moved, kept, steps)
         SELECT $1, $2, $3, merged_at, $4, $5, $6, $7, $8, $9, $10 FROM patients WHERE id = $3",
    )
    .bind(id)
    .bind(survivor)
    .bind(merged)
    .bind(meta.actor_user_id)
    .bind(&meta.actor_label)
    .bind(json!({"filled": filled, "restricted": restricted_before}))
    .bind(json!({"active": merged_active}))
    .bind(json!(moved_keys))
    .bind(json!(kept_keys))
    .bind(serde_json::Value::Object(steps))
    .execute(&mut *conn)
    .await?;
    let moved = serde_json::Value::Object(moved);
    audit::record(
        conn,
        meta,
        Event::new("patient.merge", "patient", survivor)
            .patient(survivor)
            .changes(json!({"merge": id, "merged": merged, "merged_mrn": m.2, "moved": moved})),
    )
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("patient.merged_into", "patient", merged)
            .patient(merged)
            .changes(json!({"merge": id, "survivor": survivor, "survivor_mrn": s.2})),
    )
    .await?;
    Ok(Merged { id, moved })
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct MergeForm {
    /// MRN of the other record.
    other: String,
    /// "this": this record survives; "other": the other record survives.
    keep: String,
    #[serde(deserialize_with = "super::model::de_flag")]
    confirm: bool,
}

#[derive(Template)]
#[template(path = "patients/merge.html")]
struct MergePage {
    page: Page,
    this: PatientSummary,
    form: MergeForm,
    error: Option<String>,
    /// (survivor, merged) when previewing.
    preview: Option<(PatientSummary, PatientSummary)>,
}

async fn summary(state: &AppState, id: Uuid) -> AppResult<PatientSummary> {
    let mut conn = state.pool.acquire().await?;
    Ok(repo::load(&mut conn, &state.keys, id, false).await?.ok_or(AppError::NotFound)?.summary)
}

fn titled(page: Page, s: &PatientSummary) -> Page {
    let (title, list, crumb) =
        (page.t("patients-merge-heading"), page.t("nav-patients"), page.t("patients-merge-crumb"));
    page.titled(title)
        .crumb(list, "/patients")
        .crumb(s.full_name(), format!("/patients/{}", s.id))
        .crumb(crumb, format!("/patients/{}/merge", s.id))
}

pub async fn merge_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_MERGE)?;
    let id = patient.id;
    let this = summary(&state, id).await?;
    let form = MergeForm { keep: "other".into(), ..Default::default() };
    web::render(&MergePage { page: titled(page, &this), this, form, error: None, preview: None })
}

pub async fn merge_submit(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Form(form): Form<MergeForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_MERGE)?;
    let id = patient.id;
    let this = summary(&state, id).await?;
    let page = titled(page, &this);
    let refuse = |page: Page, this: PatientSummary, form: MergeForm, msg: String| {
        let msg = crate::i18n::localise(&page, &msg);
        web::render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &MergePage { page, this, form, error: Some(msg), preview: None },
        )
    };
    let other_id: Option<Uuid> = sqlx::query_scalar("SELECT id FROM patients WHERE mrn = $1")
        .bind(form.other.trim().to_ascii_uppercase())
        .fetch_optional(&state.pool)
        .await?;
    let Some(other_id) = other_id else {
        return refuse(page, this, form, "No record has that MRN.".into());
    };
    if access::check(&state.pool, &auth.user, other_id).await? != access::Access::Allowed {
        return refuse(page, this, form, "You may not open the other record (restricted).".into());
    }
    let (survivor, merged) = match form.keep.as_str() {
        "this" => (id, other_id),
        "other" => (other_id, id),
        _ => return refuse(page, this, form, "Choose which record survives.".into()),
    };
    if !form.confirm {
        // Check the refusals before asking for confirmation.
        if survivor == merged {
            return refuse(page, this, form, "A record cannot be merged into itself.".into());
        }
        let s = summary(&state, survivor).await?;
        let m = summary(&state, merged).await?;
        if s.merged_into.is_some() || m.merged_into.is_some() {
            let which = if s.merged_into.is_some() { &s.mrn } else { &m.mrn };
            let msg = page.t1("patients-merge-already-merged", "mrn", which);
            return refuse(page, this, form, msg);
        }
        return web::render(&MergePage { page, this, form, error: None, preview: Some((s, m)) });
    }
    let mut tx = state.pool.begin().await?;
    match merge(&mut tx, state.registry, survivor, merged, &auth.meta).await {
        Ok(_) => {
            tx.commit().await?;
            let mrn = repo::mrn_of(&state.pool, merged).await?.unwrap_or_default();
            Ok(web::redirect_flash(&format!("/patients/{survivor}"), "ok", &page.t1("patients-merge-done", "mrn", mrn)))
        }
        Err(ChangeError::Refused(m)) => {
            drop(tx);
            refuse(page, this, form, m)
        }
        Err(e) => Err(e.into()),
    }
}

/// The registry's own merge steps: tables with one row per patient. The care team: the merged
/// record's members join the survivor's (those already on it keep their entry). Keeps the merged
/// record's team and who was added to the survivor, for the undo.
pub(crate) async fn merge_care_team(
    conn: &mut PgConnection,
    survivor: Uuid,
    merged: Uuid,
) -> sqlx::Result<StepOutcome> {
    let team: Vec<(Uuid, String, Option<Uuid>, time::OffsetDateTime)> = sqlx::query_as(
        "SELECT user_id, role, added_by, added_at FROM patient_care_team WHERE patient_id = $1 ORDER BY user_id",
    )
    .bind(merged)
    .fetch_all(&mut *conn)
    .await?;
    let added: Vec<Uuid> = sqlx::query_scalar(
        "INSERT INTO patient_care_team (patient_id, user_id, role, added_by, added_at)
         SELECT $1, user_id, role, added_by, added_at FROM patient_care_team WHERE patient_id = $2
         ON CONFLICT DO NOTHING RETURNING user_id",
    )
    .bind(survivor)
    .bind(merged)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM patient_care_team WHERE patient_id = $1").bind(merged).execute(&mut *conn).await?;
    let members: Vec<serde_json::Value> = team
        .iter()
        .map(|(u, role, by, at)| json!({"user_id": u, "role": role, "added_by": by, "added_at": at.unix_timestamp_nanos().to_string()}))
        .collect();
    Ok(StepOutcome::new(added.len() as u64, json!({"team": members, "added": added})))
}

/// Undoes [`merge_care_team`]: the merged record gets its team back; members the merge added to
/// the survivor leave it (unless they were added to it again since, with a later time).
pub(crate) async fn unmerge_care_team(conn: &mut PgConnection, m: &MergeRecord) -> sqlx::Result<u64> {
    let data = m.step_data("patient_care_team");
    let mut restored = 0;
    for member in data["team"].as_array().into_iter().flatten() {
        let Some(user) = member["user_id"].as_str().and_then(|u| Uuid::parse_str(u).ok()) else { continue };
        let at = member["added_at"]
            .as_str()
            .and_then(|n| n.parse::<i128>().ok())
            .and_then(|n| time::OffsetDateTime::from_unix_timestamp_nanos(n).ok());
        let by = member["added_by"].as_str().and_then(|u| Uuid::parse_str(u).ok());
        restored += sqlx::query(
            "INSERT INTO patient_care_team (patient_id, user_id, role, added_by, added_at)
             VALUES ($1, $2, $3, $4, coalesce($5, now())) ON CONFLICT DO NOTHING",
        )
        .bind(m.merged)
        .bind(user)
        .bind(member["role"].as_str().unwrap_or_default())
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    let added: Vec<Uuid> = data["added"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str().and_then(|u| Uuid::parse_str(u).ok()))
        .collect();
    sqlx::query("DELETE FROM patient_care_team WHERE patient_id = $1 AND user_id = ANY($2) AND added_at <= $3")
        .bind(m.survivor)
        .bind(&added)
        .bind(m.merged_at)
        .execute(&mut *conn)
        .await?;
    Ok(restored)
}

/// The survivor keeps its own photo; it takes the merged record's when it has none.
pub(crate) async fn merge_photo(conn: &mut PgConnection, survivor: Uuid, merged: Uuid) -> sqlx::Result<StepOutcome> {
    let sha: Option<Vec<u8>> = sqlx::query_scalar(
        "UPDATE patient_photos SET patient_id = $1 WHERE patient_id = $2
           AND NOT EXISTS (SELECT 1 FROM patient_photos WHERE patient_id = $1)
         RETURNING sha256",
    )
    .bind(survivor)
    .bind(merged)
    .fetch_optional(&mut *conn)
    .await?;
    let moved = sha.as_ref().map(hex::encode);
    Ok(StepOutcome::new(u64::from(sha.is_some()), json!({"moved_sha256": moved})))
}

/// Undoes [`merge_photo`]: the photo the merge gave the survivor goes back, unless the survivor's
/// photo was replaced since (then it is the survivor's own).
pub(crate) async fn unmerge_photo(conn: &mut PgConnection, m: &MergeRecord) -> sqlx::Result<u64> {
    let Some(sha) = m.step_data("patient_photos")["moved_sha256"].as_str().and_then(|h| hex::decode(h).ok()) else {
        return Ok(0);
    };
    Ok(sqlx::query(
        "UPDATE patient_photos SET patient_id = $2 WHERE patient_id = $1 AND sha256 = $3
           AND NOT EXISTS (SELECT 1 FROM patient_photos WHERE patient_id = $2)",
    )
    .bind(m.survivor)
    .bind(m.merged)
    .bind(sha)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
