//! Radiology through HTTP: ordering (clinical question, laterality), protocolling, safety checks
//! before booking (contrast and eGFR, pregnancy, MRI implants; overrides with a reason), the
//! room's schedule (raced), the worklist with its accession number, reports (preliminary →
//! final by a radiologist, immutable, addenda, critical alerts, the inbox), facility scoping,
//! roles and bad input.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;

async fn as_role(app: &TestApp, role: &str) -> (TestApp, String) {
    let email = app.user(role).await;
    let mut c = app.another_client();
    c.login(&email, PASSWORD).await;
    let token = c.api_token(&email).await;
    (c, token)
}

async fn patient(app: &mut TestApp, sex: &str, birth: &str) -> String {
    app.register_patient(&[("given_name", "Rad"), ("family_name", "Patient"), ("sex", sex), ("birth_date", birth)])
        .await
}

fn birth_for_age(age: i32) -> String {
    let today = time::OffsetDateTime::now_utc().date();
    format!("{}-01-01", today.year() - age - 1 + i32::from(today.ordinal() > 1))
}

/// Places an imaging order through the orders core's API; returns the radiology order id.
async fn order(app: &mut TestApp, token: &str, pid: &str, code: &str, laterality: &str) -> String {
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(token),
            Some(json!({"kind": "imaging", "code": code, "priority": "routine", "indication": "Fracture?",
                        "options": {"laterality": laterality}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let header: Uuid = r.json()["id"].as_str().unwrap().parse().unwrap();
    let id: Uuid = sqlx::query_scalar("SELECT id FROM rad_orders WHERE order_id = $1")
        .bind(header)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    id.to_string()
}

async fn post(app: &mut TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    let r = app.api(Method::POST, path, Some(token), Some(body)).await;
    let v = if r.body.is_empty() { Value::Null } else { serde_json::from_str(&r.body).unwrap_or(Value::Null) };
    (r.status, v)
}

async fn room(app: &mut TestApp, admin: &str, code: &str, modality: &str) -> String {
    let facility = app.facility_id.to_string();
    let (s, v) = post(
        app,
        admin,
        "/api/v1/radiology/rooms",
        json!({"facility_id": facility, "code": code, "name": format!("Room {code}"), "modality": modality}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_string()
}

fn tomorrow(hour: u8) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(1);
    format!("{d}T{hour:02}:00:00Z")
}

async fn status_of(app: &TestApp, id: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT status, accession FROM rad_orders WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// The staff of a test: doctor (app), radiologist, radiographer, admin tokens and a room per modality.
struct Staff {
    doctor: String,
    rad: String,
    tech: String,
    rad_app: TestApp,
    rooms: std::collections::HashMap<&'static str, String>,
}

async fn staff(app: &mut TestApp) -> Staff {
    let email = app.user("doctor").await;
    app.login(&email, PASSWORD).await;
    let doctor = app.api_token(&email).await;
    let (rad_app, rad) = as_role(app, "radiologist").await;
    let (_, tech) = as_role(app, "radiographer").await;
    let (_, admin) = as_role(app, "hospital_admin").await;
    let mut rooms = std::collections::HashMap::new();
    for m in ["XR", "CT", "MR", "US"] {
        rooms.insert(m, room(app, &admin, &format!("{m}1"), m).await);
    }
    Staff { doctor, rad, tech, rad_app, rooms }
}

async fn protocolled(app: &mut TestApp, s: &Staff, pid: &str, code: &str, side: &str) -> String {
    let id = order(app, &s.doctor, pid, code, side).await;
    let (st, v) =
        post(app, &s.rad, &format!("/api/v1/radiology/orders/{id}/protocol"), json!({"decision": "accept"})).await;
    assert_eq!(st, StatusCode::NO_CONTENT, "{v}");
    id
}

async fn book(app: &mut TestApp, s: &Staff, id: &str, modality: &str, hour: u8, extra: Value) -> (StatusCode, Value) {
    let mut body = json!({"room_id": s.rooms[modality], "start": tomorrow(hour)});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    post(app, &s.tech, &format!("/api/v1/radiology/orders/{id}/book"), body).await
}

/// Releases a creatinine through the laboratory (its eGFR is calculated); `days_ago` backdates it.
async fn egfr(app: &mut TestApp, doctor: &str, pid: &str, creatinine: &str, days_ago: i64) -> f64 {
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(doctor),
            Some(json!({"kind": "lab_test", "code": "CREA", "priority": "urgent", "indication": "Before contrast"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let header: Uuid = r.json()["id"].as_str().unwrap().parse().unwrap();
    let specimen: Uuid = sqlx::query_scalar(
        "SELECT s.id FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id WHERE lo.order_id = $1",
    )
    .bind(header)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let (_, nurse) = as_role(app, "nurse").await;
    let (_, lab) = as_role(app, "lab_technician").await;
    for (who, step, body) in [
        (&nurse, "collect", json!({})),
        (&lab, "receive", json!({})),
        (&lab, "results", json!({"results": [{"test": "CREA", "value": creatinine}]})),
        (&lab, "release", json!({})),
    ] {
        let r = app
            .api(Method::POST, &format!("/api/v1/laboratory/specimens/{specimen}/{step}"), Some(who), Some(body))
            .await;
        assert!(r.status.is_success(), "{step}: {} {}", r.status, r.body);
    }
    if days_ago > 0 {
        sqlx::query("UPDATE lab_specimens SET collected_at = collected_at - make_interval(days => $2) WHERE id = $1")
            .bind(specimen)
            .bind(days_ago as i32)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    sqlx::query_scalar("SELECT value_num::float8 FROM lab_results WHERE specimen_id = $1 AND test = 'EGFR'")
        .bind(specimen)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn field_error(v: &Value, field: &str) -> String {
    v["errors"][field].as_str().map(str::to_string).unwrap_or_else(|| {
        v["errors"]
            .as_array()
            .and_then(|a| a.iter().find(|e| e["field"] == field))
            .and_then(|e| e["message"].as_str())
            .unwrap_or_default()
            .to_string()
    })
}

#[tokio::test]
async fn radiology_laterality_and_clinical_question_are_required() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    let pid = patient(&mut app, "male", "1960-03-01").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(&s.doctor),
            Some(json!({"kind": "imaging", "code": "XR-HAND", "priority": "routine", "indication": "Pain"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("laterality"), "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(&s.doctor),
            Some(json!({"kind": "imaging", "code": "XR-CHEST", "priority": "routine", "indication": "  "})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("clinical question"), "{}", r.body);
    // The chart's form says the same and keeps what was typed.
    let r = app
        .post_form(
            &format!("/patients/{pid}/radiology"),
            &[("code", "XR-KNEE"), ("laterality", ""), ("priority", "routine"), ("indication", "Swollen after a fall")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("needs a laterality") && r.body.contains("Swollen after a fall"), "{}", r.body);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM orders").fetch_one(&app.pool).await.unwrap();
    let m: i64 = sqlx::query_scalar("SELECT count(*) FROM rad_orders").fetch_one(&app.pool).await.unwrap();
    assert_eq!((n, m), (0, 0), "nothing was ordered");
    let r = app
        .post_form(
            &format!("/patients/{pid}/radiology"),
            &[
                ("code", "XR-KNEE"),
                ("laterality", "left"),
                ("priority", "routine"),
                ("indication", "Swollen after a fall"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let side: Option<String> =
        sqlx::query_scalar("SELECT laterality FROM rad_orders").fetch_one(&app.pool).await.unwrap();
    assert_eq!(side.as_deref(), Some("left"));
    assert_eq!(app.audit_count("radiology.order.create").await, 1);
}

#[tokio::test]
async fn radiology_contrast_ct_needs_a_recent_egfr_of_30_or_an_override() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    // No eGFR at all → prompt; the override reason lets it through and is stored.
    let pid = patient(&mut app, "male", "1960-03-01").await;
    let id = protocolled(&mut app, &s, &pid, "CT-CHEST-C", "").await;
    let (st, v) = book(&mut app, &s, &id, "CT", 9, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("no eGFR"), "{v}");
    assert_eq!(status_of(&app, &id).await, ("protocolled".into(), None), "nothing changed");

    // An eGFR 90 days old is not recent.
    let pid2 = patient(&mut app, "male", "1960-03-01").await;
    let e = egfr(&mut app, &s.doctor, &pid2, "80", 90).await;
    assert!(e > 60.0, "{e}");
    let id2 = protocolled(&mut app, &s, &pid2, "CT-CHEST-C", "").await;
    let (st, v) = book(&mut app, &s, &id2, "CT", 10, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("90 days old"), "{v}");

    // A recent eGFR below 30 prompts; metformin brings the hold advice.
    let pid3 = patient(&mut app, "male", "1960-03-01").await;
    let e = egfr(&mut app, &s.doctor, &pid3, "300", 0).await;
    assert!(e < 30.0, "{e}");
    let id3 = protocolled(&mut app, &s, &pid3, "CT-CHEST-C", "").await;
    let (st, v) = book(&mut app, &s, &id3, "CT", 11, json!({"on_metformin": true})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("below 30"), "{v}");
    let (st, v) = book(
        &mut app,
        &s,
        &id3,
        "CT",
        11,
        json!({"on_metformin": true, "override_reason": "Suspected aortic dissection"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let codes: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["egfr_low", "metformin_hold"]);
    assert!(v["accession"].as_str().unwrap().starts_with('R'));
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT check_code, reason FROM rad_overrides WHERE rad_order_id = $1::uuid")
            .bind(&id3)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored, [("egfr_low".to_string(), "Suspected aortic dissection".to_string())]);
    assert_eq!(app.audit_count("radiology.safety.override").await, 1);

    // The first order too, with a reason.
    let (st, v) = book(&mut app, &s, &id, "CT", 9, json!({"override_reason": "Trauma, no time to wait"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // Gadolinium below 30 is advice only (group II), never a prompt.
    let id4 = protocolled(&mut app, &s, &pid3, "MR-BRAIN-C", "").await;
    let (st, v) = book(&mut app, &s, &id4, "MR", 12, json!({"mr_implant": "none"})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["findings"][0]["code"], "gadolinium_group2");
}

#[tokio::test]
async fn radiology_pregnancy_status_is_asked_of_a_patient_of_30_before_ct() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    let pid = patient(&mut app, "female", &birth_for_age(30)).await;
    let id = protocolled(&mut app, &s, &pid, "CT-HEAD", "").await;
    let (st, v) = book(&mut app, &s, &id, "CT", 9, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(
        field_error(&v, "pregnancy").contains("pregnancy status") || v.to_string().contains("pregnancy status"),
        "{v}"
    );
    let (st, v) = book(&mut app, &s, &id, "CT", 9, json!({"pregnancy": "unknown"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("Pregnancy status unknown"), "{v}");
    assert_eq!(status_of(&app, &id).await.0, "protocolled");
    let (st, v) =
        book(&mut app, &s, &id, "CT", 9, json!({"pregnancy": "unknown", "override_reason": "Head injury, GCS 9"}))
            .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    // Ultrasound asks nothing; a man of 30 is not asked.
    let us = protocolled(&mut app, &s, &pid, "US-PELV", "").await;
    assert_eq!(book(&mut app, &s, &us, "US", 9, json!({})).await.0, StatusCode::OK);
    let man = patient(&mut app, "male", &birth_for_age(30)).await;
    let ct = protocolled(&mut app, &s, &man, "CT-HEAD", "").await;
    assert_eq!(book(&mut app, &s, &ct, "CT", 11, json!({})).await.0, StatusCode::OK);
}

#[tokio::test]
async fn radiology_mr_unsafe_implant_is_a_hard_stop() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    let pid = patient(&mut app, "male", "1950-03-01").await;
    let id = protocolled(&mut app, &s, &pid, "MR-BRAIN", "").await;
    let (st, v) = book(&mut app, &s, &id, "MR", 9, json!({})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("MRI safety questionnaire"), "{v}");
    let (st, v) =
        book(&mut app, &s, &id, "MR", 9, json!({"mr_implant": "unsafe", "override_reason": "Consultant insists"}))
            .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("MR Unsafe"), "{v}");
    assert_eq!(status_of(&app, &id).await, ("protocolled".into(), None), "no override of a hard stop");
    let (st, _) = book(&mut app, &s, &id, "MR", 9, json!({"mr_implant": "conditional"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "conditions are required");
    let (st, v) = book(
        &mut app,
        &s,
        &id,
        "MR",
        9,
        json!({"mr_implant": "conditional", "mr_conditions": "1.5 T only, SAR ≤ 2 W/kg"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let safety: Value = sqlx::query_scalar("SELECT safety FROM rad_orders WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(safety["mr_conditions"], "1.5 T only, SAR ≤ 2 W/kg");
}

#[tokio::test]
async fn radiology_a_room_is_never_double_booked() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    let pid = patient(&mut app, "male", "1950-03-01").await;
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(protocolled(&mut app, &s, &pid, "XR-CHEST", "").await);
    }
    let body = json!({"room_id": s.rooms["XR"], "start": tomorrow(9)});
    let mut tasks = Vec::new();
    for id in &ids {
        let mut c = app.another_client();
        let (token, body, id) = (s.tech.clone(), body.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            c.api(Method::POST, &format!("/api/v1/radiology/orders/{id}/book"), Some(&token), Some(body)).await.status
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == StatusCode::OK).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == StatusCode::CONFLICT).count(), 5, "{codes:?}");
    let booked: i64 = sqlx::query_scalar("SELECT count(*) FROM rad_orders WHERE status = 'scheduled'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(booked, 1);
    // An overlapping start (XR-CHEST lasts 10 min) is refused too; the next free time is not.
    let other: Uuid = sqlx::query_scalar("SELECT id FROM rad_orders WHERE status = 'protocolled' LIMIT 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let start = tomorrow(9).replace(":00:00Z", ":05:00Z");
    let (st, v) = post(
        &mut app,
        &s.tech,
        &format!("/api/v1/radiology/orders/{other}/book"),
        json!({"room_id": s.rooms["XR"], "start": start}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    assert!(v.to_string().contains("already booked at that time"), "{v}");
    let start = tomorrow(9).replace(":00:00Z", ":10:00Z");
    let (st, v) = post(
        &mut app,
        &s.tech,
        &format!("/api/v1/radiology/orders/{other}/book"),
        json!({"room_id": s.rooms["XR"], "start": start}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
}

#[tokio::test]
async fn radiology_worklist_reports_addenda_and_critical_alert() {
    let mut app = TestApp::new().await;
    let mut s = staff(&mut app).await;
    let pid = patient(&mut app, "male", "1950-03-01").await;
    let id = protocolled(&mut app, &s, &pid, "XR-CHEST", "").await;
    // Reporting before the exam is done: 409.
    let (st, _) =
        post(&mut app, &s.rad, &format!("/api/v1/radiology/orders/{id}/report"), json!({"impression": "x"})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let start = time::OffsetDateTime::now_utc() + time::Duration::minutes(30);
    let start = start.format(&time::format_description::well_known::Rfc3339).unwrap();
    let (st, v) = post(
        &mut app,
        &s.tech,
        &format!("/api/v1/radiology/orders/{id}/book"),
        json!({"room_id": s.rooms["XR"], "start": start}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let accession = v["accession"].as_str().unwrap().to_string();
    assert!(accession.starts_with('R') && accession.len() == 10, "{accession}");

    // The radiographer's worklist shows it with its accession; steps in order only.
    let (mut tech_app, tech_token) = as_role(&app, "radiographer").await;
    let _ = tech_token;
    let page = tech_app.get("/radiology/worklist").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&accession) && page.body.contains("Chest X-ray PA"), "{}", page.body);
    let (st, _) =
        post(&mut app, &s.tech, &format!("/api/v1/radiology/orders/{id}/step"), json!({"status": "completed"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "no skipping to completed");
    let r = tech_app.post_form(&format!("/radiology/orders/{id}/step"), &[("status", "arrived")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for step in ["in_progress", "completed"] {
        let (st, v) =
            post(&mut app, &s.tech, &format!("/api/v1/radiology/orders/{id}/step"), json!({"status": step})).await;
        assert_eq!(st, StatusCode::NO_CONTENT, "{step}: {v}");
    }
    let charges: Vec<String> = sqlx::query_scalar("SELECT code FROM charges WHERE source_module = 'radiology'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(charges, ["RAD:RAD-XR01"]);

    // A doctor may neither report nor sign; the preliminary is the radiologist's.
    let (st, _) = post(
        &mut app,
        &s.doctor,
        &format!("/api/v1/radiology/orders/{id}/report"),
        json!({"impression": "Fine", "status": "final"}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = post(&mut app, &s.rad, &format!("/api/v1/radiology/orders/{id}/addenda"), json!({"text": "x"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "no addendum before signing");
    let page = s.rad_app.get(&format!("/patients/{pid}/radiology/{id}")).await;
    assert!(page.body.contains("No acute cardiopulmonary abnormality."), "the normal template: {}", page.body);
    let r = s
        .rad_app
        .post_form(
            &format!("/patients/{pid}/radiology/{id}/report"),
            &[("findings", "Right lower lobe opacity."), ("impression", "Pneumonia."), ("status", "preliminary")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let chart = app.get(&format!("/patients/{pid}/radiology")).await;
    assert!(chart.body.contains("Preliminary"), "{}", chart.body);
    let (st, v) = post(
        &mut app,
        &s.rad,
        &format!("/api/v1/radiology/orders/{id}/report"),
        json!({"findings": "Right lower lobe consolidation.", "impression": "Right lower lobe pneumonia.", "status": "final"}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let inbox: Vec<String> = sqlx::query_scalar("SELECT summary FROM order_results ORDER BY released_at, id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    assert!(
        inbox.iter().any(|s| s.starts_with("PRELIMINARY")) && inbox.iter().any(|s| s.starts_with("FINAL")),
        "{inbox:?}"
    );

    // Signed: no change through the API nor in the database.
    let (st, _) = post(
        &mut app,
        &s.rad,
        &format!("/api/v1/radiology/orders/{id}/report"),
        json!({"impression": "Changed", "status": "final"}),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let direct = sqlx::query("UPDATE rad_reports SET impression = 'tampered'").execute(&app.pool).await;
    assert!(direct.is_err(), "the database keeps a signed report");
    let alerts: i64 = sqlx::query_scalar("SELECT count(*) FROM alerts WHERE kind = 'radiology.critical_finding'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(alerts, 0);

    // A critical addendum alerts the orderer; the original is kept.
    let (st, v) = post(
        &mut app,
        &s.rad,
        &format!("/api/v1/radiology/orders/{id}/addenda"),
        json!({"text": "On review: a small right apical pneumothorax.", "critical": true}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let (given, source): (Option<Uuid>, String) =
        sqlx::query_as("SELECT given_user_id, source_module FROM alerts WHERE kind = 'radiology.critical_finding'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let orderer: Uuid = sqlx::query_scalar("SELECT orderer_id FROM rad_orders").fetch_one(&app.pool).await.unwrap();
    assert_eq!((given, source.as_str()), (Some(orderer), "radiology"));
    let impression: String =
        sqlx::query_scalar("SELECT impression FROM rad_reports").fetch_one(&app.pool).await.unwrap();
    assert_eq!(impression, "Right lower lobe pneumonia.");
    assert!(sqlx::query("DELETE FROM rad_addenda").execute(&app.pool).await.is_err(), "addenda are immutable");
    let print = app.get(&format!("/patients/{pid}/radiology/{id}/print")).await;
    assert_eq!(print.status, StatusCode::OK);
    assert!(
        print.body.contains("small right apical pneumothorax") && print.body.contains(&accession),
        "{}",
        print.body
    );
    let detail = app.api(Method::GET, &format!("/api/v1/radiology/orders/{id}"), Some(&s.rad), None).await;
    assert_eq!(detail.json()["addenda"].as_array().unwrap().len(), 1);
    let _ = &mut s;
}

#[tokio::test]
async fn radiology_another_facility_and_other_roles_see_nothing() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    let pid = patient(&mut app, "male", "1950-03-01").await;
    let id = protocolled(&mut app, &s, &pid, "XR-CHEST", "").await;
    let (st, _) = book(&mut app, &s, &id, "XR", 9, json!({})).await;
    assert_eq!(st, StatusCode::OK);
    // A radiologist of another facility.
    let other = Uuid::new_v4();
    sqlx::query("INSERT INTO facilities (id, code, name) VALUES ($1, 'OTH', 'Other Hospital')")
        .bind(other)
        .execute(&app.pool)
        .await
        .unwrap();
    let (_, token) = as_role(&app, "radiologist").await;
    sqlx::query("UPDATE user_facilities SET facility_id = $1 WHERE user_id = (SELECT id FROM users ORDER BY created_at DESC LIMIT 1)")
        .bind(other)
        .execute(&app.pool)
        .await
        .unwrap();
    let day = (time::OffsetDateTime::now_utc().date() + time::Duration::days(1)).to_string();
    for path in [
        format!("/api/v1/radiology/worklist?day={day}"),
        "/api/v1/radiology/orders?status=requested".into(),
        "/api/v1/radiology/rooms".into(),
    ] {
        let r = app.api(Method::GET, &path, Some(&token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.json().as_array().unwrap().len(), 0, "{path}: {}", r.body);
    }
    let r = app.api(Method::GET, &format!("/api/v1/radiology/worklist?day={day}"), Some(&s.rad), None).await;
    assert_eq!(r.json().as_array().unwrap().len(), 1, "the own facility sees it");
    let r = app.api(Method::GET, &format!("/api/v1/radiology/orders/{id}"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let (st, _) =
        post(&mut app, &token, &format!("/api/v1/radiology/orders/{id}/step"), json!({"status": "arrived"})).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a radiologist does not run the worklist");
    // Roles: a receptionist sees no radiology; a nurse reads but cannot protocol or book.
    let (mut recep, recep_token) = as_role(&app, "receptionist").await;
    assert_eq!(recep.get("/radiology").await.status, StatusCode::FORBIDDEN);
    let r = app.api(Method::GET, "/api/v1/radiology/worklist", Some(&recep_token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (mut nurse, nurse_token) = as_role(&app, "nurse").await;
    assert_eq!(nurse.get("/radiology").await.status, StatusCode::OK);
    let other_order = order(&mut app, &s.doctor, &pid, "XR-PELV", "").await;
    let (st, _) = post(
        &mut app,
        &nurse_token,
        &format!("/api/v1/radiology/orders/{other_order}/protocol"),
        json!({"decision": "accept"}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = post(&mut app, &nurse_token, &format!("/api/v1/radiology/orders/{id}/book"), json!({})).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, &other_order).await.0, "requested");
}

#[tokio::test]
async fn radiology_bad_input_is_refused_and_changes_nothing() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    let pid = patient(&mut app, "male", "1950-03-01").await;
    let id = order(&mut app, &s.doctor, &pid, "XR-CHEST", "").await;
    for body in
        [json!({"decision": "maybe"}), json!({"decision": "reject", "reason": "  "}), json!({"decision": "change"})]
    {
        let (st, v) = post(&mut app, &s.rad, &format!("/api/v1/radiology/orders/{id}/protocol"), body.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    assert_eq!(status_of(&app, &id).await.0, "requested");
    // Booking before the protocol: 409.
    let (st, _) = book(&mut app, &s, &id, "XR", 9, json!({})).await;
    assert_eq!(st, StatusCode::CONFLICT);
    let (st, _) =
        post(&mut app, &s.rad, &format!("/api/v1/radiology/orders/{id}/protocol"), json!({"decision": "accept"})).await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, _) =
        post(&mut app, &s.rad, &format!("/api/v1/radiology/orders/{id}/protocol"), json!({"decision": "accept"})).await;
    assert_eq!(st, StatusCode::CONFLICT, "protocolled once");
    for body in [
        json!({"room_id": "not-a-room", "start": tomorrow(9)}),
        json!({"room_id": s.rooms["XR"], "start": "tomorrow morning"}),
        json!({"room_id": s.rooms["CT"], "start": tomorrow(9)}),
        json!({"room_id": s.rooms["XR"], "start": "2001-01-01T09:00:00Z"}),
        json!({"room_id": s.rooms["XR"]}),
    ] {
        let (st, v) = post(&mut app, &s.tech, &format!("/api/v1/radiology/orders/{id}/book"), body.clone()).await;
        assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    assert_eq!(status_of(&app, &id).await, ("protocolled".into(), None));
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/radiology/orders/{}/protocol", Uuid::new_v4()),
            Some(&s.rad),
            Some(json!({"decision": "accept"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = app.api(Method::GET, "/api/v1/radiology/worklist?day=yesterday", Some(&s.rad), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (st, _) =
        post(&mut app, &s.tech, &format!("/api/v1/radiology/orders/{id}/step"), json!({"status": "teleported"})).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY);
    // A rejection revokes the order in the core, with its reason.
    let id2 = order(&mut app, &s.doctor, &pid, "XR-PELV", "").await;
    let (st, _) = post(
        &mut app,
        &s.rad,
        &format!("/api/v1/radiology/orders/{id2}/protocol"),
        json!({"decision": "reject", "reason": "Not justified: imaged yesterday."}),
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let header: (String, Option<String>) = sqlx::query_as(
        "SELECT o.status, o.revoke_reason FROM orders o JOIN rad_orders r ON r.order_id = o.id WHERE r.id = $1::uuid",
    )
    .bind(&id2)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(header.0, "revoked");
    assert!(header.1.unwrap().contains("imaged yesterday"));
    // The overview lists the order to book with its questionnaire; the catalogue its procedures.
    let mut rad_app = s.rad_app;
    let page = rad_app.get("/radiology").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(&format!("/radiology/orders/{id}/book")) && page.body.contains("Pregnancy status"),
        "{}",
        page.body
    );
    let page = rad_app.get("/radiology/catalogue").await;
    assert!(page.body.contains("CT-CTPA") && page.body.contains("Room XR1"), "{}", page.body);
}

#[tokio::test]
async fn radiology_demo_has_rooms_at_both_facilities_and_every_state() {
    let app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let facilities: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT facility_id) FROM rad_rooms").fetch_one(&app.pool).await.unwrap();
    assert_eq!(facilities, 2);
    let states: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT status FROM rad_orders ORDER BY 1").fetch_all(&app.pool).await.unwrap();
    assert_eq!(states, ["arrived", "completed", "in_progress", "protocolled", "rejected", "requested", "scheduled"]);
    let reports: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT status FROM rad_reports ORDER BY 1").fetch_all(&app.pool).await.unwrap();
    assert_eq!(reports, ["final", "preliminary"]);
    let (addenda, critical): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM rad_addenda),
                (SELECT count(*) FROM alerts WHERE kind = 'radiology.critical_finding')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((addenda, critical), (1, 1));
    // Seeding again adds nothing.
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM rad_orders").fetch_one(&app.pool).await.unwrap();
    assert_eq!(orders, 12);
}

#[tokio::test]
async fn radiology_a_recorded_death_cancels_exams_not_yet_started_and_frees_the_room() {
    let mut app = TestApp::new().await;
    let s = staff(&mut app).await;
    let pid = patient(&mut app, "male", "1950-03-01").await;
    let requested = order(&mut app, &s.doctor, &pid, "XR-CHEST", "").await;
    let booked = protocolled(&mut app, &s, &pid, "XR-CHEST", "").await;
    let (st, v) = book(&mut app, &s, &booked, "XR", 9, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let other = patient(&mut app, "female", "1960-05-05").await;
    let theirs = protocolled(&mut app, &s, &other, "XR-CHEST", "").await;
    let r = app
        .post_form(&format!("/patients/{pid}/death"), &[("death_date", "2026-11-30"), ("death_time", "04:30")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(status_of(&app, &requested).await.0, "cancelled");
    assert_eq!(status_of(&app, &booked).await.0, "cancelled");
    assert_eq!(status_of(&app, &theirs).await.0, "protocolled", "another patient's exam stays");
    assert_eq!(app.audit_count("radiology.order.cancel").await, 2);
    // The dead patient's room time is free for the other patient.
    let (st, v) = book(&mut app, &s, &theirs, "XR", 9, json!({})).await;
    assert_eq!(st, StatusCode::OK, "{v}");
}
