//! All SQL of the immunization record. Writes take the caller's transaction and audit on it.

use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::model::{Immunization, Vaccine, Valid};
use hearth_alerts::{NewAlert, Severity};
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::registry::Registry;
use hearth_core::web::FieldErrors;

/// The alert kind of an immediate adverse reaction (declared in the descriptor).
pub const REACTION_ALERT: &str = "immunizations.reaction";

/// At most this many entries per patient are listed (a lifetime record stays far below it).
pub const LIST_LIMIT: i64 = 500;

const SELECT: &str = "SELECT i.id, i.patient_id, i.cvx, v.name AS vaccine, i.status, i.occurred_at, i.primary_source,
        i.lot_number, i.expiry_date, i.site, i.route, i.dose_ml::float8 AS dose_ml, i.dose_number,
        u.display_name AS performer, i.not_done_reason, i.note, i.error_reason, i.reaction, i.order_id, i.encounter_id
     FROM immunizations i JOIN vaccines v ON v.cvx = i.cvx LEFT JOIN users u ON u.id = i.performer_id";

/// A patient's immunizations, newest first.
pub async fn list(pool: &PgPool, patient: Uuid) -> sqlx::Result<Vec<Immunization>> {
    sqlx::query_as(&format!("{SELECT} WHERE i.patient_id = $1 ORDER BY i.occurred_at DESC, i.id DESC LIMIT $2"))
        .bind(patient)
        .bind(LIST_LIMIT)
        .fetch_all(pool)
        .await
}

/// The active catalogue, by name.
pub async fn vaccines(pool: &PgPool) -> sqlx::Result<Vec<Vaccine>> {
    sqlx::query_as("SELECT cvx, name FROM vaccines WHERE active ORDER BY lower(name)").fetch_all(pool).await
}

/// Records an immunization. An unknown or retired vaccine is a field error; the same dose twice
/// is refused by the `immunizations_once` index (409, the module's message). A dose given here is
/// charged in the same transaction ([`CHARGE_KIND`], code `CVX:<code>`).
pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &Valid) -> AppResult<Uuid> {
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM vaccines WHERE cvx = $1 AND active")
        .bind(&v.cvx)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(name) = name else {
        return Err(FieldErrors::one("cvx", "Not a vaccine of the catalogue.").into());
    };
    if let Some(order) = v.order_id {
        // The dose fulfils an active immunization order of this patient for the same vaccine.
        match hearth_orders::load(conn, order).await? {
            Some(o) if o.patient_id == patient && o.kind == crate::orders::KIND.kind && o.status == "active" => {
                if o.code != v.cvx {
                    return Err(FieldErrors::one("order_id", format!("The order is for {}.", o.display)).into());
                }
            }
            _ => return Err(FieldErrors::one("order_id", "Not an active immunization order of this patient.").into()),
        }
    }
    hearth_ehr::check_encounter(conn, patient, v.encounter_id).await?;
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO immunizations (id, patient_id, cvx, status, occurred_at, primary_source, lot_number, expiry_date,
                                    site, route, dose_ml, dose_number, performer_id, recorded_by, not_done_reason, note,
                                    reaction, order_id, encounter_id)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11::numeric,$12,
                 CASE WHEN $4 = 'completed' AND $6 THEN $13 END, $13, $14, $15, $16, $17, $18)",
    )
    .bind(id)
    .bind(patient)
    .bind(&v.cvx)
    .bind(v.status)
    .bind(v.occurred_at)
    .bind(v.primary_source)
    .bind(&v.lot_number)
    .bind(v.expiry_date)
    .bind(&v.site)
    .bind(&v.route)
    .bind(v.dose_ml)
    .bind(v.dose_number)
    .bind(meta.actor_user_id)
    .bind(&v.not_done_reason)
    .bind(&v.note)
    .bind(v.reaction)
    .bind(v.order_id)
    .bind(v.encounter_id)
    .execute(&mut *conn)
    .await?;
    if let Some(order) = v.order_id {
        hearth_orders::complete(conn, meta, order).await?;
    }
    let changes = json!({
        "cvx": v.cvx, "status": v.status, "occurred_at": v.occurred_at.to_string(), "primary_source": v.primary_source,
        "lot_number": v.lot_number, "expiry_date": v.expiry_date.map(|d| d.to_string()), "site": v.site,
        "route": v.route, "dose_ml": v.dose_ml, "dose_number": v.dose_number, "not_done_reason": v.not_done_reason,
        "reaction": v.reaction,
        "order_id": v.order_id,
        "encounter_id": v.encounter_id,
    });
    audit::record(
        conn,
        meta,
        Event::new("immunizations.immunization.create", "immunization", id).patient(patient).changes(changes),
    )
    .await?;
    if v.status == "completed" && v.primary_source {
        charge(conn, meta, patient, id, &v.cvx, &name, v.occurred_at).await?;
    }
    Ok(id)
}

/// An immediate adverse reaction raises a clinical alert (kind `immunizations.reaction`) to the
/// patient's attending clinician, escalating along the kind's chain; anaphylaxis is critical.
pub async fn raise_reaction(
    conn: &mut PgConnection,
    registry: &Registry,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    v: &Valid,
) -> AppResult<()> {
    let (severity, what) = match v.reaction {
        "anaphylaxis" => (Severity::Critical, "Anaphylaxis"),
        "systemic" => (Severity::Warning, "Systemic reaction"),
        "local" => (Severity::Info, "Local reaction"),
        _ => return Ok(()),
    };
    let title = format!("{what} after a vaccine (CVX {})", v.cvx);
    let alert = NewAlert {
        patient,
        kind: REACTION_ALERT,
        severity,
        title: &title,
        source_module: "immunizations",
        source_id: id,
        to: None,
        facility: None,
        department: None,
    };
    hearth_alerts::raise(conn, registry, meta, &alert).await?;
    Ok(())
}

/// What a vaccination given here is billed as (charge capture's `kind`).
pub const CHARGE_KIND: &str = "administration";

/// Captures the charge of a dose given here: the vaccine's CVX code, one unit, by the recorder.
pub async fn charge(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    cvx: &str,
    vaccine: &str,
    at: time::OffsetDateTime,
) -> AppResult<Uuid> {
    let code = format!("CVX:{cvx}");
    let description: String = vaccine.chars().take(200).collect();
    hearth_charges::capture(
        conn,
        meta,
        &hearth_charges::NewCharge {
            patient,
            encounter: None,
            facility: None,
            source_module: "immunizations",
            source_row: id,
            kind: CHARGE_KIND,
            code: &code,
            description: &description,
            quantity: 1,
            performed_at: at,
            performer: meta.actor_user_id,
            replaces: None,
        },
    )
    .await
}

/// Marks an entry entered in error, with the reason. The transition is guarded in the UPDATE:
/// an entry already in error (or of another patient) changes nothing and answers 409 (404).
pub async fn mark_error(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    reason: &str,
) -> AppResult<()> {
    let from: Option<String> = sqlx::query_scalar(
        "UPDATE immunizations n SET status = 'entered_in_error', error_reason = $3
         FROM immunizations o WHERE n.id = o.id AND n.id = $1 AND n.patient_id = $2 AND n.status <> 'entered_in_error'
         RETURNING o.status",
    )
    .bind(id)
    .bind(patient)
    .bind(reason)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(from) = from else {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM immunizations WHERE id = $1 AND patient_id = $2)")
                .bind(id)
                .bind(patient)
                .fetch_one(&mut *conn)
                .await?;
        return Err(if exists {
            AppError::Conflict("The entry is already marked entered in error.".into())
        } else {
            AppError::NotFound
        });
    };
    audit::record(
        conn,
        meta,
        Event::new("immunizations.immunization.entered_in_error", "immunization", id)
            .patient(patient)
            .changes(json!({"status": {"from": from, "to": "entered_in_error"}, "reason": reason})),
    )
    .await?;
    // A reaction to a dose that was never given is no reason to alert anybody.
    hearth_alerts::cancel(conn, meta, "immunizations", id, "The immunization was marked entered in error.").await?;
    // A dose that was never given is not billed: its charge, if any, is reversed.
    hearth_charges::reverse_act(conn, meta, "immunizations", id, CHARGE_KIND, reason).await?;
    Ok(())
}

/// Loads the CVX starter catalogue (`data/cvx/vaccines.csv`): adds missing codes, keeps names
/// an installation changed. Returns the rows added.
pub async fn ensure_catalogue(pool: &PgPool) -> anyhow::Result<u64> {
    static CSV: &str = include_str!("../../../data/cvx/vaccines.csv");
    let mut codes = Vec::new();
    let mut names = Vec::new();
    for row in csv::Reader::from_reader(CSV.as_bytes()).records() {
        let row = row?;
        codes.push(row.get(0).unwrap_or_default().to_string());
        names.push(row.get(1).unwrap_or_default().to_string());
    }
    let added = sqlx::query(
        "INSERT INTO vaccines (cvx, name) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (cvx) DO NOTHING",
    )
    .bind(&codes)
    .bind(&names)
    .execute(pool)
    .await?
    .rows_affected();
    if added > 0 {
        tracing::info!(vaccines = added, "loaded the CVX vaccine catalogue");
    }
    Ok(added)
}
