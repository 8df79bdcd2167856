//! All SQL of the eMAR: wristbands, the schedule materialised from the pharmacy's verified
//! orders, acknowledgements, and recording an administration with the five rights and the hard
//! stops. Other modules are read through their public functions only.

use rand::Rng;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::model::{self, EmarAdministration, EmarDose, EmarWristband, Target, ValidRecord};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::web::time::Zone;
use hearth_core::web::FieldErrors;
use hearth_pharmacy::checks::{self, Level, Med};
use hearth_pharmacy::model::{fmt_num, PharmacyOrder};

/// The alert kind of an overdue dose.
pub const OVERDUE_ALERT: &str = "emar.overdue_dose";

// ---------------------------------------------------------------------------------------------
// Wristbands

fn new_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::thread_rng();
    (0..20).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
}

/// Issues a new wristband for `patient`, revoking the current one (a reprint). Of two
/// concurrent reprints one wins (`emar_wristbands_one_current`), the other gets 409.
pub async fn issue_wristband(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<EmarWristband> {
    let revoked: Vec<Uuid> = sqlx::query_scalar(
        "UPDATE emar_wristbands SET revoked_at = now(), revoked_by = $2 WHERE patient_id = $1 AND revoked_at IS NULL RETURNING id",
    )
    .bind(patient)
    .bind(meta.actor_user_id)
    .fetch_all(&mut *conn)
    .await?;
    let band: EmarWristband = sqlx::query_as(
        "INSERT INTO emar_wristbands (id, patient_id, token, issued_by) VALUES ($1, $2, $3, $4)
         RETURNING id, patient_id, token, issued_at, revoked_at",
    )
    .bind(Uuid::new_v4())
    .bind(patient)
    .bind(new_token())
    .bind(meta.actor_user_id)
    .fetch_one(&mut *conn)
    .await?;
    audit::record(
        conn,
        meta,
        Event::new("emar.wristband.issue", "emar_wristband", band.id)
            .patient(patient)
            .changes(json!({"revoked": revoked})),
    )
    .await?;
    Ok(band)
}

/// The patient's current wristband.
pub async fn current_wristband(pool: &PgPool, patient: Uuid) -> sqlx::Result<Option<EmarWristband>> {
    sqlx::query_as(
        "SELECT id, patient_id, token, issued_at, revoked_at FROM emar_wristbands WHERE patient_id = $1 AND revoked_at IS NULL",
    )
    .bind(patient)
    .fetch_optional(pool)
    .await
}

/// The patient a scanned wristband names: unknown → 422, revoked (reprinted) → 409.
pub async fn scan_wristband(conn: &mut PgConnection, token: &str) -> AppResult<Uuid> {
    let token = token.trim().to_uppercase();
    let row: Option<(Uuid, Option<OffsetDateTime>)> =
        sqlx::query_as("SELECT patient_id, revoked_at FROM emar_wristbands WHERE token = $1")
            .bind(&token)
            .fetch_optional(&mut *conn)
            .await?;
    match row {
        None => Err(FieldErrors::one("wristband", "Not a wristband of this hospital: scan the patient's band again.").into()),
        Some((_, Some(_))) => Err(AppError::Conflict(
            "Hard stop: this wristband was replaced by a reprint and is no longer valid. Scan the patient's current band."
                .into(),
        )),
        Some((p, None)) => Ok(p),
    }
}

// ---------------------------------------------------------------------------------------------
// Schedule

/// The order's text on the MAR: "Paracetamol 500 mg tablets · 1 g PO QDS".
fn medication_text(o: &PharmacyOrder) -> String {
    let mut s = format!("{} · {} {} {} {}", o.product, fmt_num(o.dose), o.dose_unit, o.route, o.frequency);
    if o.prn {
        s.push_str(" PRN");
    }
    s.chars().take(400).collect()
}

/// An order the eMAR gives doses of: verified by pharmacy, its header active, not stopped.
pub async fn live(conn: &mut PgConnection, o: &PharmacyOrder, at: OffsetDateTime) -> AppResult<bool> {
    if o.status != "verified" || o.stop_at.is_some_and(|s| s <= at) {
        return Ok(false);
    }
    Ok(matches!(hearth_orders::load(conn, o.order_id).await?, Some(h) if h.status == "active"))
}

/// Materialises the doses of `patient` due in `[from, to)` from the verified, active orders
/// (nothing for a patient without an open stay). Unique (order, due time): regenerating never
/// moves or duplicates a dose. Due doses of orders no longer live are cancelled. Returns the
/// number of doses added.
pub async fn generate(
    conn: &mut PgConnection,
    zone: &Zone,
    patient: Uuid,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> AppResult<u64> {
    if hearth_inpatient::repo::current_stay(&mut *conn, patient).await?.is_none() {
        return Ok(0);
    }
    let now = OffsetDateTime::now_utc();
    let orders = hearth_pharmacy::repo::list_conn(&mut *conn, patient).await?;
    let mut live_ids = Vec::new();
    let mut added = 0;
    for o in orders {
        if !live(conn, &o, now).await? {
            continue;
        }
        live_ids.push(o.id);
        if o.prn {
            continue;
        }
        let class = match hearth_pharmacy::repo::product(&mut *conn, &o.product_code).await? {
            Some((p, _)) => p.therapeutic_class,
            None => String::new(),
        };
        let window = model::window_minutes(&o.frequency, &class);
        let (kind, times) = if model::once_only(&o.frequency) {
            ("once", vec![o.start_at])
        } else {
            ("scheduled", model::due_times(&o.frequency, zone, o.start_at, o.stop_at, from, to))
        };
        let text = medication_text(&o);
        for t in times {
            added += sqlx::query(
                "INSERT INTO emar_doses (id, patient_id, rx_order_id, kind, medication, due_at, window_minutes)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT ON CONSTRAINT emar_doses_order_time_unique DO NOTHING",
            )
            .bind(Uuid::new_v4())
            .bind(patient)
            .bind(o.id)
            .bind(kind)
            .bind(&text)
            .bind(t)
            .bind(window)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        }
    }
    sqlx::query(
        "UPDATE emar_doses SET status = 'cancelled' WHERE patient_id = $1 AND status = 'due' AND NOT (rx_order_id = ANY($2))",
    )
    .bind(patient)
    .bind(&live_ids)
    .execute(&mut *conn)
    .await?;
    Ok(added)
}

/// The standard generation window: from two hours ago to 24 hours ahead.
pub fn horizon(now: OffsetDateTime) -> (OffsetDateTime, OffsetDateTime) {
    (now - Duration::hours(2), now + Duration::hours(24))
}

const DOSE_SELECT: &str = "SELECT d.id, d.patient_id, d.rx_order_id, d.kind, d.medication, d.due_at, d.window_minutes,
        d.status, d.overdue_at, a.at AS recorded_at, a.not_given_reason
     FROM emar_doses d LEFT JOIN emar_administrations a ON a.dose_id = d.id";

/// The patient's doses in `[from, to)` (PRN doses by their administration time), by time.
pub async fn doses(
    pool: &PgPool,
    patient: Uuid,
    from: OffsetDateTime,
    to: OffsetDateTime,
) -> sqlx::Result<Vec<EmarDose>> {
    sqlx::query_as(&format!(
        "{DOSE_SELECT} WHERE d.patient_id = $1 AND coalesce(d.due_at, a.at) >= $2 AND coalesce(d.due_at, a.at) < $3
         ORDER BY coalesce(d.due_at, a.at), d.medication LIMIT 1000"
    ))
    .bind(patient)
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

pub async fn dose(conn: &mut PgConnection, patient: Uuid, id: Uuid) -> sqlx::Result<Option<EmarDose>> {
    sqlx::query_as(&format!("{DOSE_SELECT} WHERE d.id = $1 AND d.patient_id = $2"))
        .bind(id)
        .bind(patient)
        .fetch_optional(conn)
        .await
}

/// The orders the nurse has acknowledged, of `patient`.
pub async fn acknowledged(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT rx_order_id FROM emar_order_acks WHERE patient_id = $1 LIMIT 1000")
        .bind(patient)
        .fetch_all(pool)
        .await
}

/// Acknowledges a live medication order of `patient` (before its first dose). Idempotent.
pub async fn acknowledge(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, rx_order: Uuid) -> AppResult<()> {
    let Some(o) = hearth_pharmacy::repo::load(&mut *conn, rx_order).await?.filter(|o| o.patient_id == patient) else {
        return Err(AppError::NotFound);
    };
    if !live(conn, &o, OffsetDateTime::now_utc()).await? {
        return Err(AppError::Conflict(
            "Only verified, active orders are acknowledged (this one is pending, stopped or discontinued).".into(),
        ));
    }
    let Some(user) = meta.actor_user_id else { return Err(AppError::Forbidden) };
    let n = sqlx::query(
        "INSERT INTO emar_order_acks (rx_order_id, patient_id, acknowledged_by) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
    )
    .bind(rx_order)
    .bind(patient)
    .bind(user)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n > 0 {
        audit::record(conn, meta, Event::new("emar.order.acknowledge", "rx_order", rx_order).patient(patient)).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Recording

/// What was recorded.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub id: Uuid,
    pub dose_id: Uuid,
    pub timing: &'static str,
}

fn hard_stop(msg: &str) -> AppError {
    AppError::Conflict(format!("Hard stop: {msg}"))
}

/// Records a dose of `patient` given or not given, checking the five rights (patient by the
/// wristband, drug by the scanned label or product code, dose, route, time against the ISMP
/// window), the order's acknowledgement, the allergies (an override needs its reason) and the
/// hard stops (wrong patient, revoked band, discontinued order, expired lot, PRN minimum
/// interval and 24 h maximum, a second dose of a once-only order). A dose outside its window is
/// recorded with its reason, never refused. One record per dose: of two nurses recording the
/// same dose at once, one wins and the other gets 409.
pub async fn record(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidRecord) -> AppResult<Recorded> {
    let Some(user) = meta.actor_user_id else { return Err(AppError::Forbidden) };
    // The dose (or the PRN order) and its medication order.
    let (dose, rx_id) = match v.target {
        Target::Dose(id) => {
            let Some(d) = dose(conn, patient, id).await? else { return Err(AppError::NotFound) };
            match d.status.as_str() {
                "due" => {}
                "cancelled" => return Err(hard_stop("the order of this dose was discontinued; nothing is recorded.")),
                _ => return Err(AppError::Conflict("This dose is already recorded.".into())),
            }
            let rx = d.rx_order_id;
            (Some(d), rx)
        }
        Target::Prn(rx) => (None, rx),
    };
    let Some(order) = hearth_pharmacy::repo::load(&mut *conn, rx_id).await?.filter(|o| o.patient_id == patient) else {
        return Err(AppError::NotFound);
    };
    if dose.is_none() && !order.prn {
        return Err(FieldErrors::one(
            "rx_order_id",
            "This order is not an as-needed (PRN) order: record its scheduled dose.",
        )
        .into());
    }
    if !live(conn, &order, v.at).await? {
        return Err(hard_stop("the order is discontinued, stopped or not verified by pharmacy; nothing is recorded."));
    }
    let acked: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM emar_order_acks WHERE rx_order_id = $1)")
        .bind(rx_id)
        .fetch_one(&mut *conn)
        .await?;
    if !acked {
        return Err(AppError::Conflict("Acknowledge this new order before its first dose.".into()));
    }
    // Right patient.
    let scanned_patient = match &v.wristband {
        Some(token) => {
            if scan_wristband(conn, token).await? != patient {
                return Err(hard_stop("wrong patient — this wristband belongs to another patient."));
            }
            true
        }
        None => false,
    };
    let mut dispense_id = None;
    let mut timing = "prn";
    if v.given {
        // Right drug.
        if let Some(code) = &v.medication {
            let upper = code.to_uppercase();
            if let Some(rest) = upper.strip_prefix("RXD-") {
                let Ok(id) = rest.to_lowercase().parse::<Uuid>() else {
                    return Err(FieldErrors::one("medication", "Not a dispensing label of this pharmacy.").into());
                };
                let Some(label) = hearth_pharmacy::repo::dispense_label(&mut *conn, id).await? else {
                    return Err(FieldErrors::one("medication", "Not a dispensing label of this pharmacy.").into());
                };
                if label.patient_id != patient {
                    return Err(hard_stop("this medication was dispensed for another patient."));
                }
                if label.product_code != order.product_code {
                    return Err(hard_stop("wrong drug — the label is not the ordered product."));
                }
                if label.earliest_expiry.is_some_and(|e| e < v.at.date()) {
                    return Err(hard_stop("the dispensed lot is expired; do not give it."));
                }
                dispense_id = Some(id);
            } else if upper != order.product_code {
                if hearth_pharmacy::repo::product(&mut *conn, &upper).await?.is_some() {
                    return Err(hard_stop("wrong drug — the scanned product is not the ordered one."));
                }
                return Err(FieldErrors::one("medication", "Not a product code of the formulary.").into());
            }
        }
        // Right dose and route.
        let unit = if v.dose_unit.is_empty() { order.dose_unit.clone() } else { v.dose_unit.clone() };
        let given = v.dose.unwrap_or(0.0);
        let in_order_unit =
            if unit == order.dose_unit { Some(given) } else { checks::convert(given, &unit, &order.dose_unit) };
        if in_order_unit.is_none_or(|d| (d - order.dose).abs() > 1e-6 * order.dose.max(1.0)) {
            return Err(FieldErrors::one(
                "dose",
                format!("The order is {} {}: record the ordered dose.", fmt_num(order.dose), order.dose_unit),
            )
            .into());
        }
        let route = if v.route.is_empty() { order.route.clone() } else { v.route.clone() };
        if route != order.route {
            return Err(FieldErrors::one("route", format!("The order is for the {} route.", order.route)).into());
        }
        // Right time.
        if let Some(d) = &dose {
            if let Some(due) = d.due_at {
                timing = model::timing(due, d.window_minutes, v.at);
            }
            if (timing == "early" || timing == "late") && v.timing_reason.is_empty() {
                return Err(FieldErrors::one(
                    "timing_reason",
                    format!("This dose is {timing} (outside its window): say why; it is still recorded."),
                )
                .into());
            }
        }
        // Once-only orders: a second dose is refused.
        let given_before: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM emar_administrations WHERE rx_order_id = $1 AND outcome = 'given'",
        )
        .bind(rx_id)
        .fetch_one(&mut *conn)
        .await?;
        if model::once_only(&order.frequency) && given_before > 0 {
            return Err(hard_stop("this once-only order was already given."));
        }
        // PRN limits (serialised per order by an advisory lock on the transaction).
        if order.prn {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 23))")
                .bind(rx_id)
                .execute(&mut *conn)
                .await?;
            let (per_day, _) = checks::frequency(&order.frequency).unwrap_or((1.0, false));
            let interval = Duration::seconds_f64(86_400.0 / per_day.max(0.01));
            let times: Vec<OffsetDateTime> = sqlx::query_scalar(
                "SELECT at FROM emar_administrations WHERE rx_order_id = $1 AND outcome = 'given' AND at > $2 - interval '24 hours'
                   AND at < $2 + interval '24 hours' ORDER BY at DESC LIMIT 100",
            )
            .bind(rx_id)
            .bind(v.at)
            .fetch_all(&mut *conn)
            .await?;
            if times.iter().any(|t| (v.at - *t).abs() < interval) {
                {
                    return Err(hard_stop(&format!(
                        "the minimum interval between doses of this as-needed order is {} h.",
                        fmt_num(interval.as_seconds_f64() / 3600.0)
                    )));
                }
            }
            if times.iter().filter(|t| **t <= v.at).count() as f64 >= per_day.floor() {
                return Err(hard_stop("the 24-hour maximum of this as-needed order is reached."));
            }
        }
        // Allergies.
        if let Some((_, product)) = hearth_pharmacy::repo::product(&mut *conn, &order.product_code).await? {
            let allergies = hearth_pharmacy::repo::allergies(&mut *conn, patient).await?;
            let med = Med { product, dose: order.dose, per_day: 1.0, weekly: false };
            let result = checks::check(&med, &[], &allergies);
            let severe: Vec<String> = result
                .alerts
                .iter()
                .filter(|a| a.kind == "allergy" && a.level >= Level::Severe)
                .map(|a| a.message.clone())
                .collect();
            if !severe.is_empty() && v.override_reason.is_empty() {
                return Err(FieldErrors::one(
                    "override_reason",
                    format!("{} Give the reason to override, or do not give.", severe.join(" ")),
                )
                .into());
            }
        }
    }
    // The dose row of a PRN administration.
    let dose_id = match &dose {
        Some(d) => d.id,
        None => {
            let id = Uuid::new_v4();
            sqlx::query(
                "INSERT INTO emar_doses (id, patient_id, rx_order_id, kind, medication, window_minutes)
                 VALUES ($1, $2, $3, 'prn', $4, 0)",
            )
            .bind(id)
            .bind(patient)
            .bind(rx_id)
            .bind(medication_text(&order))
            .execute(&mut *conn)
            .await?;
            id
        }
    };
    if !v.given {
        timing = match &dose {
            Some(d) if d.due_at.is_some() => model::timing(d.due_at.unwrap_or(v.at), d.window_minutes, v.at),
            _ => "prn",
        };
        if timing == "early" || timing == "late" {
            timing = "on_time";
        }
    }
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO emar_administrations (id, dose_id, patient_id, rx_order_id, outcome, dose, dose_unit, route, site, at,
            timing, timing_reason, not_given_reason, note, override_reason, scanned_patient, scanned_medication,
            dispense_id, recorded_by)
         VALUES ($1,$2,$3,$4,$5,$6::float8::numeric,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19)",
    )
    .bind(id)
    .bind(dose_id)
    .bind(patient)
    .bind(rx_id)
    .bind(if v.given { "given" } else { "not_given" })
    .bind(if v.given { Some(order.dose) } else { None })
    .bind(if v.given { order.dose_unit.as_str() } else { "" })
    .bind(if v.given { order.route.as_str() } else { "" })
    .bind(&v.site)
    .bind(v.at)
    .bind(timing)
    .bind(&v.timing_reason)
    .bind(&v.not_given_reason)
    .bind(&v.note)
    .bind(&v.override_reason)
    .bind(scanned_patient)
    .bind(v.given && v.medication.is_some())
    .bind(dispense_id)
    .bind(user)
    .execute(&mut *conn)
    .await?;
    let status = if v.given { "given" } else { "not_given" };
    let n = sqlx::query("UPDATE emar_doses SET status = $2 WHERE id = $1 AND status = 'due'")
        .bind(dose_id)
        .bind(status)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::Conflict("This dose is already recorded.".into()));
    }
    hearth_alerts::cancel(conn, meta, "emar", dose_id, "The dose was recorded.").await?;
    audit::record(
        conn,
        meta,
        Event::new("emar.administration.record", "emar_administration", id).patient(patient).changes(json!({
            "dose_id": dose_id, "rx_order_id": rx_id, "outcome": status, "timing": timing,
            "scanned_patient": scanned_patient, "scanned_medication": v.given && v.medication.is_some(),
            "override": !v.override_reason.is_empty(),
        })),
    )
    .await?;
    Ok(Recorded { id, dose_id, timing })
}

/// The patient's administrations, newest first (bounded).
pub async fn history(pool: &PgPool, patient: Uuid, limit: i64) -> sqlx::Result<Vec<EmarAdministration>> {
    sqlx::query_as(
        "SELECT a.id, a.dose_id, a.rx_order_id, d.medication, a.outcome, a.dose::float8 AS dose, a.dose_unit, a.route,
                a.site, a.at, d.due_at, a.timing, a.timing_reason, a.not_given_reason, a.override_reason, a.note,
                a.scanned_patient, a.scanned_medication, u.display_name AS recorded_by
         FROM emar_administrations a JOIN emar_doses d ON d.id = a.dose_id JOIN users u ON u.id = a.recorded_by
         WHERE a.patient_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2",
    )
    .bind(patient)
    .bind(limit)
    .fetch_all(pool)
    .await
}

// ---------------------------------------------------------------------------------------------
// Ward

/// A dose on the ward's doses-due list, with the patient (or "Restricted record").
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize, utoipa::ToSchema)]
pub struct EmarWardDose {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub mrn: String,
    /// The patient's name, or empty for a restricted record the viewer may not open.
    pub patient_name: String,
    pub bed: Option<String>,
    pub medication: String,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub due_at: Option<OffsetDateTime>,
    pub window_minutes: i32,
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub overdue_at: Option<OffsetDateTime>,
}

/// The due doses of the ward's patients until `to` (overdue first), for the viewer.
pub async fn ward_due(
    pool: &PgPool,
    viewer: (bool, Uuid, Option<Uuid>),
    ward: Uuid,
    to: OffsetDateTime,
) -> sqlx::Result<Vec<EmarWardDose>> {
    let mut conn = pool.acquire().await?;
    let stays = hearth_inpatient::repo::open_stays(&mut conn, Some(ward)).await?;
    drop(conn);
    let patients: Vec<Uuid> = stays.iter().map(|s| s.0).collect();
    let beds: Vec<String> = stays.iter().map(|s| s.2.clone().unwrap_or_default()).collect();
    let (perm, uid, sid) = viewer;
    sqlx::query_as(&format!(
        "SELECT d.id, d.patient_id, p.mrn, CASE WHEN {vis} THEN p.given_name || ' ' || p.family_name ELSE '' END AS patient_name,
                nullif(s.bed, '') AS bed, d.medication, d.due_at, d.window_minutes, d.overdue_at
         FROM emar_doses d JOIN patients p ON p.id = d.patient_id
         JOIN unnest($1::uuid[], $2::text[]) AS s(patient_id, bed) ON s.patient_id = d.patient_id
         WHERE d.status = 'due' AND d.due_at < $6
         ORDER BY d.overdue_at IS NULL, d.due_at, s.bed LIMIT 500",
        vis = hearth_patients::access::visible_sql(3)
    ))
    .bind(&patients)
    .bind(&beds)
    .bind(perm)
    .bind(uid)
    .bind(sid)
    .bind(to)
    .fetch_all(pool)
    .await
}
