//! The clinician's inbox (`/inbox`): released results of their orders to sign off (or of the
//! colleagues they cover for), verbal and telephone orders to countersign, and the "away until,
//! covered by" setting; and the two start-page panels that list the same.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::{Away, AwayForm, CountersignItem, InboxItem, SignOffForm};
use crate::{perms, repo};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::paging::{PageParams, PageRequest, Pager, TimeId};
use hearth_core::web::time::Zone;
use hearth_core::web::{self, FieldErrors, Page, Path};

/// How long one may be marked away at most.
pub const MAX_AWAY_DAYS: i64 = 90;

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxFilter {
    /// `open` (default: waiting for sign-off) or `done` (signed off).
    pub state: Option<String>,
}

impl InboxFilter {
    pub fn done(&self) -> AppResult<bool> {
        match self.state.as_deref().unwrap_or("") {
            "" | "open" => Ok(false),
            "done" => Ok(true),
            _ => Err(AppError::BadRequest("state is open or done".into())),
        }
    }
}

#[derive(Template)]
#[template(path = "orders/inbox.html")]
struct InboxPage {
    page: Page,
    done: bool,
    results: Vec<InboxItem>,
    pager: Pager,
    countersign: Vec<CountersignItem>,
    countersign_total: i64,
    can_results: bool,
    can_countersign: bool,
    away: Option<Away>,
    colleagues: Vec<(String, String)>,
    form: AwayForm,
    errors: FieldErrors,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    done: bool,
    req: &PageRequest<TimeId>,
    form: AwayForm,
    errors: FieldErrors,
    status: axum::http::StatusCode,
) -> AppResult<Response> {
    let can_results = auth.can(perms::RESULTS_SIGNOFF);
    let can_countersign = auth.can(perms::SIGN);
    if !can_results && !can_countersign {
        return Err(AppError::Forbidden);
    }
    let viewer = hearth_patients::access::viewer(auth);
    let (results, pager) = if can_results {
        let p = repo::inbox(&state.pool, viewer, done, req).await?;
        let pager = Pager::new("/inbox", &[("state", if done { "done" } else { "" })], &p, req.is_later())
            .labels("Older results", "Newest");
        (p.items, pager)
    } else {
        (Vec::new(), Pager::default())
    };
    if !results.is_empty() {
        audit_inbox(state, auth, &results).await?;
    }
    let (countersign, countersign_total) =
        if can_countersign { repo::to_countersign(&state.pool, viewer, 100).await? } else { (Vec::new(), 0) };
    let away = if can_results { repo::away(&state.pool, auth.id).await? } else { None };
    let colleagues = if can_results {
        std::iter::once((String::new(), page.t("forms-choose")))
            .chain(
                repo::colleagues_with(&state.pool, perms::RESULTS_SIGNOFF.code(), &auth.facility_ids, auth.id)
                    .await?
                    .into_iter()
                    .map(|(id, n)| (id.to_string(), n)),
            )
            .collect()
    } else {
        Vec::new()
    };
    let t = InboxPage {
        page: page.clone().titled(page.t("orders-inbox-heading")).crumb(page.t("orders-inbox-heading"), "/inbox"),
        done,
        results,
        pager,
        countersign,
        countersign_total,
        can_results,
        can_countersign,
        away,
        colleagues,
        form,
        errors,
    };
    web::render_status(status, &t)
}

/// Reading the inbox reads patients' results: one audit event naming the results shown.
pub(crate) async fn audit_inbox(state: &AppState, auth: &Auth, items: &[InboxItem]) -> AppResult<()> {
    let ids: Vec<Uuid> = items.iter().map(|r| r.id).collect();
    hearth_core::platform::audit::record_now(
        &state.pool,
        &auth.meta,
        hearth_core::platform::audit::Event::new("orders.inbox.view", "user", auth.id)
            .changes(serde_json::json!({"results": ids})),
    )
    .await?;
    Ok(())
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Query(p): Query<PageParams>,
    Query(f): Query<InboxFilter>,
) -> AppResult<Response> {
    let done = f.done()?;
    let req: PageRequest<TimeId> = PageRequest::new(&p, 50, 200)?;
    render(&state, page, &auth, done, &req, AwayForm::default(), FieldErrors::default(), axum::http::StatusCode::OK)
        .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignOffPageForm {
    pub note: String,
    pub next: String,
}

pub async fn sign_off(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(f): Form<SignOffPageForm>,
) -> AppResult<Response> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    let next = web::safe_next(Some(&f.next).filter(|n| !n.is_empty()).map(|s| s.as_str()).or(Some("/inbox")));
    let note = match (SignOffForm { note: f.note }).validate() {
        Ok(n) => n,
        Err(e) => return Ok(web::redirect_flash(&next, "error", &e.messages())),
    };
    let mut tx = state.pool.begin().await?;
    repo::sign_off(&mut tx, &auth.meta, id, auth.id, &note).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&next, "ok", &page.t("orders-signed-off-done")))
}

/// Checks the away form: a time in the future, at most [`MAX_AWAY_DAYS`] ahead, and a colleague.
pub fn read_away(form: &AwayForm, zone: &Zone, now: OffsetDateTime) -> Result<(OffsetDateTime, Uuid), FieldErrors> {
    let mut e = FieldErrors::default();
    let until = zone.read_field(&mut e, "away_until", &form.away_until, Some(&form.away_until_offset));
    if form.away_until.trim().is_empty() {
        e.add("away_until", "Say until when you are away.");
    }
    if let Some(t) = until {
        if t <= now {
            e.add("away_until", "The end of your absence is in the past.");
        } else if t > now + time::Duration::days(MAX_AWAY_DAYS) {
            e.add("away_until", format!("At most {MAX_AWAY_DAYS} days ahead."));
        }
    }
    let cover = crate::model::opt_uuid(&mut e, "covered_by", &form.covered_by);
    if cover.is_none() && e.get("covered_by").is_none() {
        e.add("covered_by", "Choose who covers for you.");
    }
    match (until, cover) {
        (Some(u), Some(c)) if e.is_empty() => Ok((u, c)),
        _ => Err(e),
    }
}

pub async fn set_away(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<AwayForm>,
) -> AppResult<Response> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    let first = PageRequest::first(50);
    let bad = |errors| {
        render(
            &state,
            page.clone(),
            &auth,
            false,
            &first,
            form.clone(),
            errors,
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        )
    };
    let (until, cover) = match read_away(&form, &page.zone, OffsetDateTime::now_utc()) {
        Ok(v) => v,
        Err(e) => return bad(e).await,
    };
    let mut tx = state.pool.begin().await?;
    let moved = match repo::set_away(&mut tx, &auth.meta, auth.id, until, cover).await {
        Ok(n) => n,
        Err(AppError::Invalid(e)) => {
            drop(tx);
            return bad(e).await;
        }
        Err(e) => return Err(e),
    };
    tx.commit().await?;
    let msg = match moved {
        0 => page.t("orders-away-set"),
        n => page.t1("orders-away-set-moved", "count", n as i64),
    };
    Ok(web::redirect_flash("/inbox", "ok", &msg))
}

pub async fn back(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::RESULTS_SIGNOFF)?;
    let mut tx = state.pool.begin().await?;
    repo::clear_away(&mut tx, &auth.meta, auth.id).await?;
    tx.commit().await?;
    Ok(web::redirect_flash("/inbox", "ok", &page.t("orders-away-cleared")))
}

#[derive(Template)]
#[template(path = "orders/_panel_countersign.html")]
struct CountersignPanel<'a> {
    page: &'a Page,
    items: Vec<CountersignItem>,
    total: i64,
}

#[derive(Template)]
#[template(path = "orders/_panel_results.html")]
struct ResultsPanel<'a> {
    page: &'a Page,
    items: Vec<InboxItem>,
    total: i64,
}

/// The start page's "Orders to countersign" (nothing when none wait).
pub async fn countersign_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let (items, total) = repo::to_countersign(&state.pool, hearth_patients::access::viewer(user), 5).await?;
    if total == 0 {
        return Ok(None);
    }
    Ok(Some(CountersignPanel { page, items, total }.render()?))
}

/// The start page's "Results to sign off" (nothing when none wait).
pub async fn results_panel(state: &AppState, page: &Page) -> AppResult<Option<String>> {
    let Some(user) = &page.user else { return Ok(None) };
    let total = repo::inbox_count(&state.pool, user.id).await?;
    if total == 0 {
        return Ok(None);
    }
    let items = repo::inbox(&state.pool, hearth_patients::access::viewer(user), false, &PageRequest::first(5)).await?;
    Ok(Some(ResultsPanel { page, items: items.items, total }.render()?))
}
