//! SQL for patients. Encrypted fields go through the key ring here and nowhere else.

use serde::{Deserialize, Serialize};
use sqlx::{FromRow, PgConnection, PgPool};
use time::Date;
use uuid::Uuid;

use crate::platform::audit::{self, AuditMeta, Event};
use crate::platform::crypto::{normalize_identifier, normalize_phone, KeyRing};
use crate::web::FieldErrors;

pub const AAD_PHONE: &str = "patients.phone";
pub const AAD_NATIONAL_ID: &str = "patients.national_id";
pub const AAD_ADDRESS: &str = "patients.address";
pub const SEXES: [&str; 4] = ["female", "male", "other", "unknown"];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct NewPatient {
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    /// YYYY-MM-DD
    pub birth_date: Option<String>,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    pub address: Option<String>,
}

pub struct ValidPatient {
    given_name: String,
    family_name: String,
    sex: String,
    birth_date: Option<Date>,
    phone: Option<String>,
    national_id: Option<String>,
    address: Option<String>,
}

fn clean(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

impl NewPatient {
    pub fn validate(&self) -> Result<ValidPatient, FieldErrors> {
        let mut e = FieldErrors::default();
        let given = self.given_name.trim().to_string();
        let family = self.family_name.trim().to_string();
        if given.is_empty() {
            e.add("given_name", "Enter the given name.");
        } else if given.chars().count() > 100 {
            e.add("given_name", "At most 100 characters.");
        }
        if family.is_empty() {
            e.add("family_name", "Enter the family name.");
        } else if family.chars().count() > 100 {
            e.add("family_name", "At most 100 characters.");
        }
        if !SEXES.contains(&self.sex.as_str()) {
            e.add("sex", "Choose female, male, other or unknown.");
        }
        let birth_date = match clean(&self.birth_date) {
            None => None,
            Some(s) => match Date::parse(&s, time::macros::format_description!("[year]-[month]-[day]")) {
                Ok(d) if d > time::OffsetDateTime::now_utc().date() => {
                    e.add("birth_date", "The date of birth is in the future.");
                    None
                }
                Ok(d) if d.year() < 1881 => {
                    e.add("birth_date", "The date of birth is too far in the past.");
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    e.add("birth_date", "Use the form YYYY-MM-DD.");
                    None
                }
            },
        };
        let phone = clean(&self.phone);
        if let Some(p) = &phone {
            let digits = normalize_phone(p).trim_start_matches('+').len();
            if !(6..=15).contains(&digits) || p.chars().any(|c| !(c.is_ascii_digit() || " +-().".contains(c))) {
                e.add("phone", "Enter a phone number of 6 to 15 digits.");
            }
        }
        let national_id = clean(&self.national_id);
        if let Some(n) = &national_id {
            let norm = normalize_identifier(n);
            if norm.len() < 4 || norm.len() > 30 {
                e.add("national_id", "A national ID has 4 to 30 letters or digits.");
            }
        }
        let address = clean(&self.address);
        if address.as_ref().is_some_and(|a| a.chars().count() > 500) {
            e.add("address", "At most 500 characters.");
        }
        if !e.is_empty() {
            return Err(e);
        }
        Ok(ValidPatient {
            given_name: given,
            family_name: family,
            sex: self.sex.clone(),
            birth_date,
            phone,
            national_id,
            address,
        })
    }
}

/// Registers a patient in `facility_id` with the next MRN; audited in the same transaction.
pub async fn register(
    conn: &mut PgConnection,
    keys: &KeyRing,
    facility_id: Uuid,
    p: &ValidPatient,
    meta: &AuditMeta,
) -> sqlx::Result<(Uuid, String)> {
    // The facility row lock makes MRNs gapless and collision-free under concurrency.
    let (code, n): (String, i64) =
        sqlx::query_as("UPDATE facilities SET mrn_next = mrn_next + 1 WHERE id = $1 RETURNING code, mrn_next - 1")
            .bind(facility_id)
            .fetch_one(&mut *conn)
            .await?;
    let mrn = format!("{code}-{n:06}");
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO patients (id, facility_id, mrn, given_name, family_name, sex, birth_date,
            phone_enc, phone_bidx, national_id_enc, national_id_bidx, address_enc, created_by)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)",
    )
    .bind(id)
    .bind(facility_id)
    .bind(&mrn)
    .bind(&p.given_name)
    .bind(&p.family_name)
    .bind(&p.sex)
    .bind(p.birth_date)
    .bind(p.phone.as_deref().map(|v| keys.encrypt(v, AAD_PHONE)))
    .bind(p.phone.as_deref().map(|v| keys.blind_index("phone", &normalize_phone(v))))
    .bind(p.national_id.as_deref().map(|v| keys.encrypt(v, AAD_NATIONAL_ID)))
    .bind(p.national_id.as_deref().map(|v| keys.blind_index("national_id", &normalize_identifier(v))))
    .bind(p.address.as_deref().map(|v| keys.encrypt(v, AAD_ADDRESS)))
    .bind(meta.actor_user_id)
    .execute(&mut *conn)
    .await?;
    let changes = serde_json::json!({
        "mrn": mrn, "given_name": p.given_name, "family_name": p.family_name, "sex": p.sex,
        "birth_date": p.birth_date.map(|d| d.to_string()),
        "phone": p.phone.as_ref().map(|_| serde_json::json!({"changed": true, "encrypted": true})),
        "national_id": p.national_id.as_ref().map(|_| serde_json::json!({"changed": true, "encrypted": true})),
        "address": p.address.as_ref().map(|_| serde_json::json!({"changed": true, "encrypted": true})),
    });
    audit::record(conn, meta, Event::new("patient.create", "patient", id).patient(id).changes(changes)).await?;
    Ok((id, mrn))
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct PatientSummary {
    pub id: Uuid,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub sex: String,
    #[schema(value_type = Option<String>)]
    pub birth_date: Option<Date>,
    pub active: bool,
}

impl PatientSummary {
    pub fn full_name(&self) -> String {
        format!("{}, {}", self.family_name, self.given_name)
    }
    pub fn birth(&self) -> String {
        self.birth_date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
    }
    pub fn cursor(&self) -> String {
        format!("{}|{}|{}", self.family_name, self.given_name, self.id)
    }
}

const SUMMARY_COLS: &str = "id, mrn, given_name, family_name, sex, birth_date, active";

/// What the query text looks like, so each kind uses its exact index.
enum Query {
    All,
    Mrn(String),
    Date(Date),
    Identifier { phone: Vec<u8>, national: Vec<u8> },
    Name(Vec<String>),
}

fn classify(keys: &KeyRing, q: &str) -> Query {
    let q = q.trim();
    if q.is_empty() {
        return Query::All;
    }
    if let Ok(d) = Date::parse(q, time::macros::format_description!("[year]-[month]-[day]")) {
        return Query::Date(d);
    }
    let up = q.to_ascii_uppercase();
    if let Some((prefix, num)) = up.split_once('-') {
        if !prefix.is_empty()
            && prefix.chars().all(|c| c.is_ascii_alphanumeric())
            && !num.is_empty()
            && num.chars().all(|c| c.is_ascii_digit())
        {
            return Query::Mrn(up);
        }
    }
    let digits = q.chars().filter(|c| c.is_ascii_digit()).count();
    if digits >= 4 && q.chars().all(|c| c.is_ascii_alphanumeric() || " +-().".contains(c)) && digits * 2 >= q.len() {
        return Query::Identifier {
            phone: keys.blind_index("phone", &normalize_phone(q)),
            national: keys.blind_index("national_id", &normalize_identifier(q)),
        };
    }
    let folded: Vec<String> = q
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|t| !t.is_empty())
        .take(4)
        .map(|t| t.to_lowercase().replace(['%', '_', '\\'], ""))
        .filter(|t| !t.is_empty())
        .collect();
    Query::Name(folded)
}

/// Keyset-paginated search by name, MRN, phone or national ID, or date of birth.
pub async fn search(
    pool: &PgPool,
    keys: &KeyRing,
    q: &str,
    after: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<PatientSummary>> {
    let (af, ag, aid) = match after.and_then(|a| {
        let mut it = a.splitn(3, '|');
        Some((it.next()?.to_string(), it.next()?.to_string(), it.next()?.parse::<Uuid>().ok()?))
    }) {
        Some((f, g, id)) => (Some(f), Some(g), Some(id)),
        None => (None, None, None),
    };
    let keyset = "($2::text IS NULL OR (family_name, given_name, id) > ($2, $3, $4))";
    let order = "ORDER BY family_name, given_name, id LIMIT $1";
    let base = |cond: &str| format!("SELECT {SUMMARY_COLS} FROM patients WHERE {cond} AND {keyset} {order}");
    match classify(keys, q) {
        Query::All => sqlx::query_as(&base("true")).bind(limit).bind(af).bind(ag).bind(aid).fetch_all(pool).await,
        Query::Mrn(m) => {
            sqlx::query_as(&base("mrn = $5")).bind(limit).bind(af).bind(ag).bind(aid).bind(m).fetch_all(pool).await
        }
        Query::Date(d) => {
            sqlx::query_as(&base("birth_date = $5"))
                .bind(limit)
                .bind(af)
                .bind(ag)
                .bind(aid)
                .bind(d)
                .fetch_all(pool)
                .await
        }
        Query::Identifier { phone, national } => {
            sqlx::query_as(&base("(phone_bidx = $5 OR national_id_bidx = $6)"))
                .bind(limit)
                .bind(af)
                .bind(ag)
                .bind(aid)
                .bind(phone)
                .bind(national)
                .fetch_all(pool)
                .await
        }
        Query::Name(tokens) => {
            // Every token must occur in the accent-folded name (trigram index serves LIKE '%t%').
            let patterns: Vec<String> = tokens.iter().map(|t| format!("%{t}%")).collect();
            sqlx::query_as(&base(
                "search_name LIKE ALL (SELECT lower(immutable_unaccent(p)) FROM unnest($5::text[]) p)",
            ))
            .bind(limit)
            .bind(af)
            .bind(ag)
            .bind(aid)
            .bind(patterns)
            .fetch_all(pool)
            .await
        }
    }
}

#[derive(Debug, Clone, FromRow)]
struct PatientRow {
    #[sqlx(flatten)]
    summary: PatientSummary,
    facility_name: String,
    phone_enc: Option<Vec<u8>>,
    national_id_enc: Option<Vec<u8>>,
    address_enc: Option<Vec<u8>>,
    created_at: time::OffsetDateTime,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PatientDetail {
    #[serde(flatten)]
    pub summary: PatientSummary,
    pub facility_name: String,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    pub address: Option<String>,
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// Loads one patient (decrypting its protected fields) and audits the read.
pub async fn get(pool: &PgPool, keys: &KeyRing, id: Uuid, meta: &AuditMeta) -> sqlx::Result<Option<PatientDetail>> {
    let row: Option<PatientRow> = sqlx::query_as(
        "SELECT p.id, p.mrn, p.given_name, p.family_name, p.sex, p.birth_date, p.active,
                f.name AS facility_name, p.phone_enc, p.national_id_enc, p.address_enc, p.created_at
         FROM patients p JOIN facilities f ON f.id = p.facility_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    audit::record_now(pool, meta, Event::new("patient.view", "patient", id).patient(id)).await?;
    Ok(Some(PatientDetail {
        phone: keys.decrypt_opt(r.phone_enc.as_deref(), AAD_PHONE),
        national_id: keys.decrypt_opt(r.national_id_enc.as_deref(), AAD_NATIONAL_ID),
        address: keys.decrypt_opt(r.address_enc.as_deref(), AAD_ADDRESS),
        summary: r.summary,
        facility_name: r.facility_name,
        created_at: r.created_at,
    }))
}

pub async fn count(pool: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM patients WHERE active").fetch_one(pool).await
}
