//! The laboratory through HTTP: ordering from the chart (duplicate warning), collection with a
//! DB-generated accession, receipt (raced), rejection with recollection, result entry (flags,
//! censored values, delta check, eGFR), the second verifier refused by the database, release
//! (critical alert, inbox, charge), amendment, the critical call, roles.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::*;

/// A signed-in browser of another user of `role` on the same app; returns it and its API token.
async fn as_role(app: &TestApp, role: &str) -> (TestApp, String) {
    let email = app.user(role).await;
    let mut c = app.another_client();
    c.login(&email, PASSWORD).await;
    let token = c.api_token(&email).await;
    (c, token)
}

async fn patient(app: &mut TestApp, sex: &str, birth: &str) -> String {
    app.register_patient(&[("given_name", "Lab"), ("family_name", "Patient"), ("sex", sex), ("birth_date", birth)])
        .await
}

/// Places an order through the orders core's API; returns the specimen id to collect.
async fn order(app: &mut TestApp, token: &str, pid: &str, code: &str, options: Value) -> String {
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(token),
            Some(json!({"kind": "lab_test", "code": code, "priority": "urgent", "indication": "Check", "options": options})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let header: uuid::Uuid = r.json()["id"].as_str().unwrap().parse().unwrap();
    let id: uuid::Uuid = sqlx::query_scalar(
        "SELECT s.id FROM lab_specimens s JOIN lab_orders lo ON lo.id = s.lab_order_id
         WHERE lo.order_id = $1 AND s.status = 'to_collect'",
    )
    .bind(header)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    id.to_string()
}

async fn api_ok(app: &mut TestApp, token: &str, path: &str, body: Value) -> Value {
    let r = app.api(Method::POST, path, Some(token), Some(body)).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.body);
    if r.body.is_empty() {
        Value::Null
    } else {
        r.json()
    }
}

/// Collected and received, ready for results.
async fn to_bench(app: &mut TestApp, nurse: &str, lab: &str, specimen: &str) {
    api_ok(app, nurse, &format!("/api/v1/laboratory/specimens/{specimen}/collect"), json!({})).await;
    api_ok(app, lab, &format!("/api/v1/laboratory/specimens/{specimen}/receive"), json!({})).await;
}

async fn results(app: &TestApp, specimen: &str) -> Vec<(String, Option<String>, String, String)> {
    sqlx::query_as("SELECT test, flag, status, comment FROM lab_results WHERE specimen_id = $1::uuid ORDER BY test")
        .bind(specimen)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn laboratory_order_to_release_through_the_pages() {
    let (mut doctor, _) = TestApp::signed_in("doctor").await;
    let pid = patient(&mut doctor, "female", "1970-05-01").await;
    let tab = doctor.get(&format!("/patients/{pid}/laboratory")).await;
    assert_eq!(tab.status, StatusCode::OK, "{}", tab.body);
    assert!(tab.body.contains("Basic metabolic panel") && tab.body.contains("No results."), "{}", tab.body);
    let r = doctor
        .post_form(
            &format!("/patients/{pid}/laboratory"),
            &[("code", "BMP"), ("priority", "stat"), ("indication", "Confusion, on diuretics")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(doctor.audit_count("laboratory.order.create").await, 1);

    // The nurse collects from the collection list: the database gives the accession number.
    let (mut nurse, _) = as_role(&doctor, "nurse").await;
    let list = nurse.get("/laboratory/collect").await;
    assert!(list.body.contains("Basic metabolic panel") && list.body.contains("Confusion, on diuretics"));
    let specimen: uuid::Uuid =
        sqlx::query_scalar("SELECT id FROM lab_specimens").fetch_one(&doctor.pool).await.unwrap();
    let r = nurse.post_form(&format!("/laboratory/specimens/{specimen}/collect"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let accession: String =
        sqlx::query_scalar("SELECT accession FROM lab_specimens").fetch_one(&doctor.pool).await.unwrap();
    assert!(accession.starts_with('L') && accession.len() == 10, "{accession}");

    // The laboratory receives it by scanning the accession, and enters the results.
    let (mut lab, _) = as_role(&doctor, "lab_technician").await;
    assert!(lab.get("/laboratory/receive").await.body.contains(&accession));
    let r = lab.post_form("/laboratory/receive", &[("accession", &accession.to_lowercase())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let sheet = lab.get("/laboratory/worksheet?section=biochemistry").await;
    assert!(sheet.body.contains(&accession) && sheet.body.contains("mmol/L") && sheet.body.contains("3.5–5.1"));
    let r = lab
        .post_form(
            &format!("/laboratory/specimens/{specimen}/results"),
            &[
                ("v_NA", "128"),
                ("v_K", "4.0"),
                ("v_CL", "101"),
                ("v_HCO3", "24"),
                ("v_UREA", "6.0"),
                ("v_CREA", "70.72"),
                ("v_GLU", "< 1.0"),
                ("v_CA", ""),
                ("c_CA", "Haemolysed — not reported"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rows = results(&doctor, &specimen.to_string()).await;
    let find = |t: &str| rows.iter().find(|r| r.0 == t).cloned().unwrap();
    assert_eq!(find("NA").1.as_deref(), Some("L"));
    assert_eq!(find("GLU").1.as_deref(), Some("LL"), "a censored value below the critical limit");
    assert_eq!(find("CA").3, "Haemolysed — not reported");
    let egfr: f64 = sqlx::query_scalar("SELECT value_num::float8 FROM lab_results WHERE test = 'EGFR' AND calculated")
        .fetch_one(&doctor.pool)
        .await
        .unwrap();
    // The patient is 56 on the collection day: 142 × (0.8/0.7)^−1.2 × 0.9938^56 × 1.012.
    let age = {
        let today = time::OffsetDateTime::now_utc().date();
        today.year() - 1970 - i32::from((today.month() as u8, today.day()) < (5, 1))
    };
    let expected = (142.0 * (0.8f64 / 0.7).powf(-1.2) * 0.9938f64.powi(age) * 1.012).round();
    assert_eq!(egfr, expected);

    // Release (one person may: the section needs no second verifier): criticals alert the
    // orderer, the inbox has the summary, the order completes and is charged once.
    let r = lab.post_form(&format!("/laboratory/specimens/{specimen}/release"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let alerts: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM alerts WHERE source_module = 'laboratory' AND kind = 'laboratory.critical_value'",
    )
    .fetch_one(&doctor.pool)
    .await
    .unwrap();
    assert_eq!(alerts, 1);
    let (status, inbox): (String, i64) = sqlx::query_as(
        "SELECT o.status, (SELECT count(*) FROM order_results r WHERE r.order_id = o.id) FROM orders o WHERE o.kind = 'lab_test'",
    )
    .fetch_one(&doctor.pool)
    .await
    .unwrap();
    assert_eq!((status.as_str(), inbox), ("completed", 1));
    let charges: Vec<String> = sqlx::query_scalar("SELECT code FROM charges WHERE source_module = 'laboratory'")
        .fetch_all(&doctor.pool)
        .await
        .unwrap();
    assert_eq!(charges, vec!["LAB:LAB-PANEL-BMP".to_string()]);
    let r = lab.post_form(&format!("/laboratory/specimens/{specimen}/release"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "a second release is refused with a message");

    // The chart shows the results with flags; a test's history; the critical waits for its call.
    let tab = doctor.get(&format!("/patients/{pid}/laboratory")).await;
    assert!(
        tab.body.contains("Sodium") && tab.body.contains(">L<") && tab.body.contains("&#60; 1.0 mmol/L"),
        "{}",
        tab.body
    );
    assert!(tab.body.contains("CKD-EPI 2021"));
    let history = doctor.get(&format!("/patients/{pid}/laboratory?test=NA")).await;
    assert!(history.body.contains("History:") && history.body.contains("LOINC 2951-2"));
    assert!(lab.get("/laboratory/worksheet?section=biochemistry").await.body.contains("Record the call"));
}

#[tokio::test]
async fn laboratory_duplicate_orders_warn_within_the_minimum_interval() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "male", "1960-01-01").await;
    order(&mut app, &token, &pid, "LIPID", json!({})).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(&token),
            Some(json!({"kind": "lab_test", "code": "LIPID"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("minimum interval 720 h"), "{}", r.body);
    // On the chart tab the warning offers to confirm, and the form keeps what was typed.
    let r = app.post_form(&format!("/patients/{pid}/laboratory"), &[("code", "LIPID"), ("indication", "KEEPME")]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Order it again anyway") && r.body.contains("KEEPME"));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM lab_orders").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
    order(&mut app, &token, &pid, "LIPID", json!({"confirm_duplicate": true})).await;
    // Tests without an interval (troponin) are ordered again freely; unknown codes are refused.
    order(&mut app, &token, &pid, "TNI", json!({})).await;
    order(&mut app, &token, &pid, "TNI", json!({})).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(&token),
            Some(json!({"kind": "lab_test", "code": "EGFR"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a calculated test is not orderable");
}

#[tokio::test]
async fn laboratory_one_specimen_received_by_many_at_once_is_received_once() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "male", "1960-01-01").await;
    let specimen = order(&mut app, &token, &pid, "K", json!({})).await;
    let (_, nurse) = as_role(&app, "nurse").await;
    let (_, lab) = as_role(&app, "lab_technician").await;
    // Collection raced: one accession number.
    let url = format!("/api/v1/laboratory/specimens/{specimen}/collect");
    let calls = (0..6).map(|_| {
        let mut c = app.another_client();
        let (url, token) = (url.clone(), nurse.clone());
        async move { c.api(Method::POST, &url, Some(&token), Some(json!({}))).await }
    });
    let rs = futures_util::future::join_all(calls).await;
    let ok = rs.iter().filter(|r| r.status == StatusCode::OK).count();
    let conflicts = rs.iter().filter(|r| r.status == StatusCode::CONFLICT).count();
    assert_eq!((ok, conflicts), (1, 5), "{:?}", rs.iter().map(|r| r.status).collect::<Vec<_>>());
    // Receipt raced.
    let url = format!("/api/v1/laboratory/specimens/{specimen}/receive");
    let calls = (0..6).map(|_| {
        let mut c = app.another_client();
        let (url, token) = (url.clone(), lab.clone());
        async move { c.api(Method::POST, &url, Some(&token), None).await }
    });
    let rs = futures_util::future::join_all(calls).await;
    let ok = rs.iter().filter(|r| r.status == StatusCode::NO_CONTENT).count();
    let conflicts: Vec<_> = rs.iter().filter(|r| r.status == StatusCode::CONFLICT).collect();
    assert_eq!((ok, conflicts.len()), (1, 5), "{:?}", rs.iter().map(|r| r.status).collect::<Vec<_>>());
    assert!(conflicts[0].body.contains("already received"), "{}", conflicts[0].body);
    assert_eq!(app.audit_count("laboratory.specimen.receive").await, 1);
    // Result entry raced: one set of results.
    let url = format!("/api/v1/laboratory/specimens/{specimen}/results");
    let calls = (0..4).map(|_| {
        let mut c = app.another_client();
        let (url, token) = (url.clone(), lab.clone());
        async move {
            c.api(Method::POST, &url, Some(&token), Some(json!({"results": [{"test": "K", "value": "4.1"}]}))).await
        }
    });
    let rs = futures_util::future::join_all(calls).await;
    let created = rs.iter().filter(|r| r.status == StatusCode::CREATED).count();
    assert_eq!(created, 1, "{:?}", rs.iter().map(|r| (r.status, r.body.clone())).collect::<Vec<_>>());
    assert!(rs.iter().all(|r| r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT));
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM lab_results").fetch_one(&app.pool).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn laboratory_second_verifier_is_never_the_enterer() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "male", "1960-01-01").await;
    let (_, admin) = as_role(&app, "hospital_admin").await;
    let (_, nurse) = as_role(&app, "nurse").await;
    let (_, lab_a) = as_role(&app, "lab_technician").await;
    let (_, lab_b) = as_role(&app, "lab_technician").await;
    // Only the configuring role sets the section rule.
    let r = app
        .api(
            Method::POST,
            "/api/v1/laboratory/sections/haematology",
            Some(&lab_a),
            Some(json!({"second_verifier": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    api_ok(&mut app, &admin, "/api/v1/laboratory/sections/haematology", json!({"second_verifier": true})).await;
    let specimen = order(&mut app, &token, &pid, "HGB", json!({})).await;
    to_bench(&mut app, &nurse, &lab_a, &specimen).await;
    api_ok(
        &mut app,
        &lab_a,
        &format!("/api/v1/laboratory/specimens/{specimen}/results"),
        json!({"results": [{"test": "HGB", "value": "141"}]}),
    )
    .await;
    // Release before verification is refused.
    let r =
        app.api(Method::POST, &format!("/api/v1/laboratory/specimens/{specimen}/release"), Some(&lab_a), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    // The enterer cannot verify: the database refuses it (CHECK), nothing changes.
    let r = app.api(Method::POST, &format!("/api/v1/laboratory/specimens/{specimen}/verify"), Some(&lab_a), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("another person"), "{}", r.body);
    assert_eq!(results(&app, &specimen).await[0].2, "entered");
    let direct = sqlx::query("UPDATE lab_results SET verified_by = entered_by, status = 'verified'")
        .execute(&app.pool)
        .await
        .unwrap_err();
    assert!(direct.to_string().contains("lab_results_verifier_not_enterer"), "{direct}");
    // Another technician verifies; then release.
    api_ok(&mut app, &lab_b, &format!("/api/v1/laboratory/specimens/{specimen}/verify"), json!({})).await;
    let released =
        api_ok(&mut app, &lab_a, &format!("/api/v1/laboratory/specimens/{specimen}/release"), json!({})).await;
    assert_eq!(released["count"], 1);
    assert_eq!(results(&app, &specimen).await[0].2, "released");
    assert_eq!(app.audit_count("laboratory.result.verify").await, 1);
}

#[tokio::test]
async fn laboratory_delta_check_holds_and_corrections_keep_the_original() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "female", "1950-03-03").await;
    let (_, nurse) = as_role(&app, "nurse").await;
    let (mut lab_browser, lab) = as_role(&app, "lab_technician").await;
    let first = order(&mut app, &token, &pid, "K", json!({})).await;
    to_bench(&mut app, &nurse, &lab, &first).await;
    api_ok(
        &mut app,
        &lab,
        &format!("/api/v1/laboratory/specimens/{first}/results"),
        json!({"results": [{"test": "K", "value": "4.0"}]}),
    )
    .await;
    api_ok(&mut app, &lab, &format!("/api/v1/laboratory/specimens/{first}/release"), json!({})).await;
    // A jump of 2.9 mmol/L (limit 1.0) is held for review: release is refused until reviewed.
    let second = order(&mut app, &token, &pid, "K", json!({})).await;
    to_bench(&mut app, &nurse, &lab, &second).await;
    api_ok(
        &mut app,
        &lab,
        &format!("/api/v1/laboratory/specimens/{second}/results"),
        json!({"results": [{"test": "K", "value": "6.9"}]}),
    )
    .await;
    let rows = results(&app, &second).await;
    assert_eq!((rows[0].1.as_deref(), rows[0].2.as_str()), (Some("HH"), "held"));
    assert!(lab_browser.get("/laboratory/worksheet?section=biochemistry").await.body.contains("Delta check failed"));
    let r = app.api(Method::POST, &format!("/api/v1/laboratory/specimens/{second}/release"), Some(&lab), None).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("held"), "{}", r.body);
    let id: String = sqlx::query_scalar("SELECT id::text FROM lab_results WHERE specimen_id = $1::uuid")
        .bind(&second)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    api_ok(&mut app, &lab, &format!("/api/v1/laboratory/results/{id}/review"), json!({})).await;
    api_ok(&mut app, &lab, &format!("/api/v1/laboratory/specimens/{second}/release"), json!({})).await;
    // The lab phones the critical value: read-back required.
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/laboratory/results/{id}/call"),
            Some(&lab),
            Some(json!({"receiver": "Ward 3 RN"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    api_ok(
        &mut app,
        &lab,
        &format!("/api/v1/laboratory/results/{id}/call"),
        json!({"receiver": "Ward 3 RN", "read_back": true}),
    )
    .await;
    assert_eq!(app.audit_count("laboratory.critical.call").await, 1);
    // A correction: the original is kept (superseded), the new one shows "corrected".
    let r = app
        .api(Method::POST, &format!("/api/v1/laboratory/results/{id}/amend"), Some(&lab), Some(json!({"value": "4.2"})))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a reason is required");
    api_ok(
        &mut app,
        &lab,
        &format!("/api/v1/laboratory/results/{id}/amend"),
        json!({"value": "4.2", "reason": "Wrong sample line on the analyser"}),
    )
    .await;
    let statuses: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT status, amend_reason FROM lab_results WHERE specimen_id = $1::uuid ORDER BY entered_at")
            .bind(&second)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(statuses.len(), 2);
    assert_eq!(statuses[0].0, "superseded");
    assert_eq!(statuses[1], ("released".to_string(), Some("Wrong sample line on the analyser".to_string())));
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/laboratory/results/{id}/amend"),
            Some(&lab),
            Some(json!({"value": "4.3", "reason": "again"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "the original is no longer current");
    let api =
        app.api(Method::GET, &format!("/api/v1/patients/{pid}/laboratory/results?test=K"), Some(&token), None).await;
    assert_eq!(api.json().as_array().unwrap().len(), 3);
    let tab = app.get(&format!("/patients/{pid}/laboratory")).await;
    assert!(tab.body.contains("Corrected") && tab.body.contains("<del>"), "{}", tab.body);
}

#[tokio::test]
async fn laboratory_bad_input_and_rejected_specimens_change_nothing() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "unknown", "2010-06-01").await;
    let (_, nurse) = as_role(&app, "nurse").await;
    let (_, lab) = as_role(&app, "lab_technician").await;
    let specimen = order(&mut app, &token, &pid, "BMP", json!({})).await;
    // Results before receipt: 409.
    let url = format!("/api/v1/laboratory/specimens/{specimen}/results");
    let r = app.api(Method::POST, &url, Some(&lab), Some(json!({"results": [{"test": "K", "value": "4"}]}))).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    to_bench(&mut app, &nurse, &lab, &specimen).await;
    for (body, what) in [
        (json!({"results": [{"test": "K", "value": "high"}]}), "Potassium"),
        (json!({"results": [{"test": "K", "value": "4.1 mmol/L"}]}), "Potassium"),
        (json!({"results": [{"test": "HGB", "value": "120"}]}), "not a test of this order"),
        (json!({"results": [{"test": "EGFR", "value": "90"}]}), "not a test of this order"),
        (json!({"results": []}), "at least one"),
    ] {
        let r = app.api(Method::POST, &url, Some(&lab), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", r.body);
        assert!(r.body.contains(what), "{body}: {}", r.body);
    }
    assert!(results(&app, &specimen).await.is_empty(), "nothing saved");
    // eGFR is not calculated for a child of unknown sex: a comment says why.
    api_ok(
        &mut app,
        &lab,
        &url,
        json!({"results": [{"test": "CREA", "value": "50"}, {"test": "K", "value": "< 1.5"}]}),
    )
    .await;
    let rows = results(&app, &specimen).await;
    let egfr = rows.iter().find(|r| r.0 == "EGFR").unwrap();
    assert!(egfr.3.contains("not calculated"), "{egfr:?}");
    assert_eq!(rows.iter().find(|r| r.0 == "K").unwrap().1.as_deref(), Some("LL"));

    // Rejection: a coded reason, a recollection request; results for the rejected one refused.
    let other = order(&mut app, &token, &pid, "TNI", json!({})).await;
    to_bench(&mut app, &nurse, &lab, &other).await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/laboratory/specimens/{other}/reject"),
            Some(&lab),
            Some(json!({"reason": "dirty"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rec = api_ok(
        &mut app,
        &lab,
        &format!("/api/v1/laboratory/specimens/{other}/reject"),
        json!({"reason": "haemolysed"}),
    )
    .await;
    let recollection = rec["recollection_id"].as_str().unwrap().to_string();
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/laboratory/specimens/{other}/results"),
            Some(&lab),
            Some(json!({"results": [{"test": "TNI", "value": "5"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/laboratory/specimens/{other}/reject"),
            Some(&lab),
            Some(json!({"reason": "clotted"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let todo = app.api(Method::GET, "/api/v1/laboratory/specimens?status=to_collect", Some(&nurse), None).await;
    assert!(todo.body.contains(&recollection), "{}", todo.body);
    let r = app.api(Method::GET, "/api/v1/laboratory/specimens?status=lost", Some(&nurse), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = app.api(Method::POST, "/api/v1/laboratory/specimens/not-a-uuid/receive", Some(&lab), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn laboratory_roles_without_the_permission_are_refused() {
    let (mut app, email) = TestApp::signed_in("doctor").await;
    let token = app.api_token(&email).await;
    let pid = patient(&mut app, "male", "1960-01-01").await;
    let specimen = order(&mut app, &token, &pid, "K", json!({})).await;
    let (mut reception, reception_token) = as_role(&app, "receptionist").await;
    for path in
        ["/laboratory", "/laboratory/collect", "/laboratory/receive", "/laboratory/worksheet", "/laboratory/catalogue"]
    {
        assert_eq!(reception.get(path).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(reception.get(&format!("/patients/{pid}/laboratory")).await.status, StatusCode::FORBIDDEN);
    let r = reception.api(Method::GET, "/api/v1/laboratory/tests", Some(&reception_token), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The doctor orders but neither collects nor processes; the nurse collects but does not
    // receive or enter; the lab technician does not order.
    let collect = format!("/api/v1/laboratory/specimens/{specimen}/collect");
    assert_eq!(app.api(Method::POST, &collect, Some(&token), Some(json!({}))).await.status, StatusCode::FORBIDDEN);
    let (_, nurse) = as_role(&app, "nurse").await;
    api_ok(&mut app, &nurse, &collect, json!({})).await;
    let receive = format!("/api/v1/laboratory/specimens/{specimen}/receive");
    assert_eq!(app.api(Method::POST, &receive, Some(&nurse), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api(Method::POST, &receive, Some(&token), None).await.status, StatusCode::FORBIDDEN);
    let (mut lab_browser, lab) = as_role(&app, "lab_technician").await;
    let r = app
        .api(
            Method::POST,
            &format!("/api/v1/patients/{pid}/orders"),
            Some(&lab),
            Some(json!({"kind": "lab_test", "code": "K"})),
        )
        .await
        .status;
    assert_eq!(r, StatusCode::FORBIDDEN);
    let r = lab_browser.post_form(&format!("/patients/{pid}/laboratory"), &[("code", "K")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    api_ok(&mut app, &lab, &receive, json!({})).await;
    let results = format!("/api/v1/laboratory/specimens/{specimen}/results");
    let body = json!({"results": [{"test": "K", "value": "4.2"}]});
    assert_eq!(app.api(Method::POST, &results, Some(&nurse), Some(body.clone())).await.status, StatusCode::FORBIDDEN);
    api_ok(&mut app, &lab, &results, body).await;
    let release = format!("/api/v1/laboratory/specimens/{specimen}/release");
    assert_eq!(app.api(Method::POST, &release, Some(&token), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api(Method::POST, &release, Some(&nurse), None).await.status, StatusCode::FORBIDDEN);
    // Clinicians read the catalogue and the patient's results.
    assert_eq!(app.api(Method::GET, "/api/v1/laboratory/tests", Some(&token), None).await.status, StatusCode::OK);
}
