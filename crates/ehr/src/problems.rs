//! The problem list: each problem coded in a system (ICD-10-CM, SNOMED CT, the source system's
//! own) or kept as free text, with a billable ICD-10-CM code optional (issue 14).

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::{audit_view, clinical_date, date_str, icd, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;

pub const STATUSES: [&str; 3] = ["active", "resolved", "entered_in_error"];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewProblem {
    /// A billable ICD-10-CM code, with or without the dot (E11.9 or E119). Optional when the
    /// problem is coded in another system (`system` + `code`) or given as free text (`display`).
    #[serde(default)]
    pub icd_code: String,
    /// The coding system of `code`: a URI (`http://snomed.info/sct` for SNOMED CT,
    /// `http://hl7.org/fhir/sid/icd-10-cm`, or the source system's own), or `snomed`/`icd10cm`.
    #[serde(default)]
    pub system: String,
    /// The code in `system` (SNOMED CT: the concept id, digits only).
    #[serde(default)]
    pub code: String,
    /// The problem as named in `system` or as free text; required unless ICD-10-CM coded.
    #[serde(default)]
    pub display: String,
    /// The page's "another system" choice: the system URI.
    #[serde(default)]
    #[schema(ignore)]
    pub system_uri: String,
    /// YYYY-MM-DD, for a problem recorded as resolved: when it resolved (default today; not in
    /// the future, not before the onset).
    #[serde(default)]
    pub resolved_date: String,
    /// YYYY-MM-DD; not in the future, not before birth.
    #[serde(default)]
    pub onset_date: String,
    /// active (default) or resolved.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub comment: String,
    /// confirmed (default) or provisional.
    #[serde(default)]
    pub certainty: String,
    /// Records it as a diagnosis of this encounter of the patient (with `diagnosis_rank`).
    #[serde(default)]
    pub encounter_id: String,
    /// primary or secondary (default when an encounter is given); one primary per encounter.
    #[serde(default)]
    pub diagnosis_rank: String,
    /// Record it although the same code is an active problem (otherwise 409 with the existing
    /// entry's id); needs `duplicate_reason`.
    #[serde(default)]
    pub record_anyway: bool,
    /// Why a second active entry with the same code is recorded.
    #[serde(default)]
    pub duplicate_reason: String,
    /// Who recorded it in the source system (imports); empty when recorded here.
    #[serde(default)]
    pub source_author: String,
    /// When it was recorded in the source system (RFC 3339; default now; not in the future).
    #[serde(default)]
    pub recorded_at: String,
}

pub const CERTAINTIES: [&str; 2] = ["confirmed", "provisional"];
pub const RANKS: [&str; 2] = ["primary", "secondary"];

pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub const SNOMED: &str = "http://snomed.info/sct";

/// Reads a coding system as sent: a known short name or an absolute URI (`http(s)://`, `urn:`).
pub fn normalize_system(raw: &str) -> Result<Option<String>, String> {
    let raw = raw.trim();
    let lower = raw.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "" => None,
        "snomed" | "snomed ct" | "snomed-ct" | "sct" | SNOMED => Some(SNOMED.into()),
        "icd10cm" | "icd-10-cm" | "icd10" | ICD10CM => Some(ICD10CM.into()),
        _ if (lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("urn:"))
            && raw.len() <= 250
            && !raw.contains(char::is_whitespace)
            && raw.len() > raw.find(':').unwrap_or(0) + 3 =>
        {
            Some(raw.to_string())
        }
        _ => return Err("Give the code system as a URI, e.g. http://snomed.info/sct for SNOMED CT.".into()),
    })
}

/// A readable name for a coding system.
pub fn system_label(system: &str) -> String {
    match system {
        SNOMED => "SNOMED CT".into(),
        ICD10CM => "ICD-10-CM".into(),
        "http://www.ama-assn.org/go/cpt" => "CPT".into(),
        "http://www.cms.gov/Medicare/Coding/ICD10" => "ICD-10-PCS".into(),
        "http://www.nlm.nih.gov/research/umls/rxnorm" => "RxNorm".into(),
        other => other.to_string(),
    }
}

/// A SNOMED CT concept id: 6 to 18 digits, no leading zero.
pub fn is_sctid(code: &str) -> bool {
    (6..=18).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_digit()) && !code.starts_with('0')
}

pub struct ValidProblem {
    /// The billable ICD-10-CM code, if any.
    pub(crate) icd: Option<icd::IcdCode>,
    /// (system, code); none for free text.
    pub(crate) coding: Option<(String, String)>,
    pub(crate) description: String,
    onset_date: Option<Date>,
    resolved_date: Option<Date>,
    status: String,
    comment: String,
    certainty: String,
    encounter_id: Option<Uuid>,
    diagnosis_rank: Option<String>,
    pub(crate) record_anyway: bool,
    duplicate_reason: String,
    source_author: String,
    recorded_at: Option<OffsetDateTime>,
}

impl ValidProblem {
    /// A new active problem is checked against the active ones (a past, resolved episode is
    /// no duplicate), unless recorded anyway.
    pub fn checks_duplicates(&self) -> bool {
        !self.record_anyway && self.status == "active"
    }
    /// "E11.9 Type 2 diabetes …", "SNOMED CT 49436004 Atrial fibrillation" or the free text.
    pub fn label(&self) -> String {
        match (&self.coding, &self.icd) {
            (Some((s, c)), _) if s == ICD10CM => format!("{c} {}", self.description),
            (Some((s, c)), _) => format!("{} {c} {}", system_label(s), self.description),
            (None, _) => self.description.clone(),
        }
    }
}

impl NewProblem {
    pub async fn validate(
        &self,
        pool: &PgPool,
        patient: Uuid,
        birth: Option<Date>,
        today: Date,
        zone: &Zone,
    ) -> sqlx::Result<Result<ValidProblem, FieldErrors>> {
        let mut e = FieldErrors::default();
        let system_raw = if self.system.trim() == "other" { self.system_uri.trim() } else { self.system.trim() };
        let system = match normalize_system(system_raw) {
            Ok(s) => s,
            Err(m) => {
                e.add(if self.system.trim() == "other" { "system_uri" } else { "system" }, m);
                None
            }
        };
        let code = self.code.trim();
        let display = self.display.trim();
        if display.chars().count() > 500 {
            e.add("display", "At most 500 characters.");
        }
        let (icd_input, coding): (&str, Option<(String, String)>) = match system.as_deref() {
            Some(ICD10CM) => (if code.is_empty() { self.icd_code.as_str() } else { code }, None),
            Some(s) => {
                if code.is_empty() {
                    e.add("code", "Enter the code in this system.");
                } else if s == SNOMED && !is_sctid(code) {
                    e.add("code", "A SNOMED CT code is a concept id: 6 to 18 digits, e.g. 49436004.");
                } else if code.chars().count() > 100 || code.contains(char::is_whitespace) {
                    e.add("code", "A code has at most 100 characters and no spaces.");
                }
                if display.is_empty() {
                    e.add("display", "Enter the problem as this system names it.");
                }
                (self.icd_code.as_str(), Some((s.to_string(), code.to_string())))
            }
            None if !code.is_empty() => {
                if e.is_empty() {
                    e.add("system", "Choose the code system of this code (e.g. SNOMED CT).");
                }
                (self.icd_code.as_str(), None)
            }
            None => (self.icd_code.as_str(), None),
        };
        // ICD-10-CM: required when the problem has neither another coding nor free text.
        let icd_optional = coding.is_some() || (system.is_none() && !display.is_empty());
        let icd = if icd_optional && icd_input.trim().is_empty() {
            None
        } else {
            match icd::validate_for_problem(pool, icd_input).await? {
                Ok(c) => Some(c),
                Err(m) => {
                    let m = if icd_input.trim().is_empty() {
                        format!(
                            "{m} Or code the problem in another system (e.g. SNOMED CT), or describe it as free text."
                        )
                    } else {
                        m
                    };
                    e.add(if system.as_deref() == Some(ICD10CM) && !code.is_empty() { "code" } else { "icd_code" }, m);
                    None
                }
            }
        };
        let coding = coding.or_else(|| icd.as_ref().map(|c| (ICD10CM.to_string(), c.code.clone())));
        let description = if !display.is_empty() {
            display.to_string()
        } else {
            icd.as_ref().map(|c| c.description.clone()).unwrap_or_default()
        };
        let onset_date = clinical_date(&mut e, "onset_date", &self.onset_date, birth, today, "onset date");
        let status = if self.status.trim().is_empty() { "active" } else { self.status.trim() };
        if !["active", "resolved"].contains(&status) {
            e.add("status", "A new problem is active or resolved.");
        }
        let comment = self.comment.trim().to_string();
        if comment.chars().count() > 500 {
            e.add("comment", "At most 500 characters.");
        }
        let certainty = if self.certainty.trim().is_empty() { "confirmed" } else { self.certainty.trim() };
        if !CERTAINTIES.contains(&certainty) {
            e.add("certainty", "Choose confirmed or provisional.");
        }
        let encounter_id = match self.encounter_id.trim() {
            "" => None,
            raw => match Uuid::parse_str(raw) {
                Ok(id) => {
                    let ours: bool = sqlx::query_scalar(
                        "SELECT EXISTS (SELECT 1 FROM encounters WHERE id = $1 AND patient_id = $2)",
                    )
                    .bind(id)
                    .bind(patient)
                    .fetch_one(pool)
                    .await?;
                    if !ours {
                        e.add("encounter_id", "Choose one of this patient's encounters.");
                    }
                    Some(id)
                }
                Err(_) => {
                    e.add("encounter_id", "Choose one of this patient's encounters.");
                    None
                }
            },
        };
        let rank = self.diagnosis_rank.trim();
        let diagnosis_rank = match (encounter_id, rank) {
            (None, "") => None,
            (None, _) => {
                e.add("diagnosis_rank", "A primary or secondary diagnosis belongs to an encounter; choose one.");
                None
            }
            (Some(_), "") => Some("secondary".to_string()),
            (Some(_), r) if RANKS.contains(&r) => Some(r.to_string()),
            (Some(_), _) => {
                e.add("diagnosis_rank", "Choose primary or secondary.");
                None
            }
        };
        let duplicate_reason = self.duplicate_reason.trim().to_string();
        if self.record_anyway && duplicate_reason.is_empty() {
            e.add("duplicate_reason", "Give the reason for recording a second active entry with this code.");
        } else if duplicate_reason.chars().count() > 500 {
            e.add("duplicate_reason", "At most 500 characters.");
        }
        let resolved_date = if status == "resolved" {
            let d = clinical_date(&mut e, "resolved_date", &self.resolved_date, birth, today, "resolution date");
            if let (Some(r), Some(o)) = (d, onset_date) {
                if r < o {
                    e.add("resolved_date", "The resolution date is before the onset date.");
                }
            }
            d.or(Some(today))
        } else {
            if !self.resolved_date.trim().is_empty() {
                e.add("resolved_date", "Only a resolved problem has a resolution date.");
            }
            None
        };
        let (source_author, recorded_at) = crate::read_provenance(&mut e, zone, &self.source_author, &self.recorded_at);
        if e.is_empty() && description.is_empty() {
            e.add("display", "Describe the problem.");
        }
        match description {
            description if e.is_empty() => Ok(Ok(ValidProblem {
                icd,
                coding,
                description,
                onset_date,
                resolved_date,
                status: status.to_string(),
                comment,
                certainty: certainty.to_string(),
                encounter_id,
                diagnosis_rank,
                record_anyway: self.record_anyway,
                duplicate_reason: if self.record_anyway { duplicate_reason } else { String::new() },
                source_author,
                recorded_at,
            })),
            _ => Ok(Err(e)),
        }
    }
}

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Problem {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The billable ICD-10-CM code; null when the problem is not ICD-coded.
    pub icd_code: Option<String>,
    /// The coding system (URI) of `code`, e.g. http://snomed.info/sct; null for free text.
    #[serde(default)]
    pub code_system: Option<String>,
    #[serde(default)]
    pub code: Option<String>,
    /// The problem as its coding (or the ICD-10-CM title, or the free text) names it.
    pub description: String,
    pub status: String,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "date_str::serialize", deserialize_with = "date_str::deserialize")]
    pub onset_date: Option<Date>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "date_str::serialize", deserialize_with = "date_str::deserialize")]
    pub resolved_date: Option<Date>,
    pub comment: String,
    /// confirmed or provisional.
    #[serde(default = "confirmed")]
    pub certainty: String,
    /// The encounter it is a diagnosis of, if any.
    #[serde(default)]
    pub encounter_id: Option<Uuid>,
    /// primary or secondary, with an encounter.
    #[serde(default)]
    pub diagnosis_rank: Option<String>,
    /// The reason given when it was last resolved or entered in error.
    #[serde(default)]
    pub status_reason: String,
    /// Who recorded it in the source system; empty when recorded here.
    #[serde(default)]
    pub source_author: String,
    /// When it was recorded (in the source system, for imported entries).
    #[schema(value_type = Option<String>)]
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub recorded_at: Option<OffsetDateTime>,
    pub recorded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

fn confirmed() -> String {
    "confirmed".into()
}

impl Problem {
    pub fn onset(&self) -> String {
        self.onset_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn resolved(&self) -> String {
        self.resolved_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn status_label(&self) -> String {
        super::encounters::label(&self.status)
    }
    /// The coding for display unless it is the ICD-10-CM code itself: "SNOMED CT 49436004".
    pub fn other_coding(&self) -> Option<String> {
        match (&self.code_system, &self.code) {
            (Some(s), Some(c)) if s != ICD10CM => Some(format!("{} {c}", system_label(s))),
            _ => None,
        }
    }
    /// The ICD-10-CM code or "" (templates).
    pub fn icd(&self) -> &str {
        self.icd_code.as_deref().unwrap_or("")
    }
    /// "E11.9 Type 2 …" or "Atrial fibrillation (SNOMED CT 49436004)".
    pub fn label(&self) -> String {
        match (&self.icd_code, self.other_coding()) {
            (_, Some(o)) => format!("{} ({o})", self.description),
            (Some(i), None) => format!("{i} {}", self.description),
            (None, None) => self.description.clone(),
        }
    }
}

/// The problem list query: `$1` the patient, `$2` active only.
pub(crate) const LIST_SQL: &str =
    "SELECT p.id, p.patient_id, p.icd_code, p.code_system, p.code, p.description, p.status, p.onset_date, p.resolved_date, p.comment,
            p.certainty, p.encounter_id, p.diagnosis_rank, p.status_reason, p.source_author, p.recorded_at,
                u.display_name AS recorded_by, p.created_at
     FROM problems p LEFT JOIN users u ON u.id = p.recorded_by
     WHERE p.patient_id = $1 AND ($2 = false OR p.status = 'active')
     ORDER BY array_position(ARRAY['active','resolved','entered_in_error'], p.status), p.onset_date DESC NULLS LAST, p.created_at DESC
     LIMIT 500";

pub async fn list(pool: &PgPool, patient: Uuid, active_only: bool) -> sqlx::Result<Vec<Problem>> {
    sqlx::query_as(LIST_SQL).bind(patient).bind(active_only).fetch_all(pool).await
}

pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidProblem) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    let icd_code = v.icd.as_ref().map(|c| c.code.clone());
    let (system, code) = v.coding.clone().unzip();
    sqlx::query(
        "INSERT INTO problems (id, patient_id, icd_code, description, status, onset_date, resolved_date, comment, recorded_by,
                               certainty, encounter_id, diagnosis_rank, duplicate_reason, code_system, code,
                               source_author, recorded_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,coalesce($17, now()))",
    )
    .bind(id)
    .bind(patient)
    .bind(&icd_code)
    .bind(&v.description)
    .bind(&v.status)
    .bind(v.onset_date)
    .bind(v.resolved_date)
    .bind(&v.comment)
    .bind(meta.actor_user_id)
    .bind(&v.certainty)
    .bind(v.encounter_id)
    .bind(&v.diagnosis_rank)
    .bind(&v.duplicate_reason)
    .bind(&system)
    .bind(&code)
    .bind(&v.source_author)
    .bind(v.recorded_at)
    .execute(&mut *conn)
    .await?;
    let mut changes = json!({"icd_code": icd_code, "code_system": system, "code": code, "description": v.description,
        "status": v.status, "onset_date": v.onset_date.map(|d| d.to_string()), "comment": v.comment, "certainty": v.certainty});
    if let Some(d) = v.resolved_date {
        changes["resolved_date"] = json!(d.to_string());
    }
    if !v.source_author.is_empty() {
        changes["source_author"] = json!(v.source_author);
    }
    if let Some(r) = v.recorded_at {
        changes["recorded_at"] = json!(r.format(&time::format_description::well_known::Rfc3339).unwrap_or_default());
    }
    if let Some(e) = v.encounter_id {
        changes["encounter_id"] = json!(e);
        changes["diagnosis_rank"] = json!(v.diagnosis_rank);
    }
    if !v.duplicate_reason.is_empty() {
        changes["duplicate_reason"] = json!(v.duplicate_reason);
    }
    audit::record(conn, meta, Event::new("problem.create", "problem", id).patient(patient).changes(changes)).await?;
    Ok(id)
}

/// The patient's active problem with the same coding (same system and code; free text: the same
/// text), after locking the patient so that two concurrent entries cannot both pass the check.
pub async fn find_duplicate(conn: &mut PgConnection, patient: Uuid, v: &ValidProblem) -> sqlx::Result<Option<Problem>> {
    sqlx::query("SELECT 1 FROM patients WHERE id = $1 FOR UPDATE").bind(patient).execute(&mut *conn).await?;
    let (system, code) = v.coding.clone().unzip();
    sqlx::query_as(
        "SELECT p.id, p.patient_id, p.icd_code, p.code_system, p.code, p.description, p.status, p.onset_date, p.resolved_date, p.comment,
                p.certainty, p.encounter_id, p.diagnosis_rank, p.status_reason, p.source_author, p.recorded_at,
                u.display_name AS recorded_by, p.created_at
         FROM problems p LEFT JOIN users u ON u.id = p.recorded_by
         WHERE p.patient_id = $1 AND p.status = 'active'
           AND CASE WHEN $2::text IS NULL THEN p.code_system IS NULL AND lower(p.description) = lower($4)
                    ELSE p.code_system = $2 AND p.code = $3 END
         ORDER BY p.created_at LIMIT 1",
    )
    .bind(patient)
    .bind(system)
    .bind(code)
    .bind(&v.description)
    .fetch_optional(&mut *conn)
    .await
}

/// What "update the existing one" changes on an active problem.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProblemUpdate {
    /// confirmed or provisional.
    #[serde(default)]
    pub certainty: String,
    /// Replaces the comment when not empty.
    #[serde(default)]
    pub comment: String,
}

/// Updates an active problem's certainty and comment (the duplicate warning's "update the
/// existing one"); audited with each change as from/to.
pub async fn update_existing(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    u: &ProblemUpdate,
) -> AppResult<String> {
    let certainty = if u.certainty.trim().is_empty() { "confirmed" } else { u.certainty.trim() };
    if !CERTAINTIES.contains(&certainty) {
        return Err(AppError::field("certainty", "Choose confirmed or provisional."));
    }
    if u.comment.trim().chars().count() > 500 {
        return Err(AppError::field("comment", "At most 500 characters."));
    }
    let before: Option<(String, String, String, String)> = sqlx::query_as(
        "SELECT concat_ws(' ', icd_code, description), certainty, comment, status FROM problems
         WHERE id = $1 AND patient_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    let (label, old_certainty, old_comment, status) = before.ok_or(AppError::NotFound)?;
    if status != "active" {
        return Err(AppError::Conflict("Only an active problem is updated; this one is not active.".into()));
    }
    let comment = if u.comment.trim().is_empty() { old_comment.as_str() } else { u.comment.trim() };
    sqlx::query("UPDATE problems SET certainty = $2, comment = $3 WHERE id = $1")
        .bind(id)
        .bind(certainty)
        .bind(comment)
        .execute(&mut *conn)
        .await?;
    let mut changes = serde_json::Map::new();
    for (field, from, to) in
        [("certainty", old_certainty.as_str(), certainty), ("comment", old_comment.as_str(), comment)]
    {
        if from != to {
            changes.insert(field.into(), json!({"from": from, "to": to}));
        }
    }
    audit::record(
        conn,
        meta,
        Event::new("problem.update", "problem", id).patient(patient).changes(serde_json::Value::Object(changes)),
    )
    .await?;
    Ok(label)
}

/// Whether a move to `to` is clinical and needs a confirmation with a reason.
pub fn needs_reason(to: &str) -> bool {
    matches!(to, "resolved" | "entered_in_error")
}

/// Reads a date given with a status change ("" for none): YYYY-MM-DD, not after `today`.
pub(crate) fn status_date(field: &'static str, value: &str, today: Date, what: &str) -> AppResult<Option<Date>> {
    let mut e = FieldErrors::default();
    let d = clinical_date(&mut e, field, value, None, today, what);
    e.into_result()?;
    Ok(d)
}

/// active <-> resolved (resolved on `date` when given — YYYY-MM-DD, not in the future, not before
/// the onset — else on `today`: the user's local date on pages, UTC's on the API);
/// entered_in_error from either, and final.
#[allow(clippy::too_many_arguments)]
pub async fn change_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    to: &str,
    reason: &str,
    date: &str,
    today: Date,
) -> AppResult<()> {
    let row: Option<(String, Option<Date>)> =
        sqlx::query_as("SELECT status, onset_date FROM problems WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let (from, onset) = row.ok_or(AppError::NotFound)?;
    if !STATUSES.contains(&to) {
        return Err(AppError::field("status", format!("{to:?} is not a problem status")));
    }
    if from == to || from == "entered_in_error" {
        return Err(AppError::Conflict(format!("The problem is already {}.", from.replace('_', " "))));
    }
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "At most 500 characters."));
    }
    let resolved = status_date("resolved_date", date, today, "resolution date")?;
    if resolved.is_some() && to != "resolved" {
        return Err(AppError::field("resolved_date", "A resolution date goes with resolving the problem."));
    }
    if let (Some(r), Some(o)) = (resolved, onset) {
        if r < o {
            return Err(AppError::field(
                "resolved_date",
                format!("The resolution date is before the onset date ({o})."),
            ));
        }
    }
    sqlx::query(
        "UPDATE problems SET status = $2, status_reason = $4,
            resolved_date = CASE WHEN $2 = 'resolved' THEN greatest($3, onset_date) WHEN $2 = 'active' THEN NULL ELSE resolved_date END
         WHERE id = $1",
    )
    .bind(id)
    .bind(to)
    .bind(resolved.unwrap_or(today))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    let mut changes = json!({"status": {"from": from, "to": to}, "reason": reason});
    if to == "resolved" {
        changes["resolved_date"] = json!(resolved.unwrap_or(today).to_string());
    }
    audit::record(conn, meta, Event::new("problem.status", "problem", id).patient(patient).changes(changes)).await?;
    Ok(())
}

#[derive(Template)]
#[template(path = "ehr/problems.html")]
struct ProblemsPage {
    page: Page,
    b: Banner,
    rows: Vec<Problem>,
    form: NewProblem,
    errors: FieldErrors,
    can_write: bool,
    /// The patient's encounters, for recording a diagnosis of one.
    encounters: Vec<crate::encounters::Encounter>,
    /// The active problem with the same code, when the new one would duplicate it.
    duplicate: Option<Problem>,
    /// A status change refused for want of confirmation or reason: (entry, status, message).
    refused: Option<(Uuid, String, String)>,
    /// Suggested ICD-10-CM codes for the problems that are not ICD-coded.
    suggestions: Vec<(Uuid, Vec<icd::IcdCode>)>,
}

impl ProblemsPage {
    fn refused_for(&self, id: &Uuid, status: &str) -> Option<String> {
        self.refused.as_ref().filter(|(i, s, _)| i == id && s == status).map(|(_, _, m)| m.clone())
    }
    fn suggestions_for(&self, id: &Uuid) -> Vec<icd::IcdCode> {
        self.suggestions.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone()).unwrap_or_default()
    }
    fn encounter_options(&self) -> Vec<(String, String)> {
        std::iter::once((String::new(), self.page.t("ehr-problems-encounter-none")))
            .chain(self.encounters.iter().map(|e| {
                let kind = crate::i18n::enc_kind(&self.page, &e.kind);
                let mut l = format!("{} · {kind}", self.page.zone.datetime(e.starts_at));
                if !e.reason.is_empty() {
                    l.push_str(" · ");
                    l.push_str(&e.reason);
                }
                (e.id.to_string(), l)
            }))
            .collect()
    }
    /// "Existing entry: confirmed, onset 2020-01-01, “comment”; recorded … by …." (the duplicate
    /// warning), in the page's language.
    fn duplicate_text(&self, d: &Problem) -> String {
        let p = &self.page;
        let mut s = p.t2("ehr-problems-dup-existing", "certainty", d.certainty.as_str(), "onset", d.onset());
        if !d.comment.is_empty() {
            s.push_str(&p.t1("ehr-problems-dup-comment", "comment", d.comment.as_str()));
        }
        let when = p.zone.datetime(d.created_at);
        s.push_str(&match &d.recorded_by {
            Some(by) => p.t2("ehr-problems-dup-recorded-by", "when", when, "name", by.as_str()),
            None => p.t1("ehr-problems-dup-recorded", "when", when),
        });
        s
    }
}

#[derive(Default)]
struct Extra {
    duplicate: Option<Problem>,
    refused: Option<(Uuid, String, String)>,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewProblem,
    errors: FieldErrors,
    status: StatusCode,
    extra: Extra,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id, false).await?;
    let encounters = crate::encounters::list(&state.pool, b.id, 20).await?;
    let mut suggestions = Vec::new();
    if auth.can(crate::perms::CHART_WRITE) {
        for p in rows.iter().filter(|p| p.icd_code.is_none() && p.status != "entered_in_error").take(20) {
            let found = icd::picker_search(&state.pool, &p.description, auth.meta.actor_user_id.unwrap_or_default(), 3)
                .await?
                .into_iter()
                .map(|r| r.code)
                .filter(|c| c.billable)
                .collect();
            suggestions.push((p.id, found));
        }
    }
    audit_view(&state.pool, &auth.meta, b.id, "problems").await?;
    let t = ProblemsPage {
        page: {
            let (title, list, tab) = (
                page.t1("ehr-problems-title", "name", b.name.as_str()),
                page.t("nav-patients"),
                page.t("patients-tab-problems"),
            );
            page.titled(title)
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("problems"))
        },
        b,
        rows,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        encounters,
        duplicate: extra.duplicate,
        refused: extra.refused,
        suggestions,
    };
    web::render_status(status, &t)
}

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("problems");
    render(&state, page, &auth, b, NewProblem::default(), FieldErrors::default(), StatusCode::OK, Extra::default())
        .await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewProblem>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("problems");
    let valid = match form.validate(&state.pool, b.id, b.birth_date, page.zone.today(), &page.zone).await? {
        Ok(v) => v,
        Err(errors) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, page, &auth, b, form, errors, status, Extra::default()).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    if valid.checks_duplicates() {
        if let Some(existing) = find_duplicate(&mut tx, b.id, &valid).await? {
            tx.rollback().await?;
            let extra = Extra { duplicate: Some(existing), refused: None };
            return render(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::CONFLICT, extra).await;
        }
    }
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("problems"), "ok", &page.t1("ehr-flash-added", "name", valid.label())))
}

/// The duplicate warning's "update the existing one".
pub async fn update(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<ProblemUpdate>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let pid = patient.id;
    let mut tx = state.pool.begin().await?;
    let label = update_existing(&mut tx, &auth.meta, pid, item, &f).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{pid}/problems"),
        "ok",
        &format!("Updated the existing problem {label}."),
    ))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    /// "yes" once the user confirmed (the confirmation step's button).
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
    /// The resolution date (YYYY-MM-DD) when resolving; default today.
    #[serde(default)]
    resolved_date: String,
}

pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    zone: Zone,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("problems");
    let pid = b.id;
    let to = f.status.trim();
    if let Some(msg) = crate::allergies::confirmation_missing(to, &f.confirm, &f.reason, needs_reason(to)) {
        let extra = Extra { duplicate: None, refused: Some((item, to.to_string(), msg)) };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, page, &auth, b, NewProblem::default(), FieldErrors::default(), status, extra).await;
    }
    let mut tx = state.pool.begin().await?;
    match change_status(&mut tx, &auth.meta, pid, item, to, &f.reason, &f.resolved_date, zone.today()).await {
        Ok(()) => {}
        Err(AppError::Invalid(fe)) => {
            tx.rollback().await?;
            let extra = Extra { duplicate: None, refused: Some((item, to.to_string(), fe.messages())) };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, page, &auth, b, NewProblem::default(), FieldErrors::default(), status, extra).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/problems"), "ok", &page.t("ehr-flash-problem-updated")))
}

#[derive(Deserialize)]
pub struct IcdForm {
    /// A chosen suggestion (the button's value).
    #[serde(default)]
    icd_code: String,
    /// A typed code (the text field), used when no suggestion was chosen.
    #[serde(default)]
    typed_code: String,
}

/// Adds (or replaces) the billable ICD-10-CM code of a problem coded in another system or as
/// free text; its own coding and text stay as recorded. Audited as `problem.update`.
pub async fn set_icd(
    conn: &mut PgConnection,
    pool: &PgPool,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    code: &str,
) -> AppResult<String> {
    let c = icd::validate_for_problem(pool, code).await?.map_err(|m| AppError::field("icd_code", m))?;
    let before: Option<(Option<String>, String)> =
        sqlx::query_as("SELECT icd_code, status FROM problems WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let (old, status) = before.ok_or(AppError::NotFound)?;
    if status == "entered_in_error" {
        return Err(AppError::Conflict("The problem was entered in error.".into()));
    }
    sqlx::query("UPDATE problems SET icd_code = $2 WHERE id = $1").bind(id).bind(&c.code).execute(&mut *conn).await?;
    audit::record(
        conn,
        meta,
        Event::new("problem.update", "problem", id)
            .patient(patient)
            .changes(json!({"icd_code": {"from": old, "to": c.code}})),
    )
    .await?;
    Ok(format!("{} {}", c.code, c.description))
}

/// The "not ICD-coded" row's "Add ICD-10-CM code" (a suggestion or a typed code).
pub async fn add_icd(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<IcdForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("problems");
    let pid = b.id;
    let mut tx = state.pool.begin().await?;
    let code = if f.icd_code.trim().is_empty() { &f.typed_code } else { &f.icd_code };
    match set_icd(&mut tx, &state.pool, &auth.meta, pid, item, code).await {
        Ok(label) => {
            tx.commit().await?;
            Ok(web::redirect_flash(
                &format!("/patients/{pid}/problems"),
                "ok",
                &page.t1("ehr-flash-problem-coded", "label", label.as_str()),
            ))
        }
        Err(AppError::Invalid(fe)) => {
            tx.rollback().await?;
            let extra = Extra { duplicate: None, refused: Some((item, "icd".into(), fe.messages())) };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render(&state, page, &auth, b, NewProblem::default(), FieldErrors::default(), status, extra).await
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coding_systems_are_read_as_uris_with_short_names() {
        assert_eq!(normalize_system("SNOMED").unwrap().as_deref(), Some(SNOMED));
        assert_eq!(normalize_system("icd10cm").unwrap().as_deref(), Some(ICD10CM));
        assert_eq!(
            normalize_system("urn:oid:2.16.840.1.113883.6.96").unwrap().as_deref(),
            Some("urn:oid:2.16.840.1.113883.6.96")
        );
        assert_eq!(normalize_system("").unwrap(), None);
        assert!(normalize_system("my codes").is_err());
        assert!(normalize_system("http://").is_err());
        assert!(is_sctid("49436004") && !is_sctid("0123456") && !is_sctid("12345") && !is_sctid("4943600x"));
        assert_eq!(system_label(SNOMED), "SNOMED CT");
    }
}
