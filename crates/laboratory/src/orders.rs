//! Laboratory orders on the orders core: the kind `lab_test` (a test or a panel of the
//! catalogue). Placing one creates the lab's detail row and the specimen to collect; the same
//! code again within its minimum interval is refused unless confirmed (`options.confirm_duplicate`).

use futures_util::FutureExt;
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::catalogue;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::registry::{OrderKind, OrderRequest};
use hearth_core::web::FieldErrors;
use hearth_orders::NewOrder;

pub const KIND: OrderKind = OrderKind {
    kind: "lab_test",
    label: "Laboratory test",
    module: "laboratory",
    sign_perm: hearth_orders::perms::SIGN,
    catalogue: |conn, q, limit| catalogue::search(conn, q, limit).boxed(),
    lookup: |conn, code| lookup(conn, code).boxed(),
    create: |conn, meta, req| create(conn, meta, req).boxed(),
};

async fn lookup(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<String>> {
    Ok(catalogue::orderable(conn, code).await?.map(|o| o.name))
}

/// The last order of the same code for the patient within the minimum interval, if any.
pub async fn recent_duplicate(
    conn: &mut PgConnection,
    patient: Uuid,
    code: &str,
    hours: i32,
) -> sqlx::Result<Option<OffsetDateTime>> {
    if hours <= 0 {
        return Ok(None);
    }
    sqlx::query_scalar(
        "SELECT ordered_at FROM lab_orders
         WHERE patient_id = $1 AND code = $2 AND status <> 'cancelled' AND ordered_at > now() - make_interval(hours => $3)
         ORDER BY ordered_at DESC LIMIT 1",
    )
    .bind(patient)
    .bind(code)
    .bind(hours)
    .fetch_optional(conn)
    .await
}

/// Places a laboratory order: the core's header, the lab's detail row and the specimen to collect.
async fn create(conn: &mut PgConnection, meta: &AuditMeta, req: &OrderRequest) -> AppResult<Uuid> {
    let Some(o) = catalogue::orderable(conn, &req.code).await? else {
        return Err(FieldErrors::one("code", "Not a test or panel of the laboratory catalogue.").into());
    };
    let confirmed = req.options.get("confirm_duplicate").and_then(|v| v.as_bool()).unwrap_or(false);
    if !confirmed {
        if let Some(at) = recent_duplicate(conn, req.patient, &o.code, o.min_interval_hours).await? {
            let hours = ((OffsetDateTime::now_utc() - at).whole_minutes() as f64 / 60.0).round();
            return Err(FieldErrors::one(
                "code",
                format!(
                    "{} was already ordered {} h ago (minimum interval {} h). Confirm to order it again.",
                    o.name, hours, o.min_interval_hours
                ),
            )
            .into());
        }
    }
    let detail = Uuid::new_v4();
    let mut header = NewOrder::from_request(req, &o.name, Some(detail));
    header.code = &o.code;
    let order_id = hearth_orders::place(conn, meta, header).await?;
    sqlx::query(
        "INSERT INTO lab_orders (id, patient_id, order_id, code, is_panel, display, section, priority, orderer_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(detail)
    .bind(req.patient)
    .bind(order_id)
    .bind(&o.code)
    .bind(o.is_panel)
    .bind(&o.name)
    .bind(&o.section)
    .bind(&req.priority)
    .bind(req.orderer)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO lab_specimens (id, lab_order_id, patient_id, specimen, container) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::new_v4())
    .bind(detail)
    .bind(req.patient)
    .bind(&o.specimen)
    .bind(&o.container)
    .execute(&mut *conn)
    .await?;
    hearth_core::platform::audit::record(
        conn,
        meta,
        hearth_core::platform::audit::Event::new("laboratory.order.create", "lab_order", detail)
            .patient(req.patient)
            .changes(serde_json::json!({"order_id": order_id, "code": o.code, "priority": req.priority,
                                        "duplicate_confirmed": confirmed})),
    )
    .await?;
    Ok(order_id)
}
