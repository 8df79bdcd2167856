//! Consent records: treatment, data sharing and communications (per channel). Nothing is
//! overwritten; the latest record for a (kind, channel) is the one in force.

use axum::extract::State;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::context::PatientCtx;
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web;

pub const KINDS: [&str; 3] = ["treatment", "data_sharing", "communications"];
pub const CHANNELS: [&str; 6] = ["any", "sms", "whatsapp", "email", "phone", "post"];

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Consent {
    pub id: Uuid,
    pub kind: String,
    pub channel: String,
    pub granted: bool,
    pub note: String,
    pub recorded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

impl Consent {
    pub fn label(&self) -> String {
        let kind = match self.kind.as_str() {
            "treatment" => "Treatment",
            "data_sharing" => "Data sharing",
            _ => "Communications",
        };
        if self.kind == "communications" {
            format!("{kind} ({})", self.channel)
        } else {
            kind.to_string()
        }
    }
}

/// Every consent record of a patient, newest first.
pub async fn history(pool: &PgPool, patient_id: Uuid) -> sqlx::Result<Vec<Consent>> {
    sqlx::query_as(
        "SELECT c.id, c.kind, c.channel, c.granted, c.note, u.display_name AS recorded_by, c.recorded_at
         FROM patient_consents c LEFT JOIN users u ON u.id = c.recorded_by
         WHERE c.patient_id = $1 ORDER BY c.recorded_at DESC, c.id",
    )
    .bind(patient_id)
    .fetch_all(pool)
    .await
}

/// The consents in force: the latest record per (kind, channel).
pub fn current(history: &[Consent]) -> Vec<Consent> {
    let mut out: Vec<Consent> = Vec::new();
    for c in history {
        if !out.iter().any(|o| o.kind == c.kind && o.channel == c.channel) {
            out.push(c.clone());
        }
    }
    out.sort_by_key(|c| (KINDS.iter().position(|k| *k == c.kind), CHANNELS.iter().position(|k| *k == c.channel)));
    out
}

/// May we contact this patient on `channel` ("sms", "email", "phone", "post")? Only with an
/// opt-in in force: the latest record for that channel, or else for "any" channel. Never for
/// deceased, merged or erased records.
pub async fn communication_allowed(pool: &PgPool, patient_id: Uuid, channel: &str) -> sqlx::Result<bool> {
    let allowed: Option<bool> = sqlx::query_scalar(
        "SELECT c.granted FROM patient_consents c JOIN patients p ON p.id = c.patient_id
         WHERE c.patient_id = $1 AND c.kind = 'communications' AND c.channel IN ($2, 'any')
           AND p.deceased_at IS NULL AND p.merged_into IS NULL AND p.erased_at IS NULL
         ORDER BY (c.channel = 'any'), c.recorded_at DESC LIMIT 1",
    )
    .bind(patient_id)
    .bind(channel)
    .fetch_optional(pool)
    .await?;
    Ok(allowed.unwrap_or(false))
}

#[derive(Debug, Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct ConsentForm {
    pub kind: String,
    pub channel: String,
    /// "granted" or "refused" (forms); JSON may send a boolean `granted`.
    pub decision: String,
    pub note: String,
}

pub struct ValidConsent {
    kind: String,
    channel: String,
    granted: bool,
    note: String,
}

impl ConsentForm {
    pub fn validate(&self) -> Result<ValidConsent, String> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Err("Choose treatment, data sharing or communications.".into());
        }
        let channel = if self.channel.is_empty() { "any" } else { self.channel.as_str() };
        if !CHANNELS.contains(&channel) {
            return Err("Choose a channel: any, sms, whatsapp, email, phone or post.".into());
        }
        if self.kind != "communications" && channel != "any" {
            return Err("Only communications consent is recorded per channel.".into());
        }
        let granted = match self.decision.as_str() {
            "granted" | "true" => true,
            "refused" | "false" => false,
            _ => return Err("Record whether consent was granted or refused.".into()),
        };
        if self.note.chars().count() > 500 {
            return Err("The note has at most 500 characters.".into());
        }
        Ok(ValidConsent { kind: self.kind.clone(), channel: channel.into(), granted, note: self.note.trim().into() })
    }
}

pub async fn record(pool: &PgPool, patient_id: Uuid, c: &ValidConsent, meta: &AuditMeta) -> sqlx::Result<Uuid> {
    let mut tx = pool.begin().await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patient_consents (id, patient_id, kind, channel, granted, note, recorded_by) VALUES ($1,$2,$3,$4,$5,$6,$7)",
    )
    .bind(id)
    .bind(patient_id)
    .bind(&c.kind)
    .bind(&c.channel)
    .bind(c.granted)
    .bind(&c.note)
    .bind(meta.actor_user_id)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        meta,
        Event::new("patient.consent", "patient_consent", id)
            .patient(patient_id)
            .changes(serde_json::json!({"kind": c.kind, "channel": c.channel, "granted": c.granted})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn create(
    State(state): State<AppState>,
    auth: Auth,
    patient: PatientCtx,
    Form(f): Form<ConsentForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::PATIENTS_WRITE)?;
    let id = patient.id;
    match f.validate() {
        Ok(v) => {
            record(&state.pool, id, &v, &auth.meta).await?;
            Ok(web::redirect_flash(&format!("/patients/{id}#consents"), "ok", "Consent recorded."))
        }
        Err(m) => Err(hearth_core::error::AppError::Unprocessable(m)),
    }
}
