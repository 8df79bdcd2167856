//! Imaging orders on the orders core: the kind `imaging` (a procedure of the catalogue). The
//! clinical question is the order's indication and is required; `options.laterality` (left,
//! right, bilateral) is required when the procedure needs it.

use futures_util::FutureExt;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::catalogue;
use crate::model::LATERALITIES;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::registry::{OrderKind, OrderRequest};
use hearth_core::web::FieldErrors;
use hearth_orders::NewOrder;

pub const KIND: OrderKind = OrderKind {
    kind: "imaging",
    label: "Imaging",
    module: "radiology",
    sign_perm: hearth_orders::perms::SIGN,
    catalogue: |conn, q, limit| catalogue::search(conn, q, limit).boxed(),
    lookup: |conn, code| lookup(conn, code).boxed(),
    create: |conn, meta, req| create(conn, meta, req).boxed(),
};

async fn lookup(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<String>> {
    Ok(catalogue::procedure(conn, code).await?.map(|p| p.name))
}

/// The orderer's first facility performs the exam (phase 1).
async fn performing_facility(conn: &mut PgConnection, user: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT facility_id FROM user_facilities WHERE user_id = $1 ORDER BY facility_id LIMIT 1")
        .bind(user)
        .fetch_optional(conn)
        .await
}

/// Places an imaging order: the core's header and radiology's detail row (status `requested`,
/// awaiting a radiologist's protocol).
async fn create(conn: &mut PgConnection, meta: &AuditMeta, req: &OrderRequest) -> AppResult<Uuid> {
    let mut errors = FieldErrors::default();
    let proc = catalogue::procedure(conn, &req.code).await?;
    if proc.is_none() {
        errors.add("code", "Not a procedure of the radiology catalogue.");
    }
    let question = req.indication.trim();
    if question.is_empty() {
        errors.add("indication", "State the clinical question the exam must answer.");
    } else if question.chars().count() > 1000 {
        errors.add("indication", "The clinical question is at most 1,000 characters.");
    }
    let laterality = req.options.get("laterality").and_then(|v| v.as_str()).unwrap_or("").trim().to_lowercase();
    if !laterality.is_empty() && !LATERALITIES.contains(&laterality.as_str()) {
        errors.add("laterality", "Laterality is left, right or bilateral.");
    }
    if let Some(p) = &proc {
        if p.laterality_required && laterality.is_empty() {
            errors.add("laterality", format!("{} needs a laterality: left, right or bilateral.", p.name));
        }
    }
    let Some(p) = proc.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let facility = performing_facility(conn, req.orderer)
        .await?
        .ok_or_else(|| FieldErrors::one("code", "The orderer belongs to no facility that could perform the exam."))?;
    let detail = Uuid::new_v4();
    let display = if laterality.is_empty() { p.name.clone() } else { format!("{} ({laterality})", p.name) };
    let mut header = NewOrder::from_request(req, &display, Some(detail));
    header.code = &p.code;
    let order_id = hearth_orders::place(conn, meta, header).await?;
    sqlx::query(
        "INSERT INTO rad_orders (id, order_id, patient_id, facility_id, procedure, laterality, clinical_question,
                                 priority, orderer_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(detail)
    .bind(order_id)
    .bind(req.patient)
    .bind(facility)
    .bind(&p.code)
    .bind((!laterality.is_empty()).then_some(&laterality))
    .bind(question)
    .bind(&req.priority)
    .bind(req.orderer)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("radiology.order.create", "rad_order", detail)
            .patient(req.patient)
            .changes(serde_json::json!({"order_id": order_id, "procedure": p.code, "laterality": laterality,
                                        "priority": req.priority})),
    )
    .await?;
    Ok(order_id)
}
