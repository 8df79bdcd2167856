//! The emergency department through HTTP: quick registration → triage → board → bay and
//! clinician → disposition; the ESI rules and bad input; the races (one open visit per patient,
//! one patient per single bay, one disposition); roles; restricted records on the board; timers.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;

async fn visits(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM ed_visits").fetch_one(&app.pool).await.unwrap()
}

async fn triages(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM ed_triages").fetch_one(&app.pool).await.unwrap()
}

async fn user_id(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(email).fetch_one(&app.pool).await.unwrap()
}

/// A bay through the API; returns its id.
async fn bay(app: &mut TestApp, token: &str, code: &str, area: &str, capacity: i32) -> String {
    let r = app
        .api(
            Method::POST,
            "/api/v1/emergency/bays",
            Some(token),
            Some(json!({"code": code, "name": format!("Bay {code}"), "area": area, "capacity": capacity})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

/// An arrival through the API; returns (visit, patient).
async fn arrive(app: &mut TestApp, token: &str, body: Value) -> (String, String) {
    let r = app.api(Method::POST, "/api/v1/emergency/visits", Some(token), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    (j["id"].as_str().unwrap().to_string(), j["patient_id"].as_str().unwrap().to_string())
}

fn adult(name: &str) -> Value {
    json!({"name": name, "sex": "male", "age": "45", "chief_complaint": "Chest pain", "arrival_mode": "ambulance"})
}

fn calm() -> Value {
    json!({"avpu": "A", "pulse": 80, "resp_rate": 16, "spo2": 98, "temperature_c": 36.8, "pregnancy": "not_applicable"})
}

fn with(mut base: Value, extra: Value) -> Value {
    for (k, v) in extra.as_object().unwrap() {
        base[k] = v.clone();
    }
    base
}

async fn ed_app() -> (TestApp, String, String) {
    let (mut app, email) = TestApp::signed_in("ed_coordinator").await;
    let token = app.api_token(&email).await;
    (app, email, token)
}

#[tokio::test]
async fn an_arrival_is_triaged_put_in_a_bay_seen_and_discharged_through_the_pages() {
    let (mut app, _, token) = ed_app().await;
    let doctor = app.user("doctor").await;
    let doctor_id = user_id(&app, &doctor).await;
    let r1 = bay(&mut app, &token, "R1", "resus", 1).await;

    // Quick registration: four fields, keyboard only.
    let form = app.get("/emergency/arrivals").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("name=\"chief_complaint\"") && form.body.contains("autofocus"));
    let r = app
        .post_form(
            "/emergency/arrivals",
            &[
                ("name", "Ada Lovelace"),
                ("sex", "female"),
                ("age", "36"),
                ("chief_complaint", "Palpitations"),
                ("arrival_mode", "walk_in"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tab_url = r.location().to_string();
    let pid = tab_url.trim_start_matches("/patients/").trim_end_matches("/emergency").to_string();
    assert_eq!(visits(&app).await, 1);
    assert_eq!(app.audit_count("emergency.visit.arrive").await, 1);
    assert_eq!(app.audit_count("patient.create").await, 1, "registered through the registry's own function");
    let (kind, status): (String, String) =
        sqlx::query_as("SELECT kind, status FROM encounters WHERE patient_id = $1::uuid")
            .bind(&pid)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), status.as_str()), ("emergency", "in_progress"));

    // The chart tab opens the triage form; the board lists the patient, not yet triaged.
    let tab = app.get(&tab_url).await;
    assert_eq!(tab.status, StatusCode::OK);
    assert!(tab.body.contains("Triage (ESI v4)") && tab.body.contains(">Emergency</a>"), "the tab is the registry's");
    let board = app.get("/emergency").await;
    assert!(
        board.body.contains("Lovelace, Ada")
            && board.body.contains("Not triaged")
            && board.body.contains("Palpitations")
    );
    assert!(board.body.contains("sse:emergency.board"), "the board refreshes on the live event");

    // Triage: (B) severe distress → ESI 2; vitals go to the chart with NEWS2.
    let r = app
        .post_form(
            &format!("{tab_url}/triage"),
            &[
                ("avpu", "A"),
                ("severe_pain", "true"),
                ("pain", "8"),
                ("pulse", "96"),
                ("resp_rate", "18"),
                ("spo2", "97"),
                ("temperature_c", "36.9"),
                ("bp_systolic", "130"),
                ("bp_diastolic", "80"),
                ("pregnancy", "not_pregnant"),
                ("res_labs", "true"),
                ("res_ecg", "true"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (esi, status): (i16, String) =
        sqlx::query_as("SELECT esi, status FROM ed_visits").fetch_one(&app.pool).await.unwrap();
    assert_eq!((esi, status.as_str()), (2, "triaged"));
    let vitals: i64 = sqlx::query_scalar("SELECT count(*) FROM vitals WHERE patient_id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(vitals, 1, "the triage's vital signs are chart vitals");
    let board = app.get("/emergency/board/rows").await;
    assert!(board.body.contains("esi-2") && board.body.contains("NEWS2"));
    // The wall display: initials and age, no name.
    let wall = app.get("/emergency/wall").await;
    assert!(wall.body.contains("AL") && wall.body.contains("36y") && !wall.body.contains("Lovelace"));

    // Bay, nurse and clinician: the first clinician starts the treatment.
    let r =
        app.post_form(&format!("{tab_url}/assign"), &[("bay_id", &r1), ("clinician_id", &doctor_id.to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let (status, seen): (String, bool) =
        sqlx::query_as("SELECT status, seen_at IS NOT NULL FROM ed_visits").fetch_one(&app.pool).await.unwrap();
    assert_eq!((status.as_str(), seen), ("in_treatment", true));

    // Discharge needs instructions; then the printable page; the visit and encounter close.
    let r = app.post_form(&format!("{tab_url}/disposition"), &[("disposition", "discharge")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Write the discharge instructions"));
    let r = app
        .post_form(
            &format!("{tab_url}/disposition"),
            &[("disposition", "discharge"), ("note", "Rest. Return if the palpitations come back with fainting.")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Discharge instructions") && page.body.contains("Return if the palpitations"));
    let (status, bay): (String, Option<Uuid>) =
        sqlx::query_as("SELECT status, bay_id FROM ed_visits").fetch_one(&app.pool).await.unwrap();
    assert_eq!((status.as_str(), bay), ("departed", None), "the bay is free again");
    let enc: String = sqlx::query_scalar("SELECT status FROM encounters WHERE patient_id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(enc, "finished");
    assert!(!app.get("/emergency/board/rows").await.body.contains("Lovelace"), "off the board");
    // The chart: the past visit on the tab, the timeline, the export.
    let tab = app.get(&tab_url).await;
    assert!(tab.body.contains("not in the emergency department") && tab.body.contains("Palpitations"));
    let chart = app.get(&format!("/patients/{pid}/chart")).await;
    assert!(chart.body.contains("Emergency: Palpitations"), "timeline");
    let export = app.api(Method::GET, &format!("/api/v1/patients/{pid}/export"), Some(&token), None).await;
    if export.status == StatusCode::OK {
        assert!(export.body.contains("emergency_visits"), "{}", export.body);
    }
}

#[tokio::test]
async fn esi_rules_and_bad_input_through_the_api_change_nothing() {
    let (mut app, _, token) = ed_app().await;
    let (visit, _) = arrive(&mut app, &token, adult("Bo Ng")).await;
    let url = format!("/api/v1/emergency/visits/{visit}/triage");
    for (body, field) in [
        // (A) contradicted without a reason.
        (with(calm(), json!({"life_saving": true, "esi": 4})), "override_reason"),
        // (C): no resources is ESI 5; a final 3 needs a reason.
        (with(calm(), json!({"esi": 3})), "override_reason"),
        // Impossible vital signs.
        (with(calm(), json!({"pulse": 400})), "pulse"),
        (with(calm(), json!({"spo2": 120})), "spo2"),
        (with(calm(), json!({"temperature_c": 50})), "temperature_c"),
        // Extreme but real: needs a confirmation.
        (with(calm(), json!({"spo2": 55})), "confirm_extreme"),
        (with(calm(), json!({"avpu": "X"})), "avpu"),
        (with(calm(), json!({"pain": 11})), "pain"),
        (with(calm(), json!({"resources": ["tea"]})), "resources"),
        (with(calm(), json!({"pregnancy": ""})), "pregnancy"),
        (with(calm(), json!({"esi": 9, "override_reason": "x"})), "esi"),
    ] {
        let r = app.api(Method::POST, &url, Some(&token), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.content_type().starts_with("application/problem+json"));
        let errors = r.json()["errors"].clone();
        assert!(errors.as_array().unwrap().iter().any(|e| e["field"] == field), "{body}: {errors}");
    }
    assert_eq!(triages(&app).await, 0, "nothing stored");
    let vitals: i64 = sqlx::query_scalar("SELECT count(*) FROM vitals").fetch_one(&app.pool).await.unwrap();
    assert_eq!(vitals, 0);

    // The same contradiction with a reason is recorded; both levels kept.
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(with(
                calm(),
                json!({"life_saving": true, "esi": 2, "override_reason": "Airway already secured by the paramedics."}),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        (r.json()["computed_esi"].as_i64(), r.json()["esi"].as_i64(), r.json()["decided_by"].as_str()),
        (Some(1), Some(2), Some("A"))
    );
    // Extreme values confirmed are recorded; (D) danger zone prompts and, accepted, gives ESI 2.
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(with(
                calm(),
                json!({"spo2": 85, "confirm_extreme": true, "resources": ["labs", "xray"], "accept_upgrade": true}),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let j = r.json();
    assert_eq!((j["computed_esi"].as_i64(), j["decided_by"].as_str()), (Some(2), Some("D")));
    assert!(j["prompts"][0].as_str().unwrap().contains("consider ESI 2"));
    // Re-triage keeps the history; the visit has the latest level.
    assert_eq!(triages(&app).await, 2);
    let detail = app.api(Method::GET, &format!("/api/v1/emergency/visits/{visit}"), Some(&token), None).await;
    assert_eq!(detail.status, StatusCode::OK);
    let d = detail.json();
    assert_eq!(d["visit"]["esi"], 2);
    assert_eq!(d["triages"].as_array().unwrap().len(), 2);
    assert_eq!(d["fhir_encounter"]["resourceType"], "Encounter");
    assert_eq!(d["fhir_encounter"]["class"]["code"], "EMER");
    assert_eq!(d["fhir_encounter"]["priority"]["coding"][0]["code"], "EM");
    assert_eq!(d["esi_observation"]["valueInteger"], 2);

    // Disposition of a patient not in the department: 409, nothing changed.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "lwbs"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let again = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "discharge", "note": "x"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let r = app.api(Method::POST, &url, Some(&token), Some(calm())).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "no triage after leaving");
    let d: String = sqlx::query_scalar("SELECT disposition FROM ed_visits").fetch_one(&app.pool).await.unwrap();
    assert_eq!(d, "lwbs");
    // An unknown visit is 404; a bad disposition 422.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{}/disposition", Uuid::new_v4()),
            Some(&token),
            Some(json!({"disposition": "lwbs"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_unknown_age_needs_a_band_and_a_child_a_weight() {
    let (mut app, _, token) = ed_app().await;
    let (visit, _) = arrive(
        &mut app,
        &token,
        json!({"unidentified": true, "chief_complaint": "Found collapsed", "arrival_mode": "police"}),
    )
    .await;
    let url = format!("/api/v1/emergency/visits/{visit}/triage");
    let r = app.api(Method::POST, &url, Some(&token), Some(calm())).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("age_band"), "never a default to adult");
    let r = app.api(Method::POST, &url, Some(&token), Some(with(calm(), json!({"age_band": "3y_8y"})))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("weight_kg"));
    let r = app
        .api(
            Method::POST,
            &url,
            Some(&token),
            Some(with(calm(), json!({"age_band": "3y_8y", "weight_kg": 20, "weight_estimated": true}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A neonate of 28 days with 38.1 °C is at least ESI 2.
    let born = (time::OffsetDateTime::now_utc().date() - time::Duration::days(28)).to_string();
    let (visit, _) = arrive(
        &mut app,
        &token,
        json!({"name": "Baby Smith", "sex": "female", "birth_date": born, "chief_complaint": "Fever"}),
    )
    .await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/triage"),
            Some(&token),
            Some(with(calm(), json!({"temperature_c": 38.1, "pulse": 150, "resp_rate": 40, "weight_kg": 4.1}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!((r.json()["computed_esi"].as_i64(), r.json()["decided_by"].as_str()), (Some(2), Some("fever")));
}

#[tokio::test]
async fn one_open_visit_per_patient_even_when_registered_at_once() {
    let (mut app, _, token) = ed_app().await;
    let pid = app
        .register_patient(&[
            ("given_name", "Cy"),
            ("family_name", "Race"),
            ("sex", "male"),
            ("birth_date", "1980-01-01"),
        ])
        .await;
    let body = json!({"patient_id": pid, "chief_complaint": "Fall"});
    let calls = (0..6).map(|_| {
        let mut c = app.another_client();
        let (token, body) = (token.clone(), body.clone());
        async move { c.api(Method::POST, "/api/v1/emergency/visits", Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let created = results.iter().filter(|r| r.status == StatusCode::CREATED).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!(
        (created, conflicts.len()),
        (1, 5),
        "{:?}",
        results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>()
    );
    assert!(conflicts[0].json()["detail"].as_str().unwrap().contains("already in the emergency department"));
    assert_eq!(visits(&app).await, 1);
    let encounters: i64 = sqlx::query_scalar("SELECT count(*) FROM encounters").fetch_one(&app.pool).await.unwrap();
    assert_eq!(encounters, 1, "the losers' encounters rolled back");
    // The form says so too.
    let r = app.post_form("/emergency/arrivals", &[("patient_id", &pid), ("chief_complaint", "Again")]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_single_bay_holds_one_patient_even_when_assigned_at_once() {
    let (mut app, _, token) = ed_app().await;
    let r1 = bay(&mut app, &token, "R1", "resus", 1).await;
    let corridor = bay(&mut app, &token, "COR", "corridor", 2).await;
    let mut ids = Vec::new();
    for n in ["Al One", "Bea Two", "Cal Three", "Di Four", "Ed Five"] {
        ids.push(arrive(&mut app, &token, adult(n)).await.0);
    }
    let calls = ids.iter().map(|v| {
        let mut c = app.another_client();
        let (token, url, bay) = (token.clone(), format!("/api/v1/emergency/visits/{v}/assignment"), r1.clone());
        async move { c.api(Method::POST, &url, Some(&token), Some(json!({"bay_id": bay}))).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count();
    let conflicts: Vec<_> = results.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!(
        (ok, conflicts.len()),
        (1, 4),
        "{:?}",
        results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>()
    );
    assert!(conflicts[0].json()["detail"].as_str().unwrap().contains("occupied"), "{}", conflicts[0].body);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM ed_visits WHERE bay_id = $1::uuid")
        .bind(&r1)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // A shared area takes up to its capacity (2 here), then says it is full.
    let mut free = Vec::new();
    for v in &ids {
        let holder: Option<String> = sqlx::query_scalar("SELECT bay_id::text FROM ed_visits WHERE id = $1::uuid")
            .bind(v)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if holder.is_none() {
            free.push(v.clone());
        }
    }
    let assign = |v: &String| (format!("/api/v1/emergency/visits/{v}/assignment"), json!({"bay_id": corridor}));
    for (i, v) in free.iter().take(3).enumerate() {
        let (url, body) = assign(v);
        let r = app.api(Method::POST, &url, Some(&token), Some(body)).await;
        let want = if i < 2 { StatusCode::NO_CONTENT } else { StatusCode::CONFLICT };
        assert_eq!(r.status, want, "{i}: {}", r.body);
    }
    // Bad ids: 422; another department's bay: 422.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{}/assignment", ids[1]),
            Some(&token),
            Some(json!({"bay_id": "nope"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{}/assignment", ids[1]),
            Some(&token),
            Some(json!({"bay_id": Uuid::new_v4()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn two_dispositions_at_once_record_one() {
    let (mut app, _, token) = ed_app().await;
    let (visit, _) = arrive(&mut app, &token, adult("Di Spo")).await;
    let url = format!("/api/v1/emergency/visits/{visit}/disposition");
    let calls = (0..5).map(|i| {
        let mut c = app.another_client();
        let (token, url) = (token.clone(), url.clone());
        let body = if i % 2 == 0 {
            json!({"disposition": "lwbs"})
        } else {
            json!({"disposition": "transfer", "transfer_to": "City Hospital"})
        };
        async move { c.api(Method::POST, &url, Some(&token), Some(body)).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count();
    let conflicts = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, conflicts), (1, 4), "{:?}", results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert_eq!(app.audit_count("emergency.visit.disposition").await, 1);
}

#[tokio::test]
async fn an_admitted_patient_boards_until_leaving_and_lwbs_revokes_pending_orders() {
    let (mut app, _, token) = ed_app().await;
    let department = Uuid::new_v4();
    sqlx::query("INSERT INTO departments (id, facility_id, code, name) VALUES ($1, $2, 'MED', 'Medicine')")
        .bind(department)
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let (visit, pid) = arrive(&mut app, &token, adult("Ad Mit")).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "admit"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "the admitting department is required");
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "admit", "admit_department_id": department})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Boarding: still on the board, in the public function the inpatient module reads.
    assert!(app.get("/emergency/board/rows").await.body.contains("Boarding"));
    let decisions = hearth::modules::emergency::admit_decisions(&app.pool, app.facility_id).await.unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].department_id, Some(department));
    let api = app.api(Method::GET, "/api/v1/emergency/admissions", Some(&token), None).await;
    assert_eq!(api.json().as_array().unwrap().len(), 1);
    let enc: String = sqlx::query_scalar("SELECT status FROM encounters WHERE patient_id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(enc, "in_progress", "the encounter stays open while boarding");
    let r = app.api(Method::POST, &format!("/api/v1/emergency/visits/{visit}/departure"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r = app.api(Method::POST, &format!("/api/v1/emergency/visits/{visit}/departure"), Some(&token), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let enc: String = sqlx::query_scalar("SELECT status FROM encounters WHERE patient_id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(enc, "finished");

    // Left without being seen: the pending orders are revoked through the orders core.
    let doctor = app.user("doctor").await;
    let mut dc = app.another_client();
    dc.login(&doctor, PASSWORD).await;
    let dtoken = dc.api_token(&doctor).await;
    let (visit, pid) = arrive(&mut app, &token, adult("El Wbs")).await;
    let r = dc
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(&dtoken),
            Some(json!({"kind": "immunization", "code": "140"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "lwbs"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE patient_id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "revoked");
}

#[tokio::test]
async fn deceased_records_the_death_and_closes_the_visit() {
    let (mut app, _, token) = ed_app().await;
    let (visit, pid) = arrive(&mut app, &token, adult("Mo Rtal")).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&token),
            Some(json!({"disposition": "deceased", "note": "Cardiac arrest"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let dead: bool = sqlx::query_scalar("SELECT deceased_at IS NOT NULL FROM patients WHERE id = $1::uuid")
        .bind(&pid)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(dead);
    let (status, d): (String, String) =
        sqlx::query_as("SELECT status, disposition FROM ed_visits").fetch_one(&app.pool).await.unwrap();
    assert_eq!((status.as_str(), d.as_str()), ("departed", "deceased"));
}

#[tokio::test]
async fn roles_without_the_permissions_are_refused() {
    let app = TestApp::new().await;
    for role in ["pharmacist", "lab_technician", "radiologist", "billing_clerk"] {
        let email = app.user(role).await;
        let mut c = app.another_client();
        c.login(&email, PASSWORD).await;
        for path in ["/emergency", "/emergency/wall", "/emergency/arrivals", "/emergency/board/rows"] {
            assert_eq!(c.get(path).await.status, StatusCode::FORBIDDEN, "{role} {path}");
        }
        let token = c.api_token(&email).await;
        let r = c.api(Method::GET, "/api/v1/emergency/board", Some(&token), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
        let r = c.api(Method::POST, "/api/v1/emergency/visits", Some(&token), Some(adult("No Body"))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{role}");
    }
    // A receptionist registers arrivals but neither triages nor disposes.
    let (mut app, _, token) = ed_app().await;
    let (visit, _) = arrive(&mut app, &token, adult("Re Cep")).await;
    let email = app.user("receptionist").await;
    let mut c = app.another_client();
    c.login(&email, PASSWORD).await;
    let rt = c.api_token(&email).await;
    assert_eq!(c.get("/emergency").await.status, StatusCode::OK);
    let r = c.api(Method::POST, &format!("/api/v1/emergency/visits/{visit}/triage"), Some(&rt), Some(calm())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&rt),
            Some(json!({"disposition": "lwbs"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A nurse triages and assigns but does not dispose; nor manages bays.
    let email = app.user("nurse").await;
    let mut n = app.another_client();
    n.login(&email, PASSWORD).await;
    let nt = n.api_token(&email).await;
    let r = n.api(Method::POST, &format!("/api/v1/emergency/visits/{visit}/triage"), Some(&nt), Some(calm())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = n
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/disposition"),
            Some(&nt),
            Some(json!({"disposition": "lwbs"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = n
        .api(
            Method::POST,
            "/api/v1/emergency/bays",
            Some(&nt),
            Some(json!({"code": "X", "name": "X", "area": "majors"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn restricted_records_are_masked_on_the_board_and_refused_by_id() {
    let (mut app, _, token) = ed_app().await;
    let (visit, pid) = arrive(&mut app, &token, adult("Vera Private")).await;
    sqlx::query("UPDATE patients SET restricted = true WHERE id = $1::uuid")
        .bind(&pid)
        .execute(&app.pool)
        .await
        .unwrap();
    let nurse = app.user("nurse").await;
    let mut c = app.another_client();
    c.login(&nurse, PASSWORD).await;
    let board = c.get("/emergency").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(
        board.body.contains("Restricted record")
            && !board.body.contains("Private")
            && !board.body.contains("Chest pain")
    );
    let wall = c.get("/emergency/wall").await;
    assert!(!wall.body.contains("VP"), "no initials either");
    let nt = c.api_token(&nurse).await;
    let api = c.api(Method::GET, "/api/v1/emergency/board", Some(&nt), None).await;
    assert!(!api.body.contains("Private") && api.body.contains("Restricted record"));
    let r = c.api(Method::GET, &format!("/api/v1/emergency/visits/{visit}"), Some(&nt), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = c.api(Method::POST, &format!("/api/v1/emergency/visits/{visit}/triage"), Some(&nt), Some(calm())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(triages(&app).await, 0);
}

#[tokio::test]
async fn a_patient_waiting_beyond_the_esi_target_raises_one_alert() {
    let (mut app, email, token) = ed_app().await;
    let (visit, _) = arrive(&mut app, &token, adult("Wai Ting")).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/triage"),
            Some(&token),
            Some(with(calm(), json!({"high_risk": true}))),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let me = user_id(&app, &email).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/assignment"),
            Some(&token),
            Some(json!({"nurse_id": me})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    // Not yet breached: nothing.
    hearth::modules::emergency::jobs::sweep(&app.state).await.unwrap();
    let alerts = || {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM alerts WHERE source_module = 'emergency'")
            .fetch_one(&app.pool)
    };
    assert_eq!(alerts().await.unwrap(), 0);
    sqlx::query("UPDATE ed_visits SET step_since = now() - interval '11 minutes'").execute(&app.pool).await.unwrap();
    hearth::modules::emergency::jobs::sweep(&app.state).await.unwrap();
    hearth::modules::emergency::jobs::sweep(&app.state).await.unwrap();
    assert_eq!(alerts().await.unwrap(), 1, "once");
    let (kind, title): (String, String) =
        sqlx::query_as("SELECT kind, title FROM alerts WHERE source_module = 'emergency'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(kind, "emergency.clinician_wait");
    assert!(title.contains("ESI 2") && !title.contains("Wai"), "no name in the title: {title}");
    let board = app.get("/emergency/board/rows").await;
    assert!(board.body.contains("Target passed") && board.body.contains("1 alerts"));
    // A clinician assigned cancels it.
    let doctor = app.user("doctor").await;
    let did = user_id(&app, &doctor).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/emergency/visits/{visit}/assignment"),
            Some(&token),
            Some(json!({"nurse_id": me, "clinician_id": did})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let status: String = sqlx::query_scalar("SELECT status FROM alerts WHERE source_module = 'emergency'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "cancelled");
}

#[tokio::test]
async fn bad_arrival_forms_keep_what_was_typed() {
    let (mut app, _, _) = ed_app().await;
    let r = app
        .post_form("/emergency/arrivals", &[("name", "Cher"), ("chief_complaint", "KEEPME cough"), ("age", "200")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("KEEPME cough")
            && r.body.contains("Enter the given and family name")
            && r.body.contains("Choose the sex")
    );
    let r = app
        .post_form(
            "/emergency/arrivals",
            &[("name", "A B"), ("sex", "male"), ("age", "30"), ("chief_complaint", "x"), ("police_informed", "on")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(visits(&app).await, 0);
    assert_eq!(app.patient_count().await, 0);
    // The triage form re-renders with what was typed and the reason asked for.
    let r = app
        .post_form(
            "/emergency/arrivals",
            &[("name", "Tri Age"), ("sex", "male"), ("age", "30"), ("chief_complaint", "Cough")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let tab = r.location().to_string();
    let r = app
        .post_form(
            &format!("{tab}/triage"),
            &[("avpu", "A"), ("life_saving", "true"), ("esi", "4"), ("pulse", "88"), ("pregnancy", "not_applicable")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("The algorithm gives ESI 1") && r.body.contains("value=\"88\""));
    assert_eq!(triages(&app).await, 0);
}

#[tokio::test]
async fn the_demo_department_is_busy_at_every_stage() {
    let mut app = TestApp::new().await;
    hearth::demo::seed(&app.pool, &app.state.keys).await.unwrap();
    let stages: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, count(*) FROM ed_visits GROUP BY status ORDER BY status")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let names: Vec<&str> = stages.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(names, ["boarding", "departed", "in_treatment", "triaged", "waiting"], "{stages:?}");
    let levels: Vec<i16> = sqlx::query_scalar("SELECT DISTINCT esi FROM ed_visits WHERE esi IS NOT NULL ORDER BY esi")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(levels, [1, 2, 3, 4, 5]);
    let open_ed_alerts: i64 = sqlx::query_scalar("SELECT count(*) FROM alerts WHERE status = 'open' AND kind LIKE 'ehr.%' AND source_id IN (SELECT vitals_id FROM ed_triages)")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(open_ed_alerts, 0);
    // The timers find the breaches the demo tells of.
    let breaches = hearth::modules::emergency::jobs::sweep(&app.state).await.unwrap();
    assert!(breaches >= 2, "{breaches}");
    app.login("edcoordinator@demo.hearth", "Demo!Hearth2026").await;
    let board = app.get("/emergency").await;
    assert_eq!(board.status, StatusCode::OK);
    assert!(board.body.contains("Boarding") && board.body.contains("esi-1") && board.body.contains("Target passed"));
    // Each boarding patient waits in inpatient care's placement queue (bed requests), beside the
    // clinics', surgery's and a direct admission's; one has a bed held.
    let (ed, others, held): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*) FILTER (WHERE source = 'ed'), count(*) FILTER (WHERE source <> 'ed'),
                count(*) FILTER (WHERE status = 'assigned')
         FROM ip_bed_requests WHERE status IN ('requested', 'assigned')",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((ed, others, held), (2, 4, 1));
    assert!(board.body.contains("Bed requested"), "the board shows the boarding patients' bed requests");
    let mut nurse = app.another_client();
    nurse.login("nurse@demo.hearth", "Demo!Hearth2026").await;
    let queue = nurse.get("/inpatient/placement").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("Assign and hold") && queue.body.contains("Airborne precautions"), "{}", queue.body);
}
