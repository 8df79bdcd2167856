//! The emergency department's pages: the tracking board (live) and its wall display, the
//! arrival form, the bays, and the chart tab "Emergency" (the visit: triage, assignment,
//! disposition, the triage history and past visits) with the printable discharge instructions.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::Form;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::board::{self, BoardQuery, BoardRow};
use crate::esi::{BANDS, NOT_RESOURCES, RESOURCES};
use crate::model::{
    ArrivalForm, AssignForm, Bay, BayForm, DispositionForm, Triage, TriageForm, Visit, AREAS, ARRIVAL_MODES,
    DISPOSITIONS, PREGNANCY, STATUSES,
};
use crate::{perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/emergency", get(board_page))
        .route("/emergency/board/rows", get(board_rows))
        .route("/emergency/wall", get(wall_page))
        .route("/emergency/wall/rows", get(wall_rows))
        .route("/emergency/arrivals", get(arrival_form).post(arrival_create))
        .route("/emergency/bays", get(bays_page).post(bay_create))
        .route("/patients/{id}/emergency", get(chart_tab))
        .route("/patients/{id}/emergency/triage", post(triage))
        .route("/patients/{id}/emergency/assign", post(assign))
        .route("/patients/{id}/emergency/disposition", post(disposition))
        .route("/patients/{id}/emergency/depart", post(depart))
        .route("/patients/{id}/emergency/{visit}/instructions", get(instructions))
}

/// The department the user works in: `facility` when it is one of theirs, else their first.
pub fn facility(auth: &Auth, asked: &str) -> AppResult<Uuid> {
    if let Ok(f) = asked.trim().parse::<Uuid>() {
        if auth.facility_ids.contains(&f) {
            return Ok(f);
        }
    }
    hearth_patients::register::facility_of(auth)
}

fn choices(list: &[(&'static str, &'static str)], page: &Page, prefix: &str) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, l)| (k.to_string(), page.t_or(&format!("emergency-{prefix}-{}", k.replace('_', "-")), l)))
        .collect()
}

fn with_blank(first: String, list: Vec<(String, String)>) -> Vec<(String, String)> {
    std::iter::once((String::new(), first)).chain(list).collect()
}

// ---------------------------------------------------------------------------------------------
// The board

#[derive(Template)]
#[template(path = "emergency/board.html")]
struct BoardPage {
    page: Page,
    q: BoardQuery,
    rows: Vec<BoardRow>,
    counts: Vec<(String, usize)>,
    query: String,
    areas: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    esis: Vec<(String, String)>,
    sorts: Vec<(String, String)>,
    can_register: bool,
}

#[derive(Template)]
#[template(path = "emergency/_board_rows.html")]
struct BoardRows {
    page: Page,
    rows: Vec<BoardRow>,
}

#[derive(Template)]
#[template(path = "emergency/wall.html")]
struct WallPage {
    page: Page,
    rows: Vec<BoardRow>,
    query: String,
}

#[derive(Template)]
#[template(path = "emergency/_wall_rows.html")]
struct WallRows {
    page: Page,
    rows: Vec<BoardRow>,
}

async fn load_rows(state: &AppState, auth: &Auth, q: &BoardQuery) -> AppResult<Vec<BoardRow>> {
    let f = facility(auth, &q.facility)?;
    let viewer = hearth_patients::access::viewer(&auth.user);
    Ok(board::rows(&state.pool, f, viewer, q, OffsetDateTime::now_utc()).await?)
}

fn query_string(q: &BoardQuery) -> String {
    serde_urlencoded_pairs(&[
        ("area", &q.area),
        ("esi", &q.esi),
        ("status", &q.status),
        ("sort", &q.sort),
        ("facility", &q.facility),
    ])
}

fn serde_urlencoded_pairs(pairs: &[(&str, &String)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| {
            format!(
                "{k}={}",
                v.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-').collect::<String>()
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn board_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let rows = load_rows(&state, &auth, &q).await?;
    let title = page.t("emergency-board-title");
    let t = BoardPage {
        counts: board::counts(&rows),
        rows,
        query: query_string(&q),
        areas: with_blank(page.t("emergency-all-areas"), choices(&AREAS, &page, "area")),
        statuses: with_blank(page.t("emergency-all-statuses"), choices(&STATUSES[..4], &page, "status")),
        esis: with_blank(
            page.t("emergency-all-levels"),
            (1..=5).map(|n| (n.to_string(), format!("ESI {n}"))).collect(),
        ),
        sorts: vec![
            (String::new(), page.t("emergency-sort-esi")),
            ("arrival".into(), page.t("emergency-sort-arrival")),
            ("wait".into(), page.t("emergency-sort-wait")),
            ("bay".into(), page.t("emergency-sort-bay")),
        ],
        can_register: auth.can(perms::REGISTER),
        q,
        page: page.titled(title.clone()).crumb(title, "/emergency"),
    };
    web::render(&t)
}

async fn board_rows(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let rows = load_rows(&state, &auth, &q).await?;
    Ok(Html(BoardRows { page, rows }.render()?).into_response())
}

async fn wall_page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let rows = load_rows(&state, &auth, &q).await?;
    let title = page.t("emergency-wall-title");
    web::render(&WallPage { rows, query: query_string(&q), page: page.titled(title) })
}

async fn wall_rows(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let rows = load_rows(&state, &auth, &q).await?;
    Ok(Html(WallRows { page, rows }.render()?).into_response())
}

// ---------------------------------------------------------------------------------------------
// Arrival

#[derive(Template)]
#[template(path = "emergency/arrival.html")]
struct ArrivalPage {
    page: Page,
    form: ArrivalForm,
    errors: FieldErrors,
    modes: Vec<(String, String)>,
    sexes: Vec<(String, String)>,
    /// The existing patient chosen (from the patient's page), by name and MRN.
    chosen: Option<String>,
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ArrivalQuery {
    patient: String,
}

async fn render_arrival(
    state: &AppState,
    page: Page,
    auth: &Auth,
    form: ArrivalForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let mut chosen = None;
    if let Ok(id) = form.patient_id.trim().parse::<Uuid>() {
        if hearth_patients::access::check(&state.pool, &auth.user, id).await?
            == hearth_patients::access::Access::Allowed
        {
            let row: Option<(String, String)> =
                sqlx::query_as("SELECT family_name || ', ' || given_name, mrn FROM patients WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&state.pool)
                    .await?;
            chosen = row.map(|(n, m)| format!("{n} · {m}"));
        }
    }
    let title = page.t("emergency-arrival-title");
    let t = ArrivalPage {
        form,
        errors,
        modes: choices(&ARRIVAL_MODES, &page, "mode"),
        sexes: with_blank(
            page.t("emergency-choose"),
            hearth_patients::model::SEXES
                .iter()
                .map(|s| (s.to_string(), page.t_or(&format!("emergency-sex-{s}"), s)))
                .collect(),
        ),
        chosen,
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("emergency-board-title"), "/emergency")
            .crumb(title, "/emergency/arrivals"),
    };
    web::render_status(status, &t)
}

async fn arrival_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<ArrivalQuery>,
) -> AppResult<Response> {
    auth.require(perms::REGISTER)?;
    let form = ArrivalForm { patient_id: q.patient, arrival_mode: "walk_in".into(), ..Default::default() };
    render_arrival(&state, page, &auth, form, FieldErrors::default(), StatusCode::OK).await
}

/// Registers the arrival on one transaction (patient, encounter, visit); returns (visit, patient).
pub async fn register_arrival(state: &AppState, auth: &Auth, form: &ArrivalForm) -> AppResult<(Uuid, Uuid)> {
    let f = facility(auth, "")?;
    let valid = form.validate(OffsetDateTime::now_utc().date())?;
    if let crate::model::Who::Existing(id) = &valid.who {
        hearth_patients::access::require(&state.pool, &auth.user, *id).await.map_err(|e| match e {
            AppError::NotFound => FieldErrors::one("patient_id", "No such patient.").into(),
            e => e,
        })?;
    }
    let mut conn = state.pool.acquire().await?;
    let department = repo::ed_department(&mut conn, f).await?;
    drop(conn);
    let encounter = hearth_ehr::encounters::NewEncounter {
        kind: "emergency".into(),
        status: Some("in_progress".into()),
        department_id: department.map(|d| d.to_string()),
        clinician_id: None,
        reason: valid.chief_complaint.clone(),
        starts_at: None,
        starts_at_offset: None,
    }
    .validate(&state.pool, &hearth_core::web::time::Zone::utc(), None)
    .await??;
    let mut tx = state.pool.begin().await?;
    let ids =
        repo::arrive(&mut tx, &state.keys, &auth.meta, f, &valid, Some(&encounter), OffsetDateTime::now_utc()).await?;
    tx.commit().await?;
    Ok(ids)
}

async fn arrival_create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<ArrivalForm>,
) -> AppResult<Response> {
    auth.require(perms::REGISTER)?;
    match register_arrival(&state, &auth, &form).await {
        Ok((_, patient)) => Ok(web::redirect_flash(
            &format!("/patients/{patient}/emergency"),
            "ok",
            &page.t("emergency-arrival-registered"),
        )),
        Err(AppError::Invalid(errors)) => {
            render_arrival(&state, page, &auth, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Bays

#[derive(Template)]
#[template(path = "emergency/bays.html")]
struct BaysPage {
    page: Page,
    bays: Vec<Bay>,
    form: BayForm,
    errors: FieldErrors,
    areas: Vec<(String, String)>,
    can_manage: bool,
}

async fn render_bays(
    state: &AppState,
    page: Page,
    auth: &Auth,
    form: BayForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let f = facility(auth, "")?;
    let bays = repo::bays(&state.pool, f).await?;
    let title = page.t("emergency-bays-title");
    let t = BaysPage {
        bays,
        form,
        errors,
        areas: with_blank(page.t("emergency-choose"), choices(&AREAS, &page, "area")),
        can_manage: auth.can(perms::MANAGE),
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("emergency-board-title"), "/emergency")
            .crumb(title, "/emergency/bays"),
    };
    web::render_status(status, &t)
}

async fn bays_page(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let form = BayForm { capacity: "1".into(), ..Default::default() };
    render_bays(&state, page, &auth, form, FieldErrors::default(), StatusCode::OK).await
}

async fn bay_create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<BayForm>,
) -> AppResult<Response> {
    auth.require(perms::MANAGE)?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(e) => return render_bays(&state, page, &auth, form, e, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let f = facility(&auth, "")?;
    let mut tx = state.pool.begin().await?;
    repo::insert_bay(&mut tx, &auth.meta, f, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/emergency/bays", "ok", &page.t("emergency-bay-added")))
}

// ---------------------------------------------------------------------------------------------
// The chart tab

#[derive(Template)]
#[template(path = "emergency/chart.html")]
struct ChartTabPage {
    page: Page,
    b: Banner,
    open: Option<Visit>,
    triages: Vec<Triage>,
    history: Vec<Visit>,
    /// The form that failed, to re-open it: triage, assign or disposition.
    failed: &'static str,
    errors: FieldErrors,
    tf: TriageForm,
    af: AssignForm,
    df: DispositionForm,
    bays: Vec<(String, String)>,
    nurses: Vec<(String, String)>,
    clinicians: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    dispositions: Vec<(String, String)>,
    ward_kinds: Vec<(String, String)>,
    precautions: Vec<(String, String)>,
    pregnancy: Vec<(String, String)>,
    bands: Vec<(String, String)>,
    resources: Vec<(String, String, bool)>,
    avpu: Vec<(String, String)>,
    not_resources: &'static str,
    can_triage: bool,
    can_assign: bool,
    can_dispose: bool,
    can_register: bool,
    /// The chart's allergies as shown on the banner (triage asks for them).
    now: OffsetDateTime,
}

impl ChartTabPage {
    pub fn minutes_since(&self, t: impl std::borrow::Borrow<OffsetDateTime>) -> String {
        board::duration((self.now - *t.borrow()).whole_minutes().max(0))
    }
}

struct Forms {
    failed: &'static str,
    errors: FieldErrors,
    tf: Option<TriageForm>,
    af: Option<AssignForm>,
    df: Option<DispositionForm>,
}

impl Forms {
    fn none() -> Forms {
        Forms { failed: "", errors: FieldErrors::default(), tf: None, af: None, df: None }
    }
}

async fn audit_view(state: &AppState, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        meta,
        Event::new("chart.view", "patient", patient)
            .patient(patient)
            .changes(serde_json::json!({"section": "emergency"})),
    )
    .await?;
    Ok(())
}

async fn render_tab(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    forms: Forms,
    status: StatusCode,
) -> AppResult<Response> {
    let (open, history) = tokio::try_join!(repo::open_of(&state.pool, b.id), repo::list(&state.pool, b.id))?;
    let triages = match &open {
        Some(v) => repo::triages(&state.pool, v.id).await?,
        None => Vec::new(),
    };
    audit_view(state, &auth.meta, b.id).await?;
    let f = open.as_ref().map(|v| v.facility_id);
    let (mut bays, mut nurses, mut clinicians, mut departments) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    if let Some(f) = f {
        let all = repo::bays(&state.pool, f).await?;
        bays = all
            .iter()
            .filter(|x| x.active)
            .map(|x| {
                let mine = open.as_ref().and_then(|v| v.bay_id) == Some(x.id);
                let full =
                    if x.full() && !mine { format!(" — {}", page.t("emergency-bay-full")) } else { String::new() };
                (x.id.to_string(), format!("{} · {} ({}/{}){full}", x.code, x.name, x.occupied, x.capacity))
            })
            .collect();
        let ids = |v: Vec<(Uuid, String)>| v.into_iter().map(|(i, n)| (i.to_string(), n)).collect::<Vec<_>>();
        nurses = ids(repo::staff(&state.pool, f, perms::TRIAGE.code()).await?);
        clinicians = ids(repo::staff(&state.pool, f, hearth_ehr::perms::NOTES_SIGN.code()).await?);
        departments = ids(repo::departments(&state.pool, f).await?);
    }
    let none = page.t("emergency-none");
    let tf = forms.tf.unwrap_or_else(|| TriageForm {
        avpu: "A".into(),
        pregnancy: if b.sex == "female" { String::new() } else { "not_applicable".into() },
        ..Default::default()
    });
    let af = forms.af.unwrap_or_else(|| AssignForm {
        bay_id: open.as_ref().and_then(|v| v.bay_id).map(|x| x.to_string()).unwrap_or_default(),
        nurse_id: open.as_ref().and_then(|v| v.nurse_id).map(|x| x.to_string()).unwrap_or_default(),
        clinician_id: open.as_ref().and_then(|v| v.clinician_id).map(|x| x.to_string()).unwrap_or_default(),
    });
    let title = page.t1("emergency-chart-title", "name", &b.name);
    let t = ChartTabPage {
        resources: RESOURCES
            .iter()
            .map(|(k, l, _)| {
                (k.to_string(), page.t_or(&format!("emergency-res-{}", k.replace('_', "-")), l), tf.has_resource(k))
            })
            .collect(),
        tf,
        af,
        df: forms.df.unwrap_or_default(),
        failed: forms.failed,
        errors: forms.errors,
        bays: with_blank(none.clone(), bays),
        nurses: with_blank(none.clone(), nurses),
        clinicians: with_blank(none.clone(), clinicians),
        departments: with_blank(page.t("emergency-choose"), departments),
        dispositions: with_blank(page.t("emergency-choose"), choices(&DISPOSITIONS, &page, "disposition")),
        ward_kinds: with_blank(
            page.t("emergency-bed-any-ward"),
            hearth_inpatient::model::options(&page, "ward_kind", &hearth_inpatient::model::WARD_KINDS),
        ),
        precautions: hearth_inpatient::model::options(&page, "precaution", &hearth_inpatient::model::PRECAUTIONS),
        pregnancy: with_blank(page.t("emergency-choose"), choices(&PREGNANCY, &page, "pregnancy")),
        bands: with_blank(page.t("emergency-band-from-birth"), choices(&BANDS, &page, "band")),
        avpu: ["a", "v", "p", "u"].iter().map(|c| (c.to_uppercase(), page.t(&format!("emergency-avpu-{c}")))).collect(),
        not_resources: NOT_RESOURCES,
        can_triage: auth.can(perms::TRIAGE),
        can_assign: auth.can(perms::ASSIGN),
        can_dispose: auth.can(perms::DISPOSITION),
        can_register: auth.can(perms::REGISTER),
        open,
        triages,
        history,
        now: OffsetDateTime::now_utc(),
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("emergency-tab"), b.href("emergency")),
        b,
    };
    web::render_status(status, &t)
}

async fn chart_tab(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("emergency");
    render_tab(&state, page, &auth, b, Forms::none(), StatusCode::OK).await
}

/// The patient's open visit in one of the user's departments (409 when not in the department).
async fn open_visit(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<Visit> {
    let v = repo::open_of(&state.pool, patient)
        .await?
        .ok_or_else(|| AppError::Conflict("The patient is not in the emergency department.".into()))?;
    if !auth.facility_ids.contains(&v.facility_id) {
        return Err(AppError::Forbidden);
    }
    Ok(v)
}

async fn triage(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<TriageForm>,
) -> AppResult<Response> {
    auth.require(perms::TRIAGE)?;
    let b = patient.banner("emergency");
    let visit = open_visit(&state, &auth, b.id).await?;
    let valid = match form.validate(b.birth_date, OffsetDateTime::now_utc()) {
        Ok(v) => v,
        Err(errors) => {
            let forms = Forms { failed: "triage", errors, tf: Some(form), ..Forms::none() };
            return render_tab(&state, page, &auth, b, forms, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    repo::triage(&mut tx, state.registry, &auth.meta, visit.id, b.birth_date, &valid).await?;
    tx.commit().await?;
    let msg = page.t1("emergency-triaged", "level", valid.esi.to_string());
    Ok(web::redirect_flash(&b.href("emergency"), "ok", &msg))
}

async fn assign(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<AssignForm>,
) -> AppResult<Response> {
    auth.require(perms::ASSIGN)?;
    let b = patient.banner("emergency");
    let visit = open_visit(&state, &auth, b.id).await?;
    let result = match form.validate() {
        Ok(v) => {
            let mut tx = state.pool.begin().await?;
            match repo::assign(&mut tx, &auth.meta, visit.id, &v).await {
                Ok(()) => {
                    tx.commit().await?;
                    Ok(())
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(()) => Ok(web::redirect_flash(&b.href("emergency"), "ok", &page.t("emergency-assigned"))),
        Err(AppError::Invalid(errors)) => {
            let forms = Forms { failed: "assign", errors, af: Some(form), ..Forms::none() };
            render_tab(&state, page, &auth, b, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn disposition(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<DispositionForm>,
) -> AppResult<Response> {
    auth.require(perms::DISPOSITION)?;
    let b = patient.banner("emergency");
    let visit = open_visit(&state, &auth, b.id).await?;
    let result = match form.validate() {
        Ok(v) => {
            let mut tx = state.pool.begin().await?;
            match repo::dispose(&mut tx, state.registry, &auth.meta, visit.id, &v).await {
                Ok(()) => {
                    tx.commit().await?;
                    Ok(v.disposition)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(AppError::Invalid(e)),
    };
    match result {
        Ok(d) if d == "discharge" => Ok(web::redirect_flash(
            &format!("/patients/{}/emergency/{}/instructions", b.id, visit.id),
            "ok",
            &page.t("emergency-disposition-recorded"),
        )),
        Ok(_) => Ok(web::redirect_flash(&b.href("emergency"), "ok", &page.t("emergency-disposition-recorded"))),
        Err(AppError::Invalid(errors)) => {
            let forms = Forms { failed: "disposition", errors, df: Some(form), ..Forms::none() };
            render_tab(&state, page, &auth, b, forms, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e),
    }
}

async fn depart(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(perms::DISPOSITION)?;
    let href = patient.data.href("emergency");
    let visit = open_visit(&state, &auth, patient.id).await?;
    let mut tx = state.pool.begin().await?;
    repo::depart(&mut tx, &auth.meta, visit.id).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&href, "ok", &page.t("emergency-departed")))
}

#[derive(Template)]
#[template(path = "emergency/instructions.html")]
struct InstructionsPage {
    page: Page,
    b: Banner,
    v: Visit,
}

async fn instructions(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, visit)): Path<(String, Uuid)>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("emergency");
    let mut conn = state.pool.acquire().await?;
    let v = repo::load(&mut conn, visit).await?.filter(|v| v.patient_id == b.id).ok_or(AppError::NotFound)?;
    drop(conn);
    if v.disposition.as_deref() != Some("discharge") {
        return Err(AppError::NotFound);
    }
    audit_view(&state, &auth.meta, b.id).await?;
    let title = page.t("emergency-instructions-title");
    web::render(&InstructionsPage { page: page.titled(title), b, v })
}
