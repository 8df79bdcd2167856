//! The visit encounter of an arrival, through the chart's own functions (`hearth-ehr`): an
//! outpatient visit already under way is linked; otherwise an outpatient encounter starts now
//! (status arrived) for the appointment's department and clinician, as the front desk's
//! "Start visit" does.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::visit_label;
use crate::repo::Arrival;
use hearth_core::app::AppState;
use hearth_core::error::AppResult;
use hearth_core::platform::audit::AuditMeta;
use hearth_core::web::time::Zone;
use hearth_ehr::encounters::{self, NewEncounter};

pub async fn start(
    state: &AppState,
    conn: &mut PgConnection,
    meta: &AuditMeta,
    a: &Arrival,
) -> AppResult<Option<Uuid>> {
    let recent = encounters::list(&state.pool, a.patient, 20).await?;
    if let Some(e) =
        recent.iter().find(|e| e.kind == "outpatient" && matches!(e.status.as_str(), "arrived" | "in_progress"))
    {
        return Ok(Some(e.id));
    }
    let mut new = NewEncounter {
        kind: "outpatient".into(),
        status: Some("arrived".into()),
        department_id: a.department.map(|d| d.to_string()),
        clinician_id: a.clinician.map(|c| c.to_string()),
        reason: format!("Outpatient appointment ({})", visit_label(&a.visit_type)),
        starts_at: None,
        starts_at_offset: None,
    };
    let valid = match new.validate(&state.pool, &Zone::utc(), None).await? {
        Ok(v) => v,
        Err(_) => {
            // A clinician who may not write charts (or a closed department) does not stop the
            // arrival: the encounter starts without them, to be taken on from the chart.
            new.clinician_id = None;
            new.department_id = None;
            match new.validate(&state.pool, &Zone::utc(), None).await? {
                Ok(v) => v,
                Err(_) => return Ok(None),
            }
        }
    };
    Ok(Some(encounters::insert(conn, meta, a.patient, &valid).await?))
}
