//! Bed requests and placement (issue 17) through HTTP: a request from the chart, the placement
//! queue with candidate beds (gender policy, isolation, equipment), assign = a hold in the one
//! allocation table, admit from the request, cancel with a reason; the races (one open request per
//! patient, one bed for two requests); roles; and the ED's "admit" disposition creating a
//! request whose admission departs the ED visit (through the requester's job).

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;
use hearth::platform::jobs::Worker;

/// A ward of the test facility with `n` beds (B1…Bn, with oxygen; bed isolation as given).
async fn ward(app: &TestApp, code: &str, kind: &str, policy: &str, isolation: &str, n: usize) -> Vec<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO inpatient_wards (id, facility_id, code, name, kind, gender_policy, specialty)
         VALUES ($1, $2, $3, $3 || ' ward', $4, $5, 'General medicine')",
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
        sqlx::query("INSERT INTO inpatient_beds (id, ward_id, code, oxygen, isolation) VALUES ($1, $2, $3, true, $4)")
            .bind(b)
            .bind(id)
            .bind(format!("B{i}"))
            .bind(isolation)
            .execute(&app.pool)
            .await
            .unwrap();
        beds.push(b);
    }
    beds
}

async fn patient(app: &mut TestApp, given: &str, sex: &str) -> String {
    app.register_patient(&[
        ("given_name", given),
        ("family_name", "Bedreq"),
        ("sex", sex),
        ("birth_date", "1958-03-03"),
    ])
    .await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

async fn create(app: &mut TestApp, token: &str, pid: &str, body: Value) -> String {
    let r =
        app.api(Method::POST, &format!("/api/v1/patients/{pid}/inpatient/bed-requests"), Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn candidates(app: &mut TestApp, token: &str, req: &str) -> Vec<String> {
    let r = app.api(Method::GET, &format!("/api/v1/inpatient/bed-requests/{req}/candidates"), Some(token), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json().as_array().unwrap().iter().map(|b| b["bed_id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn a_request_is_placed_held_and_admitted_through_the_pages() {
    let (mut app, _) = TestApp::signed_in("nurse").await;
    let beds = ward(&app, "MED", "general", "mixed", "none", 2).await;
    let pid = patient(&mut app, "Placed", "female").await;
    // The chart's form: bad input keeps what was typed (422), then the request.
    let form = app.get(&format!("/patients/{pid}/inpatient/bed-request")).await;
    assert_eq!(form.status, StatusCode::OK);
    let r = app
        .post_form(
            &format!("/patients/{pid}/inpatient/bed-request"),
            &[("source", "clinic"), ("urgency", "whenever"), ("notes", "Keep this note")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Keep this note") && r.body.contains("routine, urgent or emergency"), "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM ip_bed_requests").await, 0);
    let r = app
        .post_form(
            &format!("/patients/{pid}/inpatient/bed-request"),
            &[("source", "clinic"), ("urgency", "urgent"), ("oxygen", "true"), ("notes", "For IV diuretics")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let req: Uuid = sqlx::query_scalar("SELECT id FROM ip_bed_requests").fetch_one(&app.pool).await.unwrap();

    // The queue shows the patient and the beds that fit.
    let page = app.get("/inpatient/placement").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Bedreq, Placed") && page.body.contains("MED · B1"), "{}", page.body);
    assert_eq!(app.audit_count("inpatient.bed_requests.view").await, 1);

    // Assign: a hold in the one allocation table; the bed stays available but is held.
    let bed = beds[0].to_string();
    let r =
        app.post_form(&format!("/inpatient/placement/{req}/assign"), &[("bed_id", &bed), ("hold_hours", "99")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "hold hours out of range");
    let r =
        app.post_form(&format!("/inpatient/placement/{req}/assign"), &[("bed_id", &bed), ("hold_hours", "2")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        count(&app, "SELECT count(*) FROM inpatient_bed_allocations WHERE kind = 'hold' AND hold_reason = 'bed_request' AND period @> now()").await,
        1
    );
    // Another patient cannot be admitted into the held bed.
    let other = patient(&mut app, "Other", "female").await;
    let r = app
        .post_form(
            &format!("/patients/{other}/inpatient"),
            &[("bed_id", &bed), ("source", "direct"), ("diagnosis", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // …and the admission form does not offer it (the free one only).
    let form = app.get(&format!("/patients/{other}/inpatient")).await;
    assert!(!form.body.contains(&format!("value=\"{bed}\"")), "the held bed is offered");
    assert!(form.body.contains(&format!("value=\"{}\"", beds[1])), "the free bed is not offered");

    // Admit from the request: a diagnosis is required (422, nothing changed), then the stay.
    let r = app.post_form(&format!("/inpatient/placement/{req}/admit"), &[("expected_los_days", "4")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_admissions").await, 0);
    let r = app
        .post_form(
            &format!("/inpatient/placement/{req}/admit"),
            &[("diagnosis", "Decompensated heart failure"), ("expected_los_days", "4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, source): (String, String) = sqlx::query_as(
        "SELECT r.status, a.source FROM ip_bed_requests r JOIN inpatient_admissions a ON a.id = r.admission_id",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), source.as_str()), ("admitted", "clinic"));
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_beds WHERE status = 'occupied'").await, 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM inpatient_bed_allocations WHERE kind = 'hold' AND period @> now()").await,
        0,
        "the hold ended when the patient was admitted"
    );
    // Twice: 409.
    let r = app.post_form(&format!("/inpatient/placement/{req}/admit"), &[("diagnosis", "Again")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    for action in ["inpatient.bed_request.create", "inpatient.bed_request.assign", "inpatient.bed_request.admit"] {
        assert_eq!(app.audit_count(action).await, 1, "{action}");
    }
    assert!(app.get("/inpatient/placement").await.body.contains("No bed requests are waiting"));
}

#[tokio::test]
async fn candidate_beds_respect_gender_policy_isolation_and_equipment() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let women = ward(&app, "WOM", "general", "female", "none", 1).await;
    let men = ward(&app, "MEN", "general", "male", "none", 1).await;
    let iso = ward(&app, "ISO", "general", "mixed", "negative_pressure", 1).await;
    let icu = ward(&app, "ICU", "icu", "female", "single_room", 1).await;
    let token = app.api_token(&email).await;
    let man = patient(&mut app, "Man", "male").await;
    let req = create(&mut app, &token, &man, json!({"source": "direct", "urgency": "routine"})).await;
    let mut got = candidates(&mut app, &token, &req).await;
    got.sort();
    let mut want = vec![men[0].to_string(), iso[0].to_string(), icu[0].to_string()];
    want.sort();
    assert_eq!(got, want, "a man is not offered the women's ward; ICU is exempt");
    assert!(!got.contains(&women[0].to_string()));
    // Airborne precautions: only the negative-pressure room.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/inpatient/bed-requests/{req}/cancel"),
            Some(&token),
            Some(json!({"reason": "Re-requested with precautions"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let req =
        create(&mut app, &token, &man, json!({"source": "direct", "urgency": "urgent", "isolation": "airborne"})).await;
    assert_eq!(candidates(&mut app, &token, &req).await, vec![iso[0].to_string()]);
    // A ventilator: none of these beds has one.
    let woman = patient(&mut app, "Woman", "female").await;
    let req2 =
        create(&mut app, &token, &woman, json!({"source": "surgery", "urgency": "routine", "ventilator": true})).await;
    assert!(candidates(&mut app, &token, &req2).await.is_empty());
    // The ICU kind asked for.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/inpatient/bed-requests/{req2}/cancel"),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let req3 =
        create(&mut app, &token, &woman, json!({"source": "surgery", "urgency": "routine", "ward_kind": "icu"})).await;
    assert_eq!(candidates(&mut app, &token, &req3).await, vec![icu[0].to_string()]);
    // The queue lists the open requests, the most urgent first.
    let q = app.api(Method::GET, "/api/v1/inpatient/bed-requests", Some(&token), None).await;
    let list = q.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["urgency"], "urgent");
}

#[tokio::test]
async fn bad_input_and_wrong_states_are_refused_and_change_nothing() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let beds = ward(&app, "MED", "general", "mixed", "none", 1).await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "Wrong", "male").await;
    let url = format!("/api/v1/patients/{pid}/inpatient/bed-requests");
    for body in [
        json!({"source": "nowhere", "urgency": "routine"}),
        json!({"source": "clinic", "urgency": "routine", "isolation": "mild"}),
        json!({"source": "clinic", "urgency": "routine", "ward_kind": "spa"}),
        json!({"source": "clinic", "urgency": "routine", "facility_id": Uuid::new_v4()}),
        json!({"source": "clinic", "urgency": "routine", "notes": "x".repeat(1001)}),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
    }
    assert_eq!(count(&app, "SELECT count(*) FROM ip_bed_requests").await, 0);
    let req = create(&mut app, &token, &pid, json!({"source": "clinic", "urgency": "routine"})).await;
    let admit = app
        .api(
            Method::POST,
            &format!("/api/v1/inpatient/bed-requests/{req}/admit"),
            Some(&token),
            Some(json!({"diagnosis": "Pneumonia"})),
        )
        .await;
    assert_eq!(admit.status, StatusCode::CONFLICT, "assign a bed first");
    let cancel = format!("/api/v1/inpatient/bed-requests/{req}/cancel");
    let r = app.api(Method::POST, &cancel, Some(&token), Some(json!({"reason": " "}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/inpatient/bed-requests/{req}/assign"),
            Some(&token),
            Some(json!({"bed_id": beds[0]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api(Method::POST, &cancel, Some(&token), Some(json!({"reason": "Went home from clinic"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(
        count(&app, "SELECT count(*) FROM inpatient_bed_allocations WHERE period @> now()").await,
        0,
        "cancelling releases the hold"
    );
    let r = app.api(Method::POST, &cancel, Some(&token), Some(json!({"reason": "Again"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/inpatient/bed-requests/{}/cancel", Uuid::new_v4()),
            Some(&token),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An admitted patient cannot be requested a bed.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/inpatient/admissions"),
            Some(&token),
            Some(json!({"bed_id": beds[0], "source": "direct", "diagnosis": "x"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app.api(Method::POST, &url, Some(&token), Some(json!({"source": "clinic", "urgency": "routine"}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn one_open_request_per_patient_when_racing() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "Racer", "female").await;
    let calls =
        (0..6).map(|_| {
            let mut c = app.another_client();
            let (url, token) = (format!("/api/v1/patients/{pid}/inpatient/bed-requests"), token.clone());
            async move {
                c.api(Method::POST, &url, Some(&token), Some(json!({"source": "clinic", "urgency": "urgent"}))).await
            }
        });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((created, conflicts.len()), (1, 5), "{:?}", results.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(conflicts[0].body.contains("already has an open bed request"), "{}", conflicts[0].body);
    assert_eq!(count(&app, "SELECT count(*) FROM ip_bed_requests").await, 1);
}

#[tokio::test]
async fn two_requests_racing_for_one_bed_one_is_assigned() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let beds = ward(&app, "MED", "general", "mixed", "none", 1).await;
    let token = app.api_token(&email).await;
    let mut reqs = Vec::new();
    for i in 0..5 {
        let pid = patient(&mut app, &format!("Bedrace{i}"), "male").await;
        reqs.push(create(&mut app, &token, &pid, json!({"source": "clinic", "urgency": "routine"})).await);
    }
    let calls = reqs.iter().map(|req| {
        let mut c = app.another_client();
        let (url, token) = (format!("/api/v1/inpatient/bed-requests/{req}/assign"), token.clone());
        let body = json!({"bed_id": beds[0]});
        async move { c.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count();
    let conflicts = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, conflicts), (1, 4), "{:?}", results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_bed_allocations").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM ip_bed_requests WHERE status = 'assigned'").await, 1);
}

#[tokio::test]
async fn roles_without_the_permissions_are_refused() {
    let (mut app, email) = TestApp::signed_in("nurse").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "Roles", "female").await;
    let req = create(&mut app, &token, &pid, json!({"source": "clinic", "urgency": "routine"})).await;
    for role in ["lab_technician", "billing_clerk", "radiologist", "pharmacist", "receptionist", "doctor"] {
        let mut c = app.another_client();
        c.login(&app.user(role).await, PASSWORD).await;
        assert_eq!(c.get("/inpatient/placement").await.status, StatusCode::FORBIDDEN, "{role}");
        let r = c.post_form(&format!("/inpatient/placement/{req}/cancel"), &[("reason", "no")]).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let t = c.api_token(&app.user(role).await).await;
        let r = c.api(Method::GET, "/api/v1/inpatient/bed-requests", Some(&t), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let expected = if role == "doctor" { StatusCode::OK } else { StatusCode::FORBIDDEN };
        assert_eq!(c.get(&format!("/patients/{pid}/inpatient/bed-request")).await.status, expected, "{role}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM ip_bed_requests WHERE status = 'requested'").await, 1);
}

#[tokio::test]
async fn an_ed_admission_requests_a_bed_and_the_admission_departs_the_visit() {
    let (mut app, email) = TestApp::signed_in("ed_coordinator").await;
    let token = app.api_token(&email).await;
    let beds = ward(&app, "AMU", "general", "mixed", "none", 2).await;
    let department = Uuid::new_v4();
    sqlx::query("INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, 'MED', 'General medicine')")
        .bind(department)
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app
        .api(
            Method::POST,
            "/api/v1/emergency/visits",
            Some(&token),
            Some(json!({"name": "Bo Arding", "sex": "male", "age": "70", "chief_complaint": "Breathless", "arrival_mode": "ambulance"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let visit = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "admit", "admit_department_id": department, "bed_ward_kind": "palace"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a ward kind from the list");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "admit", "admit_department_id": department, "bed_ward_kind": "general", "bed_isolation": "droplet"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let (req, source, specialty, isolation): (Uuid, String, String, String) = sqlx::query_as(
        "SELECT id, source, specialty, isolation FROM ip_bed_requests WHERE source_module = 'emergency' AND source_ref = $1::uuid",
    )
    .bind(&visit)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((source.as_str(), specialty.as_str(), isolation.as_str()), ("ed", "General medicine", "droplet"));
    let board = app.get("/emergency/board/rows").await;
    assert!(board.body.contains("Boarding") && board.body.contains("Bed requested"), "{}", board.body);

    // The bed manager (a nurse) assigns and admits; the ED visit departs through the job.
    let nurse = app.user("nurse").await;
    let mut n = app.another_client();
    n.login(&nurse, PASSWORD).await;
    let ntoken = n.api_token(&nurse).await;
    let r = n
        .api(
            Method::POST,
            &format!("/api/v1/inpatient/bed-requests/{req}/assign"),
            Some(&ntoken),
            Some(json!({"bed_id": beds[1]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert!(app.get("/emergency/board/rows").await.body.contains("AMU · B2"));
    let r = n
        .api(
            Method::POST,
            &format!("/api/v1/inpatient/bed-requests/{req}/admit"),
            Some(&ntoken),
            Some(json!({"diagnosis": "Community-acquired pneumonia", "expected_los_days": 5})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let source: String =
        sqlx::query_scalar("SELECT source FROM inpatient_admissions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(source, "ed");
    let mut status = String::new();
    for _ in 0..20 {
        Worker::new(app.state.clone()).poll(Duration::from_millis(20)).run_once().await.unwrap();
        status = sqlx::query_scalar("SELECT status FROM ed_visits WHERE id = $1::uuid")
            .bind(&visit)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if status == "departed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "departed");
    assert!(!app.get("/emergency/board/rows").await.body.contains("Arding"), "the patient left the department");
    assert_eq!(app.audit_count("emergency.visit.depart").await, 1);
}
