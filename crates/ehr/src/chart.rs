//! The chart overview (banner, timeline, what matters at a glance) and the printable summary.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{allergies, audit_view, encounters, fmt_dt, medications, notes, problems, vitals, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::{self, Page};

pub const TIMELINE_PAGE: i64 = 30;

/// One entry of the chart timeline.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct TimelineItem {
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// encounter, problem, allergy, vitals, note, medication or document.
    pub kind: String,
    pub id: Uuid,
    pub title: String,
    pub detail: String,
    pub status: String,
    /// The instant the detail ends with (a note's signature), shown by pages in the reader's zone;
    /// the API appends it to `detail` in UTC (`with_detail_time_utc`).
    #[serde(skip)]
    #[schema(ignore)]
    pub detail_at: Option<OffsetDateTime>,
}

impl TimelineItem {
    /// The API's `detail`: a note's signature time appended in UTC, as the API always gave it.
    pub fn with_detail_time_utc(mut self) -> Self {
        if let Some(t) = self.detail_at {
            self.detail = format!("{} {}", self.detail, fmt_dt(t));
        }
        self
    }
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "encounter" => "Encounter",
            "problem" => "Problem",
            "allergy" => "Allergy",
            "vitals" => "Vital signs",
            "note" => "Note",
            "medication" => "Medication",
            "document" => "Document",
            _ => "Event",
        }
    }
    pub fn href(&self, patient: &Uuid) -> String {
        match self.kind.as_str() {
            "note" => format!("/patients/{patient}/notes/{}", self.id),
            "encounter" => format!("/patients/{patient}/encounters"),
            "problem" => format!("/patients/{patient}/problems"),
            "allergy" => format!("/patients/{patient}/allergies"),
            "vitals" => format!("/patients/{patient}/vitals"),
            "document" => format!("/patients/{patient}/documents/{}", self.id),
            _ => format!("/patients/{patient}/medications"),
        }
    }
    pub fn status_label(&self) -> String {
        encounters::label(&self.status)
    }
    /// The keyset cursor of this entry: `<unix micros>_<id>`.
    pub fn cursor(&self) -> String {
        format!("{}_{}", self.at.unix_timestamp_nanos() / 1000, self.id)
    }
}

pub fn parse_cursor(s: &str) -> Option<(OffsetDateTime, Uuid)> {
    let (t, id) = s.split_once('_')?;
    let micros: i128 = t.parse().ok()?;
    let at = OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1000)?).ok()?;
    Some((at, id.parse().ok()?))
}

/// Every clinical event of the patient, newest first, in one keyset-paginated query.
pub async fn timeline(
    pool: &PgPool,
    patient: Uuid,
    before: Option<(OffsetDateTime, Uuid)>,
    limit: i64,
) -> sqlx::Result<Vec<TimelineItem>> {
    let (bt, bid) = match before {
        Some((t, id)) => (Some(t), Some(id)),
        None => (None, None),
    };
    // The keyset condition sits in each branch so every branch can use its (patient_id, time, id) index.
    let k = |t: &str, id: &str| format!("($2::timestamptz IS NULL OR ({t}, {id}) < ($2, $3::uuid))");
    let sql = format!(
        "SELECT at, kind, id, title, detail, status, detail_at FROM (
            (SELECT e.starts_at AS at, 'encounter' AS kind, e.id,
                    initcap(replace(e.kind, '_', ' ')) || ' encounter' AS title,
                    concat_ws(' · ', d.name, u.display_name, nullif(e.reason, '')) AS detail, e.status,
                    NULL::timestamptz AS detail_at
               FROM encounters e LEFT JOIN departments d ON d.id = e.department_id LEFT JOIN users u ON u.id = e.clinician_id
              WHERE e.patient_id = $1 AND {ke} ORDER BY e.starts_at DESC, e.id DESC LIMIT $4)
            UNION ALL
            (SELECT p.created_at, 'problem', p.id, p.icd_code || ' ' || p.description,
                    coalesce('onset ' || p.onset_date::text, ''), p.status, NULL::timestamptz
               FROM problems p WHERE p.patient_id = $1 AND {kp} ORDER BY p.created_at DESC, p.id DESC LIMIT $4)
            UNION ALL
            (SELECT a.created_at, 'allergy', a.id, 'Allergy: ' || a.substance,
                    concat_ws(' · ', replace(a.severity, '_', '-'), nullif(a.reaction, '')), a.status, NULL::timestamptz
               FROM allergies a WHERE a.patient_id = $1 AND {ka} ORDER BY a.created_at DESC, a.id DESC LIMIT $4)
            UNION ALL
            (SELECT v.taken_at, 'vitals', v.id, 'Vital signs',
                    concat_ws(' · ', 'T ' || v.temperature_c || ' °C', 'P ' || v.pulse,
                              'BP ' || v.bp_systolic || '/' || v.bp_diastolic, 'RR ' || v.resp_rate,
                              'SpO2 ' || v.spo2 || '%', v.weight_kg || ' kg', 'BMI ' || v.bmi, 'pain ' || v.pain || '/10'), '', NULL::timestamptz
               FROM vitals v WHERE v.patient_id = $1 AND {kv} ORDER BY v.taken_at DESC, v.id DESC LIMIT $4)
            UNION ALL
            (SELECT n.created_at, 'note', n.id, n.title,
                    CASE WHEN n.status = 'signed' THEN 'Signed by ' || s.display_name
                         ELSE 'Draft by ' || a.display_name END, n.status,
                    CASE WHEN n.status = 'signed' THEN n.signed_at END
               FROM notes n JOIN users a ON a.id = n.author_id LEFT JOIN users s ON s.id = n.signed_by
              WHERE n.patient_id = $1 AND {kn} ORDER BY n.created_at DESC, n.id DESC LIMIT $4)
            UNION ALL
            (SELECT m.created_at, 'medication', m.id, m.name,
                    concat_ws(' · ', nullif(m.dose, ''), m.route, nullif(m.frequency, '')), m.status, NULL::timestamptz
               FROM home_medications m WHERE m.patient_id = $1 AND {km} ORDER BY m.created_at DESC, m.id DESC LIMIT $4)
            UNION ALL
            (SELECT d.created_at, 'document', d.id, d.title,
                    initcap(replace(d.category, '_', ' ')) || CASE WHEN d.current_version > 1
                        THEN ' · version ' || d.current_version ELSE '' END, '', NULL::timestamptz
               FROM documents d WHERE d.patient_id = $1 AND {kd} ORDER BY d.created_at DESC, d.id DESC LIMIT $4)
         ) t ORDER BY at DESC, id DESC LIMIT $4",
        ke = k("e.starts_at", "e.id"),
        kp = k("p.created_at", "p.id"),
        ka = k("a.created_at", "a.id"),
        kv = k("v.taken_at", "v.id"),
        kn = k("n.created_at", "n.id"),
        km = k("m.created_at", "m.id"),
        kd = k("d.created_at", "d.id"),
    );
    sqlx::query_as(&sql).bind(patient).bind(bt).bind(bid).bind(limit).fetch_all(pool).await
}

#[derive(Deserialize, Default)]
pub struct TimelineQuery {
    before: Option<String>,
}

#[derive(Template)]
#[template(path = "ehr/chart.html")]
struct OverviewPage {
    page: Page,
    b: Banner,
    problems: Vec<problems::Problem>,
    latest: Option<vitals::Vitals>,
    meds: Vec<medications::Medication>,
    timeline: Vec<TimelineItem>,
    next: Option<String>,
    can_write: bool,
}

/// The overview's short lists, in one statement (each list is its module's own query).
#[derive(serde::Deserialize)]
struct Sections {
    problems: Vec<problems::Problem>,
    vitals: Vec<vitals::Vitals>,
    meds: Vec<medications::Medication>,
}

async fn overview_sections(pool: &sqlx::PgPool, patient: uuid::Uuid) -> sqlx::Result<Sections> {
    let sql = format!(
        "SELECT json_build_object(
            'problems', (SELECT coalesce(json_agg(x), '[]'::json) FROM ({problems}) x),
            'vitals', (SELECT coalesce(json_agg(x), '[]'::json) FROM ({vitals} WHERE v.patient_id = $1
                                                                    ORDER BY v.taken_at DESC, v.id DESC LIMIT 1) x),
            'meds', (SELECT coalesce(json_agg(x), '[]'::json) FROM ({meds}) x))",
        problems = problems::LIST_SQL,
        vitals = vitals::SELECT,
        meds = medications::LIST_SQL,
    );
    let sqlx::types::Json(s): sqlx::types::Json<Sections> =
        sqlx::query_scalar(&sql).bind(patient).bind(true).fetch_one(pool).await?;
    Ok(s)
}

pub async fn overview(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(q): Query<TimelineQuery>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("overview");
    let before = q.before.as_deref().and_then(parse_cursor);
    let (sections, mut timeline) =
        tokio::try_join!(overview_sections(&state.pool, b.id), timeline(&state.pool, b.id, before, TIMELINE_PAGE + 1))?;
    let Sections { problems, vitals: latest, meds } = sections;
    audit_view(&state.pool, &auth.meta, b.id, "overview").await?;
    let next = if timeline.len() as i64 > TIMELINE_PAGE {
        timeline.truncate(TIMELINE_PAGE as usize);
        timeline.last().map(TimelineItem::cursor)
    } else {
        None
    };
    web::render(&OverviewPage {
        page: page
            .titled(format!("Chart · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart")),
        b,
        problems,
        latest: latest.into_iter().next(),
        meds,
        timeline,
        next,
        can_write: auth.can(crate::perms::CHART_WRITE),
    })
}

#[derive(Template)]
#[template(path = "ehr/summary.html")]
struct SummaryPage {
    page: Page,
    b: Banner,
    problems: Vec<problems::Problem>,
    allergies: Vec<allergies::Allergy>,
    latest: Option<vitals::Vitals>,
    meds: Vec<medications::Medication>,
    encounters: Vec<encounters::Encounter>,
    notes: Vec<notes::NoteMeta>,
    printed_at: String,
    printed_by: String,
}

/// A printable one-document summary (print CSS hides the application chrome).
pub async fn summary(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("summary");
    let printed_at = page.zone.datetime_zoned(OffsetDateTime::now_utc());
    let (problems, allergies, latest, meds, encounters, notes) = tokio::try_join!(
        problems::list(&state.pool, b.id, false),
        allergies::list(&state.pool, b.id),
        vitals::list(&state.pool, b.id, 1),
        medications::list(&state.pool, b.id, true),
        encounters::list(&state.pool, b.id, 10),
        notes::list(&state.pool, b.id, 10),
    )?;
    audit_view(&state.pool, &auth.meta, b.id, "summary").await?;
    web::render(&SummaryPage {
        page: page
            .titled(format!("Summary · {}", b.name))
            .crumb("Patients", "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb("Summary", b.href("summary")),
        problems: problems.into_iter().filter(|p| p.status != "entered_in_error").collect(),
        allergies: allergies.into_iter().filter(|a| a.status == "active").collect(),
        latest: latest.into_iter().next(),
        meds,
        encounters,
        notes: notes.into_iter().filter(|n| n.signed()).collect(),
        printed_at,
        printed_by: auth.display_name.clone(),
        b,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip() {
        let item = TimelineItem {
            at: OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap() + time::Duration::microseconds(123_456),
            kind: "note".into(),
            id: Uuid::new_v4(),
            title: String::new(),
            detail: String::new(),
            status: String::new(),
            detail_at: None,
        };
        let (at, id) = parse_cursor(&item.cursor()).unwrap();
        assert_eq!((at, id), (item.at, item.id));
        assert!(parse_cursor("nonsense").is_none());
    }
}
