//! Rows, forms and their validation.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::registry::OrderEntry;
use hearth_core::web::FieldErrors;

pub const PRIORITIES: [(&str, &str); 4] =
    [("routine", "Routine"), ("urgent", "Urgent"), ("asap", "As soon as possible"), ("stat", "Stat (immediately)")];
pub const STATUSES: [(&str, &str); 6] = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("on_hold", "On hold"),
    ("revoked", "Revoked"),
    ("completed", "Completed"),
    ("entered_in_error", "Entered in error"),
];
/// The statuses of an order still to be carried out (the tab's "open" filter).
pub const OPEN: [&str; 3] = ["draft", "active", "on_hold"];
pub const ENTRIES: [(&str, &str); 4] = [
    ("signed", "Sign now"),
    ("draft", "Save as a draft (sign later)"),
    ("verbal", "Verbal order (on a prescriber's behalf)"),
    ("telephone", "Telephone order (on a prescriber's behalf)"),
];

pub fn label(list: &[(&'static str, &'static str)], v: &str) -> &'static str {
    list.iter().find(|(k, _)| *k == v).map(|(_, l)| *l).unwrap_or("")
}

/// An order header as read back.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub encounter_id: Option<Uuid>,
    /// The kind (a module's `OrderKind`), e.g. `immunization`.
    pub kind: String,
    /// The module owning the detail row.
    pub module: String,
    /// The module's detail row, when the kind has one.
    pub detail_id: Option<Uuid>,
    /// The code in the kind's catalogue and its display text.
    pub code: String,
    pub display: String,
    /// routine, urgent, asap or stat.
    pub priority: String,
    pub indication: String,
    /// The request status: draft, active, on_hold, revoked, completed or entered_in_error.
    pub status: String,
    pub hold_reason: Option<String>,
    pub revoke_reason: Option<String>,
    pub error_reason: Option<String>,
    /// How far the work has got, in the fulfilling module's own words.
    pub fulfilment: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub fulfilment_at: Option<OffsetDateTime>,
    pub orderer_id: Uuid,
    pub orderer: String,
    pub entered_by: Option<Uuid>,
    pub entered_by_name: Option<String>,
    /// electronic, verbal or telephone.
    pub entry_mode: String,
    /// A verbal or telephone order was read back to the prescriber.
    pub read_back: bool,
    pub signed_by: Option<Uuid>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_at: Option<OffsetDateTime>,
    /// A verbal or telephone order its prescriber has not countersigned yet.
    pub awaiting_countersignature: bool,
    pub set_id: Option<Uuid>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub completed_at: Option<OffsetDateTime>,
}

impl Order {
    pub fn status_label(&self) -> &'static str {
        label(&STATUSES, &self.status)
    }

    pub fn priority_label(&self) -> &'static str {
        label(&PRIORITIES, &self.priority)
    }

    pub fn badge(&self) -> &'static str {
        match self.status.as_str() {
            "active" => "badge-ok",
            "draft" | "on_hold" => "badge-warn",
            _ => "badge-muted",
        }
    }

    /// Priority shown as a warning when above routine.
    pub fn urgent(&self) -> bool {
        self.priority != "routine"
    }

    pub fn mode_label(&self) -> &'static str {
        match self.entry_mode.as_str() {
            "verbal" => "Verbal order",
            "telephone" => "Telephone order",
            _ => "Electronic",
        }
    }

    /// The reason of the current status (hold, revoke, entered in error), if any.
    pub fn status_reason(&self) -> Option<&str> {
        match self.status.as_str() {
            "on_hold" => self.hold_reason.as_deref(),
            "revoked" => self.revoke_reason.as_deref(),
            "entered_in_error" => self.error_reason.as_deref(),
            _ => None,
        }
    }

    pub fn is_open(&self) -> bool {
        OPEN.contains(&self.status.as_str())
    }
}

/// A released result of an order.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct OrderResult {
    pub id: Uuid,
    pub order_id: Uuid,
    pub summary: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub released_at: OffsetDateTime,
    pub assigned_to: Uuid,
    pub assigned_to_name: String,
    pub reassigned_from: Option<Uuid>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_off_at: Option<OffsetDateTime>,
    pub signed_off_by_name: Option<String>,
    pub signoff_note: String,
}

/// An order with its released results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderDetail {
    pub order: Order,
    pub results: Vec<OrderResult>,
}

/// A result waiting in (or signed off from) a clinician's inbox. The patient's name and the
/// summary are withheld (`restricted`) when the reader may not open the record.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: Uuid,
    pub order_id: Uuid,
    pub patient_id: Uuid,
    pub restricted: bool,
    pub patient_name: String,
    pub mrn: String,
    pub kind: String,
    pub code: String,
    pub display: String,
    pub summary: String,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub released_at: OffsetDateTime,
    pub orderer: String,
    /// Reassigned from this clinician (who was away).
    pub reassigned_from: Option<String>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub signed_off_at: Option<OffsetDateTime>,
    pub signoff_note: String,
}

/// A verbal or telephone order waiting for the reader's countersignature.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct CountersignItem {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub restricted: bool,
    pub patient_name: String,
    pub mrn: String,
    pub display: String,
    pub priority: String,
    pub entry_mode: String,
    pub entered_by_name: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub requested_at: OffsetDateTime,
}

impl CountersignItem {
    pub fn mode_label(&self) -> &'static str {
        if self.entry_mode == "telephone" {
            "Telephone"
        } else {
            "Verbal"
        }
    }
}

/// A clinician's "away until, covered by" setting.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Away {
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub away_until: OffsetDateTime,
    pub covered_by: Uuid,
    pub covered_by_name: String,
}

/// An order set.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct OrderSet {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub active: bool,
    pub item_count: i64,
}

/// An item of an order set: a kind, a code and its defaults.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct SetItem {
    pub id: Uuid,
    pub position: i32,
    pub kind: String,
    pub code: String,
    pub display: String,
    pub priority: String,
    pub indication: String,
    #[schema(value_type = Object)]
    pub options: serde_json::Value,
}

impl SetItem {
    pub fn priority_label(&self) -> &'static str {
        label(&PRIORITIES, &self.priority)
    }
}

/// An order set with its items.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OrderSetDetail {
    #[serde(flatten)]
    pub set: OrderSet,
    pub items: Vec<SetItem>,
}

/// A new order (the order form and the API's body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct OrderForm {
    /// The order kind (`GET /api/v1/order-kinds`).
    pub kind: String,
    /// A code of the kind's catalogue.
    pub code: String,
    /// routine (default), urgent, asap or stat.
    pub priority: String,
    pub indication: String,
    /// One of the patient's encounters (optional).
    pub encounter_id: String,
    /// signed (default: placed and signed by the caller), draft (signed later), verbal or
    /// telephone (entered on the prescriber `orderer_id`'s behalf, with `read_back: true`).
    pub entry: String,
    /// The prescriber who gave a verbal or telephone order.
    pub orderer_id: String,
    /// The order was read back to the prescriber and confirmed.
    pub read_back: bool,
    /// The kind's own fields, a JSON object (API only).
    #[schema(value_type = Option<Object>)]
    pub options: serde_json::Value,
}

/// A checked order form, before the kind's create function sees it.
#[derive(Debug, Clone)]
pub struct ValidForm {
    pub kind: String,
    pub code: String,
    pub priority: String,
    pub indication: String,
    pub encounter: Option<Uuid>,
    pub entry: OrderEntry,
    pub orderer: Option<Uuid>,
    pub read_back: bool,
    pub options: serde_json::Value,
}

pub fn opt_uuid(e: &mut FieldErrors, field: &'static str, v: &str) -> Option<Uuid> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    match Uuid::try_parse(v) {
        Ok(u) => Some(u),
        Err(_) => {
            e.add(field, "Choose one from the list.");
            None
        }
    }
}

/// Checks a priority (empty: routine).
pub fn priority(e: &mut FieldErrors, field: &'static str, v: &str) -> String {
    let v = v.trim();
    if v.is_empty() {
        return "routine".into();
    }
    if !PRIORITIES.iter().any(|(k, _)| *k == v) {
        e.add(field, "Choose routine, urgent, as soon as possible or stat.");
    }
    v.to_string()
}

/// Checks a clinical indication (at most 1,000 characters).
pub fn indication(e: &mut FieldErrors, field: &'static str, v: &str) -> String {
    let v = v.trim();
    if v.chars().count() > 1000 {
        e.add(field, "At most 1,000 characters.");
    }
    v.to_string()
}

pub fn entry(v: &str) -> Option<OrderEntry> {
    match v.trim() {
        "" | "signed" => Some(OrderEntry::Signed),
        "draft" => Some(OrderEntry::Draft),
        "verbal" => Some(OrderEntry::Verbal),
        "telephone" => Some(OrderEntry::Telephone),
        _ => None,
    }
}

impl OrderForm {
    pub fn validate(&self) -> Result<ValidForm, FieldErrors> {
        let mut e = FieldErrors::default();
        let kind = self.kind.trim().to_string();
        if kind.is_empty() {
            e.add("kind", "Choose the kind of order.");
        }
        let code = self.code.trim().to_string();
        if code.is_empty() {
            e.add("code", "Choose what to order.");
        } else if code.chars().count() > 60 {
            e.add("code", "At most 60 characters.");
        }
        let priority = priority(&mut e, "priority", &self.priority);
        let indication = indication(&mut e, "indication", &self.indication);
        let encounter = opt_uuid(&mut e, "encounter_id", &self.encounter_id);
        let entry = entry(&self.entry).unwrap_or_else(|| {
            e.add("entry", "Choose how the order is entered.");
            OrderEntry::Signed
        });
        let orderer = opt_uuid(&mut e, "orderer_id", &self.orderer_id);
        if entry.on_behalf() {
            if orderer.is_none() && e.get("orderer_id").is_none() {
                e.add("orderer_id", "Choose the prescriber who gave the order.");
            }
            if !self.read_back {
                e.add("read_back", "Read the order back to the prescriber and confirm it.");
            }
        }
        let options = match &self.options {
            serde_json::Value::Null => serde_json::json!({}),
            v @ serde_json::Value::Object(_) => v.clone(),
            _ => {
                e.add("options", "The kind's options are a JSON object.");
                serde_json::json!({})
            }
        };
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidForm {
            kind,
            code,
            priority,
            indication,
            encounter,
            entry,
            orderer: orderer.filter(|_| entry.on_behalf()),
            read_back: self.read_back && entry.on_behalf(),
            options,
        })
    }
}

/// A reason for hold, revoke or entered in error (and the optional note of other actions).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ReasonForm {
    pub reason: String,
}

impl ReasonForm {
    /// The reason, required (1 to 500 characters).
    pub fn required(&self, what: &str) -> Result<String, FieldErrors> {
        let r = self.reason.trim();
        if r.is_empty() {
            return Err(FieldErrors::one("reason", format!("Say why the order is {what}.")));
        }
        if r.chars().count() > 500 {
            return Err(FieldErrors::one("reason", "At most 500 characters."));
        }
        Ok(r.to_string())
    }
}

/// Signing off a result (an optional note).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SignOffForm {
    pub note: String,
}

impl SignOffForm {
    pub fn validate(&self) -> Result<String, FieldErrors> {
        let n = self.note.trim();
        if n.chars().count() > 1000 {
            return Err(FieldErrors::one("note", "At most 1,000 characters."));
        }
        Ok(n.to_string())
    }
}

/// The "away until, covered by" setting. On the page the time is local to the user's facility;
/// the API takes RFC 3339.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AwayForm {
    /// Until when (page: local `YYYY-MM-DDTHH:MM`; API: RFC 3339).
    pub away_until: String,
    #[schema(ignore)]
    pub away_until_offset: String,
    /// The covering clinician (a user with a results inbox).
    pub covered_by: String,
}

/// A new order set, or a change of one.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SetForm {
    pub name: String,
    pub description: String,
    pub active: bool,
}

impl SetForm {
    pub fn validate(&self) -> Result<(String, String), FieldErrors> {
        let mut e = FieldErrors::default();
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.add("name", "Name the order set.");
        } else if name.chars().count() > 120 {
            e.add("name", "At most 120 characters.");
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > 1000 {
            e.add("description", "At most 1,000 characters.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok((name, description))
    }
}

/// A new item of an order set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ItemForm {
    pub kind: String,
    pub code: String,
    pub priority: String,
    pub indication: String,
}

/// Changes to one set item when placing a set (the API's body; the page's form has one field
/// per item and attribute).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ItemChoice {
    /// The set item.
    pub item: Uuid,
    /// Whether to place it (default true).
    pub include: Option<bool>,
    pub code: Option<String>,
    pub priority: Option<String>,
    pub indication: Option<String>,
}

/// Placing an order set: the items as edited before signing (items not named keep their
/// defaults).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SetPlacement {
    pub encounter_id: String,
    /// signed (default) or draft.
    pub entry: String,
    pub items: Vec<ItemChoice>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn on_behalf_needs_a_prescriber_and_a_read_back() {
        let f = OrderForm { kind: "x".into(), code: "1".into(), entry: "verbal".into(), ..Default::default() };
        let e = f.validate().unwrap_err();
        assert!(e.get("orderer_id").is_some() && e.get("read_back").is_some(), "{e:?}");
        let ok = OrderForm { orderer_id: Uuid::nil().to_string(), read_back: true, ..f };
        let v = ok.validate().unwrap();
        assert_eq!((v.entry, v.orderer, v.priority.as_str()), (OrderEntry::Verbal, Some(Uuid::nil()), "routine"));
    }

    #[test]
    fn refusals_name_their_field() {
        let f = OrderForm {
            priority: "whenever".into(),
            entry: "shouted".into(),
            encounter_id: "nope".into(),
            indication: "x".repeat(1001),
            options: serde_json::json!([1]),
            ..Default::default()
        };
        let e = f.validate().unwrap_err();
        for field in ["kind", "code", "priority", "entry", "encounter_id", "indication", "options"] {
            assert!(e.get(field).is_some(), "{field}: {e:?}");
        }
    }
}
