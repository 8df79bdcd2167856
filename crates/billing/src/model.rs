//! Billing's rows and forms.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::money;
use hearth_core::web::FieldErrors;

/// A facility's billing settings (defaults when none are stored: USD, fiscal year from January).
#[derive(Debug, Clone, FromRow)]
pub struct Settings {
    pub facility_id: Uuid,
    pub facility_code: String,
    pub timezone: String,
    pub currency: String,
    pub exponent: i16,
    pub fiscal_start_month: i16,
}

impl Settings {
    pub fn exp(&self) -> u8 {
        self.exponent.clamp(0, 3) as u8
    }
}

/// The fiscal year (named by the calendar year it starts in) of a local date.
pub fn fiscal_year(day: Date, start_month: i16) -> i32 {
    if i16::from(u8::from(day.month())) >= start_month {
        day.year()
    } else {
        day.year() - 1
    }
}

/// A price of the chargemaster.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BillingPrice {
    pub code: String,
    pub description: String,
    /// Minor units of the facility's currency.
    pub unit_price: i64,
    /// Basis points (1000 = 10 %).
    pub tax_rate_bp: i32,
}

/// The price list in force on a day, with its items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BillingPriceList {
    pub facility_id: Uuid,
    pub currency: String,
    pub exponent: i16,
    pub price_list_id: Option<Uuid>,
    pub version: Option<i32>,
    #[schema(value_type = Option<String>)]
    pub effective_from: Option<Date>,
    pub items: Vec<BillingPrice>,
}

/// Sets one price from a day on: a new version of the facility's price list (a copy of the one
/// in force that day) unless a version starts that very day.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BillingPriceForm {
    pub facility: String,
    /// YYYY-MM-DD (a local day of the facility).
    pub effective_from: String,
    pub code: String,
    pub description: String,
    /// Minor units (API) or a decimal in major units (the page, `price`).
    pub unit_price: Option<i64>,
    #[schema(ignore)]
    pub price: String,
    pub tax_rate_bp: Option<i32>,
}

pub fn parse_date(s: &str) -> Option<Date> {
    Date::parse(s.trim(), time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn check_code(code: &str) -> bool {
    (1..=60).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'.' | b'_' | b'/' | b'-'))
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

/// A checked price change.
pub struct ValidPrice {
    pub facility: Uuid,
    pub from: Date,
    pub item: BillingPrice,
}

impl BillingPriceForm {
    pub fn validate(&self, exponent: impl Fn(Uuid) -> u8) -> Result<ValidPrice, FieldErrors> {
        let mut e = FieldErrors::default();
        let facility = Uuid::parse_str(self.facility.trim()).ok();
        if facility.is_none() {
            e.add("facility", "Choose a facility.");
        }
        let from = parse_date(&self.effective_from);
        if from.is_none() {
            e.add("effective_from", "Enter a date as YYYY-MM-DD.");
        }
        let code = self.code.trim().to_string();
        if !check_code(&code) {
            e.add("code", "A code is 1–60 letters, digits or : . _ / -.");
        }
        let description = check_text(&mut e, "description", &self.description, 200, "Describe the item.");
        let unit_price = match (self.unit_price, self.price.trim()) {
            (Some(p), _) => Some(p),
            (None, "") => None,
            (None, s) => match money::parse(s, facility.map(&exponent).unwrap_or(2)) {
                Ok(v) => Some(v),
                Err(m) => {
                    e.add("unit_price", m);
                    return Err(e);
                }
            },
        };
        match unit_price {
            None => e.add("unit_price", "Enter the price."),
            Some(p) if p < 0 => e.add("unit_price", "A price is never negative."),
            Some(p) if p > 1_000_000_000_000 => e.add("unit_price", "The price is too large."),
            _ => {}
        }
        let tax = self.tax_rate_bp.unwrap_or(0);
        if !(0..=10_000).contains(&tax) {
            e.add("tax_rate_bp", "A tax rate is 0 to 10000 basis points (0–100 %).");
        }
        match (facility, from, unit_price) {
            (Some(facility), Some(from), Some(unit_price)) if e.is_empty() => Ok(ValidPrice {
                facility,
                from,
                item: BillingPrice { code, description, unit_price, tax_rate_bp: tax },
            }),
            _ => Err(e),
        }
    }
}

/// A manual item of a new invoice (with `billing.manual_items`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BillingManualItem {
    pub description: String,
    /// Whole units, 1..=10000.
    pub quantity: i32,
    /// Minor units, ≥ 0.
    pub unit_price: i64,
    /// Basis points, 0..=10000.
    pub tax_rate_bp: i32,
}

/// A new draft invoice: the patient's unbilled charges (all of the facility, or those listed)
/// plus manual items.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BillingInvoiceForm {
    /// The facility (default: the first charge's, else the caller's first).
    pub facility: Option<Uuid>,
    /// The charges to bill; absent: every unbilled charge of the patient at the facility.
    pub charges: Option<Vec<Uuid>>,
    pub manual: Vec<BillingManualItem>,
}

impl BillingInvoiceForm {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if self.manual.len() > 50 {
            e.add("manual", "At most 50 manual items.");
        }
        if self.charges.as_ref().is_some_and(|c| c.len() > 500) {
            e.add("charges", "At most 500 charges on one invoice.");
        }
        for (i, m) in self.manual.iter().enumerate() {
            let n = i + 1;
            let d = m.description.trim();
            if d.is_empty() || d.chars().count() > 200 || hearth_core::web::input::free_text(d).is_err() {
                e.add("manual", format!("Item {n}: describe it in 1 to 200 characters."));
            }
            if !(1..=10_000).contains(&m.quantity) {
                e.add("manual", format!("Item {n}: a quantity is 1 to 10000."));
            }
            if !(0..=1_000_000_000_000).contains(&m.unit_price) {
                e.add("manual", format!("Item {n}: a price is never negative."));
            }
            if !(0..=10_000).contains(&m.tax_rate_bp) {
                e.add("manual", format!("Item {n}: a tax rate is 0 to 10000 basis points."));
            }
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }
}

/// A discount on a draft: a percentage (basis points) or an amount (minor units).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BillingDiscountForm {
    /// `percent` or `amount`.
    pub kind: String,
    /// `percent`: basis points 1..=10000; `amount`: minor units ≥ 1.
    pub value: i64,
    pub reason: String,
}

impl BillingDiscountForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::default();
        match self.kind.as_str() {
            "percent" if !(1..=10_000).contains(&self.value) => e.add("value", "A percentage is 0.01 to 100 %."),
            "amount" if self.value < 1 => e.add("value", "An amount is at least one minor unit."),
            "percent" | "amount" => {}
            _ => e.add("kind", "Choose percent or amount."),
        }
        let r = check_text(&mut e, "reason", &self.reason, 500, "Say why the discount is given.");
        if e.is_empty() {
            Ok(r)
        } else {
            Err(e)
        }
    }
}

/// A reason (cancel, credit note).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BillingReasonForm {
    pub reason: String,
}

impl BillingReasonForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let mut e = FieldErrors::default();
        let r = check_text(&mut e, "reason", &self.reason, 500, "Give the reason.");
        if e.is_empty() {
            Ok(r)
        } else {
            Err(e)
        }
    }
}

pub const METHODS: [&str; 3] = ["cash", "card", "bank_transfer"];

/// A payment on an issued invoice. Never a card number: a card payment carries the terminal's
/// reference.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct BillingPaymentForm {
    /// `cash`, `card` or `bank_transfer`.
    pub method: String,
    /// Minor units, ≥ 1, at most the balance.
    pub amount: i64,
    /// The card terminal's or the bank's reference (required for a card; never a card number).
    pub reference: String,
}

impl BillingPaymentForm {
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut e = FieldErrors::default();
        if !METHODS.contains(&self.method.as_str()) {
            e.add("method", "Choose cash, card or bank transfer.");
        }
        if self.amount < 1 {
            e.add("amount", "Enter an amount above zero.");
        }
        let r = self.reference.trim();
        if r.chars().count() > 100 {
            e.add("reference", "At most 100 characters.");
        } else if r.chars().filter(char::is_ascii_digit).count() >= 12 {
            e.add("reference", "Enter the terminal's reference, never a card number.");
        } else if let Err(m) = hearth_core::web::input::free_text(r) {
            if !r.is_empty() {
                e.add("reference", m);
            }
        }
        if self.method == "card" && r.is_empty() {
            e.add("reference", "Enter the card terminal's reference.");
        }
        if e.is_empty() {
            Ok(())
        } else {
            Err(e)
        }
    }
}

/// An invoice or credit note as read back.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BillingInvoice {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub facility: String,
    pub patient_id: Uuid,
    pub mrn: String,
    /// `invoice` or `credit_note`.
    pub kind: String,
    pub credits: Option<Uuid>,
    /// `draft`, `issued`, `partially_paid`, `paid`, `cancelled`, `credited`.
    pub status: String,
    pub currency: String,
    pub exponent: i16,
    pub number: Option<String>,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub paid: i64,
    pub discount_kind: Option<String>,
    pub discount_value: Option<i64>,
    /// `applied` or `pending` (awaiting approval).
    pub discount_state: Option<String>,
    pub discount_reason: Option<String>,
    pub discount_requested_by: Option<Uuid>,
    pub reason: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub issued_at: Option<OffsetDateTime>,
}

impl BillingInvoice {
    pub fn balance(&self) -> i64 {
        if self.kind == "invoice" && !matches!(self.status.as_str(), "draft" | "cancelled" | "credited") {
            self.total - self.paid
        } else {
            0
        }
    }
    pub fn m<T: std::borrow::Borrow<i64>>(&self, v: T) -> String {
        money::format(*v.borrow(), self.exponent.clamp(0, 3) as u8)
    }
    /// An amount of this invoice's currency in the reader's number format (pages:
    /// `{{ i.lm(page.zone.fmt(), i.total) }}`; `1,234.50`, `1.234,50`, `1,23,456.00`).
    pub fn lm<T: std::borrow::Borrow<i64>>(&self, f: &hearth_core::formats::Formats, v: T) -> String {
        f.decimal(*v.borrow(), self.exponent.clamp(0, 3) as u8)
    }
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }
    pub fn payable(&self) -> bool {
        self.kind == "invoice" && matches!(self.status.as_str(), "issued" | "partially_paid")
    }
    pub fn creditable(&self) -> bool {
        self.kind == "invoice" && self.status == "issued" && self.paid == 0
    }
    pub fn discount_pending(&self) -> bool {
        self.discount_state.as_deref() == Some("pending")
    }
    pub fn shown_number(&self) -> String {
        self.number.clone().unwrap_or_default()
    }
}

/// A line of an invoice: the price copied from the chargemaster when the line was written.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BillingLine {
    pub id: Uuid,
    pub position: i32,
    pub charge_id: Option<Uuid>,
    pub code: String,
    pub description: String,
    #[schema(value_type = String)]
    pub service_date: Date,
    pub quantity: i32,
    pub unit_price: i64,
    pub tax_rate_bp: i32,
    pub net: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub manual: bool,
}

/// A payment as read back.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct BillingPayment {
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub patient_id: Uuid,
    pub facility_id: Uuid,
    pub method: String,
    pub amount: i64,
    pub currency: String,
    pub exponent: i16,
    pub reference: String,
    pub number: Option<String>,
    pub mrn: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    pub received_by: Option<String>,
}

impl BillingPayment {
    pub fn m(&self) -> String {
        money::format(self.amount, self.exponent.clamp(0, 3) as u8)
    }
    /// The amount in the reader's number format.
    pub fn lm(&self, f: &hearth_core::formats::Formats) -> String {
        f.decimal(self.amount, self.exponent.clamp(0, 3) as u8)
    }
    pub fn method_key(&self) -> String {
        format!("billing-method-{}", self.method)
    }
}

/// An invoice with its lines and payments.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BillingInvoiceDetail {
    pub invoice: BillingInvoice,
    pub lines: Vec<BillingLine>,
    pub payments: Vec<BillingPayment>,
    /// What is still owed.
    pub balance: i64,
}

/// An unbilled charge with its price in force at the service date (if any).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BillingUnbilled {
    pub charge_id: Uuid,
    pub facility_id: Uuid,
    pub source_module: String,
    pub code: String,
    pub description: String,
    pub quantity: i32,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub performed_at: OffsetDateTime,
    /// Minor units; `None`: the chargemaster has no price for the code on that day.
    pub unit_price: Option<i64>,
}
