//! The clinical record (chart): encounters, ICD-10-CM coded problems, allergies, vital signs,
//! clinical notes, home medications, the timeline and the printable summary.
//! Every page and API call checks `chart.*` permissions and audits reads and changes.

pub mod allergies;
pub mod api;
pub mod banner;
pub mod chart;
pub mod demo;
pub mod documents;
pub mod encounters;
pub mod export;
pub mod i18n;
pub mod icd;
pub mod medications;
pub mod messages;
pub mod notes;
pub mod perms;
pub mod problems;
pub mod procedures;
pub mod start;
pub mod visits;
pub mod vitals;

use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use futures_util::FutureExt;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::routes::Routes;
use hearth_core::registry::{
    Aad, AlertAddressee, AlertKind, AlertStep, BannerContribution, BannerGroup, BannerItem, BannerPart, ChartTab,
    EncryptedColumn, ExportSections, Level, MergeStep, Module, NavEntry, OnMerge, PatientTable, TimelineSource,
};
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;

/// The clinical record's descriptor.
pub const MODULE: Module = Module {
    pages: routes,
    api: api::routes,
    openapi: api::openapi,
    nav: &[NavEntry { label: "ICD-10-CM", href: "/icd10", perm: Some(perms::CHART_READ), order: 200 }],
    permissions: perms::ALL,
    start_panels: start::PANELS,
    banner: Some(BANNER),
    timeline: TIMELINE,
    chart_tabs: &[
        ChartTab { key: "overview", label: "Overview", suffix: "chart", order: 0 },
        ChartTab { key: "encounters", label: "Encounters", suffix: "encounters", order: 100 },
        ChartTab { key: "problems", label: "Problems", suffix: "problems", order: 110 },
        ChartTab { key: "allergies", label: "Allergies", suffix: "allergies", order: 120 },
        ChartTab { key: "procedures", label: "Procedures", suffix: "procedures", order: 125 },
        ChartTab { key: "vitals", label: "Vital signs", suffix: "vitals", order: 130 },
        ChartTab { key: "notes", label: "Notes", suffix: "notes", order: 140 },
        ChartTab { key: "medications", label: "Home medications", suffix: "medications", order: 150 },
        ChartTab { key: "documents", label: "Documents", suffix: "documents", order: 800 },
        ChartTab { key: "messages", label: "Messages", suffix: "messages", order: 900 },
        ChartTab { key: "summary", label: "Summary", suffix: "summary", order: 1000 },
    ],
    patient_tables: &[
        PatientTable { table: "encounters", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "problems", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "allergies", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "allergy_nka", column: "patient_id", on_merge: OnMerge::Custom, key: "patient_id" },
        PatientTable { table: "vitals", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "notes", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "home_medications", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "procedures", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
        PatientTable { table: "documents", column: "patient_id", on_merge: OnMerge::Follow, key: "id" },
    ],
    merge_steps: &[MergeStep {
        name: "allergy_nka",
        run: |c, s, m| allergies::merge_nka(c, s, m).boxed(),
        undo: |c, m| allergies::unmerge_nka(c, m).boxed(),
    }],
    unmerge_notes: Some(|c, m| notes::unmerge_notes(c, m).boxed()),
    export: Some(ExportSections {
        sections: &export::SECTIONS,
        perm: perms::CHART_READ,
        fetch: |state, id| export::clinical_sections(&state.pool, &state.keys, id).boxed(),
    }),
    encrypted_columns: &[
        EncryptedColumn { table: "notes", key: "id", column: "body_enc", aad: Aad::Column(notes::AAD_BODY) },
        EncryptedColumn { table: "note_addenda", key: "id", column: "body_enc", aad: Aad::Column(notes::AAD_ADDENDUM) },
    ],
    reference_data: Some(|pool| reference_data(pool).boxed()),
    demo: Some(|conn, ctx| demo::seed(conn, ctx).boxed()),
    constraint_messages: &[
        (
            "document_versions_pkey",
            "Another version of this document was stored at the same moment; reload and try again.",
        ),
        ("allergy_nka_pkey", "No known allergies is already recorded."),
        (
            "problems_one_primary_diagnosis",
            "This encounter already has a primary diagnosis; record this one as secondary.",
        ),
    ],
    care_providers: Some(|conn, patient| encounters::care_providers(conn, patient).boxed()),
    alert_kinds: &[AlertKind {
        kind: vitals::ALERT_KIND,
        label: "Deteriorating vital signs (a critical reading, NEWS2 5 or more, or 3 in one parameter)",
        default_chain: &[
            AlertStep { to: AlertAddressee::Attending, minutes: 15 },
            AlertStep { to: AlertAddressee::OnCall("charge_nurse"), minutes: 10 },
            AlertStep { to: AlertAddressee::OnCall("doctor"), minutes: 15 },
        ],
    }],
    messages: &[
        ("en", include_str!("../../../locales/en/ehr.ftl")),
        ("es", include_str!("../../../locales/es/ehr.ftl")),
        ("ar", include_str!("../../../locales/ar/ehr.ftl")),
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
        .route("/patients/{id}/visit", get(visits::form).post(visits::start))
        .route("/patients/{id}/problems", get(problems::page).post(problems::create))
        .route("/patients/{id}/problems/{item}/status", post(problems::set_status))
        .route("/patients/{id}/problems/{item}/update", post(problems::update))
        .route("/patients/{id}/problems/{item}/icd", post(problems::add_icd))
        .route("/patients/{id}/procedures", get(procedures::page).post(procedures::create))
        .route("/patients/{id}/procedures/{item}/error", post(procedures::mark_error))
        .route("/patients/{id}/allergies", get(allergies::page).post(allergies::create))
        .route("/patients/{id}/allergies/nka", post(allergies::record_nka))
        .route("/patients/{id}/allergies/{item}/status", post(allergies::set_status))
        .route("/patients/{id}/allergies/{item}/update", post(allergies::update))
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
        .route("/icd10/picker", get(icd::picker_partial))
}

pub use hearth_patients::banner::{fmt_dt, Banner, ChartPatient};

/// Rows per page of the chart's growing lists (encounters, vital signs, notes, documents,
/// messages) in pages and the API; the API's `limit` goes up to [`PAGE_MAX`].
pub const PAGE_SIZE: i64 = 50;
pub const PAGE_MAX: i64 = 200;

/// The active allergies and "no known allergies" as the banner read them.
#[derive(Debug, Clone, Default)]
pub struct AllergySummary {
    pub items: Vec<BannerAllergy>,
    pub nka: bool,
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct BannerAllergy {
    pub substance: String,
    #[serde(default)]
    pub severity: Option<String>,
    #[serde(default)]
    pub criticality: Option<String>,
}

impl BannerAllergy {
    pub fn severe(&self) -> bool {
        self.criticality.as_deref() == Some("high")
            || matches!(self.severity.as_deref(), Some("severe" | "life_threatening"))
    }
    /// "moderate", "high criticality", "life-threatening · high criticality"; the older severity
    /// first (as before), then the criticality.
    pub fn severity_label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.severity {
            parts.push(s.replace('_', "-"));
        }
        if let Some(c) = &self.criticality {
            parts.push(format!("{} criticality", c.replace('_', " ")));
        }
        if parts.is_empty() {
            "criticality not assessed".into()
        } else {
            parts.join(" · ")
        }
    }
}

impl AllergySummary {
    /// The chart's banner part, from a banner.
    pub fn of(b: &Banner) -> AllergySummary {
        b.part("ehr").map(AllergySummary::from_value).unwrap_or_default()
    }

    fn from_value(v: &serde_json::Value) -> AllergySummary {
        AllergySummary {
            items: serde_json::from_value(v["allergies"].clone()).unwrap_or_default(),
            nka: v["nka"].as_bool().unwrap_or(false),
        }
    }

    pub fn recorded(&self) -> bool {
        self.nka || !self.items.is_empty()
    }
}

/// The chart's entries of the patient timeline.
const TIMELINE: &[TimelineSource] = &[
    TimelineSource {
        kind: "encounter",
        label: "Encounter",
        select: "SELECT e.starts_at, 'encounter', e.id, initcap(replace(e.kind, '_', ' ')) || ' encounter',
                        concat_ws(' · ', d.name, u.display_name, nullif(e.reason, '')), e.status
                 FROM encounters e LEFT JOIN departments d ON d.id = e.department_id
                      LEFT JOIN users u ON u.id = e.clinician_id
                 WHERE e.patient_id = $1",
        at: "e.starts_at",
        id: "e.id",
        href: "/patients/{patient}/encounters",
    },
    TimelineSource {
        kind: "problem",
        label: "Problem",
        select: "SELECT p.created_at, 'problem', p.id, concat_ws(' ', p.icd_code, p.description),
                        coalesce('onset ' || p.onset_date::text, ''), p.status
                 FROM problems p WHERE p.patient_id = $1",
        at: "p.created_at",
        id: "p.id",
        href: "/patients/{patient}/problems",
    },
    TimelineSource {
        kind: "allergy",
        label: "Allergy",
        select: "SELECT a.created_at, 'allergy', a.id, 'Allergy: ' || a.substance,
                        concat_ws(' · ', replace(a.severity, '_', '-'), replace(a.criticality, '_', ' ') || ' criticality', nullif(a.reaction, '')), a.status
                 FROM allergies a WHERE a.patient_id = $1",
        at: "a.created_at",
        id: "a.id",
        href: "/patients/{patient}/allergies",
    },
    TimelineSource {
        kind: "vitals",
        label: "Vital signs",
        // The status: the worst reading when not normal, and NEWS2 (adults).
        select: "SELECT v.taken_at, 'vitals', v.id, 'Vital signs',
                        concat_ws(' · ', 'T ' || v.temperature_c || ' °C', 'P ' || v.pulse,
                                  'BP ' || v.bp_systolic || '/' || coalesce(v.bp_diastolic::text, '—'), 'RR ' || v.resp_rate,
                                  'SpO2 ' || v.spo2 || '%', v.weight_kg || ' kg', 'BMI ' || v.bmi,
                                  'pain ' || v.pain || '/10'),
                        concat_ws(' · ', nullif(v.flag, 'normal'),
                                  CASE WHEN v.news2_band = 'incomplete' THEN 'NEWS2 incomplete'
                                       WHEN v.news2 IS NOT NULL THEN 'NEWS2 ' || v.news2 || ' (' || replace(v.news2_band, '_', '-') || ')' END)
                 FROM vitals v WHERE v.patient_id = $1",
        at: "v.taken_at",
        id: "v.id",
        href: "/patients/{patient}/vitals",
    },
    TimelineSource {
        kind: "note",
        label: "Note",
        select: "SELECT n.created_at, 'note', n.id, n.title,
                        CASE WHEN n.status = 'signed' THEN 'Signed by ' || s.display_name
                             ELSE 'Draft by ' || a.display_name END, n.status
                 FROM notes n JOIN users a ON a.id = n.author_id LEFT JOIN users s ON s.id = n.signed_by
                 WHERE n.patient_id = $1",
        at: "n.created_at",
        id: "n.id",
        href: "/patients/{patient}/notes/{id}",
    },
    TimelineSource {
        kind: "medication",
        label: "Medication",
        select: "SELECT m.created_at, 'medication', m.id, m.name,
                        concat_ws(' · ', nullif(m.dose, ''), m.route, nullif(m.frequency, '')), m.status
                 FROM home_medications m WHERE m.patient_id = $1",
        at: "m.created_at",
        id: "m.id",
        href: "/patients/{patient}/medications",
    },
    TimelineSource {
        kind: "document",
        label: "Document",
        select: "SELECT d.created_at, 'document', d.id, d.title,
                        initcap(replace(d.category, '_', ' ')) || CASE WHEN d.current_version > 1
                            THEN ' · version ' || d.current_version ELSE '' END, ''
                 FROM documents d WHERE d.patient_id = $1",
        at: "d.created_at",
        id: "d.id",
        href: "/patients/{patient}/documents/{id}",
    },
];

/// The chart's part of the banner: active allergies, each substance once with its worst
/// severity (duplicates recorded anyway show once), worst first, or "no known allergies".
const BANNER: BannerPart = BannerPart {
    // Allergies: each substance once, with its worst severity. Vitals: the flag and NEWS2 of the
    // latest set with a reading that has ranges (a weight alone does not hide a critical set), the latest weight, height and BMI, dated in the patient's facility's zone. The
    // active encounter (arrived or in progress) with its department and attending clinician.
    sql: "SELECT jsonb_build_object(
            'nka', EXISTS (SELECT 1 FROM allergy_nka n WHERE n.patient_id = p.id),
            'allergies', (SELECT coalesce(jsonb_agg(jsonb_build_object('substance', w.substance, 'severity', w.severity,
                                                                 'criticality', w.criticality)
                                  ORDER BY w.crank DESC, w.rank DESC, w.substance), '[]'::jsonb)
                          FROM (SELECT DISTINCT ON (coalesce(a.substance_code, lower(btrim(a.substance))))
                                       a.substance, a.severity, a.criticality,
                                       coalesce(array_position(ARRAY['low','unable_to_assess','high'], a.criticality), 0) AS crank,
                                       coalesce(array_position(ARRAY['mild','moderate','severe','life_threatening'], a.severity), 0) AS rank
                                FROM allergies a WHERE a.patient_id = p.id AND a.status = 'active'
                                ORDER BY coalesce(a.substance_code, lower(btrim(a.substance))), 4 DESC, 5 DESC, a.created_at) w),
            'vitals', (SELECT jsonb_build_object('flag', v.flag, 'news2', v.news2, 'band', v.news2_band,
                                  'on', to_char(v.taken_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'))
                       FROM vitals v WHERE v.patient_id = p.id AND v.flag IS NOT NULL
                       ORDER BY v.taken_at DESC, v.id DESC LIMIT 1),
            'weight', (SELECT jsonb_build_object('value', v.weight_kg, 'on', to_char(v.taken_at AT TIME ZONE z.tz, 'YYYY-MM-DD'))
                       FROM vitals v WHERE v.patient_id = p.id AND v.weight_kg IS NOT NULL ORDER BY v.taken_at DESC, v.id DESC LIMIT 1),
            'height', (SELECT jsonb_build_object('value', v.height_cm, 'on', to_char(v.taken_at AT TIME ZONE z.tz, 'YYYY-MM-DD'))
                       FROM vitals v WHERE v.patient_id = p.id AND v.height_cm IS NOT NULL ORDER BY v.taken_at DESC, v.id DESC LIMIT 1),
            'bmi', (SELECT jsonb_build_object('value', v.bmi, 'on', to_char(v.taken_at AT TIME ZONE z.tz, 'YYYY-MM-DD'))
                    FROM vitals v WHERE v.patient_id = p.id AND v.bmi IS NOT NULL ORDER BY v.taken_at DESC, v.id DESC LIMIT 1),
            'encounter', (SELECT jsonb_build_object('kind', e.kind, 'department', d.name, 'clinician', u.display_name,
                                     'since', to_char(e.starts_at AT TIME ZONE z.tz, 'YYYY-MM-DD HH24:MI'))
                          FROM encounters e LEFT JOIN departments d ON d.id = e.department_id
                               LEFT JOIN users u ON u.id = e.clinician_id
                          WHERE e.patient_id = p.id AND e.status IN ('arrived', 'in_progress')
                          ORDER BY e.starts_at DESC, e.id DESC LIMIT 1))
          FROM (SELECT coalesce((SELECT f.timezone FROM facilities f WHERE f.id = p.facility_id), 'UTC') AS tz) z",
    render: |v| {
        let a = AllergySummary::from_value(v);
        let items = if !a.items.is_empty() {
            a.items
                .iter()
                .map(|x| {
                    BannerItem::text(
                        format!("{} · {}", x.substance, x.severity_label()),
                        if x.severe() { Level::Danger } else { Level::Warn },
                    )
                })
                .collect()
        } else if a.nka {
            vec![BannerItem::keyed("ehr-banner-nka", "No known allergies", Level::Ok)]
        } else {
            vec![BannerItem::keyed("ehr-banner-allergies-not-recorded", "Allergies not recorded", Level::Muted)]
        };
        let alerts = a
            .items
            .iter()
            .filter(|x| x.severity.as_deref() == Some("life_threatening"))
            .map(|x| format!("Life-threatening allergy: {}", x.substance))
            .collect();
        let mut groups = vec![BannerGroup { label: "Allergies", items }];
        groups.extend(banner::vitals_groups(v));
        groups.extend(banner::encounter_group(v));
        BannerContribution { groups, alerts }
    },
    order: 100,
};

/// The chart's reference data (ICD-10-CM), and the flags of vital sign sets recorded before
/// flags existed (`vitals::assess_unflagged`).
async fn reference_data(pool: &PgPool) -> anyhow::Result<u64> {
    let codes = icd::ensure_loaded(pool).await?;
    let mut conn = pool.acquire().await?;
    let assessed = vitals::assess_unflagged(&mut conn).await?;
    if assessed > 0 {
        tracing::info!(assessed, "vital sign sets assessed (flags and NEWS2)");
    }
    Ok(codes)
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

/// Today's date in UTC (the API's today; pages use `page.zone.today()`).
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Parses an optional YYYY-MM-DD field that must not be after `today` (the reader's local date:
/// `page.zone.today()`; the API's is UTC) nor before birth.
pub(crate) fn clinical_date(
    e: &mut FieldErrors,
    field: &'static str,
    value: &str,
    birth: Option<Date>,
    today: Date,
    what: &str,
) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match Date::parse(v, time::macros::format_description!("[year]-[month]-[day]")) {
        Ok(d) if d > today => {
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

/// Reads a time field: a local date-time in `zone` by the rule at DST changes (`web::time`:
/// a skipped time is refused, a repeated one is the first occurrence unless `offset` picks one),
/// or an RFC 3339 instant. Pages pass the page's zone, the API `Zone::utc()`. Empty: `None`;
/// refused: `None` and a field error.
pub(crate) fn read_time(
    e: &mut FieldErrors,
    zone: &Zone,
    field: &'static str,
    value: Option<&str>,
    offset: Option<&str>,
) -> Option<OffsetDateTime> {
    zone.read_field(e, field, value.unwrap_or(""), offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes() {
        let mut e = FieldErrors::default();
        let utc = Zone::utc();
        assert!(read_time(&mut e, &utc, "at", Some("2026-01-02T03:04"), None).is_some());
        assert!(read_time(&mut e, &utc, "at", Some("2026-01-02T03:04:05Z"), None).is_some());
        assert!(read_time(&mut e, &utc, "at", None, None).is_none() && e.is_empty());
        assert!(read_time(&mut e, &utc, "at", Some("yesterday"), None).is_none());
        assert_eq!(e.get("at"), Some("Use the form YYYY-MM-DDTHH:MM."));
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

/// Provenance of an entry recorded elsewhere first (issue 14): who recorded it in the source
/// system (at most 200 characters; empty when recorded here) and when (`recorded_at`: a time in
/// `zone` or RFC 3339, not in the future; none: now).
pub(crate) fn read_provenance(
    e: &mut FieldErrors,
    zone: &Zone,
    source_author: &str,
    recorded_at: &str,
) -> (String, Option<OffsetDateTime>) {
    let author = source_author.trim().to_string();
    if author.chars().count() > 200 {
        e.add("source_author", "At most 200 characters.");
    }
    let at = read_time(e, zone, "recorded_at", Some(recorded_at), None);
    if at.is_some_and(|t| t > OffsetDateTime::now_utc() + time::Duration::minutes(1)) {
        e.add("recorded_at", "The recorded time is in the future.");
    }
    (author, at)
}

/// Reads an optional encounter id (its syntax; [`check_encounter`] checks whose it is).
pub(crate) fn read_encounter_id(e: &mut FieldErrors, raw: &str) -> Option<Uuid> {
    match raw.trim() {
        "" => None,
        r => Uuid::parse_str(r).map_err(|_| e.add("encounter_id", "Choose one of this patient's encounters.")).ok(),
    }
}

/// 422 unless the encounter (if any) is one of the patient's (other modules check the encounter
/// an entry of theirs refers to with it).
pub async fn check_encounter(conn: &mut PgConnection, patient: Uuid, encounter: Option<Uuid>) -> AppResult<()> {
    let Some(id) = encounter else { return Ok(()) };
    let ours: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM encounters WHERE id = $1 AND patient_id = $2)")
        .bind(id)
        .bind(patient)
        .fetch_one(&mut *conn)
        .await?;
    if ours {
        Ok(())
    } else {
        Err(AppError::field("encounter_id", "Choose one of this patient's encounters."))
    }
}

/// A kind of chart entry addressed by id alone (the FHIR facade's reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Vitals,
    Problem,
    Allergy,
    Encounter,
}

/// The patient a chart entry belongs to, if the entry exists.
pub async fn entry_patient(pool: &PgPool, kind: EntryKind, id: Uuid) -> sqlx::Result<Option<Uuid>> {
    let table = match kind {
        EntryKind::Vitals => "vitals",
        EntryKind::Problem => "problems",
        EntryKind::Allergy => "allergies",
        EntryKind::Encounter => "encounters",
    };
    sqlx::query_scalar(&format!("SELECT patient_id FROM {table} WHERE id = $1")).bind(id).fetch_optional(pool).await
}
