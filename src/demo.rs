//! The demo hospital network (CONTRACT.md): two facilities with departments, one account per
//! role and a few hundred patients. Idempotent: an existing demo network is left as it is.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;

use sqlx::PgPool;
use uuid::Uuid;

use crate::modules::admin::{create_user, NewUser};
use crate::modules::patients::register::UnidentifiedForm;
use crate::modules::patients::repo::{self, NewPatient};
use crate::platform::audit::AuditMeta;
use crate::platform::crypto::KeyRing;
use crate::registry::{DemoContext, DemoPatient};

pub const PASSWORD: &str = "Demo!Hearth2026";
pub const ADMIN_TOTP_SECRET: &str = "JBSWY3DPEHPK3PXP";
pub const PATIENTS: usize = 300;

/// (email, name, role)
pub const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("admin@demo.hearth", "Ada Admin", "super_admin"),
    ("hospitaladmin@demo.hearth", "Hana Hospital-Admin", "hospital_admin"),
    ("doctor@demo.hearth", "Dr. Daniel Okafor", "doctor"),
    ("nurse@demo.hearth", "Nora Nurse", "nurse"),
    ("reception@demo.hearth", "Rita Reception", "receptionist"),
    ("pharmacist@demo.hearth", "Paul Pharmacist", "pharmacist"),
    ("labtech@demo.hearth", "Lena Labtech", "lab_technician"),
    ("radiologist@demo.hearth", "Rafael Radiologist", "radiologist"),
    ("radiographer@demo.hearth", "Rowan Radiographer", "radiographer"),
    ("billing@demo.hearth", "Bianca Billing", "billing_clerk"),
    ("edcoordinator@demo.hearth", "Eddie ED-Coordinator", "ed_coordinator"),
    ("emsdispatcher@demo.hearth", "Emma EMS-Dispatcher", "ems_dispatcher"),
];

const DEPARTMENTS: &[(&str, &str)] = &[
    ("ED", "Emergency Department"),
    ("MED", "Internal Medicine"),
    ("SURG", "General Surgery"),
    ("PED", "Paediatrics"),
    ("CARD", "Cardiology"),
    ("RAD", "Radiology"),
    ("LAB", "Laboratory"),
    ("PHARM", "Pharmacy"),
];

/// Name lists shared with the load benchmark's and the search measurement's seeders.
pub const GIVEN_F: &[&str] = &[
    "Amara", "Sofía", "Chloé", "Ingrid", "Mei", "Fatima", "Olivia", "Zoë", "Priya", "Hannah", "Lucía", "Aoife",
    "Naledi", "Elif", "Marta", "Grace", "Yuki", "Leila", "Anna", "Renée",
];
pub const GIVEN_M: &[&str] = &[
    "José", "Liam", "Kwame", "Mateo", "Noah", "Ahmed", "Lukas", "Ravi", "Tomás", "Oliver", "Jonas", "Hiroshi", "Emeka",
    "Mikael", "Diego", "Samuel", "Björn", "Ibrahim", "Finn", "André",
];
pub const FAMILY: &[&str] = &[
    "García",
    "Okafor",
    "Nguyen",
    "Müller",
    "Smith",
    "Jensen",
    "Kowalski",
    "Rossi",
    "Haddad",
    "Tanaka",
    "O'Brien",
    "Dubois",
    "Mensah",
    "Novak",
    "Silva",
    "Andersson",
    "Patel",
    "Cohen",
    "Yılmaz",
    "Johansson",
    "Brown",
    "Martínez",
    "Kim",
    "Ivanova",
    "Fernández",
    "Walker",
    "Osei",
    "Schmidt",
    "Lopez",
    "Chen",
];
const STREETS: &[&str] = &[
    "Hospital Road",
    "Mill Lane",
    "Station Street",
    "Church Walk",
    "River View",
    "Oak Avenue",
    "Market Square",
    "Elm Close",
];

/// Preferred languages as BCP 47 tags (issue 15), English most often.
const LANGS: &[&str] = &["en", "en", "en", "es", "pl", "ur", "ar", "fr", "cy"];

/// A name reduced to ASCII letters, for demo email addresses.
fn ascii(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphabetic()).collect::<String>().to_lowercase()
}

pub struct SeedReport {
    pub created: bool,
    pub patients: usize,
}

pub async fn seed(pool: &PgPool, keys: &Arc<KeyRing>) -> anyhow::Result<SeedReport> {
    let mut tx = pool.begin().await?;
    // One seeder at a time, even with several replicas starting together.
    sqlx::query("SELECT pg_advisory_xact_lock(7311002)").execute(&mut *tx).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = 'admin@demo.hearth')")
        .fetch_one(&mut *tx)
        .await?;
    if exists {
        return Ok(SeedReport { created: false, patients: 0 });
    }
    let meta = AuditMeta::system("hearth demo");
    let mut facilities = Vec::new();
    for (code, name, addr) in [
        ("HGH", "Hearth General Hospital", "1 Hospital Road, Hearthton"),
        ("RCH", "Riverside Community Hospital", "22 River View, Hearthton"),
    ] {
        let id: Uuid = match sqlx::query_scalar("SELECT id FROM facilities WHERE code = $1")
            .bind(code)
            .fetch_optional(&mut *tx)
            .await?
        {
            Some(id) => id,
            None => {
                let id = Uuid::new_v4();
                sqlx::query("INSERT INTO facilities (id, code, name, address, timezone) VALUES ($1, $2, $3, $4, 'Europe/London')")
                    .bind(id)
                    .bind(code)
                    .bind(name)
                    .bind(addr)
                    .execute(&mut *tx)
                    .await?;
                id
            }
        };
        for (dcode, dname) in DEPARTMENTS {
            sqlx::query(
                "INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(Uuid::new_v4())
            .bind(id)
            .bind(dcode)
            .bind(dname)
            .execute(&mut *tx)
            .await?;
        }
        facilities.push(id);
    }
    for (email, name, role) in ACCOUNTS {
        let fac: Vec<Uuid> =
            if matches!(*role, "super_admin" | "hospital_admin") { facilities.clone() } else { vec![facilities[0]] };
        let id = create_user(
            &mut tx,
            &NewUser {
                email,
                display_name: name,
                password: PASSWORD,
                roles: &[role],
                facility_ids: &fac,
                must_change_password: false,
            },
            &meta,
        )
        .await?;
        // Roles that require MFA are enrolled with the published secret (CONTRACT.md gives it for
        // the admin), so evaluators can sign in to every demo account with one authenticator entry.
        if matches!(*role, "super_admin" | "hospital_admin" | "doctor" | "pharmacist") {
            sqlx::query("UPDATE users SET totp_secret_enc = $2, mfa_enabled = true WHERE id = $1")
                .bind(id)
                .bind(keys.encrypt(ADMIN_TOTP_SECRET, "users.totp_secret"))
                .execute(&mut *tx)
                .await?;
        }
    }
    let mut rng = StdRng::seed_from_u64(2026);
    let mut charts = Vec::with_capacity(PATIENTS);
    for i in 0..PATIENTS {
        let female = rng.gen_bool(0.5);
        let given =
            if female { GIVEN_F[rng.gen_range(0..GIVEN_F.len())] } else { GIVEN_M[rng.gen_range(0..GIVEN_M.len())] };
        let family = FAMILY[rng.gen_range(0..FAMILY.len())];
        let year = rng.gen_range(1935..2024);
        let (month, day) = (rng.gen_range(1..=12i32), rng.gen_range(1..=28i32));
        let with_middle = rng.gen_bool(0.2);
        let middle =
            if female { GIVEN_F[rng.gen_range(0..GIVEN_F.len())] } else { GIVEN_M[rng.gen_range(0..GIVEN_M.len())] };
        let p = NewPatient {
            given_name: given.into(),
            family_name: family.into(),
            middle_name: with_middle.then(|| middle.to_string()),
            sex: if female { "female".into() } else { "male".into() },
            birth_date: Some(format!("{year}-{month:02}-{day:02}")),
            phone: Some(format!("+44 7700 9{:05}", rng.gen_range(0..100_000))),
            email: rng.gen_bool(0.4).then(|| format!("{}.{}{}@example.org", ascii(given), ascii(family), i)),
            national_id: Some(format!("NH{:08}", 10_000_000 + i * 7919 % 89_999_999)),
            insurance_number: rng.gen_bool(0.6).then(|| format!("INS-{:07}", 1_000_000 + i * 31)),
            address: Some(format!("{} {}, Hearthton", rng.gen_range(1..200), STREETS[rng.gen_range(0..STREETS.len())])),
            preferred_language: Some(LANGS[rng.gen_range(0..LANGS.len())].to_string()),
            emergency_name: rng.gen_bool(0.5).then(|| format!("{} {family}", GIVEN_F[rng.gen_range(0..GIVEN_F.len())])),
            emergency_relationship: Some(["spouse", "parent", "child", "sibling"][rng.gen_range(0..4)].to_string()),
            emergency_phone: Some(format!("+44 7700 8{:05}", rng.gen_range(0..100_000))),
            // Structured address, birth sex, marital status and, for every fifth patient, the MRN of
            // the system the record came from (derived from `i`, not the generator, so the rest of
            // the seed stays as it was).
            city: Some("Hearthton".into()),
            postcode: Some(format!("HT{} {}AB", 1 + i % 9, i % 10)),
            country: Some("GB".into()),
            birth_sex: Some(if female { "female".into() } else { "male".into() }),
            marital_status: (year < 2000).then(|| ["M", "S", "D", "W", "T"][i % 5].to_string()),
            identifiers: if i % 5 == 0 {
                vec![crate::modules::patients::identity::IdentifierInput {
                    kind: "previous_mrn".into(),
                    issuer: Some("Hearthton Old PAS".into()),
                    value: format!("OLD-{:06}", 100_000 + i),
                    ..Default::default()
                }]
            } else {
                Vec::new()
            },
            names: if female && i % 7 == 0 && year < 2000 {
                vec![crate::modules::patients::identity::NameInput {
                    name_use: "maiden".into(),
                    family: Some(FAMILY[(i * 3) % FAMILY.len()].into()),
                    ..Default::default()
                }]
            } else {
                Vec::new()
            },
            ..Default::default()
        };
        let mut p = p;
        if p.emergency_name.is_none() {
            p.emergency_relationship = None;
            p.emergency_phone = None;
        }
        let valid = p.validate().map_err(|e| anyhow::anyhow!("demo patient invalid: {:?}", e.0))?;
        let (id, _) = repo::register(&mut tx, keys, facilities[i % 4 / 3], &valid, &meta).await?;
        let birth = time::Date::from_calendar_date(year, time::Month::try_from(month as u8)?, day as u8)?;
        charts.push(DemoPatient { id, birth, female });
        // Most patients agreed to treatment; some opted in to SMS reminders.
        for (kind, channel, granted) in [
            ("treatment", "any", true),
            ("communications", "sms", rng.gen_bool(0.7)),
            ("data_sharing", "any", rng.gen_bool(0.5)),
        ] {
            if kind != "treatment" && rng.gen_bool(0.3) {
                continue;
            }
            sqlx::query("INSERT INTO patient_consents (id, patient_id, kind, channel, granted, note) VALUES ($1,$2,$3,$4,$5,'demo')")
                .bind(Uuid::new_v4())
                .bind(id)
                .bind(kind)
                .bind(channel)
                .bind(granted)
                .execute(&mut *tx)
                .await?;
        }
    }
    // Three unidentified patients brought in to the emergency department.
    for (sex, age, note) in [
        ("male", "40", "Found collapsed at Station Street bus stop; no documents."),
        ("female", "25", "Brought in by ambulance after a road traffic collision; unconscious."),
        ("unknown", "70", "Confused, wandering on Mill Lane at night; no identification."),
    ] {
        let f = UnidentifiedForm { sex: sex.into(), estimated_age: age.into(), circumstances: note.into() };
        let valid = f.validate().map_err(|e| anyhow::anyhow!("demo unidentified invalid: {:?}", e.0))?;
        repo::register(&mut tx, keys, facilities[0], &valid, &meta).await?;
    }
    // A VIP with a restricted record, cared for by the demo doctor.
    let vip = NewPatient {
        given_name: "Victoria".into(),
        family_name: "Sterling".into(),
        sex: "female".into(),
        birth_date: Some("1971-03-14".into()),
        phone: Some("+44 7700 900001".into()),
        ..Default::default()
    }
    .validate()
    .map_err(|e| anyhow::anyhow!("demo VIP invalid: {:?}", e.0))?;
    let (vip_id, _) = repo::register(&mut tx, keys, facilities[0], &vip, &meta).await?;
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1").bind(vip_id).execute(&mut *tx).await?;
    sqlx::query(
        "INSERT INTO patient_care_team (patient_id, user_id, role) SELECT $1, id, 'attending physician' FROM users WHERE email = 'doctor@demo.hearth'",
    )
    .bind(vip_id)
    .execute(&mut *tx)
    .await?;
    // A duplicate registered by mistake, already merged into the original.
    let orig = NewPatient {
        given_name: "Jonathan".into(),
        family_name: "Ashworth".into(),
        sex: "male".into(),
        birth_date: Some("1958-11-02".into()),
        national_id: Some("NH99990001".into()),
        ..Default::default()
    };
    let dup = NewPatient {
        given_name: "Jon".into(),
        national_id: None,
        phone: Some("+44 7700 900002".into()),
        ..orig.clone()
    };
    let orig = orig.validate().map_err(|e| anyhow::anyhow!("demo invalid: {:?}", e.0))?;
    let dup = dup.validate().map_err(|e| anyhow::anyhow!("demo invalid: {:?}", e.0))?;
    let (orig_id, _) = repo::register(&mut tx, keys, facilities[0], &orig, &meta).await?;
    let (dup_id, _) = repo::register(&mut tx, keys, facilities[1], &dup, &meta).await?;
    crate::modules::patients::merge(&mut tx, &crate::REGISTRY, orig_id, dup_id, &meta)
        .await
        .map_err(|e| anyhow::anyhow!("demo merge: {e}"))?;
    // Every module's demo data, on the same transaction, in registry order.
    let users: Vec<(String, Uuid)> =
        sqlx::query_as("SELECT email::text, id FROM users WHERE email LIKE '%@demo.hearth'")
            .fetch_all(&mut *tx)
            .await?;
    let ctx = DemoContext {
        keys: keys.clone(),
        meta: meta.clone(),
        facilities: facilities.clone(),
        users,
        patients: charts,
        registry: &crate::REGISTRY,
    };
    for m in crate::REGISTRY.modules() {
        if let Some(seed) = m.demo {
            seed(&mut tx, &ctx).await.map_err(|e| anyhow::anyhow!("demo data of {}: {e}", m.name))?;
        }
    }
    tx.commit().await?;
    Ok(SeedReport { created: true, patients: PATIENTS + 6 })
}
