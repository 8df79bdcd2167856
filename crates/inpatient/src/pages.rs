//! Inpatient care's pages: the bed board (live), the printable census, the ward view for nurses,
//! housekeeping, ward configuration, and the chart's "Admissions" tab where the ADT happens.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::*;
use crate::{perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    crate::placement::page_routes(Routes::new())
        .route("/inpatient", get(board))
        .route("/inpatient/census", get(census))
        .route("/inpatient/wards/{ward}", get(ward_view))
        .route("/inpatient/housekeeping", get(housekeeping))
        .route("/inpatient/housekeeping/{task}/done", post(cleaning_done))
        .route("/inpatient/config", get(config).post(create_ward))
        .route("/inpatient/config/wards/{ward}", get(config_ward).post(add_beds))
        .route("/inpatient/config/beds/{bed}/status", post(bed_status))
        .route("/patients/{id}/inpatient", get(chart).post(admit))
        .route("/patients/{id}/inpatient/{adm}/transfer", post(transfer))
        .route("/patients/{id}/inpatient/{adm}/leave", post(leave))
        .route("/patients/{id}/inpatient/{adm}/return", post(return_from_leave))
        .route("/patients/{id}/inpatient/{adm}/discharge", post(discharge))
        .route("/patients/{id}/inpatient/transfers/{t}/receive", post(receive))
        .route("/patients/{id}/inpatient/transfers/{t}/cancel", post(cancel))
}

fn css() -> &'static str {
    "/static/css/inpatient.css"
}

// ---------------------------------------------------------------------------------------------
// Bed board and census
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BoardQuery {
    facility: String,
    ward: String,
}

/// Beds by status within one group (a ward or a bed type).
pub struct Count {
    pub key: String,
    pub total: usize,
    pub occupied: usize,
    pub reserved: usize,
    pub available: usize,
    pub cleaning: usize,
    pub blocked: usize,
}

impl Count {
    pub fn occupancy(&self) -> String {
        if self.total == 0 {
            return "—".into();
        }
        format!("{} %", (self.occupied + self.reserved) * 100 / self.total)
    }
}

fn counts<F: Fn(&BoardBed) -> String>(beds: &[BoardBed], key: F) -> Vec<Count> {
    let mut out: Vec<Count> = Vec::new();
    for b in beds {
        let k = key(b);
        let i = match out.iter().position(|c| c.key == k) {
            Some(i) => i,
            None => {
                out.push(Count { key: k, total: 0, occupied: 0, reserved: 0, available: 0, cleaning: 0, blocked: 0 });
                out.len() - 1
            }
        };
        let c = &mut out[i];
        c.total += 1;
        match b.status.as_str() {
            "occupied" => c.occupied += 1,
            "reserved" => c.reserved += 1,
            "available" => c.available += 1,
            "cleaning" => c.cleaning += 1,
            _ => c.blocked += 1,
        }
    }
    out
}

/// The facilities the user works at, `(id, "CODE — Name")`.
async fn facilities(state: &AppState, auth: &Auth) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("SELECT id, code || ' — ' || name FROM facilities WHERE id = ANY($1) AND active ORDER BY code")
        .bind(&auth.facility_ids)
        .fetch_all(&state.pool)
        .await
}

/// The facility asked for (one of the user's), else the user's first with wards.
pub(crate) async fn chosen_facility(
    state: &AppState,
    auth: &Auth,
    asked: &str,
) -> AppResult<(Uuid, Vec<(Uuid, String)>)> {
    let list = facilities(state, auth).await?;
    if let Some(id) = Some(asked.trim()).filter(|s| !s.is_empty()) {
        let id: Uuid = id.parse().map_err(|_| AppError::BadRequest("facility: not a facility id".into()))?;
        return if list.iter().any(|(f, _)| *f == id) { Ok((id, list)) } else { Err(AppError::Forbidden) };
    }
    let with_wards: Option<Uuid> = sqlx::query_scalar(
        "SELECT w.facility_id FROM inpatient_wards w JOIN facilities f ON f.id = w.facility_id
         WHERE w.facility_id = ANY($1) AND w.active ORDER BY f.code LIMIT 1",
    )
    .bind(&auth.facility_ids)
    .fetch_optional(&state.pool)
    .await?;
    match with_wards.or_else(|| list.first().map(|(id, _)| *id)) {
        Some(id) => Ok((id, list)),
        None => Err(AppError::Conflict("You are not assigned to any facility.".into())),
    }
}

pub struct BoardView {
    pub facility: Uuid,
    pub ward: Option<Uuid>,
    pub beds: Vec<BoardBed>,
    pub now: OffsetDateTime,
    /// This board's address (the live board re-fetches it).
    pub this_page: String,
}

impl BoardView {
    pub fn is_ward(&self, id: impl std::borrow::Borrow<Uuid>) -> bool {
        self.ward == Some(*id.borrow())
    }
}

#[derive(Template)]
#[template(path = "inpatient/board.html")]
struct BoardPage {
    page: Page,
    v: BoardView,
    facilities: Vec<(Uuid, String)>,
    wards: Vec<Ward>,
    by_ward: Vec<Count>,
    by_type: Vec<Count>,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "inpatient/_board_rows.html")]
struct BoardRows {
    page: Page,
    v: BoardView,
}

/// `GET /inpatient[?facility=&ward=]`: every bed of the facility, live.
async fn board(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (facility, list) = chosen_facility(&state, &auth, &q.facility).await?;
    let ward = match q.ward.trim() {
        "" => None,
        s => Some(s.parse::<Uuid>().map_err(|_| AppError::BadRequest("ward: not a ward id".into()))?),
    };
    let beds = repo::board(&state.pool, hearth_patients::access::viewer(&auth.user), facility, ward).await?;
    let this_page = format!("/inpatient?facility={facility}{}", ward.map(|w| format!("&ward={w}")).unwrap_or_default());
    let v = BoardView { facility, ward, beds, now: OffsetDateTime::now_utc(), this_page };
    if headers.get("hx-request").is_some() {
        return web::render(&BoardRows { page, v });
    }
    let wards: Vec<Ward> = repo::wards(&state.pool, &[facility]).await?.into_iter().filter(|w| w.active).collect();
    let by_ward = counts(&v.beds, |b| format!("{} — {}", b.ward_code, b.ward_name));
    let by_type = counts(&v.beds, |b| page.t_or(&format!("inpatient-bed_type-{}", b.bed_type), &label(&b.bed_type)));
    let title = page.t("inpatient-board-heading");
    web::render(&BoardPage {
        page: page.titled(title.clone()).crumb(title, "/inpatient"),
        v,
        facilities: list,
        wards,
        by_ward,
        by_type,
        css: css(),
    })
}

#[derive(Template)]
#[template(path = "inpatient/census.html")]
struct CensusPage {
    page: Page,
    facility: String,
    beds: Vec<BoardBed>,
    by_ward: Vec<Count>,
    now: OffsetDateTime,
    css: &'static str,
}

/// `GET /inpatient/census[?facility=]`: the printable census (the occupied beds, by ward).
async fn census(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (facility, list) = chosen_facility(&state, &auth, &q.facility).await?;
    let beds = repo::board(&state.pool, hearth_patients::access::viewer(&auth.user), facility, None).await?;
    let by_ward = counts(&beds, |b| format!("{} — {}", b.ward_code, b.ward_name));
    let beds: Vec<BoardBed> = beds.into_iter().filter(|b| b.allocation.is_some()).collect();
    let name = list.into_iter().find(|(id, _)| *id == facility).map(|(_, n)| n).unwrap_or_default();
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("inpatient.census.view", "facility", facility).changes(serde_json::json!({"patients": beds.len()})),
    )
    .await?;
    let (title, board) = (page.t("inpatient-census-heading"), page.t("inpatient-board-heading"));
    web::render(&CensusPage {
        page: page.titled(title.clone()).crumb(board, "/inpatient").crumb(title, "/inpatient/census"),
        facility: name,
        beds,
        by_ward,
        now: OffsetDateTime::now_utc(),
        css: css(),
    })
}

// ---------------------------------------------------------------------------------------------
// Ward view
// ---------------------------------------------------------------------------------------------

/// A bed of the ward view with the nursing facts of its patient.
pub struct WardRow {
    pub bed: BoardBed,
    /// The latest vital signs' NEWS2 ("5 (medium)", "incomplete", "not for under 16s").
    pub news2: Option<String>,
    pub news2_class: &'static str,
    pub last_obs: Option<OffsetDateTime>,
    pub obs_due: Option<OffsetDateTime>,
    pub overdue: bool,
    pub discharge_due: bool,
}

#[derive(Template)]
#[template(path = "inpatient/ward.html")]
struct WardPage {
    page: Page,
    ward: Ward,
    rows: Vec<WardRow>,
    due: Vec<usize>,
    discharges: Vec<usize>,
    incoming: Vec<usize>,
    this_page: String,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "inpatient/_ward_rows.html")]
struct WardRows {
    page: Page,
    rows: Vec<WardRow>,
}

async fn ward_rows(state: &AppState, auth: &Auth, page: &Page, ward: &Ward) -> AppResult<Vec<WardRow>> {
    let beds =
        repo::board(&state.pool, hearth_patients::access::viewer(&auth.user), ward.facility_id, Some(ward.id)).await?;
    let now = OffsetDateTime::now_utc();
    let (_, end_of_today) = page.zone.day_range(page.zone.today());
    let mut rows = Vec::with_capacity(beds.len());
    for bed in beds {
        let mut row = WardRow {
            news2: None,
            news2_class: "badge-muted",
            last_obs: None,
            obs_due: None,
            overdue: false,
            discharge_due: bed.expected_discharge().is_some_and(|d| d < end_of_today),
            bed,
        };
        if let (Some(pid), Some("occupancy"), false) =
            (row.bed.patient_id, row.bed.allocation.as_deref(), row.bed.restricted)
        {
            // The chart's vital signs and their NEWS2, as the chart computed them.
            let latest = hearth_ehr::vitals::repo::list(&state.pool, pid, 1).await?;
            let since = row.bed.admitted_at.unwrap_or(now);
            match latest.first() {
                Some(v) => {
                    row.news2 = Some(match (v.news2, v.news2_band.as_deref()) {
                        (Some(n), Some(b)) => format!("{n} ({})", b.replace('_', "–")),
                        (None, Some("incomplete")) => page.t("inpatient-news2-incomplete"),
                        _ => page.t("inpatient-news2-not-used"),
                    });
                    row.news2_class = v.news2_class();
                    row.last_obs = Some(v.taken_at);
                    row.obs_due = Some(v.taken_at.max(since) + observation_interval(v.news2, v.news2_band.as_deref()));
                }
                None => row.obs_due = Some(since),
            }
            // On leave: the bed is held and nothing is overdue.
            row.overdue = !row.bed.on_leave && row.obs_due.is_some_and(|d| d <= now);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// `GET /inpatient/wards/{ward}`: one ward for its nurses — beds, patients, the latest NEWS2,
/// observations due (overdue flagged), pending discharges and transfers in.
async fn ward_view(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    headers: HeaderMap,
    Path(ward): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let ward = repo::ward(&state.pool, &auth.facility_ids, ward).await?.ok_or(AppError::NotFound)?;
    let rows = ward_rows(&state, &auth, &page, &ward).await?;
    if headers.get("hx-request").is_some() {
        return web::render(&WardRows { page, rows });
    }
    let due: Vec<usize> = {
        let mut d: Vec<usize> =
            (0..rows.len()).filter(|&i| rows[i].obs_due.is_some() && !rows[i].bed.on_leave).collect();
        d.sort_by_key(|&i| rows[i].obs_due);
        d
    };
    let discharges = (0..rows.len()).filter(|&i| rows[i].discharge_due).collect();
    let incoming = (0..rows.len()).filter(|&i| rows[i].bed.hold_reason.as_deref() == Some("transfer")).collect();
    let this_page = format!("/inpatient/wards/{}", ward.id);
    let title = format!("{} — {}", ward.code, ward.name);
    let board = page.t("inpatient-board-heading");
    web::render(&WardPage {
        page: page.titled(title.clone()).crumb(board, "/inpatient").crumb(title, this_page.clone()),
        ward,
        rows,
        due,
        discharges,
        incoming,
        this_page,
        css: css(),
    })
}

// ---------------------------------------------------------------------------------------------
// Housekeeping
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inpatient/housekeeping.html")]
struct HousekeepingPage {
    page: Page,
    open: Vec<CleaningTask>,
    done: Vec<CleaningTask>,
    turnaround: Vec<(String, i64, f64)>,
    css: &'static str,
}

async fn housekeeping(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::HOUSEKEEPING)?;
    let (open, done, turnaround) = tokio::try_join!(
        repo::open_tasks(&state.pool, &auth.facility_ids),
        repo::done_tasks(&state.pool, &auth.facility_ids, 10),
        repo::turnaround(&state.pool, &auth.facility_ids)
    )?;
    let title = page.t("inpatient-housekeeping-heading");
    web::render(&HousekeepingPage {
        page: page.titled(title.clone()).crumb(title, "/inpatient/housekeeping"),
        open,
        done,
        turnaround,
        css: css(),
    })
}

async fn cleaning_done(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(task): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(perms::HOUSEKEEPING)?;
    let mut tx = state.pool.begin().await?;
    repo::complete_cleaning(&mut tx, &auth.meta, &auth.facility_ids, task).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/inpatient/housekeeping", "ok", &page.t("inpatient-cleaning-done")))
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inpatient/config.html")]
struct ConfigPage {
    page: Page,
    wards: Vec<Ward>,
    facilities: Vec<(String, String)>,
    kinds: Vec<(String, String)>,
    policies: Vec<(String, String)>,
    form: WardForm,
    errors: FieldErrors,
    css: &'static str,
}

async fn render_config(
    state: &AppState,
    page: Page,
    auth: &Auth,
    form: WardForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let wards = repo::wards(&state.pool, &auth.facility_ids).await?;
    let facilities = facilities(state, auth).await?.into_iter().map(|(id, n)| (id.to_string(), n)).collect();
    let title = page.t("inpatient-config-heading");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    web::render_status(
        status,
        &ConfigPage {
            kinds: options(&page, "ward_kind", &WARD_KINDS),
            policies: options(&page, "gender_policy", &GENDER_POLICIES),
            page: page.titled(title.clone()).crumb(title, "/inpatient/config"),
            wards,
            facilities,
            form,
            errors,
            css: css(),
        },
    )
}

async fn config(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::CONFIGURE)?;
    render_config(
        &state,
        page,
        &auth,
        WardForm { kind: "general".into(), ..Default::default() },
        FieldErrors::default(),
    )
    .await
}

async fn create_ward(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<WardForm>,
) -> AppResult<Response> {
    auth.require(perms::CONFIGURE)?;
    let mut v = form.validate();
    if let Ok(w) = &v {
        if !auth.facility_ids.contains(&w.facility_id) {
            v = Err(FieldErrors::one("facility_id", "Choose one of your facilities."));
        }
    }
    let v = match v {
        Ok(v) => v,
        Err(e) => return render_config(&state, page, &auth, form, e).await,
    };
    let mut tx = state.pool.begin().await?;
    let id = repo::create_ward(&mut tx, &auth.meta, &v).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/inpatient/config/wards/{id}"), "ok", &page.t("inpatient-ward-created")))
}

#[derive(Template)]
#[template(path = "inpatient/config_ward.html")]
struct ConfigWardPage {
    page: Page,
    ward: Ward,
    beds: Vec<BoardBed>,
    types: Vec<(String, String)>,
    isolations: Vec<(String, String)>,
    form: BedsForm,
    errors: FieldErrors,
    css: &'static str,
}

async fn render_ward_config(
    state: &AppState,
    page: Page,
    auth: &Auth,
    ward: Ward,
    form: BedsForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let beds =
        repo::board(&state.pool, hearth_patients::access::viewer(&auth.user), ward.facility_id, Some(ward.id)).await?;
    let title = format!("{} — {}", ward.code, ward.name);
    let config = page.t("inpatient-config-heading");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    web::render_status(
        status,
        &ConfigWardPage {
            types: options(&page, "bed_type", &BED_TYPES),
            isolations: options(&page, "isolation", &BED_ISOLATION),
            page: page
                .titled(title.clone())
                .crumb(config, "/inpatient/config")
                .crumb(title, format!("/inpatient/config/wards/{}", ward.id)),
            ward,
            beds,
            form,
            errors,
            css: css(),
        },
    )
}

async fn config_ward(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(ward): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(perms::CONFIGURE)?;
    let ward = repo::ward(&state.pool, &auth.facility_ids, ward).await?.ok_or(AppError::NotFound)?;
    let form = BedsForm { count: "1".into(), first: "1".into(), ..Default::default() };
    render_ward_config(&state, page, &auth, ward, form, FieldErrors::default()).await
}

async fn add_beds(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(ward): Path<Uuid>,
    Form(form): Form<BedsForm>,
) -> AppResult<Response> {
    auth.require(perms::CONFIGURE)?;
    let ward = repo::ward(&state.pool, &auth.facility_ids, ward).await?.ok_or(AppError::NotFound)?;
    let v = match form.validate() {
        Ok(v) => v,
        Err(e) => return render_ward_config(&state, page, &auth, ward, form, e).await,
    };
    let mut tx = state.pool.begin().await?;
    repo::add_beds(&mut tx, &auth.meta, &ward, &v).await?;
    tx.commit().await?;
    let href = format!("/inpatient/config/wards/{}", ward.id);
    Ok(web::redirect_flash(&href, "ok", &page.t1("inpatient-beds-added", "count", v.codes.len() as i64)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackForm {
    #[serde(flatten)]
    status: BedStatusForm,
    back: String,
}

async fn bed_status(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(bed): Path<Uuid>,
    Form(f): Form<BackForm>,
) -> AppResult<Response> {
    auth.require(perms::CONFIGURE)?;
    let back = web::safe_next(Some(&f.back));
    let v = match f.status.validate(&page.zone) {
        Ok(v) => v,
        Err(e) => return Ok(web::redirect_flash(&back, "error", &e.messages())),
    };
    let mut tx = state.pool.begin().await?;
    repo::set_bed_status(&mut tx, &auth.meta, &auth.facility_ids, bed, &v).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&back, "ok", &page.t("inpatient-bed-status-changed")))
}

// ---------------------------------------------------------------------------------------------
// The chart tab: stays and ADT
// ---------------------------------------------------------------------------------------------

/// The forms of the tab, with what was typed.
#[derive(Default)]
pub struct ChartForms {
    pub admit: AdmitForm,
    pub transfer: TransferForm,
    pub leave: LeaveForm,
    pub discharge: DischargeForm,
}

#[derive(Template)]
#[template(path = "inpatient/chart.html")]
struct ChartPage {
    page: Page,
    b: Banner,
    stays: Vec<Admission>,
    transfers: Vec<Transfer>,
    open: Option<Admission>,
    beds: Vec<(String, String)>,
    clinicians: Vec<(String, String)>,
    sources: Vec<(String, String)>,
    precautions: Vec<(String, String)>,
    dispositions: Vec<(String, String)>,
    f: ChartForms,
    errors: FieldErrors,
    can_adt: bool,
    css: &'static str,
}

pub(crate) async fn audit_view(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient)
            .patient(patient)
            .changes(serde_json::json!({"section": "inpatient"})),
    )
    .await?;
    Ok(())
}

async fn render_chart(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    f: ChartForms,
    errors: FieldErrors,
) -> AppResult<Response> {
    let can_adt = auth.can(perms::ADT);
    let (stays, transfers, beds, clinicians) = tokio::try_join!(
        repo::admissions(&state.pool, b.id),
        repo::transfers(&state.pool, b.id),
        repo::available_beds(&state.pool, &auth.facility_ids),
        repo::clinicians(&state.pool)
    )?;
    audit_view(state, auth, b.id).await?;
    let open = stays.iter().find(|s| s.open()).cloned();
    let choose = page.t("inpatient-choose");
    let blank =
        |list: Vec<(String, String)>| std::iter::once((String::new(), choose.clone())).chain(list).collect::<Vec<_>>();
    let title = page.t1("inpatient-chart-title", "name", &b.name);
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = ChartPage {
        beds: blank(beds),
        clinicians: blank(clinicians),
        sources: blank(options(&page, "source", &SOURCES)),
        precautions: options(&page, "precaution", &PRECAUTIONS),
        dispositions: blank(options(&page, "disposition", &DISPOSITIONS)),
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("inpatient-chart-heading"), b.href("inpatient")),
        b,
        stays,
        transfers,
        open,
        f,
        errors,
        can_adt,
        css: css(),
    };
    web::render_status(status, &t)
}

async fn chart(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("inpatient");
    let mut f = ChartForms::default();
    f.admit.isolation = "none".into();
    f.admit.clinician_id = if auth.can(hearth_ehr::perms::CHART_WRITE) { auth.id.to_string() } else { String::new() };
    render_chart(&state, page, &auth, b, f, FieldErrors::default()).await
}

/// Runs a write of the tab: field errors re-render the tab (422) with what was typed.
async fn tab_result(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    f: ChartForms,
    r: AppResult<()>,
    ok: &str,
) -> AppResult<Response> {
    match r {
        Ok(()) => Ok(web::redirect_flash(&b.href("inpatient"), "ok", ok)),
        Err(AppError::Invalid(e)) => render_chart(state, page, auth, b, f, e).await,
        Err(e) => Err(e),
    }
}

async fn admit(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<AdmitForm>,
) -> AppResult<Response> {
    auth.require(perms::ADT)?;
    let b = patient.banner("inpatient");
    let r: AppResult<()> = async {
        let v = form.validate(&page.zone, OffsetDateTime::now_utc())?;
        let mut tx = state.pool.begin().await?;
        repo::admit(&mut tx, &state.pool, &auth.meta, &auth.facility_ids, b.id, &v).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    let ok = page.t("inpatient-admitted");
    let f = ChartForms { admit: form, ..Default::default() };
    tab_result(&state, page, &auth, b, f, r, &ok).await
}

async fn transfer(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
    Form(form): Form<TransferForm>,
) -> AppResult<Response> {
    auth.require(perms::ADT)?;
    let b = patient.banner("inpatient");
    let r: AppResult<()> = async {
        let v = form.validate()?;
        let mut tx = state.pool.begin().await?;
        repo::send_transfer(&mut tx, &auth.meta, &auth.facility_ids, b.id, adm, &v).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    let ok = page.t("inpatient-transfer-sent");
    let f = ChartForms { transfer: form, ..Default::default() };
    tab_result(&state, page, &auth, b, f, r, &ok).await
}

async fn receive(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, t)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::ADT)?;
    let mut tx = state.pool.begin().await?;
    repo::receive_transfer(&mut tx, &auth.meta, patient.id, t).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&patient.data.href("inpatient"), "ok", &page.t("inpatient-transfer-received")))
}

async fn cancel(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, t)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::ADT)?;
    let mut tx = state.pool.begin().await?;
    repo::cancel_transfer(&mut tx, &auth.meta, patient.id, t).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&patient.data.href("inpatient"), "ok", &page.t("inpatient-transfer-cancelled")))
}

async fn leave(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
    Form(form): Form<LeaveForm>,
) -> AppResult<Response> {
    auth.require(perms::ADT)?;
    let b = patient.banner("inpatient");
    let r: AppResult<()> = async {
        let until = form.validate(&page.zone, OffsetDateTime::now_utc())?;
        let mut tx = state.pool.begin().await?;
        repo::start_leave(&mut tx, &auth.meta, b.id, adm, until).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    let ok = page.t("inpatient-leave-started");
    let f = ChartForms { leave: form, ..Default::default() };
    tab_result(&state, page, &auth, b, f, r, &ok).await
}

async fn return_from_leave(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::ADT)?;
    let mut tx = state.pool.begin().await?;
    repo::end_leave(&mut tx, &auth.meta, patient.id, adm).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&patient.data.href("inpatient"), "ok", &page.t("inpatient-leave-ended")))
}

/// Discharges, and for a death records it in the registry with every module's death hook, on
/// the same transaction.
pub(crate) async fn discharge_in_tx(
    state: &AppState,
    auth: &Auth,
    patient: Uuid,
    adm: Uuid,
    v: &ValidDischarge,
) -> AppResult<()> {
    let mut tx = state.pool.begin().await?;
    let d = repo::discharge(&mut tx, &auth.meta, patient, adm, v).await?;
    if d.deceased {
        let already: bool = sqlx::query_scalar("SELECT deceased_at IS NOT NULL FROM patients WHERE id = $1")
            .bind(patient)
            .fetch_one(&mut *tx)
            .await?;
        if !already {
            match hearth_patients::repo::record_death(&mut tx, patient, v.at, &v.note, &auth.meta).await {
                Ok(()) => {}
                Err(hearth_patients::repo::ChangeError::Refused(m)) => {
                    return Err(FieldErrors::one("discharged_at", m).into())
                }
                Err(hearth_patients::repo::ChangeError::Db(e)) => return Err(e.into()),
            }
            for m in state.registry.modules() {
                if let Some(on_death) = m.on_death {
                    on_death(&mut tx, &auth.meta, patient).await?;
                }
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn discharge(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, adm)): Path<(String, Uuid)>,
    Form(form): Form<DischargeForm>,
) -> AppResult<Response> {
    auth.require(perms::ADT)?;
    let b = patient.banner("inpatient");
    let r: AppResult<()> = async {
        let v = form.validate(&page.zone, OffsetDateTime::now_utc())?;
        discharge_in_tx(&state, &auth, b.id, adm, &v).await
    }
    .await;
    let ok = page.t("inpatient-discharged");
    let f = ChartForms { discharge: form, ..Default::default() };
    tab_result(&state, page, &auth, b, f, r, &ok).await
}
