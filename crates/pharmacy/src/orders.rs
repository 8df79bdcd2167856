//! Medication orders on the orders core: the kind `medication`, signed with
//! `pharmacy.prescribe`. Its create function runs the safety checks on the caller's transaction:
//! a hard stop refuses the order, a severe alert needs an override reason (recorded and audited),
//! the rest is stored with the order for the pharmacist to see.

use futures_util::FutureExt;
use serde_json::{json, Value};
use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::checks::{Level, PharmacyCheckResult};
use crate::model::{fmt_num, PrescribeForm};
use crate::{perms, repo};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::registry::{OrderKind, OrderRequest};
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;
use hearth_orders::NewOrder;

pub const KIND: OrderKind = OrderKind {
    kind: repo::KIND,
    label: "Medication",
    module: "pharmacy",
    sign_perm: perms::PRESCRIBE,
    catalogue: |conn, q, limit| catalogue(conn, q, limit).boxed(),
    lookup: |conn, code| lookup(conn, code).boxed(),
    create: |conn, meta, req| async move { create_detail(conn, meta, req).await.map(|(id, _, _)| id) }.boxed(),
};

async fn catalogue(conn: &mut PgConnection, q: &str, limit: i64) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT code, coalesce(nullif(tall_man, ''), name) FROM rx_products
         WHERE active AND ($1 = '' OR code = upper($1) OR strpos(lower(name), lower($1)) > 0)
         ORDER BY lower(name) LIMIT $2",
    )
    .bind(q.trim())
    .bind(limit)
    .fetch_all(conn)
    .await
}

async fn lookup(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM rx_products WHERE code = $1 AND active")
        .bind(code.trim())
        .fetch_optional(conn)
        .await
}

/// The kind's options (JSON from an order set or the API) as the prescribing form.
pub fn form_of(options: &Value, indication: &str) -> PrescribeForm {
    let s = |k: &str| match options.get(k) {
        Some(Value::String(v)) => v.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Bool(true)) => "true".into(),
        _ => String::new(),
    };
    PrescribeForm {
        product: s("product"),
        dose: s("dose"),
        dose_unit: s("dose_unit"),
        route: s("route"),
        frequency: s("frequency"),
        prn: s("prn"),
        prn_indication: s("prn_indication"),
        quantity: s("quantity"),
        start_date: s("start_date"),
        stop_date: s("stop_date"),
        indication: indication.to_string(),
        override_reason: s("override_reason"),
        action: "sign".into(),
    }
}

/// The options of a prescribing form (what [`form_of`] reads back).
pub fn options_of(f: &PrescribeForm) -> Value {
    json!({
        "product": f.product, "dose": f.dose, "dose_unit": f.dose_unit, "route": f.route, "frequency": f.frequency,
        "prn": f.prn, "prn_indication": f.prn_indication, "quantity": f.quantity, "start_date": f.start_date,
        "stop_date": f.stop_date, "override_reason": f.override_reason,
    })
}

/// The refusal of an order the checks stop: field errors naming the alerts.
pub fn refusal(result: &PharmacyCheckResult, override_reason: &str) -> Option<FieldErrors> {
    let hard: Vec<&str> =
        result.alerts.iter().filter(|a| a.level == Level::HardStop).map(|a| a.message.as_str()).collect();
    if !hard.is_empty() {
        return Some(FieldErrors::one("dose", format!("Hard stop: {}", hard.join(" "))));
    }
    if result.interruptive() && override_reason.is_empty() {
        let severe: Vec<&str> =
            result.alerts.iter().filter(|a| a.level == Level::Severe).map(|a| a.message.as_str()).collect();
        return Some(FieldErrors::one(
            "override_reason",
            format!("Severe alert — give an override reason to sign, or change the order. {}", severe.join(" ")),
        ));
    }
    None
}

/// Places a medication order: checks, header on the orders core, detail row, audit.
/// Returns (header id, detail id, the checks).
pub async fn create_detail(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    req: &OrderRequest,
) -> AppResult<(Uuid, Uuid, PharmacyCheckResult)> {
    let form = form_of(&req.options, &req.indication);
    let mut v = form.validate(&Zone::utc(), OffsetDateTime::now_utc()).map_err(AppError::Invalid)?;
    if v.product.is_empty() {
        v.product = req.code.clone();
    }
    if v.product != req.code && !req.code.is_empty() {
        return Err(AppError::field("code", "The order's code and its product differ."));
    }
    let (product, _) = repo::resolve(conn, &v).await?;
    let result = repo::check(conn, req.patient, &v).await?;
    if let Some(e) = refusal(&result, &v.override_reason) {
        return Err(e.into());
    }
    let route = v.route.clone().unwrap_or_else(|| product.route.clone());
    let display = format!(
        "{} — {} {} {} {}{}",
        product.display(),
        fmt_num(v.dose),
        v.dose_unit,
        route,
        v.frequency,
        if v.prn { " PRN" } else { "" }
    );
    let rx = Uuid::new_v4();
    let mut header = NewOrder::from_request(req, &display, Some(rx));
    header.code = &product.code;
    let order_id = hearth_orders::place(conn, meta, header).await?;
    repo::insert_order(conn, rx, order_id, req.patient, &v, &route, &result, req.orderer).await?;
    let levels: Vec<&str> = result.alerts.iter().map(|a| a.level.as_str()).collect();
    audit::record(
        conn,
        meta,
        Event::new("pharmacy.order.create", "rx_order", rx).patient(req.patient).changes(json!({
            "order_id": order_id, "product": product.code, "dose": v.dose, "dose_unit": v.dose_unit, "route": route,
            "frequency": v.frequency, "prn": v.prn, "quantity": v.quantity, "kb": result.kb, "alert_levels": levels,
        })),
    )
    .await?;
    if result.interruptive() {
        let rules: Vec<&str> = result
            .alerts
            .iter()
            .filter(|a| a.level == Level::Severe)
            .map(|a| if a.source.is_empty() { a.kind } else { a.source })
            .collect();
        audit::record(
            conn,
            meta,
            Event::new("pharmacy.alert.override", "rx_order", rx).patient(req.patient).changes(json!({
                "reason": v.override_reason, "kb": result.kb, "rules": rules,
            })),
        )
        .await?;
    }
    Ok((order_id, rx, result))
}
