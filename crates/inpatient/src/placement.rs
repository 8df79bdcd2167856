//! The bed manager's placement page (live queue of bed requests with the candidate beds of each,
//! assign = hold, admit from the request, cancel with a reason), the chart's "Request a bed"
//! form, and their JSON API. The rules are in [`crate::bed_requests`].

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::{Form, Json};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::bed_requests::{self as br, BedAssignForm, BedRequest, BedRequestCancelForm, BedRequestForm, CandidateBed};
use crate::model::{options, AdmitForm, PRECAUTIONS, SOURCES, WARD_KINDS};
use crate::pages::{audit_view, chosen_facility};
use crate::{perms, repo};
use hearth_core::api::ApiRoutes;
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::time::Zone;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::banner::{Banner, ChartPatient};

pub fn page_routes(r: Routes) -> Routes {
    use axum::routing::{get, post};
    r.route("/inpatient/placement", get(placement))
        .route("/inpatient/placement/{req}/assign", post(assign))
        .route("/inpatient/placement/{req}/admit", post(admit))
        .route("/inpatient/placement/{req}/cancel", post(cancel))
        .route("/patients/{id}/inpatient/bed-request", get(request_form).post(create_request))
}

pub fn api_routes(r: ApiRoutes) -> ApiRoutes {
    r.get("/api/v1/inpatient/bed-requests", api_queue)
        .get("/api/v1/inpatient/bed-requests/{req}/candidates", api_candidates)
        .post("/api/v1/inpatient/bed-requests/{req}/assign", api_assign)
        .post("/api/v1/inpatient/bed-requests/{req}/admit", api_admit)
        .post("/api/v1/inpatient/bed-requests/{req}/cancel", api_cancel)
        .get("/api/v1/patients/{id}/inpatient/bed-requests", api_patient_requests)
        .post("/api/v1/patients/{id}/inpatient/bed-requests", api_create)
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct FacilityQuery {
    /// One of the caller's facilities (default: the first with wards).
    facility: Option<String>,
}

impl FacilityQuery {
    fn facility(&self) -> &str {
        self.facility.as_deref().unwrap_or("")
    }
}

/// A request of the queue with the beds that fit it.
pub struct QueueRow {
    pub r: BedRequest,
    pub beds: Vec<CandidateBed>,
}

#[derive(Template)]
#[template(path = "inpatient/placement.html")]
struct PlacementPage {
    page: Page,
    facility: Uuid,
    facilities: Vec<(Uuid, String)>,
    rows: Vec<QueueRow>,
    this_page: String,
    can_admit: bool,
    clinicians: Vec<(String, String)>,
    /// The request whose form failed, with what was typed.
    failed: Option<Uuid>,
    admit_form: AdmitForm,
    errors: FieldErrors,
    css: &'static str,
}

#[derive(Template)]
#[template(path = "inpatient/_placement_rows.html")]
struct PlacementRows {
    page: Page,
    rows: Vec<QueueRow>,
    can_admit: bool,
    clinicians: Vec<(String, String)>,
    failed: Option<Uuid>,
    admit_form: AdmitForm,
    errors: FieldErrors,
}

impl PlacementPage {
    pub fn failed_is(&self, id: impl std::borrow::Borrow<Uuid>) -> bool {
        self.failed == Some(*id.borrow())
    }
}

impl PlacementRows {
    pub fn failed_is(&self, id: impl std::borrow::Borrow<Uuid>) -> bool {
        self.failed == Some(*id.borrow())
    }
}

async fn queue_rows(state: &AppState, auth: &Auth, facility: Uuid) -> AppResult<Vec<QueueRow>> {
    let list = br::queue(&state.pool, hearth_patients::access::viewer(&auth.user), facility).await?;
    let mut rows = Vec::with_capacity(list.len());
    for r in list {
        let beds =
            if r.status == "requested" || r.hold_lapsed() { br::candidates(&state.pool, r.id).await? } else { vec![] };
        rows.push(QueueRow { r, beds });
    }
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("inpatient.bed_requests.view", "facility", facility)
            .changes(serde_json::json!({"requests": rows.len()})),
    )
    .await?;
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
async fn render_placement(
    state: &AppState,
    page: Page,
    auth: &Auth,
    asked: &str,
    partial: bool,
    failed: Option<Uuid>,
    admit_form: AdmitForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let (facility, facilities) = chosen_facility(state, auth, asked).await?;
    let rows = queue_rows(state, auth, facility).await?;
    let can_admit = auth.can(perms::ADT);
    let clinicians = if can_admit { repo::clinicians(&state.pool).await? } else { vec![] };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    if partial {
        return web::render_status(
            status,
            &PlacementRows { page, rows, can_admit, clinicians, failed, admit_form, errors },
        );
    }
    let (title, board) = (page.t("inpatient-placement-heading"), page.t("inpatient-board-heading"));
    web::render_status(
        status,
        &PlacementPage {
            page: page.titled(title.clone()).crumb(board, "/inpatient").crumb(title, "/inpatient/placement"),
            this_page: format!("/inpatient/placement?facility={facility}"),
            facility,
            facilities,
            rows,
            can_admit,
            clinicians,
            failed,
            admit_form,
            errors,
            css: "/static/css/inpatient.css",
        },
    )
}

/// `GET /inpatient/placement[?facility=]`: the queue of open bed requests, most urgent first,
/// with the candidate beds of each; live on `inpatient.bed_requests`.
async fn placement(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    headers: HeaderMap,
    Query(q): Query<FacilityQuery>,
) -> AppResult<Response> {
    auth.require(perms::PLACEMENT)?;
    let partial = headers.get("hx-request").is_some();
    render_placement(&state, page, &auth, q.facility(), partial, None, AdmitForm::default(), FieldErrors::default())
        .await
}

/// The facility of a request of the caller's facilities (404 otherwise).
async fn request_facility(state: &AppState, auth: &Auth, id: Uuid) -> AppResult<BedRequest> {
    br::load(&state.pool, hearth_patients::access::viewer(&auth.user), &auth.facility_ids, id)
        .await?
        .ok_or(AppError::NotFound)
}

fn back(r: &BedRequest) -> String {
    format!("/inpatient/placement?facility={}", r.facility_id)
}

async fn assign(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<BedAssignForm>,
) -> AppResult<Response> {
    auth.require(perms::PLACEMENT)?;
    let r = request_facility(&state, &auth, id).await?;
    let res: AppResult<()> = async {
        let (bed, hours) = form.validate()?;
        let mut tx = state.pool.begin().await?;
        br::assign(&mut tx, &auth.meta, &auth.facility_ids, id, bed, hours).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match res {
        Ok(()) => Ok(web::redirect_flash(&back(&r), "ok", &page.t("inpatient-placement-assigned"))),
        Err(AppError::Invalid(e)) => {
            let fac = r.facility_id.to_string();
            render_placement(&state, page, &auth, &fac, false, Some(id), AdmitForm::default(), e).await
        }
        Err(e) => Err(e),
    }
}

async fn admit(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<AdmitForm>,
) -> AppResult<Response> {
    auth.require(perms::PLACEMENT)?;
    auth.require(perms::ADT)?;
    let r = request_facility(&state, &auth, id).await?;
    if r.restricted {
        return Err(AppError::Forbidden);
    }
    let mut form = form;
    if form.clinician_id.trim().is_empty() && auth.can(hearth_ehr::perms::CHART_WRITE) {
        form.clinician_id = auth.id.to_string();
    }
    let res: AppResult<()> = async {
        let mut tx = state.pool.begin().await?;
        br::admit(&mut tx, &state.pool, &auth.meta, &auth.facility_ids, &page.zone, id, form.clone()).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match res {
        Ok(()) => Ok(web::redirect_flash(&back(&r), "ok", &page.t("inpatient-placement-admitted"))),
        Err(AppError::Invalid(e)) => {
            let fac = r.facility_id.to_string();
            render_placement(&state, page, &auth, &fac, false, Some(id), form, e).await
        }
        Err(e) => Err(e),
    }
}

async fn cancel(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<BedRequestCancelForm>,
) -> AppResult<Response> {
    auth.require(perms::PLACEMENT)?;
    let r = request_facility(&state, &auth, id).await?;
    let res: AppResult<()> = async {
        let reason = form.validate()?;
        let mut tx = state.pool.begin().await?;
        br::cancel(&mut tx, &auth.meta, &auth.facility_ids, id, &reason).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match res {
        Ok(()) => Ok(web::redirect_flash(&back(&r), "ok", &page.t("inpatient-placement-cancelled"))),
        Err(AppError::Invalid(e)) => {
            let fac = r.facility_id.to_string();
            render_placement(&state, page, &auth, &fac, false, Some(id), AdmitForm::default(), e).await
        }
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// The chart's "Request a bed"
// ---------------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "inpatient/bed_request.html")]
struct RequestPage {
    page: Page,
    b: Banner,
    form: BedRequestForm,
    errors: FieldErrors,
    facilities: Vec<(String, String)>,
    sources: Vec<(String, String)>,
    ward_kinds: Vec<(String, String)>,
    urgencies: Vec<(String, String)>,
    precautions: Vec<(String, String)>,
    requests: Vec<BedRequest>,
    css: &'static str,
}

async fn render_request(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: BedRequestForm,
    errors: FieldErrors,
) -> AppResult<Response> {
    let facilities: Vec<(Uuid, String)> =
        sqlx::query_as("SELECT id, code || ' — ' || name FROM facilities WHERE id = ANY($1) AND active ORDER BY code")
            .bind(&auth.facility_ids)
            .fetch_all(&state.pool)
            .await?;
    let requests = br::of_patient(&state.pool, b.id).await?;
    audit_view(state, auth, b.id).await?;
    let choose = page.t("inpatient-choose");
    let mut kinds = vec![(String::new(), page.t("inpatient-request-any-ward"))];
    kinds.extend(options(&page, "ward_kind", &WARD_KINDS));
    let title = page.t("inpatient-request-heading");
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let t = RequestPage {
        sources: std::iter::once((String::new(), choose)).chain(options(&page, "source", &SOURCES)).collect(),
        ward_kinds: kinds,
        urgencies: options(&page, "urgency", &br::URGENCIES),
        precautions: options(&page, "precaution", &PRECAUTIONS),
        facilities: facilities.into_iter().map(|(id, n)| (id.to_string(), n)).collect(),
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("inpatient-chart-heading"), b.href("inpatient"))
            .crumb(title, format!("{}/bed-request", b.href("inpatient"))),
        b,
        form,
        errors,
        requests,
        css: "/static/css/inpatient.css",
    };
    web::render_status(status, &t)
}

async fn request_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(perms::BED_REQUEST)?;
    let b = patient.banner("inpatient");
    let form = BedRequestForm { urgency: "routine".into(), isolation: "none".into(), ..Default::default() };
    render_request(&state, page, &auth, b, form, FieldErrors::default()).await
}

async fn create_request(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<BedRequestForm>,
) -> AppResult<Response> {
    auth.require(perms::BED_REQUEST)?;
    let b = patient.banner("inpatient");
    let res: AppResult<()> = async {
        let v = form.validate(b.id, &auth.facility_ids)?;
        let mut tx = state.pool.begin().await?;
        br::request(&mut tx, &auth.meta, &v).await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    match res {
        Ok(()) => Ok(web::redirect_flash(&b.href("inpatient"), "ok", &page.t("inpatient-request-created"))),
        Err(AppError::Invalid(e)) => render_request(&state, page, &auth, b, form, e).await,
        Err(e) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// API
// ---------------------------------------------------------------------------------------------

#[derive(Serialize, utoipa::ToSchema)]
pub struct InpatientBedRequestCreated {
    id: Uuid,
}

/// The open bed requests of a facility, most urgent first (patients masked for restricted
/// records the caller may not open).
#[utoipa::path(get, path = "/api/v1/inpatient/bed-requests", params(FacilityQuery),
    responses((status = 200, body = [BedRequest])), security(("bearer" = [])), tag = "inpatient")]
pub(crate) async fn api_queue(
    State(state): State<AppState>,
    auth: Auth,
    Query(q): Query<FacilityQuery>,
) -> AppResult<Json<Vec<BedRequest>>> {
    auth.require(perms::PLACEMENT)?;
    let (facility, _) = chosen_facility(&state, &auth, q.facility()).await?;
    let rows = queue_rows(&state, &auth, facility).await?;
    Ok(Json(rows.into_iter().map(|r| r.r).collect()))
}

/// The free beds that fit a request (ward, gender policy, isolation, equipment).
#[utoipa::path(get, path = "/api/v1/inpatient/bed-requests/{req}/candidates", params(("req" = Uuid, Path)),
    responses((status = 200, body = [CandidateBed])), security(("bearer" = [])), tag = "inpatient")]
pub(crate) async fn api_candidates(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Json<Vec<CandidateBed>>> {
    auth.require(perms::PLACEMENT)?;
    request_facility(&state, &auth, id).await?;
    Ok(Json(br::candidates(&state.pool, id).await?))
}

/// Assigns (holds) a bed for the request; a bed taken or held concurrently answers 409.
#[utoipa::path(post, path = "/api/v1/inpatient/bed-requests/{req}/assign", params(("req" = Uuid, Path)),
    request_body = BedAssignForm, responses((status = 204)), security(("bearer" = [])), tag = "inpatient")]
pub(crate) async fn api_assign(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<BedAssignForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PLACEMENT)?;
    let (bed, hours) = f.validate()?;
    let mut tx = state.pool.begin().await?;
    br::assign(&mut tx, &auth.meta, &auth.facility_ids, id, bed, hours).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Admits the patient from an assigned request into its bed (the admission's own rules apply;
/// `bed_id` and `source` come from the request).
#[utoipa::path(post, path = "/api/v1/inpatient/bed-requests/{req}/admit", params(("req" = Uuid, Path)),
    request_body = AdmitForm, responses((status = 201, body = InpatientBedRequestCreated)), security(("bearer" = [])),
    tag = "inpatient")]
pub(crate) async fn api_admit(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(mut f): Json<AdmitForm>,
) -> AppResult<(StatusCode, Json<InpatientBedRequestCreated>)> {
    auth.require(perms::PLACEMENT)?;
    auth.require(perms::ADT)?;
    let r = request_facility(&state, &auth, id).await?;
    if r.restricted {
        return Err(AppError::Forbidden);
    }
    if f.clinician_id.trim().is_empty() && auth.can(hearth_ehr::perms::CHART_WRITE) {
        f.clinician_id = auth.id.to_string();
    }
    let mut tx = state.pool.begin().await?;
    let adm = br::admit(&mut tx, &state.pool, &auth.meta, &auth.facility_ids, &Zone::utc(), id, f).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InpatientBedRequestCreated { id: adm })))
}

/// Cancels an open request with a reason (its hold ends).
#[utoipa::path(post, path = "/api/v1/inpatient/bed-requests/{req}/cancel", params(("req" = Uuid, Path)),
    request_body = BedRequestCancelForm, responses((status = 204)), security(("bearer" = [])), tag = "inpatient")]
pub(crate) async fn api_cancel(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<Uuid>,
    Json(f): Json<BedRequestCancelForm>,
) -> AppResult<StatusCode> {
    auth.require(perms::PLACEMENT)?;
    let reason = f.validate()?;
    let mut tx = state.pool.begin().await?;
    br::cancel(&mut tx, &auth.meta, &auth.facility_ids, id, &reason).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The patient's bed requests, newest first.
#[utoipa::path(get, path = "/api/v1/patients/{id}/inpatient/bed-requests", params(("id" = Uuid, Path)),
    responses((status = 200, body = [BedRequest])), security(("bearer" = [])), tag = "inpatient")]
pub(crate) async fn api_patient_requests(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Json<Vec<BedRequest>>> {
    auth.require(perms::READ)?;
    let rows = br::of_patient(&state.pool, patient.id).await?;
    audit_view(&state, &auth, patient.id).await?;
    Ok(Json(rows))
}

/// Requests a bed for the patient; a second open request answers 409.
#[utoipa::path(post, path = "/api/v1/patients/{id}/inpatient/bed-requests", params(("id" = Uuid, Path)),
    request_body = BedRequestForm, responses((status = 201, body = InpatientBedRequestCreated)),
    security(("bearer" = [])), tag = "inpatient")]
pub(crate) async fn api_create(
    State(state): State<AppState>,
    auth: Auth,
    patient: ChartPatient,
    Json(f): Json<BedRequestForm>,
) -> AppResult<(StatusCode, Json<InpatientBedRequestCreated>)> {
    auth.require(perms::BED_REQUEST)?;
    let v = f.validate(patient.id, &auth.facility_ids)?;
    let mut tx = state.pool.begin().await?;
    let id = br::request(&mut tx, &auth.meta, &v).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(InpatientBedRequestCreated { id })))
}
