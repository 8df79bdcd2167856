//! What another system recorded about who a patient is: other identifiers (the previous
//! system's MRN above all, passport, driving licence, national insurance or health number,
//! insurance member number), other names (maiden, alias, nickname, …; the official name stays the
//! record's own), the structured address, birth sex and marital status.
//!
//! Identifier values and names are PHI: encrypted at rest; identifier values carry a blind index
//! so that searching the registry for a previous MRN finds the record.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::Date;
use uuid::Uuid;

use super::context::PatientCtx;
use super::model::{clean, parse_date, NewPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::crypto::{normalize_identifier, KeyRing};
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, FieldErrors, Path};

pub const AAD_IDENTIFIER: &str = "patient_identifiers.value";
pub const AAD_NAME_GIVEN: &str = "patient_names.given";
pub const AAD_NAME_FAMILY: &str = "patient_names.family";
pub const AAD_ADDRESS_PARTS: &str = "patients.address_parts";
pub const AAD_RACE: &str = "patients.race";
pub const AAD_ETHNICITY: &str = "patients.ethnicity";

/// Kinds of other identifiers, with their labels.
pub const IDENTIFIER_KINDS: [(&str, &str); 6] = [
    ("previous_mrn", "Previous MRN"),
    ("passport", "Passport"),
    ("driving_licence", "Driving licence"),
    ("national_health", "National insurance / health number"),
    ("insurance_member", "Insurance member number"),
    ("other", "Other"),
];

/// Uses of other names (FHIR `HumanName.use` without `official`, which is the record's own).
pub const NAME_USES: [(&str, &str); 6] = [
    ("maiden", "Maiden name"),
    ("usual", "Alias (name in use)"),
    ("nickname", "Nickname"),
    ("old", "Previous name"),
    ("temp", "Temporary name"),
    ("anonymous", "Anonymous name"),
];

/// Sex assigned at birth.
pub const BIRTH_SEXES: [&str; 3] = ["female", "male", "unknown"];

/// The FHIR marital-status value set.
pub const MARITAL: [(&str, &str); 12] = [
    ("S", "Never married"),
    ("M", "Married"),
    ("T", "Domestic partner"),
    ("C", "Common law"),
    ("P", "Polygamous"),
    ("L", "Legally separated"),
    ("I", "Interlocutory"),
    ("D", "Divorced"),
    ("A", "Annulled"),
    ("W", "Widowed"),
    ("U", "Unmarried"),
    ("UNK", "Unknown"),
];

pub fn marital_label(code: Option<&str>) -> &'static str {
    code.and_then(|c| MARITAL.iter().find(|(k, _)| *k == c)).map(|(_, l)| *l).unwrap_or("—")
}

pub fn kind_label(kind: &str) -> &'static str {
    IDENTIFIER_KINDS.iter().find(|(k, _)| *k == kind).map(|(_, l)| *l).unwrap_or("Other")
}

pub fn use_label(u: &str) -> &'static str {
    NAME_USES.iter().find(|(k, _)| *k == u).map(|(_, l)| *l).unwrap_or("Other name")
}

fn bad_text(s: &str) -> bool {
    s.chars().any(|c| c.is_control()) || s.contains(['<', '>'])
}

/// Address line 2 and the structured parts (line 1 is the record's `address`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AddressParts {
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub district: Option<String>,
    pub state: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
}

impl AddressParts {
    pub fn validate(f: &NewPatient, e: &mut FieldErrors) -> Self {
        let mut one = |field: &'static str, v: &Option<String>, max: usize| {
            let v = clean(v);
            if v.as_ref().is_some_and(|t| t.chars().count() > max || bad_text(t)) {
                e.add(field, format!("At most {max} characters, no control characters or < >."));
            }
            v
        };
        AddressParts {
            address_line2: one("address_line2", &f.address_line2, 200),
            city: one("city", &f.city, 100),
            district: one("district", &f.district, 100),
            state: one("state", &f.state, 100),
            postcode: one("postcode", &f.postcode, 20),
            country: one("country", &f.country, 100),
        }
    }
    pub fn is_empty(&self) -> bool {
        *self == AddressParts::default()
    }
    /// Encrypted JSON, or `None` when no part is given.
    pub fn encrypt(&self, keys: &KeyRing) -> Option<Vec<u8>> {
        if self.is_empty() {
            return None;
        }
        let s = serde_json::to_string(self).unwrap_or_default();
        Some(keys.encrypt(&s, AAD_ADDRESS_PARTS))
    }
    pub fn decrypt(keys: &KeyRing, enc: Option<&[u8]>) -> Self {
        keys.decrypt_opt(enc, AAD_ADDRESS_PARTS).and_then(|s| serde_json::from_str(&s).ok()).unwrap_or_default()
    }
    /// "City, district, state, postcode, country" for display.
    pub fn text(&self) -> String {
        [&self.address_line2, &self.city, &self.district, &self.state, &self.postcode, &self.country]
            .iter()
            .filter_map(|v| v.as_deref())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An identifier as sent (registration, the API, the page's form).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct IdentifierInput {
    /// previous_mrn, passport, driving_licence, national_health, insurance_member or other
    pub kind: String,
    /// The issuing system or authority (e.g. the previous hospital, a country, a URI).
    pub issuer: Option<String>,
    pub value: String,
    /// YYYY-MM-DD
    pub period_start: Option<String>,
    /// YYYY-MM-DD
    pub period_end: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValidIdentifier {
    pub kind: String,
    pub issuer: String,
    pub value: String,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
}

fn period(
    e: &mut FieldErrors,
    field: &'static str,
    s: &Option<String>,
    end: &Option<String>,
) -> (Option<Date>, Option<Date>) {
    let mut one = |v: &Option<String>| match clean(v) {
        None => None,
        Some(t) => match parse_date(&t) {
            Some(d) => Some(d),
            None => {
                e.add(field, "Use the form YYYY-MM-DD for the period.");
                None
            }
        },
    };
    let (a, b) = (one(s), one(end));
    if let (Some(a), Some(b)) = (a, b) {
        if b < a {
            e.add(field, "The period ends before it starts.");
        }
    }
    (a, b)
}

impl IdentifierInput {
    pub fn validate(&self, e: &mut FieldErrors, field: &'static str) -> Option<ValidIdentifier> {
        let before = e.0.len();
        let kind = self.kind.trim().to_string();
        if !IDENTIFIER_KINDS.iter().any(|(k, _)| *k == kind) {
            e.add(field, "Choose the kind of identifier: previous_mrn, passport, driving_licence, national_health, insurance_member or other.");
        }
        let value = self.value.trim().to_string();
        if normalize_identifier(&value).is_empty() || value.chars().count() > 100 || bad_text(&value) {
            e.add(field, "Enter the identifier's value (1 to 100 characters, letters or digits).");
        }
        let issuer = clean(&self.issuer).unwrap_or_default();
        if issuer.chars().count() > 200 || bad_text(&issuer) {
            e.add(field, "The issuer has at most 200 characters.");
        }
        let (period_start, period_end) = period(e, field, &self.period_start, &self.period_end);
        (e.0.len() == before).then_some(ValidIdentifier { kind, issuer, value, period_start, period_end })
    }
}

/// A name as sent.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NameInput {
    /// maiden, usual (alias), nickname, old, temp or anonymous
    #[serde(rename = "use")]
    pub name_use: String,
    pub given: Option<String>,
    pub family: Option<String>,
    pub period_start: Option<String>,
    pub period_end: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ValidName {
    pub name_use: String,
    pub given: Option<String>,
    pub family: Option<String>,
    pub period_start: Option<Date>,
    pub period_end: Option<Date>,
}

impl NameInput {
    pub fn validate(&self, e: &mut FieldErrors, field: &'static str) -> Option<ValidName> {
        let before = e.0.len();
        let name_use = self.name_use.trim().to_string();
        if !NAME_USES.iter().any(|(k, _)| *k == name_use) {
            e.add(field, "Choose the kind of name: maiden, usual (alias), nickname, old, temp or anonymous.");
        }
        let (given, family) = (clean(&self.given), clean(&self.family));
        if given.is_none() && family.is_none() {
            e.add(field, "Enter a given or a family name.");
        }
        for v in [&given, &family].into_iter().flatten() {
            if v.chars().count() > 100 || bad_text(v) {
                e.add(field, "A name has at most 100 characters.");
            } else if let Err(m) = hearth_core::web::input::person_name(v) {
                e.add(field, m);
            }
        }
        let (period_start, period_end) = period(e, field, &self.period_start, &self.period_end);
        (e.0.len() == before).then_some(ValidName { name_use, given, family, period_start, period_end })
    }
}

const DUPLICATE: &str = "This identifier is already recorded for the patient.";

pub fn validate_identifiers(list: &[IdentifierInput], e: &mut FieldErrors) -> Vec<ValidIdentifier> {
    if list.len() > 20 {
        e.add("identifiers", "At most 20 other identifiers.");
        return Vec::new();
    }
    let out: Vec<ValidIdentifier> = list.iter().filter_map(|i| i.validate(e, "identifiers")).collect();
    let mut seen = std::collections::HashSet::new();
    if !out.iter().all(|i| seen.insert((i.kind.clone(), normalize_identifier(&i.value)))) {
        e.add("identifiers", "The same identifier is listed twice.");
    }
    out
}

pub fn validate_names(list: &[NameInput], e: &mut FieldErrors) -> Vec<ValidName> {
    if list.len() > 20 {
        e.add("names", "At most 20 other names.");
        return Vec::new();
    }
    list.iter().filter_map(|n| n.validate(e, "names")).collect()
}

pub fn bidx_identifier(keys: &KeyRing, v: &str) -> Vec<u8> {
    keys.blind_index("other_identifier", &normalize_identifier(v))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IdentifierView {
    pub id: Uuid,
    pub kind: String,
    pub issuer: String,
    pub value: String,
    #[schema(value_type = Option<String>)]
    pub period_start: Option<Date>,
    #[schema(value_type = Option<String>)]
    pub period_end: Option<Date>,
}

impl IdentifierView {
    pub fn label(&self) -> &'static str {
        kind_label(&self.kind)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NameView {
    pub id: Uuid,
    #[serde(rename = "use")]
    pub name_use: String,
    pub given: Option<String>,
    pub family: Option<String>,
    #[schema(value_type = Option<String>)]
    pub period_start: Option<Date>,
    #[schema(value_type = Option<String>)]
    pub period_end: Option<Date>,
}

impl NameView {
    pub fn label(&self) -> &'static str {
        use_label(&self.name_use)
    }
    pub fn text(&self) -> String {
        match (&self.family, &self.given) {
            (Some(f), Some(g)) => format!("{f}, {g}"),
            (Some(f), None) => f.clone(),
            (None, Some(g)) => g.clone(),
            (None, None) => String::new(),
        }
    }
}

/// Whether the patient already has this identifier (same kind and value).
pub async fn identifier_exists(
    conn: &mut PgConnection,
    keys: &KeyRing,
    patient_id: Uuid,
    v: &ValidIdentifier,
) -> sqlx::Result<bool> {
    let bidx = bidx_identifier(keys, &v.value);
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM patient_identifiers WHERE patient_id = $1 AND kind = $2 AND value_bidx = $3)",
    )
    .bind(patient_id)
    .bind(&v.kind)
    .bind(&bidx)
    .fetch_one(&mut *conn)
    .await
}

/// Adds an identifier (callers refuse a duplicate first, see [`identifier_exists`]); audited.
pub async fn add_identifier(
    conn: &mut PgConnection,
    keys: &KeyRing,
    patient_id: Uuid,
    v: &ValidIdentifier,
    meta: &AuditMeta,
) -> sqlx::Result<Uuid> {
    let bidx = bidx_identifier(keys, &v.value);
    let id = Uuid::new_v4();
    sqlx::query(
        // clock_timestamp(): several added in one transaction (a registration) list in the order sent.
        "INSERT INTO patient_identifiers (id, patient_id, kind, issuer, value_enc, value_bidx, period_start, period_end, created_by,
            created_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9, clock_timestamp())",
    )
    .bind(id)
    .bind(patient_id)
    .bind(&v.kind)
    .bind(&v.issuer)
    .bind(keys.encrypt(&v.value, AAD_IDENTIFIER))
    .bind(&bidx)
    .bind(v.period_start)
    .bind(v.period_end)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("patient.identifier.add", "patient_identifier", id)
            .patient(patient_id)
            .changes(json!({"kind": v.kind, "issuer": v.issuer, "value": {"changed": true, "encrypted": true}})),
    )
    .await?;
    Ok(id)
}

pub async fn add_name(
    conn: &mut PgConnection,
    keys: &KeyRing,
    patient_id: Uuid,
    v: &ValidName,
    meta: &AuditMeta,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patient_names (id, patient_id, use, given_enc, family_enc, period_start, period_end, created_by,
            created_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8, clock_timestamp())",
    )
    .bind(id)
    .bind(patient_id)
    .bind(&v.name_use)
    .bind(v.given.as_deref().map(|g| keys.encrypt(g, AAD_NAME_GIVEN)))
    .bind(v.family.as_deref().map(|f| keys.encrypt(f, AAD_NAME_FAMILY)))
    .bind(v.period_start)
    .bind(v.period_end)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("patient.name.add", "patient_name", id)
            .patient(patient_id)
            .changes(json!({"use": v.name_use, "name": {"changed": true, "encrypted": true}})),
    )
    .await?;
    Ok(id)
}

#[derive(FromRow)]
struct IdRow {
    id: Uuid,
    kind: String,
    issuer: String,
    value_enc: Vec<u8>,
    period_start: Option<Date>,
    period_end: Option<Date>,
}

pub async fn identifiers(
    conn: &mut PgConnection,
    keys: &KeyRing,
    patient_id: Uuid,
) -> sqlx::Result<Vec<IdentifierView>> {
    let rows: Vec<IdRow> = sqlx::query_as(
        "SELECT id, kind, issuer, value_enc, period_start, period_end FROM patient_identifiers
         WHERE patient_id = $1 ORDER BY created_at, id",
    )
    .bind(patient_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| IdentifierView {
            id: r.id,
            kind: r.kind,
            issuer: r.issuer,
            value: keys.decrypt_opt(Some(&r.value_enc), AAD_IDENTIFIER).unwrap_or_default(),
            period_start: r.period_start,
            period_end: r.period_end,
        })
        .collect())
}

#[derive(FromRow)]
struct NameRow {
    id: Uuid,
    #[sqlx(rename = "use")]
    name_use: String,
    given_enc: Option<Vec<u8>>,
    family_enc: Option<Vec<u8>>,
    period_start: Option<Date>,
    period_end: Option<Date>,
}

pub async fn names(conn: &mut PgConnection, keys: &KeyRing, patient_id: Uuid) -> sqlx::Result<Vec<NameView>> {
    let rows: Vec<NameRow> = sqlx::query_as(
        "SELECT id, use, given_enc, family_enc, period_start, period_end FROM patient_names
         WHERE patient_id = $1 ORDER BY created_at, id",
    )
    .bind(patient_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| NameView {
            id: r.id,
            name_use: r.name_use,
            given: keys.decrypt_opt(r.given_enc.as_deref(), AAD_NAME_GIVEN),
            family: keys.decrypt_opt(r.family_enc.as_deref(), AAD_NAME_FAMILY),
            period_start: r.period_start,
            period_end: r.period_end,
        })
        .collect())
}

async fn remove(conn: &mut PgConnection, table: &str, patient_id: Uuid, id: Uuid, meta: &AuditMeta) -> AppResult<()> {
    let (sql, action, entity) = match table {
        "patient_identifiers" => (
            "DELETE FROM patient_identifiers WHERE id = $1 AND patient_id = $2",
            "patient.identifier.remove",
            "patient_identifier",
        ),
        _ => ("DELETE FROM patient_names WHERE id = $1 AND patient_id = $2", "patient.name.remove", "patient_name"),
    };
    let n = sqlx::query(sql).bind(id).bind(patient_id).execute(&mut *conn).await?.rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    audit::record(conn, meta, Event::new(action, entity, id).patient(patient_id)).await?;
    Ok(())
}

async fn open_record(pool: &PgPool, id: Uuid) -> AppResult<()> {
    let merged: bool = sqlx::query_scalar("SELECT merged_into IS NOT NULL FROM patients WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    if merged {
        return Err(AppError::Conflict("This record was merged; change the surviving record instead.".into()));
    }
    Ok(())
}

// ---- pages ----

pub async fn add_identifier_page(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<IdentifierInput>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    open_record(&state.pool, id).await?;
    let mut e = FieldErrors::default();
    let Some(v) = f.validate(&mut e, "identifiers") else {
        return Ok(web::redirect_flash(&format!("/patients/{id}#identifiers"), "error", &e.messages()));
    };
    let mut tx = state.pool.begin().await?;
    if identifier_exists(&mut tx, &state.keys, id, &v).await? {
        return Ok(web::redirect_flash(&format!("/patients/{id}#identifiers"), "error", DUPLICATE));
    }
    add_identifier(&mut tx, &state.keys, id, &v, &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}#identifiers"), "ok", "Identifier added."))
}

pub async fn remove_identifier_page(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, iid)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    remove_page(&state, &auth, patient.id, "patient_identifiers", iid, "identifiers", "Identifier removed.").await
}

pub async fn add_name_page(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<NameInput>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    open_record(&state.pool, id).await?;
    let mut e = FieldErrors::default();
    let Some(v) = f.validate(&mut e, "names") else {
        return Ok(web::redirect_flash(&format!("/patients/{id}#names"), "error", &e.messages()));
    };
    let mut tx = state.pool.begin().await?;
    add_name(&mut tx, &state.keys, id, &v, &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}#names"), "ok", "Name added."))
}

pub async fn remove_name_page(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, nid)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    remove_page(&state, &auth, patient.id, "patient_names", nid, "names", "Name removed.").await
}

/// The page form's removal of an identifier or a name: back to its section of the patient page.
async fn remove_page(
    state: &AppState,
    auth: &Auth,
    id: Uuid,
    table: &str,
    row: Uuid,
    anchor: &str,
    done: &str,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    open_record(&state.pool, id).await?;
    let mut tx = state.pool.begin().await?;
    remove(&mut tx, table, id, row, &auth.meta).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{id}#{anchor}"), "ok", done))
}

// ---- API ----

#[derive(Serialize, utoipa::ToSchema)]
pub struct Added {
    id: Uuid,
}

/// Adds another identifier (previous MRN, passport, …) to the patient. 422 for a bad one or
/// one already recorded; 409 on a merged record. Audited.
#[utoipa::path(post, path = "/api/v1/patients/{id}/identifiers", tag = "patients", params(("id" = Uuid, Path)), request_body = IdentifierInput, responses((status = 201, body = Added), (status = 409), (status = 422), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn api_add_identifier(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<IdentifierInput>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    open_record(&state.pool, patient.id).await?;
    let mut e = FieldErrors::default();
    let v = f.validate(&mut e, "identifiers").ok_or(AppError::Invalid(e))?;
    let mut tx = state.pool.begin().await?;
    if identifier_exists(&mut tx, &state.keys, patient.id, &v).await? {
        return Err(AppError::field("identifiers", DUPLICATE));
    }
    let id = add_identifier(&mut tx, &state.keys, patient.id, &v, &auth.meta).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Added { id })).into_response())
}

/// Removes one of the patient's other identifiers. Audited.
#[utoipa::path(delete, path = "/api/v1/patients/{id}/identifiers/{identifier}", tag = "patients", params(("id" = Uuid, Path), ("identifier" = Uuid, Path)), responses((status = 204), (status = 409), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn api_remove_identifier(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, iid)): Path<(String, Uuid)>,
) -> AppResult<StatusCode> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    open_record(&state.pool, patient.id).await?;
    let mut tx = state.pool.begin().await?;
    remove(&mut tx, "patient_identifiers", patient.id, iid, &auth.meta).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds another name (maiden, alias, nickname, …); the official name stays the record's own.
#[utoipa::path(post, path = "/api/v1/patients/{id}/names", tag = "patients", params(("id" = Uuid, Path)), request_body = NameInput, responses((status = 201, body = Added), (status = 409), (status = 422), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn api_add_name(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Json(f): Json<NameInput>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    open_record(&state.pool, patient.id).await?;
    let mut e = FieldErrors::default();
    let v = f.validate(&mut e, "names").ok_or(AppError::Invalid(e))?;
    let mut tx = state.pool.begin().await?;
    let id = add_name(&mut tx, &state.keys, patient.id, &v, &auth.meta).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(Added { id })).into_response())
}

/// Removes one of the patient's other names. Audited.
#[utoipa::path(delete, path = "/api/v1/patients/{id}/names/{name}", tag = "patients", params(("id" = Uuid, Path), ("name" = Uuid, Path)), responses((status = 204), (status = 409), (status = 403), (status = 404)), security(("bearer" = [])))]
pub async fn api_remove_name(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, nid)): Path<(String, Uuid)>,
) -> AppResult<StatusCode> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    open_record(&state.pool, patient.id).await?;
    let mut tx = state.pool.begin().await?;
    remove(&mut tx, "patient_names", patient.id, nid, &auth.meta).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_names_are_checked() {
        let mut e = FieldErrors::default();
        let ok = IdentifierInput { kind: "previous_mrn".into(), value: " OLD-123 ".into(), ..Default::default() };
        assert_eq!(ok.validate(&mut e, "identifiers").unwrap().value, "OLD-123");
        let bad = IdentifierInput {
            kind: "shoe_size".into(),
            value: "1".into(),
            period_start: Some("2020-01-02".into()),
            period_end: Some("2019-01-01".into()),
            ..Default::default()
        };
        assert!(bad.validate(&mut e, "identifiers").is_none());
        assert!(e.messages().contains("kind of identifier") && e.messages().contains("ends before"));
        let mut e = FieldErrors::default();
        let n = NameInput { name_use: "maiden".into(), family: Some("Smith".into()), ..Default::default() };
        assert!(n.validate(&mut e, "names").is_some());
        let empty = NameInput { name_use: "official".into(), ..Default::default() };
        assert!(empty.validate(&mut e, "names").is_none());
        assert!(e.messages().contains("given or a family"));
    }

    #[test]
    fn labels() {
        assert_eq!(marital_label(Some("M")), "Married");
        assert_eq!(marital_label(None), "—");
        assert_eq!(kind_label("previous_mrn"), "Previous MRN");
    }
}
