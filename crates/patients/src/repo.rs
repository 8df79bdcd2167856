//! SQL for the registry's own rows. Encrypted fields go through the key ring here and nowhere else.

use serde_json::{json, Value};
use sqlx::{FromRow, PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

pub use super::model::*;
pub use super::search::search;
use hearth_core::platform::audit::{self, AuditMeta, Event};
use hearth_core::platform::crypto::{canonical_phone, normalize_identifier, phone_tail, KeyRing};

/// Fields whose values never reach the audit log (recorded as changed only).
pub const ENCRYPTED_FIELDS: &[&str] = &[
    "phone",
    "email",
    "national_id",
    "insurance_number",
    "address",
    "address_line2",
    "city",
    "district",
    "postcode",
    "race",
    "ethnicity",
];

/// The phone number's blind index: of its canonical international form (`+447700968012` for
/// `07700 968012`, `+44 7700 968012`, `0044 7700 968012` alike; see [`canonical_phone`]).
pub fn bidx_phone(keys: &KeyRing, v: &str) -> Vec<u8> {
    keys.blind_index("phone", &canonical_phone(v, phone_country()))
}

/// The blind index of a phone number's last six digits, so a partial number
/// (`968012`) finds the patient; `None` for a shorter number.
pub fn bidx_phone_tail(keys: &KeyRing, v: &str) -> Option<Vec<u8>> {
    phone_tail(v).map(|t| keys.blind_index("phone_tail", &t))
}

/// The version of the phone indexes' normalisation that rows written now carry; rows of an
/// older version are re-indexed at start-up ([`reindex_phones`]).
pub const PHONE_INDEX_VERSION: i16 = 2;

/// The country calling code national phone numbers (`07700 968012`) are read in:
/// `HEARTH_PHONE_COUNTRY_CODE` (digits, default 44, the United Kingdom). It is part of the blind
/// index, so changing it on a running installation needs a re-index (bump the version).
pub fn phone_country() -> &'static str {
    static CODE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        std::env::var("HEARTH_PHONE_COUNTRY_CODE")
            .ok()
            .map(|v| v.trim().trim_start_matches('+').to_string())
            .filter(|v| (1..=3).contains(&v.len()) && v.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or_else(|| "44".into())
    });
    &CODE
}

/// Re-computes the phone blind indexes of rows written before the current normalisation
/// (`phone_index_version` below [`PHONE_INDEX_VERSION`]), in batches; idempotent, run at
/// start-up by `serve`. Returns how many rows it changed.
pub async fn reindex_phones(pool: &PgPool, keys: &KeyRing) -> sqlx::Result<u64> {
    let mut done = 0u64;
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<(Uuid, Option<Vec<u8>>)> = sqlx::query_as(
            "SELECT id, phone_enc FROM patients WHERE phone_index_version < $1 ORDER BY id LIMIT 500
             FOR UPDATE SKIP LOCKED",
        )
        .bind(PHONE_INDEX_VERSION)
        .fetch_all(&mut *tx)
        .await?;
        if rows.is_empty() {
            return Ok(done);
        }
        // One statement per batch; a row without a phone gets NULL indexes (bytea arrays carry
        // NULL as an empty value, turned back into NULL below).
        let mut ids = Vec::with_capacity(rows.len());
        let (mut full, mut tail) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
        for (id, enc) in &rows {
            let phone = keys.decrypt_opt(enc.as_deref(), AAD_PHONE);
            ids.push(*id);
            full.push(phone.as_deref().map(|v| bidx_phone(keys, v)).unwrap_or_default());
            tail.push(phone.as_deref().and_then(|v| bidx_phone_tail(keys, v)).unwrap_or_default());
        }
        sqlx::query(
            "UPDATE patients p SET phone_bidx = nullif(u.whole, ''::bytea), phone_tail_bidx = nullif(u.tail, ''::bytea),
                    phone_index_version = $4
             FROM unnest($1::uuid[], $2::bytea[], $3::bytea[]) AS u(id, whole, tail) WHERE p.id = u.id",
        )
        .bind(&ids)
        .bind(&full)
        .bind(&tail)
        .bind(PHONE_INDEX_VERSION)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += rows.len() as u64;
    }
}
pub fn bidx_national_id(keys: &KeyRing, v: &str) -> Vec<u8> {
    keys.blind_index("national_id", &normalize_identifier(v))
}
pub fn bidx_insurance(keys: &KeyRing, v: &str) -> Vec<u8> {
    keys.blind_index("insurance", &normalize_identifier(v))
}
pub fn bidx_email(keys: &KeyRing, v: &str) -> Vec<u8> {
    keys.blind_index("email", &normalize_email(v))
}

/// Renders an MRN from a facility template: `{CODE}`, `{YEAR}` and `{SEQ}` / `{SEQ:n}`
/// (zero-padded to n digits). The sequence is per facility, so MRNs never collide.
pub fn format_mrn(template: &str, code: &str, seq: i64, year: i32) -> String {
    let mut out = template.replace("{CODE}", code).replace("{YEAR}", &year.to_string());
    if let Some(start) = out.find("{SEQ") {
        if let Some(len) = out[start..].find('}') {
            let spec = &out[start..start + len + 1];
            let width: usize =
                spec.trim_start_matches("{SEQ").trim_start_matches(':').trim_end_matches('}').parse().unwrap_or(0);
            let n = format!("{seq:0width$}");
            out = out.replacen(spec, &n, 1);
        }
    }
    out
}

/// Checks an MRN template typed by an administrator.
pub fn validate_mrn_format(t: &str) -> Result<(), String> {
    let t = t.trim();
    if t.is_empty() || t.len() > 40 {
        return Err("The template has 1 to 40 characters.".into());
    }
    if !t.contains("{CODE}") {
        return Err("The template must contain {CODE}, so facilities never share an MRN.".into());
    }
    let rest = t.replace("{CODE}", "").replace("{YEAR}", "");
    let seqs = rest.matches("{SEQ").count();
    if seqs != 1 {
        return Err("The template must contain exactly one {SEQ} or {SEQ:n}.".into());
    }
    let start = rest.find("{SEQ").unwrap_or(0);
    let Some(end) = rest[start..].find('}') else { return Err("Close {SEQ with }.".into()) };
    let spec = &rest[start + 4..start + end];
    if !spec.is_empty() {
        match spec.strip_prefix(':').and_then(|w| w.parse::<u8>().ok()) {
            Some(w) if (1..=12).contains(&w) => {}
            _ => return Err("Write {SEQ:n} with n from 1 to 12.".into()),
        }
    }
    let literal: String = format!("{}{}", &rest[..start], &rest[start + end + 1..]);
    if !literal.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || "-/.".contains(c)) {
        return Err("Besides the placeholders use only A-Z, 0-9, '-', '/' and '.'.".into());
    }
    Ok(())
}

fn enc_json(v: &Option<String>) -> Value {
    v.as_ref().map(|s| Value::String(s.clone())).unwrap_or(Value::Null)
}

/// The auditable view of a patient's demographics (encrypted fields are masked by `audit::diff`).
pub fn demographics_json(p: &ValidPatient) -> Value {
    let a = &p.address_parts;
    let mut v = json!({
        "given_name": p.given_name, "family_name": p.family_name, "middle_name": p.middle_name,
        "preferred_name": p.preferred_name, "sex": p.sex, "gender_identity": p.gender_identity,
        "birth_date": p.birth_date.map(|d| d.to_string()), "birth_date_estimated": p.birth_date_estimated,
        "preferred_language": p.preferred_language, "unidentified": p.unidentified,
        "phone": enc_json(&p.phone), "email": enc_json(&p.email), "national_id": enc_json(&p.national_id),
        "insurance_number": enc_json(&p.insurance_number), "address": enc_json(&p.address),
        "address_line2": enc_json(&a.address_line2), "city": enc_json(&a.city), "district": enc_json(&a.district),
        "postcode": enc_json(&a.postcode), "state": a.state, "country": a.country,
        "birth_sex": p.birth_sex, "marital_status": p.marital_status,
        "name_prefix": p.name_prefix, "name_suffix": p.name_suffix,
    });
    if let (Some((race, ethnicity)), Some(o)) = (&p.race_ethnicity, v.as_object_mut()) {
        o.insert("race".into(), enc_json(race));
        o.insert("ethnicity".into(), enc_json(ethnicity));
    }
    v
}

/// Draws the next MRN of a facility in its own short transaction: the facility row is locked
/// for this one statement instead of for the whole registration, so concurrent registrations
/// do not queue behind each other's transactions. A registration that then fails leaves a gap
/// in the numbers (as a database sequence would); MRNs never collide.
pub async fn reserve_mrn(pool: &PgPool, facility_id: Uuid) -> sqlx::Result<String> {
    let mut conn = pool.acquire().await?;
    next_mrn(&mut conn, facility_id).await
}

async fn next_mrn(conn: &mut PgConnection, facility_id: Uuid) -> sqlx::Result<String> {
    let (code, template, n): (String, String, i64) = sqlx::query_as(
        "UPDATE facilities SET mrn_next = mrn_next + 1 WHERE id = $1 RETURNING code, mrn_format, mrn_next - 1",
    )
    .bind(facility_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(format_mrn(&template, &code, n, OffsetDateTime::now_utc().year()))
}

/// Registers a patient in `facility_id` with the next MRN (drawn on this transaction, so a
/// batch such as an import stays gapless); audited in the same transaction.
pub async fn register(
    conn: &mut PgConnection,
    keys: &KeyRing,
    facility_id: Uuid,
    p: &ValidPatient,
    meta: &AuditMeta,
) -> sqlx::Result<(Uuid, String)> {
    register_as(conn, keys, facility_id, None, p, meta).await
}

/// [`register`] with an MRN reserved beforehand by [`reserve_mrn`] (interactive registration).
pub async fn register_as(
    conn: &mut PgConnection,
    keys: &KeyRing,
    facility_id: Uuid,
    reserved: Option<String>,
    p: &ValidPatient,
    meta: &AuditMeta,
) -> sqlx::Result<(Uuid, String)> {
    let mrn = match reserved {
        Some(m) => m,
        None => next_mrn(conn, facility_id).await?,
    };
    let id = Uuid::new_v4();
    let mut p = p.clone();
    if p.unidentified {
        // A temporary identity that is unique and readable at the bedside: "Unknown, Male HGH-000123".
        let sex = match p.sex.as_str() {
            "female" => "Female",
            "male" => "Male",
            _ => "Person",
        };
        p.given_name = format!("{sex} {mrn}").chars().take(100).collect();
    }
    insert_patient(conn, keys, id, facility_id, &mrn, &p, meta).await?;
    if let Some(ec) = &p.emergency {
        add_emergency_contact(conn, keys, id, ec).await?;
    }
    for i in &p.identifiers {
        crate::identity::add_identifier(conn, keys, id, i, meta).await?;
    }
    for n in &p.names {
        crate::identity::add_name(conn, keys, id, n, meta).await?;
    }
    let mut changes = audit::diff(&json!({}), &demographics_json(&p), ENCRYPTED_FIELDS);
    if let Some(o) = changes.as_object_mut() {
        o.insert("mrn".into(), json!({"to": mrn}));
        if p.emergency.is_some() {
            o.insert("emergency_contact".into(), json!({"added": true}));
        }
    }
    let action = if p.unidentified { "patient.create_unidentified" } else { "patient.create" };
    audit::record(conn, meta, Event::new(action, "patient", id).patient(id).changes(changes)).await?;
    super::today::raise_changed(conn).await?;
    Ok((id, mrn))
}

async fn insert_patient(
    conn: &mut PgConnection,
    keys: &KeyRing,
    id: Uuid,
    facility_id: Uuid,
    mrn: &str,
    p: &ValidPatient,
    meta: &AuditMeta,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO patients (id, facility_id, mrn, given_name, family_name, middle_name, preferred_name, sex,
            gender_identity, birth_date, birth_date_estimated, phone_enc, phone_bidx, national_id_enc, national_id_bidx,
            address_enc, email_enc, email_bidx, insurance_enc, insurance_bidx, preferred_language, unidentified,
            unidentified_note, created_by, phone_tail_bidx, phone_index_version, address_parts_enc, birth_sex,
            marital_status, race_enc, ethnicity_enc, name_prefix, name_suffix)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,
            $27,$28,$29,$30,$31,$32,$33)",
    )
    .bind(id)
    .bind(facility_id)
    .bind(mrn)
    .bind(&p.given_name)
    .bind(&p.family_name)
    .bind(&p.middle_name)
    .bind(&p.preferred_name)
    .bind(&p.sex)
    .bind(&p.gender_identity)
    .bind(p.birth_date)
    .bind(p.birth_date_estimated)
    .bind(p.phone.as_deref().map(|v| keys.encrypt(v, AAD_PHONE)))
    .bind(p.phone.as_deref().map(|v| bidx_phone(keys, v)))
    .bind(p.national_id.as_deref().map(|v| keys.encrypt(v, AAD_NATIONAL_ID)))
    .bind(p.national_id.as_deref().map(|v| bidx_national_id(keys, v)))
    .bind(p.address.as_deref().map(|v| keys.encrypt(v, AAD_ADDRESS)))
    .bind(p.email.as_deref().map(|v| keys.encrypt(v, AAD_EMAIL)))
    .bind(p.email.as_deref().map(|v| bidx_email(keys, v)))
    .bind(p.insurance_number.as_deref().map(|v| keys.encrypt(v, AAD_INSURANCE)))
    .bind(p.insurance_number.as_deref().map(|v| bidx_insurance(keys, v)))
    .bind(&p.preferred_language)
    .bind(p.unidentified)
    .bind(&p.unidentified_note)
    .bind(meta.actor_user_id)
    .bind(p.phone.as_deref().and_then(|v| bidx_phone_tail(keys, v)))
    .bind(PHONE_INDEX_VERSION)
    .bind(p.address_parts.encrypt(keys))
    .bind(&p.birth_sex)
    .bind(&p.marital_status)
    .bind(race_enc(keys, p).0)
    .bind(race_enc(keys, p).1)
    .bind(&p.name_prefix)
    .bind(&p.name_suffix)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The encrypted race and ethnicity (`None` each when not given or not recorded here).
fn race_enc(keys: &KeyRing, p: &ValidPatient) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    match &p.race_ethnicity {
        Some((r, e)) => (
            r.as_deref().map(|v| keys.encrypt(v, crate::identity::AAD_RACE)),
            e.as_deref().map(|v| keys.encrypt(v, crate::identity::AAD_ETHNICITY)),
        ),
        None => (None, None),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<ChangeError> for hearth_core::error::AppError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Refused(m) => hearth_core::error::AppError::Conflict(m),
            ChangeError::Db(d) => d.into(),
        }
    }
}

/// Replaces a patient's demographics; audits the before/after difference (encrypted fields as
/// "changed" only). Returns the difference (empty when nothing changed).
pub async fn update(
    conn: &mut PgConnection,
    keys: &KeyRing,
    id: Uuid,
    p: &ValidPatient,
    meta: &AuditMeta,
) -> Result<Value, ChangeError> {
    let before = load(conn, keys, id, true).await?.ok_or(sqlx::Error::RowNotFound)?;
    if before.summary.merged_into.is_some() {
        return Err(ChangeError::Refused("This record was merged; edit the surviving record instead.".into()));
    }
    if let (Some(b), Some(d)) = (p.birth_date, before.deceased_at) {
        if d.date() < b {
            return Err(ChangeError::Refused("The date of birth would fall after the recorded death.".into()));
        }
    }
    let mut before_v = before.to_form().validate().map(|v| demographics_json(&v)).unwrap_or_else(|_| json!({}));
    if let Some(o) = before_v.as_object_mut() {
        o.insert("unidentified".into(), json!(before.summary.unidentified));
        if p.race_ethnicity.is_none() {
            o.remove("race");
            o.remove("ethnicity");
        }
    }
    let changes = audit::diff(&before_v, &demographics_json(p), ENCRYPTED_FIELDS);
    if changes.as_object().is_some_and(|o| o.is_empty()) {
        return Ok(changes);
    }
    sqlx::query(
        "UPDATE patients SET given_name = $2, family_name = $3, middle_name = $4, preferred_name = $5, sex = $6,
            gender_identity = $7, birth_date = $8, birth_date_estimated = $9, phone_enc = $10, phone_bidx = $11,
            national_id_enc = $12, national_id_bidx = $13, address_enc = $14, email_enc = $15, email_bidx = $16,
            insurance_enc = $17, insurance_bidx = $18, preferred_language = $19, unidentified = $20,
            phone_tail_bidx = $21, phone_index_version = $22, address_parts_enc = $23, birth_sex = $24,
            marital_status = $25,
            race_enc = CASE WHEN $26 THEN $27 ELSE race_enc END,
            ethnicity_enc = CASE WHEN $26 THEN $28 ELSE ethnicity_enc END,
            name_prefix = $29, name_suffix = $30
         WHERE id = $1",
    )
    .bind(id)
    .bind(&p.given_name)
    .bind(&p.family_name)
    .bind(&p.middle_name)
    .bind(&p.preferred_name)
    .bind(&p.sex)
    .bind(&p.gender_identity)
    .bind(p.birth_date)
    .bind(p.birth_date_estimated)
    .bind(p.phone.as_deref().map(|v| keys.encrypt(v, AAD_PHONE)))
    .bind(p.phone.as_deref().map(|v| bidx_phone(keys, v)))
    .bind(p.national_id.as_deref().map(|v| keys.encrypt(v, AAD_NATIONAL_ID)))
    .bind(p.national_id.as_deref().map(|v| bidx_national_id(keys, v)))
    .bind(p.address.as_deref().map(|v| keys.encrypt(v, AAD_ADDRESS)))
    .bind(p.email.as_deref().map(|v| keys.encrypt(v, AAD_EMAIL)))
    .bind(p.email.as_deref().map(|v| bidx_email(keys, v)))
    .bind(p.insurance_number.as_deref().map(|v| keys.encrypt(v, AAD_INSURANCE)))
    .bind(p.insurance_number.as_deref().map(|v| bidx_insurance(keys, v)))
    .bind(&p.preferred_language)
    .bind(p.unidentified)
    .bind(p.phone.as_deref().and_then(|v| bidx_phone_tail(keys, v)))
    .bind(PHONE_INDEX_VERSION)
    .bind(p.address_parts.encrypt(keys))
    .bind(&p.birth_sex)
    .bind(&p.marital_status)
    .bind(p.race_ethnicity.is_some())
    .bind(race_enc(keys, p).0)
    .bind(race_enc(keys, p).1)
    .bind(&p.name_prefix)
    .bind(&p.name_suffix)
    .execute(&mut *conn)
    .await?;
    let action = if before.summary.unidentified && !p.unidentified { "patient.identify" } else { "patient.update" };
    audit::record(conn, meta, Event::new(action, "patient", id).patient(id).changes(changes.clone())).await?;
    Ok(changes)
}

/// Closes or reopens a record. Deceased and merged records stay closed.
pub async fn set_active(
    conn: &mut PgConnection,
    id: Uuid,
    active: bool,
    reason: &str,
    meta: &AuditMeta,
) -> Result<(), ChangeError> {
    let (was, deceased, merged): (bool, bool, bool) = sqlx::query_as(
        "SELECT active, deceased_at IS NOT NULL, merged_into IS NOT NULL FROM patients WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    if active && (deceased || merged) {
        return Err(ChangeError::Refused("A deceased or merged record cannot be reopened.".into()));
    }
    if was == active {
        return Err(ChangeError::Refused(
            if active { "The record is already open." } else { "The record is already closed." }.into(),
        ));
    }
    sqlx::query("UPDATE patients SET active = $2, deactivated_reason = $3 WHERE id = $1")
        .bind(id)
        .bind(active)
        .bind(if active { None } else { Some(reason) })
        .execute(&mut *conn)
        .await?;
    let action = if active { "patient.reactivate" } else { "patient.deactivate" };
    audit::record(conn, meta, Event::new(action, "patient", id).patient(id).changes(json!({"reason": reason}))).await?;
    Ok(())
}

/// Records a death: closes the record. Death before birth or in the future is refused.
pub async fn record_death(
    conn: &mut PgConnection,
    id: Uuid,
    at: OffsetDateTime,
    cause: &str,
    meta: &AuditMeta,
) -> Result<(), ChangeError> {
    let (birth, deceased, merged): (Option<time::Date>, bool, bool) = sqlx::query_as(
        "SELECT birth_date, deceased_at IS NOT NULL, merged_into IS NOT NULL FROM patients WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    if merged {
        return Err(ChangeError::Refused("This record was merged; record the death on the surviving record.".into()));
    }
    if deceased {
        return Err(ChangeError::Refused("A death is already recorded for this patient.".into()));
    }
    if birth.is_some_and(|b| at.date() < b) {
        return Err(ChangeError::Refused("The date of death is before the date of birth.".into()));
    }
    if at > OffsetDateTime::now_utc() + time::Duration::minutes(5) {
        return Err(ChangeError::Refused("The date of death is in the future.".into()));
    }
    sqlx::query("UPDATE patients SET active = false, deceased_at = $2, cause_of_death = $3, deactivated_reason = 'deceased' WHERE id = $1")
        .bind(id)
        .bind(at)
        .bind(Some(cause).filter(|c| !c.is_empty()))
        .execute(&mut *conn)
        .await?;
    let at_s = at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    audit::record(
        conn,
        meta,
        Event::new("patient.death", "patient", id).patient(id).changes(json!({"deceased_at": at_s, "cause": cause})),
    )
    .await?;
    Ok(())
}

pub async fn add_emergency_contact(
    conn: &mut PgConnection,
    keys: &KeyRing,
    patient_id: Uuid,
    ec: &EmergencyContact,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patient_emergency_contacts (id, patient_id, name, relationship, phone_enc) VALUES ($1,$2,$3,$4,$5)",
    )
    .bind(id)
    .bind(patient_id)
    .bind(&ec.name)
    .bind(&ec.relationship)
    .bind(ec.phone.as_deref().map(|p| keys.encrypt(p, AAD_EC_PHONE)))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

#[derive(FromRow)]
struct EcRow {
    id: Uuid,
    name: String,
    relationship: String,
    phone_enc: Option<Vec<u8>>,
}

pub async fn emergency_contacts(
    pool: &PgPool,
    keys: &KeyRing,
    patient_id: Uuid,
) -> sqlx::Result<Vec<EmergencyContactView>> {
    let rows: Vec<EcRow> = sqlx::query_as(
        "SELECT id, name, relationship, phone_enc FROM patient_emergency_contacts WHERE patient_id = $1 ORDER BY created_at, id",
    )
    .bind(patient_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| EmergencyContactView {
            id: r.id,
            name: r.name,
            relationship: r.relationship,
            phone: keys.decrypt_opt(r.phone_enc.as_deref(), AAD_EC_PHONE),
        })
        .collect())
}

#[derive(Debug, Clone, FromRow)]
struct PatientRow {
    #[sqlx(flatten)]
    summary: PatientSummary,
    facility_id: Uuid,
    facility_name: String,
    gender_identity: Option<String>,
    phone_enc: Option<Vec<u8>>,
    national_id_enc: Option<Vec<u8>>,
    address_enc: Option<Vec<u8>>,
    email_enc: Option<Vec<u8>>,
    insurance_enc: Option<Vec<u8>>,
    address_parts_enc: Option<Vec<u8>>,
    race_enc: Option<Vec<u8>>,
    ethnicity_enc: Option<Vec<u8>>,
    birth_sex: Option<String>,
    marital_status: Option<String>,
    name_prefix: Option<String>,
    name_suffix: Option<String>,
    preferred_language: Option<String>,
    unidentified_note: Option<String>,
    deactivated_reason: Option<String>,
    deceased_at: Option<OffsetDateTime>,
    cause_of_death: Option<String>,
    merged_at: Option<OffsetDateTime>,
    erased_at: Option<OffsetDateTime>,
    has_photo: bool,
    created_at: OffsetDateTime,
}

/// Loads one patient and decrypts its protected fields, without auditing (for writers that
/// audit their own change). `lock` takes the row lock for an update.
pub async fn load(
    conn: &mut PgConnection,
    keys: &KeyRing,
    id: Uuid,
    lock: bool,
) -> sqlx::Result<Option<PatientDetail>> {
    let sql = format!(
        "SELECT {SUMMARY_COLS}, p.facility_id, f.name AS facility_name, p.gender_identity, p.phone_enc, p.national_id_enc,
                p.address_enc, p.email_enc, p.insurance_enc, p.address_parts_enc, p.race_enc, p.ethnicity_enc,
                p.birth_sex, p.marital_status, p.name_prefix, p.name_suffix, p.preferred_language, p.unidentified_note,
                p.deactivated_reason, p.deceased_at, p.cause_of_death, p.merged_at, p.erased_at,
                EXISTS (SELECT 1 FROM patient_photos ph WHERE ph.patient_id = p.id) AS has_photo, p.created_at
         FROM patients p JOIN facilities f ON f.id = p.facility_id WHERE p.id = $1 {}",
        if lock { "FOR UPDATE OF p" } else { "" }
    );
    let row: Option<PatientRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&mut *conn).await?;
    let Some(r) = row else { return Ok(None) };
    let identifiers = crate::identity::identifiers(conn, keys, id).await?;
    let names = crate::identity::names(conn, keys, id).await?;
    Ok(Some(PatientDetail {
        address_parts: crate::identity::AddressParts::decrypt(keys, r.address_parts_enc.as_deref()),
        race: keys.decrypt_opt(r.race_enc.as_deref(), crate::identity::AAD_RACE),
        ethnicity: keys.decrypt_opt(r.ethnicity_enc.as_deref(), crate::identity::AAD_ETHNICITY),
        birth_sex: r.birth_sex,
        marital_status: r.marital_status,
        name_prefix: r.name_prefix,
        name_suffix: r.name_suffix,
        identifiers,
        names,
        phone: keys.decrypt_opt(r.phone_enc.as_deref(), AAD_PHONE),
        national_id: keys.decrypt_opt(r.national_id_enc.as_deref(), AAD_NATIONAL_ID),
        address: keys.decrypt_opt(r.address_enc.as_deref(), AAD_ADDRESS),
        email: keys.decrypt_opt(r.email_enc.as_deref(), AAD_EMAIL),
        insurance_number: keys.decrypt_opt(r.insurance_enc.as_deref(), AAD_INSURANCE),
        summary: r.summary,
        facility_id: r.facility_id,
        facility_name: r.facility_name,
        gender_identity: r.gender_identity,
        preferred_language: r.preferred_language,
        unidentified_note: r.unidentified_note,
        deactivated_reason: r.deactivated_reason,
        deceased_at: r.deceased_at,
        cause_of_death: r.cause_of_death,
        merged_at: r.merged_at,
        erased_at: r.erased_at,
        has_photo: r.has_photo,
        created_at: r.created_at,
    }))
}

/// Loads one patient (decrypting its protected fields) and audits the read. Callers check
/// access to restricted records first (see `access`).
pub async fn get(pool: &PgPool, keys: &KeyRing, id: Uuid, meta: &AuditMeta) -> sqlx::Result<Option<PatientDetail>> {
    let mut conn = pool.acquire().await?;
    let Some(p) = load(&mut conn, keys, id, false).await? else { return Ok(None) };
    audit::record(&mut conn, meta, Event::new("patient.view", "patient", id).patient(id)).await?;
    Ok(Some(p))
}

/// Records merged into this one (shown on the survivor).
pub async fn merged_from(pool: &PgPool, id: Uuid) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("SELECT id, mrn FROM patients WHERE merged_into = $1 ORDER BY merged_at")
        .bind(id)
        .fetch_all(pool)
        .await
}

pub async fn mrn_of(pool: &PgPool, id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1").bind(id).fetch_optional(pool).await
}

/// Active patients for the dashboard: exact while the registry is small, the planner's
/// estimate once it is large (a count of 200,000 rows on every dashboard view is not worth it).
pub async fn count(pool: &PgPool) -> sqlx::Result<i64> {
    let estimate: f64 =
        sqlx::query_scalar("SELECT greatest(reltuples, 0)::float8 FROM pg_class WHERE oid = 'patients'::regclass")
            .fetch_one(pool)
            .await?;
    if estimate > 20_000.0 {
        return Ok(estimate as i64);
    }
    sqlx::query_scalar("SELECT count(*) FROM patients WHERE active").fetch_one(pool).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrn_templates() {
        assert_eq!(format_mrn("{CODE}-{SEQ:6}", "HGH", 42, 2026), "HGH-000042");
        assert_eq!(format_mrn("{CODE}/{YEAR}/{SEQ}", "RCH", 7, 2026), "RCH/2026/7");
        assert_eq!(format_mrn("{CODE}{SEQ:3}", "AB", 12345, 2026), "AB12345");
        assert!(validate_mrn_format("{CODE}-{SEQ:6}").is_ok());
        assert!(validate_mrn_format("{CODE}-{YEAR}-{SEQ}").is_ok());
        assert!(validate_mrn_format("{SEQ:6}").is_err(), "needs the code");
        assert!(validate_mrn_format("{CODE}-{SEQ:6}-{SEQ}").is_err());
        assert!(validate_mrn_format("{CODE}-{SEQ:x}").is_err());
        assert!(validate_mrn_format("{CODE} {SEQ}").is_err(), "no spaces");
        assert!(validate_mrn_format("{CODE}-{SEQ:99}").is_err());
    }
}
