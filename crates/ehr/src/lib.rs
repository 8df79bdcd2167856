//! The clinical record (chart): encounters, ICD-10-CM coded problems, allergies, vital signs,
//! clinical notes, home medications, the timeline and the printable summary.
//! Every page and API call checks `chart.*` permissions and audits reads and changes.

pub mod allergies;
pub mod api;
pub mod chart;
pub mod demo;
pub mod documents;
pub mod encounters;
pub mod export;
pub mod icd;
pub mod medications;
pub mod messages;
pub mod notes;
pub mod perms;
pub mod problems;
pub mod vitals;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use futures_util::FutureExt;
use serde_json::json;
use sqlx::{FromRow, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::CurrentUser;
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{
    Aad, ChartTab, EncryptedColumn, ExportSections, MergeStep, Module, NavEntry, OnMerge, PatientTable,
};
use hearth_core::web::FieldErrors;
use hearth_patients::access;
use hearth_patients::context::{PatientCtx, PatientLoad};

/// The clinical record's descriptor.
pub const MODULE: Module = Module {
    pages: routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "ICD-10-CM", href: "/icd10", perm: Some(perms::CHART_READ), order: 200 }],
    permissions: perms::ALL,
    chart_tabs: &[
        ChartTab { key: "overview", label: "Overview", suffix: "chart", order: 0 },
        ChartTab { key: "encounters", label: "Encounters", suffix: "encounters", order: 100 },
        ChartTab { key: "problems", label: "Problems", suffix: "problems", order: 110 },
        ChartTab { key: "allergies", label: "Allergies", suffix: "allergies", order: 120 },
        ChartTab { key: "vitals", label: "Vital signs", suffix: "vitals", order: 130 },
        ChartTab { key: "notes", label: "Notes", suffix: "notes", order: 140 },
        ChartTab { key: "medications", label: "Home medications", suffix: "medications", order: 150 },
        ChartTab { key: "documents", label: "Documents", suffix: "documents", order: 800 },
        ChartTab { key: "messages", label: "Messages", suffix: "messages", order: 900 },
        ChartTab { key: "summary", label: "Summary", suffix: "summary", order: 1000 },
    ],
    patient_tables: &[
        PatientTable { table: "encounters", column: "patient_id", on_merge: OnMerge::Follow },
        PatientTable { table: "problems", column: "patient_id", on_merge: OnMerge::Follow },
        PatientTable { table: "allergies", column: "patient_id", on_merge: OnMerge::Follow },
        PatientTable { table: "allergy_nka", column: "patient_id", on_merge: OnMerge::Custom },
        PatientTable { table: "vitals", column: "patient_id", on_merge: OnMerge::Follow },
        PatientTable { table: "notes", column: "patient_id", on_merge: OnMerge::Follow },
        PatientTable { table: "home_medications", column: "patient_id", on_merge: OnMerge::Follow },
        PatientTable { table: "documents", column: "patient_id", on_merge: OnMerge::Follow },
    ],
    merge_steps: &[MergeStep { name: "allergy_nka", run: |c, s, m| allergies::merge_nka(c, s, m).boxed() }],
    export: Some(ExportSections {
        sections: &export::SECTIONS,
        perm: perms::CHART_READ,
        fetch: |state, id| export::clinical_sections(&state.pool, &state.keys, id).boxed(),
    }),
    encrypted_columns: &[
        EncryptedColumn { table: "notes", key: "id", column: "body_enc", aad: Aad::Column(notes::AAD_BODY) },
        EncryptedColumn { table: "note_addenda", key: "id", column: "body_enc", aad: Aad::Column(notes::AAD_ADDENDUM) },
    ],
    reference_data: Some(|pool| icd::ensure_loaded(pool).boxed()),
    constraint_messages: &[
        (
            "document_versions_pkey",
            "Another version of this document was stored at the same moment; reload and try again.",
        ),
        ("allergy_nka_pkey", "No known allergies is already recorded."),
    ],
    ..Module::new("ehr", "Clinical record")
};

/// The chart pages. Every route below `/patients/{id}` takes the registry's patient context
/// ([`ChartPatient`] or `PatientCtx`): the restricted-record check is a handler argument (the recorded paths let tests walk every route below a patient).
pub fn routes() -> Routes {
    Routes::new()
        .route("/patients/{id}/chart", get(chart::overview))
        .route("/patients/{id}/summary", get(chart::summary))
        .route("/patients/{id}/encounters", get(encounters::page).post(encounters::create))
        .route("/patients/{id}/encounters/{item}/status", post(encounters::set_status))
        .route("/patients/{id}/problems", get(problems::page).post(problems::create))
        .route("/patients/{id}/problems/{item}/status", post(problems::set_status))
        .route("/patients/{id}/allergies", get(allergies::page).post(allergies::create))
        .route("/patients/{id}/allergies/nka", post(allergies::record_nka))
        .route("/patients/{id}/allergies/{item}/status", post(allergies::set_status))
        .route("/patients/{id}/vitals", get(vitals::page).post(vitals::create))
        .route("/patients/{id}/notes", get(notes::list_page).post(notes::create))
        .route("/patients/{id}/notes/new", get(notes::new_page))
        .route("/patients/{id}/notes/{item}", get(notes::show).post(notes::update))
        .route("/patients/{id}/notes/{item}/sign", post(notes::sign))
        .route("/patients/{id}/notes/{item}/addenda", post(notes::add_addendum))
        .route("/patients/{id}/medications", get(medications::page).post(medications::create))
        .route("/patients/{id}/medications/{item}/status", post(medications::set_status))
        .route("/patients/{id}/messages", get(messages::page).post(messages::send))
        .route(
            "/patients/{id}/documents",
            get(documents::page).post(documents::upload).layer(DefaultBodyLimit::max(documents::UPLOAD_BODY_LIMIT)),
        )
        .route("/patients/{id}/documents/{item}", get(documents::show))
        .route(
            "/patients/{id}/documents/{item}/versions",
            post(documents::upload_version).layer(DefaultBodyLimit::max(documents::UPLOAD_BODY_LIMIT)),
        )
        .route("/patients/{id}/documents/{item}/versions/{version}/content", get(documents::content_page))
        .route("/icd10", get(icd::browse_page))
        .route("/icd10/search", get(icd::search_partial))
        .route("/icd10/options", get(icd::options_partial))
}

/// Rows per page of the chart's growing lists (encounters, vital signs, notes, documents,
/// messages) in pages and the API; the API's `limit` goes up to [`PAGE_MAX`].
pub const PAGE_SIZE: i64 = 50;
pub const PAGE_MAX: i64 = 200;

/// The chart sections, in tab order: (key, label, path suffix).
pub const TABS: &[(&str, &str, &str)] = &[
    ("overview", "Overview", "chart"),
    ("encounters", "Encounters", "encounters"),
    ("problems", "Problems", "problems"),
    ("allergies", "Allergies", "allergies"),
    ("vitals", "Vital signs", "vitals"),
    ("notes", "Notes", "notes"),
    ("medications", "Home medications", "medications"),
    ("documents", "Documents", "documents"),
    ("messages", "Messages", "messages"),
    ("summary", "Summary", "summary"),
];

#[derive(Debug, Clone)]
pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct BannerAllergy {
    pub substance: String,
    pub severity: String,
}

impl BannerAllergy {
    pub fn severe(&self) -> bool {
        matches!(self.severity.as_str(), "severe" | "life_threatening")
    }
    pub fn severity_label(&self) -> String {
        self.severity.replace('_', "-")
    }
}

/// The patient banner shown on every chart page.
#[derive(Debug, Clone)]
pub struct Banner {
    pub id: Uuid,
    pub name: String,
    pub mrn: String,
    pub sex: String,
    pub birth_date: Option<Date>,
    pub active: bool,
    /// "No known allergies" explicitly recorded.
    pub nka: bool,
    pub allergies: Vec<BannerAllergy>,
    pub alerts: Vec<String>,
    /// Restricted (VIP/sensitive) record: only the care team and permitted roles see it.
    pub restricted: bool,
    /// The record was merged into another one (which holds the chart now).
    pub merged_into: Option<MergedInto>,
    pub deceased_at: Option<OffsetDateTime>,
    pub section: &'static str,
}

#[derive(Debug, Clone)]
pub struct MergedInto {
    pub id: Uuid,
    pub mrn: String,
}

#[derive(FromRow)]
struct BannerRow {
    id: Uuid,
    mrn: String,
    given_name: String,
    family_name: String,
    sex: String,
    birth_date: Option<Date>,
    active: bool,
    restricted: bool,
    merged_into: Option<Uuid>,
    merged_into_mrn: Option<String>,
    deceased_at: Option<OffsetDateTime>,
    nka: bool,
    substances: Vec<String>,
    severities: Vec<String>,
    visible: bool,
}

impl Banner {
    pub fn age(&self) -> String {
        match self.birth_date {
            Some(b) => age_label(b, today()),
            None => "age unknown".into(),
        }
    }
    pub fn birth(&self) -> String {
        self.birth_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn allergies_recorded(&self) -> bool {
        self.nka || !self.allergies.is_empty()
    }
    pub fn tabs(&self) -> Vec<Tab> {
        TABS.iter()
            .map(|(key, label, suffix)| Tab {
                label,
                href: format!("/patients/{}/{suffix}", self.id),
                active: *key == self.section,
            })
            .collect()
    }
    pub fn href(&self, suffix: &str) -> String {
        format!("/patients/{}/{suffix}", self.id)
    }
}

/// A chart route's patient: the registry's context with the banner read in the same query as
/// the restricted-record check.
pub type ChartPatient = PatientCtx<Banner>;

impl PatientLoad for Banner {
    async fn load(pool: &PgPool, id: Uuid, user: &CurrentUser) -> sqlx::Result<Option<(Banner, bool)>> {
        Ok(banner_row(pool, id, access::viewer(user)).await?.map(|r| {
            let visible = r.visible;
            (banner_from(r, ""), visible)
        }))
    }
}

/// The banner of a chart route's patient.
pub trait ChartBanner {
    /// The banner, for the chart section `section`.
    fn banner(self, section: &'static str) -> Banner;
}

impl ChartBanner for ChartPatient {
    fn banner(self, section: &'static str) -> Banner {
        Banner { section, ..self.data }
    }
}

/// The banner's row, with whether the viewer (`access::viewer`) may open the record (`visible`).
async fn banner_row(
    pool: &PgPool,
    id: Uuid,
    (perm, uid, sid): (bool, Uuid, Option<Uuid>),
) -> sqlx::Result<Option<BannerRow>> {
    let visible = access::visible_sql(2);
    let sql = format!(
        "SELECT p.id, p.mrn, p.given_name, p.family_name, p.sex, p.birth_date, p.active,
                p.restricted, p.merged_into, s.mrn AS merged_into_mrn, p.deceased_at,
                EXISTS (SELECT 1 FROM allergy_nka n WHERE n.patient_id = p.id) AS nka,
                coalesce(array_agg(a.substance ORDER BY a.sev_rank DESC, a.substance) FILTER (WHERE a.id IS NOT NULL), '{{}}') AS substances,
                coalesce(array_agg(a.severity ORDER BY a.sev_rank DESC, a.substance) FILTER (WHERE a.id IS NOT NULL), '{{}}') AS severities,
                {visible} AS visible
         FROM patients p
         LEFT JOIN LATERAL (
            SELECT id, substance, severity,
                   array_position(ARRAY['mild','moderate','severe','life_threatening'], severity) AS sev_rank
            FROM allergies WHERE patient_id = p.id AND status = 'active') a ON true
         LEFT JOIN patients s ON s.id = p.merged_into
         WHERE p.id = $1
         GROUP BY p.id, s.mrn"
    );
    sqlx::query_as(&sql).bind(id).bind(perm).bind(uid).bind(sid).fetch_optional(pool).await
}

fn banner_from(r: BannerRow, section: &'static str) -> Banner {
    let allergies: Vec<BannerAllergy> = r
        .substances
        .into_iter()
        .zip(r.severities)
        .map(|(substance, severity)| BannerAllergy { substance, severity })
        .collect();
    let mut alerts = Vec::new();
    let merged_into = match (r.merged_into, r.merged_into_mrn) {
        (Some(id), Some(mrn)) => Some(MergedInto { id, mrn }),
        _ => None,
    };
    if let Some(m) = &merged_into {
        alerts.push(format!("Merged into {}: the chart continues on that record", m.mrn));
    } else if let Some(d) = r.deceased_at {
        alerts.push(format!("Deceased {}", fmt_dt(d)));
    } else if !r.active {
        alerts.push("Record closed (inactive patient)".to_string());
    }
    for a in allergies.iter().filter(|a| a.severity == "life_threatening") {
        alerts.push(format!("Life-threatening allergy: {}", a.substance));
    }
    Banner {
        id: r.id,
        name: format!("{}, {}", r.family_name, r.given_name),
        mrn: r.mrn,
        sex: r.sex,
        birth_date: r.birth_date,
        active: r.active,
        nka: r.nka,
        allergies,
        alerts,
        restricted: r.restricted,
        merged_into,
        deceased_at: r.deceased_at,
        section,
    }
}

/// Audits a read of a chart section (own transaction: a read changes nothing else).
pub async fn audit_view(pool: &PgPool, meta: &AuditMeta, patient: Uuid, section: &str) -> AppResult<()> {
    audit::record_now(
        pool,
        meta,
        Event::new("chart.view", "patient", patient).patient(patient).changes(json!({ "section": section })),
    )
    .await?;
    Ok(())
}

pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

pub fn age_label(birth: Date, on: Date) -> String {
    let mut years = on.year() - birth.year();
    if (on.month() as u8, on.day()) < (birth.month() as u8, birth.day()) {
        years -= 1;
    }
    if years >= 2 {
        return format!("{years} y");
    }
    let mut months = (on.year() - birth.year()) * 12 + on.month() as i32 - birth.month() as i32;
    if on.day() < birth.day() {
        months -= 1;
    }
    if months >= 1 {
        format!("{months} mo")
    } else {
        format!("{} d", (on - birth).whole_days().max(0))
    }
}

/// "YYYY-MM-DD HH:MM" (UTC).
pub fn fmt_dt(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// Parses an optional YYYY-MM-DD field that must not be in the future nor before birth.
pub(crate) fn clinical_date(
    e: &mut FieldErrors,
    field: &'static str,
    value: &str,
    birth: Option<Date>,
    what: &str,
) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")) {
        Ok(d) if d > today() => {
            e.add(field, format!("The {what} is in the future."));
            None
        }
        Ok(d) if birth.is_some_and(|b| d < b) => {
            e.add(field, format!("The {what} is before the patient's date of birth."));
            None
        }
        Ok(d) => Some(d),
        Err(_) => {
            e.add(field, "Use the form YYYY-MM-DD.");
            None
        }
    }
}

/// Parses "YYYY-MM-DDTHH:MM" (a datetime-local input, read as UTC) or RFC 3339.
pub(crate) fn parse_datetime(v: &str) -> Option<OffsetDateTime> {
    let v = v.trim();
    if let Ok(t) = OffsetDateTime::parse(v, &time::format_description::well_known::Rfc3339) {
        return Some(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let fmt_s = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(v, fmt)
        .or_else(|_| time::PrimitiveDateTime::parse(v, fmt_s))
        .ok()
        .map(|p| p.assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn ages() {
        assert_eq!(age_label(date!(1980 - 02 - 29), date!(2026 - 02 - 28)), "45 y");
        assert_eq!(age_label(date!(1980 - 02 - 29), date!(2026 - 03 - 01)), "46 y");
        assert_eq!(age_label(date!(2025 - 01 - 15), date!(2026 - 01 - 20)), "12 mo");
        assert_eq!(age_label(date!(2026 - 01 - 10), date!(2026 - 01 - 20)), "10 d");
    }

    #[test]
    fn datetimes() {
        assert!(parse_datetime("2026-01-02T03:04").is_some());
        assert!(parse_datetime("2026-01-02T03:04:05Z").is_some());
        assert!(parse_datetime("yesterday").is_none());
    }
}

/// `Option<Date>` as "YYYY-MM-DD" in JSON (the crate's time serde is compact by default).
pub(crate) mod date_str {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    /// Reads "YYYY-MM-DD" or null (PostgreSQL's JSON form of a date).
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| {
            Date::parse(&s, time::macros::format_description!("[year]-[month]-[day]")).map_err(serde::de::Error::custom)
        })
        .transpose()
    }

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }
}
