//! Allergies and intolerances, and the explicit "no known allergies" (NKA) statement.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{FromRow, PgConnection};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{audit_view, Banner, ChartPatient};
use hearth_core::app::AppState;
use hearth_core::error::{AppError, AppResult};
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::auth::Auth;
use hearth_core::platform::rbac::HasPerms;
use hearth_core::web::time::Zone;
use hearth_core::web::Path;
use hearth_core::web::{self, FieldErrors, Page};
use hearth_patients::context::PatientCtx;

pub const SEVERITIES: [&str; 4] = ["mild", "moderate", "severe", "life_threatening"];
pub const CATEGORIES: [&str; 4] = ["drug", "food", "environment", "other"];
/// FHIR's categories, also accepted (and kept as sent): medication (= drug) and biologic.
pub const FHIR_CATEGORIES: [&str; 2] = ["medication", "biologic"];
pub const CRITICALITIES: [&str; 3] = ["low", "high", "unable_to_assess"];
pub const VERIFICATIONS: [&str; 4] = ["unconfirmed", "confirmed", "refuted", "entered_in_error"];
pub const REACTION_SEVERITIES: [&str; 3] = ["mild", "moderate", "severe"];

/// A FHIR code as sent (`unable-to-assess`, `entered-in-error`) in this module's spelling.
pub(crate) fn fhir_code(v: &str) -> String {
    v.trim().to_ascii_lowercase().replace('-', "_")
}

/// One reaction: what was seen, and how severe it was.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reaction {
    /// What was seen (hives, anaphylaxis, …).
    #[serde(default)]
    pub manifestation: String,
    /// mild, moderate or severe.
    #[serde(default)]
    pub severity: Option<String>,
}
pub const STATUSES: [&str; 3] = ["active", "inactive", "entered_in_error"];

/// The coded substances offered in the form: (code, name, category).
pub const CODED: &[(&str, &str, &str)] = &[
    ("penicillin", "Penicillins", "drug"),
    ("amoxicillin", "Amoxicillin", "drug"),
    ("cephalosporin", "Cephalosporins", "drug"),
    ("sulfonamide", "Sulfonamide antibiotics", "drug"),
    ("macrolide", "Macrolides (erythromycin, clarithromycin)", "drug"),
    ("fluoroquinolone", "Fluoroquinolones", "drug"),
    ("aspirin", "Aspirin", "drug"),
    ("nsaid", "NSAIDs (ibuprofen, naproxen, diclofenac)", "drug"),
    ("codeine", "Codeine", "drug"),
    ("morphine", "Morphine", "drug"),
    ("opioid", "Opioids (other)", "drug"),
    ("ace_inhibitor", "ACE inhibitors", "drug"),
    ("iodinated_contrast", "Iodinated contrast media", "drug"),
    ("heparin", "Heparin", "drug"),
    ("anticonvulsant", "Aromatic anticonvulsants (carbamazepine, phenytoin)", "drug"),
    ("peanut", "Peanut", "food"),
    ("tree_nut", "Tree nuts", "food"),
    ("shellfish", "Shellfish", "food"),
    ("fish", "Fish", "food"),
    ("egg", "Egg", "food"),
    ("milk", "Cow's milk", "food"),
    ("wheat", "Wheat", "food"),
    ("soy", "Soy", "food"),
    ("sesame", "Sesame", "food"),
    ("latex", "Latex", "environment"),
    ("bee_venom", "Bee venom", "environment"),
    ("wasp_venom", "Wasp venom", "environment"),
    ("pollen", "Grass and tree pollen", "environment"),
    ("dust_mite", "House dust mite", "environment"),
    ("animal_dander", "Animal dander", "environment"),
    ("nickel", "Nickel", "environment"),
    ("adhesive", "Medical adhesives", "environment"),
];

pub fn coded(code: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    CODED.iter().find(|(c, _, _)| *c == code)
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewAllergy {
    /// A code from the shipped list (e.g. `penicillin`, `peanut`, `latex`); optional.
    #[serde(default)]
    pub substance_code: String,
    /// Free text; required when no code is given.
    #[serde(default)]
    pub substance: String,
    /// The substance's coding system when coded outside the shipped list (a URI such as
    /// `http://snomed.info/sct`, `http://www.nlm.nih.gov/research/umls/rxnorm`, the source
    /// system's own, or `snomed`); with `code` and a `substance` text.
    #[serde(default)]
    pub system: String,
    /// The substance's code in `system` (SNOMED CT: the concept id).
    #[serde(default)]
    pub code: String,
    /// drug (or FHIR's medication), food, environment, biologic or other. With a code it may be
    /// left out (the code's category is used); a category that contradicts the code is refused.
    #[serde(default)]
    pub category: String,
    /// allergy (default) or intolerance.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reaction: String,
    /// Optional overall severity (the older model): mild, moderate, severe or life_threatening.
    /// When criticality or reaction severity are not sent they are derived from it (mild,
    /// moderate: low criticality; severe, life-threatening: high; the reaction's severity the same,
    /// life-threatening as severe).
    #[serde(default)]
    pub severity: String,
    /// FHIR criticality: low, high or unable-to-assess.
    #[serde(default)]
    pub criticality: String,
    /// FHIR verification status: unconfirmed, confirmed (default), refuted or entered-in-error
    /// (refuted is recorded inactive, entered-in-error as entered in error).
    #[serde(default)]
    pub verification_status: String,
    /// The severity of `reaction`: mild, moderate or severe.
    #[serde(default)]
    pub reaction_severity: String,
    /// Several reactions, each with its severity (instead of `reaction`/`reaction_severity`).
    #[serde(default)]
    pub reactions: Vec<Reaction>,
    /// YYYY-MM-DD: when it began; not in the future, not before birth.
    #[serde(default)]
    pub onset_date: String,
    /// When it was first recorded (RFC 3339, or a local date-time on the page), e.g. in the
    /// source system; default now; not in the future.
    #[serde(default)]
    pub recorded_at: String,
    /// Who recorded it in the source system (imports); empty when recorded here.
    #[serde(default)]
    pub source_author: String,
    /// One of the patient's encounters it was recorded in.
    #[serde(default)]
    pub encounter_id: String,
    /// Record it although an active allergy to the same substance is on file (otherwise 409
    /// with the existing entry's id); needs `duplicate_reason`.
    #[serde(default)]
    pub record_anyway: bool,
    /// Why a second active entry for the same substance is recorded.
    #[serde(default)]
    pub duplicate_reason: String,
}

pub struct ValidAllergy {
    substance: String,
    substance_code: Option<String>,
    /// (system, code) of a substance coded outside the shipped list.
    coding: Option<(String, String)>,
    category: String,
    kind: String,
    reaction: String,
    severity: Option<String>,
    criticality: Option<String>,
    verification_status: String,
    reaction_severity: Option<String>,
    reactions: Vec<Reaction>,
    onset_date: Option<time::Date>,
    recorded_at: Option<OffsetDateTime>,
    source_author: String,
    encounter_id: Option<Uuid>,
    record_anyway: bool,
    duplicate_reason: String,
}

impl ValidAllergy {
    pub fn substance(&self) -> &str {
        &self.substance
    }
}

impl NewAllergy {
    /// Checks the entry; `birth` and `today` bound the onset date, `zone` reads `recorded_at`.
    pub fn validate(
        &self,
        birth: Option<time::Date>,
        today: time::Date,
        zone: &Zone,
    ) -> Result<ValidAllergy, FieldErrors> {
        let mut e = FieldErrors::default();
        let code = self.substance_code.trim();
        let free = self.substance.trim();
        let sent_cat = self.category.trim().to_ascii_lowercase();
        let cat_ok = |c: &str| CATEGORIES.contains(&c) || FHIR_CATEGORIES.contains(&c);
        let (substance, substance_code, category) = if code.is_empty() {
            if free.is_empty() {
                e.add("substance", "Choose a substance from the list or type one.");
            } else if free.chars().count() > 200 {
                e.add("substance", "At most 200 characters.");
            }
            if !cat_ok(&sent_cat) {
                e.add("category", "Choose drug (medication), food, environment, biologic or other.");
            }
            (free.to_string(), None, sent_cat.clone())
        } else {
            match coded(code) {
                Some((c, name, cat)) => {
                    let name = if free.is_empty() { name.to_string() } else { free.to_string() };
                    // A sent category is kept when it agrees with the code, refused when not.
                    let category = if sent_cat.is_empty() {
                        cat.to_string()
                    } else if sent_cat == *cat || (sent_cat == "medication" && *cat == "drug") {
                        sent_cat.clone()
                    } else {
                        e.add(
                            "category",
                            format!("{name} is a {cat} substance; the category {sent_cat:?} does not match it."),
                        );
                        String::new()
                    };
                    (name, Some(c.to_string()), category)
                }
                None => {
                    e.add("substance_code", "Unknown substance code; choose one from the list.");
                    (String::new(), None, String::new())
                }
            }
        };
        let coding = read_coding(&mut e, &self.system, &self.code);
        let kind = if self.kind.trim().is_empty() { "allergy" } else { self.kind.trim() };
        if !["allergy", "intolerance"].contains(&kind) {
            e.add("kind", "Choose allergy or intolerance.");
        }
        let reaction = self.reaction.trim().to_string();
        if reaction.chars().count() > 300 {
            e.add("reaction", "At most 300 characters.");
        }
        let severity = match self.severity.trim() {
            "" => None,
            s if SEVERITIES.contains(&s) => Some(s.to_string()),
            _ => {
                e.add("severity", "Choose mild, moderate, severe or life-threatening, or leave it empty.");
                None
            }
        };
        let criticality = match fhir_code(&self.criticality).as_str() {
            "" => {
                severity.as_deref().map(|s| if matches!(s, "mild" | "moderate") { "low" } else { "high" }.to_string())
            }
            c if CRITICALITIES.contains(&c) => Some(c.to_string()),
            _ => {
                e.add("criticality", "Choose low, high or unable to assess.");
                None
            }
        };
        let verification_status = match fhir_code(&self.verification_status).as_str() {
            "" => "confirmed".to_string(),
            v if VERIFICATIONS.contains(&v) => v.to_string(),
            _ => {
                e.add("verification_status", "Choose unconfirmed, confirmed, refuted or entered in error.");
                String::new()
            }
        };
        let from_severity =
            || severity.as_deref().map(|s| if s == "life_threatening" { "severe" } else { s }.to_string());
        let reaction_severity = match fhir_code(&self.reaction_severity).as_str() {
            "" => None,
            s if REACTION_SEVERITIES.contains(&s) => Some(s.to_string()),
            _ => {
                e.add("reaction_severity", "Choose mild, moderate or severe.");
                None
            }
        };
        let mut reactions = Vec::new();
        if !self.reactions.is_empty() {
            if !reaction.is_empty() || reaction_severity.is_some() {
                e.add(
                    "reactions",
                    "Give the reactions either as a list or as reaction and reaction_severity, not both.",
                );
            }
            if self.reactions.len() > 20 {
                e.add("reactions", "At most 20 reactions.");
            }
            for r in &self.reactions {
                let m = r.manifestation.trim();
                if m.is_empty() || m.chars().count() > 300 {
                    e.add("reactions", "Each reaction needs its manifestation (at most 300 characters).");
                }
                let sev = match r.severity.as_deref().map(fhir_code).as_deref() {
                    None | Some("") => None,
                    Some(s) if REACTION_SEVERITIES.contains(&s) => Some(s.to_string()),
                    Some(_) => {
                        e.add("reactions", "A reaction's severity is mild, moderate or severe.");
                        None
                    }
                };
                reactions.push(Reaction { manifestation: m.to_string(), severity: sev });
            }
        } else if !reaction.is_empty() || reaction_severity.is_some() {
            reactions.push(Reaction {
                manifestation: reaction.clone(),
                severity: reaction_severity.clone().or_else(from_severity),
            });
        }
        // The worst reaction's severity, or the overall severity's.
        let worst = reactions
            .iter()
            .filter_map(|r| r.severity.clone())
            .max_by_key(|s| REACTION_SEVERITIES.iter().position(|x| x == s))
            .or_else(from_severity);
        let reaction = if self.reactions.is_empty() {
            reaction
        } else {
            reactions
                .iter()
                .map(|r| r.manifestation.as_str())
                .collect::<Vec<_>>()
                .join("; ")
                .chars()
                .take(300)
                .collect()
        };
        let onset_date = crate::clinical_date(&mut e, "onset_date", &self.onset_date, birth, today, "onset date");
        let (source_author, recorded_at) = crate::read_provenance(&mut e, zone, &self.source_author, &self.recorded_at);
        let encounter_id = crate::read_encounter_id(&mut e, &self.encounter_id);
        let duplicate_reason = self.duplicate_reason.trim().to_string();
        if self.record_anyway && duplicate_reason.is_empty() {
            e.add("duplicate_reason", "Give the reason for recording a second active entry for this substance.");
        } else if duplicate_reason.chars().count() > 500 {
            e.add("duplicate_reason", "At most 500 characters.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidAllergy {
            substance,
            substance_code,
            coding,
            category,
            kind: kind.to_string(),
            reaction,
            severity,
            criticality,
            verification_status,
            reaction_severity: worst,
            reactions,
            onset_date,
            recorded_at,
            source_author,
            encounter_id,
            record_anyway: self.record_anyway,
            duplicate_reason: if self.record_anyway { duplicate_reason } else { String::new() },
        })
    }
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Allergy {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub substance: String,
    pub substance_code: Option<String>,
    pub category: String,
    pub kind: String,
    pub reaction: String,
    /// The overall severity of the older model, when recorded so.
    pub severity: Option<String>,
    /// low, high or unable_to_assess (FHIR criticality).
    pub criticality: Option<String>,
    /// unconfirmed, confirmed, refuted or entered_in_error.
    pub verification_status: String,
    /// The worst reaction's severity: mild, moderate or severe.
    pub reaction_severity: Option<String>,
    /// Each reaction with its severity.
    #[schema(value_type = Vec<Reaction>)]
    pub reactions: sqlx::types::Json<Vec<Reaction>>,
    #[schema(value_type = Option<String>)]
    #[serde(serialize_with = "crate::date_str::serialize")]
    pub onset_date: Option<time::Date>,
    /// When first recorded (in the source system, for imported entries).
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
    /// Who recorded it in the source system; empty when recorded here.
    pub source_author: String,
    /// The encounter it was recorded in.
    pub encounter_id: Option<Uuid>,
    /// The coding system (URI) of `code` for a substance coded outside the shipped list.
    pub code_system: Option<String>,
    /// The substance's code in `code_system` (e.g. a SNOMED CT concept id).
    pub code: Option<String>,
    pub status: String,
    /// The reason given when it was last set inactive or entered in error.
    pub status_reason: String,
    pub recorded_by: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// Reads an optional (system, code) pair: both or neither; the system a URI or a known name
/// (as problems take it), a SNOMED CT code a concept id.
fn read_coding(e: &mut FieldErrors, system: &str, code: &str) -> Option<(String, String)> {
    let code = code.trim();
    let system = match crate::problems::normalize_system(system) {
        Ok(s) => s,
        Err(msg) => {
            e.add("system", msg);
            return None;
        }
    };
    match (system, code.is_empty()) {
        (None, true) => None,
        (None, false) => {
            e.add("system", "Give the coding system of the code, e.g. http://snomed.info/sct.");
            None
        }
        (Some(_), true) => {
            e.add("code", "Give the code in that system, or leave the system empty.");
            None
        }
        (Some(s), false) => {
            if code.len() > 100 || code.contains(char::is_whitespace) {
                e.add("code", "A code is at most 100 characters without spaces.");
                None
            } else if s == crate::problems::SNOMED && !crate::problems::is_sctid(code) {
                e.add("code", "A SNOMED CT code is a concept id: 6 to 18 digits.");
                None
            } else {
                Some((s, code.to_string()))
            }
        }
    }
}

impl Allergy {
    /// "SNOMED CT 91936005" for a substance coded outside the shipped list.
    pub fn other_coding(&self) -> Option<String> {
        match (&self.code_system, &self.code) {
            (Some(s), Some(c)) => Some(format!("{} {c}", crate::problems::system_label(s))),
            _ => None,
        }
    }
}

/// The key under which two allergy entries are the same substance: the code when coded, else
/// the free text, case and surrounding space ignored.
pub fn substance_key(code: Option<&str>, substance: &str) -> String {
    match code {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => substance.trim().to_lowercase(),
    }
}

/// How bad an entry is, for "worst first": criticality (high, unable to assess, low, none), then
/// the older severity, then the reactions' severity.
fn severity_rank(a: &Allergy) -> (usize, usize, usize) {
    let c = match a.criticality.as_deref() {
        Some("high") => 3,
        Some("unable_to_assess") => 2,
        Some("low") => 1,
        _ => 0,
    };
    let s = a.severity.as_deref().and_then(|s| SEVERITIES.iter().position(|x| *x == s)).map_or(0, |p| p + 1);
    let r = a
        .reaction_severity
        .as_deref()
        .and_then(|s| REACTION_SEVERITIES.iter().position(|x| *x == s))
        .map_or(0, |p| p + 1);
    (c, s, r)
}

/// Each substance once, with its worst severity (the active list of the overview): the entry
/// kept is the worst one, in the order given.
pub fn worst_per_substance(rows: Vec<Allergy>) -> Vec<Allergy> {
    let mut out: Vec<Allergy> = Vec::new();
    for a in rows {
        let key = substance_key(a.substance_code.as_deref(), &a.substance);
        match out.iter_mut().find(|o| substance_key(o.substance_code.as_deref(), &o.substance) == key) {
            Some(o) if severity_rank(&a) > severity_rank(o) => *o = a,
            Some(_) => {}
            None => out.push(a),
        }
    }
    out
}

impl Allergy {
    /// "life-threatening · high criticality", "low criticality · moderate reaction" …
    pub fn severity_label(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.severity {
            parts.push(s.replace('_', "-"));
        }
        if let Some(c) = &self.criticality {
            parts.push(format!("{} criticality", c.replace('_', " ")));
        }
        if self.severity.is_none() {
            if let Some(r) = &self.reaction_severity {
                parts.push(format!("{r} reaction"));
            }
        }
        if parts.is_empty() {
            "criticality not assessed".into()
        } else {
            parts.join(" · ")
        }
    }
    /// Shown in red: high criticality or a severe / life-threatening severity.
    pub fn danger(&self) -> bool {
        self.criticality.as_deref() == Some("high")
            || matches!(self.severity.as_deref(), Some("severe" | "life_threatening"))
    }
    pub fn reaction_list(&self) -> &[Reaction] {
        &self.reactions.0
    }
    pub fn verification_label(&self) -> String {
        self.verification_status.replace('_', " ")
    }
    pub fn status_label(&self) -> String {
        super::encounters::label(&self.status)
    }
}

/// The allergy list plus whether NKA is recorded, for the API.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AllergyList {
    /// "No known allergies" explicitly recorded.
    pub no_known_allergies: bool,
    /// `recorded` (allergies or NKA on file) or `not_recorded`.
    pub assessment: String,
    pub items: Vec<Allergy>,
}

/// The patient's allergies (on a pool or the caller's transaction).
pub async fn list<'e>(pool: impl sqlx::PgExecutor<'e>, patient: Uuid) -> sqlx::Result<Vec<Allergy>> {
    sqlx::query_as(
        "SELECT a.id, a.patient_id, a.substance, a.substance_code, a.category, a.kind, a.reaction, a.severity,
                a.criticality, a.verification_status, a.reaction_severity, a.reactions, a.onset_date, a.recorded_at, a.source_author, a.encounter_id, a.code_system, a.code, a.status,
                a.status_reason, u.display_name AS recorded_by, a.created_at
         FROM allergies a LEFT JOIN users u ON u.id = a.recorded_by
         WHERE a.patient_id = $1
         ORDER BY array_position(ARRAY['active','inactive','entered_in_error'], a.status),
                  array_position(ARRAY['high','unable_to_assess','low'], a.criticality), array_position(ARRAY['life_threatening','severe','moderate','mild'], a.severity), a.substance
         LIMIT 500",
    )
    .bind(patient)
    .fetch_all(pool)
    .await
}

/// Whether "no known allergies" is recorded (on a pool or the caller's transaction).
pub async fn nka<'e>(pool: impl sqlx::PgExecutor<'e>, patient: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM allergy_nka WHERE patient_id = $1)")
        .bind(patient)
        .fetch_one(pool)
        .await
}

/// Records an allergy; a recorded "no known allergies" no longer holds and is cleared. A refuted
/// allergy is recorded inactive, one entered in error as entered in error.
pub async fn insert(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid, v: &ValidAllergy) -> AppResult<Uuid> {
    let id = Uuid::new_v4();
    crate::check_encounter(conn, patient, v.encounter_id).await?;
    let status = match v.verification_status.as_str() {
        "refuted" => "inactive",
        "entered_in_error" => "entered_in_error",
        _ => "active",
    };
    sqlx::query(
        "INSERT INTO allergies (id, patient_id, substance, substance_code, category, kind, reaction, severity, status, recorded_by,
                                duplicate_reason, criticality, verification_status, reaction_severity, reactions, onset_date, recorded_at,
                                source_author, encounter_id, code_system, code)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,coalesce($17, now()),$18,$19,$20,$21)",
    )
    .bind(id)
    .bind(patient)
    .bind(&v.substance)
    .bind(&v.substance_code)
    .bind(&v.category)
    .bind(&v.kind)
    .bind(&v.reaction)
    .bind(&v.severity)
    .bind(status)
    .bind(meta.actor_user_id)
    .bind(&v.duplicate_reason)
    .bind(&v.criticality)
    .bind(&v.verification_status)
    .bind(&v.reaction_severity)
    .bind(sqlx::types::Json(&v.reactions))
    .bind(v.onset_date)
    .bind(v.recorded_at)
    .bind(&v.source_author)
    .bind(v.encounter_id)
    .bind(v.coding.as_ref().map(|c| &c.0))
    .bind(v.coding.as_ref().map(|c| &c.1))
    .execute(&mut *conn)
    .await?;
    let cleared = if status == "active" {
        sqlx::query("DELETE FROM allergy_nka WHERE patient_id = $1")
            .bind(patient)
            .execute(&mut *conn)
            .await?
            .rows_affected()
    } else {
        0
    };
    let mut changes = json!({"substance": v.substance, "substance_code": v.substance_code, "category": v.category,
        "kind": v.kind, "reaction": v.reaction, "severity": v.severity, "status": status,
        "criticality": v.criticality, "verification_status": v.verification_status,
        "reaction_severity": v.reaction_severity, "reactions": v.reactions,
        "onset_date": v.onset_date.map(|d| d.to_string()), "nka_cleared": cleared > 0});
    if !v.source_author.is_empty() {
        changes["source_author"] = json!(v.source_author);
    }
    if let Some(e) = v.encounter_id {
        changes["encounter_id"] = json!(e);
    }
    if let Some((system, code)) = &v.coding {
        changes["code_system"] = json!(system);
        changes["code"] = json!(code);
    }
    if let Some(r) = v.recorded_at {
        changes["recorded_at"] = json!(r.format(&time::format_description::well_known::Rfc3339).unwrap_or_default());
    }
    if !v.duplicate_reason.is_empty() {
        changes["duplicate_reason"] = json!(v.duplicate_reason);
    }
    audit::record(conn, meta, Event::new("allergy.create", "allergy", id).patient(patient).changes(changes)).await?;
    Ok(id)
}

/// The patient's active allergy to the same substance (the worst, if several), after locking
/// the patient so that two concurrent entries cannot both pass the check.
pub async fn find_duplicate(conn: &mut PgConnection, patient: Uuid, v: &ValidAllergy) -> sqlx::Result<Option<Allergy>> {
    sqlx::query("SELECT 1 FROM patients WHERE id = $1 FOR UPDATE").bind(patient).execute(&mut *conn).await?;
    sqlx::query_as(
        "SELECT a.id, a.patient_id, a.substance, a.substance_code, a.category, a.kind, a.reaction, a.severity,
                a.criticality, a.verification_status, a.reaction_severity, a.reactions, a.onset_date, a.recorded_at, a.source_author, a.encounter_id, a.code_system, a.code, a.status,
                a.status_reason, u.display_name AS recorded_by, a.created_at
         FROM allergies a LEFT JOIN users u ON u.id = a.recorded_by
         WHERE a.patient_id = $1 AND a.status = 'active'
           AND ((a.substance_code IS NOT NULL AND a.substance_code = $2) OR lower(btrim(a.substance)) = lower(btrim($3))
                OR (a.code IS NOT NULL AND a.code_system = $4 AND a.code = $5))
         ORDER BY array_position(ARRAY['high','unable_to_assess','low'], a.criticality), array_position(ARRAY['life_threatening','severe','moderate','mild'], a.severity), a.created_at
         LIMIT 1",
    )
    .bind(patient)
    .bind(&v.substance_code)
    .bind(&v.substance)
    .bind(v.coding.as_ref().map(|c| &c.0))
    .bind(v.coding.as_ref().map(|c| &c.1))
    .fetch_optional(&mut *conn)
    .await
}

/// The fields of an existing allergy that "update the existing one" changes.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct AllergyUpdate {
    /// allergy or intolerance.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub reaction: String,
    /// mild, moderate, severe or life_threatening.
    #[serde(default)]
    pub severity: String,
}

/// Updates an active allergy's type, reaction and severity (the duplicate warning's "update the
/// existing one"); audited with each change as from/to.
pub async fn update_existing(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    u: &AllergyUpdate,
) -> AppResult<String> {
    let mut e = FieldErrors::default();
    let kind = if u.kind.trim().is_empty() { "allergy" } else { u.kind.trim() };
    if !["allergy", "intolerance"].contains(&kind) {
        e.add("kind", "Choose allergy or intolerance.");
    }
    if !u.severity.trim().is_empty() && !SEVERITIES.contains(&u.severity.trim()) {
        e.add("severity", "Choose mild, moderate, severe or life-threatening.");
    }
    if u.reaction.trim().chars().count() > 300 {
        e.add("reaction", "At most 300 characters.");
    }
    e.into_result()?;
    let before: Option<(String, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT substance, kind, reaction, severity, status FROM allergies WHERE id = $1 AND patient_id = $2 FOR UPDATE",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    let (substance, old_kind, old_reaction, old_severity, status) = before.ok_or(AppError::NotFound)?;
    if status != "active" {
        return Err(AppError::Conflict("Only an active allergy is updated; this one is not active.".into()));
    }
    let (reaction, severity) = (u.reaction.trim(), u.severity.trim());
    // An empty reaction keeps the recorded one.
    let reaction = if reaction.is_empty() { old_reaction.as_str() } else { reaction };
    // An empty severity keeps the recorded one.
    let old_severity = old_severity.unwrap_or_default();
    let severity = if severity.is_empty() { old_severity.as_str() } else { severity };
    sqlx::query("UPDATE allergies SET kind = $2, reaction = $3, severity = nullif($4, '') WHERE id = $1")
        .bind(id)
        .bind(kind)
        .bind(reaction)
        .bind(severity)
        .execute(&mut *conn)
        .await?;
    let mut changes = serde_json::Map::new();
    for (field, from, to) in [
        ("kind", old_kind.as_str(), kind),
        ("reaction", old_reaction.as_str(), reaction),
        ("severity", old_severity.as_str(), severity),
    ] {
        if from != to {
            changes.insert(field.into(), json!({"from": from, "to": to}));
        }
    }
    audit::record(
        conn,
        meta,
        Event::new("allergy.update", "allergy", id).patient(patient).changes(serde_json::Value::Object(changes)),
    )
    .await?;
    Ok(substance)
}

/// Records "no known allergies"; refused while an active allergy is on file.
pub async fn insert_nka(conn: &mut PgConnection, meta: &AuditMeta, patient: Uuid) -> AppResult<()> {
    // Serialise with concurrent allergy inserts for this patient.
    sqlx::query("SELECT 1 FROM patients WHERE id = $1 FOR UPDATE").bind(patient).execute(&mut *conn).await?;
    let active: i64 = sqlx::query_scalar("SELECT count(*) FROM allergies WHERE patient_id = $1 AND status = 'active'")
        .bind(patient)
        .fetch_one(&mut *conn)
        .await?;
    if active > 0 {
        return Err(AppError::Conflict(format!(
            "The patient has {active} active allerg{}; mark {} inactive or entered in error before recording \"no known allergies\".",
            if active == 1 { "y" } else { "ies" },
            if active == 1 { "it" } else { "them" }
        )));
    }
    let done = sqlx::query("INSERT INTO allergy_nka (patient_id, recorded_by) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(patient)
        .bind(meta.actor_user_id)
        .execute(&mut *conn)
        .await?;
    if done.rows_affected() > 0 {
        audit::record(conn, meta, Event::new("allergy.nka", "patient", patient).patient(patient)).await?;
    }
    Ok(())
}

pub async fn change_status(
    conn: &mut PgConnection,
    meta: &AuditMeta,
    patient: Uuid,
    id: Uuid,
    to: &str,
    reason: &str,
) -> AppResult<()> {
    let from: Option<String> =
        sqlx::query_scalar("SELECT status FROM allergies WHERE id = $1 AND patient_id = $2 FOR UPDATE")
            .bind(id)
            .bind(patient)
            .fetch_optional(&mut *conn)
            .await?;
    let from = from.ok_or(AppError::NotFound)?;
    if !STATUSES.contains(&to) {
        return Err(AppError::field("status", format!("{to:?} is not an allergy status")));
    }
    if from == to || from == "entered_in_error" {
        return Err(AppError::Conflict(format!("The allergy is already {}.", from.replace('_', " "))));
    }
    let reason = reason.trim();
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "At most 500 characters."));
    }
    sqlx::query("UPDATE allergies SET status = $2, status_reason = $3 WHERE id = $1")
        .bind(id)
        .bind(to)
        .bind(reason)
        .execute(&mut *conn)
        .await?;
    if to == "active" {
        sqlx::query("DELETE FROM allergy_nka WHERE patient_id = $1").bind(patient).execute(&mut *conn).await?;
    }
    audit::record(
        conn,
        meta,
        Event::new("allergy.status", "allergy", id)
            .patient(patient)
            .changes(json!({"status": {"from": from, "to": to}, "reason": reason})),
    )
    .await?;
    Ok(())
}

/// Whether a move to `to` is clinical and needs a confirmation with a reason.
pub fn needs_reason(to: &str) -> bool {
    matches!(to, "inactive" | "entered_in_error")
}

#[derive(Template)]
#[template(path = "ehr/allergies.html")]
struct AllergiesPage {
    page: Page,
    b: Banner,
    rows: Vec<Allergy>,
    form: NewAllergy,
    errors: FieldErrors,
    can_write: bool,
    coded: &'static [(&'static str, &'static str, &'static str)],
    severities: [&'static str; 4],
    criticalities: [&'static str; 3],
    verifications: [&'static str; 4],
    reaction_severities: [&'static str; 3],
    categories: [&'static str; 4],
    /// The active entry for the same substance, when the new one would duplicate it.
    duplicate: Option<Allergy>,
    /// A status change refused for want of confirmation or reason: (entry, status, message).
    refused: Option<(Uuid, String, String)>,
}

impl AllergiesPage {
    /// The category choices for a free-text substance (none chosen first).
    fn category_options(&self) -> Vec<(String, String)> {
        std::iter::once((String::new(), "—".to_string()))
            .chain(
                self.categories
                    .iter()
                    .chain(FHIR_CATEGORIES.iter())
                    .map(|c| (c.to_string(), self.label("ehr-allergies-category", c))),
            )
            .collect()
    }
    /// Choices with "—" (not given) first, labels in the page's language.
    fn criticality_options(&self) -> Vec<(String, String)> {
        self.optional("ehr-allergies-criticality", &self.criticalities)
    }
    fn reaction_severity_options(&self) -> Vec<(String, String)> {
        self.optional("ehr-allergies-reaction-severity", &self.reaction_severities)
    }
    fn verification_options(&self) -> Vec<(String, String)> {
        self.optional("ehr-allergies-verification", &self.verifications)
    }
    fn optional(&self, prefix: &str, values: &[&'static str]) -> Vec<(String, String)> {
        std::iter::once((String::new(), "—".to_string()))
            .chain(values.iter().map(|v| (v.to_string(), self.label(prefix, v))))
            .collect()
    }
    /// A coded value's label (`ehr-allergies-severity-life-threatening`), the code with spaces
    /// as the fallback.
    fn label(&self, prefix: &str, code: &str) -> String {
        self.page.t_or(&hearth_patients::i18n::key(prefix, code), &code.replace('_', " "))
    }
    /// "; recorded 2026-01-02 10:00 by Dr X." (the duplicate warning).
    fn recorded(&self, d: &Allergy) -> String {
        let when = self.page.zone.datetime(d.created_at);
        match &d.recorded_by {
            Some(by) => self.page.t2("ehr-problems-dup-recorded-by", "when", when, "name", by.as_str()),
            None => self.page.t1("ehr-problems-dup-recorded", "when", when),
        }
    }
    /// The refusal message for this entry and status, if that is the one refused.
    fn refused_for(&self, id: &Uuid, status: &str) -> Option<String> {
        self.refused.as_ref().filter(|(i, s, _)| i == id && s == status).map(|(_, _, m)| m.clone())
    }
}

struct Extra {
    duplicate: Option<Allergy>,
    refused: Option<(Uuid, String, String)>,
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    page: Page,
    auth: &Auth,
    b: Banner,
    form: NewAllergy,
    errors: FieldErrors,
    status: StatusCode,
    extra: Extra,
) -> AppResult<Response> {
    let rows = list(&state.pool, b.id).await?;
    audit_view(&state.pool, &auth.meta, b.id, "allergies").await?;
    let t = AllergiesPage {
        page: {
            let (title, list, tab) = (
                page.t1("ehr-allergies-title", "name", b.name.as_str()),
                page.t("nav-patients"),
                page.t("patients-tab-allergies"),
            );
            page.titled(title)
                .crumb(list, "/patients")
                .crumb(b.name.clone(), b.href("chart"))
                .crumb(tab, b.href("allergies"))
        },
        b,
        rows,
        form,
        errors,
        can_write: auth.can(crate::perms::CHART_WRITE),
        coded: CODED,
        severities: SEVERITIES,
        criticalities: CRITICALITIES,
        verifications: VERIFICATIONS,
        reaction_severities: REACTION_SEVERITIES,
        categories: CATEGORIES,
        duplicate: extra.duplicate,
        refused: extra.refused,
    };
    web::render_status(status, &t)
}

const NO_EXTRA: Extra = Extra { duplicate: None, refused: None };

pub async fn page(State(state): State<AppState>, page: Page, auth: Auth, patient: ChartPatient) -> AppResult<Response> {
    auth.require(crate::perms::CHART_READ)?;
    let b = patient.banner("allergies");
    let form = NewAllergy::default();
    render(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::OK, NO_EXTRA).await
}

pub async fn create(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Form(form): Form<NewAllergy>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("allergies");
    let valid = match form.validate(b.birth_date, page.zone.today(), &page.zone) {
        Ok(v) => v,
        Err(errors) => {
            return render(&state, page, &auth, b, form, errors, StatusCode::UNPROCESSABLE_ENTITY, NO_EXTRA).await
        }
    };
    let mut tx = state.pool.begin().await?;
    if !valid.record_anyway {
        if let Some(existing) = find_duplicate(&mut tx, b.id, &valid).await? {
            tx.rollback().await?;
            let extra = Extra { duplicate: Some(existing), refused: None };
            return render(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::CONFLICT, extra).await;
        }
    }
    insert(&mut tx, &auth.meta, b.id, &valid).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &b.href("allergies"),
        "ok",
        &page.t1("ehr-flash-allergy-recorded", "substance", valid.substance.as_str()),
    ))
}

/// The duplicate warning's "update the existing one".
pub async fn update(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: PatientCtx,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<AllergyUpdate>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let pid = patient.id;
    let mut tx = state.pool.begin().await?;
    let substance = update_existing(&mut tx, &auth.meta, pid, item, &f).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(
        &format!("/patients/{pid}/allergies"),
        "ok",
        &page.t1("ehr-flash-allergy-updated-existing", "substance", substance.as_str()),
    ))
}

pub async fn record_nka(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("allergies");
    let mut tx = state.pool.begin().await?;
    insert_nka(&mut tx, &auth.meta, b.id).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&b.href("allergies"), "ok", &page.t("ehr-flash-nka-recorded")))
}

#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
    /// "yes" once the user confirmed (the confirmation step's button).
    #[serde(default)]
    confirm: String,
    #[serde(default)]
    reason: String,
}

/// Why a page's status change is refused before anything changes: a clinical move
/// (inactive, entered in error) needs the confirmation step and a reason.
pub fn confirmation_missing(to: &str, confirm: &str, reason: &str, clinical: bool) -> Option<String> {
    if !clinical {
        return None;
    }
    if confirm != "yes" {
        return Some(format!("Confirm marking it {} first.", to.replace('_', " ")));
    }
    if reason.trim().is_empty() {
        return Some("Give the reason; it is kept with the entry.".into());
    }
    None
}

pub async fn set_status(
    State(state): State<AppState>,
    page: Page,
    auth: Auth,
    patient: ChartPatient,
    Path((_, item)): Path<(String, Uuid)>,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    auth.require(crate::perms::CHART_WRITE)?;
    let b = patient.banner("allergies");
    let pid = b.id;
    let to = f.status.trim();
    if let Some(msg) = confirmation_missing(to, &f.confirm, &f.reason, needs_reason(to)) {
        let form = NewAllergy { severity: "moderate".into(), ..Default::default() };
        let extra = Extra { duplicate: None, refused: Some((item, to.to_string(), msg)) };
        return render(&state, page, &auth, b, form, FieldErrors::default(), StatusCode::UNPROCESSABLE_ENTITY, extra)
            .await;
    }
    let mut tx = state.pool.begin().await?;
    change_status(&mut tx, &auth.meta, pid, item, to, &f.reason).await?;
    tx.commit().await?;
    Ok(web::redirect_flash(&format!("/patients/{pid}/allergies"), "ok", &page.t("ehr-flash-allergy-updated")))
}

/// On a merge, "no known allergies" survives only if, after the merge, the survivor has no
/// active allergy; the merged record's statement moves over when the survivor had none. Keeps
/// both statements as they were, for the undo.
pub async fn merge_nka(
    conn: &mut sqlx::PgConnection,
    survivor: Uuid,
    merged: Uuid,
) -> sqlx::Result<hearth_core::registry::StepOutcome> {
    let before: Vec<(Uuid, Option<Uuid>, OffsetDateTime)> =
        sqlx::query_as("SELECT patient_id, recorded_by, recorded_at FROM allergy_nka WHERE patient_id = ANY($1)")
            .bind(vec![survivor, merged])
            .fetch_all(&mut *conn)
            .await?;
    let statement = |p: Uuid| {
        before
            .iter()
            .find(|r| r.0 == p)
            .map(|(_, by, at)| serde_json::json!({"recorded_by": by, "recorded_at": nanos(*at)}))
    };
    let data = serde_json::json!({"survivor": statement(survivor), "merged": statement(merged)});
    let moved = sqlx::query(
        "INSERT INTO allergy_nka (patient_id, recorded_by, recorded_at)
         SELECT $1, recorded_by, recorded_at FROM allergy_nka WHERE patient_id = $2
         ON CONFLICT (patient_id) DO NOTHING",
    )
    .bind(survivor)
    .bind(merged)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("DELETE FROM allergy_nka WHERE patient_id = $1").bind(merged).execute(&mut *conn).await?;
    sqlx::query(
        "DELETE FROM allergy_nka WHERE patient_id = $1
           AND EXISTS (SELECT 1 FROM allergies WHERE patient_id = $1 AND status = 'active')",
    )
    .bind(survivor)
    .execute(&mut *conn)
    .await?;
    Ok(hearth_core::registry::StepOutcome::new(moved, data))
}

fn nanos(t: OffsetDateTime) -> String {
    t.unix_timestamp_nanos().to_string()
}

fn from_nanos(v: &serde_json::Value) -> Option<OffsetDateTime> {
    v.as_str().and_then(|n| n.parse::<i128>().ok()).and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
}

/// Undoes [`merge_nka`] once the allergies have moved back: each record gets back the statement
/// it had, where it still has no active allergy; the statement the merge gave the survivor
/// leaves it.
pub async fn unmerge_nka(conn: &mut sqlx::PgConnection, m: &hearth_core::registry::MergeRecord) -> sqlx::Result<u64> {
    let data = m.step_data("allergy_nka");
    if data["survivor"].is_null() {
        if let Some(at) = from_nanos(&data["merged"]["recorded_at"]) {
            sqlx::query("DELETE FROM allergy_nka WHERE patient_id = $1 AND recorded_at = $2")
                .bind(m.survivor)
                .bind(at)
                .execute(&mut *conn)
                .await?;
        }
    }
    let mut restored = 0;
    for (patient, statement) in [(m.survivor, &data["survivor"]), (m.merged, &data["merged"])] {
        let Some(at) = from_nanos(&statement["recorded_at"]) else { continue };
        let by = statement["recorded_by"].as_str().and_then(|u| Uuid::parse_str(u).ok());
        restored += sqlx::query(
            "INSERT INTO allergy_nka (patient_id, recorded_by, recorded_at)
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM allergies WHERE patient_id = $1 AND status = 'active')
             ON CONFLICT (patient_id) DO NOTHING",
        )
        .bind(patient)
        .bind(by)
        .bind(at)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: Option<&str>, substance: &str, severity: &str) -> Allergy {
        Allergy {
            id: Uuid::new_v4(),
            patient_id: Uuid::nil(),
            substance: substance.into(),
            substance_code: code.map(Into::into),
            category: "drug".into(),
            kind: "allergy".into(),
            reaction: String::new(),
            severity: Some(severity.into()),
            criticality: None,
            verification_status: "confirmed".into(),
            reaction_severity: None,
            reactions: sqlx::types::Json(Vec::new()),
            onset_date: None,
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            source_author: String::new(),
            encounter_id: None,
            code_system: None,
            code: None,
            status: "active".into(),
            status_reason: String::new(),
            recorded_by: None,
            created_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn each_substance_once_with_its_worst_severity() {
        let rows = vec![
            row(Some("penicillin"), "Penicillins", "mild"),
            row(None, "Strawberries", "moderate"),
            row(Some("penicillin"), "Penicillin", "life_threatening"),
            row(None, " strawberries ", "mild"),
            row(Some("penicillin"), "Penicillins", "severe"),
        ];
        let out = worst_per_substance(rows);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].severity.as_deref(), Some("life_threatening"));
        assert_eq!(out[1].substance, "Strawberries");
        assert_eq!(out[1].severity.as_deref(), Some("moderate"));
    }

    #[test]
    fn criticality_ranks_before_severity_and_fhir_fields_are_read_as_sent() {
        let mut high = row(Some("latex"), "Latex", "mild");
        high.criticality = Some("high".into());
        let mut low = row(Some("latex"), "Latex", "severe");
        low.criticality = Some("low".into());
        let out = worst_per_substance(vec![low, high]);
        assert_eq!(out[0].criticality.as_deref(), Some("high"));
        assert_eq!(out[0].severity_label(), "mild · high criticality");
        let f = NewAllergy {
            substance: "Ragweed".into(),
            category: "environment".into(),
            criticality: "Unable-To-Assess".into(),
            verification_status: "entered-in-error".into(),
            ..Default::default()
        };
        let v = f.validate(None, crate::today(), &Zone::utc()).ok().unwrap();
        assert_eq!(v.criticality.as_deref(), Some("unable_to_assess"));
        assert_eq!(v.verification_status, "entered_in_error");
        assert_eq!(v.severity, None);
        let f = NewAllergy { substance_code: "peanut".into(), severity: "moderate".into(), ..Default::default() };
        let v = f.validate(None, crate::today(), &Zone::utc()).ok().unwrap();
        assert_eq!((v.criticality.as_deref(), v.reaction_severity.as_deref()), (Some("low"), Some("moderate")));
        assert_eq!(v.category, "food");
    }

    #[test]
    fn clinical_status_changes_need_confirmation_and_reason() {
        assert!(needs_reason("entered_in_error") && needs_reason("inactive") && !needs_reason("active"));
        assert!(confirmation_missing("inactive", "", "", true).unwrap().contains("Confirm"));
        assert!(confirmation_missing("inactive", "yes", "  ", true).unwrap().contains("reason"));
        assert_eq!(confirmation_missing("inactive", "yes", "resolved in childhood", true), None);
        assert_eq!(confirmation_missing("active", "", "", false), None);
    }

    #[test]
    fn recording_anyway_needs_a_reason() {
        let f = NewAllergy {
            substance_code: "peanut".into(),
            severity: "mild".into(),
            record_anyway: true,
            ..Default::default()
        };
        assert!(f.validate(None, crate::today(), &Zone::utc()).err().unwrap().get("duplicate_reason").is_some());
        let f = NewAllergy { duplicate_reason: "second reaction type".into(), ..f };
        assert!(f.validate(None, crate::today(), &Zone::utc()).is_ok());
    }
}
