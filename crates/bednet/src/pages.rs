//! The coordinator's network board (every facility and bed type, pending requests, holds with
//! time left, the request form) and the bed manager's accept / decline / arrival actions.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use axum::Form;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::model::*;
use crate::{perms, repo, snapshot};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::platform::routes::Routes;
use hearth_core::web::{self, Page, Path};

pub fn routes() -> Routes {
    use axum::routing::{get, post};
    Routes::new()
        .route("/bednet", get(board))
        .route("/bednet/requests", post(create))
        .route("/bednet/requests/{id}/accept", post(accept))
        .route("/bednet/requests/{id}/decline", post(decline))
        .route("/bednet/requests/{id}/arrive", post(arrive))
}

/// A facility row of the board.
pub struct FacilityRow {
    pub f: NetFacility,
    pub c: repo::Counts,
}

/// A request row with what the viewer may do with it.
pub struct RequestRow {
    pub r: BednetRequest,
    pub can_decide: bool,
    /// Free beds to choose from (Hearth facilities), `(id, label)`.
    pub beds: Vec<(Uuid, String)>,
    pub external: bool,
}

#[derive(Template)]
#[template(path = "bednet/board.html")]
struct BoardPage {
    page: Page,
    facilities: Vec<FacilityRow>,
    requests: Vec<RequestRow>,
    can_request: bool,
    stale_minutes: i32,
    bed_types: &'static [&'static str],
    priorities: &'static [&'static str],
}

/// `GET /bednet`: the network board.
async fn board(State(state): State<AppState>, page: Page, auth: Auth) -> AppResult<Response> {
    auth.require(perms::BOARD)?;
    let (stale_minutes, _) = repo::settings(&state.pool).await?;
    let rows = repo::all_counts(&state.pool, stale_minutes).await?;
    let can_accept = auth.can(perms::ACCEPT);
    let mut conn = state.pool.acquire().await?;
    let mut requests = Vec::new();
    for r in repo::open_requests(&state.pool).await? {
        let Some((f, _)) = rows.iter().find(|(f, _)| f.id == r.network_facility_id) else { continue };
        let can_decide = can_accept && repo::manages(&mut conn, f, auth.id, &auth.facility_ids).await?;
        let beds = match f.facility_id {
            Some(fid) if can_decide && r.status == "requested" => {
                hearth_inpatient::repo::network_free_beds(&mut conn, fid, &r.bed_type).await?
            }
            _ => vec![],
        };
        requests.push(RequestRow { external: f.facility_id.is_none(), r, can_decide, beds });
    }
    drop(conn);
    let title = page.t("bednet-board-heading");
    web::render(&BoardPage {
        page: page.titled(title.clone()).crumb(title, "/bednet"),
        facilities: rows.into_iter().map(|(f, c)| FacilityRow { f, c }).collect(),
        requests,
        can_request: auth.can(perms::REQUEST),
        stale_minutes,
        bed_types: BED_TYPES,
        priorities: PRIORITIES,
    })
}

fn done(page: &Page, key: &str) -> Response {
    snapshot::invalidate();
    web::redirect_flash("/bednet", "ok", &page.t(key))
}

/// `POST /bednet/requests`: request an emergency bed.
async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Form(form): Form<BednetRequestForm>,
) -> AppResult<Response> {
    auth.require(perms::REQUEST)?;
    let v = form.validate(OffsetDateTime::now_utc())?;
    let mut tx = state.pool.begin().await?;
    repo::create_request(&mut tx, &auth.meta, &v).await?;
    tx.commit().await?;
    Ok(done(&page, "bednet-requested"))
}

/// `POST /bednet/requests/{id}/accept`: hold a bed until the ETA plus the grace period.
async fn accept(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<BednetAcceptForm>,
) -> AppResult<Response> {
    auth.require(perms::ACCEPT)?;
    let bed = match form.bed_id.trim() {
        "" => None,
        s => Some(Uuid::parse_str(s).map_err(|_| AppError::field("bed_id", "Choose the bed to hold."))?),
    };
    let (_, grace) = repo::settings(&state.pool).await?;
    let mut tx = state.pool.begin().await?;
    repo::accept(&mut tx, &auth.meta, id, auth.id, &auth.facility_ids, bed, grace).await?;
    tx.commit().await?;
    Ok(done(&page, "bednet-accepted"))
}

/// `POST /bednet/requests/{id}/decline`: decline with a reason.
async fn decline(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    Path(id): Path<Uuid>,
    Form(form): Form<BednetDeclineForm>,
) -> AppResult<Response> {
    auth.require(perms::ACCEPT)?;
    let reason = form.validate()?;
    let mut tx = state.pool.begin().await?;
    repo::decline(&mut tx, &auth.meta, id, auth.id, &auth.facility_ids, &reason).await?;
    tx.commit().await?;
    Ok(done(&page, "bednet-declined"))
}

/// `POST /bednet/requests/{id}/arrive`: the patient arrived; the hold is released for the
/// admission (inpatient's admission flow).
async fn arrive(State(state): State<AppState>, page: Page, auth: Auth, Path(id): Path<Uuid>) -> AppResult<Response> {
    auth.require(perms::ACCEPT)?;
    let mut tx = state.pool.begin().await?;
    repo::arrive(&mut tx, &auth.meta, id, auth.id, &auth.facility_ids).await?;
    tx.commit().await?;
    Ok(done(&page, "bednet-arrived"))
}
