//! Browser pages: the front desk's list, a clinician's day, the slot finder, booking from the
//! chart, the weekly templates (admin) and the live outpatient queue.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{
    label_of, parse_date, Appointment, BookForm, DeskRow, QueueRow, ReasonForm, RescheduleForm, Slot, SlotQuery,
    SlotSearch, TemplateForm, TemplateRow, WalkInForm, QUEUE_STATUSES, STATUSES, VISIT_TYPES, WEEKDAYS,
};
use crate::repo::{self, Arrival, DeskFilter};
use crate::{perms, visit};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::paging::{PageRequest, Pager, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::{self, FieldErrors, Page, Path};
use hearth_patients::access::viewer;
use hearth_patients::banner::{Banner, ChartPatient};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/appointments", get(desk))
        .route("/appointments/day", get(day))
        .route("/appointments/slots", get(slots))
        .route("/appointments/book", get(book_by_mrn_form).post(book_by_mrn))
        .route("/appointments/schedules", get(templates).post(create_template))
        .route("/appointments/schedules/{template}", get(edit_template).post(update_template))
        .route("/appointments/queue", get(queue))
        .route("/appointments/queue/rows", get(queue_rows))
        .route("/appointments/queue/call-next", post(call_next))
        .route("/appointments/queue/{entry}/status", post(queue_status))
        .route("/appointments/{appointment}/check-in", post(check_in))
        .route("/appointments/{appointment}/cancel", post(cancel))
        .route("/appointments/{appointment}/reschedule", get(reschedule_form).post(reschedule))
        .route("/patients/{id}/appointments", get(tab).post(book))
        .route("/patients/{id}/appointments/new", get(book_form))
        .route("/patients/{id}/appointments/walk-in", post(walk_in))
}

fn options(first: &str, list: Vec<(Uuid, String)>) -> Vec<(String, String)> {
    std::iter::once((String::new(), first.to_string()))
        .chain(list.into_iter().map(|(i, n)| (i.to_string(), n)))
        .collect()
}

fn code_options(page: &Page, first: &str, list: &[(&'static str, &'static str)], kind: &str) -> Vec<(String, String)> {
    let first = (!first.is_empty()).then(|| (String::new(), first.to_string()));
    first
        .into_iter()
        .chain(list.iter().map(|(c, l)| (c.to_string(), page.t_or(&format!("appointments-{kind}-{c}"), l))))
        .collect()
}

fn opt_uuid(s: &str) -> Option<Uuid> {
    s.trim().parse().ok()
}

fn day_param(s: &str, today: Date) -> AppResult<Date> {
    match s.trim() {
        "" => Ok(today),
        d => parse_date(d).ok_or_else(|| AppError::BadRequest("date: use the form YYYY-MM-DD".into())),
    }
}

// ----- the front desk's list -----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeskQuery {
    date: String,
    clinician_id: String,
    department_id: String,
    status: String,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "appointments/desk.html")]
struct DeskPage {
    page: Page,
    q: DeskQuery,
    day: String,
    rows: Vec<DeskRow>,
    clinicians: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    pager: Pager,
    can_book: bool,
    errors: FieldErrors,
}

async fn desk(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<DeskQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let day = day_param(&q.date, page.zone.today())?;
    let (from, to) = page.zone.day_range(day);
    let status = q.status.trim();
    if !status.is_empty() && !STATUSES.iter().any(|(c, _)| *c == status) {
        return Err(AppError::BadRequest("status: not an appointment status".into()));
    }
    let f = DeskFilter {
        from: Some(from),
        to: Some(to),
        clinician: opt_uuid(&q.clinician_id),
        department: opt_uuid(&q.department_id),
        status: (!status.is_empty()).then(|| status.to_string()),
    };
    let req: PageRequest<TimeId> = PageRequest::parse(q.after.as_deref(), None, 50, 50)?;
    let facilities = &auth.facility_ids;
    let (rows, clinicians, departments) = tokio::try_join!(
        repo::desk(&state.pool, viewer(&auth.user), facilities, &f, &req),
        repo::clinicians(&state.pool, facilities),
        repo::departments(&state.pool, facilities)
    )?;
    let day_s = day.to_string();
    let pager = Pager::new(
        "/appointments",
        &[
            ("date", &day_s),
            ("clinician_id", &q.clinician_id),
            ("department_id", &q.department_id),
            ("status", &q.status),
        ],
        &rows,
        req.is_later(),
    );
    audit_list(&state, &auth, "desk").await?;
    let title = page.t("appointments-desk-title");
    let t = DeskPage {
        clinicians: options(&page.t("appointments-any-clinician"), clinicians),
        departments: options(&page.t("appointments-any-department"), departments),
        statuses: code_options(&page, &page.t("appointments-any-status"), &STATUSES, "status"),
        page: page.clone().titled(title.clone()).crumb(title, "/appointments"),
        q,
        day: day_s,
        rows: rows.items,
        pager,
        can_book: auth.can(perms::BOOK),
        errors: FieldErrors::default(),
    };
    web::render(&t)
}

/// Lists naming patients are audited as reads of patient data.
async fn audit_list(state: &AppState, auth: &Auth, what: &str) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("appointments.list.view", "appointments", Uuid::nil()).changes(serde_json::json!({"list": what})),
    )
    .await?;
    Ok(())
}

// ----- a clinician's day (printable) -----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DayQuery {
    date: String,
    clinician_id: String,
}

#[derive(Template)]
#[template(path = "appointments/day.html")]
struct DayPage {
    page: Page,
    q: DayQuery,
    day: String,
    clinician: Option<String>,
    slots: Vec<Slot>,
    rows: Vec<DeskRow>,
    clinicians: Vec<(String, String)>,
    errors: FieldErrors,
}

async fn day(State(state): State<AppState>, page: Page, auth: Auth, Query(q): Query<DayQuery>) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let day = day_param(&q.date, page.zone.today())?;
    let (from, to) = page.zone.day_range(day);
    let facilities = &auth.facility_ids;
    let clinicians = repo::clinicians(&state.pool, facilities).await?;
    let chosen = opt_uuid(&q.clinician_id).filter(|c| clinicians.iter().any(|(i, _)| i == c));
    let (slots, rows) = match chosen {
        None => (Vec::new(), Vec::new()),
        Some(c) => {
            let search = SlotSearch {
                clinician_id: Some(c),
                department_id: None,
                visit_type: None,
                from: day,
                days: 1,
                include_full: true,
                limit: 200,
            };
            let f = DeskFilter { from: Some(from), to: Some(to), clinician: Some(c), ..Default::default() };
            let all = repo::day_slots(&state.pool, facilities, &search, from, to).await?;
            let rows = repo::desk(&state.pool, viewer(&auth.user), facilities, &f, &PageRequest::first(200)).await?;
            audit_list(&state, &auth, "day").await?;
            (all, rows.items)
        }
    };
    let clinician = chosen.and_then(|c| clinicians.iter().find(|(i, _)| *i == c).map(|(_, n)| n.clone()));
    let title = page.t("appointments-day-title");
    let t = DayPage {
        clinicians: options(&page.t("appointments-choose-clinician"), clinicians),
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("appointments-desk-title"), "/appointments")
            .crumb(title, "/appointments/day"),
        q,
        day: day.to_string(),
        clinician,
        slots,
        rows,
        errors: FieldErrors::default(),
    };
    web::render(&t)
}

// ----- the slot finder -----

#[derive(Template)]
#[template(path = "appointments/slots.html")]
struct SlotsPage {
    page: Page,
    q: SlotQuery,
    from: String,
    slots: Vec<Slot>,
    clinicians: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    visit_types: Vec<(String, String)>,
    errors: FieldErrors,
    can_book: bool,
}

fn search_range(zone: &Zone, s: &SlotSearch) -> (OffsetDateTime, OffsetDateTime) {
    let from = zone.day_start(s.from);
    let to = zone.day_start(s.from.saturating_add(Duration::days(s.days)));
    (from, to)
}

async fn slots(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<SlotQuery>,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let facilities = &auth.facility_ids;
    let (found, errors, from) = match q.validate(page.zone.today()) {
        Ok(s) => {
            let (a, b) = search_range(&page.zone, &s);
            (repo::find_slots(&state.pool, facilities, &s, a, b).await?, FieldErrors::default(), s.from.to_string())
        }
        Err(e) => (Vec::new(), e, q.from.clone().unwrap_or_default()),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let (clinicians, departments) =
        tokio::try_join!(repo::clinicians(&state.pool, facilities), repo::departments(&state.pool, facilities))?;
    let title = page.t("appointments-slots-title");
    let t = SlotsPage {
        clinicians: options(&page.t("appointments-any-clinician"), clinicians),
        departments: options(&page.t("appointments-any-department"), departments),
        visit_types: code_options(&page, &page.t("appointments-any-visit-type"), &VISIT_TYPES, "type"),
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("appointments-desk-title"), "/appointments")
            .crumb(title, "/appointments/slots"),
        q,
        from,
        slots: found,
        errors,
        can_book: auth.can(perms::BOOK),
    };
    web::render_status(status, &t)
}

// ----- booking a slot from the schedule: choose the patient by MRN -----

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MrnForm {
    slot: String,
    mrn: String,
}

#[derive(Template)]
#[template(path = "appointments/book_mrn.html")]
struct MrnPage {
    page: Page,
    slot: Slot,
    form: MrnForm,
    errors: FieldErrors,
}

async fn mrn_page(
    state: &AppState,
    page: Page,
    auth: &Auth,
    form: MrnForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let id = opt_uuid(&form.slot).ok_or(AppError::NotFound)?;
    let slot = repo::slot(&state.pool, id, &auth.facility_ids).await?.ok_or(AppError::NotFound)?;
    let title = page.t("appointments-book-title");
    let t = MrnPage {
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("appointments-slots-title"), "/appointments/slots")
            .crumb(title, "/appointments/book"),
        slot,
        form,
        errors,
    };
    web::render_status(status, &t)
}

async fn book_by_mrn_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(form): Query<MrnForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    mrn_page(&state, page, &auth, form, FieldErrors::default(), StatusCode::OK).await
}

/// Finds the patient by MRN and continues on the patient's booking page (where the
/// restricted-record guard applies), with the slot chosen.
async fn book_by_mrn(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<MrnForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let mrn = form.mrn.trim();
    let found = if mrn.is_empty() || mrn.len() > 40 { None } else { repo::patient_by_mrn(&state.pool, mrn).await? };
    match found {
        Some(pid) => Ok(web::redirect_flash(
            &format!("/patients/{pid}/appointments/new?slot={}", form.slot.trim()),
            "info",
            &page.t("appointments-confirm-booking"),
        )),
        None => {
            let e = FieldErrors::one("mrn", page.t("appointments-mrn-unknown"));
            mrn_page(&state, page, &auth, form, e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

// ----- the patient's appointments (chart tab) and booking -----

#[derive(Template)]
#[template(path = "appointments/tab.html")]
struct TabPage {
    page: Page,
    b: Banner,
    upcoming: Vec<Appointment>,
    past: Vec<Appointment>,
    can_book: bool,
    bookable: bool,
}

impl TabPage {
    /// (upcoming?, rows): the two lists of the tab.
    fn sections(&self) -> [(bool, &Vec<Appointment>); 2] {
        [(true, &self.upcoming), (false, &self.past)]
    }

    /// The name of a list's scrolling table region (its heading's text: two regions, two names).
    fn rows_label(&self, live: &bool) -> String {
        self.page.t(if *live { "appointments-upcoming" } else { "appointments-past" })
    }
}

fn bookable(b: &Banner) -> bool {
    b.active && b.deceased_at.is_none() && b.merged_into.is_none()
}

async fn audit_patient(state: &AppState, auth: &Auth, patient: Uuid) -> AppResult<()> {
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", patient)
            .patient(patient)
            .changes(serde_json::json!({"section": "appointments"})),
    )
    .await?;
    Ok(())
}

async fn tab(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let b = patient.banner("appointments");
    let all = repo::for_patient(&state.pool, b.id).await?;
    audit_patient(&state, &auth, b.id).await?;
    let now = OffsetDateTime::now_utc();
    let (mut upcoming, past): (Vec<_>, Vec<_>) =
        all.into_iter().partition(|a| a.ends_at >= now && matches!(a.status.as_str(), "booked" | "arrived"));
    upcoming.reverse();
    let title = page.t1("appointments-tab-title", "name", &b.name);
    let t = TabPage {
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("appointments-tab"), b.href("appointments")),
        bookable: bookable(&b),
        b,
        upcoming,
        past,
        can_book: auth.can(perms::BOOK),
    };
    web::render(&t)
}

#[derive(Template)]
#[template(path = "appointments/book.html")]
struct BookPage {
    page: Page,
    b: Banner,
    q: SlotQuery,
    from: String,
    slots: Vec<Slot>,
    chosen: Option<Slot>,
    form: BookForm,
    errors: FieldErrors,
    clinicians: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    visit_types: Vec<(String, String)>,
    visit_types_any: Vec<(String, String)>,
    can_overbook: bool,
    bookable: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BookQuery {
    slot: Option<String>,
    #[serde(flatten)]
    q: SlotQuery,
}

#[expect(clippy::too_many_arguments, reason = "a page render needs the request context, the page and the form state")]
async fn render_book(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    q: SlotQuery,
    chosen: Option<Uuid>,
    form: BookForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let facilities = &auth.facility_ids;
    let (slots, from, search_errors) = match q.validate(page.zone.today()) {
        Ok(s) => {
            let (a, z) = search_range(&page.zone, &s);
            (repo::find_slots(&state.pool, facilities, &s, a, z).await?, s.from.to_string(), None)
        }
        Err(e) => (Vec::new(), q.from.clone().unwrap_or_default(), Some(e)),
    };
    let chosen = match chosen {
        Some(id) => repo::slot(&state.pool, id, facilities).await?,
        None => None,
    };
    let (clinicians, departments) =
        tokio::try_join!(repo::clinicians(&state.pool, facilities), repo::departments(&state.pool, facilities))?;
    let mut errors = errors;
    if let Some(e) = search_errors {
        errors.0.extend(e.0);
    }
    let title = page.t1("appointments-book-patient-title", "name", &b.name);
    let t = BookPage {
        clinicians: options(&page.t("appointments-any-clinician"), clinicians),
        departments: options(&page.t("appointments-any-department"), departments),
        visit_types: code_options(&page, "", &VISIT_TYPES, "type"),
        visit_types_any: code_options(&page, &page.t("appointments-any-visit-type"), &VISIT_TYPES, "type"),
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(page.t("appointments-tab"), b.href("appointments"))
            .crumb(page.t("appointments-book-title"), b.href("appointments/new")),
        bookable: bookable(&b),
        b,
        q,
        from,
        slots,
        chosen,
        form,
        errors,
        can_overbook: auth.can(perms::OVERBOOK),
    };
    web::render_status(status, &t)
}

async fn book_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Query(bq): Query<BookQuery>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let b = patient.banner("appointments");
    audit_patient(&state, &auth, b.id).await?;
    let chosen = bq.slot.as_deref().and_then(opt_uuid);
    let form = BookForm {
        slot_id: chosen.map(|c| c.to_string()).unwrap_or_default(),
        visit_type: bq.q.visit_type.clone().unwrap_or_default(),
        ..Default::default()
    };
    render_book(&state, page, &auth, b, bq.q, chosen, form, FieldErrors::default(), StatusCode::OK).await
}

async fn book(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<BookForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let b = patient.banner("appointments");
    let chosen = opt_uuid(&form.slot_id);
    let q = SlotQuery::default();
    let valid = match form.validate() {
        Ok(v) => v,
        Err(e) => {
            return render_book(&state, page, &auth, b, q, chosen, form, e, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    };
    let mut tx = state.pool.begin().await?;
    match repo::book(&mut tx, &auth.meta, b.id, &valid, &auth.facility_ids, auth.can(perms::OVERBOOK)).await {
        Ok(_) => {}
        Err(AppError::Invalid(e)) => {
            drop(tx);
            return render_book(&state, page, &auth, b, q, chosen, form, e, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("appointments"), "ok", &page.t("appointments-booked")))
}

/// A walk-in: the patient joins today's queue without a booking.
async fn walk_in(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<WalkInForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let b = patient.banner("appointments");
    let (_, token) = start_walk_in(&state, &auth, b.id, &form).await?;
    Ok(web::redirect_flash("/appointments/queue", "ok", &page.t1("appointments-walked-in", "token", token)))
}

/// Checks and starts a walk-in (pages and API).
pub(crate) async fn start_walk_in(
    state: &AppState,
    auth: &Auth,
    patient: Uuid,
    form: &WalkInForm,
) -> AppResult<(Uuid, String)> {
    let mut e = FieldErrors::default();
    let department = opt_uuid(&form.department_id);
    if department.is_none() {
        e.add("department_id", "Choose the department the patient is visiting.");
    }
    let clinician = match form.clinician_id.trim() {
        "" => None,
        c => match c.parse::<Uuid>() {
            Ok(c) => Some(c),
            Err(_) => {
                e.add("clinician_id", "Choose one from the list.");
                None
            }
        },
    };
    let visit_type = match form.visit_type.trim() {
        "" => "new".to_string(),
        v if VISIT_TYPES.iter().any(|(c, _)| *c == v) => v.to_string(),
        _ => {
            e.add("visit_type", "Choose the visit type.");
            String::new()
        }
    };
    let Some(department) = department.filter(|_| e.is_empty()) else { return Err(e.into()) };
    let mut tx = state.pool.begin().await?;
    let Some(facility) = repo::department_facility(&mut tx, department, &auth.facility_ids).await? else {
        return Err(FieldErrors::one("department_id", "Choose an open department of your facilities.").into());
    };
    let mut a = Arrival {
        patient,
        appointment: None,
        facility,
        clinician,
        department: Some(department),
        visit_type,
        encounter: None,
    };
    // The patient row is checked (and share-locked) before the encounter starts.
    repo::check_bookable(&mut tx, patient).await?;
    a.encounter = visit::start(state, &mut tx, &auth.meta, &a).await?;
    let out = repo::arrive(&mut tx, &auth.meta, &a).await?;
    tx.commit().await?;
    Ok(out)
}

/// Checks an appointment in (pages and API): arrival, encounter, queue token, fee.
pub(crate) async fn do_check_in(state: &AppState, auth: &Auth, id: Uuid) -> AppResult<(Uuid, String)> {
    let mut tx = state.pool.begin().await?;
    let mut a = repo::check_in(&mut tx, &auth.meta, id, &auth.facility_ids).await?;
    a.encounter = visit::start(state, &mut tx, &auth.meta, &a).await?;
    let out = repo::arrive(&mut tx, &auth.meta, &a).await?;
    tx.commit().await?;
    Ok(out)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BackForm {
    /// Where to go back to (a path of this module or the patient's tab); anything else: the list.
    back: String,
    reason: String,
}

fn back_to(back: &str) -> String {
    let b = back.trim();
    if (b.starts_with("/appointments") || b.starts_with("/patients/")) && !b.contains("//") && !b.contains('\\') {
        b.to_string()
    } else {
        "/appointments".to_string()
    }
}

async fn check_in(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<BackForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let (_, token) = do_check_in(&state, &auth, id).await?;
    Ok(web::redirect_flash(&back_to(&f.back), "ok", &page.t1("appointments-checked-in", "token", token)))
}

async fn cancel(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<BackForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let back = back_to(&f.back);
    let reason = match (ReasonForm { reason: f.reason }).validate() {
        Ok(r) => r,
        Err(e) => return Ok(web::redirect_flash(&back, "error", e.get("reason").unwrap_or_default())),
    };
    let mut tx = state.pool.begin().await?;
    repo::cancel(&mut tx, &auth.meta, id, &reason, &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&back, "ok", &page.t("appointments-cancelled")))
}

#[derive(Template)]
#[template(path = "appointments/reschedule.html")]
struct ReschedulePage {
    page: Page,
    a: Appointment,
    slots: Vec<Slot>,
}

async fn reschedule_form(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Query(q): Query<SlotQuery>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let a = repo::appointment(&state.pool, id, &auth.facility_ids).await?.ok_or(AppError::NotFound)?;
    let mut s = q.validate(page.zone.today())?;
    s.visit_type = Some(a.visit_type.clone());
    if s.clinician_id.is_none() {
        s.clinician_id = a.clinician_id;
    }
    let (from, to) = search_range(&page.zone, &s);
    let slots = repo::find_slots(&state.pool, &auth.facility_ids, &s, from, to).await?;
    let title = page.t("appointments-reschedule-title");
    let t = ReschedulePage {
        page: page
            .clone()
            .titled(title.clone())
            .crumb(page.t("appointments-desk-title"), "/appointments")
            .crumb(title, format!("/appointments/{id}/reschedule")),
        a,
        slots,
    };
    web::render(&t)
}

async fn reschedule(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<RescheduleForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let Some(slot) = opt_uuid(&f.slot_id) else { return Err(AppError::field("slot_id", "Choose a slot.")) };
    let mut tx = state.pool.begin().await?;
    let patient = repo::reschedule(&mut tx, &auth.meta, id, slot, &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{patient}/appointments"), "ok", &page.t("appointments-rescheduled")))
}

// ----- weekly templates (admin) -----

#[derive(Template)]
#[template(path = "appointments/templates.html")]
struct TemplatesPage {
    page: Page,
    rows: Vec<TemplateRow>,
    form: TemplateForm,
    errors: FieldErrors,
    editing: Option<Uuid>,
    clinicians: Vec<(String, String)>,
    departments: Vec<(String, String)>,
    weekdays: Vec<(String, String)>,
}

async fn render_templates(
    state: &AppState,
    page: Page,
    auth: &Auth,
    form: TemplateForm,
    errors: FieldErrors,
    editing: Option<Uuid>,
    status: StatusCode,
) -> AppResult<Response> {
    let facilities = &auth.facility_ids;
    let (rows, clinicians, departments) = tokio::try_join!(
        repo::templates(&state.pool, facilities),
        repo::clinicians(&state.pool, facilities),
        repo::departments(&state.pool, facilities)
    )?;
    let title = page.t("appointments-templates-title");
    let t = TemplatesPage {
        clinicians: options(&page.t("appointments-choose-clinician"), clinicians),
        departments: options(&page.t("appointments-choose-department"), departments),
        weekdays: code_options(&page, "", &WEEKDAYS, "weekday"),
        page: page.clone().titled(title.clone()).crumb(title, "/appointments/schedules"),
        rows,
        form,
        errors,
        editing,
    };
    web::render_status(status, &t)
}

async fn templates(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::SCHEDULE)?;
    let today = page.zone.today();
    let form = TemplateForm {
        weekday: "1".into(),
        start_time: "09:00".into(),
        end_time: "12:00".into(),
        slot_minutes: "15".into(),
        capacity: "1".into(),
        vt_new: Some("on".into()),
        vt_follow_up: Some("on".into()),
        effective_from: today.to_string(),
        active: Some("on".into()),
        ..Default::default()
    };
    render_templates(&state, page, &auth, form, FieldErrors::default(), None, StatusCode::OK).await
}

async fn save(state: &AppState, page: Page, auth: &Auth, id: Option<Uuid>, form: TemplateForm) -> AppResult<Response> {
    let v = match form.validate() {
        Ok(v) => v,
        Err(e) => return render_templates(state, page, auth, form, e, id, StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let mut tx = state.pool.begin().await?;
    match repo::save_template(&mut tx, &auth.meta, id, &v, &auth.facility_ids).await {
        Ok(_) => {}
        Err(AppError::Invalid(e)) => {
            drop(tx);
            return render_templates(state, page, auth, form, e, id, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e),
    }
    tx.commit().await?;
    Ok(web::redirect_flash("/appointments/schedules", "ok", &page.t("appointments-template-saved")))
}

async fn create_template(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<TemplateForm>,
) -> AppResult<Response> {
    auth.require(perms::SCHEDULE)?;
    save(&state, page, &auth, None, form).await
}

async fn edit_template(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    auth.require(perms::SCHEDULE)?;
    let row = repo::template(&state.pool, id, &auth.facility_ids).await?.ok_or(AppError::NotFound)?;
    render_templates(&state, page, &auth, row.as_form(), FieldErrors::default(), Some(id), StatusCode::OK).await
}

async fn update_template(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<TemplateForm>,
) -> AppResult<Response> {
    auth.require(perms::SCHEDULE)?;
    save(&state, page, &auth, Some(id), form).await
}

// ----- the outpatient queue (live) -----

#[derive(Template)]
#[template(path = "appointments/queue.html")]
struct QueuePage {
    page: Page,
    v: QueueView,
}

#[derive(Template)]
#[template(path = "appointments/_queue_rows.html")]
struct QueueRows {
    page: Page,
    v: QueueView,
}

struct QueueView {
    rows: Vec<QueueRow>,
    can_queue: bool,
}

impl QueueView {
    fn waiting(&self) -> usize {
        self.rows.iter().filter(|r| r.q.status == "waiting").count()
    }
}

async fn queue_view(state: &AppState, auth: &Auth) -> AppResult<QueueView> {
    let rows = repo::queue_rows(&state.pool, viewer(&auth.user), &auth.facility_ids).await?;
    audit_list(state, auth, "queue").await?;
    Ok(QueueView { rows, can_queue: auth.can(perms::QUEUE) })
}

async fn queue(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let v = queue_view(&state, &auth).await?;
    let title = page.t("appointments-queue-title");
    web::render(&QueuePage { page: page.clone().titled(title.clone()).crumb(title, "/appointments/queue"), v })
}

/// The queue's rows alone: the page re-fetches them on each `appointments.queue` event.
async fn queue_rows(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let v = queue_view(&state, &auth).await?;
    Ok(web::render(&QueueRows { page, v })?.into_response())
}

async fn call_next(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::QUEUE)?;
    let mut tx = state.pool.begin().await?;
    let e = repo::call_next(&mut tx, &auth.meta, &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(match e {
        Some(e) => web::redirect_flash("/appointments/queue", "ok", &page.t1("appointments-called", "token", e.token)),
        None => web::redirect_flash("/appointments/queue", "info", &page.t("appointments-nobody-waiting")),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusForm {
    to: String,
}

async fn queue_status(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    auth.require(perms::QUEUE)?;
    let mut tx = state.pool.begin().await?;
    let e = repo::set_queue_status(&mut tx, &auth.meta, id, f.to.trim(), &auth.facility_ids).await?;
    tx.commit().await?;
    if e.status == "in_consultation" {
        // Into the chart, where the encounter is.
        return Ok(web::redirect_flash(
            &format!("/patients/{}/chart", e.patient_id),
            "ok",
            &page.t1("appointments-consultation-started", "token", e.token),
        ));
    }
    let what = label_of(&QUEUE_STATUSES, &e.status);
    Ok(web::redirect_flash(
        "/appointments/queue",
        "ok",
        &format!("{} · {}", e.token, page.t_or(&format!("appointments-queue-status-{}", e.status), what)),
    ))
}
