//! Charge capture's rows and forms.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::web::FieldErrors;

/// A billable event, as a module captures it with the clinical act (see [`crate::capture`]).
#[derive(Debug, Clone)]
pub struct NewCharge<'a> {
    pub patient: Uuid,
    /// The encounter the act belongs to, when there is one.
    pub encounter: Option<Uuid>,
    /// Where it happened; `None`: the performer's facility (their first active one by code, as
    /// for their time zone), else the patient's registering facility.
    pub facility: Option<Uuid>,
    /// The capturing module's name (its `Module::name`) and its row for the act.
    pub source_module: &'a str,
    pub source_row: Uuid,
    /// What about the act is billed (`administration`, `dispense`, `result`…; `[a-z_]`, ≤ 40).
    pub kind: &'a str,
    /// The module's catalogue code (`CVX:140`); billing maps it to a price. No spaces, ≤ 60.
    pub code: &'a str,
    /// The catalogue's name for it (≤ 200), for people reading the ledger.
    pub description: &'a str,
    /// Whole units, ≥ 1.
    pub quantity: i32,
    pub performed_at: OffsetDateTime,
    pub performer: Option<Uuid>,
    /// A correction: the reversed charge of the same act and kind this one takes the place of.
    pub replaces: Option<Uuid>,
}

/// One entry of the ledger as read back.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Charge {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub mrn: String,
    /// The patient's name; empty for a restricted record the reader may not open.
    pub patient_name: String,
    pub encounter_id: Option<Uuid>,
    pub facility_id: Uuid,
    pub facility: String,
    pub source_module: String,
    pub source_row: Uuid,
    pub kind: String,
    pub code: String,
    pub description: String,
    /// Positive: a charge; negative: a reversal.
    pub quantity: i32,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub performed_at: OffsetDateTime,
    pub performer: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// On a reversal: the charge it reverses, and why.
    pub reverses: Option<Uuid>,
    pub reason: Option<String>,
    /// On a correction: the reversed charge it takes the place of.
    pub replaces: Option<Uuid>,
    /// On a reversed charge: its reversal.
    pub reversed_by: Option<Uuid>,
}

impl Charge {
    pub fn is_reversal(&self) -> bool {
        self.reverses.is_some()
    }
    pub fn reversible(&self) -> bool {
        self.reverses.is_none() && self.reversed_by.is_none()
    }
    /// The patient as a list shows it.
    pub fn who(&self) -> String {
        if self.patient_name.is_empty() {
            format!("{} · restricted record", self.mrn)
        } else {
            format!("{} · {}", self.patient_name, self.mrn)
        }
    }
}

/// The filters of the billing list (`/charges`, `GET /api/v1/charges`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct Filter {
    /// A facility's id (one of the reader's).
    pub facility: String,
    /// First day (YYYY-MM-DD, a local day of the reader's facility; UTC on the API), by the act's time.
    pub from: String,
    /// Last day, included.
    pub to: String,
    /// The patient's MRN.
    pub patient: String,
    /// The capturing module (`immunizations`…).
    pub module: String,
    /// The `next` cursor of the previous page.
    #[param(max_length = 512)]
    pub after: Option<String>,
    /// 1..200, default 50.
    pub limit: Option<i64>,
}

/// A reversal's reason.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReverseForm {
    /// Why the charge is wrong (1–500 characters).
    pub reason: String,
}

impl ReverseForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let r = self.reason.trim();
        if r.is_empty() {
            return Err(FieldErrors::one("reason", "Say why the charge is reversed."));
        }
        if r.chars().count() > 500 {
            return Err(FieldErrors::one("reason", "At most 500 characters."));
        }
        if let Err(m) = hearth_core::web::input::free_text(r) {
            return Err(FieldErrors::one("reason", m));
        }
        Ok(r.to_string())
    }
}
