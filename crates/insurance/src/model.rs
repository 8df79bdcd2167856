//! Insurance's rows and forms.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use hearth_billing::money;
use hearth_core::web::FieldErrors;

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn check_text(e: &mut FieldErrors, field: &'static str, s: &str, max: usize, required: &'static str) -> String {
    let t = s.trim();
    if t.is_empty() {
        e.add(field, required);
    } else if t.chars().count() > max {
        e.add(field, "Too long.");
    } else if let Err(m) = hearth_core::web::input::free_text(t) {
        e.add(field, m);
    }
    t.to_string()
}

fn check_upper_code(e: &mut FieldErrors, field: &'static str, s: &str) -> String {
    let c = s.trim().to_ascii_uppercase();
    if !(2..=20).contains(&c.len()) || !c.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        e.add(field, "A code is 2–20 letters, digits, _ or -.");
    }
    c
}

/// A billing code or a prefix ending in `*` (`LAB:*`).
pub fn valid_charge_code(c: &str) -> bool {
    let c = c.strip_suffix('*').unwrap_or(c);
    (1..=60).contains(&c.len())
        && c.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'/' | b'-'))
}

fn result(e: FieldErrors) -> Result<(), FieldErrors> {
    if e.is_empty() {
        Ok(())
    } else {
        Err(e)
    }
}

/// The adjustment reason codes a remittance line may carry (a subset of X12 CARC with its group
/// code). Phase 1: a fixed list.
pub const ADJUSTMENT_CODES: &[(&str, &str)] = &[
    ("CO-45", "Charge exceeds the fee schedule or contracted amount"),
    ("CO-50", "Not deemed a medical necessity by the payer"),
    ("CO-97", "Included in the payment of another service"),
    ("CO-197", "Pre-authorisation absent"),
    ("PR-1", "Deductible amount"),
    ("PR-2", "Co-insurance amount"),
    ("PR-3", "Co-payment amount"),
];

pub const PRIORITIES: [&str; 2] = ["primary", "secondary"];
pub const RELATIONSHIPS: [&str; 4] = ["self", "spouse", "child", "other"];

// ---- Payers and plans ----

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsurancePayer {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub active: bool,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsurancePayerForm {
    /// 2–20 letters, digits, `_` or `-` (stored upper case).
    pub code: String,
    pub name: String,
}

impl InsurancePayerForm {
    pub fn validate(&self) -> Result<(String, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let code = check_upper_code(&mut e, "code", &self.code);
        let name = check_text(&mut e, "name", &self.name, 200, "Name the payer.");
        result(e).map(|_| (code, name))
    }
}

/// A plan with its coverage rules (amounts in minor units of its currency).
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsurancePlan {
    pub id: Uuid,
    pub payer_id: Uuid,
    pub payer: String,
    pub code: String,
    pub name: String,
    pub currency: String,
    /// Fixed co-pay per visit line (codes `APPT:*`).
    pub copay: i64,
    /// The patient's co-insurance, basis points.
    pub coinsurance_bp: i32,
    /// Per member and calendar year.
    pub deductible: i64,
    /// The payer's maximum per member and calendar year; none: unlimited.
    pub annual_limit: Option<i64>,
    pub excluded_codes: Vec<String>,
    pub preauth_codes: Vec<String>,
    pub active: bool,
}

impl InsurancePlan {
    pub fn exp(&self) -> u8 {
        money::exponent_of(&self.currency).unwrap_or(2)
    }
    pub fn m<T: std::borrow::Borrow<i64>>(&self, v: T) -> String {
        money::format(*v.borrow(), self.exp())
    }
    pub fn limit(&self) -> String {
        self.annual_limit.map(|l| self.m(l)).unwrap_or_else(|| "—".into())
    }
    pub fn pct(&self) -> String {
        money::format(i64::from(self.coinsurance_bp), 2)
    }
    pub fn rules(&self) -> crate::rules::Rules {
        crate::rules::Rules {
            copay: self.copay,
            coinsurance_bp: self.coinsurance_bp,
            deductible: self.deductible,
            annual_limit: self.annual_limit,
            excluded: self.excluded_codes.clone(),
            preauth: self.preauth_codes.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsurancePlanForm {
    pub payer: Option<Uuid>,
    pub code: String,
    pub name: String,
    /// ISO 4217 code billing knows.
    pub currency: String,
    pub copay: i64,
    pub coinsurance_bp: i32,
    pub deductible: i64,
    pub annual_limit: Option<i64>,
    /// Codes or prefixes ending in `*`.
    pub excluded_codes: Vec<String>,
    pub preauth_codes: Vec<String>,
}

pub struct ValidPlan {
    pub payer: Uuid,
    pub code: String,
    pub name: String,
    pub currency: String,
    pub f: InsurancePlanForm,
}

impl InsurancePlanForm {
    pub fn validate(&self) -> Result<ValidPlan, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.payer.is_none() {
            e.add("payer", "Choose a payer.");
        }
        let code = check_upper_code(&mut e, "code", &self.code);
        let name = check_text(&mut e, "name", &self.name, 200, "Name the plan.");
        let currency = self.currency.trim().to_ascii_uppercase();
        if money::exponent_of(&currency).is_none() {
            e.add("currency", "Choose a currency billing knows.");
        }
        let max = 1_000_000_000_000;
        if !(0..=max).contains(&self.copay) {
            e.add("copay", "A co-pay is 0 or more.");
        }
        if !(0..=10_000).contains(&self.coinsurance_bp) {
            e.add("coinsurance_bp", "Co-insurance is 0 to 10000 basis points (0–100 %).");
        }
        if !(0..=max).contains(&self.deductible) {
            e.add("deductible", "A deductible is 0 or more.");
        }
        if self.annual_limit.is_some_and(|l| !(0..=max).contains(&l)) {
            e.add("annual_limit", "A limit is 0 or more.");
        }
        for (field, list) in [("excluded_codes", &self.excluded_codes), ("preauth_codes", &self.preauth_codes)] {
            if list.len() > 200 || list.iter().any(|c| !valid_charge_code(c.trim())) {
                e.add(field, "List billing codes (or prefixes ending in *), at most 200.");
            }
        }
        let mut f = self.clone();
        f.excluded_codes = f.excluded_codes.iter().map(|c| c.trim().to_string()).collect();
        f.preauth_codes = f.preauth_codes.iter().map(|c| c.trim().to_string()).collect();
        match self.payer {
            Some(payer) if e.is_empty() => Ok(ValidPlan { payer, code, name, currency, f }),
            _ => Err(e),
        }
    }
}

// ---- Coverage ----

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsurancePolicy {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub plan_id: Uuid,
    pub plan: String,
    pub payer: String,
    pub currency: String,
    pub member_id: String,
    #[schema(value_type = String)]
    pub valid_from: Date,
    #[schema(value_type = Option<String>)]
    pub valid_to: Option<Date>,
    /// `primary` or `secondary`.
    pub priority: String,
    /// The patient's relationship to the subscriber: `self`, `spouse`, `child`, `other`.
    pub relationship: String,
    pub active: bool,
}

impl InsurancePolicy {
    /// The local rule engine: active, the plan and payer active, the day within the validity.
    pub fn eligible_on(&self, day: Date, plan_active: bool) -> Result<(), &'static str> {
        if !self.active || !plan_active {
            return Err("inactive");
        }
        if day < self.valid_from {
            return Err("not_yet_valid");
        }
        if self.valid_to.is_some_and(|t| day > t) {
            return Err("expired");
        }
        Ok(())
    }
    pub fn to_text(&self) -> String {
        self.valid_to.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsurancePolicyForm {
    pub plan: Option<Uuid>,
    pub member_id: String,
    /// YYYY-MM-DD.
    pub valid_from: String,
    /// YYYY-MM-DD or empty (open-ended).
    pub valid_to: String,
    /// `primary` or `secondary`.
    pub priority: String,
    /// `self`, `spouse`, `child` or `other`.
    pub relationship: String,
}

pub struct ValidPolicy {
    pub plan: Uuid,
    pub member_id: String,
    pub from: Date,
    pub to: Option<Date>,
}

impl InsurancePolicyForm {
    pub fn validate(&self) -> Result<ValidPolicy, FieldErrors> {
        let mut e = FieldErrors::default();
        if self.plan.is_none() {
            e.add("plan", "Choose a plan.");
        }
        let member_id = self.member_id.trim().to_string();
        if !(1..=40).contains(&member_id.len())
            || !member_id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-'))
        {
            e.add("member_id", "A member id is 1–40 letters, digits, / _ or -.");
        }
        let from = parse_date(&self.valid_from);
        if from.is_none() {
            e.add("valid_from", "Enter a date as YYYY-MM-DD.");
        }
        let to = match self.valid_to.trim() {
            "" => None,
            s => match parse_date(s) {
                Some(d) if from.is_none_or(|f| d >= f) => Some(d),
                Some(_) => {
                    e.add("valid_to", "The end is before the start.");
                    None
                }
                None => {
                    e.add("valid_to", "Enter a date as YYYY-MM-DD.");
                    None
                }
            },
        };
        if !PRIORITIES.contains(&self.priority.as_str()) {
            e.add("priority", "Choose primary or secondary.");
        }
        if !RELATIONSHIPS.contains(&self.relationship.as_str()) {
            e.add("relationship", "Choose self, spouse, child or other.");
        }
        match (self.plan, from) {
            (Some(plan), Some(from)) if e.is_empty() => Ok(ValidPolicy { plan, member_id, from, to }),
            _ => Err(e),
        }
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsuranceEligibility {
    pub id: Uuid,
    pub policy_id: Uuid,
    #[schema(value_type = String)]
    pub service_date: Date,
    pub eligible: bool,
    /// `active`, `expired`, `not_yet_valid` or `inactive`.
    pub reason: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub checked_at: OffsetDateTime,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsuranceEligibilityForm {
    pub policy: Option<Uuid>,
    /// YYYY-MM-DD (default today, UTC).
    pub service_date: String,
}

// ---- Pre-authorisation ----

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsurancePreauth {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub policy_id: Uuid,
    pub payer: String,
    pub code: String,
    /// `requested`, `approved` or `denied`.
    pub status: String,
    pub reference: Option<String>,
    #[schema(value_type = Option<String>)]
    pub valid_from: Option<Date>,
    #[schema(value_type = Option<String>)]
    pub valid_to: Option<Date>,
    pub units: Option<i32>,
    pub reason: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

impl InsurancePreauth {
    pub fn validity(&self) -> String {
        match (self.valid_from, self.valid_to) {
            (Some(f), Some(t)) => format!("{f} – {t}"),
            _ => String::new(),
        }
    }
    pub fn ref_text(&self) -> String {
        self.reference.clone().or_else(|| self.reason.clone()).unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsurancePreauthForm {
    pub policy: Option<Uuid>,
    /// The billing code needing authorisation (`SURG:KNEE`).
    pub code: String,
}

/// The payer's answer to a pre-authorisation request.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsurancePreauthDecision {
    /// `approved` or `denied`.
    pub decision: String,
    /// Approved: the payer's reference.
    pub reference: String,
    /// Approved: YYYY-MM-DD.
    pub valid_from: String,
    pub valid_to: String,
    /// Approved: the units approved (≥ 1).
    pub units: Option<i32>,
    /// Denied: the payer's reason.
    pub reason: String,
}

pub enum Decision {
    Approved { reference: String, from: Date, to: Date, units: i32 },
    Denied(String),
}

impl InsurancePreauthDecision {
    pub fn validate(&self) -> Result<Decision, FieldErrors> {
        let mut e = FieldErrors::default();
        match self.decision.as_str() {
            "approved" => {
                let reference = check_text(&mut e, "reference", &self.reference, 60, "Enter the payer's reference.");
                let from = parse_date(&self.valid_from);
                let to = parse_date(&self.valid_to);
                if from.is_none() {
                    e.add("valid_from", "Enter a date as YYYY-MM-DD.");
                }
                match (from, to) {
                    (_, None) => e.add("valid_to", "Enter a date as YYYY-MM-DD."),
                    (Some(f), Some(t)) if t < f => e.add("valid_to", "The end is before the start."),
                    _ => {}
                }
                let units = self.units.unwrap_or(0);
                if !(1..=10_000).contains(&units) {
                    e.add("units", "Approved units are 1 to 10000.");
                }
                match (from, to) {
                    (Some(from), Some(to)) if e.is_empty() => Ok(Decision::Approved { reference, from, to, units }),
                    _ => Err(e),
                }
            }
            "denied" => {
                let r = check_text(&mut e, "reason", &self.reason, 500, "Give the payer's reason.");
                result(e).map(|_| Decision::Denied(r))
            }
            _ => {
                e.add("decision", "Choose approved or denied.");
                Err(e)
            }
        }
    }
}

// ---- Split ----

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsuranceSplitLine {
    pub line_id: Uuid,
    pub code: String,
    pub description: String,
    pub line_total: i64,
    pub payer_share: i64,
    pub patient_share: i64,
    pub copay: i64,
    pub deductible: i64,
    /// `covered`, `excluded`, `preauth_missing` or `limit_reached`.
    pub rule: String,
    pub preauth_missing: bool,
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsuranceSplit {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub policy_id: Uuid,
    pub payer: String,
    pub payer_total: i64,
    /// What the cashier collects from the patient.
    pub patient_total: i64,
    pub currency: String,
    pub exponent: i16,
    pub number: Option<String>,
    #[sqlx(skip)]
    pub lines: Vec<InsuranceSplitLine>,
}

impl InsuranceSplit {
    pub fn m<T: std::borrow::Borrow<i64>>(&self, v: T) -> String {
        money::format(*v.borrow(), self.exponent.clamp(0, 3) as u8)
    }
    pub fn flagged(&self) -> bool {
        self.lines.iter().any(|l| l.preauth_missing)
    }
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsuranceSplitForm {
    pub invoice: Option<Uuid>,
    pub policy: Option<Uuid>,
}

// ---- Claims ----

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsuranceClaim {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub policy_id: Uuid,
    pub patient_id: Uuid,
    pub facility_id: Uuid,
    pub mrn: String,
    pub payer: String,
    pub number: Option<String>,
    /// `draft`, `submitted`, `accepted`, `rejected`, `paid`, `partially_paid`, `denied`.
    pub status: String,
    pub claimed: i64,
    pub paid: i64,
    pub currency: String,
    pub exponent: i16,
    pub reason: Option<String>,
    pub payment_id: Option<Uuid>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl InsuranceClaim {
    pub fn m<T: std::borrow::Borrow<i64>>(&self, v: T) -> String {
        money::format(*v.borrow(), self.exponent.clamp(0, 3) as u8)
    }
    pub fn status_key(&self) -> String {
        format!("insurance-claim-status-{}", self.status)
    }
    pub fn shown_number(&self) -> String {
        self.number.clone().unwrap_or_default()
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InsuranceClaimLine {
    pub line_id: Uuid,
    pub code: String,
    pub description: String,
    pub claimed: i64,
    pub paid: Option<i64>,
    pub adjustment_code: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InsuranceClaimDetail {
    pub claim: InsuranceClaim,
    pub lines: Vec<InsuranceClaimLine>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsuranceClaimForm {
    pub invoice: Option<Uuid>,
    pub policy: Option<Uuid>,
}

/// A state change of a claim: `submit`, `accept` or `reject` (with a reason).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsuranceClaimAction {
    pub action: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsuranceRemittanceLine {
    pub line_id: Option<Uuid>,
    /// Minor units paid by the payer for the line, 0..=claimed.
    pub paid: i64,
    /// Required when less than claimed is paid: one of the configured adjustment codes.
    pub adjustment_code: String,
}

/// The payer's remittance for a claim: one entry per claim line.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct InsuranceRemittance {
    pub lines: Vec<InsuranceRemittanceLine>,
    /// The payer's payment reference (EFT trace), at most 60 characters.
    pub reference: String,
}
