//! All SQL of the vital signs. Writes take the caller's transaction and record their audit event
//! on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use hearth_alerts::{NewAlert, Severity};
use hearth_core::registry::Registry;
use time::{Date, Duration, OffsetDateTime};

use super::model::{Assessment, ValidVitals, Vitals, LIMITS};
use super::ranges::{self, Band, Flag, Previous};
use crate::fmt_dt;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::web::paging::{PageRequest, Paged, TimeId};

/// The values are `numeric` (kept at the precision measured) and read as `float8`.
pub(crate) const SELECT: &str =
    "SELECT v.id, v.patient_id, v.taken_at, v.temperature_c::float8 AS temperature_c, v.pulse::float8 AS pulse,
        v.resp_rate::float8 AS resp_rate, v.bp_systolic::float8 AS bp_systolic,
        v.bp_diastolic::float8 AS bp_diastolic, v.spo2::float8 AS spo2, v.weight_kg::float8 AS weight_kg,
        v.height_cm::float8 AS height_cm, v.pain::float8 AS pain, v.bmi, v.on_oxygen, v.consciousness,
        v.flag, v.flags, v.news2, v.news2_band, v.warnings, v.encounter_id, u.display_name AS recorded_by
     FROM vitals v LEFT JOIN users u ON u.id = v.recorded_by";

/// A page of the patient's measurements, newest first (keyset: time of measurement and id).
pub async fn paged(pool: &PgPool, patient: Uuid, req: &PageRequest<TimeId>) -> sqlx::Result<Paged<Vitals>> {
    let after = req.after_sql("v.taken_at", "v.id", 3);
    let rows = sqlx::query_as(&format!(
        "{SELECT} WHERE v.patient_id = $1 {after}
         ORDER BY v.taken_at DESC, v.id DESC LIMIT $2"
    ))
    .bind(patient)
    .bind(req.fetch())
    .bind(req.at())
    .bind(req.id())
    .fetch_all(pool)
    .await?;
    Ok(Paged::from_rows(rows, req.limit, |v: &Vitals| TimeId(v.taken_at, v.id)))
}

/// The latest `limit` measurements, newest first.
pub async fn list(pool: &PgPool, patient: Uuid, limit: i64) -> sqlx::Result<Vec<Vitals>> {
    sqlx::query_as(&format!("{SELECT} WHERE v.patient_id = $1 ORDER BY v.taken_at DESC, v.id DESC LIMIT $2"))
        .bind(patient)
        .bind(limit)
        .fetch_all(pool)
        .await
}

/// The alert kind a deteriorating set raises (declared in the module's `alert_kinds`).
pub const ALERT_KIND: &str = "ehr.vitals";

/// The latest earlier value of `column` (weight or height) within `window` before `at`.
async fn previous(
    conn: &mut PgConnection,
    patient: Uuid,
    column: &str,
    at: OffsetDateTime,
    window: Duration,
) -> sqlx::Result<Option<Previous>> {
    let row: Option<(OffsetDateTime, f64)> = sqlx::query_as(&format!(
        "SELECT taken_at, {column}::float8 FROM vitals
         WHERE patient_id = $1 AND {column} IS NOT NULL AND taken_at <= $2 AND taken_at >= $3
         ORDER BY taken_at DESC, id DESC LIMIT 1"
    ))
    .bind(patient)
    .bind(at)
    .bind(at - window)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(at, value)| Previous { at, value }))
}

/// Records a set with its flags (for the patient's age band when measured, `birth`), NEWS2
/// for adults and warnings of implausible changes, on the caller's transaction; a set that is
/// critical, scores NEWS2 5 or more or 3 in one parameter raises one clinical alert (kind
/// [`ALERT_KIND`]) to the patient's responsible clinician on the same transaction.
pub async fn insert(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    patient: Uuid,
    birth: Option<Date>,
    v: &ValidVitals,
) -> AppResult<Recorded> {
    crate::check_encounter(conn, patient, v.encounter_id).await?;
    let id = Uuid::new_v4();
    let a = v.assess(birth);
    let mut warnings = Vec::new();
    if let Some(h) = v.height_cm {
        let prev = previous(conn, patient, "height_cm", v.taken_at, Duration::days(365)).await?;
        warnings.extend(ranges::height_change(a.band, v.taken_at, h, prev));
    }
    if let Some(w) = v.weight_kg {
        let prev = previous(conn, patient, "weight_kg", v.taken_at, Duration::hours(24)).await?;
        warnings.extend(ranges::weight_change(v.taken_at, w, prev));
    }
    let flags = json!(a.flags);
    let news2 = a.news2.as_ref().and_then(|n| n.total()).map(|t| t as i16);
    sqlx::query(
        "INSERT INTO vitals (id, patient_id, taken_at, temperature_c, pulse, resp_rate, bp_systolic, bp_diastolic, spo2,
                             weight_kg, height_cm, pain, recorded_by, on_oxygen, consciousness, flag, flags, news2,
                             news2_band, warnings, encounter_id)
         VALUES ($1,$2,$3,$4::float8::numeric,$5::float8::numeric,$6::float8::numeric,$7::float8::numeric,
                 $8::float8::numeric,$9::float8::numeric,$10::float8::numeric,$11::float8::numeric,$12::float8::numeric,
                 $13,$14,$15,$16,$17,$18,$19,$20,$21)",
    )
    .bind(id)
    .bind(patient)
    .bind(v.taken_at)
    .bind(v.temperature_c)
    .bind(v.pulse)
    .bind(v.resp_rate)
    .bind(v.bp_systolic)
    .bind(v.bp_diastolic)
    .bind(v.spo2)
    .bind(v.weight_kg)
    .bind(v.height_cm)
    .bind(v.pain)
    .bind(meta.actor_user_id)
    .bind(v.on_oxygen)
    .bind(v.consciousness.as_deref())
    .bind(a.flag.map(Flag::as_str))
    .bind(&flags)
    .bind(news2)
    .bind(a.news2_band())
    .bind(&warnings)
    .bind(v.encounter_id)
    .execute(&mut *conn)
    .await?;
    let changes = json!({"taken_at": fmt_dt(v.taken_at), "temperature_c": v.temperature_c, "pulse": v.pulse,
        "resp_rate": v.resp_rate, "bp_systolic": v.bp_systolic, "bp_diastolic": v.bp_diastolic, "spo2": v.spo2,
        "weight_kg": v.weight_kg, "height_cm": v.height_cm, "pain": v.pain, "on_oxygen": v.on_oxygen,
        "consciousness": v.consciousness, "flag": a.flag.map(Flag::as_str), "flags": flags, "news2": news2,
        "news2_band": a.news2_band(), "warnings": warnings, "encounter_id": v.encounter_id});
    audit::record(conn, meta, Event::new("vitals.create", "vitals", id).patient(patient).changes(changes)).await?;
    let alert = if a.alarming() { Some(raise_alert(conn, registry, meta, patient, id, &a).await?) } else { None };
    Ok(Recorded { id, assessment: a, warnings, alert })
}

/// What recording a set did.
pub struct Recorded {
    pub id: Uuid,
    pub assessment: Assessment,
    pub warnings: Vec<String>,
    /// The clinical alert raised, if the set was alarming.
    pub alert: Option<Uuid>,
}

/// The alert's title names the readings, not the patient (the alert page shows the patient to
/// those who may open the record).
fn alert_title(a: &Assessment) -> String {
    let mut parts = Vec::new();
    if let Some(n) = &a.news2 {
        match n.band() {
            Some(b) => parts.push(format!("NEWS2 {} ({})", n.partial, b.as_str().replace('_', "-"))),
            None if n.escalate() => parts.push(format!("NEWS2 at least {} (incomplete)", n.partial)),
            None => {}
        }
    }
    let critical: Vec<&str> =
        LIMITS.iter().filter(|(f, ..)| a.flags.get(*f) == Some(&Flag::Critical)).map(|(f, ..)| short_name(f)).collect();
    if !critical.is_empty() {
        parts.push(format!("critical: {}", critical.join(", ")));
    }
    format!("Deteriorating vital signs: {}", parts.join("; "))
}

/// A reading's short name for alert titles.
fn short_name(field: &str) -> &'static str {
    match field {
        "temperature_c" => "temp",
        "pulse" => "pulse",
        "resp_rate" => "resp rate",
        "bp_systolic" => "systolic BP",
        "bp_diastolic" => "diastolic BP",
        "spo2" => "SpO2",
        "pain" => "pain",
        _ => "reading",
    }
}

async fn raise_alert(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    a: &Assessment,
) -> AppResult<Uuid> {
    let high = a.news2.as_ref().and_then(|n| n.band()) == Some(Band::High) || a.flag == Some(Flag::Critical);
    let title = alert_title(a);
    let alert = NewAlert {
        patient,
        kind: ALERT_KIND,
        severity: if high { Severity::Critical } else { Severity::Warning },
        title: &title,
        source_module: "ehr",
        source_id: id,
        to: None,
        facility: None,
        department: None,
    };
    hearth_alerts::raise(conn, registry, meta, &alert).await
}

/// Assesses the sets recorded without flags (bulk-inserted demo sets, sets recorded before
/// flags existed) for their patient's age band when measured: flags and NEWS2 only (no alert,
/// no change warnings: they are history). In batches, each its own statement; every assessed
/// set leaves the `vitals_unassessed` index (it has a reading with ranges, so it gets a flag).
/// Returns how many were assessed. Run by `prepare` (migrate, serve, demo) and the demo seed.
pub async fn assess_unflagged(conn: &mut PgConnection) -> sqlx::Result<usize> {
    let mut total = 0;
    loop {
        let n = assess_batch(conn, 2000).await?;
        total += n;
        if n == 0 {
            return Ok(total);
        }
    }
}

async fn assess_batch(conn: &mut PgConnection, limit: i64) -> sqlx::Result<usize> {
    #[derive(sqlx::FromRow)]
    struct Row {
        id: Uuid,
        birth_date: Option<Date>,
        taken_at: OffsetDateTime,
        temperature_c: Option<f64>,
        pulse: Option<f64>,
        resp_rate: Option<f64>,
        bp_systolic: Option<f64>,
        bp_diastolic: Option<f64>,
        spo2: Option<f64>,
        pain: Option<f64>,
        on_oxygen: Option<bool>,
        consciousness: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT v.id, p.birth_date, v.taken_at, v.temperature_c::float8 AS temperature_c, v.pulse::float8 AS pulse,
                v.resp_rate::float8 AS resp_rate, v.bp_systolic::float8 AS bp_systolic,
                v.bp_diastolic::float8 AS bp_diastolic, v.spo2::float8 AS spo2, v.pain::float8 AS pain,
                v.on_oxygen, v.consciousness
         FROM vitals v JOIN patients p ON p.id = v.patient_id
         WHERE v.flag IS NULL AND v.news2_band IS NULL
           AND num_nonnulls(v.temperature_c, v.pulse, v.resp_rate, v.bp_systolic, v.bp_diastolic, v.spo2, v.pain,
                            v.consciousness) > 0
         LIMIT $1",
    )
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let (mut ids, mut flag, mut flags, mut news2, mut band) = (vec![], vec![], vec![], vec![], vec![]);
    for r in &rows {
        let v = ValidVitals {
            taken_at: r.taken_at,
            temperature_c: r.temperature_c,
            pulse: r.pulse,
            resp_rate: r.resp_rate,
            bp_systolic: r.bp_systolic,
            bp_diastolic: r.bp_diastolic,
            spo2: r.spo2,
            weight_kg: None,
            height_cm: None,
            pain: r.pain,
            on_oxygen: r.on_oxygen,
            consciousness: r.consciousness.clone(),
            encounter_id: None,
        };
        let a = v.assess(r.birth_date);
        ids.push(r.id);
        flag.push(a.flag.map(Flag::as_str));
        flags.push(json!(a.flags));
        news2.push(a.news2.as_ref().and_then(|n| n.total()).map(|t| t as i16));
        band.push(a.news2_band());
    }
    sqlx::query(
        "UPDATE vitals v SET flag = t.flag, flags = t.flags, news2 = t.news2, news2_band = t.band
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::int2[], $5::text[]) AS t(id, flag, flags, news2, band)
         WHERE v.id = t.id",
    )
    .bind(&ids)
    .bind(&flag)
    .bind(&flags)
    .bind(&news2)
    .bind(&band)
    .execute(&mut *conn)
    .await?;
    Ok(rows.len())
}
