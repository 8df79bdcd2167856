//! Existing records survive the record-model migrations (issue 14): rows written with the schema
//! as it was before them are still there, whole, after the later migrations ran over them.

use sqlx::{Connection, Executor, PgConnection};

use crate::helpers::server_url;

/// The first migration of the record-model work (vital signs at measured precision).
const FIRST_RECORD_MODEL: i64 = 20261203100001;

const OLD_ROWS: &str = r#"
INSERT INTO facilities (id, code, name) VALUES ('00000000-0000-4000-8000-0000000000f1', 'OLD', 'Old Hospital');
INSERT INTO patients (id, facility_id, mrn, given_name, family_name, sex, birth_date)
VALUES ('00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000f1', 'OLD-000001', 'Ada', 'Older', 'female', '1950-01-01');
INSERT INTO icd10_codes (code, description, parent, billable, chapter, kind)
VALUES ('E11.9', 'Type 2 diabetes mellitus without complications', NULL, true, 4, 'subcategory');
INSERT INTO problems (id, patient_id, icd_code, description, status, onset_date, resolved_date)
VALUES ('00000000-0000-4000-8000-0000000000b1', '00000000-0000-4000-8000-0000000000a1', 'E11.9', 'Type 2 diabetes', 'resolved', '2001-01-01', '2010-05-05');
INSERT INTO allergies (id, patient_id, substance, category, reaction, severity, status) VALUES
  ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000a1', 'Penicillin', 'drug', 'Hives', 'life_threatening', 'active'),
  ('00000000-0000-4000-8000-0000000000c2', '00000000-0000-4000-8000-0000000000a1', 'Peanut', 'food', '', 'mild', 'entered_in_error');
INSERT INTO vitals (id, patient_id, taken_at, temperature_c, pulse, bp_systolic, bp_diastolic, spo2, weight_kg, height_cm, pain)
VALUES ('00000000-0000-4000-8000-0000000000d1', '00000000-0000-4000-8000-0000000000a1', '2020-01-01T10:00:00Z', 36.6, 72, 120, 80, 97, 70.5, 170, 3);
"#;

/// substance, severity, criticality, reaction severity, verification status, reactions, status
type AllergyRow = (String, Option<String>, Option<String>, Option<String>, String, serde_json::Value, String);

#[tokio::test]
async fn problems_allergies_and_vitals_recorded_before_keep_their_data_through_the_record_model_migrations() {
    let name = format!("hearth_mig_{}", std::process::id());
    let mut admin = PgConnection::connect(&server_url("postgres")).await.unwrap();
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.unwrap();
    admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
    let mut db = PgConnection::connect(&server_url(&name)).await.unwrap();
    let (before, after): (Vec<_>, Vec<_>) = hearth::db::MIGRATOR.iter().partition(|m| m.version < FIRST_RECORD_MODEL);
    assert!(!before.is_empty() && !after.is_empty());
    for m in before {
        sqlx::raw_sql(&m.sql).execute(&mut db).await.unwrap_or_else(|e| panic!("{}: {e}", m.description));
    }
    sqlx::raw_sql(OLD_ROWS).execute(&mut db).await.expect("rows in the old schema");
    for m in after {
        sqlx::raw_sql(&m.sql).execute(&mut db).await.unwrap_or_else(|e| panic!("{}: {e}", m.description));
    }

    // The ICD-10-CM code stays, and is the problem's coding with its system; dates kept.
    let p: (Option<String>, Option<String>, Option<String>, String, String, String) =
        sqlx::query_as("SELECT code_system, code, icd_code, description, status, resolved_date::text FROM problems")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(
        p,
        (
            Some("http://hl7.org/fhir/sid/icd-10-cm".into()),
            Some("E11.9".into()),
            Some("E11.9".into()),
            "Type 2 diabetes".into(),
            "resolved".into(),
            "2010-05-05".into()
        )
    );

    // The old severity is kept and mapped onto criticality and the reaction's severity.
    let a: Vec<AllergyRow> = sqlx::query_as(
        "SELECT substance, severity, criticality, reaction_severity, verification_status, reactions, status
             FROM allergies ORDER BY substance DESC",
    )
    .fetch_all(&mut db)
    .await
    .unwrap();
    assert_eq!(a.len(), 2);
    assert_eq!(
        (&a[0].0[..], a[0].1.as_deref(), a[0].2.as_deref(), a[0].3.as_deref(), &a[0].4[..]),
        ("Penicillin", Some("life_threatening"), Some("high"), Some("severe"), "confirmed")
    );
    assert_eq!(a[0].5, serde_json::json!([{"manifestation": "Hives", "severity": "severe"}]));
    assert_eq!(
        (&a[1].0[..], a[1].1.as_deref(), a[1].2.as_deref(), &a[1].4[..], &a[1].6[..]),
        ("Peanut", Some("mild"), Some("low"), "entered_in_error", "entered_in_error")
    );
    assert_eq!(a[1].5, serde_json::json!([]));

    // Vital signs keep every value (now numeric) and their BMI.
    let v: (String, String, String, String, String, String, String, String, Option<f64>) = sqlx::query_as(
        "SELECT temperature_c::text, pulse::text, bp_systolic::text, bp_diastolic::text, spo2::text,
                weight_kg::text, height_cm::text, pain::text, bmi FROM vitals",
    )
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(
        (&v.0[..], &v.1[..], &v.2[..], &v.3[..], &v.4[..], &v.5[..], &v.6[..], &v.7[..]),
        ("36.6", "72", "120", "80", "97", "70.5", "170", "3")
    );
    assert_eq!(v.8, Some(24.4));

    db.close().await.ok();
    admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await.unwrap();
}
