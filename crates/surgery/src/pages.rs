//! The surgery module's pages: the theatre board (live; a big-screen mode without names), the
//! theatres and today's lists, a case (readiness, the WHO checklist, stages, counts, recovery,
//! cancellation), and the chart's Surgery tab (the patient's cases and the booking form).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::api::{detail, load_case, read_rebook, read_stage};
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
    Routes::new()
        .route("/surgery", get(board))
        .route("/surgery/board/rows", get(board_rows))
        .route("/surgery/theatres", get(theatres))
        .route("/surgery/cases/{id}", get(case_page))
        .route("/surgery/cases/{id}/readiness", post(readiness))
        .route("/surgery/cases/{id}/checklist", post(confirm))
        .route("/surgery/cases/{id}/stage", post(stage))
        .route("/surgery/cases/{id}/counts", post(count))
        .route("/surgery/cases/{id}/counts/{count}/resolve", post(resolve))
        .route("/surgery/cases/{id}/count-unresolved", post(unresolved))
        .route("/surgery/cases/{id}/aldrete", post(aldrete))
        .route("/surgery/cases/{id}/cancel", post(cancel))
        .route("/surgery/cases/{id}/rebook", post(rebook))
        .route("/patients/{id}/surgery", get(chart).post(book))
}

fn back(to: &str, r: AppResult<String>) -> AppResult<Response> {
    Ok(match r {
        Ok(msg) => web::redirect_flash(to, "ok", &msg),
        Err(AppError::Invalid(e)) => web::redirect_flash(to, "error", &e.messages()),
        Err(AppError::Conflict(m)) => web::redirect_flash(to, "error", &m),
        Err(AppError::Constraint(c)) => web::redirect_flash(to, "error", &c.message),
        Err(e) => return Err(e),
    })
}

fn key(prefix: &str, v: &str) -> String {
    format!("surgery-{prefix}-{}", v.replace('_', "-"))
}

fn options(page: &Page, prefix: &str, values: &[&str]) -> Vec<(String, String)> {
    values.iter().map(|v| (v.to_string(), page.t(&key(prefix, v)))).collect()
}

/// One row of the board.
pub struct BoardRow {
    pub id: Uuid,
    pub theatre: String,
    pub case_no: i64,
    pub who: String,
    pub procedure: String,
    pub side: String,
    pub stage: String,
    pub planned: OffsetDateTime,
    pub delay: i64,
    pub priority: String,
    pub non_compliant: bool,
    pub cancelled: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BoardQuery {
    screen: Option<String>,
}

impl BoardQuery {
    fn screen(&self) -> bool {
        self.screen.as_deref().is_some_and(|s| s == "1")
    }
}

async fn board_data(state: &AppState, page: &Page, auth: &Auth, screen: bool) -> AppResult<Vec<BoardRow>> {
    auth.require(perms::READ)?;
    let (from, to) = page.zone.day_range(page.zone.today());
    let cases = repo::cases_between(&state.pool, &auth.user.facility_ids, from, to).await?;
    if !screen {
        audit::record_now(
            &state.pool,
            &auth.meta,
            Event::new("surgery.board.view", "surgery_board", Uuid::nil())
                .changes(serde_json::json!({"cases": cases.len()})),
        )
        .await?;
    }
    let now = OffsetDateTime::now_utc();
    Ok(cases
        .into_iter()
        .map(|c| BoardRow {
            id: c.id,
            theatre: c.theatre.clone(),
            case_no: c.case_no,
            who: if screen { c.initials.clone() } else { c.patient.clone() },
            procedure: c.procedure.clone(),
            side: if c.side == "not_applicable" { String::new() } else { page.t(&key("side", &c.side)) },
            stage: page.t(&key("stage", &c.status)),
            planned: c.planned_start,
            delay: if c.status == "scheduled" || c.status == "in_room" { c.delay_minutes(now) } else { 0 },
            priority: page.t(&key("priority", &c.priority)),
            non_compliant: c.non_compliant,
            cancelled: c.status == "cancelled",
        })
        .collect())
}

#[derive(Template)]
#[template(path = "surgery/board.html")]
struct BoardPage {
    page: Page,
    rows: Vec<BoardRow>,
    screen: bool,
}

async fn board(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let screen = q.screen();
    let rows = board_data(&state, &page, &auth, screen).await?;
    let title = page.t("surgery-board-title");
    web::render(&BoardPage { page: page.titled(title), rows, screen })
}

#[derive(Template)]
#[template(path = "surgery/_board_rows.html")]
struct BoardRows {
    page: Page,
    rows: Vec<BoardRow>,
    screen: bool,
}

async fn board_rows(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(q): Query<BoardQuery>,
) -> AppResult<Response> {
    let screen = q.screen();
    let rows = board_data(&state, &page, &auth, screen).await?;
    web::render(&BoardRows { page, rows, screen })
}

#[derive(Template)]
#[template(path = "surgery/theatres.html")]
struct TheatresPage {
    page: Page,
    theatres: Vec<SurgeryTheatre>,
    sessions: Vec<SurgerySession>,
    procedures: Vec<SurgeryProcedure>,
}

async fn theatres(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let (from, to) = page.zone.day_range(page.zone.today());
    let (theatres, sessions, procedures) = tokio::try_join!(
        repo::theatres(&state.pool, &auth.user.facility_ids),
        repo::sessions(&state.pool, &auth.user.facility_ids, from, to),
        repo::procedures(&state.pool)
    )?;
    let title = page.t("surgery-theatres-title");
    let crumb = page.t("surgery-board-title");
    web::render(&TheatresPage {
        page: page.titled(title.clone()).crumb(crumb, "/surgery").crumb(title, "/surgery/theatres"),
        theatres,
        sessions,
        procedures,
    })
}

/// A checklist item as the case page shows it.
pub struct ItemView {
    pub key: String,
    pub label: String,
    pub answers: Vec<(String, String)>,
    pub done: Option<SurgeryConfirmation>,
    pub answer_label: String,
}

/// A readiness row: item key, label, what was recorded, the values to choose from.
type ReadinessRow = (String, String, Option<SurgeryReadinessItem>, Vec<(String, String)>);

pub struct PhaseView {
    pub key: String,
    pub label: String,
    pub complete: bool,
    pub items: Vec<ItemView>,
}

#[derive(Template)]
#[template(path = "surgery/case.html")]
struct CasePage {
    page: Page,
    c: SurgeryCase,
    ready: bool,
    reasons: Vec<String>,
    readiness: Vec<ReadinessRow>,
    phases: Vec<PhaseView>,
    counts: Vec<SurgeryCount>,
    aldrete: Vec<SurgeryAldrete>,
    next_stage: Option<(String, String)>,
    can_perform: bool,
    can_book: bool,
    cancel_reasons: Vec<(String, String)>,
    count_stages: Vec<(String, String)>,
    resolutions: Vec<(String, String)>,
    theatres: Vec<(String, String)>,
    stages: Vec<(String, Option<OffsetDateTime>)>,
    aldrete_fields: Vec<(&'static str, String)>,
}

impl CasePage {
    fn label(&self, prefix: &str, v: &str) -> String {
        self.page.t(&key(prefix, v))
    }
    fn in_theatre(&self) -> bool {
        matches!(self.c.status.as_str(), "in_room" | "anaesthesia" | "incision" | "closure")
    }
}

async fn case_page(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let c = load_case(&state, &auth, id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", c.patient_id)
            .patient(c.patient_id)
            .changes(serde_json::json!({"section": "surgery", "case": c.id})),
    )
    .await?;
    let theatres = repo::theatres(&state.pool, &auth.user.facility_ids).await?;
    let d = detail(&state, c.clone()).await?;
    let readiness = READINESS
        .iter()
        .map(|(k, values)| {
            let done = d.readiness.items.iter().find(|i| i.item == *k).cloned();
            let opts = values
                .iter()
                .map(|v| {
                    let label = if *k == "assessment" { v.replace('E', " E") } else { page.t(&key("value", v)) };
                    (v.to_string(), label)
                })
                .collect();
            (k.to_string(), page.t(&key("ready", k)), done, opts)
        })
        .collect();
    let phases = PHASES
        .iter()
        .map(|p| {
            let items: Vec<ItemView> = CHECKLIST
                .iter()
                .filter(|i| i.phase == *p)
                .map(|i| {
                    let done = d.checklist.iter().find(|k| k.item == i.key).cloned();
                    ItemView {
                        key: i.key.into(),
                        label: page.t(&key("item", i.key)),
                        answers: i.answers.iter().map(|a| (a.to_string(), page.t(&key("answer", a)))).collect(),
                        answer_label: done.as_ref().map(|k| page.t(&key("answer", &k.answer))).unwrap_or_default(),
                        done,
                    }
                })
                .collect();
            PhaseView {
                key: p.to_string(),
                label: page.t(&key("phase", p)),
                complete: items.iter().all(|i| i.done.is_some()),
                items,
            }
        })
        .collect();
    let pos = STAGES.iter().position(|s| *s == c.status);
    let next_stage = pos
        .and_then(|i| STAGES.get(i + 1))
        .filter(|_| c.status != "cancelled")
        .map(|s| (s.to_string(), page.t(&key("stage", s))));
    let stages = STAGES[1..]
        .iter()
        .map(|s| {
            let at = match *s {
                "in_room" => c.in_room_at,
                "anaesthesia" => c.anaesthesia_at,
                "incision" => c.incision_at,
                "closure" => c.closure_at,
                "out_of_room" => c.out_of_room_at,
                "recovery" => c.recovery_at,
                _ => c.discharged_at,
            };
            (page.t(&key("stage", s)), at)
        })
        .collect();
    let title = page.t1("surgery-case-title", "number", c.case_no);
    let crumb = page.t("surgery-board-title");
    web::render(&CasePage {
        page: page
            .clone()
            .titled(title.clone())
            .crumb(crumb, "/surgery")
            .crumb(title, format!("/surgery/cases/{}", c.id)),
        ready: d.readiness.ready,
        reasons: d.readiness.reasons.iter().map(|r| page.t(&key("reason", r))).collect(),
        readiness,
        phases,
        counts: d.counts,
        aldrete: d.aldrete,
        next_stage,
        can_perform: auth.can(perms::PERFORM),
        can_book: auth.can(perms::BOOK),
        cancel_reasons: options(&page, "cancel", CANCEL_REASONS),
        count_stages: options(&page, "count", COUNT_STAGES),
        resolutions: options(&page, "resolution", RESOLUTIONS),
        theatres: theatres.into_iter().map(|t| (t.id.to_string(), format!("{} {}", t.code, t.name))).collect(),
        stages,
        aldrete_fields: ["activity", "respiration", "circulation", "consciousness", "spo2"]
            .into_iter()
            .map(|f| (f, page.t(&key("aldrete", f))))
            .collect(),
        c,
    })
}

fn case_href(id: Uuid) -> String {
    format!("/surgery/cases/{id}")
}

async fn readiness(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryReadinessForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let (item, value) = f.validate()?;
        let mut tx = state.pool.begin().await?;
        repo::record_readiness(&mut tx, &auth.meta, &c, auth.id, &item, &value).await?;
        tx.commit().await?;
        Ok(page.t("surgery-saved"))
    }
    .await;
    back(&case_href(id), r)
}

async fn confirm(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryConfirmForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let mut tx = state.pool.begin().await?;
        repo::confirm(&mut tx, &auth.meta, &c, auth.id, f.item.trim(), f.answer.trim()).await?;
        tx.commit().await?;
        Ok(page.t("surgery-confirmed"))
    }
    .await;
    back(&case_href(id), r)
}

async fn stage(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryStageForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let ch = read_stage(&f, &page.zone)?;
        let mut tx = state.pool.begin().await?;
        repo::set_stage(&mut tx, &auth.meta, &c, auth.id, &ch).await?;
        tx.commit().await?;
        Ok(page.t("surgery-stage-recorded"))
    }
    .await;
    back(&case_href(id), r)
}

async fn count(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryCountForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let v = f.validate()?;
        let mut tx = state.pool.begin().await?;
        let (_, discrepancy) = repo::record_count(&mut tx, &auth.meta, &c, auth.id, &v).await?;
        tx.commit().await?;
        Ok(page.t(if discrepancy { "surgery-count-discrepancy" } else { "surgery-saved" }))
    }
    .await;
    back(&case_href(id), r)
}

async fn resolve(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path((id, count)): Path<(Uuid, Uuid)>,
    Form(f): Form<SurgeryResolveForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let mut tx = state.pool.begin().await?;
        repo::resolve_count(&mut tx, &auth.meta, &c, auth.id, count, f.resolution.trim(), &f.note).await?;
        tx.commit().await?;
        Ok(page.t("surgery-saved"))
    }
    .await;
    back(&case_href(id), r)
}

async fn unresolved(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryUnresolvedForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let mut tx = state.pool.begin().await?;
        repo::count_unresolved(&mut tx, &auth.meta, &c, auth.id, &f.xray_result, &f.reason).await?;
        tx.commit().await?;
        Ok(page.t("surgery-saved"))
    }
    .await;
    back(&case_href(id), r)
}

async fn aldrete(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryAldreteForm>,
) -> AppResult<Response> {
    auth.require(perms::PERFORM)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let s = f.validate()?;
        let mut tx = state.pool.begin().await?;
        let total = repo::record_aldrete(&mut tx, &auth.meta, &c, auth.id, s).await?;
        tx.commit().await?;
        Ok(page.t1("surgery-aldrete-recorded", "total", i64::from(total)))
    }
    .await;
    back(&case_href(id), r)
}

async fn cancel(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryCancelForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let (reason, note) = f.validate()?;
        let mut tx = state.pool.begin().await?;
        repo::cancel(&mut tx, &auth.meta, &c, &reason, &note).await?;
        tx.commit().await?;
        Ok(page.t("surgery-cancelled"))
    }
    .await;
    back(&case_href(id), r)
}

async fn rebook(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SurgeryRebookForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let c = load_case(&state, &auth, id).await?;
    let r = async {
        let (theatre, session, start) = read_rebook(&f, &page.zone)?;
        let mut tx = state.pool.begin().await?;
        let new = repo::rebook(&mut tx, &auth.meta, &c, theatre, session, start, &auth.user.facility_ids).await?;
        tx.commit().await?;
        Ok(new)
    }
    .await;
    match r {
        Ok(new) => Ok(web::redirect_flash(&case_href(new), "ok", &page.t("surgery-rebooked"))),
        Err(e) => back(&case_href(id), Err(e)),
    }
}

#[derive(Template)]
#[template(path = "surgery/chart.html")]
struct ChartPage {
    page: Page,
    b: Banner,
    cases: Vec<SurgeryCase>,
    can_book: bool,
    form: SurgeryCaseForm,
    errors: FieldErrors,
    theatres: Vec<(String, String)>,
    procedures: Vec<(String, String)>,
    doctors: Vec<(String, String)>,
    nurses: Vec<(String, String)>,
    sides: Vec<(String, String)>,
    anaesthesia: Vec<(String, String)>,
    priorities: Vec<(String, String)>,
    admissions: Vec<(String, String)>,
    blood: Vec<(String, String)>,
}

impl ChartPage {
    fn stage(&self, c: &SurgeryCase) -> String {
        self.page.t(&key("stage", &c.status))
    }
}

async fn render_chart(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: SurgeryCaseForm,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    auth.require(perms::READ)?;
    let cases = repo::patient_cases(&state.pool, b.id).await?;
    audit::record_now(
        &state.pool,
        &auth.meta,
        Event::new("chart.view", "patient", b.id).patient(b.id).changes(serde_json::json!({"section": "surgery"})),
    )
    .await?;
    let can_book = auth.can(perms::BOOK);
    let choose = || vec![(String::new(), page.t("surgery-choose"))];
    let (mut theatres, mut procedures, mut doctors, mut nurses) = (choose(), choose(), choose(), choose());
    if can_book {
        let facilities = &auth.user.facility_ids;
        let (t, p, staff) = tokio::try_join!(
            repo::theatres(&state.pool, facilities),
            repo::procedures(&state.pool),
            repo::staff(&state.pool, facilities, perms::PERFORM.code())
        )?;
        let bookers = repo::staff(&state.pool, facilities, perms::BOOK.code()).await?;
        theatres.extend(t.into_iter().map(|t| (t.id.to_string(), format!("{} {}", t.code, t.name))));
        procedures.extend(p.into_iter().map(|p| (p.code, p.name)));
        for (id, name) in staff {
            if bookers.iter().any(|(b, _)| *b == id) {
                doctors.push((id.to_string(), name));
            } else {
                nurses.push((id.to_string(), name));
            }
        }
    }
    let heading = page.t("surgery-chart-heading");
    let title = page.t1("surgery-chart-title", "name", &b.name);
    let t = ChartPage {
        page: page
            .clone()
            .titled(title)
            .crumb(page.t("nav-patients"), "/patients")
            .crumb(b.name.clone(), b.href("chart"))
            .crumb(heading, b.href("surgery")),
        b,
        cases,
        can_book,
        form,
        errors,
        theatres,
        procedures,
        doctors,
        nurses,
        sides: options(&page, "side", SIDES),
        anaesthesia: options(&page, "anaesthesia", ANAESTHESIA),
        priorities: options(&page, "priority", PRIORITIES),
        admissions: options(&page, "admission", ADMISSIONS),
        blood: options(&page, "blood", BLOOD),
    };
    web::render_status(status, &t)
}

async fn chart(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    let b = patient.banner("surgery");
    let form = SurgeryCaseForm {
        anaesthesia: "general".into(),
        priority: "elective".into(),
        admission: "day_case".into(),
        blood: "none".into(),
        side: "not_applicable".into(),
        ..Default::default()
    };
    render_chart(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK).await
}

async fn book(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<SurgeryCaseForm>,
) -> AppResult<Response> {
    auth.require(perms::BOOK)?;
    let b = patient.banner("surgery");
    let v = match form.validate(&page.zone) {
        Ok(v) => v,
        Err(errors) => {
            return render_chart(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
        }
    };
    let mut tx = state.pool.begin().await?;
    match repo::book(&mut tx, &auth.meta, b.id, &v, &auth.user.facility_ids).await {
        Ok((id, _)) => {
            tx.commit().await?;
            Ok(web::redirect_flash(&case_href(id), "ok", &page.t("surgery-booked")))
        }
        Err(AppError::Invalid(errors)) => {
            drop(tx);
            render_chart(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(AppError::Constraint(c)) => {
            drop(tx);
            let errors = FieldErrors::one("planned_start", c.message);
            render_chart(&state, page, &auth, b, form, errors, StatusCode::CONFLICT).await
        }
        Err(e) => Err(e),
    }
}
