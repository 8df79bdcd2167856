//! Merging duplicate records: everything that points at the merged record moves to the
//! survivor, the merged record keeps its MRN and points to the survivor, both are audited.

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
use hearth_core::registry::{OnMerge, Registry};
use hearth_core::web::{self, Page};

/// Encrypted field pairs the survivor takes from the merged record when it has none itself.
const FILLABLE: &[(&str, Option<&str>)] = &[
    ("phone_enc", Some("phone_bidx")),
    ("email_enc", Some("email_bidx")),
    ("national_id_enc", Some("national_id_bidx")),
    ("insurance_enc", Some("insurance_bidx")),
    ("address_enc", None),
];

/// Merges `merged` into `survivor` on the caller's transaction. Refuses a merge into itself,
/// into or from an already merged record. Returns the number of rows moved per table.
pub async fn merge(
    conn: &mut PgConnection,
    registry: &Registry,
    survivor: Uuid,
    merged: Uuid,
    meta: &AuditMeta,
) -> Result<serde_json::Value, ChangeError> {
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
    // Every table the modules declare as following a merge, then their custom steps.
    let mut moved = serde_json::Map::new();
    for (_, t) in registry.patient_tables().filter(|(_, t)| t.on_merge == OnMerge::Follow) {
        let n = sqlx::query(&format!("UPDATE {} SET {c} = $1 WHERE {c} = $2", t.table, c = t.column))
            .bind(survivor)
            .bind(merged)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        moved.insert(t.table.to_string(), json!(n));
    }
    for step in registry.modules().flat_map(|m| m.merge_steps.iter()) {
        let n = (step.run)(&mut *conn, survivor, merged).await?;
        moved.insert(step.name.to_string(), json!(n));
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
    sets.push("birth_date = coalesce(s.birth_date, m.birth_date)".into());
    sets.push("birth_date_estimated = CASE WHEN s.birth_date IS NULL THEN m.birth_date_estimated ELSE s.birth_date_estimated END".into());
    sets.push("restricted = s.restricted OR m.restricted".into());
    sqlx::query(&format!("UPDATE patients s SET {} FROM patients m WHERE s.id = $1 AND m.id = $2", sets.join(", ")))
        .bind(survivor)
        .bind(merged)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE patients SET merged_into = $1, merged_at = now(), active = false WHERE id = $2")
        .bind(survivor)
        .bind(merged)
        .execute(&mut *conn)
        .await?;
    let moved = serde_json::Value::Object(moved);
    audit::record(
        conn,
        meta,
        Event::new("patient.merge", "patient", survivor)
            .patient(survivor)
            .changes(json!({"merged": merged, "merged_mrn": m.2, "moved": moved})),
    )
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("patient.merged_into", "patient", merged)
            .patient(merged)
            .changes(json!({"survivor": survivor, "survivor_mrn": s.2})),
    )
    .await?;
    Ok(moved)
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
    page.titled("Merge records")
        .crumb("Patients", "/patients")
        .crumb(s.full_name(), format!("/patients/{}", s.id))
        .crumb("Merge", format!("/patients/{}/merge", s.id))
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
            return refuse(page, this, form, format!("{which} has already been merged."));
        }
        return web::render(&MergePage { page, this, form, error: None, preview: Some((s, m)) });
    }
    let mut tx = state.pool.begin().await?;
    match merge(&mut tx, state.registry, survivor, merged, &auth.meta).await {
        Ok(_) => {
            tx.commit().await?;
            let mrn = repo::mrn_of(&state.pool, merged).await?.unwrap_or_default();
            Ok(web::redirect_flash(
                &format!("/patients/{survivor}"),
                "ok",
                &format!("{mrn} was merged into this record."),
            ))
        }
        Err(ChangeError::Refused(m)) => {
            drop(tx);
            refuse(page, this, form, m)
        }
        Err(e) => Err(e.into()),
    }
}

/// The registry's own merge steps: tables with one row per patient.
pub(crate) async fn merge_care_team(conn: &mut PgConnection, survivor: Uuid, merged: Uuid) -> sqlx::Result<u64> {
    let team = sqlx::query(
        "INSERT INTO patient_care_team (patient_id, user_id, role, added_by, added_at)
         SELECT $1, user_id, role, added_by, added_at FROM patient_care_team WHERE patient_id = $2
         ON CONFLICT DO NOTHING",
    )
    .bind(survivor)
    .bind(merged)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM patient_care_team WHERE patient_id = $1").bind(merged).execute(&mut *conn).await?;
    Ok(team)
}

/// The survivor keeps its own photo; it takes the merged record's when it has none.
pub(crate) async fn merge_photo(conn: &mut PgConnection, survivor: Uuid, merged: Uuid) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE patient_photos SET patient_id = $1 WHERE patient_id = $2
           AND NOT EXISTS (SELECT 1 FROM patient_photos WHERE patient_id = $1)",
    )
    .bind(survivor)
    .bind(merged)
    .execute(&mut *conn)
    .await?
    .rows_affected())
}
