//! The bed network (issue 24, phase 1) through HTTP: the public availability (no sign-in, no
//! patient data, ETag/304, stale reports never free), external reports (older sequence refused,
//! impossible counts refused), free = reported − holds accepted since the report, emergency
//! requests with accept (a hold in inpatient's allocation table) / decline (with a reason) /
//! arrival, the 20-way race for the last bed, the lapse job, roles, and the board's forms.

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::*;

struct Net {
    /// The test facility's network row (live counts from its ICU ward).
    hearth: Uuid,
    /// An external facility (reported counts).
    external: Uuid,
    /// The ICU beds of the test facility.
    beds: Vec<Uuid>,
}

/// The test facility with an ICU ward of `icu_beds` beds, listed publicly, and an external
/// facility "EXT" listed publicly with no report yet.
async fn network(app: &TestApp, icu_beds: usize) -> Net {
    let ward = Uuid::new_v4();
    sqlx::query("INSERT INTO inpatient_wards (id, facility_id, code, name, kind) VALUES ($1, $2, 'ICU', 'Intensive care', 'icu')")
        .bind(ward)
        .bind(app.facility_id)
        .execute(&app.pool)
        .await
        .unwrap();
    let mut beds = Vec::new();
    for i in 1..=icu_beds {
        let b = Uuid::new_v4();
        sqlx::query("INSERT INTO inpatient_beds (id, ward_id, code, ventilator) VALUES ($1, $2, $3, true)")
            .bind(b)
            .bind(ward)
            .bind(format!("I{i}"))
            .execute(&app.pool)
            .await
            .unwrap();
        beds.push(b);
    }
    let (hearth, external) = (Uuid::new_v4(), Uuid::new_v4());
    sqlx::query(
        "INSERT INTO bednet_facilities (id, facility_id, code, name, lat, lon, services, public)
         VALUES ($1, $2, 'TST', 'Test Hospital', 51.50, -0.12, '{trauma}', true),
                ($3, NULL, 'EXT', 'External Hospital', 51.55, -0.05, '{burns}', true)",
    )
    .bind(hearth)
    .bind(app.facility_id)
    .bind(external)
    .execute(&app.pool)
    .await
    .unwrap();
    Net { hearth, external, beds }
}

/// A hospital admin who manages the external facility; returns their API token.
async fn manager(app: &mut TestApp, net: &Net) -> String {
    let email = app.user("hospital_admin").await;
    sqlx::query("INSERT INTO bednet_managers (network_facility_id, user_id) SELECT $1, id FROM users WHERE email = $2")
        .bind(net.external)
        .bind(&email)
        .execute(&app.pool)
        .await
        .unwrap();
    app.api_token(&email).await
}

async fn token_of(app: &mut TestApp, role: &str) -> String {
    let email = app.user(role).await;
    app.api_token(&email).await
}

fn report(seq: i64, free: i64) -> Value {
    json!({"as_of": now_rfc3339(), "seq": seq,
           "counts": [{"bed_type": "burns", "physical": 10, "staffed": 8, "free": free}]})
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap()
}

async fn push(app: &mut TestApp, token: &str, net: &Net, body: Value) -> TestResponse {
    app.api(Method::POST, &format!("/api/v1/bednet/facilities/{}/report", net.external), Some(token), Some(body)).await
}

async fn request(app: &mut TestApp, token: &str, facility: Uuid, bed_type: &str, summary: &str) -> TestResponse {
    app.api(
        Method::POST,
        "/api/v1/bednet/requests",
        Some(token),
        Some(json!({"facility": facility.to_string(), "bed_type": bed_type, "priority": "P1", "esi": 1,
                    "news2": 9, "summary": summary, "eta_minutes": 20})),
    )
    .await
}

async fn new_request(app: &mut TestApp, token: &str, facility: Uuid, bed_type: &str) -> String {
    let r = request(app, token, facility, bed_type, "Polytrauma").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.json()["id"].as_str().unwrap().to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// The public JSON's facility of this code.
async fn public_facility(app: &mut TestApp, code: &str) -> Value {
    hearth::modules::bednet::snapshot::invalidate();
    let r = app.api(Method::GET, "/api/v1/availability", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.json()["facilities"].as_array().unwrap().iter().find(|f| f["code"] == code).cloned().unwrap()
}

#[tokio::test]
async fn bednet_public_endpoints_need_no_sign_in_and_expose_no_patient_data() {
    let mut app = TestApp::new().await;
    let net = network(&app, 3).await;
    let ems = token_of(&mut app, "ems_dispatcher").await;
    let r = request(&mut app, &ems, net.hearth, "critical_care", "SECRETSUMMARY crush injury").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    hearth::modules::bednet::snapshot::invalidate();

    let r = app.api(Method::GET, "/api/v1/availability?lat=51.5&lon=-0.12&sort=distance", None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(!r.body.contains("SECRETSUMMARY") && !r.body.contains("patient"), "{}", r.body);
    let fs = r.json()["facilities"].as_array().unwrap().clone();
    assert_eq!(fs[0]["code"], "TST", "nearest first: {fs:?}");
    assert_eq!(fs[0]["distance_km"], 0.0);
    assert!(fs[1]["distance_km"].as_f64().unwrap() > 5.0);
    let icu = &fs[0]["beds"][0];
    assert_eq!(
        (icu["bed_type"].as_str(), icu["free"].as_i64(), icu["staffed"].as_i64()),
        (Some("critical_care"), Some(3), Some(3))
    );

    // The page too, with its schematic, readable without signing in.
    let page = app.get("/availability?lat=51.5&lon=-0.12").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Test Hospital") && page.body.contains("<svg") && page.body.contains("bednet-dot-low"));
    assert!(!page.body.contains("SECRETSUMMARY") && !page.body.contains("style=") && !page.body.contains("<script"));
    // A bad point: 400, on both.
    assert_eq!(
        app.api(Method::GET, "/api/v1/availability?lat=91&lon=0", None, None).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.api(Method::GET, "/api/v1/availability?lat=1", None, None).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/availability?lat=abc&lon=1").await.status, StatusCode::BAD_REQUEST);
    // Not listed publicly: gone from the public answer.
    sqlx::query("UPDATE bednet_facilities SET public = false WHERE code = 'EXT'").execute(&app.pool).await.unwrap();
    hearth::modules::bednet::snapshot::invalidate();
    let r = app.api(Method::GET, "/api/v1/availability", None, None).await;
    assert!(!r.body.contains("EXT"), "{}", r.body);
}

#[tokio::test]
async fn bednet_etag_gives_304_and_cache_control() {
    let mut app = TestApp::new().await;
    network(&app, 1).await;
    let r = app.api(Method::GET, "/api/v1/availability", None, None).await;
    let etag = r.headers.get(header::ETAG).unwrap().to_str().unwrap().to_string();
    assert!(r.headers.get(header::CACHE_CONTROL).unwrap().to_str().unwrap().contains("max-age="));
    let req = app
        .builder(Method::GET, "/api/v1/availability")
        .header(header::IF_NONE_MATCH, &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    let again = app.request(req).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    let req = app
        .builder(Method::GET, "/api/v1/availability")
        .header(header::IF_NONE_MATCH, "\"other\"")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::OK);
}

#[tokio::test]
async fn bednet_stale_reports_are_shown_as_stale_never_free() {
    let mut app = TestApp::new().await;
    let net = network(&app, 1).await;
    let mgr = manager(&mut app, &net).await;
    assert_eq!(push(&mut app, &mgr, &net, report(1, 5)).await.status, StatusCode::NO_CONTENT);
    let f = public_facility(&mut app, "EXT").await;
    assert_eq!((f["stale"].as_bool(), f["beds"][0]["free"].as_i64()), (Some(false), Some(5)));
    // 31 minutes later (the default stale age is 30): stale, free withheld.
    sqlx::query("UPDATE bednet_counts SET as_of = now() - interval '31 minutes'").execute(&app.pool).await.unwrap();
    let f = public_facility(&mut app, "EXT").await;
    assert_eq!(f["stale"], true);
    assert!(f["beds"][0]["free"].is_null() && f["free_total"].is_null(), "{f}");
    let page = app.get("/availability").await;
    assert!(page.body.contains("bednet-dot-stale") && page.body.contains("out of date"), "{}", page.body);
}

#[tokio::test]
async fn bednet_a_report_with_an_older_sequence_is_ignored() {
    let mut app = TestApp::new().await;
    let net = network(&app, 1).await;
    let mgr = manager(&mut app, &net).await;
    assert_eq!(push(&mut app, &mgr, &net, report(5, 4)).await.status, StatusCode::NO_CONTENT);
    let older = push(&mut app, &mgr, &net, report(4, 1)).await;
    assert_eq!(older.status, StatusCode::CONFLICT, "{}", older.body);
    assert_eq!(push(&mut app, &mgr, &net, report(5, 1)).await.status, StatusCode::CONFLICT);
    assert_eq!(count(&app, "SELECT free::bigint FROM bednet_counts").await, 4);
    assert_eq!(push(&mut app, &mgr, &net, report(6, 2)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(count(&app, "SELECT free::bigint FROM bednet_counts").await, 2);
}

#[tokio::test]
async fn bednet_free_is_reported_less_the_holds_accepted_since_the_report() {
    let mut app = TestApp::new().await;
    let net = network(&app, 1).await;
    let mgr = manager(&mut app, &net).await;
    let ems = token_of(&mut app, "ems_dispatcher").await;
    assert_eq!(push(&mut app, &mgr, &net, report(1, 2)).await.status, StatusCode::NO_CONTENT);
    let mut reqs = Vec::new();
    for _ in 0..3 {
        reqs.push(new_request(&mut app, &ems, net.external, "burns").await);
    }
    for req in &reqs[..2] {
        let r =
            app.api(Method::POST, &format!("/api/v1/bednet/requests/{req}/accept"), Some(&mgr), Some(json!({}))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(public_facility(&mut app, "EXT").await["beds"][0]["free"], 0);
    // No place left: the third is refused and stays requested.
    let r = app
        .api(Method::POST, &format!("/api/v1/bednet/requests/{}/accept", reqs[2]), Some(&mgr), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_requests WHERE status = 'requested'").await, 1);
    // Accepting twice: 409.
    let r = app
        .api(Method::POST, &format!("/api/v1/bednet/requests/{}/accept", reqs[0]), Some(&mgr), Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // A newer report (which counts those holds already) replaces the arithmetic.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(push(&mut app, &mgr, &net, report(2, 3)).await.status, StatusCode::NO_CONTENT);
    assert_eq!(public_facility(&mut app, "EXT").await["beds"][0]["free"], 3);
}

#[tokio::test]
async fn bednet_twenty_accepts_race_for_the_last_bed_one_wins() {
    let mut app = TestApp::new().await;
    let net = network(&app, 1).await;
    let ems = token_of(&mut app, "ems_dispatcher").await;
    let nurse = token_of(&mut app, "nurse").await;
    let mut reqs = Vec::new();
    for _ in 0..20 {
        reqs.push(new_request(&mut app, &ems, net.hearth, "critical_care").await);
    }
    let bed = net.beds[0];
    let calls = reqs.iter().map(|req| {
        let mut c = app.another_client();
        let (url, token) = (format!("/api/v1/bednet/requests/{req}/accept"), nurse.clone());
        async move { c.api(Method::POST, &url, Some(&token), Some(json!({"bed_id": bed}))).await }
    });
    let results = futures_util::future::join_all(calls).await;
    let ok = results.iter().filter(|r| r.status == StatusCode::OK).count();
    let conflicts = results.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!(
        (ok, conflicts),
        (1, 19),
        "{:?}",
        results.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>()
    );
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_bed_allocations WHERE hold_reason = 'network'").await, 1);
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_requests WHERE status = 'accepted'").await, 1);
    assert_eq!(public_facility(&mut app, "TST").await["beds"][0]["free"], 0);
}

#[tokio::test]
async fn bednet_a_lapsed_hold_is_released_by_the_job_and_arrival_releases_the_hold() {
    let mut app = TestApp::new().await;
    let net = network(&app, 2).await;
    let ems = token_of(&mut app, "ems_dispatcher").await;
    let nurse = token_of(&mut app, "nurse").await;
    let (a, b) = (
        new_request(&mut app, &ems, net.hearth, "critical_care").await,
        new_request(&mut app, &ems, net.hearth, "critical_care").await,
    );
    for (req, bed) in [(&a, net.beds[0]), (&b, net.beds[1])] {
        let r = app
            .api(
                Method::POST,
                &format!("/api/v1/bednet/requests/{req}/accept"),
                Some(&nurse),
                Some(json!({"bed_id": bed})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    assert_eq!(public_facility(&mut app, "TST").await["beds"][0]["free"], 0);
    // Nothing lapsed yet.
    assert_eq!(hearth::modules::bednet::jobs::release_lapsed(&app.state).await.unwrap(), 0);
    // Request a's hold passes its end.
    sqlx::query("UPDATE inpatient_bed_allocations SET period = tstzrange(now() - interval '2 hours', now() - interval '1 minute'), expires_at = now() - interval '1 minute' WHERE bed_id = $1")
        .bind(net.beds[0]).execute(&app.pool).await.unwrap();
    sqlx::query("UPDATE bednet_requests SET hold_until = now() - interval '1 minute' WHERE id = $1::uuid")
        .bind(&a)
        .execute(&app.pool)
        .await
        .unwrap();
    assert_eq!(hearth::modules::bednet::jobs::release_lapsed(&app.state).await.unwrap(), 1);
    assert_eq!(
        count(&app, &format!("SELECT count(*) FROM bednet_requests WHERE id = '{a}' AND status = 'lapsed'")).await,
        1
    );
    assert_eq!(public_facility(&mut app, "TST").await["beds"][0]["free"], 1);
    // Arrival of b releases its hold now (for the admission); a second arrival is 409.
    let r = app.api(Method::POST, &format!("/api/v1/bednet/requests/{b}/arrive"), Some(&nurse), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_bed_allocations WHERE released_at IS NOT NULL").await, 1);
    assert_eq!(public_facility(&mut app, "TST").await["beds"][0]["free"], 2);
    let r = app.api(Method::POST, &format!("/api/v1/bednet/requests/{b}/arrive"), Some(&nurse), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // Accepting a lapsed request: 409.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/bednet/requests/{a}/accept"),
            Some(&nurse),
            Some(json!({"bed_id": net.beds[0]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn bednet_decline_needs_a_reason_and_bad_input_changes_nothing() {
    let mut app = TestApp::new().await;
    let net = network(&app, 1).await;
    let mgr = manager(&mut app, &net).await;
    let ems = token_of(&mut app, "ems_dispatcher").await;
    let nurse = token_of(&mut app, "nurse").await;
    let req = new_request(&mut app, &ems, net.hearth, "critical_care").await;
    let url = format!("/api/v1/bednet/requests/{req}/decline");
    let r = app.api(Method::POST, &url, Some(&nurse), Some(json!({"reason": "  "}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_requests WHERE status = 'requested'").await, 1);
    let r = app.api(Method::POST, &url, Some(&nurse), Some(json!({"reason": "ICU full of a major incident"}))).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        count(&app, "SELECT count(*) FROM bednet_requests WHERE status = 'declined' AND decline_reason <> ''").await,
        1
    );
    // Accepting a declined request: 409.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/bednet/requests/{req}/accept"),
            Some(&nurse),
            Some(json!({"bed_id": net.beds[0]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);

    // Bad requests: 422, nothing stored.
    let before = count(&app, "SELECT count(*) FROM bednet_requests").await;
    for body in [
        json!({"facility": net.hearth.to_string(), "bed_type": "critical_care", "priority": "P9", "esi": 1, "summary": "x", "eta_minutes": 10}),
        json!({"facility": net.hearth.to_string(), "bed_type": "critical_care", "priority": "P1", "esi": 9, "summary": "x", "eta_minutes": 10}),
        json!({"facility": net.hearth.to_string(), "bed_type": "critical_care", "priority": "P1", "esi": 1, "summary": "", "eta_minutes": 10}),
        json!({"facility": net.hearth.to_string(), "bed_type": "critical_care", "priority": "P1", "esi": 1, "summary": "x", "eta_minutes": -5}),
        json!({"facility": "nope", "bed_type": "critical_care", "priority": "P1", "esi": 1, "summary": "x", "eta_minutes": 10}),
        // A bed type the facility does not have.
        json!({"facility": net.hearth.to_string(), "bed_type": "burns", "priority": "P1", "esi": 1, "summary": "x", "eta_minutes": 10}),
    ] {
        let r = app.api(Method::POST, "/api/v1/bednet/requests", Some(&ems), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
    }
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_requests").await, before);
    // A bed of another type or facility: 422, no hold.
    let req = new_request(&mut app, &ems, net.hearth, "critical_care").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/bednet/requests/{req}/accept"),
            Some(&nurse),
            Some(json!({"bed_id": Uuid::new_v4()})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r =
        app.api(Method::POST, &format!("/api/v1/bednet/requests/{req}/accept"), Some(&nurse), Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM inpatient_bed_allocations").await, 0);

    // Bad reports: 422, nothing stored.
    let future = (time::OffsetDateTime::now_utc() + time::Duration::hours(2))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    for body in [
        json!({"as_of": now_rfc3339(), "seq": 1, "counts": [{"bed_type": "burns", "physical": 10, "staffed": 8, "free": -1}]}),
        json!({"as_of": now_rfc3339(), "seq": 1, "counts": [{"bed_type": "burns", "physical": 10, "staffed": 12, "free": 1}]}),
        json!({"as_of": now_rfc3339(), "seq": 1, "counts": [{"bed_type": "burns", "physical": 10, "staffed": 8, "free": 9}]}),
        json!({"as_of": now_rfc3339(), "seq": 1, "counts": [{"bed_type": "spaceship", "physical": 1, "staffed": 1, "free": 1}]}),
        json!({"as_of": future, "seq": 1, "counts": [{"bed_type": "burns", "physical": 1, "staffed": 1, "free": 1}]}),
    ] {
        let r = push(&mut app, &mgr, &net, body.clone()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
    }
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_counts").await, 0);
}

#[tokio::test]
async fn bednet_unauthorised_roles_are_refused() {
    let mut app = TestApp::new().await;
    let net = network(&app, 1).await;
    let ems = token_of(&mut app, "ems_dispatcher").await;
    let req = new_request(&mut app, &ems, net.hearth, "critical_care").await;
    // A receptionist: no board, no request.
    let rec = token_of(&mut app, "receptionist").await;
    assert_eq!(app.api(Method::GET, "/api/v1/bednet/requests", Some(&rec), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(request(&mut app, &rec, net.hearth, "critical_care", "x").await.status, StatusCode::FORBIDDEN);
    // The dispatcher cannot accept.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/bednet/requests/{req}/accept"),
            Some(&ems),
            Some(json!({"bed_id": net.beds[0]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A nurse of another facility cannot accept for this one.
    sqlx::query("UPDATE bednet_facilities SET facility_id = NULL WHERE id = $1")
        .bind(net.hearth)
        .execute(&app.pool)
        .await
        .unwrap();
    let nurse = token_of(&mut app, "nurse").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/bednet/requests/{req}/decline"),
            Some(&nurse),
            Some(json!({"reason": "no"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // A hospital admin who does not manage the external facility cannot report for it.
    let admin = token_of(&mut app, "hospital_admin").await;
    assert_eq!(push(&mut app, &admin, &net, report(1, 1)).await.status, StatusCode::FORBIDDEN);
    // No token: 401.
    assert_eq!(push(&mut app, "", &net, report(1, 1)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_counts").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_requests WHERE status = 'requested'").await, 1);
    // Pages: the receptionist has no board.
    let mut c = app.another_client();
    c.login(&app.user("receptionist").await, PASSWORD).await;
    assert_eq!(c.get("/bednet").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bednet_board_request_accept_and_arrival_through_the_pages() {
    let app = TestApp::new().await;
    let net = network(&app, 1).await;
    let mut ems = app.another_client();
    ems.login(&app.user("ems_dispatcher").await, PASSWORD).await;
    let board = ems.get("/bednet").await;
    assert_eq!(board.status, StatusCode::OK, "{}", board.body);
    assert!(board.body.contains("Test Hospital") && board.body.contains("name=\"priority\""));
    let r = ems
        .post_form(
            "/bednet/requests",
            &[
                ("facility", &net.hearth.to_string()),
                ("bed_type", "critical_care"),
                ("priority", "P2"),
                ("esi", "2"),
                ("news2", "6"),
                ("summary", "Sepsis, hypotensive"),
                ("eta_minutes", "15"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let bad = ems.post_form("/bednet/requests", &[("facility", &net.hearth.to_string()), ("priority", "P2")]).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let req: Uuid = sqlx::query_scalar("SELECT id FROM bednet_requests").fetch_one(&app.pool).await.unwrap();

    let mut nurse = app.another_client();
    nurse.login(&app.user("nurse").await, PASSWORD).await;
    let board = nurse.get("/bednet").await;
    assert!(
        board.body.contains("Sepsis, hypotensive") && board.body.contains(&format!("/bednet/requests/{req}/accept")),
        "{}",
        board.body
    );
    assert!(board.body.contains(&net.beds[0].to_string()), "the free bed is offered");
    let r = nurse.post_form(&format!("/bednet/requests/{req}/accept"), &[("bed_id", &net.beds[0].to_string())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let board = nurse.get("/bednet").await;
    assert!(board.body.contains("minutes left"), "{}", board.body);
    let r = nurse.post_form(&format!("/bednet/requests/{req}/arrive"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(count(&app, "SELECT count(*) FROM bednet_requests WHERE status = 'arrived'").await, 1);
    assert_eq!(app.audit_count("bednet.request.accept").await, 1);
}

#[tokio::test]
async fn bednet_etag_holds_across_snapshot_rebuilds_while_counts_stand() {
    let mut app = TestApp::new().await;
    let net = network(&app, 1).await;
    let first = app.api(Method::GET, "/api/v1/availability", None, None).await;
    let etag = first.headers.get(header::ETAG).unwrap().to_str().unwrap().to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    // A rebuilt snapshot with the same counts (a later generated_at) is the same answer.
    hearth::modules::bednet::snapshot::invalidate();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let req = app
        .builder(Method::GET, "/api/v1/availability")
        .header(header::IF_NONE_MATCH, &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::NOT_MODIFIED);
    // A new report that changes a count is a new answer.
    let mgr = manager(&mut app, &net).await;
    assert_eq!(push(&mut app, &mgr, &net, report(1, 3)).await.status, StatusCode::NO_CONTENT);
    let req = app
        .builder(Method::GET, "/api/v1/availability")
        .header(header::IF_NONE_MATCH, &etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.request(req).await.status, StatusCode::OK);
}
