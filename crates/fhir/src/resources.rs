//! The resource types served, their mapping from Hearth's records, and read.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};
use sqlx::PgPool;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use uuid::Uuid;

use hearth_core::app::AppState;
use hearth_core::platform::rbac::HasPerms;
use hearth_ehr::allergies::Allergy;
use hearth_ehr::encounters::Encounter;
use hearth_ehr::problems::Problem;
use hearth_ehr::vitals::model::Vitals;
use hearth_ehr::EntryKind;
use hearth_patients::access::{self, Access};
use hearth_patients::model::PatientSummary;
use hearth_patients::search::{FilteredPatient, PatientFilter};

use crate::{Caller, FhirResult, Outcome};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceType {
    Patient,
    Observation,
    Condition,
    AllergyIntolerance,
    Encounter,
    Organization,
}

impl ResourceType {
    pub const ALL: [ResourceType; 6] = [
        ResourceType::Patient,
        ResourceType::Observation,
        ResourceType::Condition,
        ResourceType::AllergyIntolerance,
        ResourceType::Encounter,
        ResourceType::Organization,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ResourceType::Patient => "Patient",
            ResourceType::Observation => "Observation",
            ResourceType::Condition => "Condition",
            ResourceType::AllergyIntolerance => "AllergyIntolerance",
            ResourceType::Encounter => "Encounter",
            ResourceType::Organization => "Organization",
        }
    }

    /// A type this server serves, else 404 (unknown or not implemented).
    pub fn parse(s: &str) -> FhirResult<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s).ok_or_else(|| {
            let shown: String = s.chars().filter(|c| c.is_ascii_alphanumeric()).take(64).collect();
            Outcome::not_found(format!("Resource type '{shown}' is not supported by this server."))
        })
    }
}

pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const ICD10CM: &str = "http://hl7.org/fhir/sid/icd-10-cm";

/// The identifier system of the MRNs a facility issues.
pub fn mrn_system(base_url: &str, facility_code: &str) -> String {
    format!("{}/fhir/sid/mrn/{}", base_url.trim_end_matches('/'), facility_code)
}

pub fn instant(t: OffsetDateTime) -> String {
    t.to_offset(time::UtcOffset::UTC).format(&Rfc3339).unwrap_or_default()
}

/// A facility: id, code, name, address, active.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Facility {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub address: String,
    pub active: bool,
}

/// Every facility (a small platform table, read whole).
pub async fn facilities(pool: &PgPool) -> sqlx::Result<Vec<Facility>> {
    sqlx::query_as("SELECT id, code, name, address, active FROM facilities ORDER BY code").fetch_all(pool).await
}

/// The facilities whose patients the caller sees: theirs; `None` (all) for network-wide
/// principals that belong to no facility (an API client registered without one).
pub fn facility_scope(caller: &Caller) -> Option<Vec<Uuid>> {
    (!caller.user.facility_ids.is_empty()).then(|| caller.user.facility_ids.clone())
}

/// The caller may see the patient's chart (`perm`), the record is visible (403 for a
/// restricted one without break-glass) and registered at one of the caller's facilities.
pub async fn require_patient(
    state: &AppState,
    caller: &Caller,
    id: Uuid,
    perm: hearth_core::platform::rbac::Perm,
) -> FhirResult<()> {
    if !caller.user.can(perm) {
        return Err(Outcome::forbidden("The caller may not read these resources."));
    }
    match access::check(&state.pool, &caller.user, id).await? {
        Access::Missing => return Err(Outcome::not_found(format!("Patient/{id} is not known."))),
        Access::Restricted => {
            return Err(Outcome::forbidden("This record is restricted: break the glass in Hearth before reading it."))
        }
        Access::Allowed => {}
    }
    let filter = PatientFilter { id: Some(id), facilities: facility_scope(caller), ..Default::default() };
    let (_, n) = hearth_patients::search::filtered(&state.pool, &caller.user, &filter, 0, 1).await?;
    if n == 0 {
        return Err(Outcome::not_found(format!("Patient/{id} is not known.")));
    }
    Ok(())
}

fn parse_id(ty: ResourceType, id: &str) -> FhirResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| Outcome::not_found(format!("{} with this id is not known.", ty.name())))
}

pub async fn read(state: &AppState, caller: &Caller, ty: ResourceType, id: &str) -> FhirResult<Value> {
    let chart = hearth_ehr::perms::CHART_READ;
    match ty {
        ResourceType::Patient => {
            let id = parse_id(ty, id)?;
            require_patient(state, caller, id, hearth_patients::perms::PATIENTS_READ).await?;
            let Some(p) = hearth_patients::repo::get(&state.pool, &state.keys, id, &caller.meta).await? else {
                return Err(Outcome::not_found("Patient with this id is not known."));
            };
            let facs = facilities(&state.pool).await?;
            Ok(patient(&state.config.base_url, &facs, &p.summary, p.facility_id))
        }
        ResourceType::Organization => {
            let id = parse_id(ty, id)?;
            let facs = facilities(&state.pool).await?;
            facs.iter()
                .find(|f| f.id == id)
                .map(organization)
                .ok_or_else(|| Outcome::not_found("Organization with this id is not known."))
        }
        ResourceType::Observation => {
            let (vid, part) = id.rsplit_once('-').ok_or_else(|| Outcome::not_found("Observation not known."))?;
            let vid = parse_id(ty, vid)?;
            let pid = owner(state, EntryKind::Vitals, vid).await?;
            require_patient(state, caller, pid, chart).await?;
            let sets = hearth_ehr::vitals::repo::list(&state.pool, pid, 100_000).await?;
            let obs = sets
                .iter()
                .filter(|v| v.id == vid)
                .flat_map(observations)
                .find(|o| o["id"].as_str() == Some(&format!("{vid}-{part}")))
                .ok_or_else(|| Outcome::not_found("Observation not known."))?;
            hearth_ehr::audit_view(&state.pool, &caller.meta, pid, "fhir.Observation").await?;
            Ok(obs)
        }
        ResourceType::Condition => {
            let cid = parse_id(ty, id)?;
            let pid = owner(state, EntryKind::Problem, cid).await?;
            require_patient(state, caller, pid, chart).await?;
            let c = hearth_ehr::problems::list(&state.pool, pid, false)
                .await?
                .into_iter()
                .find(|p| p.id == cid)
                .map(|p| condition(&p))
                .ok_or_else(|| Outcome::not_found("Condition not known."))?;
            hearth_ehr::audit_view(&state.pool, &caller.meta, pid, "fhir.Condition").await?;
            Ok(c)
        }
        ResourceType::AllergyIntolerance => {
            let aid = parse_id(ty, id)?;
            let pid = owner(state, EntryKind::Allergy, aid).await?;
            require_patient(state, caller, pid, chart).await?;
            let a = hearth_ehr::allergies::list(&state.pool, pid)
                .await?
                .into_iter()
                .find(|a| a.id == aid)
                .map(|a| allergy(&a))
                .ok_or_else(|| Outcome::not_found("AllergyIntolerance not known."))?;
            hearth_ehr::audit_view(&state.pool, &caller.meta, pid, "fhir.AllergyIntolerance").await?;
            Ok(a)
        }
        ResourceType::Encounter => {
            let eid = parse_id(ty, id)?;
            let pid = owner(state, EntryKind::Encounter, eid).await?;
            require_patient(state, caller, pid, chart).await?;
            let e = hearth_ehr::encounters::list(&state.pool, pid, 100_000)
                .await?
                .into_iter()
                .find(|e| e.id == eid)
                .map(|e| encounter(&e))
                .ok_or_else(|| Outcome::not_found("Encounter not known."))?;
            hearth_ehr::audit_view(&state.pool, &caller.meta, pid, "fhir.Encounter").await?;
            Ok(e)
        }
    }
}

async fn owner(state: &AppState, kind: EntryKind, id: Uuid) -> FhirResult<Uuid> {
    hearth_ehr::entry_patient(&state.pool, kind, id)
        .await?
        .ok_or_else(|| Outcome::new(StatusCode::NOT_FOUND, "not-found", "Not known."))
}

// ------------------------------------------------------------------ mappings

pub fn patient(base_url: &str, facs: &[Facility], p: &PatientSummary, facility_id: Uuid) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Patient"));
    r.insert("id".into(), json!(p.id.to_string()));
    let mut identifier = json!({ "use": "usual", "value": p.mrn,
        "type": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR" }], "text": "MRN" } });
    if let Some(f) = facs.iter().find(|f| f.id == facility_id) {
        identifier["system"] = json!(mrn_system(base_url, &f.code));
        identifier["assigner"] = json!({ "reference": format!("Organization/{}", f.id), "display": f.name });
        r.insert("managingOrganization".into(), json!({ "reference": format!("Organization/{}", f.id) }));
    }
    r.insert("identifier".into(), json!([identifier]));
    r.insert("active".into(), json!(p.active));
    let mut given = vec![json!(p.given_name)];
    if let Some(m) = p.middle_name.as_deref().filter(|m| !m.is_empty()) {
        given.push(json!(m));
    }
    let mut names = vec![json!({ "use": "official", "family": p.family_name, "given": given })];
    if let Some(n) = p.preferred_name.as_deref().filter(|m| !m.is_empty()) {
        names.push(json!({ "use": "usual", "given": [n] }));
    }
    r.insert("name".into(), json!(names));
    r.insert("gender".into(), json!(p.sex));
    if let Some(d) = p.birth_date {
        r.insert("birthDate".into(), json!(d.to_string()));
    }
    if p.deceased {
        r.insert("deceasedBoolean".into(), json!(true));
    }
    Value::Object(r)
}

pub fn patient_of(base_url: &str, facs: &[Facility], p: &FilteredPatient) -> Value {
    patient(base_url, facs, &p.summary, p.facility_id)
}

pub fn organization(f: &Facility) -> Value {
    let mut r = json!({
        "resourceType": "Organization",
        "id": f.id.to_string(),
        "identifier": [{ "system": "urn:hearth:facility-code", "value": f.code }],
        "active": f.active,
        "type": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov", "display": "Healthcare Provider" }] }],
        "name": f.name,
    });
    if !f.address.trim().is_empty() {
        r["address"] = json!([{ "text": f.address }]);
    }
    r
}

/// One vital sign: (id suffix, LOINC code, display, UCUM unit, in the vital-signs profile).
struct Sign {
    suffix: &'static str,
    loinc: &'static str,
    display: &'static str,
    unit: &'static str,
    profile: bool,
}

const SIGNS: [Sign; 8] = [
    Sign { suffix: "temp", loinc: "8310-5", display: "Body temperature", unit: "Cel", profile: true },
    Sign { suffix: "hr", loinc: "8867-4", display: "Heart rate", unit: "/min", profile: true },
    Sign { suffix: "rr", loinc: "9279-1", display: "Respiratory rate", unit: "/min", profile: true },
    Sign {
        suffix: "spo2",
        loinc: "59408-5",
        display: "Oxygen saturation in Arterial blood by Pulse oximetry",
        unit: "%",
        profile: true,
    },
    Sign { suffix: "wt", loinc: "29463-7", display: "Body weight", unit: "kg", profile: true },
    Sign { suffix: "ht", loinc: "8302-2", display: "Body height", unit: "cm", profile: true },
    Sign { suffix: "bmi", loinc: "39156-5", display: "Body mass index (BMI) [Ratio]", unit: "kg/m2", profile: true },
    Sign {
        suffix: "pain",
        loinc: "72514-3",
        display: "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
        unit: "{score}",
        profile: false,
    },
];

pub const BP_PANEL: &str = "85354-9";

fn quantity(v: f64, unit: &str) -> Value {
    json!({ "value": v, "unit": unit, "system": UCUM, "code": unit })
}

fn vital_base(v: &Vitals, suffix: &str, loinc: &str, display: &str, profile: bool) -> Value {
    let mut o = json!({
        "resourceType": "Observation",
        "id": format!("{}-{}", v.id, suffix),
        "status": "final",
        "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs", "display": "Vital Signs" }], "text": "Vital Signs" }],
        "code": { "coding": [{ "system": LOINC, "code": loinc, "display": display }], "text": display },
        "subject": { "reference": format!("Patient/{}", v.patient_id) },
        "effectiveDateTime": instant(v.taken_at),
    });
    if profile {
        o["meta"] = json!({ "profile": ["http://hl7.org/fhir/StructureDefinition/vitalsigns"] });
    }
    if let Some(e) = v.encounter_id {
        o["encounter"] = json!({ "reference": format!("Encounter/{e}") });
    }
    o
}

/// The Observations of one vital-signs set: one per measured sign, blood pressure as a panel
/// with its systolic and diastolic components.
pub fn observations(v: &Vitals) -> Vec<Value> {
    let values = [v.temperature_c, v.pulse, v.resp_rate, v.spo2, v.weight_kg, v.height_cm, v.bmi, v.pain];
    let mut out = Vec::new();
    for (s, value) in SIGNS.iter().zip(values) {
        if let Some(x) = value {
            let mut o = vital_base(v, s.suffix, s.loinc, s.display, s.profile);
            o["valueQuantity"] = quantity(x, s.unit);
            out.push(o);
        }
    }
    if let (Some(sys), Some(dia)) = (v.bp_systolic, v.bp_diastolic) {
        let mut o = vital_base(v, "bp", BP_PANEL, "Blood pressure panel with all children optional", true);
        o["component"] = json!([
            { "code": { "coding": [{ "system": LOINC, "code": "8480-6", "display": "Systolic blood pressure" }] },
              "valueQuantity": quantity(sys, "mm[Hg]") },
            { "code": { "coding": [{ "system": LOINC, "code": "8462-4", "display": "Diastolic blood pressure" }] },
              "valueQuantity": quantity(dia, "mm[Hg]") },
        ]);
        out.push(o);
    }
    out
}

/// The LOINC codes served as vital signs (for `code=` searches).
pub fn vital_codes() -> Vec<&'static str> {
    SIGNS.iter().map(|s| s.loinc).chain([BP_PANEL]).collect()
}

pub fn condition(p: &Problem) -> Value {
    let mut coding = Vec::new();
    if let Some(c) = &p.icd_code {
        coding.push(json!({ "system": ICD10CM, "code": c }));
    }
    if let (Some(s), Some(c)) = (&p.code_system, &p.code) {
        if s != ICD10CM || p.icd_code.as_deref() != Some(c.as_str()) {
            coding.push(json!({ "system": s, "code": c }));
        }
    }
    let mut code = json!({ "text": p.description });
    if !coding.is_empty() {
        code["coding"] = json!(coding);
    }
    let category = if p.encounter_id.is_some() { "encounter-diagnosis" } else { "problem-list-item" };
    let mut r = json!({
        "resourceType": "Condition",
        "id": p.id.to_string(),
        "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": category }] }],
        "code": code,
        "subject": { "reference": format!("Patient/{}", p.patient_id) },
    });
    let verification = if p.status == "entered_in_error" {
        "entered-in-error"
    } else if p.certainty == "provisional" {
        "provisional"
    } else {
        "confirmed"
    };
    r["verificationStatus"] = json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": verification }] });
    // An entry in error carries no clinical status (R4 invariant con-5).
    if p.status != "entered_in_error" {
        let clinical = if p.status == "resolved" { "resolved" } else { "active" };
        r["clinicalStatus"] = json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": clinical }] });
    }
    if let Some(d) = p.onset_date {
        r["onsetDateTime"] = json!(d.to_string());
    }
    if let Some(d) = p.resolved_date {
        r["abatementDateTime"] = json!(d.to_string());
    }
    if let Some(e) = p.encounter_id {
        r["encounter"] = json!({ "reference": format!("Encounter/{e}") });
    }
    if !p.comment.trim().is_empty() {
        r["note"] = json!([{ "text": p.comment }]);
    }
    r
}

pub fn allergy(a: &Allergy) -> Value {
    let mut code = json!({ "text": a.substance });
    if let (Some(s), Some(c)) = (&a.code_system, &a.code) {
        code["coding"] = json!([{ "system": s, "code": c }]);
    }
    let verification = match a.verification_status.as_str() {
        "entered_in_error" => "entered-in-error",
        other => other,
    };
    let verification = if a.status == "entered_in_error" { "entered-in-error" } else { verification };
    let mut r = json!({
        "resourceType": "AllergyIntolerance",
        "id": a.id.to_string(),
        "verificationStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "code": verification }] },
        "type": a.kind,
        "code": code,
        "patient": { "reference": format!("Patient/{}", a.patient_id) },
        "recordedDate": instant(a.recorded_at),
    });
    if verification != "entered-in-error" {
        let clinical = if a.status == "inactive" { "inactive" } else { "active" };
        r["clinicalStatus"] = json!({ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "code": clinical }] });
    }
    let category = match a.category.as_str() {
        "drug" | "medication" => Some("medication"),
        "food" => Some("food"),
        "environment" => Some("environment"),
        "biologic" => Some("biologic"),
        _ => None,
    };
    if let Some(c) = category {
        r["category"] = json!([c]);
    }
    if let Some(c) = a.criticality.as_deref() {
        r["criticality"] = json!(c.replace('_', "-"));
    }
    if let Some(d) = a.onset_date {
        r["onsetDateTime"] = json!(d.to_string());
    }
    if let Some(e) = a.encounter_id {
        r["encounter"] = json!({ "reference": format!("Encounter/{e}") });
    }
    let reactions: Vec<Value> = a
        .reactions
        .0
        .iter()
        .filter(|x| !x.manifestation.trim().is_empty())
        .map(|x| {
            let mut re = json!({ "manifestation": [{ "text": x.manifestation }] });
            if let Some(s) = x.severity.as_deref().filter(|s| matches!(*s, "mild" | "moderate" | "severe")) {
                re["severity"] = json!(s);
            }
            re
        })
        .collect();
    if !reactions.is_empty() {
        r["reaction"] = json!(reactions);
    } else if !a.reaction.trim().is_empty() {
        r["reaction"] = json!([{ "manifestation": [{ "text": a.reaction }] }]);
    }
    r
}

pub fn encounter(e: &Encounter) -> Value {
    let status = match e.status.as_str() {
        "planned" => "planned",
        "arrived" => "arrived",
        "in_progress" => "in-progress",
        "finished" => "finished",
        _ => "cancelled",
    };
    let (code, display) = match e.kind.as_str() {
        "inpatient" => ("IMP", "inpatient encounter"),
        "emergency" => ("EMER", "emergency"),
        "virtual" | "telephone" => ("VR", "virtual"),
        "home_visit" => ("HH", "home health"),
        _ => ("AMB", "ambulatory"),
    };
    let mut r = json!({
        "resourceType": "Encounter",
        "id": e.id.to_string(),
        "status": status,
        "class": { "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": code, "display": display },
        "subject": { "reference": format!("Patient/{}", e.patient_id) },
    });
    let mut period = json!({ "start": instant(e.starts_at) });
    if let Some(end) = e.ended_at {
        period["end"] = json!(instant(end));
    }
    r["period"] = period;
    if !e.reason.trim().is_empty() {
        r["reasonCode"] = json!([{ "text": e.reason }]);
    }
    if let Some(c) = &e.clinician {
        r["participant"] = json!([{ "individual": { "display": c } }]);
    }
    if let Some(d) = &e.department {
        r["serviceType"] = json!({ "text": d });
    }
    r
}
