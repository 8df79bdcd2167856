//! Alerts, chains and their parts as the service, the pages and the API see them.

use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::registry::AlertAddressee;

/// How much an alert matters. Critical alerts reach people as urgent messages (SMS and email
/// ignore quiet hours).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn code(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Critical => "critical",
        }
    }
}

pub const SEVERITIES: [(&str, &str); 3] = [("info", "Information"), ("warning", "Warning"), ("critical", "Critical")];

pub fn severity_label(code: &str) -> &'static str {
    SEVERITIES.iter().find(|(c, _)| *c == code).map(|(_, l)| *l).unwrap_or("Alert")
}

pub fn severity_badge(code: &str) -> &'static str {
    match code {
        "critical" => "badge-danger",
        "warning" => "badge-warn",
        _ => "badge-muted",
    }
}

/// The duties an on-call list knows. A chain step `OnCall(duty)` addresses whoever holds the duty.
pub const DUTIES: [(&str, &str); 4] = [
    ("doctor", "On-call doctor"),
    ("charge_nurse", "Nurse in charge"),
    ("consultant", "Consultant on call"),
    ("pharmacist", "On-call pharmacist"),
];

pub fn duty_label(code: &str) -> String {
    DUTIES.iter().find(|(c, _)| *c == code).map(|(_, l)| l.to_string()).unwrap_or_else(|| format!("On call: {code}"))
}

/// Whom a chain step addresses (owned: read back from the database).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Addressee {
    Given,
    Attending,
    AssignedNurse,
    OnCall(String),
}

impl Addressee {
    pub fn code(&self) -> String {
        match self {
            Addressee::Given => "given".into(),
            Addressee::Attending => "attending".into(),
            Addressee::AssignedNurse => "assigned_nurse".into(),
            Addressee::OnCall(d) => format!("on_call:{d}"),
        }
    }

    pub fn parse(s: &str) -> Option<Addressee> {
        match s {
            "given" => Some(Addressee::Given),
            "attending" => Some(Addressee::Attending),
            "assigned_nurse" => Some(Addressee::AssignedNurse),
            _ => {
                let d = s.strip_prefix("on_call:")?;
                let ok = (2..=40).contains(&d.len())
                    && d.starts_with(|c: char| c.is_ascii_lowercase())
                    && d.chars().all(|c| c.is_ascii_lowercase() || c == '_');
                ok.then(|| Addressee::OnCall(d.to_string()))
            }
        }
    }

    pub fn label(&self) -> String {
        match self {
            Addressee::Given => "The person the alert names".into(),
            Addressee::Attending => "Attending clinician".into(),
            Addressee::AssignedNurse => "Assigned nurse".into(),
            Addressee::OnCall(d) => duty_label(d),
        }
    }
}

impl From<AlertAddressee> for Addressee {
    fn from(a: AlertAddressee) -> Self {
        match a {
            AlertAddressee::Given => Addressee::Given,
            AlertAddressee::Attending => Addressee::Attending,
            AlertAddressee::AssignedNurse => Addressee::AssignedNurse,
            AlertAddressee::OnCall(d) => Addressee::OnCall(d.to_string()),
        }
    }
}

/// The label of an addressee code (`on_call:doctor` → "On-call doctor").
pub fn addressee_label(code: &str) -> String {
    match code {
        "fallback" => "Alert managers (nobody else was found)".into(),
        _ => Addressee::parse(code).map(|a| a.label()).unwrap_or_else(|| code.to_string()),
    }
}

/// Every addressee an administrator may choose for a step.
pub fn addressee_choices() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [Addressee::Given, Addressee::Attending, Addressee::AssignedNurse]
        .into_iter()
        .map(|a| (a.code(), a.label()))
        .collect();
    out.extend(DUTIES.iter().map(|(d, l)| (format!("on_call:{d}"), l.to_string())));
    out
}

/// One step of a chain: whom, and minutes to acknowledge before the next step.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct ChainStep {
    /// `given`, `attending`, `assigned_nurse` or `on_call:<duty>`.
    pub to: String,
    pub minutes: i32,
}

impl ChainStep {
    pub fn label(&self) -> String {
        addressee_label(&self.to)
    }
}

/// What a module hands [`crate::raise`].
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    pub patient: Uuid,
    /// A kind declared in some module's `alert_kinds`.
    pub kind: &'a str,
    pub severity: Severity,
    /// What happened, for the addressees: no PHI beyond what they may see (no name: the alert
    /// page shows the patient to those who may open the record).
    pub title: &'a str,
    /// The raising module and its row (cancel with the same pair).
    pub source_module: &'a str,
    pub source_id: Uuid,
    /// A person to address (the ordering clinician): the chain's `given` steps, and always told
    /// at the first step.
    pub to: Option<Uuid>,
    /// The facility and department whose on-call lists the chain reads (default: the patient's
    /// registration facility, no department).
    pub facility: Option<Uuid>,
    pub department: Option<Uuid>,
}

/// An alert in a list.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct AlertRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: String,
    /// info, warning or critical.
    pub severity: String,
    pub title: String,
    /// open, acknowledged or cancelled.
    pub status: String,
    /// The chain's current step (0: the first addressees).
    pub step: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub escalated_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub acknowledged_at: Option<OffsetDateTime>,
    pub acknowledged_by: Option<String>,
    pub source_module: String,
    pub source_id: Uuid,
    /// The patient as the reader may see them ("Family, Given · MRN"); empty when restricted.
    #[serde(skip)]
    pub patient_label: String,
}

impl AlertRow {
    pub fn severity_label(&self) -> &'static str {
        severity_label(&self.severity)
    }
    pub fn severity_badge(&self) -> &'static str {
        severity_badge(&self.severity)
    }
    pub fn status_label(&self) -> &'static str {
        match (self.status.as_str(), self.escalated_at.is_some()) {
            ("open", true) => "Escalated",
            ("open", false) => "Open",
            ("acknowledged", _) => "Acknowledged",
            _ => "Cancelled",
        }
    }
    /// Time from raise to acknowledgement, e.g. "12 min" or "2 h 5 min".
    pub fn time_to_ack(&self) -> String {
        self.acknowledged_at.map(|a| duration_label(a - self.created_at)).unwrap_or_default()
    }
}

pub fn duration_label(d: time::Duration) -> String {
    let m = d.whole_minutes().max(0);
    match m {
        0 => format!("{} s", d.whole_seconds().max(0)),
        1..=59 => format!("{m} min"),
        _ => format!("{} h {} min", m / 60, m % 60),
    }
}

/// One step of an alert that fired.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct StepRow {
    pub step: i32,
    pub addressee: String,
    /// raised, timeout, off_shift or nobody.
    pub reason: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub started_at: OffsetDateTime,
    pub notified: i32,
}

impl StepRow {
    pub fn addressee_label(&self) -> String {
        addressee_label(&self.addressee)
    }
    pub fn reason_label(&self) -> &'static str {
        match self.reason.as_str() {
            "raised" => "Raised",
            "timeout" => "Not acknowledged in time",
            "off_shift" => "Addressee went off shift",
            _ => "Nobody to address at the previous step",
        }
    }
}

/// Someone told at a step.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct RecipientRow {
    pub step: i32,
    pub user_id: Uuid,
    pub name: String,
    pub via: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String)]
    pub notified_at: OffsetDateTime,
}

impl RecipientRow {
    pub fn via_label(&self) -> String {
        addressee_label(&self.via)
    }
}

/// An alert with its history.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AlertDetail {
    #[serde(flatten)]
    pub alert: AlertRow,
    pub facility_id: Uuid,
    pub department_id: Option<Uuid>,
    pub ack_note: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>)]
    pub cancelled_at: Option<OffsetDateTime>,
    pub cancel_reason: Option<String>,
    pub chain: Vec<ChainStep>,
    pub steps: Vec<StepRow>,
    pub recipients: Vec<RecipientRow>,
}

impl AlertDetail {
    /// Whether chain step `i` is where the open alert stands.
    pub fn is_current(&self, i: &usize) -> bool {
        self.alert.status == "open" && *i as i32 == self.alert.step
    }
}

/// Acknowledging: the read-back note (required for critical alerts).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AckForm {
    /// What was read back or done ("K 6.8 read back to Dr Okafor, repeat sample sent").
    pub note: String,
}

impl AckForm {
    pub fn validate(&self, severity: &str) -> Result<String, hearth_core::web::FieldErrors> {
        let n = self.note.trim();
        if n.chars().count() > 1000 {
            return Err(hearth_core::web::FieldErrors::one("note", "At most 1,000 characters."));
        }
        if severity == "critical" && n.chars().count() < 2 {
            return Err(hearth_core::web::FieldErrors::one(
                "note",
                "A critical alert needs a read-back note: what you read back or did.",
            ));
        }
        Ok(n.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addressee_codes_round_trip() {
        for a in [Addressee::Given, Addressee::Attending, Addressee::AssignedNurse, Addressee::OnCall("doctor".into())]
        {
            assert_eq!(Addressee::parse(&a.code()), Some(a));
        }
        for bad in ["", "on_call:", "on_call:X", "on_call:a", "nurse", "on_call:doc tor"] {
            assert_eq!(Addressee::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_critical_acknowledgement_needs_a_note() {
        assert!(AckForm { note: " ".into() }.validate("critical").is_err());
        assert_eq!(AckForm { note: "".into() }.validate("warning").unwrap(), "");
        assert!(AckForm { note: "x".repeat(1001) }.validate("info").is_err());
    }
}
