//! Rows, forms and their validation.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::checks;
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

pub const UNITS: [&str; 8] = ["mg", "mcg", "g", "units", "mL", "tablet", "capsule", "puff"];
pub const ROUTES: [&str; 8] = ["PO", "IV", "IM", "SC", "INH", "TOP", "PR", "SL"];

/// A formulary product with its ingredients.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct PharmacyProduct {
    pub code: String,
    pub name: String,
    /// The name with Tall Man lettering (look-alike/sound-alike), or empty.
    pub tall_man: String,
    pub strength: String,
    pub dose_form: String,
    pub route: String,
    pub dose_unit: String,
    pub therapeutic_class: String,
    /// Controlled-drug schedule per jurisdiction (e.g. "US II", "UK 5"), or empty.
    pub cd_schedule: String,
    pub high_alert: bool,
    pub max_single: Option<f64>,
    pub max_daily: Option<f64>,
    pub dispense_unit: String,
    /// "paracetamol 500 mg; codeine 30 mg" per dose unit.
    pub ingredients: String,
}

impl PharmacyProduct {
    /// The name to show: its Tall Man spelling when it has one.
    pub fn display(&self) -> &str {
        if self.tall_man.is_empty() {
            &self.name
        } else {
            &self.tall_man
        }
    }
    pub fn maxima(&self) -> String {
        let f = |v: Option<f64>| v.map(|x| format!("{} {}", fmt_num(x), self.dose_unit)).unwrap_or_else(|| "—".into());
        format!("{} / {}", f(self.max_single), f(self.max_daily))
    }
}

/// A number without trailing zeros ("0.5", "1000").
pub fn fmt_num(n: f64) -> String {
    let s = format!("{n:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A medication order as listed on the chart and in the queues.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct PharmacyOrder {
    pub id: Uuid,
    /// The orders core's header.
    pub order_id: Uuid,
    pub patient_id: Uuid,
    pub product_code: String,
    pub product: String,
    pub high_alert: bool,
    pub dose: f64,
    pub dose_unit: String,
    pub route: String,
    pub frequency: String,
    pub prn: bool,
    pub prn_indication: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub start_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub stop_at: Option<OffsetDateTime>,
    pub quantity: i32,
    pub dispensed: i32,
    pub dispense_unit: String,
    /// pending (verification), verified, rejected or discontinued.
    pub status: String,
    /// The safety checks shown when it was signed.
    #[schema(value_type = Vec<Object>)]
    pub alerts: sqlx::types::Json<Vec<serde_json::Value>>,
    pub kb_version: String,
    pub override_reason: String,
    pub prescriber: String,
    pub verified_by: Option<String>,
    pub reject_reason: String,
    pub discontinue_reason: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl PharmacyOrder {
    pub fn sig(&self) -> String {
        let mut s = format!("{} {} {} {}", fmt_num(self.dose), self.dose_unit, self.route, self.frequency);
        if self.prn {
            s.push_str(&format!(" PRN ({})", self.prn_indication));
        }
        s
    }
    pub fn open(&self) -> bool {
        self.status == "pending" || self.status == "verified"
    }
    pub fn alert_lines(&self) -> Vec<(String, String)> {
        self.alerts
            .iter()
            .map(|a| {
                (
                    a["level"].as_str().unwrap_or("info").to_string(),
                    a["message"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
}

/// An order in a pharmacist's worklist, with the patient (or "Restricted record").
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct PharmacyWorkItem {
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub order: PharmacyOrder,
    pub mrn: String,
    pub patient_name: String,
    pub visible: bool,
}

/// A balance of one lot in one store.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct PharmacyStockLine {
    pub store_id: Uuid,
    pub store: String,
    pub product_code: String,
    pub product: String,
    pub lot_id: Uuid,
    pub lot_number: String,
    #[schema(value_type = String)]
    pub expiry_date: Date,
    pub quarantined: bool,
    pub quantity: i32,
    pub dispense_unit: String,
}

impl PharmacyStockLine {
    pub fn expired(&self, today: Date) -> bool {
        self.expiry_date < today
    }
    pub fn near_expiry(&self, today: Date) -> bool {
        self.expiry_date >= today && (self.expiry_date - today).whole_days() <= 90
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct PharmacyStore {
    pub id: Uuid,
    pub facility_id: Uuid,
    pub name: String,
    pub kind: String,
}

/// The prescribing form (browser); the API's [`PharmacyNewOrder`] converts into it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PrescribeForm {
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub dose: String,
    #[serde(default)]
    pub dose_unit: String,
    #[serde(default)]
    pub route: String,
    #[serde(default)]
    pub frequency: String,
    #[serde(default)]
    pub prn: String,
    #[serde(default)]
    pub prn_indication: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub stop_date: String,
    #[serde(default)]
    pub indication: String,
    #[serde(default)]
    pub override_reason: String,
    /// "check" shows the checks without signing; anything else signs.
    #[serde(default)]
    pub action: String,
}

/// A new medication order (API).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PharmacyNewOrder {
    /// The formulary product's code.
    pub product: String,
    pub dose: f64,
    /// mg, mcg, g, units, mL, tablet, capsule or puff (mass units convert into the product's).
    pub dose_unit: String,
    /// Defaults to the product's route.
    #[serde(default)]
    pub route: String,
    /// OD, BD, TDS, QDS, Q4H, Q6H, Q8H, NOCTE, STAT, ONCE or WEEKLY.
    pub frequency: String,
    #[serde(default)]
    pub prn: bool,
    #[serde(default)]
    pub prn_indication: String,
    /// Dispensing units to supply.
    pub quantity: i32,
    /// YYYY-MM-DD (UTC day); default now.
    #[serde(default)]
    pub start_date: String,
    #[serde(default)]
    pub stop_date: String,
    #[serde(default)]
    pub indication: String,
    /// Required when the checks find a severe problem.
    #[serde(default)]
    pub override_reason: String,
}

impl From<PharmacyNewOrder> for PrescribeForm {
    fn from(o: PharmacyNewOrder) -> Self {
        PrescribeForm {
            product: o.product,
            dose: o.dose.to_string(),
            dose_unit: o.dose_unit,
            route: o.route,
            frequency: o.frequency,
            prn: if o.prn { "true".into() } else { String::new() },
            prn_indication: o.prn_indication,
            quantity: o.quantity.to_string(),
            start_date: o.start_date,
            stop_date: o.stop_date,
            indication: o.indication,
            override_reason: o.override_reason,
            action: "sign".into(),
        }
    }
}

/// A validated prescription (the product's own checks follow in `repo`).
#[derive(Debug, Clone)]
pub struct ValidOrder {
    pub product: String,
    pub dose: f64,
    pub dose_unit: String,
    pub route: Option<String>,
    pub frequency: String,
    pub per_day: f64,
    pub weekly: bool,
    pub prn: bool,
    pub prn_indication: String,
    pub quantity: i32,
    pub start_at: OffsetDateTime,
    pub stop_at: Option<OffsetDateTime>,
    pub indication: String,
    pub override_reason: String,
}

/// Reads a decimal as typed: ".5", "0,5" and "5.0" are numbers; "5..0", "" and "abc" are not.
pub fn parse_decimal(s: &str) -> Option<f64> {
    let t = s.trim().replace(',', ".");
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || c == '.') || t.matches('.').count() > 1 || t == "." {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

impl PrescribeForm {
    pub fn validate(&self, zone: &Zone, now: OffsetDateTime) -> Result<ValidOrder, FieldErrors> {
        let mut e = FieldErrors::default();
        let product = self.product.trim().to_string();
        if product.is_empty() {
            e.add("product", "Choose a product of the formulary.");
        }
        let dose = match parse_decimal(&self.dose) {
            Some(d) if d > 0.0 && d < 1_000_000_000.0 => d,
            Some(d) if d <= 0.0 => {
                e.add("dose", "The dose must be more than zero.");
                0.0
            }
            Some(_) => {
                e.add("dose", "This dose is not plausible in any unit.");
                0.0
            }
            None => {
                e.add("dose", "Write the dose as a number, e.g. 500 or 0.5.");
                0.0
            }
        };
        let dose_unit = self.dose_unit.trim().to_string();
        if !UNITS.contains(&dose_unit.as_str()) {
            e.add("dose_unit", "Choose the dose unit.");
        }
        let route = self.route.trim().to_uppercase();
        let route = if route.is_empty() {
            None
        } else if ROUTES.contains(&route.as_str()) {
            Some(route)
        } else {
            e.add("route", "Choose a route.");
            None
        };
        let frequency = self.frequency.trim().to_uppercase();
        let (per_day, weekly) = match checks::frequency(&frequency) {
            Some(f) => f,
            None => {
                e.add("frequency", "Choose a frequency (OD, BD, TDS, QDS, Q4H, Q6H, Q8H, NOCTE, STAT, ONCE, WEEKLY).");
                (1.0, false)
            }
        };
        let prn = matches!(self.prn.as_str(), "true" | "on" | "1");
        let prn_indication = self.prn_indication.trim().to_string();
        if prn && prn_indication.is_empty() {
            e.add("prn_indication", "Say what the as-needed dose is for (e.g. pain, nausea).");
        }
        if prn_indication.chars().count() > 200 {
            e.add("prn_indication", "At most 200 characters.");
        }
        let quantity = match self.quantity.trim().parse::<i32>() {
            Ok(q) if (1..=10_000).contains(&q) => q,
            _ => {
                e.add("quantity", "Give the quantity to supply, 1 to 10,000.");
                0
            }
        };
        let read_day = |e: &mut FieldErrors, field: &'static str, s: &str| -> Option<OffsetDateTime> {
            let s = s.trim();
            if s.is_empty() {
                return None;
            }
            match Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(d) => Some(zone.day_range(d).0),
                Err(_) => {
                    e.add(field, "Use a date such as 2026-12-05.");
                    None
                }
            }
        };
        let start_at = read_day(&mut e, "start_date", &self.start_date).unwrap_or(now);
        let stop_at = read_day(&mut e, "stop_date", &self.stop_date);
        if let Some(stop) = stop_at {
            if stop <= start_at {
                e.add("stop_date", "The stop must be after the start.");
            }
        }
        let override_reason = self.override_reason.trim().to_string();
        if override_reason.chars().count() > 500 {
            e.add("override_reason", "At most 500 characters.");
        }
        if self.indication.chars().count() > 1000 {
            e.add("indication", "At most 1,000 characters.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidOrder {
            product,
            dose,
            dose_unit,
            route,
            frequency,
            per_day,
            weekly,
            prn,
            prn_indication,
            quantity,
            start_at,
            stop_at,
            indication: self.indication.trim().to_string(),
            override_reason,
        })
    }
}

/// A reason (reject, discontinue).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PharmacyReason {
    #[serde(default)]
    pub reason: String,
}

impl PharmacyReason {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let r = self.reason.trim();
        if r.is_empty() || r.chars().count() > 500 {
            return Err(FieldErrors::one("reason", "Give the reason (at most 500 characters)."));
        }
        Ok(r.to_string())
    }
}

/// A dispense from a store (browser form and API).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PharmacyDispenseForm {
    #[serde(default)]
    pub store_id: String,
    /// Dispensing units (default: all still owed).
    #[serde(default)]
    pub quantity: String,
}

/// Goods received into a store: a lot with its expiry.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PharmacyReceiptForm {
    #[serde(default)]
    pub store_id: String,
    #[serde(default)]
    pub product: String,
    #[serde(default)]
    pub lot_number: String,
    /// YYYY-MM-DD, or a month-only expiry YYYY-MM (the end of that month).
    #[serde(default)]
    pub expiry: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub supplier: String,
}

pub struct ValidReceipt {
    pub store_id: Uuid,
    pub product: String,
    pub lot_number: String,
    pub expiry: Date,
    pub quantity: i32,
    pub supplier: String,
}

/// Reads an expiry: a day, or a month meaning its last day ("2027-05" → 2027-05-31).
pub fn parse_expiry(s: &str) -> Option<Date> {
    let s = s.trim();
    if let Ok(d) = Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")) {
        return Some(d);
    }
    let (y, m) = s.split_once('-')?;
    let (y, m): (i32, u8) = (y.parse().ok()?, m.parse().ok()?);
    let month = time::Month::try_from(m).ok()?;
    Date::from_calendar_date(y, month, month.length(y)).ok()
}

impl PharmacyReceiptForm {
    pub fn validate(&self, today: Date) -> Result<ValidReceipt, FieldErrors> {
        let mut e = FieldErrors::default();
        let store_id = Uuid::parse_str(self.store_id.trim()).unwrap_or_else(|_| {
            e.add("store_id", "Choose a store.");
            Uuid::nil()
        });
        let product = self.product.trim().to_string();
        if product.is_empty() {
            e.add("product", "Choose a product.");
        }
        let lot_number = self.lot_number.trim().to_string();
        if lot_number.is_empty() || lot_number.chars().count() > 40 {
            e.add("lot_number", "Give the lot number (at most 40 characters).");
        }
        let expiry = match parse_expiry(&self.expiry) {
            Some(d) if d < today => {
                e.add("expiry", "This lot is already expired; expired stock is not received.");
                d
            }
            Some(d) => d,
            None => {
                e.add("expiry", "Give the expiry as 2027-05-31 or 2027-05.");
                today
            }
        };
        let quantity = match self.quantity.trim().parse::<i32>() {
            Ok(q) if (1..=100_000).contains(&q) => q,
            _ => {
                e.add("quantity", "Give the quantity received, 1 to 100,000.");
                0
            }
        };
        let supplier = self.supplier.trim().to_string();
        if supplier.chars().count() > 100 {
            e.add("supplier", "At most 100 characters.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidReceipt { store_id, product, lot_number, expiry, quantity, supplier })
    }
}

/// A new store.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct PharmacyStoreForm {
    #[serde(default)]
    pub name: String,
    /// main, ward, ed or theatre.
    #[serde(default)]
    pub kind: String,
    /// Default: the user's first facility.
    #[serde(default)]
    pub facility_id: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_as_typed() {
        assert_eq!(parse_decimal(".5"), Some(0.5));
        assert_eq!(parse_decimal("5.0"), Some(5.0));
        assert_eq!(parse_decimal("0,5"), Some(0.5));
        assert_eq!(parse_decimal("5..0"), None);
        assert_eq!(parse_decimal("-1"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn a_month_only_expiry_is_the_end_of_that_month() {
        assert_eq!(parse_expiry("2026-05"), Some(time::macros::date!(2026 - 05 - 31)));
        assert_eq!(parse_expiry("2028-02"), Some(time::macros::date!(2028 - 02 - 29)));
        assert_eq!(parse_expiry("2026-13"), None);
        assert_eq!(parse_expiry("2026-05-10"), Some(time::macros::date!(2026 - 05 - 10)));
    }
}
