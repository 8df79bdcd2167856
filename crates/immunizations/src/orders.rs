//! Immunization orders on the orders core: a clinician orders a vaccine (CVX) for a patient;
//! recording the given dose with that order completes it (`repo::insert`).

use futures_util::FutureExt;
use sqlx::PgConnection;
use uuid::Uuid;

use hearth_core::error::AppResult;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{OrderKind, OrderRequest};
use hearth_core::web::FieldErrors;
use hearth_orders::NewOrder;

/// The kind `immunization`: CVX codes of the active catalogue, signed with `orders.sign`.
pub const KIND: OrderKind = OrderKind {
    kind: "immunization",
    label: "Immunization",
    module: "immunizations",
    sign_perm: hearth_orders::perms::SIGN,
    catalogue: |conn, q, limit| catalogue(conn, q, limit).boxed(),
    lookup: |conn, code| lookup(conn, code).boxed(),
    create: |conn, meta, req| create(conn, meta, req).boxed(),
};

async fn catalogue(conn: &mut PgConnection, q: &str, limit: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT cvx, name FROM vaccines
         WHERE active AND ($1 = '' OR cvx = $1 OR strpos(lower(name), lower($1)) > 0)
         ORDER BY lower(name) LIMIT $2",
    )
    .bind(q.trim())
    .bind(limit)
    .fetch_all(conn)
    .await
}

async fn lookup(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM vaccines WHERE cvx = $1 AND active")
        .bind(code.trim())
        .fetch_optional(conn)
        .await
}

/// An immunization order has no detail row: the header's code is the vaccine.
async fn create(conn: &mut PgConnection, meta: &AuditMeta, req: &OrderRequest) -> AppResult<Uuid> {
    let Some(name) = lookup(conn, &req.code).await? else {
        return Err(FieldErrors::one("code", "Not a vaccine of the catalogue.").into());
    };
    hearth_orders::place(conn, meta, NewOrder::from_request(req, &name, None)).await
}
