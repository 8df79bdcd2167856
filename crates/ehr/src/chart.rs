//! The chart overview (banner, timeline, what matters at a glance) and the printable summary.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;

use super::{allergies, audit_view, encounters, medications, notes, problems, vitals, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageRequest, Pager};
use hearth_core::web::{self, Page};

pub const TIMELINE_PAGE: i64 = 30;

pub use hearth_patients::timeline::TimelineItem;

#[derive(Deserialize, Default)]
pub struct TimelineQuery {
    after: Option<String>,
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
    pager: Pager,
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
    let req = PageRequest::parse(q.after.as_deref(), None, TIMELINE_PAGE, TIMELINE_PAGE)?;
    let (sections, timeline) = tokio::try_join!(
        overview_sections(&state.pool, b.id),
        hearth_patients::timeline::page(&state.pool, state.registry, b.id, &req)
    )?;
    let Sections { problems, vitals: latest, meds } = sections;
    audit_view(&state.pool, &auth.meta, b.id, "overview").await?;
    let pager = Pager::new(&b.href("chart"), &[], &timeline, req.is_later())
        .labels("Older entries", "Newest entries")
        .named("Timeline pages");
    web::render(&OverviewPage {
        page: {
            let (title, list) = (page.t1("ehr-chart-title", "name", b.name.as_str()), page.t("nav-patients"));
            page.titled(title).crumb(list, "/patients").crumb(b.name.clone(), b.href("chart"))
        },
        b,
        problems,
        latest: latest.into_iter().next(),
        meds,
        timeline: timeline.items,
        pager,
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
        page: {
            let (tab, list) = (page.t("patients-tab-summary"), page.t("nav-patients"));
            page.titled(format!("{tab} · {}", b.name))
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("summary"))
        },
        problems: problems.into_iter().filter(|p| p.status != "entered_in_error").collect(),
        allergies: allergies::worst_per_substance(allergies.into_iter().filter(|a| a.status == "active").collect()),
        latest: latest.into_iter().next(),
        meds,
        encounters,
        notes: notes.into_iter().filter(|n| n.signed()).collect(),
        printed_at,
        printed_by: auth.display_name.clone(),
        b,
    })
}
