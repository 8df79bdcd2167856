//! Inpatient care through HTTP: ward configuration, admission–transfer–leave–discharge on the
//! chart tab and the API, the races the allocation table's exclusion constraints settle, the
//! gender policy override, housekeeping, the bed board, the ward view with the chart's NEWS2,
//! roles, merge and export.

use axum::http::{Method, StatusCode};
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;

/// A ward of the test facility with `n` beds (B1…Bn); returns the ward and the beds in order.
async fn ward(app: &TestApp, code: &str, kind: &str, policy: &str, n: usize) -> (Uuid, Vec<Uuid>) {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO inpatient_wards (id, facility_id, code, name, kind, gender_policy) VALUES ($1, $2, $3, $3 || ' ward', $4, $5)",
    )
    .bind(id)
    .bind(app.facility_id)
    .bind(code)
    .bind(kind)
    .bind(policy)
    .execute(&app.pool)
    .await
    .unwrap();
    let mut beds = Vec::new();
    for i in 1..=n {
        let b = Uuid::new_v4();
        sqlx::query("INSERT INTO inpatient_beds (id, ward_id, code, oxygen) VALUES ($1, $2, $3, true)")
            .bind(b)
            .bind(id)
            .bind(format!("B{i}"))
            .execute(&app.pool)
            .await
            .unwrap();
        beds.push(b);
    }
    (id, beds)
}

async fn patient(app: &mut TestApp, given: &str, sex: &str) -> String {
    app.register_patient(&[
        ("given_name", given),
        ("family_name", "Inpatient"),
        ("sex", sex),
        ("birth_date", "1960-05-05"),
    ])
    .await
}

async fn bed_status(app: &TestApp, bed: Uuid) -> String {
    sqlx::query_scalar("SELECT status FROM inpatient_beds WHERE id = $1").bind(bed).fetch_one(&app.pool).await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

fn admit_body(bed: Uuid) -> serde_json::Value {
    json!({"bed_id": bed.to_string(), "source": "ed", "diagnosis": "Community-acquired pneumonia", "expected_los_days": 5})
}

#[tokio::test]
async fn an_administrator_configures_wards_and_beds_and_blocks_a_bed() {
    let (mut app, _) = TestApp::signed_in("hospital_admin").await;
    let page = app.get("/inpatient/config").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("No wards are configured yet"));
    let fac = app.facility_id.to_string();
    // Bad input re-renders with the field's message and what was typed.
    let r = app
        .post_form(
            "/inpatient/config",
            &[("facility_id", &fac), ("code", "bad code"), ("name", "Keep me"), ("kind", "general")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("1 to 20 letters") && r.body.contains("Keep me"));
    let r = app
        .post_form(
            "/inpatient/config",
            &[
                ("facility_id", &fac),
                ("code", "MED1"),
                ("name", "Medical 1"),
                ("kind", "general"),
                ("gender_policy", "female"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ward_href = r.location().to_string();
    let r = app
        .post_form(
            &ward_href,
            &[
                ("room", "R1"),
                ("prefix", "B"),
                ("first", "1"),
                ("count", "4"),
                ("bed_type", "standard"),
                ("oxygen", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_beds WHERE oxygen").await, 4);
    // The same codes again: the unique constraint's own message, 409.
    let r = app.post_form(&ward_href, &[("prefix", "B"), ("first", "1"), ("count", "1")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("A bed with this code already exists"), "{}", r.body);
    // The same ward code twice: 409.
    let r = app
        .post_form("/inpatient/config", &[("facility_id", &fac), ("code", "MED1"), ("name", "Again"), ("kind", "icu")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    let bed: Uuid =
        sqlx::query_scalar("SELECT id FROM inpatient_beds WHERE code = 'B1'").fetch_one(&app.pool).await.unwrap();
    let token = app.api_token(&app.user("hospital_admin").await).await;
    let url = format!("/api/v1/inpatient/beds/{bed}/status");
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"status": "blocked"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a block needs its reason");
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(json!({"status": "blocked", "reason": "Broken rail", "until": "2099-01-01T10:00:00Z"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(bed_status(&app, bed).await, "blocked");
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"status": "blocked", "reason": "Again"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"status": "available"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(bed_status(&app, bed).await, "available");
    assert_eq!(app.audit_count("inpatient.bed.status").await, 2);
    assert_eq!(app.audit_count("inpatient.ward.create").await, 1);
}

#[tokio::test]
async fn a_nurse_admits_transfers_in_two_steps_and_discharges_on_the_chart_tab() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let (w1, beds1) = ward(&app, "MED", "general", "mixed", 3).await;
    let (w2, beds2) = ward(&app, "SUR", "general", "mixed", 2).await;
    let pid = patient(&mut app, "Ann", "female").await;
    let tab = app.get(&format!("/patients/{pid}/inpatient")).await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(tab.body.contains("No hospital stays recorded") && tab.body.contains(">Admissions</a>"));

    // Missing diagnosis: 422, the form keeps what was typed.
    let b1 = beds1[0].to_string();
    let r = app
        .post_form(
            &format!("/patients/{pid}/inpatient"),
            &[("bed_id", &b1), ("source", "ed"), ("expected_los_days", "4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give the admitting diagnosis"));
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_admissions").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM encounters").await, 0, "nothing half-done");

    let r = app
        .post_form(
            &format!("/patients/{pid}/inpatient"),
            &[
                ("bed_id", &b1),
                ("source", "ed"),
                ("diagnosis", "Pneumonia"),
                ("expected_los_days", "4"),
                ("isolation", "droplet"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(bed_status(&app, beds1[0]).await, "occupied");
    let (kind, status): (String, String) =
        sqlx::query_as("SELECT kind, status FROM encounters").fetch_one(&app.pool).await.unwrap();
    assert_eq!((kind.as_str(), status.as_str()), ("inpatient", "in_progress"), "the chart's inpatient encounter");
    let board = app.get("/inpatient").await;
    assert!(board.body.contains("Inpatient, Ann") && board.body.contains("Isolation"), "{}", board.body);
    let adm: Uuid = sqlx::query_scalar("SELECT id FROM inpatient_admissions").fetch_one(&app.pool).await.unwrap();

    // Transfer, step one: the receiving bed is reserved, the patient shows on both wards.
    let to = beds2[1].to_string();
    let r = app.post_form(&format!("/patients/{pid}/inpatient/{adm}/transfer"), &[("to_bed_id", &to)]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a transfer needs its reason");
    let r = app
        .post_form(
            &format!("/patients/{pid}/inpatient/{adm}/transfer"),
            &[("to_bed_id", &to), ("reason", "Needs surgery")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        (bed_status(&app, beds1[0]).await.as_str(), bed_status(&app, beds2[1]).await.as_str()),
        ("occupied", "reserved")
    );
    let med = app.get(&format!("/inpatient/wards/{w1}")).await;
    let sur = app.get(&format!("/inpatient/wards/{w2}")).await;
    assert!(med.body.contains("Inpatient, Ann") && med.body.contains("Transfer out pending"));
    assert!(sur.body.contains("Inpatient, Ann") && sur.body.contains("Transfer in"), "{}", sur.body);
    // Leave and discharge wait for the transfer.
    let r = app.post_form(&format!("/patients/{pid}/inpatient/{adm}/discharge"), &[("disposition", "home")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Step two: received; the source bed goes to (terminal: droplet precautions) cleaning.
    let t: Uuid = sqlx::query_scalar("SELECT id FROM inpatient_transfers").fetch_one(&app.pool).await.unwrap();
    let r = app.post_form(&format!("/patients/{pid}/inpatient/transfers/{t}/receive"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        (bed_status(&app, beds1[0]).await.as_str(), bed_status(&app, beds2[1]).await.as_str()),
        ("cleaning", "occupied")
    );
    let r = app.post_form(&format!("/patients/{pid}/inpatient/transfers/{t}/receive"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "received once");
    assert_eq!(
        count(&app, "SELECT count(*) FROM inpatient_cleaning_tasks WHERE kind = 'terminal' AND status = 'open'").await,
        1
    );
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_bed_allocations WHERE upper_inf(period)").await, 1);

    // Housekeeping marks the bed clean from the phone page: available again, turnaround measured.
    let hk = app.get("/inpatient/housekeeping").await;
    assert!(hk.body.contains("Terminal cleaning") && hk.body.contains("MED · B1"), "{}", hk.body);
    assert!(!hk.body.contains("Ann"), "no patient data for housekeeping");
    let task: Uuid = sqlx::query_scalar("SELECT id FROM inpatient_cleaning_tasks").fetch_one(&app.pool).await.unwrap();
    let r = app.post_form(&format!("/inpatient/housekeeping/{task}/done"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(bed_status(&app, beds1[0]).await, "available");
    let r = app.post_form(&format!("/inpatient/housekeeping/{task}/done"), &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(app.get("/inpatient/housekeeping").await.body.contains("minutes on average"));

    // Discharge: before the admission is refused; then home; a second discharge is 409.
    let r = app
        .post_form(
            &format!("/patients/{pid}/inpatient/{adm}/discharge"),
            &[("disposition", "home"), ("discharged_at", "2001-01-01T10:00")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("before the admission"));
    let r = app
        .post_form(&format!("/patients/{pid}/inpatient/{adm}/discharge"), &[("disposition", "home"), ("note", "Well.")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(bed_status(&app, beds2[1]).await, "cleaning");
    let status: String = sqlx::query_scalar("SELECT status FROM encounters").fetch_one(&app.pool).await.unwrap();
    assert_eq!(status, "finished", "the discharge closes the encounter");
    let r = app.post_form(&format!("/patients/{pid}/inpatient/{adm}/discharge"), &[("disposition", "home")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Transferring a discharged patient: 409, nothing changes.
    let r = app
        .post_form(
            &format!("/patients/{pid}/inpatient/{adm}/transfer"),
            &[("to_bed_id", &beds1[2].to_string()), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(bed_status(&app, beds1[2]).await, "available");

    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("Admitted to MED ward") && chart.body.contains("Discharged from SUR ward"), "timeline");
    for action in [
        "inpatient.admission.create",
        "inpatient.transfer.send",
        "inpatient.transfer.receive",
        "inpatient.admission.discharge",
        "inpatient.cleaning.complete",
    ] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }
}

#[tokio::test]
async fn bad_input_and_wrong_states_are_refused_and_change_nothing() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 3).await;
    let a = patient(&mut app, "Al", "male").await;
    let b = patient(&mut app, "Bo", "male").await;
    let token = app.api_token(&email).await;
    let url = |p: &str| format!("/api/v1/patients/{p}/inpatient/admissions");
    for (body, field) in [
        (json!({}), "bed_id"),
        (json!({"bed_id": "nope", "source": "ed", "diagnosis": "x"}), "bed_id"),
        (json!({"bed_id": beds[0].to_string(), "source": "boat", "diagnosis": "x"}), "source"),
        (
            json!({"bed_id": beds[0].to_string(), "source": "ed", "diagnosis": "x", "expected_los_days": 0}),
            "expected_los_days",
        ),
        (
            json!({"bed_id": beds[0].to_string(), "source": "ed", "diagnosis": "x", "admitted_at": "2099-01-01T00:00:00Z"}),
            "admitted_at",
        ),
        (json!({"bed_id": Uuid::new_v4().to_string(), "source": "ed", "diagnosis": "x"}), "bed_id"),
        (json!({"bed_id": beds[0].to_string(), "source": "ed", "icd_code": "ZZZ99"}), "icd_code"),
    ] {
        let r = app.api(Method::POST, &url(&a), Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.content_type().starts_with("application/problem+json"));
        assert!(r.json()["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {}", r.body);
    }
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_admissions").await, 0);
    let r = app.api(Method::POST, &url(&a), Some(&token), Some(admit_body(beds[0]))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let adm = r.json()["id"].as_str().unwrap().to_string();
    // An occupied bed, a blocked bed, a second stay.
    let r = app.api(Method::POST, &url(&b), Some(&token), Some(admit_body(beds[0]))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["detail"].as_str().unwrap().contains("occupied"), "{}", r.body);
    sqlx::query("UPDATE inpatient_beds SET status = 'blocked', blocked_reason = 'Leak' WHERE id = $1")
        .bind(beds[1])
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app.api(Method::POST, &url(&b), Some(&token), Some(admit_body(beds[1]))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["detail"].as_str().unwrap().contains("blocked"));
    let r = app.api(Method::POST, &url(&a), Some(&token), Some(admit_body(beds[2]))).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a second open stay");
    assert_eq!(bed_status(&app, beds[2]).await, "available", "rolled back");
    assert_eq!(count(&app, "SELECT count(*) FROM encounters").await, 1, "no stray encounter");
    // Discharge: before the admission 422, then twice 409.
    let d = format!("/api/v1/patients/{a}/inpatient/admissions/{adm}/discharge");
    let r = app
        .api(
            Method::POST,
            &d,
            Some(&token),
            Some(json!({"disposition": "home", "discharged_at": "2000-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = app.api(Method::POST, &d, Some(&token), Some(json!({"disposition": "nowhere"}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.api(Method::POST, &d, Some(&token), Some(json!({"disposition": "home"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api(Method::POST, &d, Some(&token), Some(json!({"disposition": "home"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Another patient's stay is not found through this patient.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{b}/inpatient/admissions/{adm}/discharge"),
            Some(&token),
            Some(json!({"disposition": "home"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let list = app.api(Method::GET, &url(&a), Some(&token), None).await.json();
    assert_eq!(list[0]["status"], "discharged");
    assert_eq!(list[0]["disposition"], "home");
}

#[tokio::test]
async fn two_patients_racing_for_one_bed_one_wins() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 1).await;
    let mut patients = Vec::new();
    for i in 0..6 {
        patients.push(patient(&mut app, &format!("Racer{i}"), "female").await);
    }
    let token = app.api_token(&email).await;
    let calls = patients.iter().map(|p| {
        let mut c = app.another_client();
        let (url, token) = (format!("/api/v1/patients/{p}/inpatient/admissions"), token.clone());
        let body = admit_body(beds[0]);
        async move { c.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!(
        (created, conflicts),
        (1, 5),
        "{:?}",
        results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>()
    );
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_bed_allocations").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_admissions").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM encounters").await, 1);
}

#[tokio::test]
async fn one_patient_racing_into_two_beds_gets_one() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 6).await;
    let pid = patient(&mut app, "Twice", "male").await;
    let token = app.api_token(&email).await;
    let calls = beds.iter().map(|b| {
        let mut c = app.another_client();
        let (url, token) = (format!("/api/v1/patients/{pid}/inpatient/admissions"), token.clone());
        let body = admit_body(*b);
        async move { c.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((created, conflicts.len()), (1, 5), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(conflicts[0].json()["detail"].as_str().unwrap().contains("already admitted"), "{}", conflicts[0].body);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_bed_allocations").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_beds WHERE status = 'occupied'").await, 1);
}

#[tokio::test]
async fn the_database_refuses_overlapping_occupancy_even_without_the_status_guard() {
    // The exclusion constraints themselves: a second occupancy of a bed, and of a patient, over
    // an overlapping period.
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 2).await;
    let pid = patient(&mut app, "Ex", "female").await;
    let token = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(beds[0])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let adm: Uuid = r.json()["id"].as_str().unwrap().parse().unwrap();
    let other = patient(&mut app, "Other", "female").await;
    let e = sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, period, hold_reason)
         VALUES ($1, $2, 'hold', $3::uuid, tstzrange(now(), now() + interval '1 hour'), 'reservation')",
    )
    .bind(Uuid::new_v4())
    .bind(beds[0])
    .bind(&other)
    .execute(&app.pool)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("inpatient_bed_allocations_one_per_bed"), "{e}");
    let e = sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, patient_id, admission_id, period)
         VALUES ($1, $2, 'occupancy', $3::uuid, $4, tstzrange(now(), NULL))",
    )
    .bind(Uuid::new_v4())
    .bind(beds[1])
    .bind(&pid)
    .bind(adm)
    .execute(&app.pool)
    .await
    .unwrap_err();
    assert!(e.to_string().contains("inpatient_bed_allocations_one_bed_per_patient"), "{e}");
    // A hold that lapsed leaves the bed free for a hold after it.
    sqlx::query(
        "INSERT INTO inpatient_bed_allocations (id, bed_id, kind, period, expires_at, hold_reason, source_module)
         VALUES ($1, $2, 'hold', tstzrange(now() - interval '2 hours', now() - interval '1 hour'), now() - interval '1 hour', 'network', 'network')",
    )
    .bind(Uuid::new_v4())
    .bind(beds[1])
    .execute(&app.pool)
    .await
    .unwrap();
}

#[tokio::test]
async fn a_placement_outside_the_gender_policy_needs_a_reason_and_is_flagged() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (_, female) = ward(&app, "FEM", "general", "female", 2).await;
    let (_, icu) = ward(&app, "ICU", "icu", "female", 1).await;
    let man = patient(&mut app, "Max", "male").await;
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{man}/inpatient/admissions");
    let r = app.api(Method::POST, &url, Some(&token), Some(admit_body(female[0]))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("gender_override_reason"), "{}", r.body);
    assert_eq!(bed_status(&app, female[0]).await, "available");
    let mut body = admit_body(female[0]);
    body["gender_override_reason"] = json!("Only bed with negative pressure free; consultant agreed.");
    let r = app.api(Method::POST, &url, Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let board = app.get("/inpatient").await;
    assert!(board.body.contains("Outside gender policy"));
    // ICU is exempt: no reason needed.
    let other = patient(&mut app, "Moe", "male").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{other}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(icu[0])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        count(&app, "SELECT count(*) FROM inpatient_admissions WHERE gender_override_reason IS NOT NULL").await,
        1
    );
}

#[tokio::test]
async fn a_leave_of_absence_holds_the_bed_and_nothing_is_overdue() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (w, beds) = ward(&app, "MED", "general", "mixed", 1).await;
    let pid = patient(&mut app, "Lea", "female").await;
    let token = app.api_token(&email).await;
    let mut body = admit_body(beds[0]);
    body["admitted_at"] = json!(time::OffsetDateTime::now_utc()
        .saturating_sub(time::Duration::hours(10))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap());
    let r =
        app.api(Method::POST, &format!("/api/v1/patients/{pid}/inpatient/admissions"), Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let adm = r.json()["id"].as_str().unwrap().to_string();
    // No observations for 10 hours: overdue on the ward view.
    let view = app.get(&format!("/inpatient/wards/{w}")).await;
    assert!(view.body.contains("Overdue"), "{}", view.body);
    let base = format!("/api/v1/patients/{pid}/inpatient/admissions/{adm}");
    let r = app
        .api(Method::POST, &format!("{base}/leave"), Some(&token), Some(json!({"until": "2000-01-01T00:00:00Z"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let until = (time::OffsetDateTime::now_utc() + time::Duration::hours(6))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let r = app.api(Method::POST, &format!("{base}/leave"), Some(&token), Some(json!({"until": until}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(bed_status(&app, beds[0]).await, "occupied", "the bed is held");
    let view = app.get(&format!("/inpatient/wards/{w}")).await;
    assert!(view.body.contains("On leave") && !view.body.contains("Overdue"), "{}", view.body);
    let r = app.api(Method::POST, &format!("{base}/leave"), Some(&token), Some(json!({"until": until}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app.api(Method::POST, &format!("{base}/return"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app.api(Method::POST, &format!("{base}/return"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn the_ward_view_shows_the_charts_news2() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (w, beds) = ward(&app, "MED", "general", "mixed", 2).await;
    let pid = patient(&mut app, "Nia", "female").await;
    let token = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(beds[0])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    // A set scoring NEWS2 7 or more (RR 25 → 3, SpO2 91 → 3, HR 131 → 3), through the chart.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/vitals"),
            Some(&token),
            Some(json!({"resp_rate": 25, "spo2": 91, "pulse": 131, "bp_systolic": 120, "bp_diastolic": 70,
                        "temperature_c": 37.0, "on_oxygen": false, "consciousness": "A"})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let view = app.get(&format!("/inpatient/wards/{w}")).await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.body.contains("9 (high)"), "{}", view.body);
    // An incomplete set shows as incomplete, never as a low score.
    let r = app
        .api(Method::POST, &format!("/api/v1/patients/{pid}/vitals"), Some(&token), Some(json!({"pulse": 80})))
        .await;
    assert!(r.status.is_success());
    let view = app.get(&format!("/inpatient/wards/{w}")).await;
    assert!(view.body.contains("incomplete"), "{}", view.body);
}

#[tokio::test]
async fn restricted_records_are_masked_on_the_board_and_census() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 1).await;
    let pid = patient(&mut app, "Vera", "female").await;
    let token = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(beds[0])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut other = app.another_client();
    other.login(&app.user("doctor").await, PASSWORD).await;
    for path in ["/inpatient", "/inpatient/census"] {
        let page = other.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Restricted record") && !page.body.contains("Vera"), "{path}");
    }
    let t = other.api_token(&app.user("doctor").await).await;
    let beds = other.api(Method::GET, "/api/v1/inpatient/beds", Some(&t), None).await.json();
    assert_eq!(beds[0]["patient_name"], "Restricted record");
    assert_eq!(beds[0]["restricted"], true);
}

#[tokio::test]
async fn roles_without_the_permissions_are_refused() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let (w, beds) = ward(&app, "MED", "general", "mixed", 1).await;
    let pid = patient(&mut app, "Rol", "female").await;
    let b = beds[0].to_string();
    let admit = [("bed_id", b.as_str()), ("source", "ed"), ("diagnosis", "x")];
    for role in ["lab_technician", "billing_clerk", "radiologist", "pharmacist"] {
        let mut c = app.another_client();
        c.login(&app.user(role).await, PASSWORD).await;
        for path in [
            "/inpatient".to_string(),
            format!("/inpatient/wards/{w}"),
            format!("/patients/{pid}/inpatient"),
            "/inpatient/census".into(),
        ] {
            assert_eq!(c.get(&path).await.status, StatusCode::FORBIDDEN, "{role} {path}");
        }
        assert_eq!(c.get("/inpatient/housekeeping").await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(c.get("/inpatient/config").await.status, StatusCode::FORBIDDEN, "{role}");
        assert_eq!(
            c.post_form(&format!("/patients/{pid}/inpatient"), &admit).await.status,
            StatusCode::FORBIDDEN,
            "{role}"
        );
    }
    // Reception reads the board but does not admit; nurses do not configure.
    let mut r = app.another_client();
    r.login(&app.user("receptionist").await, PASSWORD).await;
    assert_eq!(r.get("/inpatient").await.status, StatusCode::OK);
    assert_eq!(r.post_form(&format!("/patients/{pid}/inpatient"), &admit).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/inpatient/config").await.status, StatusCode::FORBIDDEN);
    let token = app.api_token(&app.user("billing_clerk").await).await;
    let api = app.api(Method::GET, "/api/v1/inpatient/beds", Some(&token), None).await;
    assert_eq!(api.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_admissions").await, 0);
}

#[tokio::test]
async fn the_api_lists_wards_and_beds_shaped_for_fhir_locations() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let (w, beds) = ward(&app, "MED", "general", "mixed", 3).await;
    let pid = patient(&mut app, "Api", "male").await;
    let token = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(beds[1])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let wards = app.api(Method::GET, "/api/v1/inpatient/wards", Some(&token), None).await.json();
    assert_eq!(wards[0]["code"], "MED");
    assert_eq!((wards[0]["beds"].as_i64(), wards[0]["occupied"].as_i64()), (Some(3), Some(1)));
    let list = app.api(Method::GET, &format!("/api/v1/inpatient/beds?ward={w}"), Some(&token), None).await.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[1]["status"], "occupied");
    assert_eq!(list[1]["allocation"], "occupancy");
    assert_eq!(list[1]["patient_id"], pid.as_str());
    assert_eq!(list[0]["status"], "available");
    let r = app.api(Method::GET, "/api/v1/inpatient/beds?ward=nope", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r =
        app.api(Method::GET, &format!("/api/v1/inpatient/beds?facility={}", Uuid::new_v4()), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "not one of the caller's facilities");
}

#[tokio::test]
async fn stays_follow_a_merge_and_are_exported() {
    let (mut app, email) = TestApp::signed_in("super_admin").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 1).await;
    let a = patient(&mut app, "Mia", "female").await;
    let b = patient(&mut app, "Mya", "female").await;
    let token = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{b}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(beds[0])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mrn: String =
        sqlx::query_scalar("SELECT mrn FROM patients WHERE id = $1::uuid").bind(&b).fetch_one(&app.pool).await.unwrap();
    let r =
        app.post_form(&format!("/patients/{a}/merge"), &[("other", &mrn), ("keep", "this"), ("confirm", "true")]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let owner: Uuid =
        sqlx::query_scalar("SELECT patient_id FROM inpatient_admissions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(owner.to_string(), a);
    let owner: Uuid =
        sqlx::query_scalar("SELECT patient_id FROM inpatient_bed_allocations").fetch_one(&app.pool).await.unwrap();
    assert_eq!(owner.to_string(), a, "the occupancy follows");
    let export = app.get(&format!("/patients/{a}/export.json")).await.json();
    assert_eq!(export["inpatient_admissions"][0]["status"], "admitted", "{export}");
}

#[tokio::test]
async fn a_death_closes_the_stay_and_sends_the_bed_to_terminal_cleaning() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 2).await;
    let a = patient(&mut app, "Dee", "female").await;
    let token = app.api_token(&email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{a}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(beds[0])),
        )
        .await;
    let adm = r.json()["id"].as_str().unwrap().to_string();
    // Death in hospital, recorded as the discharge: the registry's death, terminal cleaning.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{a}/inpatient/admissions/{adm}/discharge"),
            Some(&token),
            Some(json!({"disposition": "deceased", "note": "Cardiac arrest; cause of death draft: I46.9"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let dead: bool = sqlx::query_scalar("SELECT deceased_at IS NOT NULL FROM patients WHERE id = $1::uuid")
        .bind(&a)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(dead, "the registry records the death");
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_cleaning_tasks WHERE kind = 'terminal'").await, 1);
    // A death recorded on the registry closes an open stay (the module's death hook).
    let b = patient(&mut app, "Dot", "female").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{b}/inpatient/admissions"),
            Some(&token),
            Some(admit_body(beds[1])),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut admin = app.another_client();
    admin.login(&app.user("super_admin").await, PASSWORD).await;
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let r = admin.post_form(&format!("/patients/{b}/death"), &[("death_date", &today), ("cause", "Sepsis")]).await;
    assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
    let (status, disposition): (String, Option<String>) =
        sqlx::query_as("SELECT status, disposition FROM inpatient_admissions WHERE patient_id = $1::uuid")
            .bind(&b)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), disposition.as_deref()), ("discharged", Some("deceased")));
    assert_eq!(bed_status(&app, beds[1]).await, "cleaning");
}

#[tokio::test]
async fn another_module_holds_a_bed_in_the_same_allocation_table() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let (_, beds) = ward(&app, "MED", "general", "mixed", 1).await;
    let pid = patient(&mut app, "Hol", "male").await;
    let meta = hearth::platform::audit::AuditMeta::system("test");
    let now = time::OffsetDateTime::now_utc();
    let mut tx = app.pool.begin().await.unwrap();
    let hold = hearth::modules::inpatient::repo::hold_bed(
        &mut tx,
        &meta,
        beds[0],
        None,
        now + time::Duration::hours(2),
        "network",
        "network",
        now,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // A second hold, and an admission into the held bed, are refused by the exclusion constraint.
    let mut tx = app.pool.begin().await.unwrap();
    let again = hearth::modules::inpatient::repo::hold_bed(
        &mut tx,
        &meta,
        beds[0],
        None,
        now + time::Duration::hours(1),
        "bed_request",
        "emergency",
        now,
    )
    .await;
    assert!(matches!(again, Err(hearth::error::AppError::Constraint(_))), "{again:?}");
    drop(tx);
    let token = app.api_token(&email).await;
    let url = format!("/api/v1/patients/{pid}/inpatient/admissions");
    let r = app.api(Method::POST, &url, Some(&token), Some(admit_body(beds[0]))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.json()["detail"].as_str().unwrap().contains("held for another patient"), "{}", r.body);
    assert_eq!(bed_status(&app, beds[0]).await, "available", "rolled back");
    // Released, the bed takes the admission.
    let mut tx = app.pool.begin().await.unwrap();
    hearth::modules::inpatient::repo::release_hold(&mut tx, &meta, hold).await.unwrap();
    tx.commit().await.unwrap();
    let r = app.api(Method::POST, &url, Some(&token), Some(admit_body(beds[0]))).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
}
