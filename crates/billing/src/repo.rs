//! All SQL of billing. Writes take the caller's transaction and audit on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::model::*;
use crate::money;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::CurrentUser;
use hearth_core::platform::rbac::HasPerms;

/// The facilities whose billing `user` works with: `None` for network-wide (super admin).
pub fn scope(user: &CurrentUser) -> Option<Vec<Uuid>> {
    (!user.roles.iter().any(|r| r == "super_admin")).then(|| user.facility_ids.clone())
}

pub fn in_scope(user: &CurrentUser, facility: Uuid) -> bool {
    scope(user).is_none_or(|f| f.contains(&facility))
}

/// A facility's billing settings; USD with the fiscal year from January when none are stored.
pub async fn settings(conn: &mut PgConnection, facility: Uuid) -> AppResult<Settings> {
    sqlx::query_as(
        "SELECT f.id AS facility_id, f.code AS facility_code, f.timezone, coalesce(s.currency, 'USD') AS currency,
                coalesce(s.exponent, 2::smallint) AS exponent, coalesce(s.fiscal_start_month, 1::smallint) AS fiscal_start_month
         FROM facilities f LEFT JOIN billing_settings s ON s.facility_id = f.id WHERE f.id = $1",
    )
    .bind(facility)
    .fetch_optional(conn)
    .await?
    .ok_or_else(|| AppError::field("facility", "Choose a facility."))
}

/// Stores a facility's currency (ISO 4217, exponent from [`money::CURRENCIES`]) and fiscal year
/// start. Used by the demo and installations' setup.
pub async fn set_settings(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facility: Uuid,
    currency: &str,
    fiscal_start_month: i16,
) -> AppResult<()> {
    let exp = money::exponent_of(currency).ok_or_else(|| AppError::field("currency", "Unknown currency."))?;
    sqlx::query(
        "INSERT INTO billing_settings (facility_id, currency, exponent, fiscal_start_month) VALUES ($1, $2, $3, $4)
         ON CONFLICT (facility_id) DO UPDATE SET currency = $2, exponent = $3, fiscal_start_month = $4",
    )
    .bind(facility)
    .bind(currency)
    .bind(i16::from(exp))
    .bind(fiscal_start_month)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("billing.settings.update", "facility", facility)
            .changes(json!({"currency": currency, "fiscal_start_month": fiscal_start_month})),
    )
    .await?;
    Ok(())
}

/// The facility's local day of an instant.
async fn local_day(conn: &mut PgConnection, tz: &str, at: OffsetDateTime) -> sqlx::Result<Date> {
    sqlx::query_scalar("SELECT ($1::timestamptz AT TIME ZONE $2)::date").bind(at).bind(tz).fetch_one(conn).await
}

// ---- Chargemaster ----

/// The price list in force on `day` at a facility, with its items.
pub async fn price_list(conn: &mut PgConnection, facility: Uuid, day: Date) -> AppResult<BillingPriceList> {
    let s = settings(conn, facility).await?;
    let head: Option<(Uuid, i32, Date)> = sqlx::query_as(
        "SELECT id, version, effective_from FROM billing_price_lists WHERE facility_id = $1 AND effective_from <= $2
         ORDER BY effective_from DESC LIMIT 1",
    )
    .bind(facility)
    .bind(day)
    .fetch_optional(&mut *conn)
    .await?;
    let items =
        match head {
            Some((id, _, _)) => sqlx::query_as(
                "SELECT code, description, unit_price, tax_rate_bp FROM billing_price_items WHERE price_list_id = $1
                 ORDER BY code LIMIT 2000",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?,
            None => Vec::new(),
        };
    Ok(BillingPriceList {
        facility_id: facility,
        currency: s.currency,
        exponent: s.exponent,
        price_list_id: head.map(|h| h.0),
        version: head.map(|h| h.1),
        effective_from: head.map(|h| h.2),
        items,
    })
}

/// Sets one price from `from` on: into the version starting that day, or a new version copying
/// the one in force that day. Returns the version. Invoices keep the prices they copied.
pub async fn set_price(conn: &mut PgConnection, meta: &AuditMeta, p: &ValidPrice) -> AppResult<i32> {
    // One writer of a facility's price lists at a time (versions are numbered in order).
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('billing_price_lists'), hashtext($1::text))")
        .bind(p.facility)
        .execute(&mut *conn)
        .await?;
    let existing: Option<(Uuid, i32)> =
        sqlx::query_as("SELECT id, version FROM billing_price_lists WHERE facility_id = $1 AND effective_from = $2")
            .bind(p.facility)
            .bind(p.from)
            .fetch_optional(&mut *conn)
            .await?;
    let (list, version) = match existing {
        Some(x) => x,
        None => {
            let id = Uuid::new_v4();
            let version: i32 = sqlx::query_scalar(
                "INSERT INTO billing_price_lists (id, facility_id, version, effective_from, created_by)
                 SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4 FROM billing_price_lists WHERE facility_id = $2
                 RETURNING version",
            )
            .bind(id)
            .bind(p.facility)
            .bind(p.from)
            .bind(meta.actor_user_id)
            .fetch_one(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO billing_price_items (price_list_id, code, description, unit_price, tax_rate_bp)
                 SELECT $1, i.code, i.description, i.unit_price, i.tax_rate_bp FROM billing_price_items i
                 WHERE i.price_list_id = (SELECT id FROM billing_price_lists WHERE facility_id = $2 AND effective_from < $3
                                          ORDER BY effective_from DESC LIMIT 1)",
            )
            .bind(id)
            .bind(p.facility)
            .bind(p.from)
            .execute(&mut *conn)
            .await?;
            (id, version)
        }
    };
    sqlx::query(
        "INSERT INTO billing_price_items (price_list_id, code, description, unit_price, tax_rate_bp) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (price_list_id, code) DO UPDATE SET description = $3, unit_price = $4, tax_rate_bp = $5",
    )
    .bind(list)
    .bind(&p.item.code)
    .bind(&p.item.description)
    .bind(p.item.unit_price)
    .bind(p.item.tax_rate_bp)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("billing.price.set", "price_list", list).changes(json!({
            "facility": p.facility, "from": p.from.to_string(), "version": version, "code": p.item.code,
            "unit_price": p.item.unit_price, "tax_rate_bp": p.item.tax_rate_bp,
        })),
    )
    .await?;
    Ok(version)
}

/// The price of `code` in force on `day` (the latest version starting on or before it).
pub async fn price_for(
    conn: &mut PgConnection,
    facility: Uuid,
    code: &str,
    day: Date,
) -> sqlx::Result<Option<(i64, i32)>> {
    sqlx::query_as(
        "SELECT i.unit_price, i.tax_rate_bp FROM
            (SELECT id FROM billing_price_lists WHERE facility_id = $1 AND effective_from <= $3
             ORDER BY effective_from DESC LIMIT 1) l
         JOIN billing_price_items i ON i.price_list_id = l.id AND i.code = $2",
    )
    .bind(facility)
    .bind(code)
    .bind(day)
    .fetch_optional(conn)
    .await
}

// ---- Unbilled charges ----

/// Which of `ids` are already on an active invoice line.
async fn billed(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT charge_id FROM billing_invoice_lines WHERE active AND charge_id = ANY($1)")
        .bind(ids)
        .fetch_all(conn)
        .await
}

/// The patient's billable charges not yet on an invoice, within the reader's facilities, priced.
pub async fn unbilled(conn: &mut PgConnection, user: &CurrentUser, patient: Uuid) -> AppResult<Vec<BillingUnbilled>> {
    let all = hearth_charges::repo::billable(&mut *conn, patient, None).await?;
    let ids: Vec<Uuid> = all.iter().map(|c| c.id).collect();
    let done = billed(&mut *conn, &ids).await?;
    let mut out = Vec::new();
    for c in all.into_iter().filter(|c| !done.contains(&c.id) && in_scope(user, c.facility_id)) {
        let s = settings(&mut *conn, c.facility_id).await?;
        let day = local_day(&mut *conn, &s.timezone, c.performed_at).await?;
        let price = price_for(&mut *conn, c.facility_id, &c.code, day).await?;
        out.push(BillingUnbilled {
            charge_id: c.id,
            facility_id: c.facility_id,
            source_module: c.source_module,
            code: c.code,
            description: c.description,
            quantity: c.quantity,
            performed_at: c.performed_at,
            unit_price: price.map(|p| p.0),
        });
    }
    Ok(out)
}

// ---- Invoices ----

const INVOICE: &str = "SELECT i.id, i.facility_id, f.name AS facility, i.patient_id, p.mrn, i.kind, i.credits, i.status,
        i.currency, i.exponent, i.number, i.subtotal, i.discount, i.tax, i.total, i.paid, i.discount_kind,
        i.discount_value, i.discount_state, i.discount_reason, i.discount_requested_by, i.reason, i.created_at, i.issued_at
     FROM billing_invoices i JOIN facilities f ON f.id = i.facility_id JOIN patients p ON p.id = i.patient_id";

pub async fn load(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<BillingInvoice>> {
    sqlx::query_as(&format!("{INVOICE} WHERE i.id = $1")).bind(id).fetch_optional(conn).await
}

/// An invoice of `patient` in the user's facilities, or 404.
pub async fn load_for(
    conn: &mut PgConnection,
    user: &CurrentUser,
    patient: Uuid,
    id: Uuid,
) -> AppResult<BillingInvoice> {
    match load(conn, id).await? {
        Some(i) if i.patient_id == patient && in_scope(user, i.facility_id) => Ok(i),
        _ => Err(AppError::NotFound),
    }
}

pub async fn lines(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Vec<BillingLine>> {
    sqlx::query_as(
        "SELECT id, position, charge_id, code, description, service_date, quantity, unit_price, tax_rate_bp, net,
                discount, tax, total, manual
         FROM billing_invoice_lines WHERE invoice_id = $1 ORDER BY position LIMIT 1000",
    )
    .bind(id)
    .fetch_all(conn)
    .await
}

const PAYMENT: &str =
    "SELECT y.id, y.invoice_id, y.patient_id, y.facility_id, y.method, y.amount, y.currency, i.exponent,
        y.reference, i.number, p.mrn, y.received_at, u.display_name AS received_by
     FROM billing_payments y JOIN billing_invoices i ON i.id = y.invoice_id JOIN patients p ON p.id = y.patient_id
     LEFT JOIN users u ON u.id = y.received_by";

pub async fn payments_of(conn: &mut PgConnection, invoice: Uuid) -> sqlx::Result<Vec<BillingPayment>> {
    sqlx::query_as(&format!("{PAYMENT} WHERE y.invoice_id = $1 ORDER BY y.received_at, y.id LIMIT 500"))
        .bind(invoice)
        .fetch_all(conn)
        .await
}

pub async fn payment(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<BillingPayment>> {
    sqlx::query_as(&format!("{PAYMENT} WHERE y.id = $1")).bind(id).fetch_optional(conn).await
}

pub async fn detail(conn: &mut PgConnection, invoice: BillingInvoice) -> AppResult<BillingInvoiceDetail> {
    let lines = lines(&mut *conn, invoice.id).await?;
    let payments = payments_of(&mut *conn, invoice.id).await?;
    Ok(BillingInvoiceDetail { balance: invoice.balance(), invoice, lines, payments })
}

/// The patient's invoices and credit notes in the reader's facilities, newest first (at most 200).
pub async fn for_patient(pool: &PgPool, user: &CurrentUser, patient: Uuid) -> sqlx::Result<Vec<BillingInvoice>> {
    sqlx::query_as(&format!(
        "{INVOICE} WHERE i.patient_id = $1 AND ($2::uuid[] IS NULL OR i.facility_id = ANY($2))
         ORDER BY i.created_at DESC, i.id DESC LIMIT 200"
    ))
    .bind(patient)
    .bind(scope(user))
    .fetch_all(pool)
    .await
}

/// Invoices of the reader's facilities in some states, oldest first (the worklist).
pub async fn in_states(pool: &PgPool, user: &CurrentUser, states: &[&str]) -> sqlx::Result<Vec<BillingInvoice>> {
    let states: Vec<String> = states.iter().map(|s| s.to_string()).collect();
    sqlx::query_as(&format!(
        "{INVOICE} WHERE i.kind = 'invoice' AND i.status = ANY($1) AND ($2::uuid[] IS NULL OR i.facility_id = ANY($2))
         ORDER BY i.created_at, i.id LIMIT 100"
    ))
    .bind(states)
    .bind(scope(user))
    .fetch_all(pool)
    .await
}

/// A line before it is written.
struct NewLine {
    charge_id: Option<Uuid>,
    code: String,
    description: String,
    service_date: Date,
    quantity: i32,
    unit_price: i64,
    tax_rate_bp: i32,
    manual: bool,
}

/// Builds a draft invoice for `patient` from their unbilled charges (all of the facility, or
/// those named) priced at the chargemaster in force on each service date, plus manual items.
/// A charge already on an active line is refused by `billing_lines_charge_once` (409).
pub async fn create_invoice(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    user: &CurrentUser,
    patient: Uuid,
    f: &BillingInvoiceForm,
) -> AppResult<Uuid> {
    if !f.manual.is_empty() && !user.can(crate::perms::MANUAL) {
        return Err(AppError::Forbidden);
    }
    build_invoice(conn, meta, scope(user).as_deref(), user.facility_ids.first().copied(), patient, f).await
}

/// [`create_invoice`] for a caller working in `facilities` (`None`: all), whose default
/// facility is `home`; manual items are the caller's to permit.
pub async fn build_invoice(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    facilities: Option<&[Uuid]>,
    home: Option<Uuid>,
    patient: Uuid,
    f: &BillingInvoiceForm,
) -> AppResult<Uuid> {
    f.validate()?;
    let in_scope = |f: Uuid| facilities.is_none_or(|fs| fs.contains(&f));
    let charges = hearth_charges::repo::billable(&mut *conn, patient, f.charges.as_deref()).await?;
    if let Some(named) = &f.charges {
        if let Some(missing) = named.iter().find(|id| !charges.iter().any(|c| c.id == **id)) {
            return Err(AppError::field("charges", format!("{missing} is not a billable charge of this patient.")));
        }
    }
    let facility = match f.facility.or_else(|| charges.first().map(|c| c.facility_id)) {
        Some(x) => x,
        None => home.ok_or_else(|| AppError::field("facility", "Choose a facility."))?,
    };
    if !in_scope(facility) {
        return Err(AppError::field("facility", "Choose one of your facilities."));
    }
    let ids: Vec<Uuid> = charges.iter().map(|c| c.id).collect();
    let done = billed(&mut *conn, &ids).await?;
    if f.charges.is_some() {
        if let Some(c) = charges.iter().find(|c| done.contains(&c.id) || c.facility_id != facility) {
            return Err(if done.contains(&c.id) {
                AppError::Conflict("A charge is already on an invoice.".into())
            } else {
                AppError::field("charges", "Every charge must be of the invoice's facility.")
            });
        }
    }
    let s = settings(&mut *conn, facility).await?;
    let today = local_day(&mut *conn, &s.timezone, OffsetDateTime::now_utc()).await?;
    let mut new = Vec::new();
    for c in charges.iter().filter(|c| !done.contains(&c.id) && c.facility_id == facility) {
        let day = local_day(&mut *conn, &s.timezone, c.performed_at).await?;
        let Some((unit_price, tax_rate_bp)) = price_for(&mut *conn, facility, &c.code, day).await? else {
            return Err(AppError::Conflict(format!(
                "The chargemaster has no price for {} on {day}; add it before billing.",
                c.code
            )));
        };
        new.push(NewLine {
            charge_id: Some(c.id),
            code: c.code.clone(),
            description: c.description.chars().take(200).collect(),
            service_date: day,
            quantity: c.quantity,
            unit_price,
            tax_rate_bp,
            manual: false,
        });
    }
    for m in &f.manual {
        new.push(NewLine {
            charge_id: None,
            code: "MANUAL".into(),
            description: m.description.trim().to_string(),
            service_date: today,
            quantity: m.quantity,
            unit_price: m.unit_price,
            tax_rate_bp: m.tax_rate_bp,
            manual: true,
        });
    }
    if new.is_empty() {
        return Err(AppError::Conflict("Nothing to bill: no unbilled charges and no manual items.".into()));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO billing_invoices (id, facility_id, patient_id, currency, exponent, created_by) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(facility)
    .bind(patient)
    .bind(&s.currency)
    .bind(s.exponent)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    for (i, l) in new.iter().enumerate() {
        let net = i64::from(l.quantity)
            .checked_mul(l.unit_price)
            .ok_or_else(|| AppError::field("manual", "The amount is too large."))?;
        sqlx::query(
            "INSERT INTO billing_invoice_lines (id, invoice_id, position, charge_id, code, description, service_date,
                                               quantity, unit_price, tax_rate_bp, net, total, manual)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)",
        )
        .bind(Uuid::new_v4())
        .bind(id)
        .bind(i as i32 + 1)
        .bind(l.charge_id)
        .bind(&l.code)
        .bind(&l.description)
        .bind(l.service_date)
        .bind(l.quantity)
        .bind(l.unit_price)
        .bind(l.tax_rate_bp)
        .bind(net)
        .bind(l.manual)
        .execute(&mut *conn)
        .await?;
    }
    recompute(&mut *conn, id).await?;
    audit::record(
        conn,
        meta,
        Event::new("billing.invoice.create", "invoice", id).patient(patient).changes(json!({
            "facility": facility, "lines": new.len(), "charges": new.iter().filter_map(|l| l.charge_id).collect::<Vec<_>>(),
            "manual": f.manual.len(),
        })),
    )
    .await?;
    Ok(id)
}

/// Recomputes a draft's line discounts (an applied discount split over the lines by their net,
/// largest remainder), line taxes (rate of the discounted net, half away from zero) and totals.
async fn recompute(conn: &mut PgConnection, invoice: Uuid) -> AppResult<()> {
    let (kind, value, state): (Option<String>, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT discount_kind, discount_value, discount_state FROM billing_invoices WHERE id = $1 FOR UPDATE",
    )
    .bind(invoice)
    .fetch_one(&mut *conn)
    .await?;
    let ls = lines(&mut *conn, invoice).await?;
    let subtotal: i64 = ls.iter().map(|l| l.net).sum();
    let discount = match (kind.as_deref(), value, state.as_deref()) {
        (Some("percent"), Some(bp), Some("applied")) => money::percent(subtotal, bp),
        (Some("amount"), Some(a), Some("applied")) => a,
        _ => 0,
    };
    if discount > subtotal {
        return Err(AppError::field("value", "The discount is more than the invoice."));
    }
    let parts = money::split(discount, &ls.iter().map(|l| l.net.max(0)).collect::<Vec<_>>());
    for (l, d) in ls.iter().zip(parts) {
        let tax = money::percent(l.net - d, i64::from(l.tax_rate_bp));
        sqlx::query("UPDATE billing_invoice_lines SET discount = $2, tax = $3, total = net - $2 + $3 WHERE id = $1")
            .bind(l.id)
            .bind(d)
            .bind(tax)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "UPDATE billing_invoices i SET (subtotal, discount, tax, total) =
            (SELECT coalesce(sum(net), 0), coalesce(sum(discount), 0), coalesce(sum(tax), 0), coalesce(sum(total), 0)
             FROM billing_invoice_lines WHERE invoice_id = i.id)
         WHERE id = $1",
    )
    .bind(invoice)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Locks a draft of the patient (409 once it left the draft state).
async fn lock_draft(conn: &mut PgConnection, invoice: Uuid) -> AppResult<()> {
    let st: Option<String> = sqlx::query_scalar("SELECT status FROM billing_invoices WHERE id = $1 FOR UPDATE")
        .bind(invoice)
        .fetch_optional(&mut *conn)
        .await?;
    match st.as_deref() {
        Some("draft") => Ok(()),
        Some(_) => Err(AppError::Conflict("Only a draft invoice can be changed.".into())),
        None => Err(AppError::NotFound),
    }
}

/// The highest discount (basis points of the subtotal) the user's roles allow without approval.
async fn discount_limit(conn: &mut PgConnection, roles: &[String]) -> sqlx::Result<i64> {
    let v: Option<i32> =
        sqlx::query_scalar("SELECT max(max_percent_bp) FROM billing_discount_limits WHERE role = ANY($1)")
            .bind(roles)
            .fetch_one(conn)
            .await?;
    Ok(i64::from(v.unwrap_or(0)))
}

/// Sets a discount on a draft. Within the requester's role limit it applies at once; above it,
/// it waits for another user's approval (`billing.approve`). Returns the state.
pub async fn set_discount(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    roles: &[String],
    inv: &BillingInvoice,
    f: &BillingDiscountForm,
    reason: &str,
) -> AppResult<&'static str> {
    lock_draft(&mut *conn, inv.id).await?;
    let subtotal: i64 =
        sqlx::query_scalar("SELECT coalesce(sum(net), 0)::bigint FROM billing_invoice_lines WHERE invoice_id = $1")
            .bind(inv.id)
            .fetch_one(&mut *conn)
            .await?;
    let requested_bp = match f.kind.as_str() {
        "percent" => f.value,
        _ => {
            if f.value > subtotal {
                return Err(AppError::field("value", "The discount is more than the invoice."));
            }
            if subtotal == 0 {
                0
            } else {
                // ceiling: an amount just above the limit is above it
                ((i128::from(f.value) * 10_000 + i128::from(subtotal) - 1) / i128::from(subtotal)) as i64
            }
        }
    };
    let state = if requested_bp <= discount_limit(&mut *conn, roles).await? { "applied" } else { "pending" };
    sqlx::query(
        "UPDATE billing_invoices SET discount_kind = $2, discount_value = $3, discount_state = $4, discount_reason = $5,
                discount_requested_by = $6, discount_approved_by = NULL WHERE id = $1",
    )
    .bind(inv.id)
    .bind(&f.kind)
    .bind(f.value)
    .bind(state)
    .bind(reason)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    recompute(&mut *conn, inv.id).await?;
    audit::record(
        conn,
        meta,
        Event::new("billing.discount.request", "invoice", inv.id)
            .patient(inv.patient_id)
            .changes(json!({"kind": f.kind, "value": f.value, "state": state})),
    )
    .await?;
    Ok(state)
}

/// Approves a pending discount: by a holder of `billing.approve` other than the requester
/// (`billing_invoices_discount_other_approver`).
pub async fn approve_discount(conn: &mut PgConnection, meta: &AuditMeta, inv: &BillingInvoice) -> AppResult<()> {
    lock_draft(&mut *conn, inv.id).await?;
    let n = sqlx::query(
        "UPDATE billing_invoices SET discount_state = 'applied', discount_approved_by = $2
         WHERE id = $1 AND discount_state = 'pending'",
    )
    .bind(inv.id)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict("No discount is waiting for approval.".into()));
    }
    recompute(&mut *conn, inv.id).await?;
    audit::record(conn, meta, Event::new("billing.discount.approve", "invoice", inv.id).patient(inv.patient_id))
        .await?;
    Ok(())
}

/// The next number of a series, from its counter row locked by this transaction (gapless: a
/// rolled-back finalisation gives its number back).
async fn next_number(conn: &mut PgConnection, s: &Settings, series: &str) -> AppResult<(i32, i32, String)> {
    let today = local_day(&mut *conn, &s.timezone, OffsetDateTime::now_utc()).await?;
    let fy = fiscal_year(today, s.fiscal_start_month);
    let seq: i32 = sqlx::query_scalar(
        "INSERT INTO billing_counters (facility_id, series, fiscal_year, next) VALUES ($1, $2, $3, 2)
         ON CONFLICT (facility_id, series, fiscal_year) DO UPDATE SET next = billing_counters.next + 1
         RETURNING next - 1",
    )
    .bind(s.facility_id)
    .bind(series)
    .bind(fy)
    .fetch_one(&mut *conn)
    .await?;
    Ok((fy, seq, format!("{series}-{}-{fy}-{seq:06}", s.facility_code)))
}

/// Finalises a draft: numbered, issued, immutable from now on (the database refuses changes).
pub async fn finalise(conn: &mut PgConnection, meta: &AuditMeta, inv: &BillingInvoice) -> AppResult<String> {
    lock_draft(&mut *conn, inv.id).await?;
    let cur: Option<String> = sqlx::query_scalar("SELECT discount_state FROM billing_invoices WHERE id = $1")
        .bind(inv.id)
        .fetch_one(&mut *conn)
        .await?;
    if cur.as_deref() == Some("pending") {
        return Err(AppError::Conflict("The discount is waiting for approval.".into()));
    }
    let s = settings(&mut *conn, inv.facility_id).await?;
    let series = if inv.kind == "credit_note" { "CN" } else { "INV" };
    let (fy, seq, number) = next_number(&mut *conn, &s, series).await?;
    sqlx::query(
        "UPDATE billing_invoices SET status = 'issued', series = $2, fiscal_year = $3, seq = $4, number = $5,
                issued_at = now(), issued_by = $6
         WHERE id = $1 AND status = 'draft'",
    )
    .bind(inv.id)
    .bind(series)
    .bind(fy)
    .bind(seq)
    .bind(&number)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("billing.invoice.finalise", "invoice", inv.id)
            .patient(inv.patient_id)
            .changes(json!({"number": number})),
    )
    .await?;
    Ok(number)
}

/// Cancels a draft: its charges may be billed again.
pub async fn cancel(conn: &mut PgConnection, meta: &AuditMeta, inv: &BillingInvoice, reason: &str) -> AppResult<()> {
    lock_draft(&mut *conn, inv.id).await?;
    sqlx::query("UPDATE billing_invoice_lines SET active = false WHERE invoice_id = $1")
        .bind(inv.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE billing_invoices SET status = 'cancelled', cancelled_at = now(), reason = $2 WHERE id = $1")
        .bind(inv.id)
        .bind(reason)
        .execute(&mut *conn)
        .await?;
    audit::record(conn, meta, Event::new("billing.invoice.cancel", "invoice", inv.id).patient(inv.patient_id)).await?;
    Ok(())
}

/// Credits an issued, unpaid invoice in full: a credit note (negative lines mirroring the
/// invoice's), numbered in its own series, referencing it; the invoice becomes `credited`.
pub async fn credit(conn: &mut PgConnection, meta: &AuditMeta, inv: &BillingInvoice, reason: &str) -> AppResult<Uuid> {
    let st: (String, i64) = sqlx::query_as("SELECT status, paid FROM billing_invoices WHERE id = $1 FOR UPDATE")
        .bind(inv.id)
        .fetch_one(&mut *conn)
        .await?;
    if inv.kind != "invoice" || st.0 != "issued" || st.1 != 0 {
        return Err(AppError::Conflict("Only an issued invoice without payments can be credited.".into()));
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO billing_invoices (id, facility_id, patient_id, kind, credits, currency, exponent, reason, created_by)
         SELECT $1, facility_id, patient_id, 'credit_note', id, currency, exponent, $3, $4 FROM billing_invoices WHERE id = $2",
    )
    .bind(id)
    .bind(inv.id)
    .bind(reason)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO billing_invoice_lines (id, invoice_id, position, charge_id, code, description, service_date, quantity,
                                           unit_price, tax_rate_bp, net, discount, tax, total, manual)
         SELECT gen_random_uuid(), $1, position, NULL, code, description, service_date, -quantity, unit_price, tax_rate_bp,
                -net, -discount, -tax, -total, manual
         FROM billing_invoice_lines WHERE invoice_id = $2",
    )
    .bind(id)
    .bind(inv.id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE billing_invoices c SET (subtotal, discount, tax, total) = (o.subtotal * -1, o.discount * -1, o.tax * -1, o.total * -1)
         FROM billing_invoices o WHERE c.id = $1 AND o.id = $2",
    )
    .bind(id)
    .bind(inv.id)
    .execute(&mut *conn)
    .await?;
    let note = load(&mut *conn, id).await?.ok_or(AppError::NotFound)?;
    let number = finalise(&mut *conn, meta, &note).await?;
    sqlx::query("UPDATE billing_invoices SET status = 'credited' WHERE id = $1")
        .bind(inv.id)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("billing.invoice.credit", "invoice", inv.id)
            .patient(inv.patient_id)
            .changes(json!({"credit_note": id, "number": number})),
    )
    .await?;
    Ok(id)
}

/// Records a payment on an issued invoice (never above its balance); the invoice's status
/// follows (issued → partially paid → paid, by the database's trigger).
pub async fn pay(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    inv: &BillingInvoice,
    f: &BillingPaymentForm,
) -> AppResult<Uuid> {
    f.validate()?;
    let (status, total, paid): (String, i64, i64) =
        sqlx::query_as("SELECT status, total, paid FROM billing_invoices WHERE id = $1 FOR UPDATE")
            .bind(inv.id)
            .fetch_one(&mut *conn)
            .await?;
    if inv.kind != "invoice" || !matches!(status.as_str(), "issued" | "partially_paid") {
        return Err(AppError::Conflict("Only an issued invoice with a balance can be paid.".into()));
    }
    if f.amount > total - paid {
        return Err(AppError::field("amount", "The payment is more than the balance."));
    }
    record_payment(conn, meta, inv, &f.method, f.amount, f.reference.trim()).await
}

/// Records a payer's payment (method `insurance`) on an issued invoice, never above its balance:
/// the insurance module's remittance posting. The caller's transaction; audited like `pay`.
pub async fn pay_by_payer(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    inv: &BillingInvoice,
    amount: i64,
    reference: &str,
) -> AppResult<Uuid> {
    let (status, total, paid): (String, i64, i64) =
        sqlx::query_as("SELECT status, total, paid FROM billing_invoices WHERE id = $1 FOR UPDATE")
            .bind(inv.id)
            .fetch_one(&mut *conn)
            .await?;
    if inv.kind != "invoice" || !matches!(status.as_str(), "issued" | "partially_paid") {
        return Err(AppError::Conflict("Only an issued invoice with a balance can be paid.".into()));
    }
    if amount < 1 || amount > total - paid {
        return Err(AppError::field("amount", "The payment is more than the balance."));
    }
    record_payment(conn, meta, inv, "insurance", amount, reference.trim()).await
}

async fn record_payment(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    inv: &BillingInvoice,
    method: &str,
    amount: i64,
    reference: &str,
) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO billing_payments (id, invoice_id, facility_id, patient_id, method, amount, currency, reference, received_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(inv.id)
    .bind(inv.facility_id)
    .bind(inv.patient_id)
    .bind(method)
    .bind(amount)
    .bind(&inv.currency)
    .bind(reference)
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE billing_invoices SET paid = paid + $2 WHERE id = $1")
        .bind(inv.id)
        .bind(amount)
        .execute(&mut *conn)
        .await?;
    audit::record(
        conn,
        meta,
        Event::new("billing.payment.record", "payment", id)
            .patient(inv.patient_id)
            .changes(json!({"invoice": inv.id, "method": method, "amount": amount})),
    )
    .await?;
    Ok(id)
}

/// Payments received in `[from, to)` at the reader's facilities (at most 500), newest first.
pub async fn payments_between(
    pool: &PgPool,
    user: &CurrentUser,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<Vec<BillingPayment>> {
    sqlx::query_as(&format!(
        "{PAYMENT} WHERE y.received_at >= $1 AND y.received_at < $2 AND ($3::uuid[] IS NULL OR y.facility_id = ANY($3))
         ORDER BY y.received_at DESC, y.id DESC LIMIT 500"
    ))
    .bind(from)
    .bind(to)
    .bind(scope(user))
    .fetch_all(pool)
    .await
}

/// Totals by currency and method of some payments.
pub fn totals_by_method(ps: &[BillingPayment]) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, i64, i16)> = Vec::new();
    for p in ps {
        match out.iter_mut().find(|(c, m, _, _)| *c == p.currency && *m == p.method) {
            Some(t) => t.2 += p.amount,
            None => out.push((p.currency.clone(), p.method.clone(), p.amount, p.exponent)),
        }
    }
    out.sort();
    out.into_iter().map(|(c, m, a, e)| (c, m, money::format(a, e.clamp(0, 3) as u8))).collect()
}

/// A patient's balance per currency (issued invoices minus payments).
pub fn balances(invoices: &[BillingInvoice]) -> Vec<(String, String)> {
    let mut out: Vec<(String, i64, i16)> = Vec::new();
    for i in invoices {
        let b = i.balance();
        match out.iter_mut().find(|(c, _, _)| *c == i.currency) {
            Some(t) => t.1 += b,
            None => out.push((i.currency.clone(), b, i.exponent)),
        }
    }
    out.into_iter().map(|(c, b, e)| (c, money::format(b, e.clamp(0, 3) as u8))).collect()
}

/// The worklist's unbilled charges by patient: (patient, MRN, count), from the most recent
/// billable charges of the reader's facilities.
pub async fn unbilled_by_patient(pool: &PgPool, user: &CurrentUser) -> AppResult<Vec<(Uuid, String, i64)>> {
    let recent = hearth_charges::repo::billable_in(pool, scope(user).as_deref(), 1000).await?;
    let ids: Vec<Uuid> = recent.iter().map(|c| c.id).collect();
    let mut conn = pool.acquire().await?;
    let done = billed(&mut conn, &ids).await?;
    let mut out: Vec<(Uuid, String, i64)> = Vec::new();
    for c in recent.iter().filter(|c| !done.contains(&c.id)) {
        match out.iter_mut().find(|(p, _, _)| *p == c.patient_id) {
            Some(x) => x.2 += 1,
            None => out.push((c.patient_id, c.mrn.clone(), 1)),
        }
    }
    out.truncate(100);
    Ok(out)
}
