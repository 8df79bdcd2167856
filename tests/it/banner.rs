//! The patient banner (issue 13, item 4): who the patient is, safety flags, allergies, the
//! latest measurements and the active encounter, on every chart page; the safety flags page.

use axum::http::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

#[tokio::test]
async fn the_banner_shows_identity_flags_allergies_measurements_and_the_encounter() {
    let (mut app, _nurse) = TestApp::signed_in("nurse").await;
    let doctor = app.user("doctor").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Bea"),
            ("family_name", "Banner"),
            ("sex", "female"),
            ("birth_date", "1960-03-04"),
        ])
        .await;
    let chart = format!("/patients/{pid}/chart");

    // Nothing recorded yet: said in words, not left blank.
    let b = app.get(&chart).await.body;
    assert!(b.contains("data-sticky-banner"), "the sticky banner");
    assert!(b.contains("Allergies not recorded"));
    assert!(b.contains("Code status</dt>") && b.contains(">Not recorded</span>"));
    assert!(b.contains("Isolation</dt><dd><span class=\"badge badge-muted\">None</span>"));
    assert!(b.contains("Encounter</dt>") && b.contains("None active"));
    assert!(b.contains("Mar 4, 1960") && b.contains("female"));
    assert!(!b.contains("banner-photo"), "no photo, no image");

    // A photo, a preferred language, the same allergy twice with two severities.
    sqlx::query("UPDATE patients SET preferred_language = 'pl' WHERE id = $1::uuid")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO patient_photos (patient_id, content_type, data, sha256) VALUES ($1::uuid, 'image/png', '\\x89504e47', '\\x00')",
    )
    .bind(&pid)
    .execute(&app.pool)
    .await
    .unwrap();
    for severity in ["mild", "life_threatening"] {
        sqlx::query(
            "INSERT INTO allergies (id, patient_id, substance, category, severity, status)
             VALUES (gen_random_uuid(), $1::uuid, 'Penicillin', 'drug', $2, 'active')",
        )
        .bind(&pid)
        .bind(severity)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    // An encounter under way with its department and attending doctor.
    let facility: Uuid = sqlx::query_scalar("SELECT facility_id FROM patients WHERE id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let dept = Uuid::new_v4();
    sqlx::query("INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, 'MEDW', 'Medical ward 4')")
        .bind(dept)
        .bind(facility)
        .execute(&app.pool)
        .await
        .unwrap();
    let token = app.api_token(&doctor).await;
    let doctor_id = user_id(&app, &doctor).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/encounters"),
            Some(&token),
            Some(json!({"kind": "inpatient", "status": "in_progress", "clinician_id": doctor_id.to_string(),
                        "department_id": dept.to_string()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Measurements: weight and height a day ago, a later set without them.
    let yesterday = (time::OffsetDateTime::now_utc() - time::Duration::days(1)).date();
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/vitals"),
            Some(&token),
            Some(json!({"taken_at": format!("{yesterday}T09:00:00Z"), "weight_kg": 64.5, "height_cm": 165})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/vitals"),
            Some(&token),
            Some(json!({"pulse": 118, "spo2": 93})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    // Safety flags through their form.
    let r = app
        .post_form(
            &format!("/patients/{pid}/flags"),
            &[
                ("code_status", "dnacpr"),
                ("isolation", "contact"),
                ("isolation", "airborne"),
                ("interpreter_needed", "on"),
                ("note", "Decided with the family"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    for page in ["chart", "vitals", "problems", "flags"] {
        let b = app.get(&format!("/patients/{pid}/{page}")).await.body;
        assert!(b.contains("class=\"banner-photo\""), "{page}: photo thumbnail");
        assert!(b.contains(">DNACPR</span>"), "{page}: code status");
        assert!(b.contains("Airborne precautions") && b.contains("Contact precautions"), "{page}: isolation");
        assert!(b.contains("Isolation: Airborne precautions"), "{page}: isolation alert");
        assert!(b.contains("Polish · interpreter needed"), "{page}: language");
        assert_eq!(b.matches("Penicillin · ").count(), 1, "{page}: one substance, once");
        assert!(b.contains("Penicillin · life-threatening"), "{page}: its worst severity");
        assert!(b.contains(&format!("Weight 64.5 kg ({yesterday})")), "{page}: weight with its date");
        assert!(b.contains(&format!("Height 165 cm ({yesterday})")), "{page}: height");
        assert!(b.contains("BMI 23.7"), "{page}: BMI");
        assert!(
            b.contains("Inpatient since") && b.contains("Medical ward 4") && b.contains("attending doctor"),
            "{page}: encounter"
        );
        assert!(b.contains("Abnormal · NEWS2 incomplete"), "{page}: the latest vitals' flag");
    }
    // The flags page keeps the history; the change is audited.
    let f = app.get(&format!("/patients/{pid}/flags")).await.body;
    assert!(f.contains("Decided with the family"));
    assert_eq!(app.audit_count("patient.flags").await, 1);
}

#[tokio::test]
async fn safety_flags_are_checked_and_permitted() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let pid = app
        .register_patient(&[
            ("given_name", "Flo"),
            ("family_name", "Flags"),
            ("sex", "male"),
            ("birth_date", "1950-01-01"),
        ])
        .await;
    let url = format!("/patients/{pid}/flags");
    let show = app.get(&format!("/patients/{pid}")).await;
    assert!(show.body.contains(&format!("href=\"{url}\"")), "the patient page links to the flags");
    let r = app.post_form(&url, &[("code_status", "maybe"), ("isolation", "reverse")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose a code status.") && r.body.contains("Choose contact, droplet or airborne"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM patient_flags").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 0);
    // Reception reads the banner but does not set a code status.
    let mut desk = app.another_client();
    let email = desk.user("receptionist").await;
    desk.login(&email, PASSWORD).await;
    let r = desk.post_form(&url, &[("code_status", "full_code")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = desk.get(&url).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("Record flags"), "no form without the permission");
}

#[tokio::test]
async fn a_babys_age_is_in_months_or_days() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let today = time::OffsetDateTime::now_utc().date();
    let pid = app
        .register_patient(&[
            ("given_name", "Nia"),
            ("family_name", "Newborn"),
            ("sex", "female"),
            ("birth_date", &(today - time::Duration::days(10)).to_string()),
        ])
        .await;
    let b = app.get(&format!("/patients/{pid}/chart")).await.body;
    assert!(b.contains("<dt>Age</dt><dd>10 d</dd>"), "days for a neonate");
}
