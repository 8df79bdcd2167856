//! All SQL of the pharmacy. Writes take the caller's transaction and audit on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::checks::{self, Allergies, AllergyFact, Med, Part, PharmacyCheckResult, Product};
use crate::model::{PharmacyOrder, PharmacyProduct, PharmacyStockLine, PharmacyStore, PharmacyWorkItem, ValidOrder};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::web::paging::PageRequest;
use hearth_core::web::FieldErrors;

/// The order kind's code on the orders core.
pub const KIND: &str = "medication";
/// What a dispense is billed as (charge capture's `kind`).
pub const CHARGE_KIND: &str = "dispense";

// ---------------------------------------------------------------------------------------------
// Formulary

const PRODUCT_SELECT: &str = "SELECT p.code, p.name, p.tall_man, p.strength, p.dose_form, p.route, p.dose_unit,
        p.therapeutic_class, p.cd_schedule, p.high_alert, p.max_single::float8 AS max_single,
        p.max_daily::float8 AS max_daily, p.dispense_unit,
        coalesce((SELECT string_agg(i.name || ' ' || trim(trailing '.' FROM trim(trailing '0' FROM pi.amount::text)) || ' ' || pi.amount_unit, '; ' ORDER BY i.name)
                  FROM rx_product_ingredients pi JOIN rx_ingredients i ON i.code = pi.ingredient_code
                  WHERE pi.product_code = p.code), '') AS ingredients
     FROM rx_products p";

/// Loads the demo knowledge base's ingredients and the demo formulary
/// (`data/pharmacy/formulary.csv`): adds what is missing, keeps what an installation changed.
pub async fn ensure_formulary(pool: &PgPool) -> anyhow::Result<u64> {
    static CSV: &str = include_str!("../../../data/pharmacy/formulary.csv");
    let mut tx = pool.begin().await?;
    for (code, name, _, _) in checks::INGREDIENTS {
        sqlx::query("INSERT INTO rx_ingredients (code, name) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING")
            .bind(code)
            .bind(name)
            .execute(&mut *tx)
            .await?;
    }
    let mut added = 0;
    for row in csv::Reader::from_reader(CSV.as_bytes()).records() {
        let r = row?;
        let g = |i: usize| r.get(i).unwrap_or_default().trim().to_string();
        let num = |i: usize| g(i).parse::<f64>().ok();
        let n = sqlx::query(
            "INSERT INTO rx_products (code, name, tall_man, strength, dose_form, route, dose_unit, therapeutic_class,
                                      cd_schedule, high_alert, max_single, max_daily, dispense_unit)
             VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11::float8::numeric,$12::float8::numeric,$13)
             ON CONFLICT (code) DO NOTHING",
        )
        .bind(g(0))
        .bind(g(1))
        .bind(g(2))
        .bind(g(3))
        .bind(g(4))
        .bind(g(5))
        .bind(g(6))
        .bind(g(7))
        .bind(g(8))
        .bind(g(9) == "true")
        .bind(num(10))
        .bind(num(11))
        .bind(g(12))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 0 {
            continue;
        }
        added += n;
        for part in g(13).split(';').filter(|s| !s.is_empty()) {
            let mut it = part.split(':');
            let (ing, amount, unit) = (it.next().unwrap_or(""), it.next().unwrap_or(""), it.next().unwrap_or(""));
            sqlx::query(
                "INSERT INTO rx_product_ingredients (product_code, ingredient_code, amount, amount_unit)
                 VALUES ($1, $2, $3::float8::numeric, $4)",
            )
            .bind(g(0))
            .bind(ing)
            .bind(amount.parse::<f64>().unwrap_or(0.0))
            .bind(unit)
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    if added > 0 {
        tracing::info!(products = added, "loaded the demo formulary (not for clinical use until reviewed)");
    }
    Ok(added)
}

/// A page of the formulary matching `q` (name, Tall Man name, code, class or ingredient), by name.
pub async fn search(pool: &PgPool, q: &str, req: &PageRequest<(String, String)>) -> sqlx::Result<Vec<PharmacyProduct>> {
    let after = if req.after.is_some() { " AND (lower(p.name), p.code) > ($3, $4)" } else { "" };
    let (a, b) = req.after.clone().unwrap_or_default();
    sqlx::query_as(&format!(
        "{PRODUCT_SELECT}
         WHERE p.active AND ($1 = '' OR strpos(lower(p.name), lower($1)) > 0 OR lower(p.code) = lower($1)
                OR strpos(lower(p.therapeutic_class), lower($1)) > 0
                OR EXISTS (SELECT 1 FROM rx_product_ingredients pi JOIN rx_ingredients i ON i.code = pi.ingredient_code
                           WHERE pi.product_code = p.code AND strpos(lower(i.name), lower($1)) > 0)){after}
         ORDER BY lower(p.name), p.code LIMIT $2"
    ))
    .bind(q.trim())
    .bind(req.fetch())
    .bind(a)
    .bind(b)
    .fetch_all(pool)
    .await
}

/// Every active product (for the prescribing and receipt selects), by name.
pub async fn products(pool: &PgPool) -> sqlx::Result<Vec<PharmacyProduct>> {
    sqlx::query_as(&format!("{PRODUCT_SELECT} WHERE p.active ORDER BY lower(p.name) LIMIT 2000")).fetch_all(pool).await
}

/// One active product with its ingredients, as the checks see it.
pub async fn product(conn: &mut PgConnection, code: &str) -> sqlx::Result<Option<(PharmacyProduct, Product)>> {
    let p: Option<PharmacyProduct> = sqlx::query_as(&format!("{PRODUCT_SELECT} WHERE p.code = $1 AND p.active"))
        .bind(code.trim())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(p) = p else { return Ok(None) };
    let parts: Vec<(String, f64, String)> = sqlx::query_as(
        "SELECT ingredient_code, amount::float8, amount_unit FROM rx_product_ingredients WHERE product_code = $1",
    )
    .bind(&p.code)
    .fetch_all(&mut *conn)
    .await?;
    let c = Product {
        code: p.code.clone(),
        name: p.name.clone(),
        route: p.route.clone(),
        dose_unit: p.dose_unit.clone(),
        max_single: p.max_single,
        max_daily: p.max_daily,
        parts: parts.into_iter().map(|(ingredient, amount, unit)| Part { ingredient, amount, unit }).collect(),
    };
    Ok(Some((p, c)))
}

// ---------------------------------------------------------------------------------------------
// Checks

/// The patient's open medication orders (pending or verified, not stopped) as the checks see them.
pub async fn active_meds(conn: &mut PgConnection, patient: Uuid) -> AppResult<Vec<Med>> {
    let rows: Vec<(String, f64, String)> = sqlx::query_as(
        "SELECT product_code, dose::float8, frequency FROM rx_orders
         WHERE patient_id = $1 AND status IN ('pending', 'verified') AND (stop_at IS NULL OR stop_at > now())
         ORDER BY created_at LIMIT 200",
    )
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    let mut meds = Vec::new();
    for (code, dose, freq) in rows {
        if let Some((_, product)) = product(conn, &code).await? {
            let (per_day, weekly) = checks::frequency(&freq).unwrap_or((1.0, false));
            meds.push(Med { product, dose, per_day, weekly });
        }
    }
    Ok(meds)
}

/// The chart's allergies, read through the chart's own functions.
pub async fn allergies(conn: &mut PgConnection, patient: Uuid) -> AppResult<Allergies> {
    let list = hearth_ehr::allergies::list(&mut *conn, patient).await?;
    let list: Vec<_> = list
        .into_iter()
        .filter(|a| {
            a.status == "active" && a.verification_status != "refuted" && a.verification_status != "entered_in_error"
        })
        .collect();
    if list.is_empty() {
        return Ok(if hearth_ehr::allergies::nka(&mut *conn, patient).await? {
            Allergies::NoneKnown
        } else {
            Allergies::NotRecorded
        });
    }
    Ok(Allergies::Recorded(
        list.into_iter()
            .map(|a| {
                let reactions = a.reactions.0.iter().map(|r| r.manifestation.clone()).collect::<Vec<_>>().join(" ");
                let severe_reaction = checks::is_severe_reaction(&format!("{} {}", a.reaction, reactions))
                    || a.severity.as_deref() == Some("life_threatening");
                AllergyFact {
                    code: a.substance_code,
                    substance: a.substance,
                    category: a.category,
                    kind: a.kind,
                    severe_reaction,
                }
            })
            .collect(),
    ))
}

/// A validated order's product and its dose in the product's unit, or field errors.
pub async fn resolve(conn: &mut PgConnection, v: &ValidOrder) -> AppResult<(PharmacyProduct, Med)> {
    let Some((row, product)) = product(conn, &v.product).await? else {
        return Err(FieldErrors::one("product", "Not a product of the formulary (or no longer available).").into());
    };
    let dose = if v.dose_unit == product.dose_unit {
        Some(v.dose)
    } else {
        checks::convert(v.dose, &v.dose_unit, &product.dose_unit)
    };
    let Some(dose) = dose else {
        return Err(
            FieldErrors::one("dose_unit", format!("{} is dosed in {}.", product.name, product.dose_unit)).into()
        );
    };
    Ok((row, Med { product, dose, per_day: v.per_day, weekly: v.weekly }))
}

/// Runs the checks of a proposed order for `patient`.
pub async fn check(conn: &mut PgConnection, patient: Uuid, v: &ValidOrder) -> AppResult<PharmacyCheckResult> {
    let (_, med) = resolve(conn, v).await?;
    let active = active_meds(conn, patient).await?;
    let allergies = allergies(conn, patient).await?;
    Ok(checks::check(&med, &active, &allergies))
}

// ---------------------------------------------------------------------------------------------
// Orders

const ORDER_SELECT: &str =
    "SELECT r.id, r.order_id, r.patient_id, r.product_code, coalesce(nullif(p.tall_man, ''), p.name) AS product,
        p.high_alert, r.dose::float8 AS dose, r.dose_unit, r.route, r.frequency, r.prn, r.prn_indication, r.start_at,
        r.stop_at, r.quantity, r.dispensed, p.dispense_unit, r.status, r.alerts, r.kb_version, r.override_reason,
        u.display_name AS prescriber, v.display_name AS verified_by, r.reject_reason, r.discontinue_reason, r.created_at
     FROM rx_orders r JOIN rx_products p ON p.code = r.product_code
     JOIN users u ON u.id = r.prescriber_id LEFT JOIN users v ON v.id = r.verified_by";

/// Inserts the detail row of a medication order whose header is `order_id` (the kind's create).
#[allow(clippy::too_many_arguments)]
pub async fn insert_order(
    conn: &mut PgConnection,
    id: Uuid,
    order_id: Uuid,
    patient: Uuid,
    v: &ValidOrder,
    route: &str,
    result: &PharmacyCheckResult,
    prescriber: Uuid,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO rx_orders (id, order_id, patient_id, product_code, dose, dose_unit, route, frequency, prn,
                                prn_indication, start_at, stop_at, quantity, alerts, kb_version, override_reason,
                                prescriber_id)
         VALUES ($1,$2,$3,$4,$5::float8::numeric,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17)",
    )
    .bind(id)
    .bind(order_id)
    .bind(patient)
    .bind(&v.product)
    .bind(v.dose)
    .bind(&v.dose_unit)
    .bind(route)
    .bind(&v.frequency)
    .bind(v.prn)
    .bind(&v.prn_indication)
    .bind(v.start_at)
    .bind(v.stop_at)
    .bind(v.quantity)
    .bind(serde_json::to_value(&result.alerts).unwrap_or_default())
    .bind(result.kb)
    .bind(&v.override_reason)
    .bind(prescriber)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The patient's medication orders, newest first (bounded; a clinician sees them whole).
pub async fn list(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<PharmacyOrder>> {
    sqlx::query_as(&format!("{ORDER_SELECT} WHERE r.patient_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 300"))
        .bind(patient)
        .fetch_all(pool)
        .await
}

pub async fn load(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<PharmacyOrder>> {
    sqlx::query_as(&format!("{ORDER_SELECT} WHERE r.id = $1")).bind(id).fetch_optional(conn).await
}

/// Why a guarded change found nothing to change: 404 for no such order, else 409 in words.
async fn why_not(conn: &mut PgConnection, id: Uuid, what: &str) -> AppError {
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM rx_orders WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .ok()
        .flatten();
    match status {
        None => AppError::NotFound,
        Some(s) => AppError::Conflict(format!(
            "The order is {}; it cannot be {what}.",
            match s.as_str() {
                "pending" => "waiting for verification",
                "verified" => "verified",
                "rejected" => "rejected",
                _ => "discontinued",
            }
        )),
    }
}

/// Discontinues an open order of `patient` (pending or verified) and revokes its header.
pub async fn discontinue(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    reason: &str,
) -> AppResult<()> {
    let actor = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE rx_orders n SET status = 'discontinued', discontinued_by = $3, discontinued_at = now(),
                discontinue_reason = $4
         FROM rx_orders o WHERE n.id = o.id AND n.id = $1 AND n.patient_id = $2 AND n.status IN ('pending', 'verified')
         RETURNING n.order_id, o.status",
    )
    .bind(id)
    .bind(patient)
    .bind(actor)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((order_id, was)) = row else {
        let mine: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM rx_orders WHERE id = $1 AND patient_id = $2)")
                .bind(id)
                .bind(patient)
                .fetch_one(&mut *conn)
                .await?;
        return Err(if mine { why_not(conn, id, "discontinued").await } else { AppError::NotFound });
    };
    revoke_header(conn, meta, order_id, actor, reason).await?;
    audit::record(
        conn,
        meta,
        Event::new("pharmacy.order.discontinue", "rx_order", id)
            .patient(patient)
            .changes(json!({"status": {"from": was, "to": "discontinued"}, "reason": reason})),
    )
    .await?;
    Ok(())
}

async fn revoke_header(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    order_id: Uuid,
    actor: Uuid,
    reason: &str,
) -> AppResult<()> {
    let header = hearth_orders::load(conn, order_id).await?;
    if header.is_some_and(|h| matches!(h.status.as_str(), "draft" | "active" | "on_hold")) {
        hearth_orders::repo::transition(conn, meta, order_id, hearth_orders::Action::Revoke, actor, Some(reason))
            .await?;
    }
    Ok(())
}

/// Verification by a pharmacist: pending → verified, guarded in the UPDATE (one of two wins).
pub async fn verify(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid) -> AppResult<Uuid> {
    let actor = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let patient: Option<Uuid> = sqlx::query_scalar(
        "UPDATE rx_orders SET status = 'verified', verified_by = $2, verified_at = now()
         WHERE id = $1 AND status = 'pending' RETURNING patient_id",
    )
    .bind(id)
    .bind(actor)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(patient) = patient else { return Err(why_not(conn, id, "verified").await) };
    audit::record(
        conn,
        meta,
        Event::new("pharmacy.order.verify", "rx_order", id)
            .patient(patient)
            .changes(json!({"status": {"from": "pending", "to": "verified"}})),
    )
    .await?;
    Ok(patient)
}

/// Rejection by a pharmacist, with the reason: pending → rejected; the header is revoked.
pub async fn reject(conn: &mut PgConnection, meta: &AuditMeta, id: Uuid, reason: &str) -> AppResult<Uuid> {
    let actor = meta.actor_user_id.ok_or(AppError::Forbidden)?;
    let row: Option<(Uuid, Uuid)> = sqlx::query_as(
        "UPDATE rx_orders SET status = 'rejected', verified_by = $2, verified_at = now(), reject_reason = $3
         WHERE id = $1 AND status = 'pending' RETURNING patient_id, order_id",
    )
    .bind(id)
    .bind(actor)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, order_id)) = row else { return Err(why_not(conn, id, "rejected").await) };
    revoke_header(conn, meta, order_id, actor, &format!("Rejected by pharmacy: {reason}")).await?;
    audit::record(
        conn,
        meta,
        Event::new("pharmacy.order.reject", "rx_order", id)
            .patient(patient)
            .changes(json!({"status": {"from": "pending", "to": "rejected"}, "reason": reason})),
    )
    .await?;
    Ok(patient)
}

/// A worklist: orders waiting for verification (`pending`) or to dispense (`verified`, owed).
pub async fn worklist(
    pool: &PgPool,
    status: &str,
    viewer: (bool, Uuid, Option<Uuid>),
) -> sqlx::Result<Vec<PharmacyWorkItem>> {
    let vis = hearth_patients::access::visible_sql(2);
    let owed = if status == "verified" { " AND r.dispensed < r.quantity" } else { "" };
    sqlx::query_as(&format!(
        "SELECT x.*, p.mrn, {vis} AS visible,
                CASE WHEN {vis} THEN p.family_name || ', ' || p.given_name ELSE 'Restricted record' END AS patient_name
         FROM ({ORDER_SELECT} WHERE r.status = $1{owed} ORDER BY r.created_at, r.id LIMIT 200) x
         JOIN patients p ON p.id = x.patient_id
         ORDER BY x.created_at, x.id"
    ))
    .bind(status)
    .bind(viewer.0)
    .bind(viewer.1)
    .bind(viewer.2)
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------------------------------------
// Stock

/// The stores of the given facilities.
pub async fn stores(pool: &PgPool, facilities: &[Uuid]) -> sqlx::Result<Vec<PharmacyStore>> {
    sqlx::query_as("SELECT id, facility_id, name, kind FROM rx_stores WHERE facility_id = ANY($1) ORDER BY name")
        .bind(facilities)
        .fetch_all(pool)
        .await
}

pub async fn create_store(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facility: Uuid,
    name: &str,
    kind: &str,
) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query("INSERT INTO rx_stores (id, facility_id, name, kind) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(facility)
        .bind(name)
        .bind(kind)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("pharmacy.store.create", "rx_store", id)
            .changes(json!({"name": name, "kind": kind, "facility_id": facility})),
    )
    .await?;
    Ok(id)
}

/// Non-zero balances in the given facilities' stores, by store, product and expiry.
pub async fn stock(pool: &PgPool, facilities: &[Uuid], q: &str) -> sqlx::Result<Vec<PharmacyStockLine>> {
    sqlx::query_as(
        "SELECT s.id AS store_id, s.name AS store, p.code AS product_code, coalesce(nullif(p.tall_man, ''), p.name) AS product,
                l.id AS lot_id, l.lot_number, l.expiry_date, l.quarantined, b.quantity, p.dispense_unit
         FROM rx_balances b JOIN rx_stores s ON s.id = b.store_id JOIN rx_lots l ON l.id = b.lot_id
         JOIN rx_products p ON p.code = l.product_code
         WHERE s.facility_id = ANY($1) AND b.quantity > 0
           AND ($2 = '' OR strpos(lower(p.name), lower($2)) > 0 OR lower(p.code) = lower($2) OR l.lot_number = $2)
         ORDER BY s.name, lower(p.name), l.expiry_date, l.lot_number LIMIT 1000",
    )
    .bind(facilities)
    .bind(q.trim())
    .fetch_all(pool)
    .await
}

/// The store's facility, when it is one of `facilities` (else `None`: not the user's store).
pub async fn store_in(conn: &mut PgConnection, store: Uuid, facilities: &[Uuid]) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar("SELECT facility_id FROM rx_stores WHERE id = $1 AND facility_id = ANY($2)")
        .bind(store)
        .bind(facilities)
        .fetch_optional(conn)
        .await
}

/// Goods received: finds or creates the lot (the same lot number with another expiry is a field
/// error) and records the receipt movement.
pub async fn receive(conn: &mut PgConnection, meta: &AuditMeta, r: &crate::model::ValidReceipt) -> AppResult<Uuid> {
    let known: Option<String> = sqlx::query_scalar("SELECT code FROM rx_products WHERE code = $1 AND active")
        .bind(&r.product)
        .fetch_optional(&mut *conn)
        .await?;
    if known.is_none() {
        return Err(FieldErrors::one("product", "Not a product of the formulary.").into());
    }
    let lot: (Uuid, time::Date) = sqlx::query_as(
        "INSERT INTO rx_lots (id, product_code, lot_number, expiry_date, supplier) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (product_code, lot_number) DO UPDATE SET supplier = rx_lots.supplier
         RETURNING id, expiry_date",
    )
    .bind(Uuid::new_v4())
    .bind(&r.product)
    .bind(&r.lot_number)
    .bind(r.expiry)
    .bind(&r.supplier)
    .fetch_one(&mut *conn)
    .await?;
    if lot.1 != r.expiry {
        return Err(
            FieldErrors::one("expiry", format!("Lot {} is recorded with expiry {}.", r.lot_number, lot.1)).into()
        );
    }
    sqlx::query(
        "INSERT INTO rx_movements (store_id, lot_id, kind, quantity, by_user) VALUES ($1, $2, 'receipt', $3, $4)",
    )
    .bind(r.store_id)
    .bind(lot.0)
    .bind(r.quantity)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("pharmacy.stock.receive", "rx_lot", lot.0).changes(json!({
            "store_id": r.store_id, "product": r.product, "lot_number": r.lot_number,
            "expiry": r.expiry.to_string(), "quantity": r.quantity,
        })),
    )
    .await?;
    Ok(lot.0)
}

/// Dispenses `quantity` (default: all still owed) of a verified order from `store`, picking lots
/// first-expiry-first-out. The order's UPDATE is guarded (only verified orders, never more than
/// ordered); the movements' trigger refuses expired or quarantined lots and a negative balance
/// (of two concurrent dispenses of the last units one wins, the other gets 409). The dispense
/// is charged on the same transaction.
pub async fn dispense(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    id: Uuid,
    store: Uuid,
    quantity: Option<i32>,
) -> AppResult<Uuid> {
    if let Some(q) = quantity {
        if !(1..=10_000).contains(&q) {
            return Err(FieldErrors::one("quantity", "Give a quantity from 1 to 10,000.").into());
        }
    }
    let Some(order) = load(conn, id).await? else { return Err(AppError::NotFound) };
    if order.status != "verified" {
        return Err(why_not(conn, id, "dispensed (only verified orders are dispensed)").await);
    }
    let owed = order.quantity - order.dispensed;
    let q = quantity.unwrap_or(owed);
    if q > owed {
        return Err(
            FieldErrors::one("quantity", format!("Only {owed} {} remain to dispense.", order.dispense_unit)).into()
        );
    }
    match hearth_orders::load(conn, order.order_id).await? {
        Some(h) if h.status == "active" => {}
        _ => {
            return Err(AppError::Conflict(
                "The order is not active (held, revoked or completed); nothing is dispensed.".into(),
            ))
        }
    }
    let row: Option<(Uuid, String)> = sqlx::query_as(
        "UPDATE rx_orders SET dispensed = dispensed + $2
         WHERE id = $1 AND status = 'verified' AND dispensed + $2 <= quantity RETURNING patient_id, product_code",
    )
    .bind(id)
    .bind(q)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((patient, product)) = row else {
        return Err(AppError::Conflict("The order changed meanwhile (dispensed, discontinued or rejected).".into()));
    };
    let dispense_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO rx_dispenses (id, rx_order_id, patient_id, store_id, quantity, dispensed_by) VALUES ($1,$2,$3,$4,$5,$6)",
    )
    .bind(dispense_id)
    .bind(id)
    .bind(patient)
    .bind(store)
    .bind(q)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    // FEFO: usable lots of the product in the store, earliest expiry first.
    let lots: Vec<(Uuid, i32)> = sqlx::query_as(
        "SELECT l.id, b.quantity FROM rx_balances b JOIN rx_lots l ON l.id = b.lot_id
         WHERE b.store_id = $1 AND l.product_code = $2 AND b.quantity > 0 AND NOT l.quarantined
           AND l.expiry_date >= current_date
         ORDER BY l.expiry_date, l.lot_number",
    )
    .bind(store)
    .bind(&product)
    .fetch_all(&mut *conn)
    .await?;
    let mut left = q;
    let mut picked = Vec::new();
    for (lot, have) in lots {
        if left == 0 {
            break;
        }
        let take = left.min(have);
        picked.push((lot, take));
        left -= take;
    }
    if left > 0 {
        return Err(AppError::Conflict(format!(
            "Not enough usable stock in this store: {} {} short.",
            left, order.dispense_unit
        )));
    }
    for (lot, take) in &picked {
        sqlx::query(
            "INSERT INTO rx_movements (store_id, lot_id, kind, quantity, dispense_id, by_user)
             VALUES ($1, $2, 'dispense', $3, $4, $5)",
        )
        .bind(store)
        .bind(lot)
        .bind(-take)
        .bind(dispense_id)
        .bind(meta.actor_user_id)
        .execute(&mut *conn)
        .await?;
    }
    let now = OffsetDateTime::now_utc();
    let description: String = order.product.chars().take(200).collect();
    hearth_charges::capture(
        conn,
        meta,
        &hearth_charges::NewCharge {
            patient,
            encounter: None,
            facility: None,
            source_module: "pharmacy",
            source_row: dispense_id,
            kind: CHARGE_KIND,
            code: &format!("RX:{product}"),
            description: &description,
            quantity: q,
            performed_at: now,
            performer: meta.actor_user_id,
            replaces: None,
        },
    )
    .await?;
    let done = order.dispensed + q;
    hearth_orders::set_fulfilment(
        conn,
        meta,
        order.order_id,
        &format!("Dispensed {done} of {} {}", order.quantity, order.dispense_unit),
    )
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("pharmacy.dispense.create", "rx_dispense", dispense_id).patient(patient).changes(json!({
            "rx_order_id": id, "store_id": store, "quantity": q,
            "lots": picked.iter().map(|(l, n)| json!({"lot_id": l, "quantity": n})).collect::<Vec<_>>(),
        })),
    )
    .await?;
    Ok(dispense_id)
}

/// What a dispensing label's barcode names (read by the eMAR at the bedside): the dispense's
/// order, patient and product, and the earliest expiry of the lots it was picked from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DispenseLabel {
    pub rx_order_id: Uuid,
    pub patient_id: Uuid,
    pub product_code: String,
    pub earliest_expiry: Option<time::Date>,
}

/// The dispense `id` as its label describes it, or `None` for an unknown dispense.
pub async fn dispense_label(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<DispenseLabel>> {
    sqlx::query_as(
        "SELECT d.rx_order_id, d.patient_id, r.product_code,
                (SELECT min(l.expiry_date) FROM rx_movements m JOIN rx_lots l ON l.id = m.lot_id
                 WHERE m.dispense_id = d.id) AS earliest_expiry
         FROM rx_dispenses d JOIN rx_orders r ON r.id = d.rx_order_id WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// [`list`] on the caller's connection (the eMAR plans doses on its transaction).
pub async fn list_conn(conn: &mut PgConnection, patient: Uuid) -> sqlx::Result<Vec<PharmacyOrder>> {
    sqlx::query_as(&format!("{ORDER_SELECT} WHERE r.patient_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT 300"))
        .bind(patient)
        .fetch_all(conn)
        .await
}

/// A recorded death (the registry's hook): the patient's pending and verified medication orders
/// are discontinued ("The patient died."), so they leave the verification and dispensing queues
/// and no dose is planned from them. The orders core's own hook revokes their headers.
pub async fn on_death(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    let rows: Vec<(Uuid, String)> = sqlx::query_as(
        "UPDATE rx_orders n SET status = 'discontinued', discontinued_by = $2, discontinued_at = now(),
                discontinue_reason = 'The patient died.'
         FROM rx_orders o WHERE n.id = o.id AND n.patient_id = $1 AND n.status IN ('pending', 'verified')
         RETURNING n.id, o.status",
    )
    .bind(patient)
    .bind(meta.actor_user_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, was) in rows {
        audit::record(
            &mut *conn,
            meta,
            Event::new("pharmacy.order.discontinue", "rx_order", id)
                .patient(patient)
                .changes(json!({"status": {"from": was, "to": "discontinued"}, "reason": "The patient died."})),
        )
        .await?;
    }
    Ok(())
}
