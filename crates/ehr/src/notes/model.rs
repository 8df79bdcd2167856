//! Notes: templates, the new-note form and its validation, rows.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::error::{AppError, AppResult};
use hearth_core::web::FieldErrors;

pub const AAD_BODY: &str = "notes.body";
pub const AAD_ADDENDUM: &str = "note_addenda.body";
pub const MAX_BODY: usize = 20_000;

/// (key, label, starting text)
pub const TEMPLATES: &[(&str, &str, &str)] = &[
    ("soap", "SOAP note", "Subjective:\n\nObjective:\n\nAssessment:\n\nPlan:\n"),
    ("progress", "Progress note", "Interval history:\n\nExamination:\n\nAssessment:\n\nPlan:\n"),
    (
        "procedure",
        "Procedure note",
        "Procedure:\nIndication:\nConsent:\nAnaesthesia:\nDescription:\nFindings:\nComplications:\nSpecimens:\nEstimated blood loss:\nPlan:\n",
    ),
    ("free", "Free-text note", ""),
];

pub fn template_label(key: &str) -> &'static str {
    TEMPLATES.iter().find(|(k, _, _)| *k == key).map(|(_, l, _)| *l).unwrap_or("Note")
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewNote {
    /// soap, progress, procedure or free.
    #[serde(default)]
    pub template: String,
    #[serde(default)]
    pub title: String,
    /// The note text (stored encrypted).
    #[serde(default)]
    pub body: String,
    /// Optional encounter of this patient the note belongs to.
    pub encounter_id: Option<String>,
    /// Browser forms: "sign" to sign on saving. API: use `sign: true`.
    #[serde(default)]
    pub action: String,
    /// Sign immediately (needs notes.sign).
    #[serde(default)]
    pub sign: bool,
    /// Browser forms: "yes" when the signer confirmed that signing locks the note (required
    /// with `action=sign`; the API's `sign: true` is the confirmation).
    #[serde(default)]
    pub confirm: String,
}

pub struct ValidNote {
    pub(crate) template: String,
    pub(crate) title: String,
    pub(crate) body: String,
    pub(crate) encounter_id: Option<Uuid>,
}

impl NewNote {
    pub fn wants_sign(&self) -> bool {
        self.sign || self.action == "sign"
    }

    /// A browser "Save and sign" without its confirmation.
    pub fn sign_unconfirmed(&self) -> bool {
        self.action == "sign" && !self.sign && self.confirm != "yes"
    }

    pub async fn validate(&self, pool: &PgPool, patient: Uuid) -> sqlx::Result<Result<ValidNote, FieldErrors>> {
        let mut e = FieldErrors::default();
        let template = if self.template.trim().is_empty() { "free" } else { self.template.trim() };
        if !TEMPLATES.iter().any(|(k, _, _)| *k == template) {
            e.add("template", "Choose SOAP, progress, procedure or free-text.");
        }
        let title = self.title.trim().to_string();
        let title = if title.is_empty() { template_label(template).to_string() } else { title };
        if title.chars().count() > 200 {
            e.add("title", "At most 200 characters.");
        }
        let body = self.body.trim_end().to_string();
        if body.trim().is_empty() {
            e.add("body", "Write the note.");
        } else if body.chars().count() > MAX_BODY {
            e.add("body", format!("At most {MAX_BODY} characters."));
        }
        let encounter_id = match self.encounter_id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match s.parse::<Uuid>() {
                Ok(id) => {
                    if !super::repo::encounter_is_patients(pool, id, patient).await? {
                        e.add("encounter_id", "That encounter is not this patient's.");
                    }
                    Some(id)
                }
                Err(_) => {
                    e.add("encounter_id", "Choose an encounter from the list.");
                    None
                }
            },
        };
        if !e.is_empty() {
            return Ok(Err(e));
        }
        Ok(Ok(ValidNote { template: template.to_string(), title, body, encounter_id }))
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct NoteMeta {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub encounter_id: Option<Uuid>,
    pub template: String,
    pub title: String,
    /// draft or signed (signed notes are locked).
    pub status: String,
    pub author_id: Uuid,
    pub author: String,
    pub signed_by: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub addenda: i64,
}

impl NoteMeta {
    pub fn signed(&self) -> bool {
        self.status == "signed"
    }
    pub fn template_label(&self) -> &'static str {
        template_label(&self.template)
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Addendum {
    pub id: Uuid,
    pub author: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub body: String,
}

/// A note with its decrypted body and addenda.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Note {
    #[serde(flatten)]
    pub meta: NoteMeta,
    pub body: String,
    pub addenda: Vec<Addendum>,
}

pub(crate) fn validate_edit(title: &str, body: &str) -> AppResult<(String, String)> {
    let title = title.trim();
    let body = body.trim_end();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::field("title", "Enter a title of at most 200 characters."));
    }
    if body.trim().is_empty() || body.chars().count() > MAX_BODY {
        return Err(AppError::field("body", format!("Write the note (at most {MAX_BODY} characters).")));
    }
    Ok((title.to_string(), body.to_string()))
}
