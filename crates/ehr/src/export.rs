//! The chart's part of the whole-record export (`/patients/{id}/export.json`, `GET
//! /api/v1/patients/{id}/export`): every clinical section, structured like the API's resources so
//! the FHIR facade can map them (Encounter, Condition, AllergyIntolerance, Observation,
//! DocumentReference for notes and documents, MedicationStatement). Notes are decrypted: this is
//! the patient's own record. Document contents are not included, only their metadata, checksums
//! and the API address of each version's bytes.

use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::{allergies, documents, encounters, medications, notes, problems, procedures, vitals};
use hearth_core::error::AppResult;
use hearth_core::platform::crypto::KeyRing;

/// Upper bound per section; a lifetime record stays far below it.
const SECTION_LIMIT: i64 = 100_000;

/// The names of the sections [`clinical_sections`] returns, in order.
pub const SECTIONS: [&str; 8] =
    ["encounters", "problems", "allergies", "vital_signs", "notes", "home_medications", "documents", "procedures"];

/// `{encounters, problems, allergies: {no_known_allergies, assessment, items}, vital_signs,
/// notes (with body and addenda), home_medications, documents (with versions)}`.
/// The caller audits the export.
pub async fn clinical_sections(pool: &PgPool, keys: &KeyRing, patient: Uuid) -> AppResult<Value> {
    let (enc, probs, alls, nka, vits, meds, docs) = tokio::try_join!(
        encounters::list(pool, patient, SECTION_LIMIT),
        problems::list(pool, patient, false),
        allergies::list(pool, patient),
        allergies::nka(pool, patient),
        vitals::list(pool, patient, SECTION_LIMIT),
        medications::list(pool, patient, false),
        documents::list(pool, patient),
    )?;
    let notes = notes::list_full(pool, keys, patient).await?;
    let procs = procedures::list(pool, patient).await?;
    let recorded = nka || alls.iter().any(|a| a.status == "active");
    let docs: Vec<Value> = docs
        .into_iter()
        .map(|d| {
            let versions: Vec<Value> = d
                .versions
                .iter()
                .map(|v| {
                    let mut o = json!(v);
                    o["content_href"] = json!(format!(
                        "/api/v1/patients/{}/documents/{}/versions/{}/content",
                        d.patient_id, d.id, v.version
                    ));
                    o
                })
                .collect();
            let mut o = json!(d);
            o["versions"] = Value::Array(versions);
            o
        })
        .collect();
    Ok(json!({
        "encounters": enc,
        "problems": probs,
        "allergies": {
            "no_known_allergies": nka,
            "assessment": if recorded { "recorded" } else { "not_recorded" },
            "items": alls,
        },
        "vital_signs": vits,
        "notes": notes,
        "home_medications": meds,
        "documents": docs,
        "procedures": procs,
    }))
}
